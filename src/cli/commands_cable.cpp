#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/config_text.hpp"
#include "cablesim/core/explain.hpp"
#include "cablesim/store/files.hpp"
#include "commands.hpp"

namespace cablesim::cli {
namespace {

/// Reads and parses one cable file; prints file:line:col on error.
bool load_cable(const std::string& path, Cable& cable) {
  const auto text = read_file(path);
  if (!text) return false;
  auto result = acp127::parse(*text);
  if (!result) {
    std::cerr << result.error->format(path) << "\n";
    return false;
  }
  cable = std::move(result.cable);
  return true;
}

}  // namespace

std::optional<std::string> read_file(const std::string& path) {
  auto text = store::read_file(path);
  if (!text) std::cerr << path << ": error: cannot read the file (missing, unreadable, or a folder)\n";
  return text;
}

int parse_cables(const std::vector<std::string>& files) {
  int rc = exit_ok;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  for (const auto& f : files) {
    Cable cable;
    if (!load_cable(f, cable)) {
      rc = exit_bad_input;
      continue;
    }
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(cable, &json, options);
    std::cout << json;
  }
  return rc;
}

bool read_json(const std::string& file, google::protobuf::Message& message) {
  const auto json = read_file(file);
  if (!json) return false;
  const auto status = google::protobuf::util::JsonStringToMessage(*json, &message);
  if (!status.ok()) {
    std::cerr << file << ":1:1: error: not a " << message.GetDescriptor()->full_name()
              << " in protobuf JSON: " << status.message() << "\n";
    return false;
  }
  const auto unknown = config_source(file, message.GetDescriptor()).bad_values(message);
  for (const auto& problem : unknown) std::cerr << problem << "\n";
  return unknown.empty();
}

int format_cable(const std::string& file, bool transmission) {
  Cable cable;
  if (!read_json(file, cable)) return exit_bad_input;
  std::cout << acp127::render(cable, {.for_transmission = transmission});
  return exit_ok;
}

int explain_cable(const std::string& file) {
  Cable cable;
  if (!load_cable(file, cable)) return exit_bad_input;
  std::cout << explain(cable);
  return exit_ok;
}

}  // namespace cablesim::cli
