#pragma once
// A campaign of random faults in virtual time. Each seed draws traffic (every precedence, dual
// precedence, sections, collectives) and a schedule of faults (links down and up, stations
// stopped and started, transmissions lost on the line, overlapping), runs it on the memory
// transport, and checks the invariants DESIGN.md states ("Faults, and the chaos campaign").
// The same topology and seed always draw, and run, the same.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cablesim/core/topology.hpp"
#include "cablesim/scenario.pb.h"
#include "cablesim/sim/runner.hpp"

namespace cablesim::sim {

/// One fault of a seed's schedule: a link or a station out for a while, or a transmission lost.
struct chaos_fault {
  ScriptedEvent::Kind kind = ScriptedEvent::LINK_DOWN;  // LINK_DOWN, STATION_STOP or LOSE_TRANSMISSION
  double at = 0, until = 0;                             // simulated seconds (until: the end of an outage)
  std::string a, b;                                     // the station, or the link's ends (a -> b for a loss)
};
/// "link RUEHEUR-RUEHWAS down 300 s to 1200 s", ...
std::string describe(const chaos_fault& f);

/// What one seed runs: its traffic and its faults.
struct chaos_plan {
  uint64_t seed = 0;
  Scenario scenario;  // the traffic, and the faults as its events
  std::vector<chaos_fault> faults;
};
/// Draw the plan of a seed; with `keep`, only those faults (by their index in the whole draw).
/// With `traffic`, its filings and streams instead of drawn traffic.
chaos_plan draw_plan(const topology& topo, uint64_t seed, const std::optional<scenario_file>& traffic = std::nullopt,
                     const std::optional<std::vector<std::size_t>>& keep = std::nullopt);

/// An invariant a seed broke.
struct chaos_violation {
  std::string invariant;  // "exactly once", "no false open number", ...
  std::string detail;
};

/// Watches every event of a run for what the invariants forbid, and checks its report.
class chaos_checker {
 public:
  chaos_checker();
  ~chaos_checker();
  chaos_checker(const chaos_checker&) = delete;
  chaos_checker& operator=(const chaos_checker&) = delete;
  void operator()(const std::string& station, const station_event& e, sim_time at);
  /// The violations seen, and those the report shows. Call once, at the end of the run.
  std::vector<chaos_violation> finish(const Report& report);

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

/// What one seed did.
struct chaos_outcome {
  std::vector<chaos_violation> violations;
  std::size_t cables = 0, copies = 0;
};
chaos_outcome run_plan(const topology& topo, const chaos_plan& plan, const std::optional<scenario_file>& traffic,
                       const std::function<void(const std::string&)>& trace = {});

struct chaos_options {
  uint64_t first_seed = 1;
  uint64_t seeds = 100;
  std::optional<std::vector<std::size_t>> keep;  // only these faults of every seed
  bool shrink = true;                            // a failing seed's schedule shrunk to the fewest faults
  std::function<void(const std::string&)> progress;
  std::function<void(const std::string&)> trace;  // narrate every seed's run (for one seed)
};

/// A failing seed: what it broke, and the fewest of its faults that still break it.
struct chaos_failure {
  uint64_t seed = 0;
  std::vector<chaos_violation> violations;
  std::vector<std::size_t> faults;  // indices into the seed's drawn faults
  std::vector<std::string> described;
};

struct chaos_result {
  uint64_t seeds = 0;
  std::size_t faults = 0, cables = 0, copies = 0;
  std::vector<chaos_failure> failures;
  double seconds = 0;  // wall clock
};

chaos_result run_chaos(const topology& topo, const std::optional<scenario_file>& traffic, const chaos_options& options);

}  // namespace cablesim::sim
