#pragma once
// A node's Prometheus metrics (`cablesim node --metrics HOST:PORT`), served with prometheus-cpp:
// queue depth per channel and precedence, transmissions, preemptions, acknowledgments, copies
// received and delivered, refusals, and histograms of in-station handling and of the time the
// next station takes to acknowledge.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "cablesim/core/station.hpp"

namespace prometheus {
class Registry;
class Exposer;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace cablesim::net {

class station_metrics {
 public:
  /// Serve at `bind` ("127.0.0.1:9464"; port 0: any free port). Throws std::runtime_error when
  /// it cannot listen there.
  station_metrics(const std::string& station, const std::string& bind);
  ~station_metrics();

  /// The port it listens on.
  unsigned short port() const;

  /// Count and time one event of the station (call it from the executor's observer).
  void observe(const station_event& event);

 private:
  using clock = std::chrono::steady_clock;
  void acknowledged(const transmission_acknowledged& x, clock::time_point now);
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Gauge>& queue_;
  prometheus::Family<prometheus::Gauge>& unacknowledged_;
  prometheus::Family<prometheus::Counter>& transmissions_;
  prometheus::Family<prometheus::Counter>& preemptions_;
  prometheus::Family<prometheus::Counter>& acknowledgments_;
  prometheus::Family<prometheus::Counter>& received_;
  prometheus::Family<prometheus::Counter>& delivered_;
  prometheus::Family<prometheus::Counter>& refused_;
  prometheus::Family<prometheus::Histogram>& handling_;
  prometheus::Family<prometheus::Histogram>& acknowledgment_wait_;
  std::map<std::string, clock::time_point> arrived_;                       // message id -> receipt
  std::map<std::pair<std::string, uint32_t>, clock::time_point> on_line_;  // (channel, serial) -> start
};

}  // namespace cablesim::net
