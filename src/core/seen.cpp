#include "cablesim/core/seen.hpp"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <string>

#include "cablesim/core/huge_pages.hpp"

namespace cablesim {

template <class T>
T* seen_pairs::huge_allocator<T>::allocate(std::size_t n) {
  const std::size_t bytes = n * sizeof(T);
  if (bytes >= huge_page_size) return static_cast<T*>(allocate_huge(bytes));
  if (auto* p = std::malloc(bytes)) return static_cast<T*>(p);
  throw std::bad_alloc();
}
template struct seen_pairs::huge_allocator<seen_pairs::digest>;

seen_pairs::seen_pairs(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity), table_(1024) {}

seen_pairs::digest seen_pairs::digest_of(std::string_view key) {
  const auto h = XXH3_128bits(key.data(), key.size());
  return {h.low64, h.high64};
}

seen_pairs::digest seen_pairs::digest_of(std::string_view id, std::string_view ri) {
  std::array<char, 128> buffer;  // "identity/RI" without an allocation, as it nearly always fits
  const auto n = id.size() + 1 + ri.size();
  if (n > buffer.size()) return digest_of(std::string(id) + "/" + std::string(ri));
  std::memcpy(buffer.data(), id.data(), id.size());
  buffer[id.size()] = '/';
  std::memcpy(buffer.data() + id.size() + 1, ri.data(), ri.size());
  return digest_of(std::string_view(buffer.data(), n));
}

bool seen_pairs::insert(std::string_view key) { return insert(digest_of(key)); }

bool seen_pairs::insert(std::string_view id, std::string_view ri) { return insert(digest_of(id, ri)); }

void seen_pairs::prefetch(std::string_view id, std::string_view ri) const {
  __builtin_prefetch(&table_[digest_of(id, ri).low & (table_.size() - 1)], 1);
}

std::size_t seen_pairs::find(const digest& d) const {
  const std::size_t mask = table_.size() - 1;
  std::size_t i = d.low & mask;
  while (!table_[i].empty() && !(table_[i] == d)) i = (i + 1) & mask;
  return i;
}

bool seen_pairs::insert(digest d) {
  if (d.empty()) d.low = 1;  // the one digest that marks an empty slot: 2^-128 odds
  if (!table_[find(d)].empty()) return false;
  if (count_ < capacity_) {
    if (count_ % ring_chunk == 0) {
      void* chunk =
          count_ == 0 ? std::malloc(std::min(capacity_, ring_chunk) * sizeof(digest)) : allocate_huge(huge_page_size);
      if (!chunk) throw std::bad_alloc();
      chunks_.emplace_back(static_cast<digest*>(chunk));
    }
    ring(count_++) = d;
    if (count_ * 2 > table_.size()) grow();
  } else {
    erase(ring(oldest_));
    ring(oldest_) = d;
    oldest_ = (oldest_ + 1) % capacity_;
  }
  table_[find(d)] = d;
  return true;
}

void seen_pairs::erase(const digest& d) {
  // Backward-shift deletion: later entries of the same probe run move up into the gap, so that
  // linear probing needs no tombstones.
  const std::size_t mask = table_.size() - 1;
  std::size_t gap = find(d);
  for (std::size_t j = (gap + 1) & mask; !table_[j].empty(); j = (j + 1) & mask) {
    const std::size_t home = table_[j].low & mask;
    // the entry at j stays when its home lies cyclically in (gap, j]
    const bool stays = gap <= j ? (gap < home && home <= j) : (gap < home || home <= j);
    if (stays) continue;
    table_[gap] = table_[j];
    gap = j;
  }
  table_[gap] = digest{};
}

void seen_pairs::grow() {
  decltype(table_) old(table_.size() * 2);
  old.swap(table_);
  for (const auto& d : old)
    if (!d.empty()) table_[find(d)] = d;
}

}  // namespace cablesim
