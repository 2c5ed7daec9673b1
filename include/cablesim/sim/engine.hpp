#pragma once
// The virtual-time engine of `cablesim run`: a discrete-event clock.
//
// Simulated time moves to the next due event only when every station has handled everything
// due before it and no frame is still crossing a socket: frames sent over TCP are counted, and
// the clock waits until each has been read and scheduled at its arrival time. Events due at the
// same instant run in delta cycles, and within a cycle in the canonical order (DESIGN.md):
//
//   time, then the station that handles the event (its index in the topology, the scenario
//   first), then the station whose action caused it (the scenario first), then the order in
//   which that station caused its events.
//
// Every part of that key is fixed by the inputs, never by which socket was read first, so the
// same topology, scenario and seed give the same run on any machine, under any load, at any
// pacing. Pacing only throttles: virtual time never runs ahead of speedup × the wall clock.

#include <asio.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <queue>
#include <tuple>
#include <vector>

#include "cablesim/core/dtg.hpp"

namespace cablesim::sim {

/// An event's place among the events due at the same instant.
struct event_key {
  uint32_t station = 0;   // the handling station: 0 = the scenario, else topology index + 1
  uint32_t cause = 0;     // the station whose action caused it (0 = the scenario)
  uint64_t sequence = 0;  // the cause's count of the events it has caused
  auto operator<=>(const event_key&) const = default;
};

class engine {
 public:
  /// `speedup` 0 runs as fast as the machine allows.
  engine(asio::io_context& io, sim_time epoch, double speedup);

  sim_time now() const { return now_; }
  sim_time epoch() const { return epoch_; }

  /// Run `what` at `at` (not before now). Returns a handle for cancel(). A `background` event
  /// (a station's periodic check) runs like any other but keeps no run going: a run with only
  /// background events left has nothing more to do.
  uint64_t schedule(sim_time at, event_key key, std::function<void()> what, bool background = false);
  void cancel(uint64_t handle);

  /// A frame went onto a socket / was read from one and scheduled: time waits for it.
  void frame_sent() { ++in_flight_; }
  void frame_arrived() { --in_flight_; }

  /// Run delta cycles until `done()` holds after one, no event is left (only background events,
  /// unless `busy()` says the model still has work they may help with), or the next event lies
  /// after `until` (the clock then stops at `until`). Returns whether `done()` held. An
  /// exception thrown by an event or by `io` ends the run and propagates.
  bool run(sim_time until, const std::function<bool()>& done, const std::function<bool()>& busy = {});

  /// Events run so far.
  uint64_t events_run() const { return events_run_; }

 private:
  void pace(sim_time t);
  void wait_for_frames();

  asio::io_context& io_;
  sim_time epoch_, now_;
  double speedup_;
  std::chrono::steady_clock::time_point wall_start_{};
  bool started_ = false;
  /// An event in the heap: when, its place, and the slot that holds what it does.
  struct due {
    sim_time at;
    event_key key;
    uint32_t slot;
    uint32_t generation;  // of the slot when scheduled: a reused slot is another event
    // a min-heap on (at, key): std::priority_queue keeps the greatest on top
    bool operator<(const due& o) const { return std::tie(at, key) > std::tie(o.at, o.key); }
  };
  struct slot {
    std::function<void()> what;  // empty: free, run or cancelled
    bool background = false;
    uint32_t generation = 1;
  };
  /// Take what a slot holds and free it.
  std::function<void()> release(uint32_t index);

  std::priority_queue<due, std::vector<due>> queue_;
  std::vector<slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::size_t foreground_ = 0;  // events pending that are not background
  int64_t in_flight_ = 0;
  uint64_t events_run_ = 0;
};

}  // namespace cablesim::sim
