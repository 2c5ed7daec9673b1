#include "cablesim/sim/engine.hpp"

#include <optional>
#include <stdexcept>
#include <vector>

namespace cablesim::sim {

engine::engine(asio::io_context& io, sim_time epoch, double speedup)
    : io_(io), epoch_(epoch), now_(epoch), speedup_(speedup) {}

uint64_t engine::schedule(sim_time at, event_key key, std::function<void()> what, bool background) {
  if (at < now_) at = now_;
  uint32_t index;
  if (free_slots_.empty()) {
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    index = free_slots_.back();
    free_slots_.pop_back();
  }
  auto& s = slots_[index];
  s.what = std::move(what);
  s.background = background;
  if (!background) ++foreground_;
  queue_.push({at, key, index, s.generation});
  return (static_cast<uint64_t>(s.generation) << 32) | index;
}

std::function<void()> engine::release(uint32_t index) {
  auto& s = slots_[index];
  auto what = std::move(s.what);
  s.what = nullptr;
  if (!s.background) --foreground_;
  ++s.generation;
  free_slots_.push_back(index);
  return what;
}

void engine::cancel(uint64_t handle) {
  const auto index = static_cast<uint32_t>(handle);
  const auto generation = static_cast<uint32_t>(handle >> 32);
  if (index < slots_.size() && slots_[index].generation == generation && slots_[index].what) release(index);
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

bool engine::run(sim_time until, const std::function<bool()>& done, const std::function<bool()>& busy) {
  if (!started_) {
    started_ = true;
    wall_start_ = std::chrono::steady_clock::now();
  }
  std::vector<std::function<void()>> cycle;
  for (;;) {
    wait_for_frames();
    if (done && done()) return true;
    while (!queue_.empty() && slots_[queue_.top().slot].generation != queue_.top().generation) queue_.pop();
    if (queue_.empty() || (foreground_ == 0 && !(busy && busy()))) return false;
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
      if (slots_[d.slot].generation != d.generation) continue;  // cancelled
      if (last && *last == d.key) throw std::logic_error("two events with the same place in the canonical order");
      last = d.key;
      cycle.push_back(release(d.slot));
    }
    for (auto& what : cycle) {
      what();
      ++events_run_;
    }
  }
}

}  // namespace cablesim::sim
