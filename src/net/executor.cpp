#include "cablesim/net/executor.hpp"

#include <fstream>

#include "cablesim/core/acp127.hpp"
#include "cablesim/net/frame.hpp"

namespace cablesim::net {

station_executor::station_executor(const topology& topo, std::string ri, station_environment& env,
                                   event_observer observe)
    : ri_(std::move(ri)), core_(topo, ri_), env_(env), observe_(std::move(observe)) {
  core_.tell_routine(static_cast<bool>(observe_));
}

void station_executor::use_journal(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  auto journal = std::make_unique<store::journal>(dir / (ri_ + ".journal"));
  restore(journal->load());
  journalled_ = true;
  committer_ = std::make_unique<store::journal_committer>(std::move(journal));
}

void station_executor::use_journal(journal_image& image) {
  image_ = &image;
  restore(image.contents());
}

void station_executor::restore(const journal_contents& kept) {
  core_.keep_journal(true);
  for (const auto& key : kept.seen) core_.restore_seen(key);
  for (const auto& [key, value] : kept.counters) core_.restore_counter(key, value);
  for (const auto& [channel, copy] : kept.pending) core_.restore(channel, copy);
  restored_ = kept.pending.size();
}

template <class Decide>
void station_executor::act(Decide&& decide) {
  // decisions are reused, for their lists' capacity
  decision out;
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
  act([&](decision& out, sim_time now) { outcome = core_.file(std::move(cable), now, out); });
  commit();  // the answer to the filing says "taken in charge": the commit that holds it comes first
  return outcome;
}

void station_executor::keep(std::vector<journal_entry>& entries) {
  if (image_) image_->apply(entries);
  if (!committer_ || entries.empty()) return;
  if (batch_.empty() && !committing_) {
    env_.hold_sends();
    env_.run_soon([this] { begin_commit(); });
  }
  std::move(entries.begin(), entries.end(), std::back_inserter(batch_));
}

void station_executor::begin_commit() {
  if (committing_ || batch_.empty()) return;
  env_.mark_sends();  // what was sent so far goes when this commit is on the disk
  committing_ = true;
  committed_entries_ += batch_.size();
  committer_->begin(std::exchange(batch_, {}), [this, n = ++commits_](std::exception_ptr error) {
    env_.run_soon([this, n, error] { committed(n, error); });
  });
}

void station_executor::committed(uint64_t commit, std::exception_ptr error) {
  if (!committing_ || commit != commits_) return;  // waited for already (file)
  committing_ = false;
  if (error) std::rethrow_exception(error);  // journal_error: what waited is never sent
  env_.release_marked();
  if (batch_.empty())
    env_.release_sends();  // all that was decided is on the disk
  else
    begin_commit();  // what was decided meanwhile
}

void station_executor::commit() {
  while (committing_ || !batch_.empty()) {
    begin_commit();
    committed(commits_, committer_->wait());
  }
}

bool station_executor::on_frame(const std::string& from, Envelope&& e) {
  switch (e.kind_case()) {
    case Envelope::kTransmission:
      act([&](decision& out, sim_time now) { core_.receive(from, std::move(*e.mutable_transmission()), now, out); });
      return true;
    case Envelope::kAck:
      act([&](decision& out, sim_time now) { core_.acknowledged(from, e.ack().channel_serial(), now, out); });
      return true;
    case Envelope::kCancel:
      act([&](decision& out, sim_time now) { core_.cancelled_by_sender(from, e.cancel().channel_serial(), now, out); });
      return true;
    case Envelope::kContinuity:
      act([&](decision& out, sim_time now) { core_.continuity_received(from, e.continuity(), now, out); });
      return true;
    case Envelope::kRerun:
      act([&](decision& out, sim_time now) {
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
  act([&](decision& out, sim_time now) { core_.channel_up(peer, now, out); });
}

void station_executor::channel_down(const std::string& peer) {
  act([&](decision& out, sim_time now) { core_.channel_down(peer, now, out); });
}

void station_executor::write_inbox(const deliver_copy& d) {
  std::error_code ec;
  std::filesystem::create_directories(*inbox_, ec);
  // A second delivery of the same message never overwrites the first: duplicates stay visible.
  // With a journal, the station delivers a message once, so a copy already in the inbox was
  // written just before a crash that kept the journal from recording it: it is not written again.
  auto path = *inbox_ / (d.message_id + ".txt");
  if (journalled_ && std::filesystem::exists(path)) return;
  for (int n = 2; std::filesystem::exists(path); ++n)
    path = *inbox_ / (d.message_id + "." + std::to_string(n) + ".txt");
  std::ofstream out(path, std::ios::binary);
  out << acp127::render(*d.copy);
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

void station_executor::apply(decision& d, sim_time now) {
  // Copies delivered here are in the inbox, and what the decision must keep is kept, before
  // anything it sends goes out (the acknowledgment that takes a copy in charge): a journal's
  // next commit holds it, and until then every frame waits in its link (group commit).
  if (inbox_)
    for (const auto& c : d.commands)
      if (const auto* x = std::get_if<deliver_copy>(&c)) write_inbox(*x);
  keep(d.journal);
  if (observe_)
    for (const auto& e : d.events) observe_(ri_, e, now);
  for (auto& c : d.commands)
    std::visit(overloaded{
                   [&](start_transmission& x) { start(x); },
                   [&](const cancel_transmission& x) {
                     env_.release_line(x.channel);
                     send_cancel(x.channel, x.serial);
                   },
                   [&](const cancel_serial& x) { send_cancel(x.channel, x.serial); },
                   [&](const send_ack& x) {
                     ack_frame_.mutable_ack()->set_channel_serial(x.serial);
                     env_.send(x.channel, ack_frame_);
                   },
                   [&](const deliver_copy&) {},  // in the inbox already, above
                   [&](const watch_channel& x) {
                     env_.set_alarm("continuity " + x.channel, x.after, [this, peer = x.channel] {
                       act([&](decision& out, sim_time now) { core_.channel_watch(peer, now, out); });
                     });
                   },
                   [&](const send_continuity& x) {
                     Envelope e;
                     e.mutable_continuity()->set_last_serial(x.last_serial);
                     e.mutable_continuity()->set_answer(x.answer);
                     e.mutable_continuity()->set_channel_designator(x.designator);
                     env_.send(x.channel, std::move(e));
                   },
                   [&](const send_rerun& x) {
                     Envelope e;
                     e.mutable_rerun()->set_first(x.first);
                     e.mutable_rerun()->set_last(x.last);
                     env_.send(x.channel, std::move(e));
                   },
               },
               c);
}

void station_executor::send_cancel(const std::string& peer, uint32_t serial) {
  Envelope e;
  e.mutable_cancel()->set_channel_serial(serial);
  env_.send(peer, std::move(e));
}

void station_executor::start(start_transmission& x) {
  // The line is held once, and its end runs once: the frame waits for it in its channel's
  // place, which the end names.
  auto* line = &*on_line_.try_emplace(x.channel).first;
  line->second.mutable_transmission()->Swap(&x.frame);
  core_.recycle_frame(std::move(x.frame));  // the frame before on the line, done with
  env_.hold_line(x.channel, x.line_time, [this, line] {
    const auto& peer = line->first;
    const auto serial = line->second.transmission().channel_serial();
    send_transmission(peer, line->second);
    act([&](decision& out, sim_time now) { core_.transmission_done(peer, serial, now, out); });
  });
}

}  // namespace cablesim::net
