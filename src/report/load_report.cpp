#include "cablesim/report/load.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cablesim/core/precedence.hpp"
#include "cablesim/report/html_writer.hpp"

namespace cablesim::report {

extern const char* const report_css;  // src/report/report.css, built in

namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// Microseconds for people: 850 µs, 12.3 ms, 1.20 s.
std::string micros(double us) {
  if (us < 1000) return fixed(us, 0) + " µs";
  if (us < 1e6) return fixed(us / 1000, us < 1e4 ? 2 : 1) + " ms";
  return fixed(us / 1e6, 2) + " s";
}

/// The precedences measured, most urgent first.
std::vector<std::pair<std::string, const LatencyPercentiles*>> by_precedence(const LoadReport& r) {
  std::vector<std::pair<std::string, const LatencyPercentiles*>> out;
  for (int p = FLASH_OVERRIDE; p >= ROUTINE; --p) {
    const auto name = precedence_word(static_cast<Precedence>(p));
    if (const auto it = r.latency_us().find(name); it != r.latency_us().end()) out.emplace_back(name, &it->second);
  }
  return out;
}

std::string colour(const std::string& precedence) {
  if (precedence.starts_with("FLASH")) return "#d62728";
  if (precedence == "IMMEDIATE") return "#ff7f0e";
  if (precedence == "PRIORITY") return "#1f77b4";
  return "#7f7f7f";
}

}  // namespace

std::string summarize_load(const LoadReport& r) {
  std::string out;
  char line[200];
  std::snprintf(line, sizeof line, "cablesim load: %s -> %s -> ", r.from().c_str(), r.relay().c_str());
  out += line;
  for (int i = 0; i < r.to_size(); ++i) out += (i ? ", " : "") + r.to(i);
  out += "; " + (r.mode() == "open" ? "open loop at " + fixed(r.offered_per_second(), 0) + " cables/s" : "closed loop");
  out += "; " + std::to_string(r.cable_characters()) + "-character cables, " +
         std::to_string(r.wire_bytes_per_cable()) + " bytes a frame\n";
  if (r.dual_share() > 0)
    out += "dual precedence: " + fixed(100 * r.dual_share(), 0) +
           "% of the PRIORITY and IMMEDIATE cables (each copy's latency counts under the precedence it went at)\n";
  std::snprintf(line, sizeof line, "sent %u cables (%u backlog); received %u of %u copies in %.2f s: %.0f copies/s\n",
                r.sent(), r.backlog(), r.received(), r.expected(), r.seconds(), r.achieved_per_second());
  out += line;
  std::snprintf(
      line, sizeof line, "lost %u, duplicated %u, precedence inversions %.0f, relay queue high-water %s\n", r.lost(),
      r.duplicated(), r.inversions(),
      r.relay_queue_high_water() < 0 ? "not known (no copy came)" : std::to_string(r.relay_queue_high_water()).c_str());
  out += line;
  if (r.outages()) {
    std::snprintf(line, sizeof line,
                  "the relay went away %u time%s, %.2f s in all, with %u cables in flight; %u sent again (ZFD), %u "
                  "copies that came again filed as suspected duplicates\n",
                  r.outages(), r.outages() == 1 ? "" : "s", r.relay_away_seconds(), r.in_flight_at_outages(),
                  r.resent(), r.suspected_duplicates());
    out += line;
  }
  std::snprintf(line, sizeof line, "\n%-10s %8s %10s %10s %10s %10s %10s\n", "precedence", "copies", "p50", "p90",
                "p99", "p99.9", "max");
  out += line;
  for (const auto& [name, l] : by_precedence(r)) {
    std::snprintf(line, sizeof line, "%-10s %8u %10s %10s %10s %10s %10s\n", name.c_str(), l->count(),
                  micros(l->p50()).c_str(), micros(l->p90()).c_str(), micros(l->p99()).c_str(),
                  micros(l->p999()).c_str(), micros(l->max()).c_str());
    out += line;
  }
  out += "(latency: wall clock, from each cable's intended send time to its arrival at the sink)\n";
  return out;
}

std::string render_load_html(const LoadReport& r) {
  html_writer h;
  h.trusted("<!DOCTYPE html>\n").open("html", {{"lang", "en"}}).open("head");
  h.empty("meta", {{"charset", "utf-8"}});
  h.element("title", "cablesim load: " + r.from() + " → " + r.relay());
  h.open("style").trusted(report_css).close("style").close("head").open("body");
  h.element("h1", "Load through " + r.relay());
  std::string lead = summarize_load(r);
  h.element("pre", lead);

  // latency against percentile: the x axis spreads the tail (1 / (1 - p), logarithmic)
  const int width = 900, height = 480, left = 100, right = 30, top = 20, bottom = 80;
  double lo = 1e300, hi = 1;
  for (const auto& [name, l] : by_precedence(r))
    for (const auto us : l->curve_us()) {
      lo = std::min(lo, std::max(1.0, us));
      hi = std::max(hi, us);
    }
  if (lo > hi) lo = 1;
  lo = std::pow(10, std::floor(std::log10(lo)));
  hi = std::pow(10, std::ceil(std::log10(hi * 1.01)));
  const double x_max = std::log10(1e5);  // up to 99.999%
  auto x = [&](double percentile) {
    const double q = std::min(percentile / 100, 0.99999);
    return left + (width - left - right) * std::log10(1 / (1 - q)) / x_max;
  };
  auto y = [&](double us) {
    return top + (height - top - bottom) *
                     (1 - (std::log10(std::max(us, lo)) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)));
  };
  h.open("svg", {{"viewBox", "0 0 " + std::to_string(width) + " " + std::to_string(height)},
                 {"class", "chart"},
                 {"role", "img"},
                 {"aria-label", "latency percentiles by precedence"}});
  for (const auto& [p, label] : std::vector<std::pair<double, std::string>>{
           {0, "0%"}, {90, "90%"}, {99, "99%"}, {99.9, "99.9%"}, {99.99, "99.99%"}, {99.999, "99.999%"}}) {
    h.empty("line", {{"x1", fixed(x(p), 1)},
                     {"x2", fixed(x(p), 1)},
                     {"y1", std::to_string(top)},
                     {"y2", std::to_string(height - bottom)},
                     {"class", "grid"}});
    h.element("text",
              {{"x", fixed(x(p), 1)},
               {"y", std::to_string(height - bottom + 24)},
               {"class", "tick"},
               {"text-anchor", p == 0      ? "start"
                               : p > 99.99 ? "end"
                                           : "middle"}},
              label);
  }
  for (double us = lo; us <= hi * 1.001; us *= 10) {
    h.empty("line", {{"x1", std::to_string(left)},
                     {"x2", std::to_string(width - right)},
                     {"y1", fixed(y(us), 1)},
                     {"y2", fixed(y(us), 1)},
                     {"class", "grid"}});
    h.element("text",
              {{"x", std::to_string(left - 8)}, {"y", fixed(y(us) + 6, 1)}, {"class", "tick"}, {"text-anchor", "end"}},
              micros(us));
  }
  h.element("text",
            {{"x", std::to_string((left + width - right) / 2)},
             {"y", std::to_string(height - 18)},
             {"class", "axis"},
             {"text-anchor", "middle"}},
            "percentile of copies (the tail spread out)");
  h.element("text",
            {{"x", "22"},
             {"y", std::to_string((top + height - bottom) / 2)},
             {"class", "axis"},
             {"text-anchor", "middle"},
             {"transform", "rotate(-90 22 " + std::to_string((top + height - bottom) / 2) + ")"}},
            "latency (wall clock)");
  int row = 0;
  for (const auto& [name, l] : by_precedence(r)) {
    std::string path;
    for (int i = 0; i < l->curve_percentile_size(); ++i)
      path += (path.empty() ? "M" : " L") + fixed(x(l->curve_percentile(i)), 1) + "," + fixed(y(l->curve_us(i)), 1);
    h.empty("path", {{"d", path}, {"fill", "none"}, {"stroke", colour(name)}, {"stroke-width", "3"}});
    h.empty("rect", {{"x", std::to_string(left + 12)},
                     {"y", std::to_string(top + 10 + 26 * row)},
                     {"width", "20"},
                     {"height", "5"},
                     {"fill", colour(name)}});
    h.element("text",
              {{"x", std::to_string(left + 40)}, {"y", std::to_string(top + 18 + 26 * row)}, {"class", "small"}},
              name + " (" + std::to_string(l->count()) + " copies)");
    ++row;
  }
  h.close("svg");
  h.element("p", {{"class", "small"}}, "Made by cablesim load.").close("body").close("html").trusted("\n");
  return h.str();
}

}  // namespace cablesim::report
