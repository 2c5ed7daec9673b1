#pragma once
// What `cablesim load` measured, for people: a summary in text, and a page with the latency
// percentiles of each precedence drawn (self-contained: inline CSS and SVG).

#include <string>

#include "cablesim/report.pb.h"

namespace cablesim::report {

std::string summarize_load(const LoadReport& report);
std::string render_load_html(const LoadReport& report);

}  // namespace cablesim::report
