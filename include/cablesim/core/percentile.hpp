#pragma once
// One percentile method everywhere (the summary, the report and its page, `load`, the
// benchmarks): nearest rank.

#include <algorithm>
#include <cmath>
#include <vector>

namespace cablesim {

/// The nearest-rank `q` quantile (0..1) of values sorted ascending: the smallest value at or
/// above which a share q of them lie (q = 0: the least). 0 when there are none.
inline double nearest_rank(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

}  // namespace cablesim
