#pragma once
// A whole network of stations in one process, in virtual time: each station is the executor of
// a core station whose environment is the engine (its clock, its line holds) and a transport
// (real TCP connections on loopback, authenticated like any link, or frames handed over in
// process). `cablesim run` and the tests drive this one network.

#include <asio.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cablesim/net/executor.hpp"
#include "cablesim/sim/engine.hpp"

namespace cablesim::sim {

enum class transport_kind { tcp, memory };

struct network_options {
  transport_kind transport = transport_kind::tcp;
  double speedup = 0;  // 0: as fast as the machine allows
  std::optional<std::filesystem::path> inbox;
  net::event_observer observe;  // every event of every station
  /// A station stopped and started again begins from its journal (kept in memory), as a node
  /// restarted from its journal does; otherwise a stopped station keeps all it had.
  bool restart_from_journal = false;
};

class network {
 public:
  /// Build the stations; with TCP, connect and authenticate every link (throws on failure).
  network(const topology& topo, sim_time epoch, network_options options);
  ~network();
  network(const network&) = delete;
  network& operator=(const network&) = delete;

  sim_time now() const;
  engine& clock();

  /// File a cable at a station now. A stopped station refuses it.
  filing_outcome file(const std::string& ri, Cable cable);
  /// Run `what` at `at` as a scenario event for `ri` (scenario events for one station run in
  /// the order they were scheduled).
  void at(sim_time at, const std::string& ri, std::function<void()> what);
  /// Take the link between two stations down (both ends see their channel fail; frames on it
  /// are lost) or bring it back.
  void set_link(const std::string& a, const std::string& b, bool up);
  /// Stop a station (its links fail; it keeps what it holds, or, with restart_from_journal, what
  /// its journal holds) or start it.
  void set_station(const std::string& ri, bool running);
  /// The next transmission from `from` to `to` is lost on the line (a line hit); the link stays
  /// up, so only the receiver's continuity check can find it missing.
  void lose_next_transmission(const std::string& from, const std::string& to);

  /// Run until `done()` holds, nothing is left to do, or `until`. See engine::run.
  bool run(sim_time until, const std::function<bool()>& done = {});
  /// Every station has nothing queued, on the line or awaiting acknowledgment.
  bool idle() const;
  station& core(const std::string& ri);

 private:
  struct node;
  struct link_state;
  class tcp_links;
  node& station_at(const std::string& ri);
  const std::size_t* index_of(const std::string& ri) const;
  void send(node& from, const std::string& to, const Envelope& frame);
  void arrive(std::size_t to, std::size_t from, Envelope frame, uint32_t link_epoch);
  void update_channel(int link);

  const topology& topo_;
  network_options options_;
  asio::io_context io_{1};
  engine engine_;
  std::vector<std::unique_ptr<node>> nodes_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::vector<link_state> links_;
  std::unique_ptr<tcp_links> tcp_;
  uint64_t scenario_sequence_ = 0;
};

}  // namespace cablesim::sim
