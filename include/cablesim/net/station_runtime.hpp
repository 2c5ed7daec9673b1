#pragma once
// A station on the network: the core station, its listener, its links (dialled or accepted),
// its named logger and its inbox. Carries out what the core station decides.

#include <spdlog/spdlog.h>

#include <asio.hpp>

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
#include "cablesim/store/journal.hpp"

namespace cablesim::net {

/// What a runtime tells whoever runs it (the scenario runner collects a report from these).
struct station_observer {
  std::function<void(const std::string& station, const filing_outcome&, sim_time)> filed;
  std::function<void(const std::string& station, const deliver_copy&, sim_time)> delivered;
  std::function<void(const std::string& station, const station_action&, sim_time)> acted;
  std::function<void(const std::string& station, const std::string& from, const Transmission&, sim_time)> received;
};

/// Where a neighbour listens: from the topology, or from the in-process registry.
using endpoint_resolver = std::function<std::optional<tcp::endpoint>(const std::string& ri)>;

class station_runtime {
 public:
  station_runtime(asio::io_context& io, const topology& topo, std::string ri, const sim_clock& clock,
                  std::shared_ptr<spdlog::logger> logger, endpoint_resolver resolve, station_observer observer,
                  std::optional<std::filesystem::path> inbox);
  ~station_runtime();

  /// Keep a journal in `dir` (created if needed) and take back what it holds from an earlier
  /// run: copies accepted but not yet acknowledged downstream, messages already handled. Call
  /// before start(). Throws std::runtime_error when the journal cannot be opened.
  void use_journal(const std::filesystem::path& dir);

  /// Bind the listener (to the topology's host:port; port 0 = any); returns where it listens.
  /// Throws std::system_error when it cannot bind.
  tcp::endpoint listen();
  /// Start accepting and dialling the links this station dials.
  void start();
  /// Close the listener and every connection.
  void stop();

  /// Take a link down (scripted failure: close it and refuse it) or bring it back.
  void set_link(const std::string& peer, bool up);
  /// Stop the station (close its listener and links; it keeps what it holds) or start it again.
  void suspend();
  void resume();
  bool suspended() const { return suspended_; }

  /// File cable text (drafted or complete) here. On bad text, the outcome's error says where.
  filing_outcome file_text(const std::string& text, const std::string& name);

  bool idle() const { return core_.idle(); }
  const std::string& ri() const { return ri_; }
  station& core() { return core_; }

 private:
  void open_acceptor(const tcp::endpoint& ep);
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
  asio::awaitable<void> serve_client(tcp::socket socket, const Hello& hello);
  asio::awaitable<void> dial_loop(std::string peer);
  asio::awaitable<std::error_code> authenticate(tcp::socket& socket, const std::string& peer, const Hello& peer_hello,
                                                const std::string& my_nonce);
  void attach(tcp::socket socket, const std::string& peer);
  void on_frame(link_session& session, Envelope& envelope);
  void on_closed(link_session& session, const std::string& reason);
  void apply(station_actions& actions);
  void write_inbox(const deliver_copy& d);
  std::string key_for(const std::string& peer) const;
  void spawn(std::function<asio::awaitable<void>()> f, std::string what);

  asio::io_context& io_;
  const topology& topo_;
  std::string ri_;
  const sim_clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  endpoint_resolver resolve_;
  station_observer observer_;
  std::optional<std::filesystem::path> inbox_;
  station core_;
  tcp::acceptor acceptor_;
  std::map<std::string, std::shared_ptr<link_session>> sessions_;
  std::vector<std::shared_ptr<asio::steady_timer>> timers_;
  bool stopped_ = false;
  bool suspended_ = false;
  std::set<std::string> links_down_;
  std::map<std::string, asio::steady_timer*> dial_timers_;  // each dial loop's back-off timer
  std::unique_ptr<store::journal> journal_;
  tcp::endpoint bound_;
};

}  // namespace cablesim::net
