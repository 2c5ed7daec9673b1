#include "cablesim/core/huge_pages.hpp"

#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace cablesim {

void* allocate_huge(std::size_t bytes) {
  const std::size_t rounded = huge_pages_for(bytes == 0 ? 1 : bytes);
  void* p = std::aligned_alloc(huge_page_size, rounded);
  if (!p) throw std::bad_alloc();
#if defined(__linux__)
  madvise(p, rounded, MADV_HUGEPAGE);  // advice: where the kernel has none to give, nothing changes
#endif
  return p;
}

void free_huge(void* p) { std::free(p); }

}  // namespace cablesim
