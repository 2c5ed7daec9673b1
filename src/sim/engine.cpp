#include "cablesim/sim/engine.hpp"

#include <optional>
#include <stdexcept>
#include <vector>

namespace cablesim::sim {

engine::engine(asio::io_context& io, sim_time epoch, double speedup)
    : io_(io), epoch_(epoch), now_(epoch), speedup_(speedup) {}

uint64_t engine::schedule(sim_time at, event_key key, std::function<void()> what) {
  if (at < now_) at = now_;
  const auto handle = ++next_handle_;
  queue_.push({at, key, handle});
  pending_.emplace(handle, std::move(what));
  return handle;
}

void engine::cancel(uint64_t handle) { pending_.erase(handle); }

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
    while (!queue_.empty() && !pending_.count(queue_.top().handle)) queue_.pop();  // cancelled
    if (queue_.empty()) return false;
    const auto t = queue_.top().at;
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
    std::optional<event_key> last;
    while (!queue_.empty() && queue_.top().at == t) {
      const auto d = queue_.top();
      queue_.pop();
      const auto it = pending_.find(d.handle);
      if (it == pending_.end()) continue;  // cancelled
      if (last && *last == d.key) throw std::logic_error("two events with the same place in the canonical order");
      last = d.key;
      cycle.push_back(std::move(it->second));
      pending_.erase(it);
    }
    for (auto& what : cycle) {
      what();
      ++events_run_;
    }
  }
}

}  // namespace cablesim::sim
