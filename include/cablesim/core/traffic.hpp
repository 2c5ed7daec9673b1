#pragma once
// Traffic streams: the cables a scenario's streams file, generated deterministically from the
// scenario's seed (the same scenario and seed give the same filings, on any machine).

#include <cstdint>
#include <string>
#include <vector>

#include "cablesim/core/topology.hpp"
#include "cablesim/scenario.pb.h"

namespace cablesim {

/// A cable to file: drafted cable text, at a station, at a simulated time after the epoch.
struct generated_filing {
  double at_seconds = 0;
  std::string station;
  std::string text;
  std::string source;  // the stream's name
};

/// A small, portable random generator (SplitMix64): identical sequences everywhere.
class portable_random {
 public:
  explicit portable_random(uint64_t seed) : state_(seed) {}
  uint64_t next();
  double uniform();                        // [0, 1)
  uint64_t below(uint64_t n);              // [0, n)
  double exponential(double mean);

 private:
  uint64_t state_;
};

/// Every filing of every stream, in time order. Throws config_error for streams that name
/// unknown stations or have nothing to draw from.
std::vector<generated_filing> generate_traffic(const Scenario& scenario, const topology& topo);

}  // namespace cablesim
