#pragma once
// What a station's journal holds, kept in memory: the journal batches of its decisions applied
// to the copies in its charge, the (message, RI) pairs it has handled and its counters. The
// SQLite journal (store/journal) keeps the same on a disk; the virtual-time network keeps it in
// memory, so that a station stopped and started there begins again from it, as a node restarted
// from its journal does.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cablesim/core/decision.hpp"

namespace cablesim {

/// What a journal gives back to a restarted station (station::restore, restore_seen,
/// restore_counter).
struct journal_contents {
  std::vector<std::pair<std::string, queued_copy>> pending;  // channel, copy; oldest first
  std::vector<std::string> seen;
  std::vector<std::pair<counter_key, uint64_t>> counters;
};

class journal_image {
 public:
  /// Keep one decision's batch.
  void apply(const std::vector<journal_entry>& batch);
  journal_contents contents() const;
  /// Copies in the station's charge: what a stopped station still holds.
  bool holds_copies() const { return !pending_.empty(); }

 private:
  std::map<uint64_t, std::pair<std::string, queued_copy>> pending_;  // by journal id: oldest first
  std::set<std::string> seen_;
  std::map<std::string, std::pair<counter_key, uint64_t>> counters_;  // by the counter's name
};

}  // namespace cablesim
