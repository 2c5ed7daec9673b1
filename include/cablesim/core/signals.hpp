#pragma once
// The operating signals, pilots and service-message forms a station uses, as enums, each
// rendered to its ACP 127 text here and nowhere else. Adding a service message type is one value
// of service_signal and one case of its text below.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cablesim/cable.pb.h"

namespace cablesim {

/// Why a station refuses to pass a copy on.
enum class refusal {
  unknown_ri,              // INV: not in this switching centre's routing tables
  no_route,                // no channel leads to it, or every one is down
  above_clearance,         // SEC: the classification is above the station's clearance
  circuit_classification,  // SEC: the circuit is not approved for the classification
  would_return,            // misrouted: it would go straight back where it came from
  bad_marking,             // SEC: FL4, the classification line and the paragraph markings disagree
  over_limits,             // more addressees, RIs or pilots than any cable may have
  looped,                  // its path is longer than any route through the network: it went round in a loop
};
/// Whether a refusal is one a well-run network makes: an unknown RI, a security refusal, the
/// originator's own error. The others (no route, straight back, a loop) lose a copy to the
/// network, and a run that has one is not complete.
bool legitimate(refusal r);
/// A refusal's name, for machines (metrics labels): "unknown_ri", "no_route", ...
std::string_view refusal_name(refusal r);
/// A refusal as a trace and a report say it: "INV", "SEC", "misrouted", ...
std::string_view refusal_sign(refusal r);

/// The signal a service message opens with (its text is "UNCLAS SVC <signal> ...").
enum class service_signal {
  zeq3,  // the RI was wrong: the cable went on to the right station under a ZOV pilot
  zeq4,  // the RIs cannot be passed on (INV, no route, only back, a loop, too many): send it again
  sec,   // refused for its security: clearance, circuit, markings
  zoe,   // an alternate-route arrangement between neighbours (zoe_message)
};
std::string_view signal_text(service_signal s);
/// The signal a refusal is answered with; with no refusal, a misroute (ZEQ3).
service_signal signal_for(std::optional<refusal> reason);

/// A pilot put before a cable's heading on its way.
enum class pilot_signal {
  zov,  // misrouted: "ZOV <RI of the station that found it>"
  zfd,  // suspected duplicate: a station that already holds the message files it
};
/// The pilot's signals: "ZFD", "ZOV RUEHLO".
std::string pilot_text(pilot_signal p, std::string_view station);
/// Whether a pilot's signals are of this kind.
bool is_pilot(const Pilot& pilot, pilot_signal p);

/// An alternate-route arrangement (ZOE), one of its four service messages between neighbours:
///   UNCLAS SVC INT ZOE RUEHC RUCNDT      will you carry my traffic for these RIs?
///   UNCLAS SVC ZOE RUEHC RUCNDT          yes: send it by me
///   UNCLAS SVC ZOE NEGAT RUEHC           no: I cannot pass it on
///   UNCLAS SVC ZOE CNCL RUEHC RUCNDT     the arrangement ends: my own circuit is back
struct zoe_message {
  enum kind { ask, agree, decline, cancel } what = ask;
  std::vector<std::string> ris;
};
std::string zoe_text(const zoe_message& m);
/// A service message's text as a ZOE message; nothing for any other text.
std::optional<zoe_message> parse_zoe(std::string_view text);

/// The FL5 operating signal of a transmission run again at a neighbour's request (§431).
inline constexpr std::string_view rerun_signal = "ZDK";

/// The abbreviated text of a service message: "UNCLAS SVC ZEQ4 RUEHRO #0002 2531002 INV RUEHXQ".
std::string service_text(service_signal s, const Origin& about, std::optional<refusal> reason, std::string_view ris);
/// Whether a cable is a service message (its text opens with UNCLAS SVC).
bool is_service_message(const Cable& c);
bool is_service_text(std::string_view first_line);

/// A number a station keeps so that a restarted station never reuses it.
struct counter_key {
  enum kind {
    station_serial,   // the last station serial (with its day and wraps)
    channel_serial,   // the last serial sent on the channel to `channel` (with its day)
    incoming_serial,  // the last serial received on the channel from `channel`
  } what = station_serial;
  std::string channel;  // the neighbour's RI, for a channel's serial
  bool operator==(const counter_key&) const = default;
};
/// The counter's name in a journal: "ssn", "channel RUEHEUR", "from RUEHEUR".
std::string counter_name(const counter_key& k);
/// And back; nothing for a name no station writes.
std::optional<counter_key> counter_from_name(std::string_view name);

}  // namespace cablesim
