#pragma once
// The scenario runner: every station of a topology in one process, in virtual time (see
// engine.hpp); files a scenario's cables at their times and plays its events; stops when every
// expected copy is delivered (or refused) and the network is idle, or at the time limit; reports.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cablesim/core/topology.hpp"
#include "cablesim/report.pb.h"
#include "cablesim/scenario.pb.h"
#include "cablesim/sim/network.hpp"

namespace cablesim::sim {

/// A scenario file loaded and checked against a topology. Throws config_error.
struct scenario_file {
  Scenario proto;
  std::filesystem::path path;
  /// Each filing's cable, parsed once, in the order of proto.filings.
  std::vector<Cable> cables;
};
scenario_file load_scenario(const std::filesystem::path& path, const topology& topo);

struct run_options {
  double speedup = -1;  // < 0: the scenario's, else the topology's; 0: no pacing
  transport_kind transport = transport_kind::tcp;
  std::optional<std::filesystem::path> inbox;              // write delivered copies here
  std::function<void(const std::string&)> trace;           // narration, one line per event
  bool trace_debug = false;                                // narrate bookkeeping too (copies received, channels up)
  std::vector<std::pair<std::string, std::string>> watch;  // (from, to): narrate these channels' queues
  std::function<void(const std::string&)> progress;        // a progress line every few seconds
  std::size_t replay_limit = 0;       // keep up to this many events in the report, for the replay page
  net::event_observer observe;        // every event of every station, as the run decides it
  bool warn_refused_filings = true;   // a refused filing is a warning on stderr (always in the report)
  bool restart_from_journal = false;  // network_options::restart_from_journal
};

/// Run a scenario (or, with none, bring the network up and down) and report.
Report run(const topology& topo, const std::optional<scenario_file>& scenario, const run_options& options);

}  // namespace cablesim::sim
