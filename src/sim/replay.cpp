#include "cablesim/sim/replay.hpp"

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/explain.hpp"
#include "cablesim/report/trace.hpp"

namespace cablesim::sim {
namespace {

/// The explanation a replay page shows for one cable, at most this many lines of it.
constexpr std::size_t explained_lines = 80;

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string fl1_of(const Cable& c) { return c.has_transmission() ? first_line(acp127::render_heading(c)) : ""; }
std::string fl2_of(const Cable& c) { return c.has_routing_line() ? acp127::render_routing_line(c.routing_line()) : ""; }

}  // namespace

ReplayEvent* replay_recorder::add(const std::string& station, ReplayEvent::Kind kind, double at,
                                  const station_event& event) {
  if (static_cast<std::size_t>(report_.replay_size()) >= limit_) {
    if (limit_) report_.set_replay_dropped(report_.replay_dropped() + 1);
    return nullptr;
  }
  auto* e = report_.add_replay();
  e->set_at(at);
  e->set_station(station);
  e->set_kind(kind);
  if (const auto* q = std::get_if<queue_changed>(&event))
    e->set_text(report::narrate_queue(station, *q));
  else if (auto line = report::narrate(station, event))
    e->set_text(line->text);
  return e;
}

void replay_recorder::explain_once(const std::string& message_id, const std::string& label, const Cable& copy) {
  if (!limit_ || !explained_.insert(message_id).second) return;
  // FL1 and FL2 change at every hop: the page shows them from each event, the rest from here
  // a copy carries its text once, verbatim: read it again to explain it line by line
  const auto reread = acp127::parse(acp127::render(copy));
  const std::string text = explain(reread ? reread.cable : copy);
  std::string kept;
  std::size_t lines = 0, pos = 0;
  bool skipping = false;
  while (pos < text.size() && lines < explained_lines) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size() - 1;
    const std::string_view line(text.data() + pos, end + 1 - pos);
    const std::string_view next(text.data() + end + 1, text.size() - end - 1);
    if (!line.starts_with(' ')) skipping = next.starts_with("    FL1  ") || next.starts_with("    FL2  ");
    if (!skipping && !line.starts_with("(no BT")) {
      kept += line;
      ++lines;
    }
    pos = end + 1;
  }
  if (pos < text.size()) kept += "... (the rest of the text)\n";
  auto* r = report_.add_replay_cables();
  r->set_message_id(message_id);
  r->set_label(label);
  r->set_explained(std::move(kept));
}

void replay_recorder::service(const std::string& station, const service_sent& x, double at,
                              const station_event& event) {
  auto* s = report_.add_service_log();
  s->set_at(at);
  s->set_station(station);
  s->set_kind(ServiceRecord::SERVICE);
  s->set_about(x.about_label);
  for (const auto& ri : x.ris) s->add_ris(ri);
  s->set_reason(std::string(signal_text(x.signal)));
  s->set_detail(x.detail);
  s->set_to(x.to);
  // its first transmission may come before or after this event in the station's events
  if (const auto it = service_texts_.find(x.message_id); it != service_texts_.end())
    s->set_text(it->second);
  else
    service_text_[x.message_id] = report_.service_log_size() - 1;
  if (auto* e = add(station, ReplayEvent::SERVICE, at, event)) {
    e->set_channel(x.to);
    e->set_message_id(x.message_id);
  }
}

void replay_recorder::refused(const std::string& station, const reject_copy& x, double at, const station_event& event) {
  auto* s = report_.add_service_log();
  s->set_at(at);
  s->set_station(station);
  s->set_kind(ServiceRecord::REFUSED);
  s->set_about(x.label);
  for (const auto& ri : x.ris) s->add_ris(ri);
  s->set_reason(std::string(refusal_sign(x.reason)));
  s->set_detail(x.detail);
  if (auto* e = add(station, ReplayEvent::REFUSED, at, event)) e->set_message_id(x.message_id);
}

void replay_recorder::started(const std::string& station, const transmission_started& x, double at,
                              const station_event& event) {
  const auto& c = *x.cable;
  // the text travels once, verbatim in the body: a service message's is its first line
  const auto body = std::string_view(c.body()).substr(c.body().starts_with("BT\n") ? 3 : 0);
  const std::string line(body.substr(0, body.find('\n')));
  if (const auto it = service_text_.find(x.message_id); it != service_text_.end()) {
    report_.mutable_service_log(it->second)->set_text(line);
    service_text_.erase(it);
  } else if (is_service_text(line)) {
    service_texts_.emplace(x.message_id, line);
  }
  if (!limit_) return;
  sent_[{station, x.channel, x.serial}] = {fl1_of(c), fl2_of(c), x.precedence};
  explain_once(x.message_id, x.label, c);
  if (auto* e = add(station, ReplayEvent::START, at, event)) {
    e->set_channel(x.channel);
    e->set_message_id(x.message_id);
    e->set_precedence(x.precedence);
    e->set_serial(x.serial);
    e->set_until(at + std::chrono::duration<double>(x.line_time).count());
    e->set_fl1(fl1_of(c));
    e->set_fl2(fl2_of(c));
  }
}

void replay_recorder::received(const std::string& station, const transmission_received& x, double at,
                               const station_event& event) {
  if (auto* e = add(station, ReplayEvent::RECEIVED, at, event)) {
    e->set_channel(x.channel);
    e->set_message_id(x.message_id);
    e->set_serial(x.serial);
    if (const auto it = sent_.find({x.channel, station, x.serial}); it != sent_.end()) {
      e->set_fl1(it->second.fl1);
      e->set_fl2(it->second.fl2);
      e->set_precedence(it->second.precedence);
      sent_.erase(it);
    }
  }
}

void replay_recorder::delivered(const std::string& station, const copy_delivered& x, double at,
                                const station_event& event) {
  explain_once(x.message_id, x.label, *x.copy);
  if (auto* e = add(station, ReplayEvent::DELIVERED, at, event)) {
    e->set_message_id(x.message_id);
    e->set_precedence(x.precedence);
    e->set_fl1(fl1_of(*x.copy));
    e->set_fl2(fl2_of(*x.copy));
  }
}

void replay_recorder::record(const std::string& station, const station_event& event, double at) {
  using K = ReplayEvent;
  // an event of a channel, with its message and serial where it names them
  const auto plain = [&](K::Kind kind, const auto& x) {
    auto* e = add(station, kind, at, event);
    if (!e) return e;
    if constexpr (requires { x.channel; }) e->set_channel(x.channel);
    if constexpr (requires { x.message_id; }) e->set_message_id(x.message_id);
    return e;
  };
  std::visit(overloaded{
                 [&](const service_sent& x) { service(station, x, at, event); },
                 [&](const reject_copy& x) { refused(station, x, at, event); },
                 [&](const transmission_started& x) { started(station, x, at, event); },
                 [&](const transmission_received& x) { received(station, x, at, event); },
                 [&](const copy_delivered& x) { delivered(station, x, at, event); },
                 [&](const cable_filed& x) {
                   if (auto* e = plain(K::FILED, x)) {
                     e->set_precedence(x.precedence);
                     e->set_fl2(x.routing_line);
                   }
                 },
                 [&](const copy_relayed& x) {
                   if (auto* e = plain(K::QUEUED, x)) {
                     e->set_channel(x.via);
                     e->set_precedence(x.precedence);
                   }
                 },
                 [&](const copy_rerouted& x) {
                   if (auto* e = plain(K::QUEUED, x)) e->set_channel(x.via);
                 },
                 [&](const transmission_ended& x) {
                   if (auto* e = plain(K::END, x)) e->set_serial(x.serial);
                 },
                 [&](const transmission_cancelled& x) {
                   if (auto* e = plain(K::CANCEL, x)) {
                     e->set_precedence(x.precedence);
                     e->set_serial(x.serial);
                   }
                 },
                 [&](const transmission_acknowledged& x) {
                   if (auto* e = plain(K::ACK, x)) e->set_serial(x.serial);
                 },
                 [&](const queue_changed& x) {
                   if (auto* e = plain(K::QUEUE, x))
                     for (const auto d : x.depth) e->add_queue(d);
                 },
                 [&](const channel_changed& x) { plain(K::CHANNEL, x); },
                 [&](const cancel_received& x) { plain(K::OTHER, x); },
                 [&](const open_number& x) { plain(K::SERVICE, x); },
                 [&](const continuity_sent& x) { plain(K::SERVICE, x); },
                 [&](const rerun_asked& x) { plain(K::SERVICE, x); },
                 [&](const copy_rerun& x) { plain(K::SERVICE, x); },
                 [&](const duplicate_dropped& x) { plain(K::SERVICE, x); },
                 [&](const misroute_found& x) { plain(K::SERVICE, x); },
                 [&](const arrangement_changed& x) {
                   if (auto* e = plain(K::SERVICE, x)) e->set_channel(x.neighbour);
                 },
                 [&](const serial_withdrawn&) {},  // the replay shows the channel coming up
                 [&](const serials_restarted&) {},
             },
             event);
}

}  // namespace cablesim::sim
