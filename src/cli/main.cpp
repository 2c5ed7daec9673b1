// cablesim: the command line. Thin: parse arguments, call the library.
// Exit codes: 0 success, 1 bad input (the message says where), 2 usage error.

#include <CLI/CLI.hpp>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/explain.hpp"

namespace {

constexpr int exit_bad_input = 1;

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << path << ": error: cannot open file\n";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

/// Reads and parses one cable file; prints file:line:col on error.
bool load_cable(const std::string& path, cablesim::Cable& cable) {
  std::string text;
  if (!read_file(path, text)) return false;
  auto result = cablesim::acp127::parse(text);
  if (!result) {
    std::cerr << result.error->format(path) << "\n";
    return false;
  }
  cable = std::move(result.cable);
  return true;
}

int cmd_parse(const std::vector<std::string>& files) {
  int rc = 0;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  for (const auto& f : files) {
    cablesim::Cable cable;
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

int cmd_format(const std::string& file, bool transmission) {
  std::string json;
  if (!read_file(file, json)) return exit_bad_input;
  cablesim::Cable cable;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &cable);
  if (!status.ok()) {
    std::cerr << file << ": error: not a Cable in protobuf JSON: " << status.message() << "\n";
    return exit_bad_input;
  }
  std::cout << cablesim::acp127::render(cable, {.for_transmission = transmission});
  return 0;
}

int cmd_explain(const std::string& file) {
  cablesim::Cable cable;
  if (!load_cable(file, cable)) return exit_bad_input;
  std::cout << cablesim::explain(cable);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cablesim: an ACP 127 message-handling simulator for cable routing"};
  app.require_subcommand(1);

  std::vector<std::string> parse_files;
  auto* parse = app.add_subcommand("parse", "cable text -> JSON (one object per file); errors as file:line:col");
  parse->add_option("CABLE", parse_files, "cable text files")->required()->check(CLI::ExistingFile);

  std::string format_file;
  bool transmission = false;
  auto* format = app.add_subcommand("format", "JSON -> cable text");
  format->add_option("CABLE_JSON", format_file, "a Cable in protobuf JSON")->required()->check(CLI::ExistingFile);
  format->add_flag("--transmission", transmission, "wrap at 69 characters and add BT and NNNN, as on the wire");

  std::string explain_file;
  auto* explain = app.add_subcommand("explain", "each format line annotated in plain English");
  explain->add_option("CABLE", explain_file, "cable text file")->required()->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  try {
    if (*parse) return cmd_parse(parse_files);
    if (*format) return cmd_format(format_file, transmission);
    if (*explain) return cmd_explain(explain_file);
  } catch (const std::exception& e) {
    std::cerr << "cablesim: error: " << e.what() << "\n";
    return exit_bad_input;
  }
  return 2;
}
