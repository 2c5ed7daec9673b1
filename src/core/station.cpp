#include "cablesim/core/station.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/markings.hpp"
#include "cablesim/core/precedence.hpp"
#include "cablesim/core/text.hpp"

namespace cablesim {
namespace {

/// "RUEHRO #1919" — how a student recognises a message: origin and station serial.
std::string cable_label(const Cable& c) {
  std::string s = c.origin().station_ri();  // "RUEHRO #1919" fits in the string itself: no allocation
  s += " #";
  append_zero_pad(s, c.origin().station_serial(), 4);
  if (c.origin().section()) {
    s += '/';
    append_zero_pad(s, c.origin().section(), 1);
  }
  return s;
}

/// Copies in a queue of these depths (one per precedence).
uint32_t copies(const std::array<uint32_t, 6>& depth) {
  uint32_t n = 0;
  for (const auto d : depth) n += d;
  return n;
}

}  // namespace

uint32_t queue_changed::total() const { return copies(depth); }

station::station(const topology& topo, std::string ri) : topo_(topo), ri_(std::move(ri)), routes_(topo, ri_) {
  self_ = topo.station(ri_);
  for (const auto& n : topo.neighbours(ri_)) {
    out_channel ch;
    ch.peer = n.ri;
    ch.link = &topo.proto().links(n.link);
    const auto& link = topo.proto().links(n.link);
    ch.designator = link.a() == ri_ ? link.designator_a() : link.designator_b();
    out_.emplace(n.ri, std::move(ch));
    in_channel in;
    in.designator = link.a() == ri_ ? link.designator_b() : link.designator_a();
    in_.emplace(n.ri, std::move(in));
  }
}

station::out_channel* station::channel(std::string_view peer) {
  return const_cast<out_channel*>(std::as_const(*this).channel(peer));
}

station::in_channel* station::incoming(std::string_view peer) {
  // the same for the channels cables come in by (three times a relayed cable)
  if (last_incoming_ && last_incoming_->first == peer) return &last_incoming_->second;
  const auto it = in_.find(peer);
  if (it == in_.end()) return nullptr;
  last_incoming_ = &*it;
  return &it->second;
}

const station::out_channel* station::channel(std::string_view peer) const {
  // a relayed cable looks its channel up four times (to queue it, to send it, at the end of its
  // transmission, at its acknowledgment): the last one found is asked first
  if (last_channel_ && last_channel_->peer == peer) return last_channel_;
  const auto it = out_.find(peer);
  if (it == out_.end()) return nullptr;
  return last_channel_ = &it->second;
}

bool station::channel_is_up(std::string_view peer) const {
  const auto* ch = channel(peer);
  return ch && ch->up;
}

std::size_t station::queued(std::string_view peer) const {
  const auto* ch = channel(peer);
  return ch ? ch->queue.size() : 0;
}

bool station::idle() const {
  return std::all_of(out_.begin(), out_.end(), [](const auto& kv) {
    return kv.second.queue.empty() && !kv.second.current && kv.second.unacked.empty();
  });
}

bool station::awaiting_acknowledgment() const {
  return std::any_of(out_.begin(), out_.end(),
                     [](const auto& kv) { return kv.second.up && !kv.second.unacked.empty(); });
}

down_set station::failed_channels() const {
  down_set down;
  for (const auto& [peer, ch] : out_)
    if (ch.failed) down.insert(peer);
  return down;
}

void station::number(Cable& cable, sim_time now, decision& out) {
  using namespace std::chrono;
  const int day = static_cast<int>(floor<days>(now).time_since_epoch().count());
  if (day != ssn_day_) {
    ssn_day_ = day;
    last_ssn_ = 0;
    ssn_cycle_ = 0;
  }
  if (last_ssn_ == 9999) ++ssn_cycle_;  // serials wrap; the cycle keeps identities apart
  last_ssn_ = last_ssn_ % 9999 + 1;
  auto* o = cable.mutable_origin();
  o->set_station_ri(ri_);
  o->set_station_serial(last_ssn_);
  o->set_serial_cycle(ssn_cycle_);
  *o->mutable_filing_time() = filing_time_from_time(now);
  // day, serial and wraps in one number: day * 10^8 + cycle * 10^4 + serial
  if (journalled_)
    out.add(journal_counter{{counter_key::station_serial, {}},
                            static_cast<uint64_t>(ssn_day_) * 100'000'000 + uint64_t{ssn_cycle_} * 10'000 + last_ssn_});
}

void station::restore_counter(const counter_key& key, uint64_t value) {
  switch (key.what) {
    case counter_key::station_serial:
      ssn_day_ = static_cast<int>(value / 100'000'000);
      ssn_cycle_ = static_cast<uint32_t>(value / 10'000 % 10'000);
      last_ssn_ = static_cast<uint32_t>(value % 10'000);
      break;
    case counter_key::channel_serial:  // day * 10^4 + serial
      if (auto* ch = channel(key.channel)) {
        ch->serial_day = static_cast<int>(value / 10'000);
        ch->last_serial = static_cast<uint32_t>(value % 10'000);
      }
      break;
    case counter_key::incoming_serial:
      if (auto* in = incoming(key.channel)) in->last_serial = in->checked = static_cast<uint32_t>(value);
      break;
  }
}

void station::complete_draft(Cable& cable, sim_time now, decision& out) {
  number(cable, now, out);
  // Precedence from the addressees' words: the highest action precedence, and a lower
  // information precedence makes it a dual-precedence cable.
  auto highest = [](const auto& list) {
    Precedence p = PRECEDENCE_UNSPECIFIED;
    for (const auto& a : list)
      if (more_urgent(a.precedence(), p)) p = a.precedence();
    return p == PRECEDENCE_UNSPECIFIED ? ROUTINE : p;
  };
  const Precedence action = highest(cable.action());
  const Precedence info = highest(cable.information());
  auto* dl = cable.mutable_dtg_line();
  if (dl->precedence_size() == 0) {
    dl->add_precedence(action);
    if (cable.information_size() > 0 && more_urgent(action, info)) dl->add_precedence(info);
  }
  *dl->mutable_dtg() = dtg_from_time(now);
  auto* sec = cable.mutable_security();
  const auto cls = cable.classification();
  sec->set_prosign(cls == UNCLASSIFIED ? "ZNR" : "ZNY");
  sec->set_classification(cls);
  sec->clear_operating_signals();
  sec->add_operating_signals("ZZH");
  sec->clear_trailer();
}

std::vector<std::string> station::addressee_stations(const Cable& cable, std::vector<std::string>& unknown) const {
  // each station once, in order; an addressee without an RI is found by its address
  std::vector<std::string> ris;
  std::set<std::string, std::less<>> have;
  auto add = [&](const Addressee& a) {
    std::string ri = a.routing_indicator();
    if (ri.empty()) {
      if (const auto* s = topo_.station_for_address(a.address())) ri = s->ri();
      for (const auto& c : topo_.proto().collectives())
        if (c.address() == a.address()) ri = c.ri();
    }
    if (ri.empty())
      unknown.push_back(a.address());
    else if (have.insert(ri).second)
      ris.push_back(std::move(ri));
  };
  for (const auto& a : cable.action()) add(a);
  for (const auto& a : cable.information()) add(a);
  return expand_collectives(topo_, cable, ris);
}

filing_outcome station::file(Cable cable, sim_time now, decision& out) {
  filing_outcome result;
  if (cable.action_size() == 0) {
    result.code = errc::no_action_addressee;
    result.error = result.code.message();
    return result;
  }
  std::vector<std::string> unknown;
  const auto ris = addressee_stations(cable, unknown);
  if (ris.empty()) {  // refused before it is numbered: no station serial is used up
    result.code = errc::no_known_addressee;
    result.error = result.code.message();
    return result;
  }
  if (auto why = acp127::check_limits(cable); !why.empty()) {
    result.code = errc::over_limits;
    result.error = why;
    return result;
  }
  // a complete cable names its origin: it must be this post, unless the topology lets it re-file
  if (cable.has_origin() && cable.origin().station_ri() != ri_ && !(self_ && self_->refile())) {
    result.code = errc::foreign_origin;
    result.error = "FL3 says DE " + cable.origin().station_ri() + ", but a cable filed at " + ri_ +
                   " must originate here (the topology does not let " + ri_ + " re-file)";
    return result;
  }
  // fail closed: a cable whose markings disagree is not numbered, let alone sent
  const auto verdict = acp127::classify(cable);
  if (!verdict) {
    result.code = errc::bad_marking;
    result.error = "SEC: " + verdict.problem;
    return result;
  }
  cable.set_classification(verdict.level);
  if (!cable.has_origin()) complete_draft(cable, now, out);
  cable.set_form(TRANSMITTED);  // a draft or an as-filed cable leaves the post with a full heading
  cable.clear_preamble();
  // The text travels once, verbatim in `body`; its parsed form is for reading (explain), and
  // anyone who needs it parses the body again.
  cable.clear_text();
  cable.clear_transmission();
  cable.set_has_bt(false);
  cable.set_has_nnnn(false);
  // FL2 from the TO and INFO addressees
  auto* rl = cable.mutable_routing_line();
  rl->Clear();
  rl->add_precedence(static_cast<Precedence>(cable.dtg_line().precedence(0)));
  for (const auto& ri : ris) rl->add_routing_indicators(ri);

  result.ok = true;
  result.message_id = acp127::message_id(cable);
  result.precedence = static_cast<Precedence>(rl->precedence(0));
  result.addressees = ris;
  // a cable too long for one transmission goes in sections, each its own transmission (§208)
  const auto section_lines =
      topo_.proto().section_lines() ? topo_.proto().section_lines() : acp127::default_section_lines;
  auto sections = cable.origin().section() ? std::vector<Cable>{} : acp127::split_into_sections(cable, section_lines);
  cable_filed filed{result.message_id,
                    cable_label(cable),
                    result.precedence,
                    acp127::render_routing_line(*rl),
                    ris,
                    std::move(unknown),
                    static_cast<uint32_t>(sections.size()),
                    {}};
  for (const auto* list : {&cable.action(), &cable.information()})
    for (const auto& a : *list)
      if (const auto* c = topo_.collective(a.routing_indicator())) {
        auto& listed = filed.collectives.emplace_back();
        listed.ri = c->ri();
        listed.address = c->address();
        listed.members = expand_collectives(topo_, cable, {c->ri()});
        for (const auto& m : c->members())
          if (std::find(listed.members.begin(), listed.members.end(), m) == listed.members.end())
            listed.exempted.push_back(m);
      }
  out.add(std::move(filed));
  const auto decided = out.events.size();
  if (sections.empty())
    handle(std::move(cable), "", {ri_}, 0, now, out);
  else
    for (auto& section : sections) handle(std::move(section), "", {ri_}, 0, now, out);
  for (auto i = decided; i < out.events.size(); ++i)
    if (const auto* r = std::get_if<reject_copy>(&out.events[i]))
      for (const auto& ri : r->ris) result.refused.push_back(ri + ": " + r->detail);
  return result;
}

bool station::keep_fresh(Cable& cable, const std::string& id, const std::string& label, decision& out) {
  // Duplicate detection: each (message, addressee station) is handled here once. The fresh RIs
  // stay in FL2, in order, where they are.
  std::vector<std::string> duplicate;
  auto* rl = cable.mutable_routing_line();
  auto& ris = *rl->mutable_routing_indicators();
  int fresh = 0;
  for (int i = 0; i < ris.size(); ++i) {
    auto& ri = *ris.Mutable(i);
    if (!seen_.insert(id, ri)) {
      duplicate.push_back(std::move(ri));
      continue;
    }
    if (journalled_) out.add(journal_seen{id + "/" + ri});
    if (fresh != i) ris.Mutable(fresh)->swap(ri);
    ++fresh;
  }
  while (ris.size() > fresh) ris.RemoveLast();
  if (!duplicate.empty())
    out.add(duplicate_dropped{id, label.empty() ? cable_label(cable) : label, std::move(duplicate)});
  rl->clear_indicators_per_line();
  rl->set_blank_lines_after(0);
  return fresh > 0;
}

std::vector<std::string> station::take_unknown_ris(Cable& cable) const {
  // A switching centre checks every RI against its tables (INV); a post passes what it does
  // not know to its relay.
  if (!self_ || self_->role() != RELAY) return {};
  const auto& line = cable.routing_line().routing_indicators();
  const auto is_known = [&](const std::string& ri) { return topo_.station(ri) || topo_.collective(ri); };
  if (std::all_of(line.begin(), line.end(), is_known)) return {};  // as nearly always: nothing to take
  std::vector<std::string> known, unknown;
  for (const auto& ri : line) (is_known(ri) ? known : unknown).push_back(ri);
  auto* ris = cable.mutable_routing_line()->mutable_routing_indicators();
  ris->Clear();
  for (auto& ri : known) ris->Add(std::move(ri));
  return unknown;
}

void station::handle(Cable&& cable, std::string_view from, std::vector<std::string> path, std::size_t text_characters,
                     sim_time now, decision& out) {
  const auto id = acp127::message_id(cable);
  const auto label = cable_label(cable);
  handle(std::make_unique<Cable>(std::move(cable)), id, label, from, std::move(path), text_characters, 0, now, out);
}

void station::handle(std::unique_ptr<Cable> owned, const std::string& id, const std::string& label,
                     std::string_view from, std::vector<std::string> path, std::size_t text_characters,
                     uint64_t arrival, sim_time now, decision& out) {
  // (the last copy takes `owned` itself, moved by its pointer: `cable` still names it)
  Cable& cable = *owned;
  // A cable from a neighbour is checked here; one this station made itself (a filing, which
  // file() checked; a service message; a misrouted cable it passes on) was checked already.
  const bool received = !from.empty();
  // a hostile peer's cable may name more than any real one: refused whole, before any work on it
  if (auto why = received ? acp127::check_limits(cable) : std::string{}; !why.empty())
    return refuse_whole(cable, refusal::over_limits, why, now, out);
  // its path (stations it passed) is copied into every copy made of it here: a peer's made-up
  // one of a million stations would be copied as many times
  if (const auto most = 2 * static_cast<std::size_t>(topo_.proto().stations_size()); received && path.size() > most)
    return refuse_whole(cable, refusal::looped,
                        "a path of " + std::to_string(path.size()) + " stations: more than twice the network's " +
                            std::to_string(topo_.proto().stations_size()),
                        now, out);
  // A delivered copy shows FL2 as it came: kept when a copy may be delivered here, that is when
  // FL2 names this station or a collective (one of whose members it may be); not for every copy
  // a relay passes on.
  std::optional<RoutingLine> received_line;
  if (std::any_of(cable.routing_line().routing_indicators().begin(), cable.routing_line().routing_indicators().end(),
                  [&](const std::string& ri) { return ri == ri_ || topo_.collective(ri); }))
    received_line = cable.routing_line();
  if (!keep_fresh(cable, id, label, out)) return;

  std::vector<std::string> rejected;
  refusal reason = refusal::no_route;
  std::string detail;
  auto refuse = [&](const auto& ris, refusal why, std::string text) {
    rejected.insert(rejected.end(), ris.begin(), ris.end());
    reason = why;
    detail = std::move(text);
  };
  // The classification comes from the cable itself at every station, never from a field
  // that the sender set; markings that disagree stop it here (SEC).
  if (received) {
    const auto verdict = acp127::classify(cable);
    if (!verdict) return refuse_whole(cable, refusal::bad_marking, verdict.problem, now, out);
    cable.set_classification(verdict.level);
  }
  if (const auto unknown = take_unknown_ris(cable); !unknown.empty())
    refuse(unknown, refusal::unknown_ri, join(unknown) + " not in the routing tables of " + ri_);
  const auto down = failed_channels();
  const auto seg = segregate(topo_, routes_, cable, rules(down, from));
  if (!seg.unroutable.empty()) refuse(seg.unroutable, refusal::no_route, seg.unroutable_reasons.front());
  if (!seg.returned.empty())
    refuse(seg.returned, refusal::would_return, ri_ + " would send it straight back to " + std::string(from));
  const bool split = seg.copies.size() > 1;
  for (std::size_t i = 0; i < seg.copies.size(); ++i) {
    const auto& copy = seg.copies[i];
    if (copy.kind == route_kind::local) {
      // a service message between neighbours is for this station itself, not for its inbox
      if (received && is_service_message(cable))
        if (const auto zoe = parse_zoe(cable.body())) {
          zoe_received(from, *zoe, copy.precedence, now, out);
          continue;
        }
      if (self_ && self_->clearance() < cable.classification()) {
        refuse(copy.ris, refusal::above_clearance,
               std::string(acp127::classification_name(cable.classification())) + " is above " + ri_ + "'s clearance");
        continue;
      }
      // (a copy for this station means FL2 named it or a collective: received_line is there)
      const RoutingLine came = received_line ? std::move(*received_line) : cable.routing_line();
      if (forward_misrouted(cable, came, path, now, out)) continue;
      // the last copy takes the cable itself, unless a service message still needs it
      Cable delivered = i + 1 == seg.copies.size() && rejected.empty() ? std::move(cable) : cable;
      *delivered.mutable_routing_line() = came;
      if (from.empty()) {  // filed and delivered here: its FL2 names this station only
        delivered.mutable_routing_line()->clear_routing_indicators();
        delivered.mutable_routing_line()->add_routing_indicators(ri_);
      }
      auto delivered_label = label.empty() ? cable_label(delivered) : label;
      auto shared = std::make_shared<const Cable>(std::move(delivered));
      out.add(deliver_copy{shared, id});
      out.add(copy_delivered{std::move(shared), id, std::move(delivered_label), copy.precedence, path,
                             self_ && self_->addresses_size() ? self_->addresses(0) : std::string{}});
      continue;
    }
    auto* ch = channel(copy.via);  // (a neighbour's, with the link to it)
    const auto* link = ch ? ch->link : topo_.link_between(ri_, copy.via);
    if (link && link->max_classification() < cable.classification()) {
      refuse(copy.ris, refusal::circuit_classification,
             "a " + std::string(acp127::classification_name(cable.classification())) + " cable may not use the " + ri_ +
                 "-" + copy.via + " circuit (approved for " +
                 std::string(acp127::classification_name(link->max_classification())) + ")");
      continue;
    }
    // the last copy takes the cable itself, unless a service message still needs it, and the path
    const bool last = i + 1 == seg.copies.size() && rejected.empty();
    queued_copy q(last ? cable_box(std::move(owned)) : cable_box(std::make_unique<Cable>(cable)));
    if (last)
      q.path = std::move(path);
    else
      q.path = path;
    auto* rl = q.cable->mutable_routing_line();
    rl->clear_routing_indicators();
    for (const auto& ri : copy.ris) rl->add_routing_indicators(ri);
    rl->clear_precedence();
    rl->add_precedence(copy.precedence);
    q.precedence = copy.precedence;
    q.message_id = id;
    q.label = label;
    q.text_characters = text_characters;
    q.arrival = arrival;
    if (telling_routine_)
      out.add(copy_relayed{id, label, copy.ris, copy.via, copy.precedence, copy.alternate, split, copy.held});
    if (ch) enqueue(*ch, std::move(q), now, out);
  }
  if (!rejected.empty()) send_service(cable, rejected, reason, detail, now, out);
  note_held(seg, now, out);
}

void station::add_pilot(Cable& cable, const std::string& signals, const RoutingLine& before) {
  auto* pilots = cable.mutable_pilots();
  pilots->Add()->set_signals(signals);
  *pilots->Mutable(pilots->size() - 1)->mutable_routing_line() = before;
  pilots->Mutable(pilots->size() - 1)->mutable_routing_line()->set_blank_lines_after(0);
  for (int i = pilots->size() - 1; i > 0; --i) pilots->SwapElements(i, i - 1);  // newest first
}

void station::mark_suspect(queued_copy& q) {
  // it may have reached the next station before the failure: it goes again as a suspected
  // duplicate, so that a station that already holds it files it (ZFD)
  if (q.cable->pilots_size() && is_pilot(q.cable->pilots(0), pilot_signal::zfd)) return;
  add_pilot(*q.cable, pilot_text(pilot_signal::zfd, {}), q.cable->routing_line());
  q.text_characters = 0;  // the pilot is transmitted too
}

void station::refuse_whole(const Cable& cable, refusal why, const std::string& detail, sim_time now, decision& out) {
  const auto& ris = cable.routing_line().routing_indicators();
  send_service(cable, std::vector<std::string>(ris.begin(), ris.end()), why, detail, now, out);
}

bool station::forward_misrouted(const Cable& cable, const RoutingLine& received, const std::vector<std::string>& path,
                                sim_time now, decision& out) {
  // Addressees written with this station's RI but an address it does not serve, that another
  // station does serve: the RI is wrong (ACP 127 §117). Forward to the right station with a
  // misroute pilot, and tell the originator (ZEQ3). Deliver here only what is addressed here.
  if (!self_ || self_->addresses_size() == 0) return false;
  std::vector<std::string> right_stations;
  bool any_here = false;
  for (const auto* list : {&cable.action(), &cable.information()})
    for (const auto& a : *list) {
      if (a.routing_indicator() != ri_) continue;
      const bool served =
          std::find(self_->addresses().begin(), self_->addresses().end(), a.address()) != self_->addresses().end();
      const auto* right = served ? nullptr : topo_.station_for_address(a.address());
      if (!right || right->ri() == ri_) {
        any_here = true;
        continue;
      }
      if (std::find(right_stations.begin(), right_stations.end(), right->ri()) == right_stations.end())
        right_stations.push_back(right->ri());
    }
  if (right_stations.empty()) return false;
  const auto id = acp127::message_id(cable);
  // it goes on under a ZOV pilot: the routing line it came with is kept after the pilot line
  Cable forward = cable;
  add_pilot(forward, pilot_text(pilot_signal::zov, ri_), received);
  forward.mutable_routing_line()->clear_routing_indicators();
  for (const auto& ri : right_stations) forward.mutable_routing_line()->add_routing_indicators(ri);
  out.add(misroute_found{id, cable_label(cable), right_stations});
  send_service(cable, {ri_}, std::nullopt, "the address is served by " + join(right_stations) + ", not " + ri_, now,
               out);
  handle(std::move(forward), "", path, 0, now, out);
  return !any_here;
}

void station::send_service(const Cable& about, const std::vector<std::string>& ris, std::optional<refusal> reason,
                           const std::string& detail, sim_time now, decision& out) {
  const auto id = acp127::message_id(about);
  const auto& origin = about.origin().station_ri();
  const auto signal = signal_for(reason);
  const bool can_send = origin != ri_ && !is_service_message(about) && topo_.station(origin);
  if (reason) out.add(reject_copy{id, cable_label(about), ris, *reason, detail, can_send});
  if (!can_send) return;
  Cable svc;
  number(svc, now, out);
  svc.mutable_security()->set_prosign("ZNR");
  svc.mutable_security()->set_classification(UNCLASSIFIED);
  svc.set_classification(UNCLASSIFIED);
  const auto p = about.dtg_line().precedence_size() ? static_cast<Precedence>(about.dtg_line().precedence(0)) : ROUTINE;
  svc.mutable_dtg_line()->add_precedence(p);
  *svc.mutable_dtg_line()->mutable_dtg() = dtg_from_time(now);
  // ACP 127's abbreviated form: no FM or TO lines (FL3 says who sends it, FL2 to whom), and a
  // terse text (service_text)
  svc.mutable_routing_line()->add_precedence(p);
  svc.mutable_routing_line()->add_routing_indicators(origin);
  svc.set_has_bt(true);
  svc.set_body(service_text(signal, about.origin(), reason, join(ris)));
  out.add(service_sent{signal, origin, id, cable_label(about), ris, detail, acp127::message_id(svc), std::nullopt});
  handle(std::move(svc), "", {ri_}, 0, now, out);
}

void station::enqueue(out_channel& ch, queued_copy&& copy, sim_time now, decision& out) {
  const Precedence p = copy.precedence;
  if (copy.journal_id == 0) copy.journal_id = ++last_journal_id_;
  if (journalled_) out.add(journal_put{ch.peer, copy});
  ch.queue.push(std::move(copy));
  // (a transmission on an unpaced line takes no time: it ends before anything could cut it short)
  if (ch.current && ch.up && ch.current->line_time.count() > 0) {
    const auto& cur = *ch.current;
    const auto elapsed = std::chrono::duration_cast<sim_duration>(now - cur.started);
    preemption_question q;
    q.waiting = p;
    q.current = cur.copy.precedence;
    q.remaining = cur.line_time > elapsed ? cur.line_time - elapsed : sim_duration{0};
    q.cancel_cost = line_time(cancel_characters, ch.link->speed_bps(), ch.link->bits_per_character());
    q.current_characters = cur.characters;
    q.policy = ch.link->preemption();
    if (should_preempt(q)) {
      out.add(cancel_transmission{ch.peer, cur.serial});
      out.add(transmission_cancelled{ch.peer, cur.serial, cur.copy.message_id, cur.copy.label, cur.copy.precedence, p});
      auto interrupted = std::move(ch.current->copy);
      ch.current.reset();
      ch.queue.push_front(std::move(interrupted));
    }
  }
  pump(ch, now, out);
  report_queue(ch, out);
}

void station::report_queue(out_channel& ch, decision& out) {
  const auto depth = ch.queue.depths();
  if (depth == ch.reported_depth) return;  // only a change is news
  const auto before = queued_;
  queued_ = queued_ + copies(depth) - copies(ch.reported_depth);
  if (queued_ > before)  // a new most, perhaps, for every channel
    for (auto& [peer, c] : out_) c.queued_peak = std::max(c.queued_peak, queued_);
  ch.reported_depth = depth;
  if (telling_routine_) out.add(queue_changed{ch.peer, depth});
}

void station::pump(out_channel& ch, sim_time now, decision& out) {
  if (!ch.up || ch.current) return;
  // the next copy goes straight onto the line (moved once); its serial and times are set below
  if (!ch.queue.pop_into([&](queued_copy&& c) { ch.current.emplace(std::move(c), now); })) return;
  auto* next = &ch.current->copy;
  // channel serials restart at 0001 every day (UTC), and wrap after 9999
  const int day = static_cast<int>(std::chrono::floor<std::chrono::days>(now).time_since_epoch().count());
  if (day != ch.serial_day) {
    ch.serial_day = day;
    ch.last_serial = 0;
  }
  ch.last_serial = ch.last_serial % max_channel_serial + 1;
  if (journalled_)
    out.add(
        journal_counter{{counter_key::channel_serial, ch.peer}, static_cast<uint64_t>(day) * 10'000 + ch.last_serial});
  auto* t = next->cable->mutable_transmission();
  t->set_channel_designator(ch.designator);
  t->set_channel_serial(ch.last_serial);
  t->set_serial_digits(4);
  if (next->text_characters == 0) next->text_characters = acp127::transmission_text_characters(*next->cable);
  // The copy's characters as transmitted give a paced line's time, and those who watch the
  // station see them (traces); an unpaced line takes no time, however long the copy, and its
  // preemption question never comes up: not counted (by writing FL1 and FL2) for nobody.
  const bool counted = ch.link->speed_bps() != 0 || telling_routine_;
  const auto characters = counted ? acp127::transmission_characters(*next->cable, next->text_characters) : 0;
  const auto lt = line_time(characters, ch.link->speed_bps(), ch.link->bits_per_character());
  start_transmission st;
  st.frame.Swap(&spare_frame_);  // the frame handed back (recycle_frame), or an empty one
  st.channel = ch.peer;
  st.frame.set_channel_serial(ch.last_serial);
  st.frame.set_precedence(next->precedence);
  st.frame.set_text_characters(static_cast<uint32_t>(next->text_characters));
  st.frame.set_queued_peak(ch.queued_peak);
  st.frame.mutable_path()->Reserve(static_cast<int>(next->path.size()));
  for (const auto& s : next->path) st.frame.add_path(s);
  // a copy received: it came by the channel from the last station of its path but this one (a
  // path a peer made up gives a wrong count for its own copies, never a negative one)
  if (next->arrival != 0 && next->path.size() >= 2)
    if (const auto* in = incoming(next->path[next->path.size() - 2]); in && in->taken >= next->arrival)
      st.frame.set_later_arrivals(in->taken - next->arrival);
  st.line_time = lt;
  if (next->label.empty() && (telling_routine_ || lt.count() > 0))  // (a cancel names it: paced lines)
    next->label = cable_label(*next->cable);
  ch.current->serial = ch.last_serial;
  ch.current->line_time = lt;
  ch.current->characters = characters;
  st.cable = &*next->cable;  // lent, not copied: the cable is most of a copy's bytes
  if (telling_routine_)      // for those who watch
    out.add(transmission_started{ch.peer, ch.last_serial, next->precedence, lt, characters, ch.designator,
                                 next->message_id, next->label, !next->path.empty() && next->path.front() == ri_,
                                 st.cable, ch.queue.depths()});
  out.add(std::move(st));
}

const Cable* station::on_line(std::string_view peer, uint32_t serial) const {
  const auto* ch = channel(peer);
  return ch && ch->current && ch->current->serial == serial ? &*ch->current->copy.cable : nullptr;
}

void station::transmission_done(std::string_view peer, uint32_t serial, sim_time now, decision& out) {
  auto* ch = channel(peer);
  if (!ch || !ch->current || ch->current->serial != serial) return;  // cancelled meanwhile
  if (telling_routine_)
    out.add(transmission_ended{ch->peer, serial, ch->current->copy.message_id, ch->current->copy.label});
  ch->unacked.emplace(serial, std::move(ch->current->copy));
  ch->current.reset();
  ch->last_done = now;
  pump(*ch, now, out);
  report_queue(*ch, out);
}

void station::acknowledged(std::string_view peer, uint32_t serial, sim_time, decision& out) {
  auto* ch = channel(peer);
  if (!ch) return;
  const auto it = ch->unacked.find(serial);
  const bool expected = it != ch->unacked.end();
  if (telling_routine_ || !expected) out.add(transmission_acknowledged{ch->peer, serial, expected});
  if (expected) {
    if (journalled_) out.add(journal_drop{it->second.journal_id});
    recycle(it->second.cable.release());
    ch->unacked.erase(it);
  }
}

void station::recycle(std::unique_ptr<Cable> cable) {
  // Clear() keeps a cable's sub-messages and the capacity of its strings (its message fields are
  // optional: they have presence bits), which is what the next parse reuses.
  if (spare_.size() >= spare_wanted_) return;
  cable->Clear();
  spare_.push_back(std::move(cable));
}

void station::recycle_frame(Transmission&& frame) {
  spare_frame_.Swap(&frame);
  spare_frame_.Clear();  // (its path's strings stay, cleared, for the next frame's)
}

void station::lend_spare(Transmission& into) {
  if (&into.cable() != &Cable::default_instance()) return;  // it has one (cleared or not)
  // as many as a burst of frames read at once takes, and no more: the rest would only hold memory
  constexpr std::size_t most_spare = 64;
  if (spare_.empty()) {
    spare_wanted_ = std::min(spare_wanted_ + 1, most_spare);
    return;
  }
  into.set_allocated_cable(spare_.back().release());  // (cleared: what a parse into it clears first)
  spare_.pop_back();
}

void station::restore(const std::string& peer, queued_copy copy) {
  auto* ch = channel(peer);
  if (!ch) return;
  last_journal_id_ = std::max(last_journal_id_, copy.journal_id);
  mark_suspect(copy);  // it may have gone out before the restart
  ch->queue.push(std::move(copy));
}

void station::restore_seen(std::string key) { seen_.insert(key); }

void station::advance_continuity(std::string_view from, uint32_t serial, decision& out) {
  auto* in = incoming(from);
  if (!in) return;
  auto& last = in->last_serial;
  // (serials start at 0001: a first one above it means those before it never arrived)
  const uint32_t expected = last % max_channel_serial + 1;
  if (serial != expected) {
    const uint32_t gap = (serial + max_channel_serial - expected) % max_channel_serial;
    if (gap < max_channel_serial / 2) {
      open_numbers(from, expected, serial == 1 ? max_channel_serial : serial - 1, out);
    } else {
      out.add(serials_restarted{std::string(from), serial});
    }
  }
  last = serial;
  // a restarted station knows what it had, and asks for no serial it had again
  if (journalled_) out.add(journal_counter{{counter_key::incoming_serial, std::string(from)}, serial});
}

void station::receive(std::string_view from, Transmission&& t, sim_time now, decision& out) {
  // the duplicate check's slots are far apart in memory: on their way while the rest is done
  const auto id = acp127::message_id(t.cable());
  for (const auto& ri : t.cable().routing_line().routing_indicators()) seen_.prefetch(id, ri);
  advance_continuity(from, t.channel_serial(), out);
  // its number on the channel, to say at each of its copies' transmissions how many came after it
  uint64_t arrival = 0;
  if (auto* in = incoming(from)) {
    in->last_heard = now;
    arrival = ++in->taken;
  }
  std::vector<std::string> path;
  path.reserve(static_cast<std::size_t>(t.path_size()) + 1);
  path.assign(t.path().begin(), t.path().end());
  path.push_back(ri_);
  // its label for those who watch; a station no one watches makes it only where it says it
  const auto label = telling_routine_ ? cable_label(t.cable()) : std::string{};
  if (telling_routine_) out.add(transmission_received{std::string(from), t.channel_serial(), id, label});
  const auto serial = t.channel_serial();
  // taken from the frame by the copy that keeps it, by its pointer
  std::unique_ptr<Cable> cable(t.release_cable());
  if (!cable) cable = std::make_unique<Cable>();
  cable->clear_text();  // see file(): the body is the text
  handle(std::move(cable), id, label, from, std::move(path), t.text_characters(), arrival, now, out);
  // taken in charge (queued or delivered): now the sender may forget it
  out.add(send_ack{std::string(from), serial});
}

sim_duration station::continuity_silence() const {
  const auto minutes = topo_.proto().continuity_minutes() ? topo_.proto().continuity_minutes() : 30;
  return std::chrono::duration_cast<sim_duration>(std::chrono::minutes(minutes));
}

void station::open_numbers(std::string_view from, uint32_t first, uint32_t last, decision& out) {
  out.add(open_number{std::string(from), first, last});
  out.add(send_rerun{std::string(from), first, last});  // run them again (ZDK)
  out.add(rerun_asked{std::string(from), first, last});
}

void station::channel_watch(std::string_view peer, sim_time now, decision& out) {
  auto& in = in_[std::string(peer)];
  in.watching = false;
  auto* ch = channel(peer);
  if (!ch || !ch->up) return;  // it is watched again when the channel comes back
  in.watching = true;
  check_incoming(in, ch->peer, now, out);
  check_outgoing(*ch, now, out);
  // next when the channel in has been silent for the whole period, or sooner for one sent on
  // that is still unacknowledged
  const auto silence = continuity_silence();
  auto next = in.last_heard + silence;
  if (!ch->unacked.empty() && ch->told != completed_serial(*ch)) next = std::min(next, ch->last_done + silence);
  out.add(watch_channel{ch->peer, std::max(sim_duration{1}, std::chrono::duration_cast<sim_duration>(next - now))});
}

void station::check_incoming(in_channel& in, const std::string& peer, sim_time now, decision& out) {
  if (now - in.last_heard < continuity_silence()) return;
  in.last_heard = now;
  // silent for the whole period after something came: ask the sender for its last serial (ZID);
  // a channel that carried nothing since the last check stays quiet
  if (in.last_serial == in.checked) return;
  in.checked = in.last_serial;
  out.add(send_continuity{peer, in.designator, in.last_serial, false});
  out.add(continuity_sent{peer, in.designator, in.last_serial, false, false});
}

void station::check_outgoing(out_channel& ch, sim_time now, decision& out) {
  // a transmission unacknowledged for the whole period may have been lost on the line, the last
  // of its spell, where no later serial shows the gap: say the last serial sent (ZIC), once
  const auto completed = completed_serial(ch);
  if (ch.unacked.empty() || ch.told == completed || now - ch.last_done < continuity_silence()) return;
  ch.told = completed;
  out.add(send_continuity{ch.peer, ch.designator, completed, true});
  out.add(continuity_sent{ch.peer, ch.designator, completed, true, true});
}

uint32_t station::completed_serial(const out_channel& ch) {
  if (!ch.current) return ch.last_serial;
  return ch.current->serial == 1 ? 0 : ch.current->serial - 1;  // (0: none yet today)
}

void station::continuity_received(std::string_view from, const Continuity& c, sim_time now, decision& out) {
  if (!c.answer()) {  // ZID: say what this station last sent whole on the channel (ZIC)
    if (auto* ch = channel(from)) {
      const auto completed = completed_serial(*ch);
      ch->told = completed;
      out.add(send_continuity{ch->peer, ch->designator, completed, true});
      out.add(continuity_sent{ch->peer, ch->designator, completed, true, false});
    }
    return;
  }
  const auto it = in_.find(from);
  if (it == in_.end()) return;
  auto& in = it->second;
  in.last_heard = now;
  // ZIC: transmissions after the last one received never arrived (one behind is stale: ignored)
  if (c.last_serial() != in.last_serial && c.last_serial() != 0) {
    const uint32_t first = in.last_serial % max_channel_serial + 1;
    const uint32_t gap = (c.last_serial() + max_channel_serial - in.last_serial) % max_channel_serial;
    if (gap >= max_channel_serial / 2) return;
    open_numbers(from, first, c.last_serial(), out);
    in.last_serial = c.last_serial();
    if (journalled_) out.add(journal_counter{{counter_key::incoming_serial, std::string(from)}, in.last_serial});
  }
  in.checked = in.last_serial;
}

void station::rerun_requested(std::string_view from, uint32_t first, uint32_t last, sim_time now, decision& out) {
  auto* ch = channel(from);
  if (!ch) return;
  auto in_range = [&](uint32_t s) {
    return first <= last ? s >= first && s <= last : s >= first || s <= last;  // (serials wrap)
  };
  std::vector<queued_copy> again;
  for (auto it = ch->unacked.begin(); it != ch->unacked.end();) {
    if (!in_range(it->first)) {
      ++it;
      continue;
    }
    auto copy = std::move(it->second);
    out.add(copy_rerun{ch->peer, it->first, copy.message_id, cable_label(*copy.cable)});
    // a rerun is marked ZDK in FL5 (ACP 127); a station that already holds it files it
    auto* signals = copy.cable->mutable_dtg_line()->mutable_operating_signals();
    if (std::find(signals->begin(), signals->end(), rerun_signal) == signals->end()) {
      signals->Add(std::string(rerun_signal));
      copy.cable->mutable_dtg_line()->clear_trailer();
    }
    copy.text_characters = 0;
    again.push_back(std::move(copy));
    it = ch->unacked.erase(it);
  }
  for (auto& copy : again) enqueue(*ch, std::move(copy), now, out);
  report_queue(*ch, out);
}

void station::cancelled_by_sender(std::string_view from, uint32_t serial, sim_time, decision& out) {
  // a serial this station already has (it received the transmission, the acknowledgment was
  // lost with the link) moves nothing
  if (const auto it = in_.find(from); it != in_.end() && it->second.last_serial != 0) {
    const uint32_t behind = (it->second.last_serial + max_channel_serial - serial) % max_channel_serial;
    if (behind < max_channel_serial / 2) return;
  }
  advance_continuity(from, serial, out);
  out.add(cancel_received{std::string(from), serial});
}

void station::channel_up(std::string_view peer, sim_time now, decision& out) {
  auto* ch = channel(peer);
  if (!ch) return;
  ch->up = true;
  ch->failed = false;
  ch->queued_peak = queued_;  // what waits here from now on, as the far end will see it
  out.add(channel_changed{ch->peer, true, 0});
  // what went another way while the channel was down leaves no open number behind it
  for (const auto serial : ch->withdrawn) {
    out.add(cancel_serial{ch->peer, serial});
    out.add(serial_withdrawn{ch->peer, serial});
  }
  ch->withdrawn.clear();
  end_arrangements(ch->peer, now, out);
  if (auto& in = in_[ch->peer]; !in.watching) {
    in.watching = true;
    in.last_heard = now;
    out.add(watch_channel{ch->peer, continuity_silence()});
  }
  pump(*ch, now, out);
  report_queue(*ch, out);
}

void station::channel_down(std::string_view peer, sim_time now, decision& out) {
  auto* ch = channel(peer);
  if (!ch) return;
  const bool was_up = ch->up;
  ch->up = false;
  ch->failed = true;
  for (auto& [ri, a] : arrangements_) {  // what it carried or was asked to carry waits again
    if (a.agreed == ch->peer) a.agreed.clear();
    if (a.asked == ch->peer) a.asked.clear();
  }
  // Everything not acknowledged goes again: the transmission in progress, the unacknowledged
  // ones (the receiver drops what it already holds), and the queue, rerouted if it can be.
  std::deque<queued_copy> copies;
  if (ch->current) {
    ch->withdrawn.push_back(ch->current->serial);
    copies.push_back(std::move(ch->current->copy));
  }
  ch->current.reset();
  for (auto& [serial, c] : ch->unacked) {
    ch->withdrawn.push_back(serial);
    copies.push_back(std::move(c));
  }
  for (auto& c : copies) mark_suspect(c);
  ch->unacked.clear();
  for (auto& c : ch->queue.drain()) copies.push_back(std::move(c));
  if (was_up || !copies.empty()) out.add(channel_changed{ch->peer, false, copies.size()});
  reroute(*ch, std::move(copies), now, out);
  report_queue(*ch, out);
}

void station::reroute(out_channel& ch, std::deque<queued_copy> copies, sim_time now, decision& out) {
  const auto down = failed_channels();
  for (auto& q : copies) {
    if (journalled_) out.add(journal_drop{q.journal_id});  // its pieces are journalled afresh below
    q.journal_id = 0;
    // (the station it came from, if it came from one: the last of its path before this one)
    const auto from = q.path.size() >= 2 ? std::string_view(q.path[q.path.size() - 2]) : std::string_view{};
    const auto seg = segregate(topo_, routes_, *q.cable, rules(down, from));
    auto with_ris = [&](const std::vector<std::string>& ris) {
      queued_copy c = q;
      c.cable->mutable_routing_line()->clear_routing_indicators();
      for (const auto& ri : ris) c.cable->mutable_routing_line()->add_routing_indicators(ri);
      return c;
    };
    for (const auto& copy : seg.copies) {
      if (copy.kind != route_kind::channel) continue;
      auto* alt = channel(copy.via);
      if (!alt) continue;
      if (!copy.held) out.add(copy_rerouted{q.message_id, cable_label(*q.cable), copy.ris, copy.via, copy.precedence});
      enqueue(*alt, with_ris(copy.ris), now, out);  // (held: it waits for its channel to come back)
    }
    // what cannot go anywhere now waits for this channel to come back
    auto left = seg.unroutable;
    left.insert(left.end(), seg.returned.begin(), seg.returned.end());
    if (!left.empty()) {
      auto waiting = with_ris(left);
      waiting.journal_id = ++last_journal_id_;
      if (journalled_) out.add(journal_put{ch.peer, waiting});
      ch.queue.push(std::move(waiting));
    }
    note_held(seg, now, out);
  }
}

route_rules station::rules(const down_set& down, std::string_view from) const {
  // an arrangement is asked for only while an RI's primary is down: with nothing down, none
  if (down.empty()) return route_rules{&down, from, {}};
  return route_rules{&down, from, [this](std::string_view ri, std::string_view via) {
                       const auto it = arrangements_.find(ri);
                       return it != arrangements_.end() && it->second.agreed == via;
                     }};
}

void station::note_held(const segregation& seg, sim_time now, decision& out) {
  bool any = false;
  for (const auto& copy : seg.copies) {
    if (!copy.held) continue;
    for (const auto& ri : copy.ris) {
      auto& a = arrangements_[ri];
      if (a.waits_on.empty()) a.waits_on = copy.via;
      if (more_urgent(copy.precedence, a.highest)) a.highest = copy.precedence;
    }
    any = true;
  }
  if (any) seek_alternates(now, out);
}

void station::seek_alternates(sim_time now, decision& out) {
  // one question for each neighbour, for all the RIs it is asked to carry, at the highest
  // precedence of the traffic held for them
  std::map<std::string, std::pair<std::vector<std::string>, Precedence>> asks;
  for (auto& [ri, a] : arrangements_) {
    if (!a.asked.empty() || !a.agreed.empty()) continue;
    const auto* channels = routes_.channels(ri);
    if (!channels || channels->front() != a.waits_on) continue;  // an alternate is asked only for a primary
    for (std::size_t i = 1; i < channels->size(); ++i) {
      const auto& c = (*channels)[i];
      if (a.declined.count(c) || !channel_is_up(c)) continue;
      a.asked = c;
      auto& ask = asks.try_emplace(c, std::vector<std::string>{}, ROUTINE).first->second;
      ask.first.push_back(ri);
      if (more_urgent(a.highest, ask.second)) ask.second = a.highest;
      break;
    }
  }
  for (auto& [to, ask] : asks) {
    const auto waits_on = arrangements_.find(ask.first.front())->second.waits_on;
    send_zoe(to, {zoe_message::ask, std::move(ask.first)}, ask.second, waits_on, now, out);
  }
}

void station::send_zoe(const std::string& to, const zoe_message& m, Precedence p, const std::string& waits_on,
                       sim_time now, decision& out) {
  Cable svc;
  number(svc, now, out);
  svc.mutable_security()->set_prosign("ZNR");
  svc.mutable_security()->set_classification(UNCLASSIFIED);
  svc.set_classification(UNCLASSIFIED);
  svc.mutable_dtg_line()->add_precedence(p);
  *svc.mutable_dtg_line()->mutable_dtg() = dtg_from_time(now);
  svc.mutable_routing_line()->add_precedence(p);
  svc.mutable_routing_line()->add_routing_indicators(to);
  svc.set_has_bt(true);
  svc.set_body(zoe_text(m));
  std::string detail;
  switch (m.what) {
    case zoe_message::ask:
      detail = "will " + to + " carry the traffic held for the channel to " + waits_on + "?";
      break;
    case zoe_message::agree: detail = ri_ + " will carry it"; break;
    case zoe_message::decline: detail = ri_ + " cannot pass it on but back"; break;
    case zoe_message::cancel: detail = "the channel to " + waits_on + " is back: the arrangement ends"; break;
  }
  out.add(service_sent{service_signal::zoe, to, {}, {}, m.ris, std::move(detail), acp127::message_id(svc), m.what});
  handle(std::move(svc), "", {ri_}, 0, now, out);
}

bool station::can_carry_for(std::string_view asker, const std::string& ri) const {
  const auto down = failed_channels();
  const auto d = routes_.route(ri, rules(down, asker));
  if (d.kind == route_kind::local) return true;
  if (d.kind != route_kind::channel) return false;
  // and the next stations' primary routes do not bring it back
  std::string at = d.via;
  for (int hops = 0; hops < topo_.proto().stations_size(); ++hops) {
    const auto next = routing_table(topo_, at).route(ri);
    if (next.kind == route_kind::local) return true;
    if (next.kind != route_kind::channel || next.via == asker || next.via == ri_) return false;
    at = next.via;
  }
  return false;
}

void station::zoe_received(std::string_view from, const zoe_message& m, Precedence p, sim_time now, decision& out) {
  const std::string peer(from);
  out.add(arrangement_changed{m.what, peer, m.ris, {}});
  switch (m.what) {
    case zoe_message::ask: {
      zoe_message yes{zoe_message::agree, {}}, no{zoe_message::decline, {}};
      for (const auto& ri : m.ris) (can_carry_for(from, ri) ? yes : no).ris.push_back(ri);
      if (!yes.ris.empty()) send_zoe(peer, yes, p, {}, now, out);
      if (!no.ris.empty()) send_zoe(peer, no, p, {}, now, out);
      return;
    }
    case zoe_message::agree:
      for (const auto& ri : m.ris)
        if (const auto it = arrangements_.find(ri); it != arrangements_.end() && it->second.asked == from) {
          it->second.asked.clear();
          it->second.agreed = peer;
        }
      release_held(now, out);
      return;
    case zoe_message::decline:
      for (const auto& ri : m.ris)
        if (const auto it = arrangements_.find(ri); it != arrangements_.end() && it->second.asked == from) {
          it->second.asked.clear();
          it->second.declined.insert(peer);
        }
      seek_alternates(now, out);
      return;
    case zoe_message::cancel: return;
  }
}

void station::end_arrangements(const std::string& peer, sim_time now, decision& out) {
  if (arrangements_.empty()) return;
  std::map<std::string, std::vector<std::string>> ended;  // by the neighbour that carried the traffic
  for (auto it = arrangements_.begin(); it != arrangements_.end();) {
    if (it->second.waits_on != peer) {
      it->second.declined.clear();  // a channel came up: who could not may be able to now
      ++it;
      continue;
    }
    if (!it->second.agreed.empty()) ended[it->second.agreed].push_back(it->first);
    it = arrangements_.erase(it);
  }
  for (auto& [to, ris] : ended) send_zoe(to, {zoe_message::cancel, std::move(ris)}, ROUTINE, peer, now, out);
  seek_alternates(now, out);
}

void station::release_held(sim_time now, decision& out) {
  for (auto& [peer, ch] : out_)
    if (ch.failed && !ch.queue.empty()) {
      reroute(ch, ch.queue.drain(), now, out);
      report_queue(ch, out);
    }
}

}  // namespace cablesim
