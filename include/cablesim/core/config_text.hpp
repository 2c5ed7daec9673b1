#pragma once
// Configuration files (topologies, scenarios): protobuf text format, or protobuf JSON for names
// ending in .json; with file:line:col for every problem.

#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cablesim {

/// One step of a path to a field: field name and repeated index (-1 for a singular field).
struct field_step {
  std::string_view field;
  int index = -1;
};

/// A parsed configuration file and where each of its fields was written.
class config_source {
 public:
  /// Parse `text` into `message`; throws config_error listing syntax errors and unknown fields.
  config_source(std::string_view text, std::string_view file_name, google::protobuf::Message& message);
  /// A message built in memory: a problem is placed by its field path ("origin: stations[3].ri").
  config_source(std::string_view origin, const google::protobuf::Descriptor* root);

  /// "file:line:col" of a field, e.g. {{"stations", 3}, {"ri"}}. For JSON (which keeps no
  /// positions) the first occurrence of `hint` as a quoted string, or 1:1.
  std::string at(std::initializer_list<field_step> path, std::string_view hint = {}) const {
    return at(std::span<const field_step>(path.begin(), path.size()), hint);
  }
  std::string at(std::span<const field_step> path, std::string_view hint = {}) const;
  /// "file:line:col" of a position.
  std::string pos(int line, int column) const;
  const std::string& file_name() const { return file_; }
  /// Every value that its field's type takes but no configuration means, each with its place:
  /// an enum's number that names none of its values (protobuf takes any number for an open
  /// enum: `role: 7`), and a floating-point number that is not finite (nan, inf). Empty when
  /// there is none.
  std::vector<std::string> bad_values(const google::protobuf::Message& message) const;

 private:
  std::string file_;
  std::string_view text_;
  const google::protobuf::Descriptor* root_;
  std::unique_ptr<google::protobuf::TextFormat::ParseInfoTree> tree_;  // null for JSON
  bool in_memory_ = false;
};

}  // namespace cablesim
