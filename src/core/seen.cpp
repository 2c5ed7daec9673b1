#include "cablesim/core/seen.hpp"

#include <xxhash.h>

#include <array>
#include <cstring>
#include <string>

namespace cablesim {

bool seen_pairs::insert(std::string_view key) {
  const auto h = XXH3_128bits(key.data(), key.size());
  return insert(digest{h.low64, h.high64});
}

bool seen_pairs::insert(std::string_view id, std::string_view ri) {
  std::array<char, 128> buffer;  // "identity/RI" without an allocation, as it nearly always fits
  const auto n = id.size() + 1 + ri.size();
  if (n > buffer.size()) return insert(std::string(id) + "/" + std::string(ri));
  std::memcpy(buffer.data(), id.data(), id.size());
  buffer[id.size()] = '/';
  std::memcpy(buffer.data() + id.size() + 1, ri.data(), ri.size());
  return insert(std::string_view(buffer.data(), n));
}

bool seen_pairs::insert(const digest& d) {
  if (!set_.insert(d).second) return false;
  order_.push_back(d);
  if (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

}  // namespace cablesim
