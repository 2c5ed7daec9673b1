#pragma once
// Memory in 2 MB blocks that the kernel may back with huge pages: for the large structures a
// station reads all over (the duplicate table) or fills and empties in order (a deep queue's
// copies), so that touching them costs a TLB miss and a page fault per 2 MB, not per 4 KB. On
// a virtual machine both are dear: a page fault took 11-15 us here, for each 4 KB page.
#include <cstddef>

namespace cablesim {

constexpr std::size_t huge_page_size = std::size_t{2} << 20;

/// `bytes` rounded up to whole 2 MB blocks.
constexpr std::size_t huge_pages_for(std::size_t bytes) {
  return (bytes + huge_page_size - 1) / huge_page_size * huge_page_size;
}

/// huge_pages_for(bytes) bytes, aligned to 2 MB and advised as huge pages (Linux: madvise; where
/// the kernel has none to give, ordinary pages). std::bad_alloc when there is no memory.
void* allocate_huge(std::size_t bytes);
/// Give back what allocate_huge gave.
void free_huge(void* p);

}  // namespace cablesim
