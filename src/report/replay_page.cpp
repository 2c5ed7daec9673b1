// The replay section of the report page: the controls, the map, the list and the panels as
// markup, the run's events as JSON, and the script that plays them (src/report/replay.js).

#include <cstdio>

#include "cablesim/report/html_writer.hpp"
#include "drawing.hpp"

namespace cablesim::report {

extern const char* const replay_js;  // src/report/replay.js, built in

namespace {

/// A JSON string; '<' escaped too, so that no "</script>" can end the data early.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '<': out += "\\u003c"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

/// Numbers for names, given in order of first use.
class names {
 public:
  int operator()(const std::string& name) {
    if (name.empty()) return -1;
    const auto [it, fresh] = index_.try_emplace(name, static_cast<int>(list_.size()));
    if (fresh) list_.push_back(name);
    return it->second;
  }
  const std::vector<std::string>& list() const { return list_; }

 private:
  std::map<std::string, int> index_;
  std::vector<std::string> list_;
};

std::string replay_json(const Report& r, const network_drawing& d) {
  names stations, messages;
  for (const auto& s : r.network().stations()) stations(s.ri());
  std::string ev = "[";
  for (const auto& e : r.replay()) {
    if (ev.size() > 1) ev += ",\n";
    ev += "[" + number(e.at()) + "," + std::to_string(stations(e.station())) + "," +
          quote(lower(ReplayEvent::Kind_Name(e.kind()))) + "," + std::to_string(stations(e.channel())) + "," +
          std::to_string(messages(e.message_id())) + "," + std::to_string(static_cast<int>(e.precedence())) + "," +
          quote(e.text()) + "," + quote(e.fl1()) + "," + quote(e.fl2()) + "," + number(e.until()) + "," +
          std::to_string(e.serial()) + ",[";
    for (int i = 0; i < e.queue_size(); ++i) ev += (i ? "," : "") + std::to_string(e.queue(i));
    ev += "]]";
  }
  ev += "]";
  std::map<std::string, const ReplayCable*> cables;
  for (const auto& c : r.replay_cables()) cables[c.message_id()] = &c;
  std::string labels = "[", explained = "[";
  for (const auto& id : messages.list()) {
    const auto it = cables.find(id);
    labels += (labels.size() > 1 ? "," : "") + quote(it == cables.end() ? id : it->second->label());
    explained += (explained.size() > 1 ? "," : "") + quote(it == cables.end() ? "" : it->second->explained());
  }
  std::string nodes = "[", node_of = "{", edges = "[";
  for (const auto& n : d.nodes)
    nodes += (nodes.size() > 1 ? "," : "") + std::string("[") + quote(n.label) + "," + number(n.x) + "," + number(n.y) +
             "," + (n.relay ? "1" : "0") + "," + std::to_string(n.posts) + "," + number(n.angle) + "]";
  for (const auto& [ri, n] : d.node_of)
    node_of += (node_of.size() > 1 ? "," : "") + quote(ri) + ":" + std::to_string(n);
  for (const auto& [ends, slow] : d.edges)
    edges += (edges.size() > 1 ? "," : "") + std::string("[") + std::to_string(ends.first) + "," +
             std::to_string(ends.second) + (slow ? ",1]" : ",0]");
  std::string st = "[";
  for (const auto& s : stations.list()) st += (st.size() > 1 ? "," : "") + quote(s);
  return "{\"epoch\":" + quote(r.epoch()) + ",\"duration\":" + number(r.duration()) + ",\"size\":" + number(d.size) +
         ",\"grouped\":" + (d.grouped ? "true" : "false") + ",\"nodes\":" + nodes + "],\"stationNode\":" + node_of +
         "},\"edges\":" + edges + "],\"stations\":" + st + "],\"labels\":" + labels + "],\"explained\":" + explained +
         "],\"events\":" + ev + "}";
}

void select(html_writer& h, const std::string& id, const std::string& label, const std::string& all) {
  h.open("label").text(label + " ");
  h.open("select", {{"id", id}}).element("option", {{"value", ""}}, all).close("select");
  h.close("label");
}

}  // namespace

void replay_section(html_writer& h, const Report& r) {
  if (!r.replay_size() || !r.network().stations_size()) return;
  const auto d = draw_network(r.network());
  h.element("h2", "Replay: watch the run, step by step");
  h.open("div", {{"id", "replay"}, {"class", "replay"}});
  h.open("div", {{"class", "rp-controls"}});
  h.element("button", {{"id", "step-back"}, {"type", "button"}, {"title", "step back (←)"}}, "◀ Step");
  h.element("button", {{"id", "play"}, {"type", "button"}, {"title", "play or pause (space)"}}, "▶ Play");
  h.element("button", {{"id", "step-fwd"}, {"type", "button"}, {"title", "step forward (→)"}}, "Step ▶");
  h.open("label").text("speed ").open("select", {{"id", "speed"}}).close("select").close("label");
  h.empty("input", {{"id", "scrub"},
                    {"type", "range"},
                    {"min", "0"},
                    {"max", "1000"},
                    {"value", "0"},
                    {"aria-label", "simulated time"}});
  h.element("span", {{"id", "clock"}, {"class", "rp-clock"}}, "");
  h.close("div");
  h.open("div", {{"class", "rp-top"}});
  const auto size = std::to_string(static_cast<int>(d.size));
  h.open("svg", {{"id", "map"},
                 {"viewBox", "0 0 " + size + " " + size},
                 {"class", "chart rp-map"},
                 {"role", "img"},
                 {"aria-label", "the network, with the cables on its lines"}})
      .close("svg");
  h.open("div", {{"class", "rp-side"}}).element("h3", "Waiting on each channel now");
  h.open("table", {{"class", "rp-queues"}}).open("tbody", {{"id", "queues"}}).close("tbody").close("table");
  h.element("p", {{"class", "small"}},
            "Dots are transmissions on the line, coloured by precedence; a ✕ is one cut short by a more urgent "
            "cable. Red lines are slow teletype circuits.");
  h.close("div").close("div");
  h.open("div", {{"class", "rp-filters"}});
  select(h, "filter-kind", "kind", "every kind");
  select(h, "filter-station", "station", "every station");
  select(h, "filter-prec", "precedence", "every precedence");
  h.close("div");
  h.open("div", {{"class", "rp-list"}}).open("table", {{"class", "rp-events"}});
  h.open("thead").open("tr").element("th", "time").element("th", "station").element("th", "kind");
  h.element("th", "what happened").close("tr").close("thead");
  h.open("tbody", {{"id", "events"}}).close("tbody").close("table").close("div");
  h.element("h3", "The selected event");
  h.open("div", {{"id", "detail"}, {"class", "rp-detail"}}).close("div");
  if (r.replay_dropped())
    h.element("p", {{"class", "small"}},
              "The replay holds the first " + std::to_string(r.replay_size()) + " events; " +
                  std::to_string(r.replay_dropped()) + " more are left out.");
  h.close("div");
  h.open("script", {{"type", "application/json"}, {"id", "replay-data"}}).trusted(replay_json(r, d)).close("script");
  h.open("script").trusted(replay_js).close("script");
}

}  // namespace cablesim::report
