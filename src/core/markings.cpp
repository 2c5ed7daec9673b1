#include "cablesim/core/markings.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/simd.hpp"

namespace cablesim::acp127 {
namespace {

/// ASCII white space, as std::isspace in the C locale (inline: every line of every cable's text
/// is trimmed at every station).
constexpr bool space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

/// The start of a line in upper case, with a spaced-out first word ("S E C R E T") closed up,
/// written into `buffer`: the first 32 characters after a closed-up word of at most 40 letters
/// (no marking is longer; the words of every line before a cable's paragraphs come here).
std::string_view leading_words(std::string_view s, std::array<char, 72>& buffer) {
  std::size_t n = 0;
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  std::size_t i = 0;
  if (s.size() >= 3 && letter(s[0]) && s[1] == ' ' && letter(s[2]))
    for (; i < s.size() && letter(s[i]) && (i + 1 == s.size() || s[i + 1] == ' ') && n < 40; i += 2) buffer[n++] = s[i];
  if (i > 0 && i < s.size()) --i;  // keep the space after the closed-up word
  for (; i < s.size() && n < 32; ++i) buffer[n++] = s[i];
  for (std::size_t k = 0; k < n; ++k)
    if (buffer[k] >= 'a' && buffer[k] <= 'z') buffer[k] = static_cast<char>(buffer[k] - 'a' + 'A');
  return {buffer.data(), n};
}

/// A portion marking's classification: U, SBU, C, S or TS, then any caveats after a slash
/// ("S//NF", "C/REL UK"). Not a marking (ordinary text in parentheses, "(FATA)") = unspecified;
/// a short code that is no marking ("(X)") = an unknown marking.
enum class portion { none, unknown, known };
portion portion_marking(std::string_view inside, Classification& level) {
  const auto code = inside.substr(0, inside.find('/'));
  if (code == "U" || code == "SBU")
    level = UNCLASSIFIED;
  else if (code == "C")
    level = CONFIDENTIAL;
  else if (code == "S")
    level = SECRET;
  else if (code == "TS")
    level = TOP_SECRET;
  else {
    // a code is one or two capitals, or capitals before a slash; anything else is text
    const bool capitals = !code.empty() && std::all_of(code.begin(), code.end(), [](char c) {
      return std::isupper(static_cast<unsigned char>(c));
    });
    return capitals && (code.size() <= 2 || code.size() < inside.size()) ? portion::unknown : portion::none;
  }
  return portion::known;
}

/// Whether the line that starts at `line` may begin a numbered paragraph: its first character
/// that is not blank is a digit or the first byte of a "¶".
bool may_be_numbered(const char* line, const char* end) {
  while (line < end && *line != '\n' && space(*line)) ++line;
  return line < end && ((*line >= '0' && *line <= '9') || *line == '\xC2');
}

/// The characters a line that may begin a numbered paragraph may start with: a digit, the first
/// byte of a "¶", or a blank before either (which may_be_numbered then looks past).
constexpr std::array<bool, 256> may_start = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = (c >= '0' && c <= '9') || c == 0xC2 || (space(static_cast<char>(c)) && c != '\n');
  return t;
}();

/// may_be_numbered, for a line whose first character is looked up first.
[[gnu::always_inline]] inline bool may_begin(const char* line, const char* end) {
  return line < end && may_start[static_cast<unsigned char>(*line)] && may_be_numbered(line, end);
}

/// The first line that starts after one of the newlines in `newlines` (bit i: p[i]) and may
/// begin a numbered paragraph, or null.
[[gnu::always_inline]] inline const char* numbered_after(uint64_t newlines, const char* p, const char* end) {
  for (; newlines; newlines &= newlines - 1)
    if (const char* line = p + __builtin_ctzll(newlines) + 1; may_begin(line, end)) return line;
  return nullptr;
}

#if defined(__x86_64__)
CABLESIM_AVX2 const char* numbered_in_blocks_avx2(const char*& p, const char* end) {
  for (; end - p >= static_cast<std::ptrdiff_t>(simd::block); p += simd::block)
    if (const char* line = numbered_after(simd::equal_mask_avx2(p, '\n'), p, end)) return line;
  return nullptr;
}
#endif

/// numbered_after for each whole block from p on, which it leaves at the first character it did
/// not look at: the line found, or null.
const char* numbered_in_blocks(const char*& p, const char* end) {
#if defined(__x86_64__)
  if (simd::has_avx2()) return numbered_in_blocks_avx2(p, end);
#endif
  for (; end - p >= static_cast<std::ptrdiff_t>(simd::block); p += simd::block)
    if (const char* line = numbered_after(simd::equal_mask(p, '\n'), p, end)) return line;
  return nullptr;
}

/// Where the next line that may begin a numbered paragraph starts, or the end. Once the
/// paragraphs have begun it is all that most lines of a text need, and every station reads
/// every cable's text: the newlines are found a block at a time (simd.hpp), and a line is
/// looked at further only where its first character may start one.
std::size_t next_numbered(std::string_view text) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  if (may_be_numbered(begin, end)) return 0;
  const char* p = begin;
  if (const char* line = numbered_in_blocks(p, end)) return static_cast<std::size_t>(line - begin);
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))))) {
    if (may_begin(++p, end)) return static_cast<std::size_t>(p - begin);
  }
  return text.size();
}

/// "1. (C) text" or "¶1. (C) text": the paragraph number and the marking inside the parentheses.
bool numbered_paragraph(std::string_view line, uint32_t& number, std::string_view& marking) {
  if (line.starts_with("\xC2\xB6")) line.remove_prefix(2);  // ¶
  std::size_t i = 0;
  number = 0;
  while (i < line.size() && i < 4 && std::isdigit(static_cast<unsigned char>(line[i])))
    number = number * 10 + static_cast<uint32_t>(line[i++] - '0');
  if (i == 0 || i >= line.size() || line[i] != '.') return false;
  const auto rest = trim(line.substr(i + 1));
  marking = {};
  if (rest.starts_with('(')) {
    const auto close = rest.find(')');
    if (close != std::string_view::npos && close <= 24) marking = rest.substr(1, close - 1);
  }
  return true;
}

}  // namespace

Classification classification_of_line(std::string_view line) {
  std::array<char, 72> buffer;
  auto s = leading_words(line, buffer);
  if (s.starts_with("CLASSIFICATION:")) s = trim(s.substr(15));
  // a whole word: SECRET, not SECRETARY
  auto word = [&](std::string_view w) {
    return s.starts_with(w) && (s.size() == w.size() || !std::isalpha(static_cast<unsigned char>(s[w.size()])));
  };
  if (word("UNCLASSIFIED") || word("UNCLAS")) return UNCLASSIFIED;
  if (word("CONFIDENTIAL")) return CONFIDENTIAL;
  if (word("TOP SECRET") || word("TOPSECRET")) return TOP_SECRET;
  if (word("SECRET")) return SECRET;
  return CLASSIFICATION_UNSPECIFIED;
}

text_markings scan_markings(std::string_view text) {
  text_markings m;
  bool in_paragraphs = false;
  while (!text.empty() && m.problem.empty()) {
    if (in_paragraphs) {
      text.remove_prefix(next_numbered(text));  // past the text of a paragraph
      if (text.empty()) break;
    }
    const auto nl = text.find('\n');
    const auto line = trim(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    uint32_t number = 0;
    std::string_view inside;
    if (numbered_paragraph(line, number, inside)) {
      in_paragraphs = true;
      Classification level = CLASSIFICATION_UNSPECIFIED;
      switch (portion_marking(inside, level)) {
        case portion::none: break;
        case portion::unknown:
          m.problem = "paragraph " + std::to_string(number) + " has an unknown marking (" + std::string(inside) + ")";
          break;
        case portion::known:
          if (level > m.highest_portion) {
            m.highest_portion = level;
            m.highest_paragraph = number;
          }
      }
      continue;
    }
    if (in_paragraphs) continue;
    const auto level = classification_of_line(line);
    if (level == CLASSIFICATION_UNSPECIFIED) continue;
    if (m.line != CLASSIFICATION_UNSPECIFIED && m.line != level)
      m.problem = "the text is marked both " + std::string(classification_name(m.line)) + " and " +
                  std::string(classification_name(level));
    m.line = level;
  }
  return m;
}

classification_verdict classify(const Cable& cable) {
  const auto m = scan_markings(cable.body());
  if (!m.problem.empty()) return {CLASSIFICATION_UNSPECIFIED, m.problem};
  const auto fl4 = cable.has_security() ? cable.security().classification() : CLASSIFICATION_UNSPECIFIED;
  auto name = [](Classification c) { return std::string(classification_name(c)); };
  if (fl4 != CLASSIFICATION_UNSPECIFIED && m.line != CLASSIFICATION_UNSPECIFIED && fl4 != m.line)
    return {CLASSIFICATION_UNSPECIFIED,
            "FL4 says " + name(fl4) + " but the text's classification line says " + name(m.line)};
  auto level = fl4 != CLASSIFICATION_UNSPECIFIED ? fl4 : m.line;
  if (level == CLASSIFICATION_UNSPECIFIED) level = std::max(m.highest_portion, UNCLASSIFIED);
  if (m.highest_portion > level)
    return {CLASSIFICATION_UNSPECIFIED, "paragraph " + std::to_string(m.highest_paragraph) + " is marked " +
                                            name(m.highest_portion) + ", above the cable's " + name(level)};
  return {level, {}};
}

}  // namespace cablesim::acp127
