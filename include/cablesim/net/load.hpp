#pragma once
// `cablesim load`: drive a relay over the real wire protocol and measure it. The generator plays
// the relay's neighbours: one sending post (`from`), which proves the link key and sends
// Transmission frames with its own channel serials, and one or more sink posts (`to`), which
// prove theirs, take each copy and acknowledge it. Latency is measured from the instant a cable
// was meant to leave (open loop, so that coordinated omission is corrected) or left (closed
// loop) to its arrival at a sink.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cablesim/core/station.hpp"
#include "cablesim/core/topology.hpp"
#include "cablesim/net/connection.hpp"
#include "cablesim/report.pb.h"

namespace cablesim::net {

struct load_options {
  std::string relay;
  std::string from;             // default: the first post linked to the relay
  std::vector<std::string> to;  // default: the next post(s) linked to the relay, `fan_out` of them
  std::size_t fan_out = 1;
  double rate = 0;                                // cables a second, open loop; 0: closed loop
  std::size_t max_in_flight = 0;                  // closed loop: cables sent and not yet received everywhere
  std::size_t count = 0;                          // cables to send (0: for `duration`)
  double duration = 10;                           // seconds of sending, when `count` is 0
  std::array<double, 6> mix{0, 80, 15, 4, 1, 0};  // weight by Precedence value
  std::size_t size = 1000;                        // characters of text a cable carries
  std::size_t backlog = 0;                        // ROUTINE sent first, as fast as they go
  /// Share of the PRIORITY and IMMEDIATE cables sent at dual precedence: the first sink an
  /// action addressee at the cable's precedence, the others information addressees at ROUTINE
  /// (needs fan_out of 2 or more), whose copies go at ROUTINE where the topology's practice is
  /// ACP127. FLASH is never dual here: ACP 127 separates a FLASH's information copies at the
  /// origin, as a message of their own.
  double dual = 0;
  double drain_seconds = 10;  // after the last send, wait this long for copies
  /// Where the relay listens, when it is not where the topology says (an in-process relay).
  std::optional<tcp::endpoint> relay_endpoint;
  /// Stations with port 0 say where they listen in DIR/<RI>.port (cablesim node --port-dir).
  std::string port_dir;
  /// A progress line each second.
  std::function<void(const std::string&)> progress;
};

/// Precedence inversions as the sinks see them: a copy that the relay began to transmit while a
/// copy of higher precedence for the same sink waited there. Cables are numbered from 0 in the
/// order sent, which is the order the relay takes them in charge; each copy the relay sends says
/// how many it had taken in charge after it when it began (Transmission.later_arrivals). A copy
/// to the same sink comes by the same channel, in order: one of higher precedence, taken in
/// charge before this one began and not come yet, went after it though it was waiting first.
class inversion_count {
 public:
  explicit inversion_count(std::size_t sinks) : sinks_(sinks), trees_(sinks * overtaking), receipts_(sinks) {}
  /// The next cable was sent; its copy to each sink goes at `copies[sink]`.
  void sent(const std::vector<Precedence>& copies);
  /// Cable k's copy came to `sink` (the first time) at `precedence`, `later` cables behind it:
  /// the inversions it shows, counted against the copies of higher precedence not come yet.
  uint64_t received(std::size_t k, std::size_t sink, Precedence precedence, uint64_t later);
  /// All of them, less those counted against a copy that never came (lost: it was not
  /// delivered after the one it was counted for).
  uint64_t total() const;

 private:
  // the precedences that can overtake (above ROUTINE): a tree of copies not come yet for each,
  // for each sink (Fenwick trees over the cable numbers, so that a count takes O(log n))
  static constexpr std::size_t overtaking = FLASH_OVERRIDE - ROUTINE;
  std::vector<int32_t>& tree(std::size_t sink, int precedence) {
    return trees_[sink * overtaking + static_cast<std::size_t>(precedence - ROUTINE - 1)];
  }
  const std::vector<int32_t>& tree(std::size_t sink, int precedence) const {
    return trees_[sink * overtaking + static_cast<std::size_t>(precedence - ROUTINE - 1)];
  }
  /// Copies of higher precedence than `precedence` for `sink`, not come, numbered below `end`.
  uint64_t waiting_above(std::size_t sink, Precedence precedence, uint64_t end) const;
  void grow();

  std::size_t sinks_, cables_ = 0, capacity_ = 0;
  std::vector<std::vector<int32_t>> trees_;
  std::vector<uint8_t> waiting_;  // [cable * sinks + sink]: the copy's precedence until it comes, then 0
  struct receipt {
    uint64_t end;  // the cables up to this number were at the relay when the copy went
    Precedence precedence;
  };
  std::vector<std::vector<receipt>> receipts_;  // by sink, to take back what lost copies were counted
  uint64_t counted_ = 0;
};

/// A relay in this process, on its own thread, listening on any free loopback port (`load
/// --in-process`, and the relay benchmark). It logs warnings only.
class in_process_relay {
 public:
  /// `watch`, when given, sees every action of the relay, on the relay's thread.
  in_process_relay(const topology& topo, const std::string& ri,
                   std::function<void(const station_event&)> watch = nullptr);
  ~in_process_relay();
  in_process_relay(const in_process_relay&) = delete;
  in_process_relay& operator=(const in_process_relay&) = delete;

  tcp::endpoint endpoint() const;
  /// CPU time its thread has used so far (user and system), in seconds.
  double cpu_seconds() const;

 private:
  struct parts;
  std::unique_ptr<parts> parts_;
};

/// Fill in `from` and `to` from the topology when they are not given, and check them: each a
/// neighbour of the relay, the relay a relay. Throws config_error.
void choose_endpoints(const topology& topo, load_options& options);

/// The frame that carries the load's cable at precedence `p` (dual: at dual precedence), as the
/// sending post (`from`) transmits it: the template of every such cable, only the serials change.
Envelope load_template(const topology& topo, const load_options& options, Precedence p, bool dual = false);

/// Run the load against the relay and report; throws std::runtime_error when the relay cannot be
/// reached or refuses the load's links.
LoadReport run_load(const topology& topo, const load_options& options);

}  // namespace cablesim::net
