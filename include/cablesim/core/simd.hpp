#pragma once
// Every station reads every cable's text twice, to check it is UTF-8 and to find its paragraphs'
// markings: 64 characters at a time here. With AVX2 where the CPU has it (asked once, at run
// time: a function built for AVX2 is called only then), with SSE2 otherwise (every x86-64 has
// it), and byte by byte on other machines. A loop over the AVX2 primitives is written out in a
// function built for AVX2 beside its SSE2 twin: GCC inlines an AVX2 function only into another.

#include <cstddef>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#define CABLESIM_AVX2 __attribute__((target("avx2")))
#endif

namespace cablesim::simd {

constexpr std::size_t block = 64;

/// Bit i set where p[i] == c, for the `block` characters at p.
inline uint64_t equal_mask(const char* p, char c) {
#if defined(__x86_64__)
  const __m128i want = _mm_set1_epi8(c);
  auto part = [&](int k) {
    const auto bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k));
    return static_cast<uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, want))));
  };
  return part(0) | part(16) << 16 | part(32) << 32 | part(48) << 48;
#else
  uint64_t mask = 0;
  for (std::size_t k = 0; k < block; ++k) mask |= static_cast<uint64_t>(p[k] == c) << k;
  return mask;
#endif
}

/// Whether the `block` characters at p are all ASCII.
inline bool ascii(const char* p) {
#if defined(__x86_64__)
  auto load = [p](int k) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k)); };
  return _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(load(0), load(16)), _mm_or_si128(load(32), load(48)))) == 0;
#else
  unsigned char any = 0;
  for (std::size_t k = 0; k < block; ++k) any |= static_cast<unsigned char>(p[k]);
  return any < 0x80;
#endif
}

#if defined(__x86_64__)
CABLESIM_AVX2 inline uint64_t equal_mask_avx2(const char* p, char c) {
  const __m256i want = _mm256_set1_epi8(c);
  auto part = [&](int k) CABLESIM_AVX2 {
    const auto bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + k));
    return static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, want))));
  };
  return part(0) | part(32) << 32;
}

CABLESIM_AVX2 inline bool ascii_avx2(const char* p) {
  const auto a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const auto b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  return _mm256_movemask_epi8(_mm256_or_si256(a, b)) == 0;
}

/// Whether this CPU has AVX2.
inline bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}

CABLESIM_AVX2 inline std::size_t ascii_blocks_avx2(const char* p, std::size_t n) {
  std::size_t i = 0;
  while (i + block <= n && ascii_avx2(p + i)) i += block;
  return i;
}
#endif

/// How many of the n characters at p lie in whole blocks that are all ASCII, up to the first
/// block that is not (a multiple of `block`).
inline std::size_t ascii_blocks(const char* p, std::size_t n) {
#if defined(__x86_64__)
  if (has_avx2()) return ascii_blocks_avx2(p, n);
#endif
  std::size_t i = 0;
  while (i + block <= n && ascii(p + i)) i += block;
  return i;
}

}  // namespace cablesim::simd
