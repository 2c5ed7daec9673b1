#pragma once
// Corpus replay: a topology and a scenario derived from a folder of real cables.

#include <filesystem>
#include <string>
#include <vector>

#include "cablesim/cable.pb.h"
#include "cablesim/scenario.pb.h"
#include "cablesim/topology.pb.h"

namespace cablesim::sim {

/// A cable of the folder that has an ACP 127 heading.
struct corpus_cable {
  std::filesystem::path file;
  Cable cable;
};

/// Every cable with a heading in `dir` (*.txt), sorted by file name; those without a heading
/// are counted in `skipped`.
std::vector<corpus_cable> read_corpus(const std::filesystem::path& dir, std::size_t* skipped = nullptr);

/// Every originating and addressee RI becomes a station (a post), under relays grouped by RI
/// prefix, under one hub. Every station can reach every other.
Topology corpus_topology(const std::vector<corpus_cable>& cables);

/// Each cable filed at its originating station, in DTG order. Quiet time between filings is
/// compressed: a gap longer than `max_gap_seconds` of simulated time becomes that long.
Scenario corpus_scenario(const std::vector<corpus_cable>& cables, double max_gap_seconds);

}  // namespace cablesim::sim
