#include "cablesim/report/html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "cablesim/core/dtg.hpp"
#include "cablesim/core/precedence.hpp"
#include "cablesim/core/text.hpp"
#include "cablesim/report/html_writer.hpp"
#include "cablesim/report/summary.hpp"
#include "drawing.hpp"

namespace cablesim::report {

extern const char* const report_css;  // src/report/report.css, built in

namespace {

std::string num(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string colour(Precedence p) {
  switch (p) {
    case FLASH_OVERRIDE:
    case FLASH: return "#d62728";
    case IMMEDIATE: return "#ff7f0e";
    case PRIORITY: return "#1f77b4";
    default: return "#7f7f7f";
  }
}

std::string percent(double share) { return num(100 * share, 0) + "%"; }

/// Simulated clock label of seconds after the epoch.
std::string clock_at(const Report& r, double s) {
  const auto epoch = parse_iso8601(r.epoch()).value_or(sim_time{});
  return clock_label(epoch + sim_duration{static_cast<int64_t>(s * 1000)});
}

/// An <svg> chart of `width` × `height`.
void open_chart(html_writer& h, int width, int height, const std::string& label, const std::string& css = "chart") {
  h.open("svg", {{"viewBox", "0 0 " + std::to_string(width) + " " + std::to_string(height)},
                 {"class", css},
                 {"role", "img"},
                 {"aria-label", label}});
}

/// A vertical grid line with its label under the axis (the first and last labels kept inside).
void grid_line(html_writer& h, double x, int top, int bottom, const std::string& label, int label_y,
               const char* anchor = "middle") {
  h.empty(
      "line",
      {{"x1", num(x)}, {"x2", num(x)}, {"y1", std::to_string(top)}, {"y2", std::to_string(bottom)}, {"class", "grid"}});
  h.element("text", {{"x", num(x)}, {"y", std::to_string(label_y)}, {"class", "tick"}, {"text-anchor", anchor}}, label);
}

/// Where the k-th of n evenly spaced labels along an axis is anchored, so that none is clipped.
const char* anchor_of(int k, int n) { return k == 0 ? "start" : k == n ? "end" : "middle"; }

/// An axis title: under the x axis, or up the y axis.
void axis_title(html_writer& h, double x, double y, const std::string& title, bool vertical = false) {
  if (vertical)
    h.element("text",
              {{"x", num(x)},
               {"y", num(y)},
               {"class", "axis"},
               {"text-anchor", "middle"},
               {"transform", "rotate(-90 " + num(x) + " " + num(y) + ")"}},
              title);
  else
    h.element("text", {{"x", num(x)}, {"y", num(y)}, {"class", "axis"}, {"text-anchor", "middle"}}, title);
}

/// Latency of every delivery, one row per precedence, on a logarithmic time axis.
void latency_chart(html_writer& h, const Report& r) {
  std::map<std::string, Precedence> filed;
  for (const auto& f : r.filed()) filed[f.message_id()] = f.precedence();
  std::map<int, std::vector<double>> by;
  double hi = 60;
  for (const auto& d : r.deliveries()) {
    const auto it = filed.find(d.message_id());
    if (it == filed.end()) continue;
    const double l = std::max(0.5, d.delivered_at() - d.filed_at());
    by[it->second].push_back(l);
    hi = std::max(hi, l);
  }
  if (by.empty()) {
    h.element("p", "No deliveries.");
    return;
  }
  const double lo = 0.5;
  hi = std::max(hi * 1.5, 7 * 3600.0);
  const int width = 900, left = 130, right = 30, row = 80, top = 30;
  const int height = top + row * static_cast<int>(by.size()) + 75;
  auto x = [&](double v) {
    return left + (width - left - right) * (std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo));
  };
  open_chart(h, width, height, "latency by precedence");
  const std::vector<std::pair<double, const char*>> ticks = {
      {1, "1 s"}, {10, "10 s"}, {60, "1 min"}, {600, "10 min"}, {3600, "1 h"}, {21600, "6 h"}, {86400, "1 day"}};
  for (const auto& [v, label] : ticks) {
    if (v > hi) break;
    grid_line(h, x(v), top, height - 70, label, height - 48);
  }
  axis_title(h, (left + width - right) / 2.0, height - 12,
             "time from filing to delivery (simulated; logarithmic scale)");
  int i = 0;
  for (auto it = by.rbegin(); it != by.rend(); ++it, ++i) {
    const auto p = static_cast<Precedence>(it->first);
    auto v = it->second;
    std::sort(v.begin(), v.end());
    const double y = top + row * i + row / 2.0;
    h.element("text", {{"x", std::to_string(left - 10)}, {"y", num(y + 5)}, {"class", "label"}, {"text-anchor", "end"}},
              precedence_word(p));
    const double objective = std::chrono::duration<double>(speed_of_service_objective(p)).count();
    h.open("line", {{"x1", num(x(objective))},
                    {"x2", num(x(objective))},
                    {"y1", num(y - 28)},
                    {"y2", num(y + 28)},
                    {"class", "objective"}})
        .element("title", "speed-of-service objective: " + duration_label(objective))
        .close("line");
    for (std::size_t k = 0; k < v.size(); ++k) {
      const double jitter = ((k * 7919) % 41) - 20.0;
      h.empty("circle", {{"cx", num(x(v[k]))},
                         {"cy", num(y + jitter * 0.9)},
                         {"r", "3.5"},
                         {"fill", colour(p)},
                         {"fill-opacity", "0.55"}});
    }
    // the figures of the speed-of-service table, so that chart and table agree
    double p50 = 0, p90 = 0;
    for (const auto& s : r.precedences())
      if (s.precedence() == p) {
        p50 = std::max(lo, s.latency_p50());
        p90 = s.latency_p90();
      }
    h.open("line", {{"x1", num(x(p50))},
                    {"x2", num(x(p50))},
                    {"y1", num(y - 24)},
                    {"y2", num(y + 24)},
                    {"stroke", "#000"},
                    {"stroke-width", "3"}})
        .element("title", "median " + duration_label(p50))
        .close("line");
    const bool right_side = x(p50) < width - 330;
    h.element("text",
              {{"x", num(x(p50) + (right_side ? 6 : -6))},
               {"y", num(y - 26)},
               {"class", "small"},
               {"text-anchor", right_side ? "start" : "end"}},
              "median " + duration_label(p50) + ", 90% " + duration_label(p90));
  }
  h.close("svg");
}

/// Queue depth over time on the busiest links.
void queue_chart(html_writer& h, const Report& r) {
  std::vector<const LinkStats*> links;
  for (const auto& l : r.links())
    if (l.queue_high_water() > 0) links.push_back(&l);
  std::sort(links.begin(), links.end(), [](auto* a, auto* b) { return a->queue_high_water() > b->queue_high_water(); });
  if (links.size() > 4) links.resize(4);
  if (links.empty()) {
    h.element("p", "No queue ever formed: every channel was free when a cable arrived.");
    return;
  }
  const int width = 900, height = 360, left = 80, right = 30, top = 20, bottom = 75;
  uint32_t most = 1;
  for (auto* l : links) most = std::max(most, l->queue_high_water());
  // whole copies on the axis: at most four steps of a whole number
  const uint32_t steps = std::min<uint32_t>(4, most), step = (most + steps - 1) / steps;
  const double ymax = static_cast<double>(step * steps);
  const double xmax = std::max(1.0, r.duration());
  auto x = [&](double t) { return left + (width - left - right) * t / xmax; };
  auto y = [&](double d) { return top + (height - top - bottom) * (1 - d / ymax); };
  const char* palette[] = {"#9467bd", "#2ca02c", "#8c564b", "#17becf"};
  open_chart(h, width, height, "queue depth");
  for (uint32_t k = 0; k <= steps; ++k) {
    const double d = step * k;
    h.empty("line", {{"x1", std::to_string(left)},
                     {"x2", std::to_string(width - right)},
                     {"y1", num(y(d))},
                     {"y2", num(y(d))},
                     {"class", "grid"}});
    h.element("text",
              {{"x", std::to_string(left - 8)}, {"y", num(y(d) + 5)}, {"class", "tick"}, {"text-anchor", "end"}},
              num(d, 0));
  }
  for (int k = 0; k <= 5; ++k) {
    const double t = xmax * k / 5;
    h.element(
        "text",
        {{"x", num(x(t))}, {"y", std::to_string(height - 48)}, {"class", "tick"}, {"text-anchor", anchor_of(k, 5)}},
        clock_at(r, t));
  }
  axis_title(h, (left + width - right) / 2.0, height - 12, "simulated time (UTC)");
  axis_title(h, 22, (top + height - bottom) / 2.0, "copies waiting", true);
  int i = 0;
  for (auto* l : links) {
    std::string path;
    double last = 0;
    for (const auto& q : l->queue()) {
      path += (path.empty() ? "M" : " L") + num(x(q.at())) + "," + num(y(last)) + " L" + num(x(q.at())) + "," +
              num(y(q.depth()));
      last = q.depth();
    }
    path += " L" + num(x(xmax)) + "," + num(y(last));
    h.empty("path", {{"d", path}, {"fill", "none"}, {"stroke", palette[i]}, {"stroke-width", "2.5"}});
    h.empty("rect", {{"x", std::to_string(left + 10)},
                     {"y", std::to_string(top + 10 + 24 * i)},
                     {"width", "18"},
                     {"height", "5"},
                     {"fill", palette[i]}});
    h.element("text", {{"x", std::to_string(left + 34)}, {"y", std::to_string(top + 17 + 24 * i)}, {"class", "small"}},
              l->from() + " → " + l->to() + " (most waiting: " + std::to_string(l->queue_high_water()) + ")");
    ++i;
  }
  h.close("svg");
}

/// One transmission on a channel, as a bar in time.
struct transmission_bar {
  double start, end;
  Precedence p;
  uint32_t serial;
  std::string id;
  bool preempted = false;
};

/// The channel with the most preemptions (then transmissions), and its transmissions.
std::vector<transmission_bar> busiest_channel(const Report& r, std::string& title) {
  std::map<std::pair<std::string, std::string>, std::pair<int, int>> score;  // preemptions, starts
  for (const auto& e : r.link_events()) {
    auto& s = score[{e.from(), e.to()}];
    if (e.kind() == LinkEvent::PREEMPTED) ++s.first;
    if (e.kind() == LinkEvent::START) ++s.second;
  }
  std::vector<transmission_bar> bars;
  if (score.empty()) return bars;
  const auto best = std::max_element(score.begin(), score.end(), [](const auto& a, const auto& b) {
                      return a.second < b.second;
                    })->first;
  title = best.first + " → " + best.second;
  for (const auto& e : r.link_events()) {
    if (e.from() != best.first || e.to() != best.second) continue;
    if (e.kind() == LinkEvent::START)
      bars.push_back({e.at(), e.at() + e.line_time(), e.precedence(), e.channel_serial(), e.message_id()});
    if (e.kind() == LinkEvent::PREEMPTED)
      for (auto it = bars.rbegin(); it != bars.rend(); ++it)
        if (it->serial == e.channel_serial()) {
          it->end = e.at();
          it->preempted = true;
          break;
        }
  }
  return bars;
}

/// The transmissions on one channel as bars in time; preempted ones are cut short and dashed.
void timeline_chart(html_writer& h, const Report& r, const std::vector<transmission_bar>& bars) {
  if (bars.empty()) {
    h.element("p", "No transmissions held a line.");
    return;
  }
  // Show the stretch around the first preemption, or the start.
  std::size_t first = 0;
  for (std::size_t i = 0; i < bars.size(); ++i)
    if (bars[i].preempted) {
      first = i > 8 ? i - 8 : 0;
      break;
    }
  const std::size_t count = std::min<std::size_t>(bars.size() - first, 24);
  const double t0 = bars[first].start, t1 = std::max(t0 + 1, bars[first + count - 1].end);
  const int width = 900, left = 20, right = 20, top = 30, lane = 26;
  const int height = top + lane * static_cast<int>(count) + 75;
  auto x = [&](double t) { return left + (width - left - right) * (t - t0) / (t1 - t0); };
  open_chart(h, width, height, "link timeline");
  for (int k = 0; k <= 5; ++k) {
    const double t = t0 + (t1 - t0) * k / 5;
    grid_line(h, x(t), top - 5, height - 70, clock_at(r, t), height - 48, anchor_of(k, 5));
  }
  axis_title(h, width / 2.0, height - 12, "simulated time (UTC)");
  for (std::size_t i = 0; i < count; ++i) {
    const auto& b = bars[first + i];
    const double y = top + lane * static_cast<double>(i);
    const double w = std::max(2.0, x(b.end) - x(b.start));
    const auto summary = "channel serial " + zero_pad(b.serial, 4) + ", " + precedence_word(b.p) + " " + b.id +
                         (b.preempted ? ", preempted" : "");
    if (b.preempted)
      h.open("rect", {{"x", num(x(b.start))},
                      {"y", num(y)},
                      {"width", num(w)},
                      {"height", std::to_string(lane - 6)},
                      {"fill", colour(b.p)},
                      {"stroke", "#000"},
                      {"stroke-width", "2"},
                      {"stroke-dasharray", "4 2"}});
    else
      h.open("rect", {{"x", num(x(b.start))},
                      {"y", num(y)},
                      {"width", num(w)},
                      {"height", std::to_string(lane - 6)},
                      {"fill", colour(b.p)}});
    h.element("title", summary).close("rect");
    // a channel serial, never "#": that is a station serial in FL3 (RUEHRO #0020)
    const std::string label =
        "ch. " + zero_pad(b.serial, 4) + " " + precedence_word(b.p) + " " + b.id + (b.preempted ? "  ✕ preempted" : "");
    const double lx = x(b.end) + 6 > width - 420 ? x(b.start) - 6 : x(b.end) + 6;
    h.element("text",
              {{"x", num(lx)},
               {"y", num(y + lane - 10)},
               {"class", "small"},
               {"text-anchor", lx < x(b.start) ? "end" : "start"}},
              label);
  }
  h.close("svg");
}

/// The network: switching centres on an inner ring, posts (or, in a big network, one bubble for
/// each relay's posts) around them; line width by traffic.
void topology_chart(html_writer& h, const Report& r) {
  const auto& t = r.network();
  if (t.stations_size() == 0) {
    h.element("p", "No topology in this report.");
    return;
  }
  const auto d = draw_network(t);
  std::map<std::pair<std::size_t, std::size_t>, uint32_t> traffic;
  uint32_t most = 1;
  for (const auto& l : r.links()) {
    const auto a = d.node_of.find(l.from()), b = d.node_of.find(l.to());
    if (a == d.node_of.end() || b == d.node_of.end() || a->second == b->second) continue;
    auto& v = traffic[std::minmax(a->second, b->second)];
    v += l.transmissions();
    most = std::max(most, v);
  }
  const int size = static_cast<int>(d.size);
  open_chart(h, size, size, "network", "chart topo");
  for (const auto& [ends, slow] : d.edges) {
    const auto& a = d.nodes[ends.first];
    const auto& b = d.nodes[ends.second];
    const auto n = traffic[ends];
    h.open("line", {{"x1", num(a.x)},
                    {"y1", num(a.y)},
                    {"x2", num(b.x)},
                    {"y2", num(b.y)},
                    {"stroke", n ? (slow ? "#d62728" : "#4c72b0") : "#ccc"},
                    {"stroke-width", num(1.5 + 10.0 * n / most)},
                    {"stroke-opacity", "0.7"}})
        .element("title", a.id + " – " + b.id + ": " + std::to_string(n) + " transmissions")
        .close("line");
    if (n && !d.grouped)
      h.element("text", {{"x", num((a.x + b.x) / 2)}, {"y", num((a.y + b.y) / 2 - 5)}, {"class", "small edge"}},
                std::to_string(n));
  }
  for (const auto& n : d.nodes) {
    const double radius = n.posts ? 6 + 2.2 * std::sqrt(static_cast<double>(n.posts)) : 10;
    if (n.relay && d.grouped)
      h.empty("rect",
              {{"x", num(n.x - 7)}, {"y", num(n.y - 7)}, {"width", "14"}, {"height", "14"}, {"class", "relay"}});
    else if (n.relay)
      h.empty("rect", {{"x", num(n.x - 44)},
                       {"y", num(n.y - 15)},
                       {"width", "88"},
                       {"height", "30"},
                       {"rx", "4"},
                       {"class", "relay"}});
    else
      h.empty("circle", {{"cx", num(n.x)}, {"cy", num(n.y)}, {"r", num(radius)}, {"class", "post"}});
    if (n.label.empty()) continue;
    if (n.posts) {
      // outwards from the bubble, along the radius, turned so that it never reads upside down
      const double deg = n.angle * 180 / M_PI;
      const bool left = std::cos(n.angle) < 0;
      const double lx = n.x + (radius + 6) * std::cos(n.angle), ly = n.y + (radius + 6) * std::sin(n.angle);
      h.open("text", {{"x", num(lx)},
                      {"y", num(ly)},
                      {"class", "label"},
                      {"dominant-baseline", "middle"},
                      {"text-anchor", left ? "end" : "start"},
                      {"transform", "rotate(" + num(left ? deg + 180 : deg) + " " + num(lx) + " " + num(ly) + ")"}});
    } else {
      const double dy = n.relay ? 6 : (n.y < d.size / 2 ? -18 : 30);
      h.open("text", {{"x", num(n.x)},
                      {"y", num(n.y + dy)},
                      {"class", n.relay ? "label relaytext" : "label"},
                      {"text-anchor", "middle"}});
    }
    h.text(n.label).element("title", n.title).close("text");
  }
  h.close("svg");
}

/// The scenario's human title, else what the run was.
std::string page_title(const Report& r) {
  if (!r.title().empty()) return r.title();
  return r.scenario().empty() ? "A run of the " + r.topology() + " network" : r.scenario();
}

/// The head of the page: title, what happened in a line, the big figures, the colour key.
void summary_section(html_writer& h, const Report& r) {
  uint32_t expected = 0, delivered = 0;
  for (const auto& f : r.filed()) expected += static_cast<uint32_t>(f.addressees_size());
  for (const auto& p : r.precedences()) delivered += p.delivered();
  h.element("h1", page_title(r));
  if (!r.scenario().empty() || !r.topology().empty())
    h.element(
        "p", {{"class", "small"}},
        (r.scenario().empty() ? "no scenario" : "scenario " + r.scenario()) + " on the " + r.topology() + " network");
  h.open("p", {{"class", "lead"}})
      .text("Simulated " + clock_at(r, 0) + " to " + clock_at(r, r.duration()) + " (" + duration_label(r.duration()) +
            ") in virtual time, epoch " + r.epoch() + ". ");
  if (r.completed() && r.rejected() == 0)
    h.element("span", {{"class", "ok"}}, "Every addressee copy was delivered.");
  else if (r.completed())
    h.element("span", {{"class", "ok"}},
              "Every addressee copy was delivered, or refused for an unknown RI, for security or for the "
              "originator's own error.");
  else if (r.lost())
    h.element("span", {{"class", "bad"}},
              "Not complete: " + std::to_string(r.lost()) +
                  " copies were refused for a fault of the network (no route, sent back, a loop), and " +
                  std::to_string(r.missing_size()) + " neither delivered nor refused.");
  else
    h.element("span", {{"class", "bad"}},
              "Not complete: " + std::to_string(r.missing_size()) + " copies were neither delivered nor refused.");
  h.close("p");
  h.open("div", {{"class", "big"}});
  auto figure = [&](const std::string& value, const std::string& what) {
    h.open("div").element("b", value).text(what).close("div");
  };
  figure(std::to_string(r.filed_size()), "cables filed");
  figure(std::to_string(delivered) + " / " + std::to_string(expected), "addressee copies delivered");
  figure(std::to_string(r.preemptions()), "preemptions");
  figure(std::to_string(r.service_messages()), "service messages");
  figure(std::to_string(r.open_numbers()), "open numbers");
  figure(std::to_string(r.duplicates()), "delivered twice");
  figure(std::to_string(r.duplicates_filed()), "suspected duplicates filed (ZFD)");
  figure(std::to_string(r.misrouted()), "misrouted, passed on (ZOV)");
  h.close("div");
  h.open("p", {{"class", "key"}});
  for (auto p : {FLASH, IMMEDIATE, PRIORITY, ROUTINE})
    h.open("span").open("i", {{"style", "background:" + colour(p)}}).close("i").text(precedence_word(p)).close("span");
  h.close("p");
}

/// A table row of cells.
void row(html_writer& h, std::initializer_list<std::string> cells, std::string_view cell = "td") {
  h.open("tr");
  for (const auto& c : cells) h.element(cell, c);
  h.close("tr");
}

void speed_of_service_section(html_writer& h, const Report& r) {
  h.element("h2", "Speed of service").open("table");
  row(h,
      {"precedence", "filed", "delivered", "refused", "in flight", "median", "90%", "slowest", "objective",
       "delivered within", "relay handling (median / max)"},
      "th");
  for (const auto& p : r.precedences()) {
    const bool good = p.delivered() == 0 || p.delivered_within_objective() >= 0.999;
    h.open("tr").element("td", {{"style", "color:" + colour(p.precedence()) + ";font-weight:bold"}},
                         precedence_word(p.precedence()));
    for (const auto& cell :
         {std::to_string(p.filed()), std::to_string(p.delivered()), std::to_string(p.rejected()),
          std::to_string(p.in_flight()), duration_label(p.latency_p50()), duration_label(p.latency_p90()),
          duration_label(p.latency_max()), duration_label(p.objective_seconds())})
      h.element("td", cell);
    h.element("td", {{"class", good ? "ok" : "bad"}}, percent(p.delivered_within_objective()));
    h.element("td", duration_label(p.relay_handling_p50()) + " / " + duration_label(p.relay_handling_max()));
    h.close("tr");
  }
  h.close("table").element(
      "p", {{"class", "small"}},
      "Latency runs from filing at the originating post to delivery at each addressee station, in simulated time. "
      "ACP 127's objectives: FLASH handled within 10 minutes and IMMEDIATE within 30 at each station; PRIORITY "
      "delivered within 3 hours, ROUTINE within 6.");
}

void charts_section(html_writer& h, const Report& r) {
  h.element("h2", "How long delivery took");
  latency_chart(h, r);
  h.element("p", {{"class", "small"}},
            "Each dot is one addressee copy; the black bar is the median, the dashed green line the speed-of-service "
            "objective.");
  h.element("h2", "Queues on the busiest channels");
  queue_chart(h, r);
  std::string title;
  const auto bars = busiest_channel(r, title);
  h.element("h2", "Transmissions on " + title);
  timeline_chart(h, r, bars);
  h.element("p", {{"class", "small"}},
            "Each bar holds the line for the cable's transmission time at the line's speed. A dashed outline marks a "
            "transmission interrupted by a more urgent cable: its channel serial is cancelled (used up) and the cable "
            "is sent again, whole, under a new serial.");
  h.element("h2", "The network and its traffic");
  topology_chart(h, r);
  h.element("p", {{"class", "small"}},
            "Boxes are switching centres, circles posts; line width shows how many transmissions crossed each circuit "
            "(red: a slow teletype line).");
}

/// Every service message and refusal, with its text: what lesson 4 is about.
void service_section(html_writer& h, const Report& r) {
  if (!r.service_log_size() && !r.refused_filings_size()) return;
  h.element("h2", "Service messages and refusals");
  if (r.refusals_size()) {
    h.open("p").text("Addressee copies refused, by reason:");
    for (const auto& f : r.refusals())
      h.text(" ").element(f.legitimate() ? "span" : "b", std::to_string(f.copies()) + " " + f.reason() +
                                                             (f.legitimate() ? "" : " (lost to the network)"));
    h.close("p");
  }
  h.open("table", {{"class", "service"}});
  row(h, {"when", "station", "what", "cable", "RIs", "why"}, "th");
  for (const auto& s : r.service_log()) {
    std::string ris;
    for (const auto& ri : s.ris()) ris += (ris.empty() ? "" : " ") + ri;
    const bool service = s.kind() == ServiceRecord::SERVICE;
    h.open("tr").element("td", clock_at(r, s.at())).element("td", s.station());
    h.element("td", service ? "service message " + s.reason() + " to " + s.to() : "refuses (" + s.reason() + ")");
    h.element("td", s.about()).element("td", ris).open("td").text(s.detail());
    if (service && !s.text().empty()) h.empty("br").element("code", s.text());
    h.close("td").close("tr");
  }
  for (const auto& f : r.refused_filings())
    row(h, {clock_at(r, f.at()), f.station(), "refuses the filing", f.source(), "", f.error()});
  h.close("table");
}

void tables_section(html_writer& h, const Report& r) {
  if (r.events_size()) {
    h.element("h2", "Scripted events").open("table");
    row(h, {"when", "what"}, "th");
    for (const auto& e : r.events()) row(h, {clock_at(r, e.at()), e.description()});
    h.close("table");
  }
  h.element("h2", "Channels").open("table");
  row(h, {"channel", "speed", "transmissions", "preempted", "busy", "most waiting"}, "th");
  std::vector<const LinkStats*> links;
  for (const auto& l : r.links()) links.push_back(&l);
  std::sort(links.begin(), links.end(), [](auto* a, auto* b) { return a->busy_seconds() > b->busy_seconds(); });
  for (std::size_t i = 0; i < links.size() && i < 25; ++i) {
    const auto* l = links[i];
    row(h, {l->from() + " → " + l->to(), l->speed_bps() ? std::to_string(l->speed_bps()) + " bit/s" : "unpaced",
            std::to_string(l->transmissions()), std::to_string(l->preemptions()), percent(l->utilisation()),
            std::to_string(l->queue_high_water())});
  }
  h.close("table");
  if (!r.deliveries_size()) return;
  h.element("h2", "Deliveries").open("table");
  row(h, {"delivered", "station", "precedence", "message", "took", "path"}, "th");
  for (int i = 0; i < r.deliveries_size() && i < 60; ++i) {
    const auto& d = r.deliveries(i);
    std::string path;
    for (const auto& s : d.path()) path += (path.empty() ? "" : " → ") + s;
    h.open("tr").element("td", clock_at(r, d.delivered_at())).element("td", d.station());
    h.element("td", {{"style", "color:" + colour(d.precedence())}}, precedence_word(d.precedence()));
    h.element("td", d.message_id()).element("td", duration_label(d.delivered_at() - d.filed_at())).element("td", path);
    h.close("tr");
  }
  h.close("table");
  if (r.deliveries_size() > 60)
    h.element("p", {{"class", "small"}},
              "… and " + std::to_string(r.deliveries_size() - 60) + " more in the JSON report.");
}

}  // namespace

network_drawing draw_network(const Topology& t) {
  network_drawing d;
  std::vector<std::string> relays, posts;
  std::map<std::string, const Station*> station;
  for (const auto& s : t.stations()) {
    (s.role() == RELAY ? relays : posts).push_back(s.ri());
    station[s.ri()] = &s;
  }
  std::map<std::string, std::string> home;  // a post's first relay neighbour
  for (const auto& l : t.links())
    for (const auto& [a, b] : {std::pair{l.a(), l.b()}, std::pair{l.b(), l.a()}})
      if (station[a]->role() != RELAY && station[b]->role() == RELAY && !home.count(a)) home[a] = b;
  const auto relay_index = [&](const std::string& ri) {
    return std::find(relays.begin(), relays.end(), home.count(ri) ? home.at(ri) : "") - relays.begin();
  };
  std::stable_sort(posts.begin(), posts.end(),
                   [&](const auto& a, const auto& b) { return relay_index(a) < relay_index(b); });
  d.grouped = t.stations_size() > 40;
  d.size = d.grouped ? 1000 : 700;
  const double c = d.size / 2;
  const auto place = [&](std::size_t i, double radius, double angle) {
    d.nodes[i].x = c + radius * std::cos(angle);
    d.nodes[i].y = c + radius * std::sin(angle);
    d.nodes[i].angle = angle;
  };
  const auto angle_of = [](std::size_t i, std::size_t n) {
    return 2 * M_PI * static_cast<double>(i) / static_cast<double>(n) - M_PI / 2;
  };
  if (!d.grouped) {
    // every station: relays on an inner ring, posts around them next to their relay
    for (const auto& ri : relays) {
      d.node_of[ri] = d.nodes.size();
      d.nodes.push_back({ri, ri, station[ri]->description(), 0, 0, 0, true, 0});
    }
    for (const auto& ri : posts) {
      const auto* s = station[ri];
      d.node_of[ri] = d.nodes.size();
      d.nodes.push_back({ri, ri, s->addresses_size() ? s->addresses(0) : s->description(), 0, 0, 0, false, 0});
    }
    const double r_in = relays.size() <= 1 ? 0 : d.size * 0.17;
    for (std::size_t i = 0; i < relays.size(); ++i) place(i, r_in, angle_of(i, relays.size()));
    for (std::size_t i = 0; i < posts.size(); ++i) place(relays.size() + i, d.size * 0.38, angle_of(i, posts.size()));
  } else {
    // relays that serve posts on a ring, each with one bubble for its posts outside it; relays
    // that serve none (the hubs) in the middle
    std::map<std::string, std::vector<std::string>> served;
    for (const auto& ri : posts) served[home.count(ri) ? home.at(ri) : ""].push_back(ri);
    std::vector<std::string> outer, hubs;
    for (const auto& ri : relays) (served.count(ri) ? outer : hubs).push_back(ri);
    if (served.count("")) outer.push_back("");  // posts with no relay neighbour
    for (std::size_t i = 0; i < hubs.size(); ++i) {
      d.node_of[hubs[i]] = d.nodes.size();
      d.nodes.push_back({hubs[i], hubs[i], station[hubs[i]]->description(), 0, 0, 0, true, 0});
      place(d.nodes.size() - 1, hubs.size() == 1 ? 0 : d.size * 0.09, angle_of(i, hubs.size()));
    }
    for (std::size_t i = 0; i < outer.size(); ++i) {
      const double angle = angle_of(i, outer.size());
      const auto& relay = outer[i];
      if (!relay.empty()) {
        d.node_of[relay] = d.nodes.size();
        d.nodes.push_back({relay, "", station[relay]->description(), 0, 0, 0, true, 0});
        place(d.nodes.size() - 1, d.size * 0.2, angle);
      }
      const auto& group = served.at(relay);
      std::string members;
      for (std::size_t k = 0; k < group.size() && k < 40; ++k) members += (k ? " " : "") + group[k];
      if (group.size() > 40) members += " …";
      for (const auto& ri : group) d.node_of[ri] = d.nodes.size();
      d.nodes.push_back({(relay.empty() ? "other" : relay) + " posts",
                         (relay.empty() ? "other" : relay) + ": " + std::to_string(group.size()) +
                             (group.size() == 1 ? " post" : " posts"),
                         members, 0, 0, 0, false, group.size()});
      place(d.nodes.size() - 1, d.size * 0.3, angle);
    }
  }
  for (const auto& l : t.links()) {
    const auto a = d.node_of.at(l.a()), b = d.node_of.at(l.b());
    if (a == b) continue;
    d.edges[std::minmax(a, b)] |= l.speed_bps() > 0 && l.speed_bps() < 300;
  }
  return d;
}

std::string render_html(const Report& r) {
  html_writer h;
  h.trusted("<!DOCTYPE html>\n").open("html", {{"lang", "en"}}).open("head");
  h.empty("meta", {{"charset", "utf-8"}});
  h.empty("meta", {{"name", "viewport"}, {"content", "width=device-width, initial-scale=1"}});
  h.element("title", "cablesim: " + page_title(r));
  h.open("style").trusted(report_css).close("style").close("head").open("body");
  summary_section(h, r);
  speed_of_service_section(h, r);
  service_section(h, r);
  replay_section(h, r);
  charts_section(h, r);
  tables_section(h, r);
  h.element("p", {{"class", "small"}}, "Made by cablesim.").close("body").close("html").trusted("\n");
  return h.str();
}

}  // namespace cablesim::report
