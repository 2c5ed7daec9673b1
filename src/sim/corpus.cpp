#include "cablesim/sim/corpus.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/dtg.hpp"
#include "cablesim/store/files.hpp"

namespace cablesim::sim {
namespace {

/// An RI not already taken, made from a prefix padded with Z (then Y, X ...).
std::string free_ri(const std::string& prefix, const std::set<std::string>& taken) {
  for (char last = 'Z'; last >= 'A'; --last) {
    std::string ri = prefix.substr(0, 6);
    while (ri.size() < 6) ri += 'Z';
    ri += last;
    if (!taken.count(ri)) return ri;
  }
  return prefix + "QQ";
}

}  // namespace

std::vector<corpus_cable> read_corpus(const std::filesystem::path& dir, std::size_t* skipped) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<corpus_cable> out;
  std::size_t without = 0;
  for (const auto& f : files) {
    auto r = acp127::parse(store::read_file(f).value_or(""));
    if (!r || r.cable.form() != TRANSMITTED) {  // only a transmitted cable names its stations by RI
      ++without;
      continue;
    }
    out.push_back({std::filesystem::absolute(f), std::move(r.cable)});
  }
  if (skipped) *skipped = without;
  return out;
}

Topology corpus_topology(const std::vector<corpus_cable>& cables) {
  std::map<std::string, std::vector<std::string>> addresses;  // RI -> plain-language addresses
  auto add = [&](const std::string& ri, const std::string& address) {
    auto& v = addresses[ri];
    if (!address.empty() && std::find(v.begin(), v.end(), address) == v.end()) v.push_back(address);
  };
  for (const auto& c : cables) {
    add(c.cable.origin().station_ri(), c.cable.originator());
    for (const auto* list : {&c.cable.action(), &c.cable.information()})
      for (const auto& a : *list)
        if (!a.routing_indicator().empty()) add(a.routing_indicator(), a.address());
  }
  std::set<std::string> taken;
  for (const auto& [ri, a] : addresses) taken.insert(ri);

  // Relays by RI prefix: four letters, or five where a group would be large.
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& [ri, a] : addresses) groups[ri.substr(0, 4)].push_back(ri);
  std::map<std::string, std::vector<std::string>> relays;  // prefix -> members
  for (auto& [prefix, members] : groups) {
    if (members.size() <= 30) {
      relays[prefix] = members;
      continue;
    }
    for (const auto& ri : members) relays[ri.substr(0, std::min<std::size_t>(5, ri.size()))].push_back(ri);
  }

  Topology t;
  t.set_name("corpus");
  t.set_description("Derived from " + std::to_string(cables.size()) +
                    " real cables: every originating and addressee RI is a station, under relays by RI prefix");
  t.set_epoch("2007-01-01T00:00:00Z");
  t.set_speedup(600);
  auto* key = t.add_keys();
  key->set_name("corpus");
  key->set_secret("corpus-replay-key");
  const std::string hub = free_ri("RZZHUB", taken);
  taken.insert(hub);
  auto* h = t.add_stations();
  h->set_ri(hub);
  h->set_role(RELAY);
  h->set_description("hub of the corpus network");
  auto* hub_routes = t.add_routing();
  hub_routes->set_station(hub);
  for (const auto& [prefix, members] : relays) {
    const std::string relay = free_ri(prefix, taken);
    taken.insert(relay);
    auto* s = t.add_stations();
    s->set_ri(relay);
    s->set_role(RELAY);
    s->set_description("relay for " + prefix + "*");
    auto* l = t.add_links();
    l->set_a(relay);
    l->set_b(hub);
    l->set_key("corpus");
    auto* r = hub_routes->add_routes();
    r->set_prefix(prefix);
    r->set_via(relay);
    auto* rr = t.add_routing();
    rr->set_station(relay);
    rr->mutable_default_route()->set_via(hub);
    for (const auto& ri : members) {
      auto* post = t.add_stations();
      post->set_ri(ri);
      post->set_role(POST);
      for (const auto& a : addresses[ri]) post->add_addresses(a);
      auto* pl = t.add_links();
      pl->set_a(ri);
      pl->set_b(relay);
      pl->set_speed_bps(56000);
      pl->set_delay_ms(20);
      pl->set_key("corpus");
      auto* pr = t.add_routing();
      pr->set_station(ri);
      pr->mutable_default_route()->set_via(relay);
    }
  }
  return t;
}

Scenario corpus_scenario(const std::vector<corpus_cable>& cables, double max_gap_seconds) {
  std::vector<const corpus_cable*> order;
  for (const auto& c : cables) order.push_back(&c);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) {
    return to_time(a->cable.dtg_line().dtg()) < to_time(b->cable.dtg_line().dtg());
  });
  Scenario s;
  s.set_name("corpus replay");
  s.set_description("Each of " + std::to_string(cables.size()) +
                    " real cables filed at its originating station in DTG order; quiet time compressed to at most " +
                    std::to_string(static_cast<int>(max_gap_seconds)) + " s between filings");
  s.set_speedup(600);
  if (!order.empty())
    s.set_epoch(format_iso8601(to_time(order.front()->cable.dtg_line().dtg()) - std::chrono::minutes(1)));
  double at = 60;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i > 0) {
      const double gap = std::chrono::duration<double>(to_time(order[i]->cable.dtg_line().dtg()) -
                                                       to_time(order[i - 1]->cable.dtg_line().dtg()))
                             .count();
      at += std::clamp(gap, 0.0, max_gap_seconds);
    }
    auto* f = s.add_filings();
    f->set_station(order[i]->cable.origin().station_ri());
    f->set_cable_file(order[i]->file.string());
    f->set_at_seconds(at);
  }
  s.set_max_seconds(at + 24 * 3600);
  return s;
}

}  // namespace cablesim::sim
