#include "cablesim/sim/runner.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/config_text.hpp"
#include "cablesim/core/percentile.hpp"
#include "cablesim/core/precedence.hpp"
#include "cablesim/core/traffic.hpp"
#include "cablesim/report/trace.hpp"
#include "cablesim/sim/network.hpp"
#include "cablesim/sim/replay.hpp"
#include "cablesim/store/files.hpp"

namespace cablesim::sim {
namespace {

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return nearest_rank(v, q);
}

struct pair_hash {
  std::size_t operator()(const std::pair<std::string, std::string>& p) const {
    return std::hash<std::string>()(p.first) * 31 + std::hash<std::string>()(p.second);
  }
};

/// Where every addressee copy stands. Message ids and stations are numbered once, so that a
/// copy costs a few bytes however long the run.
class copy_book {
 public:
  enum flag : uint8_t { expected = 1, delivered = 2, refused = 4, passed_on = 8 };

  /// A filing names this station as an addressee.
  void expect(const std::string& id, const std::string& station) {
    auto& f = at(id, station);
    if (f & expected) return;
    f |= expected;
    if (!settled(f)) ++outstanding_;
  }
  /// Set a flag; returns whether it was set already.
  bool mark(const std::string& id, const std::string& station, flag what) {
    auto& f = at(id, station);
    const bool had = f & what, was = settled(f);
    f |= what;
    if ((f & expected) && !was && settled(f)) --outstanding_;
    return had;
  }
  uint8_t flags(const std::string& id, const std::string& station) const {
    const auto m = ids_.find(id);
    const auto s = stations_.find(station);
    if (m == ids_.end() || s == stations_.end()) return 0;
    for (const auto& [st, f] : messages_[m->second].copies)
      if (st == s->second) return f;
    return 0;
  }
  /// Numbers for a message id and a station, given once.
  uint32_t message(const std::string& id) {
    const auto [it, fresh] = ids_.try_emplace(id, static_cast<uint32_t>(messages_.size()));
    if (fresh) messages_.push_back({&it->first, {}, -1});
    return it->second;
  }
  uint32_t station(const std::string& ri) {
    const auto [it, fresh] = stations_.try_emplace(ri, static_cast<uint32_t>(station_names_.size()));
    if (fresh) station_names_.push_back(ri);
    return it->second;
  }
  const std::string& message_name(uint32_t m) const { return *messages_[m].id; }
  const std::string& station_name(uint32_t s) const { return station_names_[s]; }
  /// When the message was filed (simulated seconds), or < 0 when unknown.
  double& filed_at(uint32_t m) { return messages_[m].filed_at; }
  /// Expected copies that are neither delivered, refused nor passed on.
  std::size_t outstanding() const { return outstanding_; }
  std::vector<std::pair<std::string, std::string>> missing() const {
    std::vector<std::pair<std::string, std::string>> m;
    for (const auto& msg : messages_)
      for (const auto& [st, f] : msg.copies)
        if ((f & expected) && !settled(f)) m.emplace_back(*msg.id, station_names_[st]);
    std::sort(m.begin(), m.end());
    return m;
  }
  static bool settled(uint8_t f) { return f & (delivered | refused | passed_on); }

 private:
  uint8_t& at(const std::string& id, const std::string& ri) {
    auto& copies = messages_[message(id)].copies;
    const auto s = station(ri);
    for (auto& [st, f] : copies)
      if (st == s) return f;
    return copies.emplace_back(s, 0).second;
  }

  struct message_copies {
    const std::string* id;                             // the key in ids_
    std::vector<std::pair<uint32_t, uint8_t>> copies;  // station, flags
    double filed_at;
  };
  std::unordered_map<std::string, uint32_t> ids_, stations_;
  std::vector<std::string> station_names_;
  std::vector<message_copies> messages_;
  std::size_t outstanding_ = 0;
};

/// Collects what the stations do into a Report.
class collector {
 public:
  collector(Report& report, sim_time epoch) : report_(report), epoch_(epoch) {}

  double at(sim_time t) const { return std::chrono::duration<double>(t - epoch_).count(); }

  void filed(const std::string& station, const cable_filed& f, sim_time t) {
    ++station_stats(station).filed;
    auto* r = report_.add_filed();
    r->set_message_id(f.message_id);
    r->set_station(station);
    r->set_precedence(f.precedence);
    r->set_filed_at(at(t));
    for (const auto& a : f.addressees) {
      r->add_addressees(a);
      copies_.expect(f.message_id, a);
    }
    copies_.filed_at(copies_.message(f.message_id)) = at(t);
  }

  void delivered(const std::string& station, const copy_delivered& d, sim_time t) {
    received_at_.erase({station, d.message_id});
    // a cable in sections is delivered when its last section is
    std::string id = d.message_id;
    if (const auto sections = d.copy->origin().sections()) {
      id = acp127::base_message_id(id);
      if (++sections_in_[{id, station}] < sections) return;
    }
    ++station_stats(station).delivered;
    if (copies_.mark(id, station, copy_book::delivered)) report_.set_duplicates(report_.duplicates() + 1);
    // kept compact until the end of the run, when the network is gone
    delivery_record r{copies_.message(id), copies_.station(station), d.precedence, 0, at(t), {}};
    const auto filed = copies_.filed_at(r.message);
    r.filed_at = filed < 0 ? at(t) : filed;
    for (const auto& s : d.path) r.path.push_back(copies_.station(s));
    deliveries_.push_back(std::move(r));
  }
  std::size_t deliveries() const { return deliveries_.size(); }

  void acted(const std::string& station, const station_event& e, sim_time t) {
    std::visit(overloaded{
                   [&](const cable_filed& x) { filed(station, x, t); },
                   [&](const copy_delivered& x) { delivered(station, x, t); },
                   [&](const transmission_received& x) {
                     ++station_stats(station).received;
                     received_at_.emplace(std::pair{station, x.message_id}, at(t));
                   },
                   [&](const transmission_started& x) { started(station, x, t); },
                   [&](const transmission_cancelled& x) {
                     report_.set_preemptions(report_.preemptions() + 1);
                     link_event(t, station, x.channel, LinkEvent::PREEMPTED, x.serial, x.message_id, x.precedence);
                     auto& l = link(station, x.channel);
                     ++l.preemptions;
                     l.busy -=
                         std::max(0.0, l.started + l.line_time - at(t));  // the rest of the line time was not used
                   },
                   [&](const open_number& x) {
                     report_.set_open_numbers(report_.open_numbers() + 1);
                     link_event(t, x.channel, station, LinkEvent::OPEN_NUMBER, x.first, "", PRECEDENCE_UNSPECIFIED);
                   },
                   [&](const reject_copy& x) { refused(x); },
                   [&](const misroute_found& x) {
                     // the copy for this station goes on to the stations that serve its address
                     report_.set_misrouted(report_.misrouted() + 1);
                     copies_.mark(acp127::base_message_id(x.message_id), station, copy_book::passed_on);
                     for (const auto& ri : x.right_stations) copies_.expect(acp127::base_message_id(x.message_id), ri);
                   },
                   [&](const service_sent&) { report_.set_service_messages(report_.service_messages() + 1); },
                   [&](const copy_rerun&) { report_.set_reruns(report_.reruns() + 1); },
                   [&](const continuity_sent& x) {
                     if (!x.answer || x.unasked) report_.set_continuity_checks(report_.continuity_checks() + 1);
                   },
                   [&](const duplicate_dropped& x) {
                     report_.set_duplicates_filed(report_.duplicates_filed() + static_cast<uint32_t>(x.ris.size()));
                   },
                   [&](const queue_changed& x) { sample(station, x.channel, x.total(), t); },
                   // (told in the trace; the counts above say what they mean for the run)
                   [](const serial_withdrawn&) {},
                   [](const rerun_asked&) {},
                   [](const copy_relayed&) {},
                   [](const transmission_ended&) {},
                   [](const transmission_acknowledged&) {},
                   [](const cancel_received&) {},
                   [](const serials_restarted&) {},
                   [](const channel_changed&) {},
                   [](const copy_rerouted&) {},
                   [](const arrangement_changed&) {},
               },
               e);
  }

  void refused(const reject_copy& x) {
    uint32_t copies = 0;
    for (const auto& ri : x.ris)
      if (!copies_.mark(acp127::base_message_id(x.message_id), ri, copy_book::refused)) ++copies;
    report_.set_rejected(report_.rejected() + copies);
    refusals_[x.reason] += copies;
  }

  void started(const std::string& station, const transmission_started& x, sim_time t) {
    if (x.line_time.count() > 0)  // on an unpaced line it starts and ends at once: the counts say it all
      link_event(t, station, x.channel, LinkEvent::START, x.serial, x.message_id, x.precedence)
          ->set_line_time(std::chrono::duration<double>(x.line_time).count());
    // a service message's filing time: its first transmission from its origin
    if (x.first_hop) {
      auto& filed = copies_.filed_at(copies_.message(x.message_id));
      if (filed < 0) filed = at(t);
    }
    auto& l = link(station, x.channel);
    ++l.transmissions;
    l.busy += std::chrono::duration<double>(x.line_time).count();
    l.started = at(t);
    l.line_time = std::chrono::duration<double>(x.line_time).count();
    if (const auto it = received_at_.find({station, x.message_id}); it != received_at_.end()) {
      handling_[x.precedence].push_back(at(t) - it->second);
      received_at_.erase(it);  // the handling of the first copy onward is what counts
    }
  }

  /// Every expected addressee copy is delivered or rejected.
  bool settled() const { return copies_.outstanding() == 0; }

  /// The addressee copies neither delivered nor refused: (message id, station).
  std::vector<std::pair<std::string, std::string>> missing() const { return copies_.missing(); }
  /// A channel's queue changed depth: one sample per change, the high-water marks.
  void sample(const std::string& station, const std::string& peer, uint32_t depth, sim_time t) {
    auto& l = link(station, peer);
    l.high_water = std::max(l.high_water, depth);
    if (depth == l.last_depth) return;
    auto& s = station_stats(station);
    s.queued = s.queued + depth - l.last_depth;
    s.high_water = std::max(s.high_water, s.queued);
    if (!l.samples.empty() && l.samples.back().first == at(t))
      l.samples.back().second = depth;
    else
      l.samples.emplace_back(at(t), depth);
    l.last_depth = depth;
  }
  void filing_refused(sim_time t, const std::string& station, const std::string& source, const std::string& error) {
    auto* f = report_.add_refused_filings();
    f->set_at(at(t));
    f->set_station(station);
    f->set_source(source);
    f->set_error(error);
  }

  void event(sim_time t, const std::string& description) {
    auto* e = report_.add_events();
    e->set_at(at(t));
    e->set_description(description);
  }

  void finish(double duration, bool in_time, const topology& topo) {
    for (const auto& d : deliveries_) {
      auto* r = report_.add_deliveries();
      r->set_message_id(copies_.message_name(d.message));
      r->set_station(copies_.station_name(d.station));
      r->set_precedence(d.precedence);
      r->set_filed_at(d.filed_at);
      r->set_delivered_at(d.delivered_at);
      for (const auto s : d.path) r->add_path(copies_.station_name(s));
    }
    deliveries_ = {};
    report_.set_duration(duration);
    *report_.mutable_network() = topo.proto();
    report_.mutable_network()->clear_keys();                    // no secrets in reports
    std::vector<std::pair<std::string, std::string>> channels;  // in a fixed order
    for (const auto& [key, l] : links_) channels.push_back(key);
    std::sort(channels.begin(), channels.end());
    for (const auto& key : channels) {
      const auto& l = links_.at(key);
      auto* ls = report_.add_links();
      ls->set_from(key.first);
      ls->set_to(key.second);
      if (const auto* tl = topo.link_between(key.first, key.second)) ls->set_speed_bps(tl->speed_bps());
      ls->set_transmissions(l.transmissions);
      ls->set_preemptions(l.preemptions);
      ls->set_cancelled_serials(l.preemptions);
      ls->set_busy_seconds(l.busy);
      ls->set_utilisation(duration > 0 ? std::min(1.0, l.busy / duration) : 0);
      ls->set_queue_high_water(l.high_water);
      for (const auto& [when, depth] : l.samples) {
        auto* q = ls->add_queue();
        q->set_at(when);
        q->set_depth(depth);
      }
    }
    for (const auto& st : topo.proto().stations()) {
      auto* ss = report_.add_stations();
      const auto& s = station_stats(st.ri());
      ss->set_ri(st.ri());
      ss->set_role(st.role());
      ss->set_filed(s.filed);
      ss->set_received(s.received);
      ss->set_delivered(s.delivered);
      ss->set_queue_high_water(s.high_water);
    }
    for (const auto& [reason, copies] : refusals_) {
      auto* r = report_.add_refusals();
      r->set_reason(std::string(refusal_name(reason)));
      r->set_legitimate(legitimate(reason));
      r->set_copies(copies);
      if (!legitimate(reason)) report_.set_lost(report_.lost() + copies);
    }
    report_.set_completed(in_time && settled() && report_.lost() == 0);
    std::map<int, std::vector<double>> latencies;
    std::map<int, PrecedenceSummary> by;
    for (const auto& f : report_.filed()) {
      auto& s = by[f.precedence()];
      s.set_filed(s.filed() + 1);
      for (const auto& a : f.addressees())
        if (!copy_book::settled(copies_.flags(f.message_id(), a))) s.set_in_flight(s.in_flight() + 1);
    }
    std::map<std::string, Precedence> filed_precedence;
    for (const auto& f : report_.filed()) filed_precedence[f.message_id()] = f.precedence();
    for (const auto& d : report_.deliveries()) {
      const auto it = filed_precedence.find(d.message_id());
      if (it == filed_precedence.end()) continue;  // service messages
      auto& s = by[it->second];
      s.set_delivered(s.delivered() + 1);
      latencies[it->second].push_back(d.delivered_at() - d.filed_at());
    }
    for (const auto& f : report_.filed())
      for (const auto& a : f.addressees())
        if (copies_.flags(f.message_id(), a) & copy_book::refused) {
          auto& s = by[f.precedence()];
          s.set_rejected(s.rejected() + 1);
        }
    for (auto& [p, s] : by) {
      s.set_precedence(static_cast<Precedence>(p));
      const double objective =
          std::chrono::duration<double>(speed_of_service_objective(static_cast<Precedence>(p))).count();
      s.set_objective_seconds(objective);
      const auto& l = latencies[p];
      if (!l.empty())
        s.set_delivered_within_objective(
            static_cast<double>(std::count_if(l.begin(), l.end(), [&](double x) { return x <= objective; })) /
            static_cast<double>(l.size()));
      const auto& h = handling_[p];
      s.set_relay_handling_p50(percentile(h, 0.5));
      s.set_relay_handling_max(h.empty() ? 0 : *std::max_element(h.begin(), h.end()));
      if (!h.empty())
        s.set_relay_within_objective(
            static_cast<double>(std::count_if(h.begin(), h.end(), [&](double x) { return x <= objective; })) /
            static_cast<double>(h.size()));
      s.set_latency_p50(percentile(l, 0.5));
      s.set_latency_p90(percentile(l, 0.9));
      s.set_latency_p99(percentile(l, 0.99));
      s.set_latency_max(l.empty() ? 0 : *std::max_element(l.begin(), l.end()));
    }
    for (auto it = by.rbegin(); it != by.rend(); ++it) *report_.add_precedences() = it->second;
  }

 private:
  struct link_tally {
    uint32_t transmissions = 0, preemptions = 0, high_water = 0, last_depth = 0;
    double busy = 0, started = 0, line_time = 0;
    std::vector<std::pair<double, uint32_t>> samples;
  };
  struct station_tally {
    uint32_t filed = 0, received = 0, delivered = 0, high_water = 0, queued = 0;
  };
  link_tally& link(const std::string& from, const std::string& to) { return links_[{from, to}]; }
  station_tally& station_stats(const std::string& ri) { return stations_[ri]; }

  LinkEvent* link_event(sim_time t, const std::string& from, const std::string& to, LinkEvent::Kind kind,
                        uint32_t serial, const std::string& id, Precedence p) {
    auto* e = report_.add_link_events();
    e->set_at(at(t));
    e->set_from(from);
    e->set_to(to);
    e->set_kind(kind);
    e->set_channel_serial(serial);
    e->set_message_id(id);
    e->set_precedence(p);
    return e;
  }

  Report& report_;
  sim_time epoch_;
  struct delivery_record {
    uint32_t message, station;
    Precedence precedence;
    double filed_at, delivered_at;
    std::vector<uint32_t> path;
  };
  copy_book copies_;
  std::map<std::pair<std::string, std::string>, uint32_t> sections_in_;  // (cable, station) -> sections delivered
  std::vector<delivery_record> deliveries_;
  std::unordered_map<std::pair<std::string, std::string>, double, pair_hash> received_at_;
  std::map<int, std::vector<double>> handling_;
  std::map<refusal, uint32_t> refusals_;  // addressee copies refused, by reason
  std::unordered_map<std::pair<std::string, std::string>, link_tally, pair_hash> links_;
  std::unordered_map<std::string, station_tally> stations_;
};

}  // namespace

namespace {
/// Copies of one filing a scenario may ask for (each is scheduled when the run starts).
constexpr uint32_t max_repeat = 100000;
}  // namespace

scenario_file load_scenario(const std::filesystem::path& path, const topology& topo) {
  const auto text = store::read_file(path);
  if (!text) {
    std::string why;
    if (std::filesystem::is_directory(path))
      why = std::filesystem::exists(path / "scenario.textproto")
                ? " (it is a folder; did you mean " + (path / "scenario.textproto").string() + "?)"
                : " (it is a folder; a scenario is a .textproto file)";
    throw config_error({path.string() + ":1:1: cannot read the scenario file" + why});
  }
  scenario_file s;
  s.path = path;
  const config_source where(*text, path.string(), s.proto);
  std::vector<std::string> problems;
  for (int i = 0; i < s.proto.filings_size(); ++i) {
    const auto& f = s.proto.filings(i);
    if (!topo.station(f.station()))
      problems.push_back(where.at({{"filings", i}, {"station"}}, f.station()) + ": unknown station '" + f.station() +
                         "' (not in " + topo.file_name() + ")");
    if (f.at_seconds() < 0)
      problems.push_back(where.at({{"filings", i}, {"at_seconds"}}) + ": at_seconds must not be negative");
    if (f.every_seconds() < 0)
      problems.push_back(where.at({{"filings", i}, {"every_seconds"}}) + ": every_seconds must not be negative");
    if (f.repeat() > max_repeat)
      problems.push_back(where.at({{"filings", i}, {"repeat"}}) + ": repeat " + std::to_string(f.repeat()) +
                         " is above " + std::to_string(max_repeat) + " (for more, a stream generates cables)");
    const auto file = path.parent_path() / f.cable_file();
    const auto cable_text = store::read_file(file);
    if (f.cable_file().empty() || !cable_text) {
      problems.push_back(where.at({{"filings", i}, {"cable_file"}}, f.cable_file()) + ": cannot read cable file '" +
                         file.string() + "'");
    } else if (auto parsed = acp127::parse(*cable_text, {.allow_draft = true}); !parsed) {
      problems.push_back(where.at({{"filings", i}, {"cable_file"}}, f.cable_file()) + ": " +
                         parsed.error->format(file.string()));
    } else {
      s.cables.push_back(std::move(parsed.cable));
    }
  }
  for (int i = 0; i < s.proto.events_size(); ++i) {
    const auto& e = s.proto.events(i);
    const bool link = e.kind() == ScriptedEvent::LINK_DOWN || e.kind() == ScriptedEvent::LINK_UP ||
                      e.kind() == ScriptedEvent::LOSE_TRANSMISSION;
    if (!topo.station(e.a()))
      problems.push_back(where.at({{"events", i}, {"a"}}, e.a()) + ": unknown station '" + e.a() + "'");
    else if (link && !topo.link_between(e.a(), e.b()))
      problems.push_back(where.at({{"events", i}, {"b"}}, e.b()) + ": no link between " + e.a() + " and '" + e.b() +
                         "'");
  }
  for (int i = 0; i < s.proto.watch_size(); ++i) {
    const auto& w = s.proto.watch(i);
    if (!topo.link_between(w.from(), w.to()))
      problems.push_back(where.at({{"watch", i}}) + ": no link between '" + w.from() + "' and '" + w.to() + "'");
  }
  try {
    traffic_generator check(s.proto, topo);
  } catch (const config_error& e) {
    for (const auto& p : e.problems()) problems.push_back(where.at({{"streams", 0}}) + ": " + p);
  }
  for (const auto& [field, value] : {std::pair<std::string_view, double>{"speedup", s.proto.speedup()},
                                     {"max_seconds", s.proto.max_seconds()},
                                     {"duration_seconds", s.proto.duration_seconds()}})
    if (value < 0) problems.push_back(where.at({{field}}) + ": " + std::string(field) + " must not be negative");
  if (!s.proto.epoch().empty() && !parse_iso8601(s.proto.epoch()))
    problems.push_back(where.at({{"epoch"}}, s.proto.epoch()) + ": epoch '" + s.proto.epoch() +
                       "' is not an ISO-8601 UTC time like 2007-09-10T14:00:00Z");
  if (!problems.empty()) throw config_error(problems);
  return s;
}

namespace {

/// Plays a scenario on a network: its filings, its generated traffic (made as it falls due, one
/// filing scheduled at a time) and its scripted events, each at its simulated time.
class scenario_driver {
 public:
  scenario_driver(network& net, const std::optional<scenario_file>& scenario, const Scenario& sc, const topology& topo,
                  collector& collect, const run_options& options)
      : net_(net), collect_(collect), options_(options), traffic_(sc, topo) {
    for (int i = 0; scenario && i < sc.filings_size(); ++i) {
      const auto& f = sc.filings(i);
      for (unsigned k = 0; k < std::max(1u, f.repeat()); ++k)
        file_at(f.at_seconds() + k * f.every_seconds(), f.station(), &scenario->cables[static_cast<std::size_t>(i)],
                f.cable_file());
    }
    next_generated();
    for (const auto& e : sc.events()) event_at(e);
  }

  /// Filings and events still to come.
  std::size_t pending() const { return pending_; }

 private:
  sim_time at(double seconds) const {
    return net_.clock().epoch() + sim_duration{static_cast<int64_t>(std::llround(seconds * 1000))};
  }

  void file_at(double seconds, const std::string& station, const Cable* cable, const std::string& name) {
    ++pending_;
    net_.at(at(seconds), station, [this, station, cable, name] {
      --pending_;
      const auto outcome = net_.file(station, *cable);
      if (!outcome.ok) refused(station, name, outcome);
    });
  }

  void refused(const std::string& station, const std::string& source, const filing_outcome& outcome) {
    if (options_.warn_refused_filings) log_->warn("{} refused {}: {}", station, source, outcome.error);
    collect_.filing_refused(net_.now(), station, source, outcome.error);
  }

  void next_generated() {
    generated_ = traffic_.next();
    if (!generated_) return;
    ++pending_;
    net_.at(at(generated_->at_seconds), generated_->station, [this] {
      --pending_;
      const auto outcome = net_.file(generated_->station, std::move(generated_->cable));
      if (!outcome.ok) refused(generated_->station, "a " + generated_->source + " cable", outcome);
      next_generated();
    });
  }

  void event_at(const ScriptedEvent& e) {
    ++pending_;
    net_.at(at(e.at_seconds()), e.a(), [this, e] {
      --pending_;
      if (e.kind() == ScriptedEvent::LOSE_TRANSMISSION) {
        const auto what = "the next transmission from " + e.a() + " to " + e.b() + " will be lost on the line";
        if (options_.trace) options_.trace(clock_label(net_.now()) + " *** " + what);
        net_.lose_next_transmission(e.a(), e.b());
        collect_.event(net_.now(), what);
        return;
      }
      const bool link = e.kind() == ScriptedEvent::LINK_DOWN || e.kind() == ScriptedEvent::LINK_UP;
      const bool up = e.kind() == ScriptedEvent::LINK_UP || e.kind() == ScriptedEvent::STATION_START;
      const std::string what = link ? "the link " + e.a() + "-" + e.b() + (up ? " comes back up" : " goes down")
                                    : "station " + e.a() + (up ? " starts again" : " stops");
      if (options_.trace) options_.trace(clock_label(net_.now()) + " *** " + what);
      if (link)
        net_.set_link(e.a(), e.b(), up);
      else
        net_.set_station(e.a(), up);
      collect_.event(net_.now(), what);
    });
  }

  network& net_;
  collector& collect_;
  const run_options& options_;
  traffic_generator traffic_;
  std::optional<generated_filing> generated_;
  std::size_t pending_ = 0;
  std::shared_ptr<spdlog::logger> log_ =
      std::make_shared<spdlog::logger>("scenario", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
};

}  // namespace

Report run(const topology& topo, const std::optional<scenario_file>& scenario, const run_options& options) {
  const auto& t = topo.proto();
  const Scenario empty;
  const Scenario& sc = scenario ? scenario->proto : empty;
  const double speedup = options.speedup >= 0 ? options.speedup : sc.speedup() > 0 ? sc.speedup() : t.speedup();
  const auto epoch = *parse_iso8601(sc.epoch().empty() ? t.epoch() : sc.epoch());
  const double max_seconds = sc.max_seconds() > 0 ? sc.max_seconds() : 24 * 3600;
  const auto wall_start = std::chrono::steady_clock::now();

  Report report;
  report.set_topology(t.name());
  report.set_scenario(sc.name());
  report.set_title(sc.title());
  report.set_epoch(format_iso8601(epoch));
  collector collect(report, epoch);
  replay_recorder replay(report, options.replay_limit);

  std::set<std::pair<std::string, std::string>> watched(options.watch.begin(), options.watch.end());
  for (const auto& w : sc.watch()) watched.emplace(w.from(), w.to());
  network_options net_options;
  net_options.transport = options.transport;
  net_options.speedup = speedup;
  net_options.inbox = options.inbox;
  net_options.restart_from_journal = options.restart_from_journal;
  net_options.observe = [&](const std::string& station, const station_event& a, sim_time at) {
    collect.acted(station, a, at);
    replay.record(station, a, collect.at(at));
    if (options.observe) options.observe(station, a, at);
    if (!options.trace) return;
    if (const auto* q = std::get_if<queue_changed>(&a)) {
      if (watched.contains({station, q->channel}))
        options.trace(clock_label(at) + " " + report::narrate_queue(station, *q));
      return;
    }
    if (auto line = report::narrate(station, a);
        line && (options.trace_debug || line->level != report::trace_level::debug))
      options.trace(clock_label(at) + " " + line->text);
  };
  std::optional<network> network_;
  auto& net = network_.emplace(topo, epoch, std::move(net_options));
  scenario_driver driver(net, scenario, sc, topo, collect, options);

  // Done when every filing is made, every expected copy delivered or refused, and all idle.
  auto last_progress = wall_start;
  const auto done = [&] {
    if (options.progress && std::chrono::steady_clock::now() - last_progress > std::chrono::seconds(2)) {
      last_progress = std::chrono::steady_clock::now();
      options.progress(
          clock_label(net.now()) + ": " + std::to_string(report.filed_size()) + " filed, " +
          std::to_string(collect.deliveries()) + " copies delivered, " + std::to_string(driver.pending()) +
          " filings and events to come (" +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(last_progress - wall_start).count()) + " s)");
    }
    return driver.pending() == 0 && collect.settled() && net.idle();
  };
  const bool in_time = net.run(epoch + sim_duration{static_cast<int64_t>(max_seconds * 1000)}, done);
  const double duration = std::chrono::duration<double>(net.now() - epoch).count();
  const auto events = net.clock().events_run();
  network_.reset();  // the report is built when the stations are gone
  collect.finish(duration, in_time, topo);
  for (const auto& [id, station] : collect.missing()) {
    auto* m = report.add_missing();
    m->set_message_id(id);
    m->set_station(station);
  }
  auto* wall = report.mutable_wall_clock();
  wall->set_seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count());
  wall->set_speedup(speedup);
  wall->set_transport(options.transport == transport_kind::tcp ? "tcp" : "memory");
  wall->set_events(events);
  return report;
}

}  // namespace cablesim::sim
