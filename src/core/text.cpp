#include "cablesim/core/text.hpp"

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
  auto s = std::to_string(value);
  if (s.size() < digits) s.insert(0, digits - s.size(), '0');
  return s;
}

}  // namespace cablesim
