#pragma once
// The product's virtual-time network (sim::network), with every station's events recorded by
// kind for tests to assert on (a recorded transmission_started keeps a copy of its cable).

#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "cablesim/core/acp127.hpp"
#include "cablesim/sim/network.hpp"

namespace cablesim::test {

class recorded_network {
 public:
  struct delivery {
    std::string station;
    copy_delivered copy;
    sim_time at;
  };
  struct action {
    std::string station;
    station_event what;
    sim_time at;
  };

  recorded_network(const topology& topo, sim_time start, sim::transport_kind transport = sim::transport_kind::memory)
      : net_(topo, start, options(transport)) {}

  filing_outcome file(const std::string& ri, const std::string& text) {
    auto r = acp127::parse(text, {.allow_draft = true});
    if (!r) throw std::runtime_error(r.error->format("filing"));
    return net_.file(ri, std::move(r.cable));
  }
  /// Run until nothing is left to do, or virtual time passes `until`.
  void run(sim_time until = sim_time::max()) { net_.run(until); }
  void cut(const std::string& a, const std::string& b) { net_.set_link(a, b, false); }
  void mend(const std::string& a, const std::string& b) { net_.set_link(a, b, true); }

  sim_time now() const { return net_.now(); }
  station& at(const std::string& ri) { return net_.core(ri); }
  sim::network& network() { return net_; }

  const std::vector<delivery>& deliveries() const { return deliveries_; }
  const std::vector<action>& actions() const { return actions_; }
  /// Every event of kind T, in the order they were told.
  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& a : actions_)
      if (const auto* x = std::get_if<T>(&a.what)) out.push_back(*x);
    return out;
  }

 private:
  sim::network_options options(sim::transport_kind transport) {
    sim::network_options o;
    o.transport = transport;
    o.observe = [this](const std::string& station, const station_event& e, sim_time at) {
      if (const auto* d = std::get_if<copy_delivered>(&e)) deliveries_.push_back({station, *d, at});
      actions_.push_back({station, e, at});
      // a station lends the cable on the line only until its next decision: the record keeps a copy
      if (auto* s = std::get_if<transmission_started>(&actions_.back().what))
        s->cable = &cables_.emplace_back(*s->cable);
    };
    return o;
  }

  std::vector<delivery> deliveries_;
  std::vector<action> actions_;
  std::deque<Cable> cables_;  // of the transmissions started
  sim::network net_;          // last: its stations report into the vectors above
};

}  // namespace cablesim::test
