#pragma once
// Carries out what a core station decides, the same way whatever runs it: a `cablesim node` in
// real time, or a station of `cablesim run` in virtual time over TCP or in memory. What differs
// between those is only the station's environment: its clock, how a line is held for a
// transmission's line time, and how a frame reaches a neighbour.

#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "cablesim/core/station.hpp"
#include "cablesim/store/journal.hpp"
#include "cablesim/wire.pb.h"

namespace cablesim::net {

/// What a station's surroundings do for it.
class station_environment {
 public:
  virtual ~station_environment() = default;
  /// Simulated time now.
  virtual sim_time now() const = 0;
  /// Hold the line to `channel` for `line_time`, then call `done`, unless released first or held
  /// again (the executor keeps one transmission's frame per channel, for the `done` it passes).
  virtual void hold_line(const std::string& channel, sim_duration line_time, std::function<void()> done) = 0;
  /// Release the line held on `channel` without calling its `done` (the transmission was cancelled).
  virtual void release_line(const std::string& channel) = 0;
  /// Send a frame to a neighbour; it arrives one propagation delay later. A frame for a
  /// neighbour with no connection is dropped: the core station learns of the channel going down.
  /// The frame is read during the call: an environment that sends it later keeps a copy.
  virtual void send(const std::string& channel, const Envelope& frame) = 0;
  /// Call `fn` after `after`, unless the alarm `name` is set again first (a station's periodic
  /// check, such as the continuity watch on a channel: it never keeps a run going by itself).
  virtual void set_alarm(const std::string& name, sim_duration after, std::function<void()> fn) = 0;

  // Group commit, for a station with a durable journal (station_executor::use_journal with a
  // directory): only an environment that runs one overrides these.
  /// Run `fn` on the station's thread soon, after the handlers ready now (the frames a read
  /// brought, the ends of transmissions); may be called from any thread.
  virtual void run_soon(std::function<void()> fn) {
    (void)fn;
    throw std::logic_error("this station's environment keeps no durable journal");
  }
  /// Frames sent from now on wait in their links, unwritten...
  virtual void hold_sends() {}
  /// ...those sent so far are marked...
  virtual void mark_sends() {}
  /// ...and those marked may go (the commit that holds what they depend on is on the disk)...
  virtual void release_marked() {}
  /// ...or all of them, and those sent from now on (all that was decided is on the disk).
  virtual void release_sends() {}
};

/// Every event of a station's decisions, as it decides them: the trace, the report and the logs
/// are made from these.
using event_observer = std::function<void(const std::string& station, const station_event&, sim_time)>;

/// One station: the core station, carried out in an environment.
class station_executor {
 public:
  station_executor(const topology& topo, std::string ri, station_environment& env, event_observer observe);

  /// Keep a journal in `dir` (created if needed) and take back what it holds. Call before any
  /// channel comes up. Throws std::runtime_error when the journal cannot be opened.
  ///
  /// Group commit: the journal entries of every decision go into the next commit, one
  /// transaction and one fsync, written on a thread of its own while the station goes on
  /// deciding; the commit after it holds all that was decided meanwhile. From the first entry
  /// that waits, frames wait in their links (hold_sends): a frame goes only when every decision
  /// made before it was sent is on the disk (mark_sends at a commit's start, release_marked at its
  /// end), least of all the acknowledgment that takes a copy in charge. A commit that fails
  /// throws store::journal_error (on the station's thread, from run_soon), and what waited is
  /// never sent.
  void use_journal(const std::filesystem::path& dir);
  /// Keep the journal in `image` (which outlives this executor) and take back what it holds: a
  /// station of the virtual-time network started again after a stop.
  void use_journal(journal_image& image);
  /// Write each delivered copy, as cable text, to DIR/<RI>/.
  void use_inbox(const std::filesystem::path& dir) { inbox_ = dir / ri_; }
  /// Whether the observer hears what happens to every cable that goes well (station::tell_routine):
  /// by default when there is an observer. A node that logs only warnings and serves no metrics
  /// turns it off.
  void tell_routine(bool on) { core_.tell_routine(on); }

  /// File a cable here (a draft or a complete cable). With a journal, what it keeps is committed
  /// before this returns.
  filing_outcome file(Cable cable);
  /// A frame from a neighbour on an open link: a transmission, an acknowledgment or a cancel.
  /// Returns false for any other kind (the caller closes the link). A transmission's cable is
  /// taken.
  bool on_frame(const std::string& from, Envelope&& frame);
  /// A link that parses every frame into one envelope: after a transmission, put in it a cable for
  /// the next frame to be parsed into (station::lend_spare).
  void reuse(Envelope& frame);
  void channel_up(const std::string& peer);
  void channel_down(const std::string& peer);

  const std::string& ri() const { return ri_; }
  station& core() { return core_; }
  const station& core() const { return core_; }
  /// How many journalled copies were taken back at start-up.
  std::size_t restored() const { return restored_; }
  /// Commits of the durable journal so far, and the entries they held.
  uint64_t commits() const { return commits_; }
  uint64_t committed_entries() const { return committed_entries_; }

 private:
  /// Let the core decide, then keep, tell and carry out what it decided.
  template <class Decide>
  void act(Decide&& decide);
  void apply(decision& d, sim_time now);
  /// Keep a decision's journal entries: in the image, or in the durable journal's next commit.
  void keep(std::vector<journal_entry>& entries);
  /// Start the next commit of the durable journal, unless one is under way or nothing waits.
  void begin_commit();
  /// Commit number `commit` has ended.
  void committed(uint64_t commit, std::exception_ptr error);
  /// Commit all that waits, and wait for it.
  void commit();
  void start(start_transmission& x);
  void send_cancel(const std::string& peer, uint32_t serial);
  /// Send the transmission whose line time has run: the frame, and the station's copy on the line.
  void send_transmission(const std::string& peer, Envelope& frame);
  void write_inbox(const deliver_copy& d);
  void restore(const journal_contents& kept);

  std::string ri_;
  station core_;
  station_environment& env_;
  event_observer observe_;
  bool journalled_ = false;  // a durable journal
  journal_image* image_ = nullptr;
  std::optional<std::filesystem::path> inbox_;
  std::size_t restored_ = 0;
  std::vector<decision> spare_;  // cleared decisions, kept for their lists' capacity
  std::unique_ptr<store::journal_committer> committer_;
  std::vector<journal_entry> batch_;  // for the durable journal's next commit
  bool committing_ = false;           // a commit is under way
  uint64_t commits_ = 0, committed_entries_ = 0;
  /// The transmission on each channel's line, till its line time has run (its cable lent to it
  /// for the send); one per channel, kept with its messages for the next.
  std::map<std::string, Envelope, std::less<>> on_line_;
  Envelope ack_frame_;  // kept with its message, for every acknowledgment
};

}  // namespace cablesim::net
