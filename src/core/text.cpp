#include "cablesim/core/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "cablesim/core/simd.hpp"

namespace cablesim {

std::string join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len <= 1 || i + len > s.size()) return len == 1 ? 1 : 0;
  uint32_t cp = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc >> 6) != 0x2) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr uint32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_length[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    i += simd::ascii_blocks(s.data() + i, s.size() - i);                    // ASCII a block at a time
    for (const auto end = std::min(s.size(), i + simd::block); i < end;) {  // a sequence at a time
      const auto len = utf8_sequence(s, i);
      if (len == 0) return false;
      i += len;
    }
  }
  return true;
}

void append_zero_pad(std::string& out, unsigned value, unsigned digits) {
  char buf[16];  // enough for any unsigned
  char* end = buf + sizeof buf;
  char* p = end;
  do *--p = static_cast<char>('0' + value % 10);
  while ((value /= 10) != 0);
  if (static_cast<unsigned>(end - p) < digits) out.append(digits - static_cast<unsigned>(end - p), '0');
  out.append(p, end);
}

std::string zero_pad(unsigned value, unsigned digits) {
  std::string s;
  append_zero_pad(s, value, digits);
  return s;
}

int edit_distance(std::string_view a, std::string_view b) {
  std::array<int, 32> prev{}, cur{};
  if (a.size() >= prev.size() || b.size() >= prev.size()) return 99;
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    prev = cur;
  }
  return prev[b.size()];
}

}  // namespace cablesim
