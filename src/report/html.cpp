#include "cablesim/report/html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "cablesim/core/dtg.hpp"
#include "cablesim/core/precedence.hpp"
#include "cablesim/report/html_writer.hpp"
#include "cablesim/report/summary.hpp"

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

/// A vertical grid line with its label under the axis.
void grid_line(html_writer& h, double x, int top, int bottom, const std::string& label, int label_y) {
  h.empty(
      "line",
      {{"x1", num(x)}, {"x2", num(x)}, {"y1", std::to_string(top)}, {"y2", std::to_string(bottom)}, {"class", "grid"}});
  h.element("text", {{"x", num(x)}, {"y", std::to_string(label_y)}, {"class", "tick"}}, label);
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
  const int width = 900, left = 110, right = 20, row = 70, top = 20;
  const int height = top + row * static_cast<int>(by.size()) + 40;
  auto x = [&](double v) {
    return left + (width - left - right) * (std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo));
  };
  open_chart(h, width, height, "latency by precedence");
  const std::vector<std::pair<double, const char*>> ticks = {
      {1, "1 s"}, {10, "10 s"}, {60, "1 min"}, {600, "10 min"}, {3600, "1 h"}, {21600, "6 h"}, {86400, "1 day"}};
  for (const auto& [v, label] : ticks) {
    if (v > hi) break;
    grid_line(h, x(v), top, height - 35, label, height - 15);
  }
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
    const double p50 = v[v.size() / 2], p90 = v[std::min(v.size() - 1, static_cast<std::size_t>(v.size() * 0.9))];
    h.open("line", {{"x1", num(x(p50))},
                    {"x2", num(x(p50))},
                    {"y1", num(y - 24)},
                    {"y2", num(y + 24)},
                    {"stroke", "#000"},
                    {"stroke-width", "3"}})
        .element("title", "median " + duration_label(p50))
        .close("line");
    h.element("text", {{"x", num(x(p50) + 5)}, {"y", num(y - 22)}, {"class", "small"}},
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
  const int width = 900, height = 300, left = 60, right = 20, top = 20, bottom = 40;
  uint32_t ymax = 1;
  for (auto* l : links) ymax = std::max(ymax, l->queue_high_water());
  const double xmax = std::max(1.0, r.duration());
  auto x = [&](double t) { return left + (width - left - right) * t / xmax; };
  auto y = [&](double d) { return top + (height - top - bottom) * (1 - d / ymax); };
  const char* palette[] = {"#9467bd", "#2ca02c", "#8c564b", "#17becf"};
  open_chart(h, width, height, "queue depth");
  for (int k = 0; k <= 4; ++k) {
    const double d = ymax * k / 4.0;
    h.empty("line", {{"x1", std::to_string(left)},
                     {"x2", std::to_string(width - right)},
                     {"y1", num(y(d))},
                     {"y2", num(y(d))},
                     {"class", "grid"}});
    h.element("text",
              {{"x", std::to_string(left - 8)}, {"y", num(y(d) + 4)}, {"class", "tick"}, {"text-anchor", "end"}},
              num(d, 0));
  }
  for (int k = 0; k <= 6; ++k) {
    const double t = xmax * k / 6;
    h.element("text", {{"x", num(x(t))}, {"y", std::to_string(height - 15)}, {"class", "tick"}}, clock_at(r, t));
  }
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
                     {"y", std::to_string(top + 8 + 20 * i)},
                     {"width", "14"},
                     {"height", "4"},
                     {"fill", palette[i]}});
    h.element("text", {{"x", std::to_string(left + 30)}, {"y", std::to_string(top + 14 + 20 * i)}, {"class", "small"}},
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
  const int width = 900, left = 20, right = 20, top = 30, lane = 22;
  const int height = top + lane * static_cast<int>(count) + 40;
  auto x = [&](double t) { return left + (width - left - right) * (t - t0) / (t1 - t0); };
  open_chart(h, width, height, "link timeline");
  for (int k = 0; k <= 5; ++k) {
    const double t = t0 + (t1 - t0) * k / 5;
    grid_line(h, x(t), top - 5, height - 35, clock_at(r, t), height - 15);
  }
  for (std::size_t i = 0; i < count; ++i) {
    const auto& b = bars[first + i];
    const double y = top + lane * static_cast<double>(i);
    const double w = std::max(2.0, x(b.end) - x(b.start));
    const auto summary = "serial " + std::to_string(b.serial) + ", " + precedence_word(b.p) + " " + b.id +
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
    const std::string label =
        "#" + std::to_string(b.serial) + " " + precedence_word(b.p) + " " + b.id + (b.preempted ? "  ✕ preempted" : "");
    const double lx = x(b.end) + 6 > width - 330 ? x(b.start) - 6 : x(b.end) + 6;
    h.element("text",
              {{"x", num(lx)},
               {"y", num(y + lane - 10)},
               {"class", "small"},
               {"text-anchor", lx < x(b.start) ? "end" : "start"}},
              label);
  }
  h.close("svg");
}

/// Where each station sits: relays on an inner ring, posts around them next to their relay.
std::map<std::string, std::pair<double, double>> layout(const Topology& t, double size, bool big) {
  std::vector<std::string> relays, posts;
  for (const auto& s : t.stations()) (s.role() == RELAY ? relays : posts).push_back(s.ri());
  std::map<std::string, std::string> home;  // a post's first relay neighbour
  for (const auto& l : t.links())
    for (const auto& [a, b] : {std::pair{l.a(), l.b()}, std::pair{l.b(), l.a()}})
      if (std::find(relays.begin(), relays.end(), b) != relays.end() && !home.count(a)) home[a] = b;
  std::stable_sort(posts.begin(), posts.end(), [&](const auto& a, const auto& b) {
    const auto ia = std::find(relays.begin(), relays.end(), home[a]) - relays.begin();
    const auto ib = std::find(relays.begin(), relays.end(), home[b]) - relays.begin();
    return ia < ib;
  });
  const double c = size / 2.0;
  const double r_in = relays.size() <= 1 ? 0 : size * 0.17, r_out = size * (big ? 0.44 : 0.38);
  std::map<std::string, std::pair<double, double>> pos;
  auto ring = [&](const std::vector<std::string>& ris, double radius) {
    for (std::size_t i = 0; i < ris.size(); ++i) {
      const double a = 2 * M_PI * static_cast<double>(i) / static_cast<double>(ris.size()) - M_PI / 2;
      pos[ris[i]] = {c + radius * std::cos(a), c + radius * std::sin(a)};
    }
  };
  ring(relays, r_in);
  ring(posts, r_out);
  return pos;
}

/// The network: relays on an inner ring, posts around them; line width by traffic.
void topology_chart(html_writer& h, const Report& r) {
  const auto& t = r.network();
  if (t.stations_size() == 0) {
    h.element("p", "No topology in this report.");
    return;
  }
  const bool big = t.stations_size() > 40;
  const int size = big ? 1100 : 700;
  const auto pos = layout(t, size, big);
  std::map<std::pair<std::string, std::string>, uint32_t> traffic;
  uint32_t most = 1;
  for (const auto& l : r.links()) {
    auto& v = traffic[std::minmax(l.from(), l.to())];
    v += l.transmissions();
    most = std::max(most, v);
  }
  open_chart(h, size, size, "network", "chart topo");
  for (const auto& l : t.links()) {
    const auto [x1, y1] = pos.at(l.a());
    const auto [x2, y2] = pos.at(l.b());
    const auto n = traffic[std::minmax(l.a(), l.b())];
    const bool slow = l.speed_bps() > 0 && l.speed_bps() < 300;
    h.open("line", {{"x1", num(x1)},
                    {"y1", num(y1)},
                    {"x2", num(x2)},
                    {"y2", num(y2)},
                    {"stroke", n ? (slow ? "#d62728" : "#4c72b0") : "#ccc"},
                    {"stroke-width", num(1 + 9.0 * n / most)},
                    {"stroke-opacity", "0.7"}})
        .element("title", l.a() + " – " + l.b() + ": " + std::to_string(n) + " transmissions, " +
                              std::to_string(l.speed_bps()) + " bit/s")
        .close("line");
    if (n && !big)
      h.element("text", {{"x", num((x1 + x2) / 2)}, {"y", num((y1 + y2) / 2 - 4)}, {"class", "small edge"}},
                std::to_string(n));
  }
  for (const auto& s : t.stations()) {
    const auto [x, y] = pos.at(s.ri());
    const bool relay = s.role() == RELAY;
    if (relay)
      h.empty(
          "rect",
          {{"x", num(x - 34)}, {"y", num(y - 13)}, {"width", "68"}, {"height", "26"}, {"rx", "4"}, {"class", "relay"}});
    else
      h.empty("circle", {{"cx", num(x)}, {"cy", num(y)}, {"r", big ? "4" : "9"}, {"class", "post"}});
    if (relay || !big) {
      const double dy = relay ? 5 : (y < size / 2.0 ? -14 : 24);
      h.open("text", {{"x", num(x)},
                      {"y", num(y + dy)},
                      {"class", relay ? "label relaytext" : "label"},
                      {"text-anchor", "middle"}})
          .text(s.ri())
          .element("title", s.addresses_size() ? s.addresses(0) : s.description())
          .close("text");
    }
  }
  h.close("svg");
}

/// The head of the page: title, what happened in a line, the big figures, the colour key.
void summary_section(html_writer& h, const Report& r) {
  uint32_t expected = 0, delivered = 0;
  for (const auto& f : r.filed()) expected += static_cast<uint32_t>(f.addressees_size());
  for (const auto& p : r.precedences()) delivered += p.delivered();
  h.element("h1", (r.scenario().empty() ? "cablesim run" : r.scenario()) + " on " + r.topology());
  h.open("p", {{"class", "lead"}})
      .text("Simulated " + clock_at(r, 0) + " to " + clock_at(r, r.duration()) + " (" + duration_label(r.duration()) +
            ") in virtual time, epoch " + r.epoch() + ". ");
  if (r.completed())
    h.element("span", {{"class", "ok"}}, "Every addressee copy was delivered or refused.");
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
    h.open("span").empty("i", {{"style", "background:" + colour(p)}}).text(precedence_word(p)).close("span");
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

std::string render_html(const Report& r) {
  html_writer h;
  h.trusted("<!DOCTYPE html>\n").open("html", {{"lang", "en"}}).open("head");
  h.empty("meta", {{"charset", "utf-8"}});
  h.empty("meta", {{"name", "viewport"}, {"content", "width=device-width, initial-scale=1"}});
  h.element("title", "cablesim report: " + (r.scenario().empty() ? r.topology() : r.scenario()));
  h.open("style").trusted(report_css).close("style").close("head").open("body");
  summary_section(h, r);
  speed_of_service_section(h, r);
  charts_section(h, r);
  tables_section(h, r);
  h.element("p", {{"class", "small"}}, "Made by cablesim.").close("body").close("html").trusted("\n");
  return h.str();
}

}  // namespace cablesim::report
