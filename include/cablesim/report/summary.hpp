#pragma once
// What people read after a run: the summary, and durations as people say them.

#include <string>

#include "cablesim/report.pb.h"

namespace cablesim::report {

/// "0.25 s", "38 s", "12.5 min", "2.0 h".
std::string duration_label(double seconds);

/// The summary people read after a run; a run that left copies neither delivered nor refused
/// says NOT COMPLETE and lists them.
std::string summarize(const Report& report);

}  // namespace cablesim::report
