#include "cablesim/sim/engine.hpp"

#include <stdexcept>
#include <vector>

namespace cablesim::sim {

engine::engine(asio::io_context& io, sim_time epoch, double speedup)
    : io_(io), epoch_(epoch), now_(epoch), speedup_(speedup) {}

uint64_t engine::schedule(sim_time at, event_key key, std::function<void()> what) {
  if (at < now_) at = now_;
  const due d{at, key};
  const auto handle = ++next_handle_;
  if (!queue_.emplace(d, std::pair{handle, std::move(what)}).second)
    throw std::logic_error("two events with the same place in the canonical order");
  handles_.emplace(handle, d);
  return handle;
}

void engine::cancel(uint64_t handle) {
  const auto it = handles_.find(handle);
  if (it == handles_.end()) return;
  queue_.erase(it->second);
  handles_.erase(it);
}

void engine::wait_for_frames() {
  while (in_flight_ > 0) {
    if (io_.stopped()) io_.restart();
    io_.run_one();
  }
  if (io_.stopped()) io_.restart();
  io_.poll();  // let writers flush what the last cycle queued
}

void engine::pace(sim_time t) {
  if (speedup_ <= 0) return;
  const auto target =
      wall_start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        std::chrono::duration<double>(std::chrono::duration<double>(t - epoch_).count() / speedup_));
  while (std::chrono::steady_clock::now() < target) {
    if (io_.stopped()) io_.restart();
    io_.run_one_until(target);
  }
}

bool engine::run(sim_time until, const std::function<bool()>& done) {
  if (!started_) {
    started_ = true;
    wall_start_ = std::chrono::steady_clock::now();
  }
  std::vector<std::function<void()>> cycle;
  for (;;) {
    wait_for_frames();
    if (done && done()) return true;
    if (queue_.empty()) return false;
    const auto t = queue_.begin()->first.at;
    if (t > until) {
      now_ = until;
      return false;
    }
    pace(t);
    wait_for_frames();  // pacing let the sockets run; nothing new can be due before t
    now_ = t;
    // One delta cycle: the events due now, in canonical order; what they cause at this same
    // instant waits for the next cycle.
    cycle.clear();
    while (!queue_.empty() && queue_.begin()->first.at == t) {
      auto node = queue_.extract(queue_.begin());
      handles_.erase(node.mapped().first);
      cycle.push_back(std::move(node.mapped().second));
    }
    for (auto& what : cycle) {
      what();
      ++events_run_;
    }
  }
}

}  // namespace cablesim::sim
