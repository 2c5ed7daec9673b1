#pragma once
// The sans-I/O station: given a filing, an incoming transmission, an acknowledgment, a cancel,
// the end of a transmission or a channel going up or down, it decides (core/decision.hpp).
//
// It owns, per outgoing channel, a precedence queue, the channel serial numbers and the
// transmission in progress (for preemption); per incoming channel, the continuity check; and for
// the station, station serial numbers, duplicate detection and service messages. It never does
// I/O: the runtime carries out the commands, writes the journal batch and reports back.

#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cablesim/core/decision.hpp"
#include "cablesim/core/dtg.hpp"
#include "cablesim/core/errors.hpp"
#include "cablesim/core/precedence_queue.hpp"
#include "cablesim/core/routing.hpp"
#include "cablesim/core/seen.hpp"
#include "cablesim/core/topology.hpp"
#include "cablesim/wire.pb.h"

namespace cablesim {

/// The outcome of filing a cable at a post.
struct filing_outcome {
  bool ok = false;
  std::string message_id;
  std::error_code code;  // why it was refused (errc)
  std::string error;     // the same for people, with specifics (file:line:col for bad text)
  Precedence precedence = ROUTINE;
  std::vector<std::string> addressees;  // addressee station RIs, collectives expanded
  std::vector<std::string> refused;     // filed, but refused at once for these: "RI: why"
};

/// Channel serials run 1..9999 and wrap.
constexpr uint32_t max_channel_serial = 9999;

class station {
 public:
  station(const topology& topo, std::string ri);

  const std::string& ri() const { return ri_; }

  /// A post files a cable: a draft (no FL3) is completed with station serial, filing time and
  /// DTG from `now`; a complete cable keeps them. FL2 is rebuilt from its TO and INFO
  /// addressees. Then it is segregated and queued like any other.
  filing_outcome file(Cable cable, sim_time now, decision& out);

  /// A transmission arrived from a neighbour. Its cable is taken (`t` is left without one).
  void receive(std::string_view from, Transmission&& t, sim_time now, decision& out);
  /// Whoever parses every frame into one message (a link does) asks here for a cable to parse the
  /// next one into: `into`, when it has no cable, gets that of a copy acknowledged downstream,
  /// cleared, whose sub-messages and buffers the parse reuses instead of allocating a tree for
  /// every cable. The station keeps as many as it has been asked for when it had none, up to 64:
  /// one that is never asked (in the virtual-time engine, which makes a frame for every
  /// delivery) keeps none.
  void lend_spare(Transmission& into);
  /// Cleared cables kept for lend_spare().
  std::size_t spare_cables() const { return spare_.size(); }
  /// Whoever carries out start_transmission hands back the frame of the transmission before on
  /// that channel once it is done with it: the next start_transmission's frame is made in it (its
  /// path's strings reused, where a new frame allocated three pieces a relayed cable).
  void recycle_frame(Transmission&& frame);
  /// The neighbour has taken the transmission in charge.
  void acknowledged(std::string_view channel, uint32_t serial, sim_time now, decision& out);
  /// The continuity watch on the channel from `peer` is due (see watch_channel).
  void channel_watch(std::string_view peer, sim_time now, decision& out);
  /// A ZID or ZIC from a neighbour.
  void continuity_received(std::string_view from, const Continuity& c, sim_time now, decision& out);
  /// The neighbour asks for transmissions first..last again.
  void rerun_requested(std::string_view from, uint32_t first, uint32_t last, sim_time now, decision& out);
  /// The neighbour cancelled a transmission it had started: its serial is used, not open.
  void cancelled_by_sender(std::string_view from, uint32_t serial, sim_time now, decision& out);
  /// The line time of the transmission in progress has run out and its frame went out.
  void transmission_done(std::string_view channel, uint32_t serial, sim_time now, decision& out);
  /// The copy on the line to a neighbour under this serial, if it is still in progress.
  const Cable* on_line(std::string_view channel, uint32_t serial) const;
  /// The channel to a neighbour came up (connected and authenticated) or went down.
  void channel_up(std::string_view channel, sim_time now, decision& out);
  void channel_down(std::string_view channel, sim_time now, decision& out);

  /// Say what a journal must keep (the decision's journal batch); off by
  /// default, so that a station without a journal copies nothing for one.
  void keep_journal(bool on) { journalled_ = on; }
  /// Say what happens to every cable that goes well (transmission_received, copy_relayed,
  /// queue_changed, transmission_started, transmission_ended, an expected transmission_acknowledged);
  /// on by default.
  /// A station that no one watches leaves them out: they are the most of its events, and each
  /// copies a cable's identity and label. What carries out its decisions and every fault it
  /// meets are said either way.
  void tell_routine(bool on) { telling_routine_ = on; }

  /// Take back what a journal kept: a copy that was in this station's charge, and the
  /// (message, RI) pairs already handled. Call before the channels come up.
  void restore(const std::string& channel, queued_copy copy);
  void restore_seen(std::string key);
  /// Take back a counter (journal_counter): numbering goes on from where it was.
  void restore_counter(const counter_key& key, uint64_t value);

  /// Nothing queued, in progress or awaiting acknowledgment on any channel.
  bool idle() const;
  /// Transmissions sent on a channel that is up and never acknowledged: lost on the line,
  /// unless the receiver's continuity check finds them.
  bool awaiting_acknowledgment() const;
  /// Copies waiting on a channel (not counting the one in progress).
  std::size_t queued(std::string_view channel) const;
  bool channel_is_up(std::string_view channel) const;

 private:
  struct in_progress {
    // (made in place in its channel, from the queue: the cable is moved once)
    in_progress(queued_copy&& c, sim_time at) : copy(std::move(c)), started(at) {}
    queued_copy copy;
    uint32_t serial = 0;
    sim_time started;
    sim_duration line_time{};
    std::size_t characters = 0;
  };
  struct out_channel {
    std::string peer;
    const Link* link = nullptr;
    std::string designator;
    bool up = false;
    bool failed = false;  // was up and went down: route around it
    precedence_queue queue;
    std::optional<in_progress> current;
    std::map<uint32_t, queued_copy> unacked;
    std::vector<uint32_t> withdrawn;  // serials taken back when the channel failed: cancelled when it is up
    uint32_t last_serial = 0;
    int serial_day = -1;                       // the day (UTC) of last_serial: serials restart daily
    std::array<uint32_t, 6> reported_depth{};  // the queue as last reported (queue_changed)
    uint64_t queued_peak = 0;                  // the most copies waiting on all channels at once since this one came up
    sim_time last_done{};                      // the end of the last transmission
    uint32_t told = 0;                         // the serial last told unasked (ZIC)
  };
  struct in_channel {
    std::string designator;    // the sender's, in the FL1 of what comes in on it
    uint32_t last_serial = 0;  // 0 = nothing received yet
    uint32_t checked = 0;      // the last serial a check confirmed: nothing came since, no check
    sim_time last_heard{};     // the last transmission (or check) from the neighbour
    bool watching = false;     // a continuity watch is set
    uint64_t taken = 0;        // transmissions taken in charge on it (never restarts)
  };
  /// How long a channel may be silent before its receiver checks it (ZID).
  sim_duration continuity_silence() const;
  /// The last serial sent whole (or cancelled) on a channel: not the one still on the line.
  static uint32_t completed_serial(const out_channel& ch);
  /// Check a channel in both directions after a silence (channel_watch).
  void check_incoming(in_channel& in, const std::string& peer, sim_time now, decision& out);
  void check_outgoing(out_channel& ch, sim_time now, decision& out);
  /// Report the open numbers first..last and ask for them again.
  void open_numbers(std::string_view from, uint32_t first, uint32_t last, decision& out);

  /// Segregate and dispatch a cable at this station (it is taken); `from` is empty for a
  /// filing here. `text_characters`: as the Transmission carried them (0 = count them when
  /// transmitting).
  void handle(Cable&& cable, std::string_view from, std::vector<std::string> path, std::size_t text_characters,
              sim_time now, decision& out);
  /// The same, with the cable's message identity and label already made (receive() made them;
  /// an empty label is made where an action names the cable: a station no one watches names
  /// few), and `arrival`, its number among those taken in charge on the channel from `from`
  /// (0: none).
  void handle(std::unique_ptr<Cable> cable, const std::string& id, const std::string& label, std::string_view from,
              std::vector<std::string> path, std::size_t text_characters, uint64_t arrival, sim_time now,
              decision& out);
  /// Take the RIs of FL2 that this station has not handled for this message before; the others
  /// are a suspected duplicate. False when none is left.
  bool keep_fresh(Cable& cable, const std::string& id, const std::string& label, decision& out);
  /// At a relay, take the RIs not in its tables out of FL2 and return them (INV).
  std::vector<std::string> take_unknown_ris(Cable& cable) const;
  /// Number and date a draft, and give it its precedence and security line.
  void complete_draft(Cable& cable, sim_time now, decision& out);
  /// The addressee stations of a cable (collectives expanded); addresses with no RI in `unknown`.
  std::vector<std::string> addressee_stations(const Cable& cable, std::vector<std::string>& unknown) const;
  void enqueue(out_channel& ch, queued_copy&& copy, sim_time now, decision& out);
  void pump(out_channel& ch, sim_time now, decision& out);
  void reroute(out_channel& ch, std::deque<queued_copy> copies, sim_time now, decision& out);
  void advance_continuity(std::string_view from, uint32_t serial, decision& out);
  /// Refuse `ris` for `reason` and tell the originator (ZEQ4 for an invalid RI or no route,
  /// ZEQ otherwise); with no reason, only tell it that its RI was wrong (ZEQ3, misroute).
  void send_service(const Cable& about, const std::vector<std::string>& ris, std::optional<refusal> reason,
                    const std::string& detail, sim_time now, decision& out);
  void report_queue(out_channel& ch, decision& out);
  /// Refuse the whole cable, every RI of its FL2, and tell the originator.
  void refuse_whole(const Cable& cable, refusal why, const std::string& detail, sim_time now, decision& out);
  /// Forward a copy whose addressees carry this station's RI but not its address; true when
  /// nothing is left to deliver here.
  bool forward_misrouted(const Cable& cable, const RoutingLine& received, const std::vector<std::string>& path,
                         sim_time now, decision& out);
  /// Put a pilot (ZOV <RI>, ZFD) before the cable's heading; `before` is the FL2 it keeps.
  static void add_pilot(Cable& cable, const std::string& signals, const RoutingLine& before);
  /// A copy sent again after a failure or a restart goes as a suspected duplicate (ZFD pilot).
  static void mark_suspect(queued_copy& q);
  void number(Cable& cable, sim_time now, decision& out);
  /// Keep an acknowledged copy's cable, cleared, for lend_spare(), if it is wanted.
  void recycle(std::unique_ptr<Cable> cable);
  down_set failed_channels() const;
  /// The rules a copy is routed by here: around failed channels, never straight back to
  /// `from`, and by an alternate only where a neighbour agreed to carry it (ZOE).
  route_rules rules(const down_set& down, std::string_view from) const;
  /// Note the RIs of copies held for a failed channel, and ask neighbours to carry them (ZOE).
  void note_held(const segregation& seg, sim_time now, decision& out);
  void seek_alternates(sim_time now, decision& out);
  /// Send a ZOE service message to a neighbour, at precedence `p`.
  void send_zoe(const std::string& to, const zoe_message& m, Precedence p, const std::string& waits_on, sim_time now,
                decision& out);
  /// A ZOE service message from a neighbour.
  void zoe_received(std::string_view from, const zoe_message& m, Precedence p, sim_time now, decision& out);
  /// The channel to `peer` is back: the arrangements for the traffic held for it end (ZOE CNCL),
  /// and neighbours that declined may be asked again.
  void end_arrangements(const std::string& peer, sim_time now, decision& out);
  /// Route again the copies held on failed channels (an arrangement was agreed).
  void release_held(sim_time now, decision& out);
  /// Whether a neighbour that asks this station to carry traffic for `ri` can have it: a route
  /// that does not lead back to it.
  bool can_carry_for(std::string_view asker, const std::string& ri) const;
  out_channel* channel(std::string_view peer);
  const out_channel* channel(std::string_view peer) const;
  in_channel* incoming(std::string_view peer);

  /// An alternate-route arrangement (ZOE) for traffic to one RI whose channel is down.
  struct arrangement {
    std::string waits_on;            // the failed channel the traffic is held for
    Precedence highest = ROUTINE;    // of the traffic held
    std::string asked;               // the neighbour asked, till it answers
    std::string agreed;              // the neighbour that carries it meanwhile
    std::set<std::string> declined;  // neighbours that cannot, till a channel comes up
  };
  std::map<std::string, arrangement, std::less<>> arrangements_;  // by RI

  const topology& topo_;
  std::string ri_;
  const Station* self_ = nullptr;
  routing_table routes_;
  std::map<std::string, out_channel, std::less<>> out_;
  // the last channel() found (a map's elements stay where they are)
  mutable const out_channel* last_channel_ = nullptr;
  std::map<std::string, in_channel, std::less<>> in_;
  // likewise, the last incoming() found
  std::pair<const std::string, in_channel>* last_incoming_ = nullptr;
  seen_pairs seen_;  // (message id, RI) pairs already handled here
  uint32_t last_ssn_ = 0;
  uint32_t ssn_cycle_ = 0;  // wraps of the station serial within the day
  int ssn_day_ = -1;
  uint64_t last_journal_id_ = 0;
  bool journalled_ = false;
  bool telling_routine_ = true;
  uint64_t queued_ = 0;  // copies waiting on all channels, as the queue_changed events tell it
  /// cleared cables of acknowledged copies, for lend_spare() (recycle())
  std::vector<std::unique_ptr<Cable>> spare_;
  std::size_t spare_wanted_ = 0;  // how many to keep: the times lend_spare() found none (at most 64)
  Transmission spare_frame_;      // recycle_frame(), cleared, for the next start_transmission
};

}  // namespace cablesim
