// Long cables in sections (ACP 127 §208, in the State Department's form).
#include <algorithm>
#include <string>
#include <vector>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/markings.hpp"
#include "cablesim/core/text.hpp"

namespace cablesim::acp127 {
namespace {

/// "C O N F I D E N T I A L ROME 001919" -> "C O N F I D E N T I A L SECTION 01 OF 03 ROME 001919":
/// the marker goes after the classification (spaced out, or one word, or TOP SECRET).
std::string with_section_marker(const std::string& line, std::size_t k, std::size_t m) {
  const auto marker =
      "SECTION " + zero_pad(static_cast<uint32_t>(k), 2) + " OF " + zero_pad(static_cast<uint32_t>(m), 2);
  if (line.empty()) return marker;
  std::size_t end = 0;
  if (line.size() > 2 && line[1] == ' ') {  // spaced: single letters and spaces
    while (end < line.size() && (end + 1 == line.size() || line[end + 1] == ' ')) end += 2;
    end = std::min(end, line.size());
    if (end > 0 && end <= line.size() && line[end - 1] == ' ') --end;
  } else {
    end = line.find(' ');
    if (line.starts_with("TOP SECRET")) end = 10;
    if (end == std::string::npos) end = line.size();
  }
  std::string out = line.substr(0, end) + " " + marker;
  if (end < line.size()) out += line.substr(end);
  return out;
}

}  // namespace

std::vector<Cable> split_into_sections(const Cable& cable, std::size_t max_lines) {
  // lines from FL5: FL5, FM, one per addressee, the two BT lines
  const std::size_t heading =
      4 + static_cast<std::size_t>(cable.action_size() + cable.information_size() + cable.exempted_size());
  std::size_t count_lines = 0;  // most cables fit: count before copying any line
  for_each_transmitted_line(cable.body(), [&](std::string_view) { ++count_lines; });
  if (heading + count_lines <= max_lines) return {};
  std::vector<std::string> lines;
  lines.reserve(count_lines);
  for_each_transmitted_line(cable.body(), [&](std::string_view line) { lines.emplace_back(line); });
  std::string classification;
  if (!lines.empty() && classification_of_line(lines.front()) != CLASSIFICATION_UNSPECIFIED) {
    classification = lines.front();
    lines.erase(lines.begin());
  }
  // each section: its classification line with the marker, then as much text as fits
  const std::size_t room = max_lines > heading + 1 ? max_lines - heading - 1 : 1;
  const std::size_t count = (lines.size() + room - 1) / room;
  std::vector<Cable> sections;
  for (std::size_t k = 1; k <= count; ++k) {
    Cable s = cable;
    s.mutable_origin()->set_section(static_cast<uint32_t>(k));
    s.mutable_origin()->set_sections(static_cast<uint32_t>(count));
    std::string body = with_section_marker(classification, k, count) + "\n";
    const auto first = (k - 1) * room;
    for (std::size_t i = first; i < std::min(lines.size(), first + room); ++i) body += lines[i] + "\n";
    s.set_body(std::move(body));
    sections.push_back(std::move(s));
  }
  return sections;
}

std::string base_message_id(std::string_view id) {
  // RI-SSSS[.NN]-DDDHHMM[~C]
  const auto first = id.find('-');
  const auto second = first == std::string_view::npos ? first : id.find('-', first + 1);
  const auto dot = id.substr(0, second).find('.', first == std::string_view::npos ? 0 : first);
  if (dot == std::string_view::npos) return std::string(id);
  return std::string(id.substr(0, dot)) + std::string(id.substr(second));
}

std::string base_message_id(const Cable& cable) { return base_message_id(message_id(cable)); }

}  // namespace cablesim::acp127
