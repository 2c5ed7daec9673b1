#include "cablesim/core/text.hpp"

#include <algorithm>
#include <array>

namespace cablesim {

std::string join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

std::string zero_pad(unsigned value, unsigned digits) {
  char buf[16];  // enough for any unsigned
  char* end = buf + sizeof buf;
  char* p = end;
  do *--p = static_cast<char>('0' + value % 10);
  while ((value /= 10) != 0);
  std::string s;
  if (static_cast<unsigned>(end - p) < digits) s.assign(digits - static_cast<unsigned>(end - p), '0');
  s.append(p, end);
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
