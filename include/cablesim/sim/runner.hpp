#pragma once
// The in-process runner: every station of a topology in one process, on one io_context, on
// loopback; files a scenario's cables at their times; stops when every expected copy is
// delivered (or rejected) and the network is idle, or at the time limit; reports.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cablesim/core/topology.hpp"
#include "cablesim/report.pb.h"
#include "cablesim/scenario.pb.h"

namespace cablesim::sim {

/// A scenario file loaded and checked against a topology. Throws config_error.
struct scenario_file {
  Scenario proto;
  std::filesystem::path path;
  /// The text of each filing's cable file, in the order of proto.filings.
  std::vector<std::string> cable_texts;
};
scenario_file load_scenario(const std::filesystem::path& path, const topology& topo);

struct run_options {
  double speedup = 0;                           // 0: the scenario's, else the topology's
  std::optional<std::filesystem::path> inbox;   // write delivered copies here
  std::function<void(const std::string&)> trace;     // narration, one line per event
  std::function<void(const std::string&)> progress;  // a progress line every few seconds
  std::string log_level = "warn";               // station loggers (stderr)
};

/// Run a scenario (or, with none, bring the network up and down) and report.
Report run(const topology& topo, const std::optional<scenario_file>& scenario, const run_options& options);

/// The summary people read after a run.
std::string summarize(const Report& report);

}  // namespace cablesim::sim
