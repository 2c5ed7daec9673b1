#pragma once
// A run's report as one self-contained HTML page (inline CSS and SVG, no scripts, nothing
// fetched): speed-of-service table, latency by precedence, queue depth on the busiest
// channels, one channel's transmissions with preemptions, the network with its traffic.

#include <string>

#include "cablesim/report.pb.h"

namespace cablesim::report {

std::string render_html(const Report& report);

}  // namespace cablesim::report
