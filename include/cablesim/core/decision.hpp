#pragma once
// What a station decides, in three typed parts:
//
//   commands  what whoever runs the station carries out: transmit, cancel, acknowledge, deliver,
//             set a watch, send a continuity check or a rerun request;
//   journal   what a journal must keep before any command goes out;
//   events    what happened, for those who watch (the trace, the report, the replay, the logs,
//             the metrics): never read to carry anything out.
//
// Each part keeps the order the station decided it in. Core never writes prose: the events are
// told above core (report/trace.cpp).

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cablesim/core/dtg.hpp"
#include "cablesim/core/precedence_queue.hpp"
#include "cablesim/core/signals.hpp"
#include "cablesim/wire.pb.h"

namespace cablesim {

// ---- commands ----

/// Start transmitting a copy: hold the line for line_time, then send the frame.
struct start_transmission {
  std::string channel;  // the neighbour's RI
  Transmission frame;   // all but the cable
  /// The copy on the line, lent by the station, not copied: read it before the station's next
  /// decision. The executor sends it when the line time has run, from station::on_line().
  const Cable* cable = nullptr;
  sim_duration line_time{0};
};
/// Interrupt the transmission in progress on a channel; its serial is used up.
struct cancel_transmission {
  std::string channel;
  uint32_t serial = 0;
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
  std::shared_ptr<const Cable> copy;  // as received: its FL1 and segregated FL2
  std::string message_id;
};
/// Check the channel from this neighbour again after `after` (call channel_watch then).
struct watch_channel {
  std::string channel;
  sim_duration after{0};
};
/// Continuity check: ZID (the receiver's last serial from the sender) or ZIC (the sender's last
/// serial completed: an answer, or told unasked when a transmission stays unacknowledged).
struct send_continuity {
  std::string channel;
  std::string designator;  // of the channel checked, in FL1
  uint32_t last_serial = 0;
  bool answer = false;  // ZIC
};
/// Ask the sender to run transmissions first..last again: they never arrived.
struct send_rerun {
  std::string channel;
  uint32_t first = 0, last = 0;
};

using command = std::variant<start_transmission, cancel_transmission, cancel_serial, send_ack, deliver_copy,
                             watch_channel, send_continuity, send_rerun>;

// ---- the journal batch ----

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
/// (day, serial and wraps within the day, see station::number) and each channel's last serial
/// (day and serial).
struct journal_counter {
  counter_key key;
  uint64_t value = 0;
};

using journal_entry = std::variant<journal_put, journal_drop, journal_seen, journal_counter>;

// ---- events ----

/// A copy went onto the line (told only to those who watch: station::tell_routine).
struct transmission_started {
  std::string channel;
  uint32_t serial = 0;
  Precedence precedence = ROUTINE;
  sim_duration line_time{0};
  std::size_t characters = 0;  // of the copy as transmitted
  std::string designator;      // the channel designator in its FL1
  std::string message_id;
  std::string label;                  // how a student recognises the cable: "RUEHRO #1919"
  bool first_hop = false;             // it leaves the station that originated it
  const Cable* cable = nullptr;       // the copy, lent as start_transmission lends it
  std::array<uint32_t, 6> waiting{};  // the copies left waiting on the channel, by precedence
};
/// A transmission in progress was interrupted by a more urgent cable.
struct transmission_cancelled {
  std::string channel;
  uint32_t serial = 0;
  std::string message_id;
  std::string label;
  Precedence precedence = ROUTINE;  // of the interrupted cable
  Precedence preempted_by = ROUTINE;
};
/// A serial taken back when the channel failed is told to the neighbour as used (cancel_serial).
struct serial_withdrawn {
  std::string channel;
  uint32_t serial = 0;
};
/// A copy was delivered here.
struct copy_delivered {
  std::shared_ptr<const Cable> copy;  // the same as deliver_copy's
  std::string message_id;
  std::string label;
  Precedence precedence = ROUTINE;
  std::vector<std::string> path;
  std::string address;  // the station's first plain-language address, if it has one
};
/// A continuity check went out (send_continuity).
struct continuity_sent {
  std::string channel;
  std::string designator;
  uint32_t last_serial = 0;
  bool answer = false;   // ZIC
  bool unasked = false;  // a ZIC that no ZID asked for
};
/// A rerun of transmissions first..last was asked for (send_rerun).
struct rerun_asked {
  std::string channel;
  uint32_t first = 0, last = 0;
};
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
  service_signal signal = service_signal::zeq4;
  std::string to;  // the originator's RI
  std::string about_id, about_label;
  std::vector<std::string> ris;
  std::string detail;
  std::string message_id;                // of the service message itself
  std::optional<zoe_message::kind> zoe;  // for a ZOE message (not about one cable)
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
  Precedence precedence = ROUTINE;
};
/// A ZOE service message received from a neighbour: it asks this station to carry its traffic
/// for `ris`, agrees to carry this station's, declines, or ends the arrangement.
struct arrangement_changed {
  zoe_message::kind what = zoe_message::ask;
  std::string neighbour;  // the station that carries (or is asked to carry) the traffic
  std::vector<std::string> ris;
  std::string waits_on;  // the channel that is down, where this station knows it
};
/// The copies waiting on a channel, by precedence, after it changed.
struct queue_changed {
  std::string channel;
  std::array<uint32_t, 6> depth{};  // index = Precedence value
  uint32_t total() const;
};

using station_event = std::variant<transmission_started, transmission_cancelled, serial_withdrawn, copy_delivered,
                                   continuity_sent, rerun_asked, reject_copy, open_number, copy_rerun, cable_filed,
                                   copy_relayed, transmission_ended, transmission_acknowledged, transmission_received,
                                   cancel_received, serials_restarted, duplicate_dropped, misroute_found, service_sent,
                                   channel_changed, copy_rerouted, arrangement_changed, queue_changed>;

namespace detail {
template <class T, class Variant>
struct is_alternative;
template <class T, class... Ts>
struct is_alternative<T, std::variant<Ts...>> : std::bool_constant<(std::is_same_v<T, Ts> || ...)> {};
}  // namespace detail

/// A type is in exactly one part of a decision.
template <class T>
concept decision_command = detail::is_alternative<T, command>::value;
template <class T>
concept decision_journal_entry = detail::is_alternative<T, journal_entry>::value;
template <class T>
concept decision_event = detail::is_alternative<T, station_event>::value;

/// One decision of a station: what to carry out, what to keep, what to tell.
struct decision {
  std::vector<command> commands;
  std::vector<journal_entry> journal;
  std::vector<station_event> events;

  /// Add to the part that `x`'s type belongs to.
  template <class T>
  void add(T&& x) {
    using U = std::decay_t<T>;
    if constexpr (decision_command<U>)
      commands.emplace_back(std::forward<T>(x));
    else if constexpr (decision_journal_entry<U>)
      journal.emplace_back(std::forward<T>(x));
    else {
      static_assert(decision_event<U>, "not a command, a journal entry or an event");
      events.emplace_back(std::forward<T>(x));
    }
  }
  void clear() {
    commands.clear();
    journal.clear();
    events.clear();
  }
  bool empty() const { return commands.empty() && journal.empty() && events.empty(); }
};

/// Visit with a set of lambdas: `std::visit(overloaded{[](const a&) {...}, ...}, v)`.
template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;  // (clang before 17 deduces no aggregate's arguments)

}  // namespace cablesim
