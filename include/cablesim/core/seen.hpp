#pragma once
// What a station has handled, for duplicate detection: the (message, RI) pairs, remembered
// compactly and for a bounded number of pairs.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_set>

namespace cablesim {

/// The (message identity, RI) pairs a station has handled. Each is kept as a 128-bit digest of
/// "identity/RI" (XXH3): about 56 bytes a pair where the text took over 100, and no allocation
/// to look one up. Only the newest `capacity` (default 4,194,304) are kept: a relay under
/// sustained load would otherwise grow without end (80,000 pairs a second), and a copy that
/// comes back after four million newer pairs is handled again, not dropped.
class seen_pairs {
 public:
  static constexpr std::size_t default_capacity = std::size_t{1} << 22;
  explicit seen_pairs(std::size_t capacity = default_capacity) : capacity_(capacity) {}

  /// True when the pair is new to the station (it is remembered from now on).
  bool insert(std::string_view id, std::string_view ri);
  /// The same for a pair as the journal keeps it: "identity/RI".
  bool insert(std::string_view key);
  std::size_t size() const { return set_.size(); }

 private:
  struct digest {
    uint64_t low = 0, high = 0;
    bool operator==(const digest&) const = default;
  };
  struct digest_hash {
    std::size_t operator()(const digest& d) const { return static_cast<std::size_t>(d.low); }
  };
  bool insert(const digest& d);

  std::size_t capacity_;
  std::unordered_set<digest, digest_hash> set_;
  std::deque<digest> order_;  // oldest first
};

}  // namespace cablesim
