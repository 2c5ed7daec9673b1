#pragma once
// What a station has handled, for duplicate detection: the (message, RI) pairs, remembered
// compactly and for a bounded number of pairs.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "cablesim/core/huge_pages.hpp"

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
  std::size_t size() const { return count_; }

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

  /// The ring's memory comes 2 MB at a time and stays where it is: a vector's doubling copied
  /// it all and touched new pages at every step (bench_station: 1.3 % a relayed cable).
  static constexpr std::size_t ring_chunk = huge_page_size / sizeof(digest);
  struct free_chunk {  // (malloc's and allocate_huge's alike)
    void operator()(digest* p) const { std::free(p); }
  };
  digest& ring(std::size_t i) { return chunks_[i / ring_chunk][i % ring_chunk]; }

  std::size_t capacity_;
  /// The ring of the newest `capacity_` pairs, `count_` of them so far; once it is full,
  /// oldest_ is the next to go. Its first chunk is ordinary memory, touched 4 KB at a time
  /// (most stations remember far fewer pairs); the others are huge pages.
  std::vector<std::unique_ptr<digest[], free_chunk>> chunks_;
  std::size_t count_ = 0;
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
