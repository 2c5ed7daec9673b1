#pragma once
// A deterministic, socket-free network of core stations for tests: a discrete-event loop in
// virtual time that carries out the stations' actions the way the net layer does (hold the line
// for the line time, then deliver the frame after the propagation delay; cancel; acknowledge).

#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/station.hpp"

namespace cablesim::test {

class virtual_network {
 public:
  struct delivery {
    std::string station;
    deliver_copy copy;
    sim_time at;
  };

  explicit virtual_network(const topology& topo, sim_time start) : topo_(topo), now_(start) {
    for (const auto& s : topo.proto().stations()) stations_.emplace(s.ri(), std::make_unique<station>(topo, s.ri()));
  }

  /// Bring every channel up, as when all connections are made.
  void connect_all() {
    for (auto& [ri, st] : stations_)
      for (const auto& n : topo_.neighbours(ri)) act(ri, [&](station_actions& out) { st->channel_up(n.ri, now_, out); });
  }

  filing_outcome file(const std::string& ri, const std::string& text) {
    auto r = acp127::parse(text, {.allow_draft = true});
    if (!r) throw std::runtime_error(r.error->format("filing"));
    filing_outcome outcome;
    act(ri, [&](station_actions& out) { outcome = stations_.at(ri)->file(r.cable, now_, out); });
    return outcome;
  }

  /// Run events until none are left or virtual time passes `until`.
  void run(sim_time until = sim_time::max()) {
    while (!events_.empty() && events_.top().at <= until) {
      auto e = events_.top();
      events_.pop();
      if (cancelled_.erase(e.id)) continue;
      now_ = e.at;
      e.what();
    }
  }
  /// Run until `pred` holds (checked after each event) or nothing is left.
  template <class Pred>
  void run_until(Pred pred) {
    while (!events_.empty() && !pred()) {
      auto e = events_.top();
      events_.pop();
      if (cancelled_.erase(e.id)) continue;
      now_ = e.at;
      e.what();
    }
  }

  sim_time now() const { return now_; }
  station& at(const std::string& ri) { return *stations_.at(ri); }
  const std::vector<delivery>& deliveries() const { return deliveries_; }
  const std::vector<cancel_transmission>& cancels() const { return cancels_; }
  const std::vector<open_number>& open_numbers() const { return open_numbers_; }
  const std::vector<reject_copy>& rejects() const { return rejects_; }
  const std::vector<std::string>& notes() const { return notes_; }

  /// Simulate a link failure: both ends see their channel go down.
  void cut(const std::string& a, const std::string& b) {
    act(a, [&](station_actions& out) { stations_.at(a)->channel_down(b, now_, out); });
    act(b, [&](station_actions& out) { stations_.at(b)->channel_down(a, now_, out); });
  }

 private:
  struct event {
    sim_time at;
    uint64_t id;
    std::function<void()> what;
    bool operator<(const event& o) const { return at != o.at ? at > o.at : id > o.id; }
  };

  uint64_t schedule(sim_duration after, std::function<void()> what) {
    events_.push({now_ + std::chrono::duration_cast<sim_time::duration>(after), ++next_id_, std::move(what)});
    return next_id_;
  }

  sim_duration delay(const std::string& a, const std::string& b) const {
    const auto* l = topo_.link_between(a, b);
    return sim_duration{l ? l->delay_ms() : 0};
  }

  template <class F>
  void act(const std::string& ri, F&& f) {
    station_actions out;
    f(out);
    for (auto& a : out) apply(ri, std::move(a));
  }

  void apply(const std::string& ri, station_action a) {
    std::visit(
        [&](auto&& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, start_transmission>) {
            const auto key = ri + ">" + x.channel;
            auto frame = x.frame;
            const auto peer = x.channel;
            in_flight_[key] = schedule(x.line_time, [this, ri, peer, frame] {
              in_flight_.erase(ri + ">" + peer);
              act(ri, [&](station_actions& out) { stations_.at(ri)->transmission_done(peer, frame.channel_serial(), now_, out); });
              schedule(delay(ri, peer), [this, ri, peer, frame] {
                act(peer, [&](station_actions& out) { stations_.at(peer)->receive(ri, frame, now_, out); });
              });
            });
          } else if constexpr (std::is_same_v<T, cancel_transmission>) {
            cancels_.push_back(x);
            const auto key = ri + ">" + x.channel;
            if (auto it = in_flight_.find(key); it != in_flight_.end()) {
              cancelled_.insert(it->second);
              in_flight_.erase(it);
            }
            const auto peer = x.channel;
            const auto serial = x.serial;
            schedule(delay(ri, peer), [this, ri, peer, serial] {
              act(peer, [&](station_actions& out) { stations_.at(peer)->cancelled_by_sender(ri, serial, now_, out); });
            });
          } else if constexpr (std::is_same_v<T, send_ack>) {
            const auto peer = x.channel;
            const auto serial = x.serial;
            schedule(delay(ri, peer), [this, ri, peer, serial] {
              act(peer, [&](station_actions& out) { stations_.at(peer)->acknowledged(ri, serial, now_, out); });
            });
          } else if constexpr (std::is_same_v<T, deliver_copy>) {
            deliveries_.push_back({ri, std::move(x), now_});
          } else if constexpr (std::is_same_v<T, reject_copy>) {
            rejects_.push_back(std::move(x));
          } else if constexpr (std::is_same_v<T, open_number>) {
            open_numbers_.push_back(std::move(x));
          } else if constexpr (std::is_same_v<T, note>) {
            notes_.push_back(clock_label(now_) + " " + x.text);
          }
        },
        std::move(a));
  }

  const topology& topo_;
  sim_time now_;
  std::map<std::string, std::unique_ptr<station>> stations_;
  std::priority_queue<event> events_;
  std::set<uint64_t> cancelled_;
  std::map<std::string, uint64_t> in_flight_;
  uint64_t next_id_ = 0;
  std::vector<delivery> deliveries_;
  std::vector<cancel_transmission> cancels_;
  std::vector<open_number> open_numbers_;
  std::vector<reject_copy> rejects_;
  std::vector<std::string> notes_;
};

}  // namespace cablesim::test
