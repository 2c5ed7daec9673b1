#pragma once
// A station on the network in real time: the executor of a core station, its listener, its
// links (dialled or accepted) and its named logger.

#include <spdlog/spdlog.h>

#include <asio.hpp>

#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "cablesim/core/station.hpp"
#include "cablesim/core/topology.hpp"
#include "cablesim/net/clock.hpp"
#include "cablesim/net/connection.hpp"
#include "cablesim/net/executor.hpp"

namespace cablesim::net {

/// Where a neighbour listens: from the topology, or from the in-process registry.
using endpoint_resolver = std::function<std::optional<tcp::endpoint>(const std::string& ri)>;

/// What a station allows its connections (cablesim node has an option for each).
struct connection_limits {
  /// How long a connection may take to prove itself (and a filing client may sit idle).
  std::chrono::milliseconds handshake_deadline{10'000};
  /// Keep-alive interval on authenticated links; a link silent for three is closed.
  std::chrono::milliseconds keepalive{2'000};
  /// Connections still in their handshake at once; more are closed as they come.
  std::size_t max_pending_handshakes = 256;
};

/// A station in real time (`cablesim node`): simulated time is the epoch plus wall time ×
/// speedup; lines are held on timers; frames cross authenticated TCP links with their
/// propagation delay.
class station_runtime final : public station_environment {
 public:
  station_runtime(asio::io_context& io, const topology& topo, std::string ri, const sim_clock& clock,
                  std::shared_ptr<spdlog::logger> logger, endpoint_resolver resolve, event_observer observe);
  ~station_runtime() override;

  /// Call before start().
  void set_limits(const connection_limits& limits) { limits_ = limits; }
  /// See station_executor::use_journal; call before start().
  void use_journal(const std::filesystem::path& dir);
  void use_inbox(const std::filesystem::path& dir) { exec_.use_inbox(dir); }
  /// See station_executor::tell_routine.
  void tell_routine(bool on) { exec_.tell_routine(on); }

  /// Bind the listener (to the topology's host:port; port 0 = any); returns where it listens.
  /// Throws std::system_error when it cannot bind.
  tcp::endpoint listen();
  /// Start accepting and dialling the links this station dials.
  void start();
  /// Close the listener and every connection, cancel every timer.
  void stop();

  /// File cable text (drafted or complete) here. On bad text, the outcome's error says where.
  filing_outcome file_text(const std::string& text, const std::string& name);

  bool idle() const { return exec_.core().idle(); }
  /// Why the station stopped on its own (its journal failed), if it did.
  const std::optional<std::string>& failure() const { return failure_; }
  /// Called when the station stops on its own, after it has stopped: what else keeps the
  /// io_context going (a node's signal handler) ends, so that the node exits at once.
  void on_failure(std::function<void()> f) { on_failure_ = std::move(f); }
  const station& core() const { return exec_.core(); }
  const std::string& ri() const { return ri_; }

  // station_environment
  sim_time now() const override { return clock_.now(); }
  void hold_line(const std::string& channel, sim_duration line_time, std::function<void()> done) override;
  void release_line(const std::string& channel) override;
  void send(const std::string& channel, const Envelope& frame) override;
  void set_alarm(const std::string& name, sim_duration after, std::function<void()> fn) override;
  void run_soon(std::function<void()> fn) override;
  void hold_sends() override;
  void mark_sends() override;
  void release_marked() override;
  void release_sends() override;
  /// Commits of the journal so far, and the journal entries they held.
  uint64_t commits() const { return exec_.commits(); }
  uint64_t committed_entries() const { return exec_.committed_entries(); }

 private:
  struct line {
    std::unique_ptr<asio::steady_timer> timer;
    uint64_t ticket = 0;  // a hold is current while its ticket is
  };
  class unproven_connection;
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
  asio::awaitable<void> serve_client(tcp::socket& socket, const Hello& hello, unproven_connection& unproven);
  asio::awaitable<void> dial_loop(std::string peer);
  void attach(tcp::socket socket, const std::string& peer);
  void on_closed(link_session& session, const std::string& reason);
  void spawn(std::function<asio::awaitable<void>()> f, std::string what);
  /// Run f; a journal that fails stops the whole station (fail-stop), not one link.
  template <class F>
  void guarded(F&& f);
  /// The end of a hold on a line: run `done` (guarded) unless the hold was released since, or
  /// the station is stopping.
  void end_hold(const line& held_on, uint64_t ticket, const std::function<void()>& done);

  asio::io_context& io_;
  const topology& topo_;
  std::string ri_;
  const sim_clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  endpoint_resolver resolve_;
  station_executor exec_;
  tcp::acceptor acceptor_;
  std::map<std::string, std::shared_ptr<link_session>> sessions_;
  std::map<std::string, line> lines_;
  // Ends of transmissions on unpaced lines, run together by one posted handler: everything a
  // batch of frames queued goes out before the writers run, in one write per link. Each runs if
  // its hold is still current (the line's entry stays put in lines_: a map never moves one).
  struct line_end {
    const line* held_on;
    uint64_t ticket;
    std::function<void()> done;
  };
  std::deque<line_end> unpaced_;
  bool unpaced_posted_ = false;
  std::map<std::string, std::unique_ptr<asio::steady_timer>> alarms_;
  std::map<std::string, asio::steady_timer*> dial_timers_;  // each dial loop's back-off timer
  std::set<tcp::socket*> unproven_;                         // connections still in their handshake
  asio::steady_timer accept_backoff_;
  connection_limits limits_;
  std::size_t turned_away_ = 0;  // connections closed at once: too many handshakes pending
  bool stopped_ = false;
  bool sends_held_ = false;  // hold_sends(): every link's writer waits for the journal's commit
  std::optional<std::string> failure_;
  std::function<void()> on_failure_;
};

}  // namespace cablesim::net
