#include "cablesim/core/topology.hpp"

#include <google/protobuf/text_format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <unordered_map>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/config_text.hpp"
#include "cablesim/core/dtg.hpp"
#include "cablesim/core/routing.hpp"
#include "cablesim/core/text.hpp"

namespace cablesim {
namespace {

using google::protobuf::TextFormat;

bool valid_prefix(std::string_view p) {
  if (p.empty() || p.size() > 7) return false;
  for (char c : p)
    if (c < 'A' || c > 'Z') return false;
  return true;
}

std::string ri_problem(std::string_view ri) {
  return "'" + std::string(ri) + "' is not a routing indicator (4 to 7 upper-case letters, starting with a letter)";
}

constexpr const char* default_host = "127.0.0.1";

void apply_defaults(Topology& t) {
  for (auto& s : *t.mutable_stations()) {
    if (s.host().empty()) s.set_host(default_host);
    if (s.clearance() == CLASSIFICATION_UNSPECIFIED) s.set_clearance(TOP_SECRET);
  }
  for (auto& l : *t.mutable_links()) {
    if (l.max_classification() == CLASSIFICATION_UNSPECIFIED) l.set_max_classification(TOP_SECRET);
    if (l.dialer().empty()) l.set_dialer(l.a());
    if (l.bits_per_character() == 0) l.set_bits_per_character(10);
  }
  // channel designators: the explicit ones first, then a default for each channel that has none
  std::map<std::string, std::set<std::string>> used;  // by sending station
  for (const auto& l : t.links()) {
    if (!l.designator_a().empty()) used[l.a()].insert(l.designator_a());
    if (!l.designator_b().empty()) used[l.b()].insert(l.designator_b());
  }
  auto derive = [&](const std::string& from, const std::string& to) {
    auto& mine = used[from];
    const char f = from.back(), f2 = from.size() > 1 ? from[from.size() - 2] : 'X', p = to.back();
    std::vector<std::string> candidates{{'X', f2, f}, {'X', f, p}};
    for (char c = 'A'; c <= 'Z'; ++c) candidates.push_back({'X', f, c});
    for (char c = 'A'; c <= 'Z'; ++c)
      for (char d = 'A'; d <= 'Z'; ++d) candidates.push_back({'X', c, d});
    for (auto& c : candidates)
      if (mine.insert(c).second) return c;
    return std::string("XXX");  // a station with more than 700 channels
  };
  for (auto& l : *t.mutable_links()) {
    if (l.designator_a().empty()) l.set_designator_a(derive(l.a(), l.b()));
    if (l.designator_b().empty()) l.set_designator_b(derive(l.b(), l.a()));
  }
  if (t.epoch().empty()) t.set_epoch("2007-09-10T14:00:00Z");
  if (t.speedup() == 0) t.set_speedup(1);
}

}  // namespace

config_error::config_error(std::vector<std::string> problems)
    : std::runtime_error(join(problems, "\n")), problems_(std::move(problems)) {}

const Station* topology::station(std::string_view ri) const {
  const auto it = station_index_.find(ri);
  return it == station_index_.end() ? nullptr : &proto_.stations(it->second);
}

const Collective* topology::collective(std::string_view ri) const {
  const auto it = collective_index_.find(ri);
  return it == collective_index_.end() ? nullptr : &proto_.collectives(it->second);
}

const RoutingTable* topology::routing_table(std::string_view ri) const {
  const auto it = routing_index_.find(ri);
  return it == routing_index_.end() ? nullptr : &proto_.routing(it->second);
}

std::string topology::link_key_of(std::string_view a, std::string_view b) {
  std::string key(a);
  key += ' ';
  key += b;
  return key;
}

int topology::link_index(std::string_view a, std::string_view b) const {
  const auto it = link_of_.find(link_key_of(a, b));
  return it == link_of_.end() ? -1 : it->second;
}

const Link* topology::link_between(std::string_view a, std::string_view b) const {
  const int i = link_index(a, b);
  return i < 0 ? nullptr : &proto_.links(i);
}

std::string topology::key_secret(std::string_view name) const {
  if (name.empty()) return {};
  for (const auto& k : proto_.keys())
    if (k.name() == name) return k.secret();
  return {};
}

std::string topology::filing_key(std::string_view post) const {
  const auto* s = station(post);
  return s && s->role() == POST ? key_secret(s->filing_key()) : std::string{};
}

std::string topology::link_key(std::string_view a, std::string_view b) const {
  const auto* link = link_between(a, b);
  return link ? key_secret(link->key()) : std::string{};
}

bool topology::link_authenticates(std::string_view a, std::string_view b) const {
  const auto* link = link_between(a, b);
  return link && (!link_key(a, b).empty() || link->insecure());
}

const std::vector<neighbour>& topology::neighbours(std::string_view ri) const {
  static const std::vector<neighbour> none;
  const auto it = neighbours_.find(ri);
  return it == neighbours_.end() ? none : it->second;
}

const Station* topology::station_for_address(std::string_view address) const {
  const auto it = address_index_.find(address);
  return it == address_index_.end() ? nullptr : &proto_.stations(it->second);
}

namespace {

/// The checks of one topology, item by item; each problem with where it was written.
class topology_checker {
 public:
  topology_checker(const Topology& proto, const config_source& where) : proto_(proto), where_(where) {}

  std::vector<std::string> check() {
    stations();
    links();
    routing();
    collectives();
    scalars();
    return std::move(problems_);
  }

 private:
  void problem(const std::string& at, const std::string& message) { problems_.push_back(at + ": " + message); }
  bool known(const std::string& ri) const { return first_station_.count(ri) > 0; }

  void stations() {
    for (int i = 0; i < proto_.stations_size(); ++i) {
      const auto& s = proto_.stations(i);
      const auto at = where_.at({{"stations", i}, {"ri"}}, s.ri());
      if (!acp127::is_routing_indicator(s.ri()))
        problem(at, "station RI " + ri_problem(s.ri()));
      else if (auto [it, fresh] = first_station_.emplace(s.ri(), i); !fresh)
        problem(at, "duplicate RI '" + s.ri() + "' (also station " + std::to_string(it->second + 1) + " of the file)");
      if (s.role() == ROLE_UNSPECIFIED)
        problem(where_.at({{"stations", i}, {"role"}}, s.ri()), "station " + s.ri() + " has no role (POST or RELAY)");
      if (s.port() > 65535)
        problem(where_.at({{"stations", i}, {"port"}}, std::to_string(s.port())),
                "station " + s.ri() + ": port " + std::to_string(s.port()) +
                    " is not a TCP port (1 to 65535, or 0 for any free one)");
      else if (s.port() != 0) {
        const auto host = s.host().empty() ? std::string(default_host) : s.host();
        if (auto [it, fresh] = first_address_.emplace(host + ":" + std::to_string(s.port()), i); !fresh)
          problem(where_.at({{"stations", i}, {"port"}}, std::to_string(s.port())),
                  "station " + s.ri() + " listens on " + it->first + ", as station " +
                      proto_.stations(it->second).ri() + " does");
      }
      if (!s.filing_key().empty()) {
        const auto key_at = where_.at({{"stations", i}, {"filing_key"}}, s.filing_key());
        if (s.role() == RELAY) problem(key_at, "relay " + s.ri() + " has a filing key, but only posts take filings");
        if (!std::any_of(proto_.keys().begin(), proto_.keys().end(),
                         [&](const Key& k) { return k.name() == s.filing_key(); }))
          problem(key_at, "unknown key '" + s.filing_key() + "' (define it under keys)");
      }
    }
  }

  void links() {
    std::set<std::string> key_names;
    for (const auto& k : proto_.keys()) key_names.insert(k.name());
    std::set<std::pair<std::string, std::string>> linked;
    for (int i = 0; i < proto_.links_size(); ++i) {
      const auto& l = proto_.links(i);
      bool ok = true;
      for (auto [field, ri] : {std::pair{"a", l.a()}, std::pair{"b", l.b()}}) {
        if (!known(ri)) {
          problem(where_.at({{"links", i}, {field}}, ri), "unknown station '" + ri + "' in link");
          ok = false;
        }
      }
      if (ok && l.a() == l.b()) {
        problem(where_.at({{"links", i}, {"b"}}, l.b()), "link from " + l.a() + " to itself");
        ok = false;
      }
      if (ok && !linked.insert(std::minmax(l.a(), l.b())).second)
        problem(where_.at({{"links", i}, {"a"}}, l.a()), "a second link between " + l.a() + " and " + l.b());
      if (!l.dialer().empty() && l.dialer() != l.a() && l.dialer() != l.b())
        problem(where_.at({{"links", i}, {"dialer"}}, l.dialer()),
                "dialer '" + l.dialer() + "' is neither end of the link " + l.a() + "-" + l.b());
      for (auto [field, value, sender] :
           {std::tuple{"designator_a", l.designator_a(), l.a()}, std::tuple{"designator_b", l.designator_b(), l.b()}}) {
        if (value.empty()) continue;
        const auto at = where_.at({{"links", i}, {field}}, value);
        if (value.size() != 3 || !std::all_of(value.begin(), value.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
          problem(at, "channel designator '" + value + "' must be three capital letters, e.g. XRO");
        else if (!designators_[sender].insert(value).second)
          problem(at, "station " + sender + " already uses the channel designator " + value + " on another channel");
      }
      if (!l.key().empty() && !key_names.count(l.key()))
        problem(where_.at({{"links", i}, {"key"}}, l.key()), "unknown key '" + l.key() + "' (define it under keys)");
      if (ok) {
        adjacent_[l.a()].insert(l.b());
        adjacent_[l.b()].insert(l.a());
      }
    }
  }

  void routing() {
    std::set<std::string> routed_stations;
    for (int i = 0; i < proto_.routing_size(); ++i) {
      const auto& rt = proto_.routing(i);
      if (!known(rt.station())) {
        problem(where_.at({{"routing", i}, {"station"}}, rt.station()),
                "unknown station '" + rt.station() + "' in routing");
        continue;
      }
      if (!routed_stations.insert(rt.station()).second)
        problem(where_.at({{"routing", i}, {"station"}}, rt.station()), "a second routing table for " + rt.station());
      auto check_via = [&](const std::string& via, const std::string& at) {
        if (!known(via))
          problem(at, "route via unknown station '" + via + "'");
        else if (!adjacent_[rt.station()].count(via))
          problem(at, "route via " + via + ", which is not a neighbour of " + rt.station());
      };
      for (int j = 0; j < rt.routes_size(); ++j) {
        const auto& r = rt.routes(j);
        if (!valid_prefix(r.prefix()))
          problem(where_.at({{"routing", i}, {"routes", j}, {"prefix"}}, r.prefix()),
                  "route prefix '" + r.prefix() + "' must be 1 to 7 upper-case letters");
        if (r.via().empty())
          problem(where_.at({{"routing", i}, {"routes", j}}, r.prefix()), "route for '" + r.prefix() + "' has no via");
        else
          check_via(r.via(), where_.at({{"routing", i}, {"routes", j}, {"via"}}, r.via()));
        for (int k = 0; k < r.alternates_size(); ++k)
          check_via(r.alternates(k), where_.at({{"routing", i}, {"routes", j}, {"alternates", k}}, r.alternates(k)));
      }
      if (rt.has_default_route()) {
        const auto& d = rt.default_route();
        if (d.via().empty())
          problem(where_.at({{"routing", i}, {"default_route"}}), "default route has no via");
        else
          check_via(d.via(), where_.at({{"routing", i}, {"default_route"}, {"via"}}, d.via()));
        for (int k = 0; k < d.alternates_size(); ++k)
          check_via(d.alternates(k),
                    where_.at({{"routing", i}, {"default_route"}, {"alternates", k}}, d.alternates(k)));
      }
    }
  }

  void collectives() {
    for (int i = 0; i < proto_.collectives_size(); ++i) {
      const auto& c = proto_.collectives(i);
      const auto at = where_.at({{"collectives", i}, {"ri"}}, c.ri());
      if (!acp127::is_routing_indicator(c.ri()))
        problem(at, "collective RI " + ri_problem(c.ri()));
      else if (known(c.ri()))
        problem(at, "duplicate RI '" + c.ri() + "': a station has it too");
      for (int k = 0; k < c.members_size(); ++k)
        if (!known(c.members(k)))
          problem(where_.at({{"collectives", i}, {"members", k}}, c.members(k)),
                  "unknown station '" + c.members(k) + "' in collective " + c.ri());
    }
  }

  void scalars() {
    if (!proto_.epoch().empty() && !parse_iso8601(proto_.epoch()))
      problem(where_.at({{"epoch"}}, proto_.epoch()),
              "epoch '" + proto_.epoch() + "' is not an ISO-8601 UTC time like 2007-09-10T14:00:00Z");
    if (proto_.speedup() < 0) problem(where_.at({{"speedup"}}), "speedup must be positive");
    if (proto_.stations_size() == 0) problem(where_.pos(1, 1), "topology has no stations");
  }

  const Topology& proto_;
  const config_source& where_;
  std::vector<std::string> problems_;
  std::map<std::string, int, std::less<>> first_station_;     // RI -> its first index
  std::map<std::string, int> first_address_;                  // host:port -> the first station listening there
  std::map<std::string, std::set<std::string>> adjacent_;     // the neighbours of each station
  std::map<std::string, std::set<std::string>> designators_;  // explicit ones, by sending station
};

}  // namespace

topology topology::load(std::string_view text, std::string_view file_name) {
  Topology proto;
  const config_source where(text, file_name, proto);
  return validated(std::move(proto), where);
}

topology topology::from_proto(Topology proto, std::string_view origin) {
  const config_source where(origin, Topology::descriptor());
  return validated(std::move(proto), where);
}

topology topology::validated(Topology proto, const config_source& where) {
  if (auto problems = topology_checker(proto, where).check(); !problems.empty()) throw config_error(problems);
  topology t = indexed(std::move(proto), where.file_name());
  // the whole network: every station must reach every other, without loops
  std::vector<std::string> problems;
  check_reachability(t, where, problems);
  if (!problems.empty()) throw config_error(problems);
  return t;
}

topology topology::indexed(Topology proto, const std::string& file_name) {
  apply_defaults(proto);
  topology t;
  t.proto_ = std::move(proto);
  t.file_name_ = file_name;
  for (int i = 0; i < t.proto_.stations_size(); ++i) {
    const auto& s = t.proto_.stations(i);
    t.station_index_.emplace(s.ri(), i);
    t.neighbours_[s.ri()];
    for (const auto& a : s.addresses()) t.address_index_.emplace(a, i);
  }
  for (int i = 0; i < t.proto_.collectives_size(); ++i) t.collective_index_.emplace(t.proto_.collectives(i).ri(), i);
  for (int i = 0; i < t.proto_.routing_size(); ++i) t.routing_index_.emplace(t.proto_.routing(i).station(), i);
  for (int i = 0; i < t.proto_.links_size(); ++i) {
    const auto& l = t.proto_.links(i);
    t.neighbours_[l.a()].push_back({l.b(), i});
    t.neighbours_[l.b()].push_back({l.a(), i});
    t.link_of_.emplace(link_key_of(l.a(), l.b()), i);
    t.link_of_.emplace(link_key_of(l.b(), l.a()), i);
  }

  return t;
}

void topology::check_reachability(const topology& t, const config_source& where, std::vector<std::string>& problems) {
  // For each destination, every station's next hop makes a functional graph; one walk over it
  // marks each station as reaching the destination or not, so each station is looked at once
  // per destination (N² route lookups in all, not N² paths).
  const network_routes routes(t);
  const auto& stations = t.proto_.stations();
  const auto n = static_cast<std::size_t>(stations.size());
  std::set<std::string> reported;
  int more = 0;
  // each (failing station, kind of problem) once, at the station's routing table (or its entry)
  auto report = [&](const std::string& failing, std::string_view kind, const std::string& message,
                    const std::string& from, const std::string& to) {
    if (!reported.insert(failing + " " + std::string(kind)).second) return;
    if (reported.size() > 40) {
      ++more;
      return;
    }
    const auto it = t.routing_index_.find(failing);
    const auto at = it != t.routing_index_.end()
                        ? where.at({{"routing", it->second}, {"station"}}, failing)
                        : where.at({{"stations", t.station_index_.at(failing)}, {"ri"}}, failing);
    problems.push_back(at + ": " + message + " (a cable from " + from + " for " + to + ")");
  };
  enum : uint8_t { unvisited, on_path, reaches, fails };
  std::vector<uint8_t> state(n);
  std::vector<const cablesim::routing_table*> table(n);
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < n; ++i) {
    table[i] = &routes.at(stations.Get(static_cast<int>(i)).ri());
    index.emplace(stations.Get(static_cast<int>(i)).ri(), i);
  }
  std::vector<std::size_t> path;
  for (std::size_t d = 0; d < n; ++d) {
    const auto& to = stations.Get(static_cast<int>(d)).ri();
    std::fill(state.begin(), state.end(), unvisited);
    state[d] = reaches;
    for (std::size_t f = 0; f < n; ++f) {
      path.clear();
      std::size_t at = f;
      uint8_t outcome = state[at];
      while (outcome == unvisited) {
        state[at] = on_path;
        path.push_back(at);
        const auto decision = table[at]->route(to);
        const auto& here = stations.Get(static_cast<int>(at)).ri();
        if (decision.kind == route_kind::local) {
          outcome = reaches;
          break;
        }
        if (decision.kind == route_kind::none) {
          report(here, "black hole", decision.reason, stations.Get(static_cast<int>(f)).ri(), to);
          outcome = fails;
          break;
        }
        const auto next = index.at(decision.via);
        if (state[next] == on_path) {
          std::string p;
          for (const auto i : path) p += (p.empty() ? "" : " -> ") + stations.Get(static_cast<int>(i)).ri();
          report(here, "loop", "routing loop " + p + " -> " + decision.via, stations.Get(static_cast<int>(f)).ri(), to);
          outcome = fails;
          break;
        }
        at = next;
        outcome = state[at];
      }
      for (const auto i : path) state[i] = outcome;
    }
  }
  if (more) problems.push_back(where.pos(1, 1) + ": ... and " + std::to_string(more) + " more routing problems");
}

}  // namespace cablesim
