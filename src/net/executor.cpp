#include "cablesim/net/executor.hpp"

#include <fstream>

#include "cablesim/core/acp127.hpp"
#include "cablesim/net/frame.hpp"

namespace cablesim::net {

station_executor::station_executor(const topology& topo, std::string ri, station_environment& env,
                                   action_observer observe)
    : ri_(std::move(ri)), core_(topo, ri_), env_(env), observe_(std::move(observe)) {
  core_.tell_routine(static_cast<bool>(observe_));
}

void station_executor::use_journal(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  journal_ = std::make_unique<store::journal>(dir / (ri_ + ".journal"));
  core_.keep_journal(true);
  auto kept = journal_->load();
  for (auto& key : kept.seen) core_.restore_seen(std::move(key));
  for (const auto& [name, value] : kept.counters) core_.restore_counter(name, value);
  for (auto& [channel, copy] : kept.pending) core_.restore(channel, std::move(copy));
  restored_ = kept.pending.size();
}

template <class Decide>
void station_executor::act(Decide&& decide) {
  // action lists are reused: most are a few large variants, and allocating them afresh for
  // every frame showed in profiles
  station_actions out;
  if (!spare_.empty()) {
    out = std::move(spare_.back());
    spare_.pop_back();
  }
  // one reading of the clock for a decision and what carries it out (a relayed cable takes three
  // decisions, and a reading took 29 ns on the kvm-clock machine this was measured on)
  const auto now = env_.now();
  decide(out, now);
  apply(out, now);
  out.clear();
  spare_.push_back(std::move(out));
}

filing_outcome station_executor::file(Cable cable) {
  filing_outcome outcome;
  act([&](station_actions& out, sim_time now) { outcome = core_.file(std::move(cable), now, out); });
  return outcome;
}

bool station_executor::on_frame(const std::string& from, Envelope&& e) {
  switch (e.kind_case()) {
    case Envelope::kTransmission:
      act([&](station_actions& out, sim_time now) {
        core_.receive(from, std::move(*e.mutable_transmission()), now, out);
      });
      return true;
    case Envelope::kAck:
      act([&](station_actions& out, sim_time now) { core_.acknowledged(from, e.ack().channel_serial(), now, out); });
      return true;
    case Envelope::kCancel:
      act([&](station_actions& out, sim_time now) {
        core_.cancelled_by_sender(from, e.cancel().channel_serial(), now, out);
      });
      return true;
    case Envelope::kContinuity:
      act([&](station_actions& out, sim_time now) { core_.continuity_received(from, e.continuity(), now, out); });
      return true;
    case Envelope::kRerun:
      act([&](station_actions& out, sim_time now) {
        core_.rerun_requested(from, e.rerun().first(), e.rerun().last(), now, out);
      });
      return true;
    default: return false;
  }
}

void station_executor::reuse(Envelope& frame) {
  if (frame.has_transmission()) core_.lend_spare(*frame.mutable_transmission());
}

void station_executor::channel_up(const std::string& peer) {
  act([&](station_actions& out, sim_time now) { core_.channel_up(peer, now, out); });
}

void station_executor::channel_down(const std::string& peer) {
  act([&](station_actions& out, sim_time now) { core_.channel_down(peer, now, out); });
}

void station_executor::write_inbox(const deliver_copy& d) {
  std::error_code ec;
  std::filesystem::create_directories(*inbox_, ec);
  // A second delivery of the same message never overwrites the first: duplicates stay visible.
  // With a journal, the station delivers a message once, so a copy already in the inbox was
  // written just before a crash that kept the journal from recording it: it is not written again.
  auto path = *inbox_ / (d.message_id + ".txt");
  if (journal_ && std::filesystem::exists(path)) return;
  for (int n = 2; std::filesystem::exists(path); ++n)
    path = *inbox_ / (d.message_id + "." + std::to_string(n) + ".txt");
  std::ofstream out(path, std::ios::binary);
  out << acp127::render(d.copy);
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void station_executor::send_transmission(const std::string& peer, Envelope& frame) {
  auto* t = frame.mutable_transmission();
  const Cable* cable = core_.on_line(peer, t->channel_serial());
  if (!cable) return;
  // The frame borrows the station's copy for as long as it takes to send it: no copy of the
  // cable is made for the wire (the release gives it back, even if the send throws). Its body
  // goes beside it (frame.hpp), and back.
  t->unsafe_arena_set_allocated_cable(const_cast<Cable*>(cable));
  swap_cable_body(*t);
  struct give_back {
    Transmission& t;
    ~give_back() {
      swap_cable_body(t);
      t.unsafe_arena_release_cable();
    }
  } lent{*t};
  env_.send(peer, frame);
}

void station_executor::apply(station_actions& actions, sim_time now) {
  // Copies delivered here are in the inbox, and what the decision must keep is on the disk,
  // before anything it sends goes out (the acknowledgment that takes a copy in charge).
  if (inbox_)
    for (const auto& a : actions)
      if (const auto* d = std::get_if<deliver_copy>(&a)) write_inbox(*d);
  if (journal_) journal_->write(actions);
  for (auto& a : actions) {
    if (observe_) observe_(ri_, a, now);
    if (auto* x = std::get_if<start_transmission>(&a)) {
      // The line is held once, and its end runs once: the frame waits for it in its channel's
      // place, which the end names (a pointer where a copy of the frame and the peer's name
      // cost a std::function an allocation and moves of the frame every transmission).
      auto* line = &*on_line_.try_emplace(x->channel).first;
      line->second.mutable_transmission()->Swap(&x->frame);
      core_.recycle_frame(std::move(x->frame));  // the frame before on the line, done with
      env_.hold_line(x->channel, x->line_time, [this, line] {
        const auto& peer = line->first;
        const auto serial = line->second.transmission().channel_serial();
        send_transmission(peer, line->second);
        act([&](station_actions& out, sim_time now) { core_.transmission_done(peer, serial, now, out); });
      });
    } else if (const auto* c = std::get_if<cancel_transmission>(&a)) {
      env_.release_line(c->channel);
      Envelope e;
      e.mutable_cancel()->set_channel_serial(c->serial);
      env_.send(c->channel, std::move(e));
    } else if (const auto* cs = std::get_if<cancel_serial>(&a)) {
      Envelope e;
      e.mutable_cancel()->set_channel_serial(cs->serial);
      env_.send(cs->channel, std::move(e));
    } else if (const auto* w = std::get_if<watch_channel>(&a)) {
      env_.set_alarm("continuity " + w->channel, w->after, [this, peer = w->channel] {
        act([&](station_actions& out, sim_time now) { core_.channel_watch(peer, now, out); });
      });
    } else if (const auto* z = std::get_if<send_continuity>(&a)) {
      Envelope e;
      e.mutable_continuity()->set_last_serial(z->last_serial);
      e.mutable_continuity()->set_answer(z->answer);
      env_.send(z->channel, std::move(e));
    } else if (const auto* r = std::get_if<send_rerun>(&a)) {
      Envelope e;
      e.mutable_rerun()->set_first(r->first);
      e.mutable_rerun()->set_last(r->last);
      env_.send(r->channel, std::move(e));
    } else if (const auto* k = std::get_if<send_ack>(&a)) {
      ack_frame_.mutable_ack()->set_channel_serial(k->serial);
      env_.send(k->channel, ack_frame_);
    }
  }
}

}  // namespace cablesim::net
