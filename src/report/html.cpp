#include "cablesim/report/html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "cablesim/core/dtg.hpp"
#include "cablesim/core/precedence.hpp"
#include "cablesim/report/summary.hpp"

namespace cablesim::report {
namespace {

std::string esc(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

const char* colour(Precedence p) {
  switch (p) {
    case FLASH_OVERRIDE:
    case FLASH: return "#d62728";
    case IMMEDIATE: return "#ff7f0e";
    case PRIORITY: return "#1f77b4";
    default: return "#7f7f7f";
  }
}

/// Simulated clock label of seconds after the epoch.
std::string clock_at(const Report& r, double s) {
  const auto epoch = parse_iso8601(r.epoch()).value_or(sim_time{});
  return clock_label(epoch + sim_duration{static_cast<int64_t>(s * 1000)});
}

/// Latency of every delivery, one row per precedence, on a logarithmic time axis.
std::string latency_chart(const Report& r) {
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
  if (by.empty()) return "<p>No deliveries.</p>";
  const double lo = 0.5;
  hi = std::max(hi * 1.5, 7 * 3600.0);
  const int width = 900, left = 110, right = 20, row = 70, top = 20;
  const int height = top + row * static_cast<int>(by.size()) + 40;
  auto x = [&](double v) {
    return left + (width - left - right) * (std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo));
  };
  std::ostringstream o;
  o << "<svg viewBox=\"0 0 " << width << " " << height
    << "\" class=\"chart\" role=\"img\" aria-label=\"latency by precedence\">";
  const std::vector<std::pair<double, const char*>> ticks = {
      {1, "1 s"}, {10, "10 s"}, {60, "1 min"}, {600, "10 min"}, {3600, "1 h"}, {21600, "6 h"}, {86400, "1 day"}};
  for (const auto& [v, label] : ticks) {
    if (v > hi) break;
    o << "<line x1=\"" << num(x(v)) << "\" x2=\"" << num(x(v)) << "\" y1=\"" << top << "\" y2=\"" << height - 35
      << "\" class=\"grid\"/><text x=\"" << num(x(v)) << "\" y=\"" << height - 15 << "\" class=\"tick\">" << label
      << "</text>";
  }
  int i = 0;
  for (auto it = by.rbegin(); it != by.rend(); ++it, ++i) {
    const auto p = static_cast<Precedence>(it->first);
    auto v = it->second;
    std::sort(v.begin(), v.end());
    const double y = top + row * i + row / 2.0;
    o << "<text x=\"" << left - 10 << "\" y=\"" << num(y + 5) << "\" class=\"label\" text-anchor=\"end\">"
      << precedence_word(p) << "</text>";
    const double objective = std::chrono::duration<double>(speed_of_service_objective(p)).count();
    o << "<line x1=\"" << num(x(objective)) << "\" x2=\"" << num(x(objective)) << "\" y1=\"" << num(y - 28)
      << "\" y2=\"" << num(y + 28)
      << "\" class=\"objective\"><title>speed-of-service objective: " << duration_label(objective) << "</title></line>";
    for (std::size_t k = 0; k < v.size(); ++k) {
      const double jitter = ((k * 7919) % 41) - 20.0;
      o << "<circle cx=\"" << num(x(v[k])) << "\" cy=\"" << num(y + jitter * 0.9) << "\" r=\"3.5\" fill=\"" << colour(p)
        << "\" fill-opacity=\"0.55\"/>";
    }
    const double p50 = v[v.size() / 2], p90 = v[std::min(v.size() - 1, static_cast<std::size_t>(v.size() * 0.9))];
    o << "<line x1=\"" << num(x(p50)) << "\" x2=\"" << num(x(p50)) << "\" y1=\"" << num(y - 24) << "\" y2=\""
      << num(y + 24) << "\" stroke=\"#000\" stroke-width=\"3\"><title>median " << duration_label(p50)
      << "</title></line>";
    o << "<text x=\"" << num(x(p50) + 5) << "\" y=\"" << num(y - 22) << "\" class=\"small\">median "
      << duration_label(p50) << ", 90% " << duration_label(p90) << "</text>";
  }
  o << "</svg>";
  return o.str();
}

/// Queue depth over time on the busiest links.
std::string queue_chart(const Report& r) {
  std::vector<const LinkStats*> links;
  for (const auto& l : r.links())
    if (l.queue_high_water() > 0) links.push_back(&l);
  std::sort(links.begin(), links.end(), [](auto* a, auto* b) { return a->queue_high_water() > b->queue_high_water(); });
  if (links.size() > 4) links.resize(4);
  if (links.empty()) return "<p>No queue ever formed: every channel was free when a cable arrived.</p>";
  const int width = 900, height = 300, left = 60, right = 20, top = 20, bottom = 40;
  uint32_t ymax = 1;
  for (auto* l : links) ymax = std::max(ymax, l->queue_high_water());
  const double xmax = std::max(1.0, r.duration());
  auto x = [&](double t) { return left + (width - left - right) * t / xmax; };
  auto y = [&](double d) { return top + (height - top - bottom) * (1 - d / ymax); };
  const char* palette[] = {"#9467bd", "#2ca02c", "#8c564b", "#17becf"};
  std::ostringstream o;
  o << "<svg viewBox=\"0 0 " << width << " " << height << "\" class=\"chart\" role=\"img\" aria-label=\"queue depth\">";
  for (int k = 0; k <= 4; ++k) {
    const double d = ymax * k / 4.0;
    o << "<line x1=\"" << left << "\" x2=\"" << width - right << "\" y1=\"" << num(y(d)) << "\" y2=\"" << num(y(d))
      << "\" class=\"grid\"/><text x=\"" << left - 8 << "\" y=\"" << num(y(d) + 4)
      << "\" class=\"tick\" text-anchor=\"end\">" << num(d, 0) << "</text>";
  }
  for (int k = 0; k <= 6; ++k) {
    const double t = xmax * k / 6;
    o << "<text x=\"" << num(x(t)) << "\" y=\"" << height - 15 << "\" class=\"tick\">" << clock_at(r, t) << "</text>";
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
    o << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << palette[i] << "\" stroke-width=\"2.5\"/>";
    o << "<rect x=\"" << left + 10 << "\" y=\"" << top + 8 + 20 * i << "\" width=\"14\" height=\"4\" fill=\""
      << palette[i] << "\"/><text x=\"" << left + 30 << "\" y=\"" << top + 14 + 20 * i << "\" class=\"small\">"
      << esc(l->from()) << " → " << esc(l->to()) << " (most waiting: " << l->queue_high_water() << ")</text>";
    ++i;
  }
  o << "</svg>";
  return o.str();
}

/// The transmissions on one link as bars in time; preempted ones are cut short and crossed.
std::string timeline_chart(const Report& r, std::string& title) {
  std::map<std::pair<std::string, std::string>, std::pair<int, int>> score;  // preemptions, starts
  for (const auto& e : r.link_events()) {
    auto& s = score[{e.from(), e.to()}];
    if (e.kind() == LinkEvent::PREEMPTED) ++s.first;
    if (e.kind() == LinkEvent::START) ++s.second;
  }
  if (score.empty()) return "<p>No transmissions.</p>";
  const auto best =
      std::max_element(score.begin(), score.end(), [](const auto& a, const auto& b) {
        return a.second.first != b.second.first ? a.second.first < b.second.first : a.second.second < b.second.second;
      })->first;
  title = best.first + " → " + best.second;
  struct bar {
    double start, end;
    Precedence p;
    uint32_t serial;
    std::string id;
    bool preempted = false;
  };
  std::vector<bar> bars;
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
  std::ostringstream o;
  o << "<svg viewBox=\"0 0 " << width << " " << height
    << "\" class=\"chart\" role=\"img\" aria-label=\"link timeline\">";
  for (int k = 0; k <= 5; ++k) {
    const double t = t0 + (t1 - t0) * k / 5;
    o << "<line x1=\"" << num(x(t)) << "\" x2=\"" << num(x(t)) << "\" y1=\"" << top - 5 << "\" y2=\"" << height - 35
      << "\" class=\"grid\"/><text x=\"" << num(x(t)) << "\" y=\"" << height - 15 << "\" class=\"tick\">"
      << clock_at(r, t) << "</text>";
  }
  for (std::size_t i = 0; i < count; ++i) {
    const auto& b = bars[first + i];
    const double y = top + lane * static_cast<double>(i);
    const double w = std::max(2.0, x(b.end) - x(b.start));
    o << "<rect x=\"" << num(x(b.start)) << "\" y=\"" << num(y) << "\" width=\"" << num(w) << "\" height=\"" << lane - 6
      << "\" fill=\"" << colour(b.p) << "\""
      << (b.preempted ? " stroke=\"#000\" stroke-width=\"2\" stroke-dasharray=\"4 2\"" : "") << "><title>serial "
      << b.serial << ", " << precedence_word(b.p) << " " << esc(b.id) << (b.preempted ? ", preempted" : "")
      << "</title></rect>";
    std::string label =
        "#" + std::to_string(b.serial) + " " + precedence_word(b.p) + " " + b.id + (b.preempted ? "  ✕ preempted" : "");
    const double lx = x(b.end) + 6 > width - 330 ? x(b.start) - 6 : x(b.end) + 6;
    o << "<text x=\"" << num(lx) << "\" y=\"" << num(y + lane - 10) << "\" class=\"small\""
      << (lx < x(b.start) ? " text-anchor=\"end\"" : "") << ">" << esc(label) << "</text>";
  }
  o << "</svg>";
  return o.str();
}

/// The network: relays on an inner ring, posts around them; line width by traffic.
std::string topology_chart(const Report& r) {
  const auto& t = r.network();
  if (t.stations_size() == 0) return "<p>No topology in this report.</p>";
  std::vector<std::string> relays, posts;
  for (const auto& s : t.stations()) (s.role() == RELAY ? relays : posts).push_back(s.ri());
  // Posts next to their first relay neighbour.
  std::map<std::string, std::string> home;
  for (const auto& l : t.links()) {
    for (const auto& [a, b] : {std::pair{l.a(), l.b()}, std::pair{l.b(), l.a()}})
      if (std::find(relays.begin(), relays.end(), b) != relays.end() && !home.count(a)) home[a] = b;
  }
  std::stable_sort(posts.begin(), posts.end(), [&](const auto& a, const auto& b) {
    const auto ia = std::find(relays.begin(), relays.end(), home[a]) - relays.begin();
    const auto ib = std::find(relays.begin(), relays.end(), home[b]) - relays.begin();
    return ia < ib;
  });
  const bool big = t.stations_size() > 40;
  const int size = big ? 1100 : 700;
  const double cx = size / 2.0, cy = size / 2.0;
  const double r_in = relays.size() <= 1 ? 0 : size * 0.17, r_out = size * (big ? 0.44 : 0.38);
  std::map<std::string, std::pair<double, double>> pos;
  for (std::size_t i = 0; i < relays.size(); ++i) {
    const double a = 2 * M_PI * static_cast<double>(i) / static_cast<double>(relays.size()) - M_PI / 2;
    pos[relays[i]] = {cx + r_in * std::cos(a), cy + r_in * std::sin(a)};
  }
  for (std::size_t i = 0; i < posts.size(); ++i) {
    const double a = 2 * M_PI * static_cast<double>(i) / static_cast<double>(posts.size()) - M_PI / 2;
    pos[posts[i]] = {cx + r_out * std::cos(a), cy + r_out * std::sin(a)};
  }
  std::map<std::pair<std::string, std::string>, uint32_t> traffic;
  uint32_t most = 1;
  for (const auto& l : r.links()) {
    auto& v = traffic[std::minmax(l.from(), l.to())];
    v += l.transmissions();
    most = std::max(most, v);
  }
  std::ostringstream o;
  o << "<svg viewBox=\"0 0 " << size << " " << size << "\" class=\"chart topo\" role=\"img\" aria-label=\"network\">";
  for (const auto& l : t.links()) {
    const auto [x1, y1] = pos[l.a()];
    const auto [x2, y2] = pos[l.b()];
    const auto n = traffic[std::minmax(l.a(), l.b())];
    const double w = 1 + 9.0 * n / most;
    const bool slow = l.speed_bps() > 0 && l.speed_bps() < 300;
    o << "<line x1=\"" << num(x1) << "\" y1=\"" << num(y1) << "\" x2=\"" << num(x2) << "\" y2=\"" << num(y2)
      << "\" stroke=\"" << (n ? (slow ? "#d62728" : "#4c72b0") : "#ccc") << "\" stroke-width=\"" << num(w)
      << "\" stroke-opacity=\"0.7\"><title>" << esc(l.a()) << " – " << esc(l.b()) << ": " << n << " transmissions, "
      << l.speed_bps() << " bit/s</title></line>";
    if (n && !big)
      o << "<text x=\"" << num((x1 + x2) / 2) << "\" y=\"" << num((y1 + y2) / 2 - 4) << "\" class=\"small edge\">" << n
        << "</text>";
  }
  for (const auto& s : t.stations()) {
    const auto [x, y] = pos[s.ri()];
    const bool relay = s.role() == RELAY;
    if (relay)
      o << "<rect x=\"" << num(x - 34) << "\" y=\"" << num(y - 13)
        << "\" width=\"68\" height=\"26\" rx=\"4\" class=\"relay\"/>";
    else
      o << "<circle cx=\"" << num(x) << "\" cy=\"" << num(y) << "\" r=\"" << (big ? 4 : 9) << "\" class=\"post\"/>";
    if (relay || !big) {
      const double dy = relay ? 5 : (y < cy ? -14 : 24);
      o << "<text x=\"" << num(x) << "\" y=\"" << num(y + dy) << "\" class=\"" << (relay ? "label relaytext" : "label")
        << "\" text-anchor=\"middle\">" << esc(s.ri()) << "<title>"
        << esc(s.addresses_size() ? s.addresses(0) : s.description()) << "</title></text>";
    }
  }
  o << "</svg>";
  return o.str();
}

std::string percent(double share) { return num(100 * share, 0) + "%"; }

}  // namespace

std::string render_html(const Report& r) {
  std::ostringstream o;
  uint32_t expected = 0, delivered = 0;
  for (const auto& f : r.filed()) expected += static_cast<uint32_t>(f.addressees_size());
  for (const auto& p : r.precedences()) delivered += p.delivered();
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    << "<title>cablesim report: " << esc(r.scenario().empty() ? r.topology() : r.scenario()) << "</title><style>"
    << "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:2em "
       "auto;max-width:1000px;color:#222;font-size:17px;}"
    << "h1{font-size:1.9em;margin-bottom:.2em}h2{font-size:1.35em;margin-top:1.8em;border-bottom:2px solid #ddd}"
    << ".lead{font-size:1.1em;color:#444}.big{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}"
    << ".big div{background:#f4f6fa;border-radius:8px;padding:.6em 1em;min-width:8em}.big "
       "b{display:block;font-size:1.8em}"
    << ".chart{width:100%;height:auto;background:#fff}.topo{max-width:760px;display:block;margin:auto}"
    << ".grid{stroke:#e3e3e3}.tick{font-size:12px;fill:#666;text-anchor:middle}.label{font-size:14px;fill:#222}"
    << ".small{font-size:12px;fill:#333}.edge{fill:#4c72b0}.objective{stroke:#2ca02c;stroke-width:2;stroke-dasharray:6 "
       "4}"
    << ".relay{fill:#cfe2f3;stroke:#2c5d8a;stroke-width:2}.relaytext{font-weight:bold;font-size:12px}"
    << ".post{fill:#fff2cc;stroke:#b38f00;stroke-width:1.5}"
    << "table{border-collapse:collapse;width:100%;font-size:.95em}th,td{padding:.35em .6em;border-bottom:1px solid "
       "#e5e5e5;text-align:right}"
    << "th:first-child,td:first-child{text-align:left}th{background:#f4f6fa}.ok{color:#1a7f37;font-weight:bold}.bad{"
       "color:#c62828;font-weight:bold}"
    << ".key span{display:inline-block;margin-right:1.2em}.key "
       "i{display:inline-block;width:.9em;height:.9em;border-radius:50%;margin-right:.3em;vertical-align:middle}"
    << "</style></head><body>";
  o << "<h1>" << esc(r.scenario().empty() ? "cablesim run" : r.scenario()) << " on " << esc(r.topology()) << "</h1>";
  o << "<p class=\"lead\">Simulated " << clock_at(r, 0) << " to " << clock_at(r, r.duration()) << " ("
    << duration_label(r.duration()) << ") in virtual time, epoch " << esc(r.epoch()) << ". "
    << (r.completed() ? "<span class=\"ok\">Every addressee copy was delivered or refused.</span>"
                      : "<span class=\"bad\">Not complete: copies were still in flight at the time limit.</span>")
    << "</p>";
  o << "<div class=\"big\"><div><b>" << r.filed_size() << "</b>cables filed</div><div><b>" << delivered << " / "
    << expected << "</b>addressee copies delivered</div><div><b>" << r.preemptions() << "</b>preemptions</div><div><b>"
    << r.service_messages() << "</b>service messages</div><div><b>" << r.open_numbers()
    << "</b>open numbers</div><div><b>" << r.duplicates() << "</b>duplicates</div></div>";
  o << "<p class=\"key\">";
  for (auto p : {FLASH, IMMEDIATE, PRIORITY, ROUTINE})
    o << "<span><i style=\"background:" << colour(p) << "\"></i>" << precedence_word(p) << "</span>";
  o << "</p>";

  o << "<h2>Speed of service</h2><table><tr><th>precedence</th><th>filed</th><th>delivered</th><th>refused</th><th>in "
       "flight</th>"
    << "<th>median</th><th>90%</th><th>slowest</th><th>objective</th><th>delivered within</th><th>relay handling "
       "(median / max)</th></tr>";
  for (const auto& p : r.precedences()) {
    const bool good = p.delivered() == 0 || p.delivered_within_objective() >= 0.999;
    o << "<tr><td style=\"color:" << colour(p.precedence()) << ";font-weight:bold\">" << precedence_word(p.precedence())
      << "</td><td>" << p.filed() << "</td><td>" << p.delivered() << "</td><td>" << p.rejected() << "</td><td>"
      << p.in_flight() << "</td><td>" << duration_label(p.latency_p50()) << "</td><td>"
      << duration_label(p.latency_p90()) << "</td><td>" << duration_label(p.latency_max()) << "</td><td>"
      << duration_label(p.objective_seconds()) << "</td><td class=\"" << (good ? "ok" : "bad") << "\">"
      << percent(p.delivered_within_objective()) << "</td><td>" << duration_label(p.relay_handling_p50()) << " / "
      << duration_label(p.relay_handling_max()) << "</td></tr>";
  }
  o << "</table><p class=\"small\">Latency runs from filing at the originating post to delivery at each addressee "
       "station, in "
       "simulated time. ACP 127's objectives: FLASH handled within 10 minutes and IMMEDIATE within 30 at each station; "
       "PRIORITY delivered within 3 hours, ROUTINE within 6.</p>";

  o << "<h2>How long delivery took</h2>" << latency_chart(r)
    << "<p class=\"small\">Each dot is one addressee copy; the black bar is the median, the dashed green line the "
       "speed-of-service objective.</p>";
  o << "<h2>Queues on the busiest channels</h2>" << queue_chart(r);
  std::string timeline_title;
  const auto timeline = timeline_chart(r, timeline_title);
  o << "<h2>Transmissions on " << esc(timeline_title) << "</h2>" << timeline
    << "<p class=\"small\">Each bar holds the line for the cable's transmission time at the line's speed. A dashed "
       "outline "
       "marks a transmission interrupted by a more urgent cable: its channel serial is cancelled (used up) and the "
       "cable is "
       "sent again, whole, under a new serial.</p>";
  o << "<h2>The network and its traffic</h2>" << topology_chart(r)
    << "<p class=\"small\">Boxes are switching centres, circles posts; line width shows how many transmissions crossed "
       "each "
       "circuit (red: a slow teletype line).</p>";

  if (r.events_size()) {
    o << "<h2>Scripted events</h2><table><tr><th>when</th><th>what</th></tr>";
    for (const auto& e : r.events())
      o << "<tr><td>" << clock_at(r, e.at()) << "</td><td>" << esc(e.description()) << "</td></tr>";
    o << "</table>";
  }
  o << "<h2>Channels</h2><table><tr><th>channel</th><th>speed</th><th>transmissions</th><th>preempted</th><th>busy</th>"
       "<th>most waiting</th></tr>";
  std::vector<const LinkStats*> links;
  for (const auto& l : r.links()) links.push_back(&l);
  std::sort(links.begin(), links.end(), [](auto* a, auto* b) { return a->busy_seconds() > b->busy_seconds(); });
  for (std::size_t i = 0; i < links.size() && i < 25; ++i) {
    const auto* l = links[i];
    o << "<tr><td>" << esc(l->from()) << " → " << esc(l->to()) << "</td><td>"
      << (l->speed_bps() ? std::to_string(l->speed_bps()) + " bit/s" : "unpaced") << "</td><td>" << l->transmissions()
      << "</td><td>" << l->preemptions() << "</td><td>" << percent(l->utilisation()) << "</td><td>"
      << l->queue_high_water() << "</td></tr>";
  }
  o << "</table>";
  if (r.deliveries_size()) {
    o << "<h2>Deliveries</h2><table><tr><th>delivered</th><th>station</th><th>precedence</th><th>message</th><th>took</"
         "th><th>path</th></tr>";
    for (int i = 0; i < r.deliveries_size() && i < 60; ++i) {
      const auto& d = r.deliveries(i);
      std::string path;
      for (const auto& s : d.path()) path += (path.empty() ? "" : " → ") + s;
      o << "<tr><td>" << clock_at(r, d.delivered_at()) << "</td><td>" << esc(d.station())
        << "</td><td style=\"color:" << colour(d.precedence()) << "\">" << precedence_word(d.precedence())
        << "</td><td>" << esc(d.message_id()) << "</td><td>" << duration_label(d.delivered_at() - d.filed_at())
        << "</td><td>" << esc(path) << "</td></tr>";
    }
    o << "</table>";
    if (r.deliveries_size() > 60)
      o << "<p class=\"small\">… and " << r.deliveries_size() - 60 << " more in the JSON report.</p>";
  }
  o << "<p class=\"small\">Made by cablesim.</p></body></html>\n";
  return o.str();
}

}  // namespace cablesim::report
