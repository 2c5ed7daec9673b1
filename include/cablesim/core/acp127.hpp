#pragma once
// Cable text <-> Cable: parse every format line of an ACP 127 cable as the State Department wrote
// it, and render a Cable back into text.
//
// parse() never throws on bad input: it returns a parse_error with a 1-based line and column.
// Heading lines (FL1 .. the last TO/INFO/XMT line) are structured; the text after the heading is
// kept verbatim in Cable::body and also structured, best-effort, into Cable::text.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cablesim/cable.pb.h"

namespace cablesim::acp127 {

/// Where and why cable text could not be parsed.
struct parse_error {
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based, in bytes
  std::string message;

  /// "FILE:LINE:COL: error: MESSAGE", the form editors and compilers use.
  std::string format(std::string_view file) const;
};

/// How strict the parser is about the heading.
struct parse_options {
  /// A drafted cable may lack FL1 to FL5 (a post completes them when it files the cable); it
  /// must still have FM and TO lines.
  bool allow_draft = false;
};

/// A parsed cable or the first error found.
struct parse_result {
  Cable cable;
  std::optional<parse_error> error;
  explicit operator bool() const { return !error.has_value(); }
};

parse_result parse(std::string_view text, const parse_options& options = {});

/// How to render.
struct render_options {
  /// Wrap the text at 69 characters and add BT after the heading, BT + NNNN at the end, as on
  /// the wire. Otherwise the text is rendered verbatim with the separators the cable had.
  bool for_transmission = false;
};

/// The whole cable as text.
std::string render(const Cable& cable, const render_options& options = {});

/// The heading only: FL1 .. the last addressee line, each line ending in '\n'.
std::string render_heading(const Cable& cable);

/// Characters of the cable as transmitted (render with for_transmission) from FL3 on. They stay
/// the same from hop to hop, so a station counts them once.
std::size_t transmission_text_characters(const Cable& cable);
/// Characters of the cable as transmitted, given its text characters: only FL1 and FL2 are
/// rendered to count them.
std::size_t transmission_characters(const Cable& cable, std::size_t text_characters);

/// One addressee as written in FL7/FL8/FL9, without the TO/INFO/XMT prefix.
std::string render_addressee(const Addressee& a);

/// The routing line (FL2) on one line, e.g. "OO RUEHRN".
std::string render_routing_line(const RoutingLine& rl);

/// "DE RUEHRO #1919 2531426".
std::string render_origin_line(const Origin& o);

/// The prosign(s) of FL2: OO for one precedence, OR for an O R dual precedence.
std::string routing_prosigns(const RoutingLine& rl);

/// True when s is a well-formed routing indicator: 4 to 7 upper-case letters.
bool is_routing_indicator(std::string_view s);

/// Limits on one cable. ACP 127 traffic names hundreds of addressees at most; a cable beyond
/// these is refused (by the parser with file:line:col, by a station that receives one).
constexpr std::size_t max_addressees = 500;          // TO + INFO + XMT
constexpr std::size_t max_routing_indicators = 500;  // in FL2, and in each pilot's routing line
constexpr std::size_t max_pilots = 64;               // one is added at each misroute or suspected duplicate

/// Why a cable is beyond the limits above, or empty.
std::string check_limits(const Cable& cable);

/// Each line of a cable's text as transmitted: trailing spaces dropped, wrapped at 69 characters.
void for_each_transmitted_line(std::string_view text, const std::function<void(std::string_view)>& each);

/// ACP 127 §208: pages of at most 20 lines counted from FL5, at most 5 pages per transmission.
constexpr std::size_t default_section_lines = 100;

/// Split a complete cable whose transmission would hold more than `max_lines` lines counted
/// from FL5 into sections, State's way: the same SSN with /NN, the same filing time and DTG, and
/// the classification line of each carries SECTION NN OF MM. Empty when it fits in one.
std::vector<Cable> split_into_sections(const Cable& cable, std::size_t max_lines = default_section_lines);

/// The message id without its section: what the sections of one cable share.
std::string base_message_id(const Cable& cable);
/// The same from a message id: "RUEHRO-0001.02-2531400" -> "RUEHRO-0001-2531400".
std::string base_message_id(std::string_view id);

/// Message identity: origin RI + SSN (+ section) + filing time, e.g. "RUEHRO-1919-2531426" or
/// "RUEHMD-4314.01-3571155". The same on every copy of a message everywhere.
std::string message_id(const Cable& cable);

/// Classification for a five-letter security group (CCCCC ...) and back.
Classification classification_from_group(std::string_view group);
std::string_view classification_group(Classification c);
std::string_view classification_name(Classification c);

}  // namespace cablesim::acp127
