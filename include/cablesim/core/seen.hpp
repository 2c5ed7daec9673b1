#pragma once
// What a station has handled, for duplicate detection: the (message, RI) pairs, remembered
// compactly and for a bounded number of pairs.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace cablesim {

/// The (message identity, RI) pairs a station has handled. Each is kept as a 128-bit digest of
/// "identity/RI" (XXH3), in a ring of the newest `capacity` (default 4,194,304) and an open-
/// addressing table at most half full: 48 to 80 bytes a pair where the text took over 100, and
/// no allocation to look one up or to add one. A relay under sustained load would otherwise grow
/// without end (80,000 pairs a second); a copy that comes back after four million newer pairs is
/// handled again, not dropped.
class seen_pairs {
 public:
  static constexpr std::size_t default_capacity = std::size_t{1} << 22;
  explicit seen_pairs(std::size_t capacity = default_capacity);

  /// True when the pair is new to the station (it is remembered from now on).
  bool insert(std::string_view id, std::string_view ri);
  /// The same for a pair as the journal keeps it: "identity/RI".
  bool insert(std::string_view key);
  /// Start loading the table's slot for the pair into the cache: an insert of it soon after
  /// finds it there instead of waiting for memory.
  void prefetch(std::string_view id, std::string_view ri) const;
  std::size_t size() const { return ring_.size(); }

 private:
  struct digest {
    uint64_t low = 0, high = 0;  // {0, 0} marks an empty slot of the table
    bool operator==(const digest&) const = default;
    bool empty() const { return low == 0 && high == 0; }
  };
  static digest digest_of(std::string_view key);
  static digest digest_of(std::string_view id, std::string_view ri);
  bool insert(digest d);
  std::size_t find(const digest& d) const;  // its slot, or the empty slot where it would go
  void erase(const digest& d);
  void grow();

  std::size_t capacity_;
  std::vector<digest> ring_;  // the newest `capacity_`; once full, oldest_ is the next to go
  std::size_t oldest_ = 0;
  /// The table's memory, in 2 MB pages once it is that large (Linux: madvise), so that a
  /// lookup's one cache miss is not a TLB miss as well (bench_station: 4 % a relayed cable).
  template <class T>
  struct huge_allocator {
    using value_type = T;
    huge_allocator() = default;
    template <class U>
    huge_allocator(const huge_allocator<U>&) {}
    T* allocate(std::size_t n);
    void deallocate(T* p, std::size_t) { std::free(p); }
    bool operator==(const huge_allocator&) const = default;
  };
  std::vector<digest, huge_allocator<digest>> table_;  // linear probing; a power of two in size
};

}  // namespace cablesim
