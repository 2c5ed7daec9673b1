#include "cablesim/sim/chaos.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>

#include "cablesim/core/precedence.hpp"

namespace cablesim::sim {
namespace {

/// The simulated time a seed's traffic is filed in; its outages start within it.
constexpr double traffic_seconds = 1800;

class draw {
 public:
  explicit draw(uint64_t seed) : rng_(seed) {}
  uint64_t below(uint64_t n) { return n ? rng_() % n : 0; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 rng_;
};

void add_share(TrafficStream& st, Precedence p, double weight) {
  auto* s = st.add_precedence_mix();
  s->set_precedence(p);
  s->set_weight(weight);
}

/// Traffic at every precedence, some of it at dual precedence, some long enough for sections,
/// some to collectives, from every post.
TrafficStream drawn_traffic(const topology& topo, draw& d) {
  TrafficStream st;
  st.set_name("chaos");
  for (const auto& s : topo.proto().stations())
    if (s.role() == POST || s.delivers_locally()) {
      st.add_origins(s.ri());
      st.add_addressees(s.ri());
    }
  for (const auto& c : topo.proto().collectives()) st.add_addressees(c.ri());
  st.set_choice(TrafficStream::RANDOM);
  st.set_to_count(1 + static_cast<uint32_t>(d.below(2)));
  st.set_info_count(static_cast<uint32_t>(d.below(3)));
  add_share(st, FLASH, 1 + static_cast<double>(d.below(3)));
  add_share(st, IMMEDIATE, 2 + static_cast<double>(d.below(4)));
  add_share(st, PRIORITY, 3 + static_cast<double>(d.below(5)));
  add_share(st, ROUTINE, 5 + static_cast<double>(d.below(10)));
  st.set_dual_precedence_share(0.3);
  auto* u = st.add_classification_mix();
  u->set_classification(UNCLASSIFIED);
  u->set_weight(8);
  auto* c = st.add_classification_mix();
  c->set_classification(CONFIDENTIAL);
  c->set_weight(2);
  st.set_min_characters(200);
  st.set_max_characters(d.below(4) == 0 ? 15000 : 3000);  // a long one goes in sections
  st.set_per_hour(20 + static_cast<double>(d.below(40)));
  st.set_poisson(true);
  return st;
}

chaos_fault drawn_fault(const topology& topo, draw& d) {
  const auto& t = topo.proto();
  chaos_fault f;
  const auto kind = d.below(10);
  const auto& link = t.links(static_cast<int>(d.below(static_cast<uint64_t>(t.links_size()))));
  f.at = d.uniform(0, traffic_seconds);
  if (kind < 5) {
    f.kind = ScriptedEvent::LINK_DOWN;
    f.a = link.a();
    f.b = link.b();
    f.until = f.at + d.uniform(30, 1500);
  } else if (kind < 8) {
    f.kind = ScriptedEvent::STATION_STOP;
    f.a = t.stations(static_cast<int>(d.below(static_cast<uint64_t>(t.stations_size())))).ri();
    f.until = f.at + d.uniform(30, 1500);
  } else {
    f.kind = ScriptedEvent::LOSE_TRANSMISSION;
    const bool forward = d.below(2) == 0;
    f.a = forward ? link.a() : link.b();
    f.b = forward ? link.b() : link.a();
  }
  return f;
}

void add_event(Scenario& sc, ScriptedEvent::Kind kind, double at, const chaos_fault& f) {
  auto* e = sc.add_events();
  e->set_kind(kind);
  e->set_at_seconds(at);
  e->set_a(f.a);
  e->set_b(f.b);
}

}  // namespace

std::string describe(const chaos_fault& f) {
  const auto secs = [](double s) { return std::to_string(static_cast<long long>(s)) + " s"; };
  switch (f.kind) {
    case ScriptedEvent::LINK_DOWN: return "link " + f.a + "-" + f.b + " down " + secs(f.at) + " to " + secs(f.until);
    case ScriptedEvent::STATION_STOP: return "station " + f.a + " stopped " + secs(f.at) + " to " + secs(f.until);
    case ScriptedEvent::LOSE_TRANSMISSION:
      return "the next transmission " + f.a + " -> " + f.b + " after " + secs(f.at) + " lost";
    default: return "?";
  }
}

chaos_plan draw_plan(const topology& topo, uint64_t seed, const std::optional<scenario_file>& traffic,
                     const std::optional<std::vector<std::size_t>>& keep) {
  draw d(seed);
  chaos_plan plan;
  plan.seed = seed;
  auto& sc = plan.scenario;
  if (traffic) sc = traffic->proto;
  sc.set_name(traffic ? traffic->proto.name() : "chaos");
  sc.set_seed(seed);
  sc.clear_events();
  auto stream = drawn_traffic(topo, d);  // (drawn either way: the faults below are the same for a seed)
  if (!traffic) {
    sc.set_duration_seconds(traffic_seconds);
    *sc.add_streams() = std::move(stream);
  }
  const auto faults = 1 + d.below(4);
  for (std::size_t i = 0; i < faults; ++i) {
    auto f = drawn_fault(topo, d);
    if (keep && std::find(keep->begin(), keep->end(), i) == keep->end()) continue;
    switch (f.kind) {
      case ScriptedEvent::LINK_DOWN:
        add_event(sc, ScriptedEvent::LINK_DOWN, f.at, f);
        add_event(sc, ScriptedEvent::LINK_UP, f.until, f);
        break;
      case ScriptedEvent::STATION_STOP:
        add_event(sc, ScriptedEvent::STATION_STOP, f.at, f);
        add_event(sc, ScriptedEvent::STATION_START, f.until, f);
        break;
      default: add_event(sc, f.kind, f.at, f); break;
    }
    plan.faults.push_back(std::move(f));
  }
  // scenario events for one station run in the order they were scheduled: in time order here
  std::stable_sort(sc.mutable_events()->begin(), sc.mutable_events()->end(),
                   [](const ScriptedEvent& x, const ScriptedEvent& y) { return x.at_seconds() < y.at_seconds(); });
  return plan;
}

class chaos_checker::impl {
 public:
  void operator()(const std::string& st, const station_event& e, sim_time at) {
    std::visit(overloaded{
                   [&](const transmission_started& x) { started(st, x, at); },
                   [&](const transmission_cancelled& x) {
                     if (!more_urgent(x.preempted_by, x.precedence))
                       fail("preemption", st + "->" + x.channel + " serial " + std::to_string(x.serial) + ": " +
                                              precedence_word(x.preempted_by) + " interrupted " +
                                              precedence_word(x.precedence));
                   },
                   [&](const copy_relayed& x) {
                     if (!x.held) queued(st, x.via, x.precedence, copy_key(x.message_id, x.ris));
                   },
                   [&](const copy_rerouted& x) { queued(st, x.via, x.precedence, copy_key(x.message_id, x.ris)); },
                   [&](const channel_changed& x) {
                     if (!x.up) failed_.insert({st, x.channel});
                   },
                   [&](const transmission_received& x) {
                     received_.insert({x.channel, st, x.serial, day(at)});
                   },
                   [&](const cancel_received& x) {
                     received_.insert({x.channel, st, x.serial, day(at)});
                   },
                   [&](const open_number& x) {
                     for (auto s = x.first;; s = s % max_channel_serial + 1) {
                       opened_.push_back({x.channel, st, s, day(at)});
                       if (s == x.last) break;
                     }
                   },
                   [&](const cable_filed& x) { numbered(st, x.message_id); },
                   [&](const service_sent& x) { numbered(st, x.message_id); },
                   [](const auto&) {},
               },
               e);
  }

  /// What the run as a whole must show.
  std::vector<chaos_violation> finish(const Report& r) {
    if (!r.completed() || r.lost() || r.missing_size() || r.duplicates()) {
      std::string d = std::to_string(r.missing_size()) + " copies neither delivered nor refused, " +
                      std::to_string(r.lost()) + " refused for a fault of the network, " +
                      std::to_string(r.duplicates()) + " delivered twice";
      if (r.missing_size()) d += " (first: " + r.missing(0).message_id() + " for " + r.missing(0).station() + ")";
      for (const auto& f : r.refusals())
        if (!f.legitimate()) d += "; " + std::to_string(f.copies()) + " " + f.reason();
      fail("exactly once", d);
    }
    // an open number that names a serial the receiver had (or was told was cancelled) is false
    for (const auto& o : opened_)
      if (received_.count(o))
        fail("no false open number", std::get<1>(o) + " reported serial " + std::to_string(std::get<2>(o)) + " from " +
                                         std::get<0>(o) + " open, and had it");
    // FIFO within a precedence on every channel that never failed
    for (const auto& [key, q] : queued_) {
      const auto& [st, channel, p] = key;
      if (failed_.count({st, channel})) continue;
      const auto it = first_starts_.find(key);
      const auto& s = it == first_starts_.end() ? std::vector<std::string>{} : it->second;
      const auto at = std::mismatch(s.begin(), s.end(), q.begin(), q.end());
      if (at.first != s.end())
        fail("FIFO within a precedence",
             st + "->" + channel + " at " + precedence_word(static_cast<Precedence>(p)) + ": sent " + *at.first +
                 " where " + (at.second == q.end() ? std::string("nothing") : *at.second) + " was queued first");
    }
    return std::move(violations_);
  }

 private:
  /// A copy on a channel: its message and its routing line.
  static std::string copy_key(const std::string& id, const google::protobuf::RepeatedPtrField<std::string>& ris) {
    return copy_key(id, std::vector<std::string>(ris.begin(), ris.end()));
  }
  static std::string copy_key(const std::string& id, const std::vector<std::string>& ris) {
    std::string k = id;
    for (const auto& ri : ris) k += " " + ri;
    return k;
  }
  int day(sim_time at) const {
    return static_cast<int>(std::chrono::floor<std::chrono::days>(at).time_since_epoch().count());
  }
  void fail(std::string invariant, std::string detail) {
    if (violations_.size() < 20) violations_.push_back({std::move(invariant), std::move(detail)});
  }
  void queued(const std::string& st, const std::string& via, Precedence p, const std::string& id) {
    auto& q = queued_[{st, via, static_cast<int>(p)}];
    q.push_back(id);
    ++times_queued_[{st, via, id}];
  }
  void numbered(const std::string& st, const std::string& id) {
    if (!ids_.insert(id).second) fail("numbering", st + " numbered " + id + " twice");
  }
  void started(const std::string& st, const transmission_started& x, sim_time at) {
    // strict priority: nothing more urgent left waiting
    for (int p = static_cast<int>(x.precedence) + 1; p < static_cast<int>(x.waiting.size()); ++p)
      if (x.waiting[static_cast<std::size_t>(p)])
        fail("precedence", st + "->" + x.channel + " sent " + precedence_word(x.precedence) + " " + x.message_id +
                               " with " + precedence_word(static_cast<Precedence>(p)) + " waiting");
    // serials run 1, 2, 3 ... within a day on every channel, across restarts
    auto& [last_day, last] = serials_[{st, x.channel}];
    const int today = day(at);
    if (last != 0 && last_day == today && x.serial != last % max_channel_serial + 1)
      fail("channel serials without gaps",
           st + "->" + x.channel + " sent serial " + std::to_string(x.serial) + " after " + std::to_string(last));
    last_day = today;
    last = x.serial;
    // a copy's first start on a channel (not its start again after a preemption or a rerun)
    const auto key = copy_key(x.message_id, x.cable->routing_line().routing_indicators());
    if (++times_started_[{st, x.channel, key}] <= times_queued_[{st, x.channel, key}])
      first_starts_[{st, x.channel, static_cast<int>(x.precedence)}].push_back(key);
  }

  std::vector<chaos_violation> violations_;
  std::map<std::pair<std::string, std::string>, std::pair<int, uint32_t>> serials_;
  std::map<std::tuple<std::string, std::string, int>, std::vector<std::string>> queued_, first_starts_;
  std::map<std::tuple<std::string, std::string, std::string>, uint32_t> times_queued_, times_started_;
  std::set<std::pair<std::string, std::string>> failed_;
  using serial_key = std::tuple<std::string, std::string, uint32_t, int>;  // from, to, serial, day
  std::set<serial_key> received_;
  std::vector<serial_key> opened_;
  std::set<std::string> ids_;
};

chaos_checker::chaos_checker() : impl_(std::make_unique<impl>()) {}
chaos_checker::~chaos_checker() = default;
void chaos_checker::operator()(const std::string& station, const station_event& e, sim_time at) {
  (*impl_)(station, e, at);
}
std::vector<chaos_violation> chaos_checker::finish(const Report& report) { return impl_->finish(report); }

chaos_outcome run_plan(const topology& topo, const chaos_plan& plan, const std::optional<scenario_file>& traffic,
                       const std::function<void(const std::string&)>& trace) {
  scenario_file sf;
  sf.proto = plan.scenario;
  if (traffic) {
    sf.path = traffic->path;
    sf.cables = traffic->cables;
  }
  chaos_checker check;
  run_options o;
  o.speedup = 0;
  o.transport = transport_kind::memory;
  o.observe = std::ref(check);
  o.trace = trace;
  o.warn_refused_filings = false;  // (a stopped post refuses filings: counted in the report)
  o.restart_from_journal = true;   // a station stopped loses all but its journal
  const auto report = run(topo, sf, o);
  chaos_outcome out;
  out.violations = check.finish(report);
  out.cables = static_cast<std::size_t>(report.filed_size());
  for (const auto& f : report.filed()) out.copies += static_cast<std::size_t>(f.addressees_size());
  return out;
}

chaos_result run_chaos(const topology& topo, const std::optional<scenario_file>& traffic, const chaos_options& o) {
  chaos_result result;
  const auto wall_start = std::chrono::steady_clock::now();
  auto last_progress = wall_start;
  for (uint64_t i = 0; i < o.seeds; ++i) {
    const auto seed = o.first_seed + i;
    const auto plan = draw_plan(topo, seed, traffic, o.keep);
    auto outcome = run_plan(topo, plan, traffic, o.trace);
    ++result.seeds;
    result.faults += plan.faults.size();
    result.cables += outcome.cables;
    result.copies += outcome.copies;
    if (!outcome.violations.empty()) {
      chaos_failure f{seed, std::move(outcome.violations), {}, {}};
      // the faults drawn, by their index in the whole draw
      std::vector<std::size_t> kept;
      if (o.keep)
        kept = *o.keep;
      else
        for (std::size_t k = 0; k < plan.faults.size(); ++k) kept.push_back(k);
      // shrink: leave out one fault at a time while the seed still fails
      for (bool smaller = o.shrink; smaller;) {
        smaller = false;
        for (std::size_t k = 0; k < kept.size() && kept.size() > 0; ++k) {
          auto fewer = kept;
          fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(k));
          auto again = run_plan(topo, draw_plan(topo, seed, traffic, fewer), traffic);
          if (again.violations.empty()) continue;
          kept = std::move(fewer);
          f.violations = std::move(again.violations);
          smaller = true;
          break;
        }
      }
      f.faults = kept;
      for (const auto& fault : draw_plan(topo, seed, traffic, kept).faults) f.described.push_back(describe(fault));
      result.failures.push_back(std::move(f));
    }
    const auto now = std::chrono::steady_clock::now();
    if (o.progress && now - last_progress > std::chrono::seconds(2)) {
      last_progress = now;
      o.progress(std::to_string(result.seeds) + " of " + std::to_string(o.seeds) + " seeds, " +
                 std::to_string(result.failures.size()) + " failing");
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

}  // namespace cablesim::sim
