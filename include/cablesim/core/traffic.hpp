#pragma once
// Traffic streams: the cables a scenario's streams file, generated deterministically from the
// scenario's seed (the same scenario and seed give the same filings, on any machine).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cablesim/cable.pb.h"
#include "cablesim/core/topology.hpp"
#include "cablesim/scenario.pb.h"

namespace cablesim {

/// A cable to file: a draft (FM, TO, INFO and text, no heading), at a station, at a simulated
/// time after the epoch.
struct generated_filing {
  double at_seconds = 0;
  std::string station;
  Cable cable;
  std::string source;  // the stream's name
};

/// A small, portable random generator (SplitMix64): identical sequences everywhere.
class portable_random {
 public:
  explicit portable_random(uint64_t seed) : state_(seed) {}
  uint64_t next();
  double uniform();            // [0, 1)
  uint64_t below(uint64_t n);  // [0, n)
  double exponential(double mean);

 private:
  uint64_t state_;
};

/// The longest text a stream may ask for: a million characters, well inside a frame.
constexpr unsigned max_generated_characters = 1000000;

/// The filings of a scenario's streams, made one at a time as they fall due, in time order.
class traffic_generator {
 public:
  /// Throws config_error for streams that name unknown stations or have nothing to draw from.
  traffic_generator(const Scenario& scenario, const topology& topo);
  ~traffic_generator();
  /// The next filing of any stream (the earliest), or nothing when every stream has ended.
  std::optional<generated_filing> next();

 private:
  struct stream;
  std::optional<generated_filing> make(stream& s);
  const topology& topo_;
  std::vector<std::string> posts_;
  std::vector<std::unique_ptr<stream>> streams_;
};

/// Every filing of every stream, in time order (a traffic_generator run to its end).
std::vector<generated_filing> generate_traffic(const Scenario& scenario, const topology& topo);

}  // namespace cablesim
