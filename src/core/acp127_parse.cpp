#include "cablesim/core/acp127.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <vector>

#include "cablesim/core/dtg.hpp"
#include "cablesim/core/markings.hpp"
#include "cablesim/core/precedence.hpp"
#include "cablesim/core/text.hpp"

namespace cablesim::acp127 {
namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view rtrim(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}
std::string_view ltrim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  return s;
}
std::string_view trim(std::string_view s) { return ltrim(rtrim(s)); }

bool all_digits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_digit); }
bool all_upper(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_upper); }

unsigned to_uint(std::string_view s) {
  unsigned v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

/// One line of the input with its position.
struct line {
  std::string_view text;   // without the terminator
  std::size_t number = 0;  // 1-based
  std::size_t offset = 0;  // of the first byte in the input
};

/// A word of a line and its 0-based column.
struct word {
  std::string_view text;
  std::size_t column = 0;
};

std::vector<word> split_words(std::string_view s) {
  std::vector<word> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.push_back({s.substr(start, i - start), start});
  }
  return out;
}

/// Walks the input line by line.
class line_reader {
 public:
  explicit line_reader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ >= text_.size(); }

  line peek() const {
    line l;
    l.offset = pos_;
    l.number = number_;
    const auto nl = text_.find('\n', pos_);
    const std::size_t end = nl == std::string_view::npos ? text_.size() : nl;
    l.text = text_.substr(pos_, end - pos_);
    if (!l.text.empty() && l.text.back() == '\r') l.text.remove_suffix(1);
    return l;
  }

  line next() {
    line l = peek();
    const auto nl = text_.find('\n', pos_);
    pos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
    ++number_;
    return l;
  }

  std::size_t position() const { return pos_; }
  std::size_t line_number() const { return number_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t number_ = 1;
};

/// Thrown inside the parser only; parse() turns it into a parse_error. Never escapes.
struct failure {
  parse_error error;
};

[[noreturn]] void fail(const line& l, std::size_t column0, std::string message) {
  throw failure{parse_error{l.number, column0 + 1, std::move(message)}};
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

/// Validate a routing indicator, failing with a message that says what is wrong with it.
void check_ri(const line& l, const word& w, std::string_view what) {
  const auto s = w.text;
  if (std::any_of(s.begin(), s.end(), is_digit))
    fail(l, w.column,
         std::string(what) + " " + quoted(s) + " contains a digit (a routing indicator is 4 to 7 letters)");
  if (!is_routing_indicator(s))
    fail(l, w.column, std::string(what) + " " + quoted(s) + " is not a routing indicator (4 to 7 upper-case letters)");
}

/// A word that is meant as a precedence but is not one: a near-miss of a precedence word, or a
/// precedence from another system.
bool looks_like_bad_precedence_word(std::string_view w) {
  static constexpr std::array<std::string_view, 5> foreign = {"URGENT", "EMERGENCY", "DEFERRED", "NORMAL",
                                                              "OPERATIONAL"};
  if (std::find(foreign.begin(), foreign.end(), w) != foreign.end()) return true;
  if (w.size() < 5) return false;
  for (auto p : {FLASH, IMMEDIATE, PRIORITY, ROUTINE})
    if (edit_distance(w, precedence_word(p)) <= 2) return true;
  return false;
}

constexpr std::string_view bad_precedence_hint = " (expected FLASH, IMMEDIATE, PRIORITY or ROUTINE)";

// --- FL1 ------------------------------------------------------------------------------------

void parse_fl1(const line& l, Cable& c) {
  const auto lead = l.text.size() - ltrim(l.text).size();
  const auto s = rtrim(ltrim(l.text));
  // "VZCZC" + channel designator letters + channel serial digits
  std::size_t i = 5;
  while (i < s.size() && is_upper(s[i])) ++i;
  const auto designator = s.substr(5, i - 5);
  const auto serial = s.substr(i);
  if (designator.empty()) fail(l, lead + 5, "FL1 " + quoted(s) + " has no channel designator after VZCZC");
  if (!all_digits(serial) || serial.size() > 6)
    fail(l, lead + i, "FL1 channel serial " + quoted(serial) + " must be 1 to 6 digits");
  auto* t = c.mutable_transmission();
  t->set_channel_designator(std::string(designator));
  t->set_channel_serial(to_uint(serial));
  t->set_serial_digits(static_cast<unsigned>(serial.size()));
}

// --- FL2 ------------------------------------------------------------------------------------

void parse_fl2_prosigns(const line& l, const word& w, RoutingLine& rl) {
  const auto s = w.text;
  if (s.size() != 2)
    fail(l, w.column,
         "FL2 precedence prosign " + quoted(s) + " must be a doubled letter such as OO (IMMEDIATE) or RR (ROUTINE)");
  for (std::size_t k = 0; k < 2; ++k) {
    const auto p = precedence_from_prosign(s[k]);
    if (!p)
      fail(l, w.column + k, "unknown precedence prosign " + quoted(s.substr(k, 1)) + " in FL2 (expected Z, O, P or R)");
    if (k == 0 || s[1] != s[0]) rl.add_precedence(*p);
  }
  if (rl.precedence_size() == 2 && !more_urgent(rl.precedence(0), rl.precedence(1)))
    fail(l, w.column, "FL2 dual precedence " + quoted(s) + " must name the higher precedence first");
}

bool is_ri_only_line(std::string_view s) {
  const auto words = split_words(s);
  if (words.empty()) return false;
  return std::all_of(words.begin(), words.end(), [](const word& w) { return is_routing_indicator(w.text); });
}

// --- FL3 ------------------------------------------------------------------------------------

void parse_filing_time(const line& l, const word& w, FilingTime& ft) {
  if (w.text.size() != 7 || !all_digits(w.text))
    fail(l, w.column, "filing time " + quoted(w.text) + " must be 7 digits DDDHHMM (Julian day, hour, minute)");
  const unsigned day = to_uint(w.text.substr(0, 3));
  const unsigned hour = to_uint(w.text.substr(3, 2));
  const unsigned minute = to_uint(w.text.substr(5, 2));
  if (day < 1 || day > 366) fail(l, w.column, "filing time Julian day " + std::to_string(day) + " is not 001 to 366");
  if (hour > 23) fail(l, w.column + 3, "filing time hour " + std::to_string(hour) + " is not 00 to 23");
  if (minute > 59) fail(l, w.column + 5, "filing time minute " + std::to_string(minute) + " is not 00 to 59");
  ft.set_day_of_year(day);
  ft.set_hour(hour);
  ft.set_minute(minute);
}

void parse_fl3(const line& l, Cable& c) {
  const auto words = split_words(rtrim(l.text));
  if (words.empty() || words[0].text != "DE")
    fail(l, words.empty() ? 0 : words[0].column, "expected FL3 'DE <station RI> #<serial> <filing time>'");
  if (words.size() < 4) fail(l, l.text.size(), "FL3 must read 'DE <station RI> #<serial> <filing time>'");
  if (words.size() > 4) fail(l, words[4].column, "unexpected " + quoted(words[4].text) + " after the FL3 filing time");
  auto* o = c.mutable_origin();
  check_ri(l, words[1], "originating station");
  o->set_station_ri(std::string(words[1].text));
  auto ssn = words[2].text;
  if (ssn.empty() || ssn[0] != '#')
    fail(l, words[2].column, "station serial number must start with '#', got " + quoted(ssn));
  ssn.remove_prefix(1);
  std::string_view section;
  if (const auto slash = ssn.find('/'); slash != std::string_view::npos) {
    section = ssn.substr(slash + 1);
    ssn = ssn.substr(0, slash);
    if (!all_digits(section) || section.size() > 3)
      fail(l, words[2].column + 2 + slash, "section number " + quoted(section) + " must be digits, as in #4314/01");
    o->set_section(to_uint(section));
    if (o->section() == 0) fail(l, words[2].column + 2 + slash, "section number must not be 00");
  }
  if (!all_digits(ssn) || ssn.size() > 6)
    fail(l, words[2].column + 1, "station serial number " + quoted(ssn) + " must be digits, as in #1919");
  o->set_station_serial(to_uint(ssn));
  parse_filing_time(l, words[3], *o->mutable_filing_time());
}

// --- FL4 ------------------------------------------------------------------------------------

void parse_fl4(const line& l, Cable& c) {
  const auto s = rtrim(l.text);
  const auto words = split_words(s);
  if (words.size() < 2 || (words[0].text != "ZNY" && words[0].text != "ZNR"))
    fail(l, words.empty() ? 0 : words[0].column,
         "expected FL4 security warning 'ZNR UUUUU' or 'ZNY CCCCC|SSSSS|TTTTT'");
  const auto cls = classification_from_group(words[1].text);
  if (cls == CLASSIFICATION_UNSPECIFIED)
    fail(l, words[1].column,
         "unknown security group " + quoted(words[1].text) + " (expected UUUUU, CCCCC, SSSSS or TTTTT)");
  if ((words[0].text == "ZNR") != (cls == UNCLASSIFIED))
    fail(l, words[0].column,
         std::string(words[0].text) + " does not go with " + quoted(words[1].text) +
             " (ZNR is for UUUUU, ZNY for CCCCC, SSSSS and TTTTT)");
  auto* sec = c.mutable_security();
  sec->set_prosign(std::string(words[0].text));
  sec->set_classification(cls);
  const auto after = words[1].column + words[1].text.size();
  sec->set_trailer(std::string(s.substr(after)));
  for (std::size_t i = 2; i < words.size(); ++i) sec->add_operating_signals(std::string(words[i].text));
  c.set_classification(cls);
}

// --- FL5 ------------------------------------------------------------------------------------

unsigned full_year(unsigned y, std::size_t digits) {
  if (digits == 4) return y;
  return y >= 70 ? 1900 + y : 2000 + y;
}

/// Parses "DDHHMMZ MON YY" starting at words[i]; returns the index after the year.
std::size_t parse_dtg(const line& l, const std::vector<word>& words, std::size_t i, Dtg& d) {
  if (i >= words.size()) fail(l, l.text.size(), "missing date-time group (DDHHMMZ MON YY)");
  const auto& t = words[i];
  if (t.text.size() != 7 || !all_digits(t.text.substr(0, 6)) || t.text[6] != 'Z')
    fail(l, t.column, "date-time group " + quoted(t.text) + " must be DDHHMMZ, as in 101426Z");
  const unsigned day = to_uint(t.text.substr(0, 2));
  const unsigned hour = to_uint(t.text.substr(2, 2));
  const unsigned minute = to_uint(t.text.substr(4, 2));
  if (hour > 23) fail(l, t.column + 2, "DTG hour " + std::to_string(hour) + " is not 00 to 23");
  if (minute > 59) fail(l, t.column + 4, "DTG minute " + std::to_string(minute) + " is not 00 to 59");
  if (i + 1 >= words.size()) fail(l, l.text.size(), "DTG is missing its month (JAN..DEC)");
  const auto& m = words[i + 1];
  const auto month = month_from_abbreviation(m.text);
  if (!month) fail(l, m.column, "unknown month " + quoted(m.text) + " in DTG (expected JAN, FEB, ... DEC)");
  if (i + 2 >= words.size()) fail(l, l.text.size(), "DTG is missing its year (YY or YYYY)");
  const auto& y = words[i + 2];
  if (!all_digits(y.text) || (y.text.size() != 2 && y.text.size() != 4))
    fail(l, y.column, "DTG year " + quoted(y.text) + " must be 2 or 4 digits");
  const unsigned year = full_year(to_uint(y.text), y.text.size());
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(year)}, std::chrono::month{*month},
                                        std::chrono::day{day}};
  if (!ymd.ok())
    fail(l, t.column,
         "DTG day " + std::to_string(day) + " does not exist in " + std::string(m.text) + " " + std::to_string(year));
  d.set_day(day);
  d.set_hour(hour);
  d.set_minute(minute);
  d.set_month(*month);
  d.set_year(year);
  d.set_year_digits(static_cast<unsigned>(y.text.size()));
  return i + 3;
}

void parse_fl5(const line& l, Cable& c) {
  const auto s = rtrim(l.text);
  const auto words = split_words(s);
  auto* dl = c.mutable_dtg_line();
  std::size_t i = 0;
  while (i < words.size() && !is_digit(words[i].text[0])) {
    const auto& w = words[i];
    if (w.text.size() != 1) {
      if (looks_like_bad_precedence_word(w.text) || precedence_from_word(w.text))
        fail(l, w.column, "FL5 precedence " + quoted(w.text) + " must be a prosign letter Z, O, P or R");
      fail(l, w.column, "expected FL5 '<precedence> DDHHMMZ MON YY', got " + quoted(w.text));
    }
    const auto p = precedence_from_prosign(w.text[0]);
    if (!p) fail(l, w.column, "unknown precedence prosign " + quoted(w.text) + " in FL5 (expected Z, O, P or R)");
    dl->add_precedence(*p);
    ++i;
  }
  if (dl->precedence_size() == 0) fail(l, 0, "FL5 must start with a precedence prosign (Z, O, P or R)");
  if (dl->precedence_size() > 2) fail(l, words[2].column, "FL5 has more than two precedences");
  if (dl->precedence_size() == 2 && !more_urgent(dl->precedence(0), dl->precedence(1)))
    fail(l, words[0].column, "dual precedence must name the action (higher) precedence first, as in 'O R'");
  const std::size_t after = parse_dtg(l, words, i, *dl->mutable_dtg());
  const auto end_col = words[after - 1].column + words[after - 1].text.size();
  dl->set_trailer(std::string(s.substr(end_col)));
  for (std::size_t k = after; k < words.size(); ++k) dl->add_operating_signals(std::string(words[k].text));
}

// --- FL6 to FL9 -----------------------------------------------------------------------------

enum class group { action, information, exempted };

bool is_spaced_letters(std::string_view s) {
  // "C O N F I D E N T I A L", "SE C R E T": three single letters in a row
  int run = 0;
  for (const auto& w : split_words(s)) {
    run = (w.text.size() == 1 && (is_upper(w.text[0]) || is_lower(w.text[0]))) ? run + 1 : 0;
    if (run >= 3) return true;
  }
  return false;
}

/// A plain-language address written without an RI, as collectives sometimes are
/// ("EU MEMBER STATES COLLECTIVE"), as opposed to the first line of the text.
bool is_ri_less_address(std::string_view s) {
  const auto words = split_words(s);
  if (words.size() < 2) return false;
  for (char ch : s)
    if (!(is_upper(ch) || is_digit(ch) || ch == ' ' || ch == '-' || ch == '.' || ch == '&' || ch == '\'')) return false;
  static constexpr std::array<std::string_view, 15> text_starts = {
      "UNCLAS", "UNCLASSIFIED", "SECRET", "CONFIDENTIAL", "TOP", "LIMITED", "SENSITIVE", "SECTION",
      "BT",     "TO",           "INFO",   "XMT",          "FM",  "DE",      "FOR"};
  if (std::find(text_starts.begin(), text_starts.end(), words[0].text) != text_starts.end()) return false;
  // "DEPT FOR INR", "AMEMBASSY ATHENS PASS TO ...": distribution instructions of the text
  if (s.find(" FOR ") != std::string_view::npos || s.find(" PASS ") != std::string_view::npos) return false;
  return !is_spaced_letters(s);
}

/// Does the text at this line look like an addressee in FL7..FL9?
bool is_addressee_line(std::string_view s) {
  if (s.starts_with("TO ") || s.starts_with("INFO ") || s.starts_with("XMT ")) return true;
  if (s.empty() || is_space(s[0])) return false;
  const auto slash = s.find('/');
  if (slash != std::string_view::npos && slash >= 4 && slash <= 7) {
    const auto ri = s.substr(0, slash);
    // "SECRET/NOFORN" starts a text, not an addressee
    static constexpr std::array<std::string_view, 7> markings = {"SECRET", "UNCLAS", "NOFORN", "SIPDIS",
                                                                 "NODIS",  "EXDIS",  "LIMDIS"};
    if (std::find(markings.begin(), markings.end(), ri) != markings.end()) return false;
    if (std::all_of(ri.begin(), ri.end(), [](char ch) { return is_upper(ch) || is_digit(ch); }) && is_upper(ri[0]))
      return true;
  }
  return is_ri_less_address(s);
}

void parse_addressee(const line& l, std::size_t column0, std::string_view s, Addressee& a) {
  const auto slash = s.find('/');
  std::size_t rest_col = column0;
  if (slash != std::string_view::npos && slash >= 4 && slash <= 7 && is_upper(s[0]) &&
      std::all_of(s.begin(), s.begin() + static_cast<long>(slash),
                  [](char ch) { return is_upper(ch) || is_digit(ch); })) {
    check_ri(l, word{s.substr(0, slash), column0}, "addressee routing indicator");
    a.set_routing_indicator(std::string(s.substr(0, slash)));
    s.remove_prefix(slash + 1);
    rest_col += slash + 1;
  }
  auto words = split_words(s);
  if (words.empty()) fail(l, rest_col, "addressee has no plain-language address");
  std::size_t n = words.size();
  if (n >= 2 && all_digits(words[n - 1].text)) {
    if (words[n - 1].text.size() > 6)
      fail(l, rest_col + words[n - 1].column, "per-addressee number " + quoted(words[n - 1].text) + " is too long");
    a.set_number(std::string(words[n - 1].text));
    --n;
  }
  // FLASH OVERRIDE is the one precedence of two words
  if (n >= 3 && words[n - 1].text == "OVERRIDE" && words[n - 2].text == "FLASH") {
    a.set_precedence(FLASH_OVERRIDE);
    n -= 2;
  } else if (n >= 2) {
    const auto& w = words[n - 1];
    if (const auto p = precedence_from_word(w.text)) {
      a.set_precedence(*p);
      --n;
      if (*p == IMMEDIATE && n >= 2 && words[n - 1].text == "NIACT") {
        a.set_niact(true);
        --n;
      }
    } else if (looks_like_bad_precedence_word(w.text)) {
      fail(l, rest_col + w.column, "unknown precedence word " + quoted(w.text) + std::string(bad_precedence_hint));
    }
  }
  const auto address = s.substr(0, words[n - 1].column + words[n - 1].text.size());
  a.set_address(std::string(address));
  if (n < words.size()) a.set_extra_spaces(static_cast<uint32_t>(words[n].column - address.size() - 1));
  // an addressee without an RI is found by its address; only a COLLECTIVE address is a collective
  if (address.find("COLLECTIVE") != std::string_view::npos) a.set_collective(true);
}

// --- text -----------------------------------------------------------------------------------

/// Strip the "¶" paragraph mark (UTF-8 C2 B6) the published cables carry.
std::string_view strip_pilcrow(std::string_view s) {
  if (s.starts_with("\xC2\xB6")) s.remove_prefix(2);
  return s;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (is_lower(a)) a = static_cast<char>(a - 32);
    if (is_lower(b)) b = static_cast<char>(b - 32);
    if (a != b) return false;
  }
  return true;
}

/// "1. (C) text" -> number 1, marking "C", rest "text". Returns false when not a paragraph start.
bool paragraph_start(std::string_view s, unsigned& number, std::string& marking, std::string_view& rest) {
  s = strip_pilcrow(s);
  std::size_t i = 0;
  while (i < s.size() && i < 3 && is_digit(s[i])) ++i;
  if (i == 0 || i >= s.size() || s[i] != '.') return false;
  if (i + 1 < s.size() && s[i + 1] != ' ') return false;
  number = to_uint(s.substr(0, i));
  rest = ltrim(s.substr(i + 1));
  marking.clear();
  if (rest.starts_with("(")) {
    const auto close = rest.find(')');
    if (close != std::string_view::npos && close <= 12) {
      const auto m = rest.substr(1, close - 1);
      if (!m.empty() && std::all_of(m.begin(), m.end(), [](char ch) { return is_upper(ch) || ch == '/'; })) {
        marking = std::string(m);
        rest = ltrim(rest.substr(close + 1));
      }
    }
  }
  return true;
}

void append_joined(std::string& out, std::string_view piece) {
  piece = trim(piece);
  if (piece.empty()) return;
  if (!out.empty()) out += ' ';
  out.append(piece);
}

bool is_classification_line(std::string_view s) {
  return is_spaced_letters(s) || classification_of_line(s) != CLASSIFICATION_UNSPECIFIED;
}

void parse_section_marker(std::string_view s, Text& t) {
  const auto pos = s.find("SECTION ");
  if (pos == std::string_view::npos) return;
  const auto words = split_words(s.substr(pos));
  if (words.size() >= 4 && all_digits(words[1].text) && words[2].text == "OF" && all_digits(words[3].text)) {
    t.set_section(to_uint(words[1].text));
    t.set_section_count(to_uint(words[3].text));
  }
}

void parse_tags(std::string_view s, Text& t) {
  std::string tag;
  auto flush = [&] {
    if (!tag.empty()) t.add_tags(tag);
    tag.clear();
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '[') continue;
    if (ch == ']') {  // markdown link syntax "[AORC](#)": skip the "(...)"
      flush();
      if (i + 1 < s.size() && s[i + 1] == '(') {
        const auto close = s.find(')', i);
        if (close != std::string_view::npos) i = close;
      }
      continue;
    }
    if (ch == ' ' || ch == ',' || ch == '\t' || ch == ';') {
      flush();
      continue;
    }
    tag += ch;
  }
  flush();
}

/// Split "A) STATE 124823 B) STATE 123352" or "A. MADRID 3974 B. MADRID 3929" into references.
void parse_refs(std::string_view s, Text& t) {
  std::string current;
  for (const auto& w : split_words(s)) {
    auto text = strip_pilcrow(w.text);
    const bool marker =
        text.size() == 2 && (is_upper(text[0]) || is_lower(text[0])) && (text[1] == ')' || text[1] == '.');
    const bool paren_marker = text.size() == 3 && text[0] == '(' && text[2] == ')' && is_upper(text[1]);
    if (marker || paren_marker) {
      if (!current.empty()) t.add_refs(current);
      current.clear();
      continue;
    }
    append_joined(current, text);
  }
  if (!current.empty()) t.add_refs(current);
}

bool is_caption(std::string_view s) {
  static constexpr std::array<std::string_view, 10> captions = {
      "SIPDIS", "NOFORN",       "NODIS", "EXDIS", "LIMDIS", "STADIS", "SENSITIVE", "SENSITIVE BUT UNCLASSIFIED",
      "Sipdis", "NOFORN SIPDIS"};
  return std::find(captions.begin(), captions.end(), s) != captions.end();
}

bool is_signature(std::string_view s) {
  if (s.empty() || s.size() > 30) return false;
  // a surname, sometimes with initials: SPOGLI, Sobel, "Van Voorst"
  if (!is_upper(s[0]) || s.back() == '.' || split_words(s).size() > 3) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return is_upper(ch) || is_lower(ch) || ch == ' ' || ch == '-' || ch == '.' || ch == '\'';
  });
}

void parse_text(std::string_view body, Text& t) {
  line_reader r(body);
  enum class field { none, subject, refs, classified_by, paragraph } open = field::none;
  std::string refs_text;
  Paragraph* para = nullptr;
  // The signature is the last non-blank line, if it looks like a name.
  std::string_view last_line;
  {
    auto b = rtrim(body);
    while (!b.empty() && (b.back() == '\n' || is_space(b.back()))) b.remove_suffix(1);
    const auto nl = b.rfind('\n');
    last_line = trim(nl == std::string_view::npos ? b : b.substr(nl + 1));
  }
  const bool has_signature = is_signature(last_line) && !is_caption(last_line);
  std::size_t signature_offset = std::string_view::npos;
  if (has_signature) signature_offset = static_cast<std::size_t>(last_line.data() - body.data());

  while (!r.at_end()) {
    const auto l = r.next();
    if (has_signature && l.offset <= signature_offset && signature_offset < l.offset + l.text.size() + 1) break;
    const auto s = trim(l.text);
    if (s.empty()) {
      if (open != field::paragraph) open = field::none;
      continue;
    }
    unsigned number = 0;
    std::string marking;
    std::string_view rest;
    if (t.classification_line().empty() && t.paragraphs_size() == 0 && is_classification_line(s)) {
      t.set_classification_line(std::string(s));
      parse_section_marker(s, t);
      open = field::none;
    } else if (t.paragraphs_size() == 0 && is_caption(s)) {
      t.add_captions(std::string(s));
      open = field::none;
    } else if (t.eo().empty() && (starts_with_ci(s, "E.O.") || starts_with_ci(s, "EO 12958"))) {
      const auto v = s.starts_with("EO") ? s.substr(2) : s.substr(4);
      t.set_eo(std::string(trim(v)));
      open = field::none;
    } else if (t.tags_size() == 0 && (starts_with_ci(s, "TAGS:") || starts_with_ci(s, "TAGS "))) {
      parse_tags(s.substr(5), t);
      open = field::none;
    } else if (t.subject().empty() && starts_with_ci(s, "SUBJECT:")) {
      append_joined(*t.mutable_subject(), s.substr(8));
      open = field::subject;
    } else if (t.refs_size() == 0 && refs_text.empty() && (starts_with_ci(s, "REF:") || starts_with_ci(s, "REFS:"))) {
      refs_text = std::string(s.substr(s.find(':') + 1));
      open = field::refs;
    } else if (t.classified_by().empty() && starts_with_ci(s, "Classified By:")) {
      append_joined(*t.mutable_classified_by(), s.substr(14));
      open = field::classified_by;
    } else if (paragraph_start(s, number, marking, rest)) {
      para = t.add_paragraphs();
      para->set_number(number);
      para->set_portion_marking(marking);
      append_joined(*para->mutable_text(), rest);
      open = field::paragraph;
    } else if (open == field::subject) {
      append_joined(*t.mutable_subject(), s);
    } else if (open == field::refs) {
      refs_text += ' ';
      refs_text += s;
    } else if (open == field::classified_by) {
      append_joined(*t.mutable_classified_by(), s);
    } else if (open == field::paragraph && para) {
      append_joined(*para->mutable_text(), s);
    }
  }
  if (!refs_text.empty()) parse_refs(refs_text, t);
  if (has_signature) t.set_signature(std::string(last_line));
}

// --- the heading ----------------------------------------------------------------------------

bool blank(const line& l) { return trim(l.text).empty(); }

line expect_line(line_reader& r, std::string_view what) {
  if (r.at_end()) throw failure{parse_error{r.line_number(), 1, "cable ends before " + std::string(what)}};
  return r.next();
}

void parse_heading_addressees(line_reader& r, Cable& c) {
  group g = group::action;
  std::array<bool, 3> seen{};
  std::size_t last_group = 0;
  while (!r.at_end()) {
    const auto l = r.peek();
    const auto s = rtrim(l.text);
    if (!is_addressee_line(s)) break;
    r.next();
    std::string_view rest = s;
    std::size_t col = 0;
    auto take_prefix = [&](std::string_view prefix, group to) {
      if (!rest.starts_with(prefix)) return false;
      g = to;
      rest.remove_prefix(prefix.size());
      col += prefix.size();
      return true;
    };
    if (take_prefix("TO ", group::action) || take_prefix("INFO ", group::information) ||
        take_prefix("XMT ", group::exempted)) {
      const auto index = static_cast<std::size_t>(g);
      if (seen[index])
        fail(l, 0,
             "a second " + std::string(s.substr(0, col - 1)) +
                 " line: addressees of one kind continue on lines without the prefix");
      if (index < last_group) fail(l, 0, "addressee lines must come in the order TO, INFO, XMT");
      seen[index] = true;
      last_group = index;
    }
    const auto lead = rest.size() - ltrim(rest).size();
    rest = ltrim(rest);
    col += lead;
    if (static_cast<std::size_t>(c.action_size() + c.information_size() + c.exempted_size()) == max_addressees)
      fail(l, col, "more than " + std::to_string(max_addressees) + " addressees: a cable names hundreds at most");
    Addressee* a = g == group::action        ? c.add_action()
                   : g == group::information ? c.add_information()
                                             : c.add_exempted();
    parse_addressee(l, col, rest, *a);
  }
}

bool is_bt(const line& l) { return trim(l.text) == "BT"; }

/// A pilot line: ZOV <RI> (misrouted, passed on) or ZFD (suspected duplicate).
bool is_pilot_line(std::string_view s) {
  s = rtrim(s);
  return s == "ZFD" || s.starts_with("ZFD ") || s.starts_with("ZOV ");
}

/// The archive's note on a record that holds only part of a cable: its text.
constexpr std::string_view partial_extract_note = "This record is a partial extract of the original cable.";

/// An FL5 as a filed cable has it: one or two prosign letters, then DDHHMMZ MON YY[YY].
bool is_filed_fl5(std::string_view s) {
  const auto words = split_words(rtrim(s));
  std::size_t i = 0;
  while (i < words.size() && i < 2 && words[i].text.size() == 1 && precedence_from_prosign(words[i].text[0])) ++i;
  if (i == 0 || words.size() != i + 3) return false;
  const auto dtg = words[i].text;
  return dtg.size() == 7 && dtg.back() == 'Z' && all_digits(dtg.substr(0, 6)) && words[i + 1].text.size() == 3 &&
         all_digits(words[i + 2].text);
}

/// The office distribution a receiving post printed on its copy: ACTION and INFO lines of
/// office codes (AF-00, LOG-00 ...), continued on indented lines, ending at "/037 W".
void parse_distribution(std::string_view preamble, OfficeDistribution& d) {
  google::protobuf::RepeatedPtrField<std::string>* into = nullptr;
  line_reader r(preamble);
  while (!r.at_end()) {
    const auto l = r.next();
    auto s = l.text;
    if (s.starts_with("ACTION ")) {
      into = d.mutable_action();
      s.remove_prefix(7);
    } else if (s.starts_with("INFO ")) {
      into = d.mutable_info();
      s.remove_prefix(5);
    } else if (!(into && s.starts_with(" "))) {
      into = nullptr;
      continue;
    }
    for (const auto& w : split_words(s)) {
      if (w.text.starts_with("/")) {
        into = nullptr;
        break;
      }
      if (w.text.find('-') != std::string_view::npos) into->Add(std::string(w.text));
    }
  }
}

/// FL2: prosigns + RIs, possibly wrapped onto lines of RIs only.
void parse_routing_line(line_reader& r, RoutingLine& rl) {
  const auto l2 = expect_line(r, "the routing line (FL2)");
  const auto w2 = split_words(rtrim(l2.text));
  if (w2.empty()) fail(l2, 0, "expected the routing line (FL2) after FL1, e.g. 'OO RUEHRN'");
  parse_fl2_prosigns(l2, w2[0], rl);
  if (w2.size() < 2) fail(l2, l2.text.size(), "routing line (FL2) names no routing indicator");
  std::vector<uint32_t> per_line{static_cast<uint32_t>(w2.size() - 1)};
  for (std::size_t i = 1; i < w2.size(); ++i) {
    check_ri(l2, w2[i], "routing indicator");
    rl.add_routing_indicators(std::string(w2[i].text));
  }
  while (!r.at_end() && !r.peek().text.starts_with("DE ") && is_ri_only_line(r.peek().text)) {
    const auto l = r.next();
    const auto ws = split_words(l.text);
    if (static_cast<std::size_t>(rl.routing_indicators_size()) + ws.size() > max_routing_indicators)
      fail(l, 0,
           "more than " + std::to_string(max_routing_indicators) +
               " routing indicators in FL2: a cable names hundreds at most");
    for (const auto& w : ws) rl.add_routing_indicators(std::string(w.text));
    per_line.push_back(static_cast<uint32_t>(ws.size()));
  }
  if (per_line.size() > 1) rl.mutable_indicators_per_line()->Add(per_line.begin(), per_line.end());
}

void parse_heading(line_reader& r, Cable& c, bool draft) {
  if (!draft) {
    parse_fl1(r.next(), c);
    parse_routing_line(r, *c.mutable_routing_line());
    // pilots: a pilot line (ZOV <RI>, ZFD), then the routing line the cable had before it
    while (!r.at_end() && is_pilot_line(r.peek().text)) {
      auto* pilot = c.add_pilots();
      pilot->set_signals(std::string(rtrim(r.next().text)));
      parse_routing_line(r, *pilot->mutable_routing_line());
    }
    auto& last_line =
        c.pilots_size() ? *c.mutable_pilots(c.pilots_size() - 1)->mutable_routing_line() : *c.mutable_routing_line();
    unsigned blanks = 0;
    while (!r.at_end() && blank(r.peek())) {
      r.next();
      ++blanks;
    }
    last_line.set_blank_lines_after(blanks);
    parse_fl3(expect_line(r, "FL3 (DE ...)"), c);
    parse_fl4(expect_line(r, "the security warning (FL4)"), c);
    parse_fl5(expect_line(r, "the precedence and DTG line (FL5)"), c);
    // the abbreviated form (service messages): no FM and TO lines, the text follows BT
    if (!r.at_end() && is_bt(r.peek())) return;
  }
  const auto l6 = expect_line(r, "the originator line (FM ...)");
  const auto s6 = rtrim(l6.text);
  if (!s6.starts_with("FM ") || trim(s6.substr(3)).empty())
    fail(l6, 0,
         draft ? "a drafted cable must start with 'FM <originator>'"
               : "expected FL6 'FM <originator>' after the DTG line");
  c.set_originator(std::string(trim(s6.substr(3))));
  if (r.at_end() || !rtrim(r.peek().text).starts_with("TO "))
    fail(r.at_end() ? l6 : r.peek(), 0, "expected FL7 'TO <RI>/<address>' after the FM line");
  parse_heading_addressees(r, c);
}

/// The text after the heading: separators BT and NNNN, then the verbatim body.
void parse_body(line_reader& r, std::string_view text, Cable& c) {
  if (!r.at_end() && is_bt(r.peek())) {
    r.next();
    c.set_has_bt(true);
  }
  std::string_view body = text.substr(r.position());
  // NNNN and a closing BT: the last non-blank lines
  auto last_line_start = [](std::string_view b, std::size_t& start) {
    auto t = b;
    while (!t.empty() && (t.back() == '\n' || is_space(t.back()))) t.remove_suffix(1);
    if (t.empty()) return std::string_view{};
    const auto nl = t.rfind('\n');
    start = nl == std::string_view::npos ? 0 : nl + 1;
    return trim(t.substr(start));
  };
  std::size_t start = 0;
  if (last_line_start(body, start) == "NNNN") {
    c.set_has_nnnn(true);
    body = body.substr(0, start);
  }
  if (c.has_bt() && last_line_start(body, start) == "BT") body = body.substr(0, start);
  c.set_body(std::string(body));
  // Rendering closes a BT-separated text with "\nBT": the text ends with a line break.
  if (c.has_bt() && !c.body().empty() && c.body().back() != '\n') c.mutable_body()->push_back('\n');
  parse_text(body, *c.mutable_text());
  if (c.classification() == CLASSIFICATION_UNSPECIFIED)
    c.set_classification(classification_of_line(c.text().classification_line()));
}

/// Cable text is UTF-8 without NUL bytes; anything else is refused before parsing, since the
/// protobuf string fields that carry it must be valid UTF-8 to cross the wire.
std::optional<parse_error> check_encoding(std::string_view text) {
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    auto error = [&](std::string message) { return parse_error{line, i - line_start + 1, std::move(message)}; };
    if (c == '\n') {
      ++line;
      line_start = ++i;
      continue;
    }
    if (c == 0) return error("NUL byte in cable text");
    const auto len = utf8_sequence(text, i);
    if (len == 0) return error("cable text is not valid UTF-8");
    i += len;
  }
  return std::nullopt;
}

}  // namespace

std::string parse_error::format(std::string_view file) const {
  return std::string(file) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + message;
}

bool is_routing_indicator(std::string_view s) { return s.size() >= 4 && s.size() <= 7 && all_upper(s); }

parse_result parse(std::string_view text, const parse_options& options) {
  parse_result result;
  if (auto bad = check_encoding(text)) return {{}, bad};
  try {
    line_reader r(text);
    // FL1 is the first line that starts with VZCZC; whatever precedes it is kept as a preamble.
    std::size_t fl1 = std::string_view::npos;
    {
      line_reader scan(text);
      while (!scan.at_end()) {
        const auto l = scan.next();
        if (ltrim(l.text).starts_with("VZCZC")) {
          fl1 = l.offset;
          break;
        }
      }
    }
    bool draft = false;
    if (fl1 == std::string_view::npos) {
      // the forms without a transmission heading
      line_reader scan(text);
      std::optional<line> fm, fl5, previous;
      while (!scan.at_end() && !fm) {
        const auto l = scan.next();
        if (l.text.starts_with("FM ")) {
          fm = l;
          if (previous && is_filed_fl5(previous->text)) fl5 = previous;
        }
        if (!blank(l)) previous = l;
      }
      if (fl5) {  // as filed: from FL5 on
        result.cable.set_form(AS_FILED);
        while (r.position() < fl5->offset) r.next();
        result.cable.set_preamble(std::string(text.substr(0, fl5->offset)));
        parse_distribution(result.cable.preamble(), *result.cable.mutable_distribution());
        parse_fl5(r.next(), result.cable);
        parse_heading(r, result.cable, true);
        parse_body(r, text, result.cable);
        return result;
      }
      if (text.starts_with(partial_extract_note)) {  // the text alone
        const auto note_end = text.find('\n') + 1;
        result.cable.set_form(TEXT_ONLY);
        result.cable.set_preamble(std::string(text.substr(0, note_end)));
        result.cable.set_body(std::string(text.substr(note_end)));
        parse_text(result.cable.body(), *result.cable.mutable_text());
        result.cable.set_classification(classification_of_line(result.cable.text().classification_line()));
        return result;
      }
      if (!options.allow_draft)
        return {{}, parse_error{1, 1, "no ACP 127 heading: no FL1 transmission identification (VZCZC...) found"}};
      if (!fm) return {{}, parse_error{1, 1, "no ACP 127 heading and no 'FM <originator>' line: not a cable"}};
      draft = true;  // a draft starts at its FM line
      result.cable.set_form(DRAFT);
      fl1 = fm->offset;
    }
    while (r.position() < fl1) r.next();
    result.cable.set_preamble(std::string(text.substr(0, fl1)));
    parse_heading(r, result.cable, draft);
    parse_body(r, text, result.cable);
  } catch (const failure& f) {
    result.error = f.error;
  }
  return result;
}

}  // namespace cablesim::acp127
