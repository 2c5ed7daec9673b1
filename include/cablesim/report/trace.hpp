#pragma once
// The trace: a station's typed events told in plain English, in one place. `cablesim run
// --trace` prints the info-level lines; a node's logger writes them at their level.

#include <optional>
#include <string>

#include "cablesim/core/station.hpp"

namespace cablesim::report {

/// debug: bookkeeping (copies received, channels up); detail: every transmission's start, end and
/// acknowledgment, which `run --trace` tells and a node logs at debug (one line a cable at info
/// is enough for a station under load); info: filings, relays, deliveries, preemptions, service;
/// warn: refusals and open numbers.
enum class trace_level { debug, detail, info, warn };

struct trace_line {
  trace_level level = trace_level::info;
  std::string text;
};

/// What `station` did, as a student reads it; nothing for a queue's depth (narrate_queue), nor
/// for a line below `least`.
std::optional<trace_line> narrate(const std::string& station, const station_event& event,
                                  trace_level least = trace_level::debug);

/// The copies waiting on a watched channel, by precedence: "queue RUEHTA->RUEHTB: 3 waiting (1 FLASH, 2 ROUTINE)".
std::string narrate_queue(const std::string& station, const queue_changed& queue);

}  // namespace cablesim::report
