#pragma once
// What a run keeps for people to read after it: the service log (every service message and
// refusal, with its text) and, for the replay page, every station's every event in order.

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "cablesim/core/station.hpp"
#include "cablesim/report.pb.h"

namespace cablesim::sim {

class replay_recorder {
 public:
  /// Keeps at most `limit` replay events in `report` (0: none, the service log only).
  replay_recorder(Report& report, std::size_t limit) : report_(report), limit_(limit) {}

  /// `station` decided `event` at `at` simulated seconds after the epoch.
  void record(const std::string& station, const station_event& event, double at);

 private:
  ReplayEvent* add(const std::string& station, ReplayEvent::Kind kind, double at, const station_event& event);
  void service(const std::string& station, const service_sent& x, double at, const station_event& event);
  void refused(const std::string& station, const reject_copy& x, double at, const station_event& event);
  void started(const std::string& station, const transmission_started& x, double at, const station_event& event);
  void received(const std::string& station, const transmission_received& x, double at, const station_event& event);
  void delivered(const std::string& station, const copy_delivered& x, double at, const station_event& event);
  void explain_once(const std::string& message_id, const std::string& label, const Cable& copy);

  Report& report_;
  std::size_t limit_;
  // (from, to, serial) -> the copy sent, for the receiving end's event
  struct sent_copy {
    std::string fl1, fl2;
    Precedence precedence;
  };
  std::map<std::tuple<std::string, std::string, uint32_t>, sent_copy> sent_;
  std::set<std::string> explained_;
  std::map<std::string, int> service_text_;           // service message id -> its record in the service log
  std::map<std::string, std::string> service_texts_;  // service message id -> its text, sent before it was logged
};

}  // namespace cablesim::sim
