#pragma once
// A run's report as one self-contained HTML page (inline CSS, SVG and script, nothing fetched):
// the summary, speed of service, every service message and refusal, the replay (a map with the
// cables moving, play/step/scrub, a filtered event list, the selected event's cable and the
// queues at that instant), latency by precedence, queue depth on the busiest channels, one
// channel's transmissions with preemptions, the network with its traffic.

#include <string>

#include "cablesim/report.pb.h"

namespace cablesim::report {

std::string render_html(const Report& report);

}  // namespace cablesim::report
