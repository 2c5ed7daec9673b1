#pragma once
// The sans-I/O station: given a filing, an incoming transmission, an acknowledgment, a cancel,
// the end of a transmission or a channel going up or down, it decides and returns actions.
//
// It owns, per outgoing channel, a precedence queue, the channel serial numbers and the
// transmission in progress (for preemption); per incoming channel, the continuity check; and for
// the station, station serial numbers, duplicate detection and service messages. It never does
// I/O: the net layer carries out the actions and reports back.

#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cablesim/core/dtg.hpp"
#include "cablesim/core/errors.hpp"
#include "cablesim/core/precedence_queue.hpp"
#include "cablesim/core/routing.hpp"
#include "cablesim/core/seen.hpp"
#include "cablesim/core/topology.hpp"
#include "cablesim/wire.pb.h"

namespace cablesim {

// A station's output is one list of actions, in the order it decided them. Some are commands
// that whoever runs the station carries out (transmit, cancel, acknowledge, deliver, journal);
// the rest are typed events that only tell what happened (for the trace, the report and the
// logs, which are formatted from them above core). Core never writes prose.

/// Start transmitting a copy: hold the line for line_time, then send the frame.
struct start_transmission {
  std::string channel;  // the neighbour's RI
  Transmission frame;   // all but the cable
  /// The copy on the line, lent by the station, not copied: read it before the station's next
  /// event. The executor sends it when the line time has run, from station::on_line().
  const Cable* cable = nullptr;
  sim_duration line_time{0};
  // These four are for those who watch (station::tell_routine): a station no one watches leaves
  // them out, but for the characters on a paced line, whose line time they give
  std::size_t characters = 0;  // of the copy as transmitted
  std::string designator;      // the channel designator in its FL1
  std::string message_id;
  std::string label;  // how a student recognises the cable: "RUEHRO #1919"
};

/// Interrupt the transmission in progress on a channel; its serial is used up.
struct cancel_transmission {
  std::string channel;
  uint32_t serial = 0;
  std::string message_id;
  std::string label;
  Precedence precedence = ROUTINE;  // of the interrupted cable
  Precedence preempted_by = ROUTINE;
};

/// Tell the neighbour that a serial it may never have received is used, not open: the
/// transmission was taken back when the channel failed and went another way (sent as a cancel).
struct cancel_serial {
  std::string channel;
  uint32_t serial = 0;
};

/// Acknowledge a received transmission (after it has been taken in charge).
struct send_ack {
  std::string channel;
  uint32_t serial = 0;
};

/// Deliver a copy to its addressees at this station.
struct deliver_copy {
  Cable copy;  // as received: its FL1 and segregated FL2
  std::string message_id;
  std::string label;
  Precedence precedence = ROUTINE;
  std::vector<std::string> path;
  std::string address;  // the station's first plain-language address, if it has one
};

/// Why a station refuses to pass a copy on.
enum class refusal {
  unknown_ri,              // INV: not in this switching centre's routing tables
  no_route,                // no channel leads to it, or every one is down
  above_clearance,         // SEC: the classification is above the station's clearance
  circuit_classification,  // SEC: the circuit is not approved for the classification
  would_return,            // misrouted: it would go straight back where it came from
  bad_marking,             // SEC: FL4, the classification line and the paragraph markings disagree
  over_limits,             // more addressees, RIs or pilots than any cable may have, or a path longer than any
};
/// A refusal's name, for machines (metrics labels): "unknown_ri", "no_route", ...
std::string_view refusal_name(refusal r);

/// Addressee stations this station cannot serve or reach.
struct reject_copy {
  std::string message_id;
  std::string label;
  std::vector<std::string> ris;
  refusal reason = refusal::no_route;
  std::string detail;         // the specifics, for people ("RUEHXQ is not in the routing tables of RUEHEUR")
  bool service_sent = false;  // a service message went back to the originator
};

/// A gap in the channel serials received from a neighbour: the open numbers first..last.
struct open_number {
  std::string channel;
  uint32_t first = 0, last = 0;
};

/// Keep this copy safe: it is in this station's charge until the next station acknowledges it
/// (a journal writes it before the acknowledgment that took it in goes out).
struct journal_put {
  std::string channel;
  queued_copy copy;
};
/// The copy with this journal id was acknowledged downstream (or delivered): forget it.
struct journal_drop {
  uint64_t journal_id = 0;
};
/// Remember that this (message, RI) was handled here, for duplicate detection after a restart.
struct journal_seen {
  std::string key;
};
/// Remember a counter, so that a restarted station never reuses a number: the station serial
/// ("ssn": day, serial and wraps within the day, see station_serial_counters) and each
/// channel's last serial ("channel <RI>").
struct journal_counter {
  std::string name;
  uint64_t value = 0;
};

/// Check the channel from this neighbour again after `after` (call channel_watch then).
struct watch_channel {
  std::string channel;
  sim_duration after{0};
};
/// Continuity check: ZID (the receiver's last serial from the sender) or ZIC (the answer).
struct send_continuity {
  std::string channel;
  uint32_t last_serial = 0;
  bool answer = false;  // ZIC
};
/// Ask the sender to run transmissions first..last again: they never arrived.
struct send_rerun {
  std::string channel;
  uint32_t first = 0, last = 0;
};

// ---- typed events ----

/// A transmission the neighbour asked for again goes out once more, marked ZDK.
struct copy_rerun {
  std::string channel;
  uint32_t serial = 0;  // the serial it had
  std::string message_id, label;
};

/// A post took a cable in charge and numbered it.
struct cable_filed {
  std::string message_id, label;
  Precedence precedence = ROUTINE;
  std::string routing_line;             // its FL2 as rendered
  std::vector<std::string> addressees;  // addressee stations
  std::vector<std::string> unknown;     // plain-language addressees with no RI: no copy
  uint32_t sections = 0;                // too long for one transmission: sent in this many sections
  struct collective_listed {
    std::string ri, address;
    std::vector<std::string> members;   // listed in its place
    std::vector<std::string> exempted;  // left out by XMT
  };
  std::vector<collective_listed> collectives;  // collectives addressed, listed as their members
};
/// A copy for these RIs was queued on a channel (split: the routing line was segregated).
struct copy_relayed {
  std::string message_id, label;
  std::vector<std::string> ris;
  std::string via;
  Precedence precedence = ROUTINE;
  bool alternate = false;
  bool split = false;
  bool held = false;  // the channel is down (with every alternate): the copy waits for it
};
/// The transmission with this serial has gone out whole on the channel.
struct transmission_ended {
  std::string channel;
  uint32_t serial = 0;
  std::string message_id, label;
};
/// The next station acknowledged a transmission: it is in its charge now.
struct transmission_acknowledged {
  std::string channel;
  uint32_t serial = 0;
  bool expected = true;  // false: nothing was waiting for this acknowledgment
};
/// A transmission arrived from a neighbour.
struct transmission_received {
  std::string channel;  // the neighbour it came from
  uint32_t serial = 0;
  std::string message_id, label;
};
/// The neighbour cancelled a transmission it had started: the serial is used, not open.
struct cancel_received {
  std::string channel;
  uint32_t serial = 0;
};
/// The neighbour's serials started again from a lower number (a restart, not a gap).
struct serials_restarted {
  std::string channel;
  uint32_t serial = 0;
};
/// (message, RI) pairs this station had already handled: filed, not passed on again (ZFD).
struct duplicate_dropped {
  std::string message_id, label;
  std::vector<std::string> ris;
};
/// A copy whose RI names this station for an address another station serves (ZOV).
struct misroute_found {
  std::string message_id, label;
  std::vector<std::string> right_stations;
};
/// A service message went to the originator of a cable.
struct service_sent {
  std::string signal;  // ZEQ, ZEQ3, ZEQ4
  std::string to;      // the originator's RI
  std::string about_id, about_label;
  std::vector<std::string> ris;
  std::string detail;
  std::string message_id;  // of the service message itself
};
/// A channel came up or went down; `moved` copies were taken off it to go another way or wait.
struct channel_changed {
  std::string channel;
  bool up = false;
  std::size_t moved = 0;
};
/// A copy taken off a failed channel goes out on another.
struct copy_rerouted {
  std::string message_id, label;
  std::vector<std::string> ris;
  std::string via;
};
/// The copies waiting on a channel, by precedence, after it changed.
struct queue_changed {
  std::string channel;
  std::array<uint32_t, 6> depth{};  // index = Precedence value
  uint32_t total() const;
};

using station_action =
    std::variant<start_transmission, cancel_transmission, cancel_serial, send_ack, deliver_copy, reject_copy,
                 open_number, journal_put, journal_drop, journal_seen, journal_counter, watch_channel, send_continuity,
                 send_rerun, copy_rerun, cable_filed, copy_relayed, transmission_ended, transmission_acknowledged,
                 transmission_received, cancel_received, serials_restarted, duplicate_dropped, misroute_found,
                 service_sent, channel_changed, copy_rerouted, queue_changed>;
using station_actions = std::vector<station_action>;

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
  filing_outcome file(Cable cable, sim_time now, station_actions& out);

  /// A transmission arrived from a neighbour. Its cable is taken (`t` is left without one).
  void receive(std::string_view from, Transmission&& t, sim_time now, station_actions& out);
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
  void acknowledged(std::string_view channel, uint32_t serial, sim_time now, station_actions& out);
  /// The continuity watch on the channel from `peer` is due (see watch_channel).
  void channel_watch(std::string_view peer, sim_time now, station_actions& out);
  /// A ZID or ZIC from a neighbour.
  void continuity_received(std::string_view from, const Continuity& c, sim_time now, station_actions& out);
  /// The neighbour asks for transmissions first..last again.
  void rerun_requested(std::string_view from, uint32_t first, uint32_t last, sim_time now, station_actions& out);
  /// The neighbour cancelled a transmission it had started: its serial is used, not open.
  void cancelled_by_sender(std::string_view from, uint32_t serial, sim_time now, station_actions& out);
  /// The line time of the transmission in progress has run out and its frame went out.
  void transmission_done(std::string_view channel, uint32_t serial, sim_time now, station_actions& out);
  /// The copy on the line to a neighbour under this serial, if it is still in progress.
  const Cable* on_line(std::string_view channel, uint32_t serial) const;
  /// The channel to a neighbour came up (connected and authenticated) or went down.
  void channel_up(std::string_view channel, sim_time now, station_actions& out);
  void channel_down(std::string_view channel, sim_time now, station_actions& out);

  /// Say what a journal must keep (journal_put, journal_drop, journal_seen actions); off by
  /// default, so that a station without a journal copies nothing for one.
  void keep_journal(bool on) { journalled_ = on; }
  /// Say what happens to every cable that goes well (transmission_received, copy_relayed,
  /// queue_changed, transmission_ended, an expected transmission_acknowledged); on by default.
  /// A station that no one watches leaves them out: they are the most of its actions, and each
  /// copies a cable's identity and label. What carries out its decisions and every fault it
  /// meets are said either way.
  void tell_routine(bool on) { telling_routine_ = on; }

  /// Take back what a journal kept: a copy that was in this station's charge, and the
  /// (message, RI) pairs already handled. Call before the channels come up.
  void restore(const std::string& channel, queued_copy copy);
  void restore_seen(std::string key);
  /// Take back a counter (journal_counter): numbering goes on from where it was.
  void restore_counter(const std::string& name, uint64_t value);

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
  };
  struct in_channel {
    uint32_t last_serial = 0;  // 0 = nothing received yet
    sim_time last_heard{};     // the last transmission (or check) from the neighbour
    bool watching = false;     // a continuity watch is set
    uint64_t taken = 0;        // transmissions taken in charge on it (never restarts)
  };
  /// How long a channel may be silent before its receiver checks it (ZID).
  sim_duration continuity_silence() const;
  /// Report the open numbers first..last and ask for them again.
  void open_numbers(std::string_view from, uint32_t first, uint32_t last, station_actions& out);

  /// Segregate and dispatch a cable at this station (it is taken); `from` is empty for a
  /// filing here. `text_characters`: as the Transmission carried them (0 = count them when
  /// transmitting).
  void handle(Cable&& cable, std::string_view from, std::vector<std::string> path, std::size_t text_characters,
              sim_time now, station_actions& out);
  /// The same, with the cable's message identity and label already made (receive() made them;
  /// an empty label is made where an action names the cable: a station no one watches names
  /// few), and `arrival`, its number among those taken in charge on the channel from `from`
  /// (0: none).
  void handle(std::unique_ptr<Cable> cable, const std::string& id, const std::string& label, std::string_view from,
              std::vector<std::string> path, std::size_t text_characters, uint64_t arrival, sim_time now,
              station_actions& out);
  /// Take the RIs of FL2 that this station has not handled for this message before; the others
  /// are a suspected duplicate. False when none is left.
  bool keep_fresh(Cable& cable, const std::string& id, const std::string& label, station_actions& out);
  /// At a relay, take the RIs not in its tables out of FL2 and return them (INV).
  std::vector<std::string> take_unknown_ris(Cable& cable) const;
  /// Number and date a draft, and give it its precedence and security line.
  void complete_draft(Cable& cable, sim_time now, station_actions& out);
  /// The addressee stations of a cable (collectives expanded); addresses with no RI in `unknown`.
  std::vector<std::string> addressee_stations(const Cable& cable, std::vector<std::string>& unknown) const;
  void enqueue(out_channel& ch, queued_copy&& copy, sim_time now, station_actions& out);
  void pump(out_channel& ch, sim_time now, station_actions& out);
  void reroute(out_channel& ch, std::deque<queued_copy> copies, sim_time now, station_actions& out);
  void advance_continuity(std::string_view from, uint32_t serial, station_actions& out);
  /// Refuse `ris` for `reason` and tell the originator (ZEQ4 for an invalid RI or no route,
  /// ZEQ otherwise); with no reason, only tell it that its RI was wrong (ZEQ3, misroute).
  void send_service(const Cable& about, const std::vector<std::string>& ris, std::optional<refusal> reason,
                    const std::string& detail, sim_time now, station_actions& out);
  void report_queue(out_channel& ch, station_actions& out);
  /// Refuse the whole cable, every RI of its FL2, and tell the originator.
  void refuse_whole(const Cable& cable, refusal why, const std::string& detail, sim_time now, station_actions& out);
  /// Forward a copy whose addressees carry this station's RI but not its address; true when
  /// nothing is left to deliver here.
  bool forward_misrouted(const Cable& cable, const RoutingLine& received, const std::vector<std::string>& path,
                         sim_time now, station_actions& out);
  /// Put a pilot (ZOV <RI>, ZFD) before the cable's heading; `before` is the FL2 it keeps.
  static void add_pilot(Cable& cable, const std::string& signals, const RoutingLine& before);
  /// A copy sent again after a failure or a restart goes as a suspected duplicate (ZFD pilot).
  static void mark_suspect(queued_copy& q);
  void number(Cable& cable, sim_time now, station_actions& out);
  /// Keep an acknowledged copy's cable, cleared, for lend_spare(), if it is wanted.
  void recycle(std::unique_ptr<Cable> cable);
  down_set failed_channels() const;
  out_channel* channel(std::string_view peer);
  const out_channel* channel(std::string_view peer) const;
  in_channel* incoming(std::string_view peer);

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
