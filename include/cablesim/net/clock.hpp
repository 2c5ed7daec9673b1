#pragma once
// Simulated time on a real clock: `speedup` simulated seconds pass per wall-clock second,
// starting from the epoch when the clock is started.

#include <chrono>

#include "cablesim/core/dtg.hpp"
#include "cablesim/core/precedence_queue.hpp"

namespace cablesim::net {

class sim_clock {
 public:
  sim_clock(sim_time epoch, double speedup) : epoch_(epoch), speedup_(speedup > 0 ? speedup : 1) {}

  /// Simulated time now.
  sim_time now() const {
    const auto wall = std::chrono::steady_clock::now() - start_;
    return epoch_ + std::chrono::duration_cast<sim_time::duration>(wall * speedup_);
  }
  /// Simulated seconds since the epoch.
  double elapsed() const { return std::chrono::duration<double>(now() - epoch_).count(); }
  /// Wall-clock time that a simulated duration takes.
  std::chrono::nanoseconds to_wall(sim_duration d) const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double, std::milli>(d.count()) /
                                                                speedup_);
  }
  sim_time epoch() const { return epoch_; }
  double speedup() const { return speedup_; }

 private:
  sim_time epoch_;
  double speedup_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace cablesim::net
