#include "cablesim/net/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <stdexcept>

#include "cablesim/core/precedence.hpp"

namespace cablesim::net {
namespace {

/// Seconds from 50 µs to 10 s, a factor of about 2.5 apart (made once: observe() runs per cable).
const prometheus::Histogram::BucketBoundaries& seconds_buckets() {
  static const auto buckets = [] {
    prometheus::Histogram::BucketBoundaries b;
    for (double s = 50e-6; s < 11; s *= 2.5) b.push_back(s);
    return b;
  }();
  return buckets;
}

/// A metric family of this station's registry, labelled with the station.
template <class Builder>
auto& family(Builder builder, prometheus::Registry& registry, const std::string& station, const char* name,
             const char* help) {
  return builder.Name(name).Help(help).Labels({{"station", station}}).Register(registry);
}

}  // namespace

station_metrics::station_metrics(const std::string& station, const std::string& bind)
    : registry_(std::make_shared<prometheus::Registry>()),
      queue_(family(prometheus::BuildGauge(), *registry_, station, "cablesim_queue_depth",
                    "Copies waiting on a channel, by precedence (not counting the one on the line)")),
      unacknowledged_(family(prometheus::BuildGauge(), *registry_, station, "cablesim_unacknowledged",
                             "Copies sent on a channel that the next station has not yet acknowledged")),
      transmissions_(family(prometheus::BuildCounter(), *registry_, station, "cablesim_transmissions_total",
                            "Transmissions started on a channel, by precedence")),
      preemptions_(family(prometheus::BuildCounter(), *registry_, station, "cablesim_preemptions_total",
                          "Transmissions cut short for a more urgent cable")),
      acknowledgments_(family(prometheus::BuildCounter(), *registry_, station, "cablesim_acknowledgments_total",
                              "Transmissions the next station acknowledged (took in charge)")),
      received_(family(prometheus::BuildCounter(), *registry_, station, "cablesim_received_total",
                       "Transmissions received from a neighbour")),
      delivered_(family(prometheus::BuildCounter(), *registry_, station, "cablesim_delivered_total",
                        "Addressee copies delivered here, by precedence")),
      refused_(family(prometheus::BuildCounter(), *registry_, station, "cablesim_refused_total",
                      "Copies refused (INV, SEC, no route ...), each with a service message where one is due")),
      handling_(family(prometheus::BuildHistogram(), *registry_, station, "cablesim_handling_seconds",
                       "In-station handling: from receipt (or filing) to the start of the transmission onward")),
      acknowledgment_wait_(family(prometheus::BuildHistogram(), *registry_, station, "cablesim_acknowledgment_seconds",
                                  "From the start of a transmission to its acknowledgment by the next station")) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(bind);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics at " + bind + ": " + e.what());
  }
  exposer_->RegisterCollectable(registry_);
}

station_metrics::~station_metrics() = default;

unsigned short station_metrics::port() const {
  const auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : static_cast<unsigned short>(ports.front());
}

void station_metrics::observe(const station_event& event) {
  const auto now = clock::now();
  std::visit(overloaded{
                 [&](const queue_changed& x) {
                   for (int p = ROUTINE; p <= FLASH_OVERRIDE; ++p)
                     queue_.Add({{"channel", x.channel}, {"precedence", precedence_word(static_cast<Precedence>(p))}})
                         .Set(x.depth[static_cast<std::size_t>(p)]);
                 },
                 [&](const transmission_started& x) {
                   const auto p = precedence_word(x.precedence);
                   transmissions_.Add({{"channel", x.channel}, {"precedence", p}}).Increment();
                   unacknowledged_.Add({{"channel", x.channel}}).Increment();
                   on_line_[{x.channel, x.serial}] = now;
                   if (const auto it = arrived_.find(x.message_id); it != arrived_.end()) {
                     handling_.Add({{"precedence", p}}, seconds_buckets())
                         .Observe(std::chrono::duration<double>(now - it->second).count());
                     arrived_.erase(it);  // the first copy onward is the handling; the others go with it
                   }
                 },
                 [&](const transmission_cancelled& x) {
                   preemptions_.Add({{"channel", x.channel}}).Increment();
                   unacknowledged_.Add({{"channel", x.channel}}).Decrement();
                   on_line_.erase({x.channel, x.serial});
                 },
                 [&](const transmission_acknowledged& x) { acknowledged(x, now); },
                 [&](const transmission_received& x) {
                   received_.Add({{"channel", x.channel}}).Increment();
                   arrived_.emplace(x.message_id, now);
                 },
                 [&](const cable_filed& x) { arrived_.emplace(x.message_id, now); },
                 [&](const copy_delivered& x) {
                   delivered_.Add({{"precedence", precedence_word(x.precedence)}}).Increment();
                   arrived_.erase(x.message_id);
                 },
                 [&](const reject_copy& x) {
                   refused_.Add({{"reason", std::string(refusal_name(x.reason))}})
                       .Increment(static_cast<double>(x.ris.size()));
                 },
                 [&](const channel_changed& x) {
                   if (!x.up) {  // what was on the line or unacknowledged is taken back
                     unacknowledged_.Add({{"channel", x.channel}}).Set(0);
                     std::erase_if(on_line_, [&](const auto& e) { return e.first.first == x.channel; });
                   }
                 },
                 [](const auto&) {},  // the rest has no metric of its own
             },
             event);
}

void station_metrics::acknowledged(const transmission_acknowledged& x, clock::time_point now) {
  if (!x.expected) return;
  acknowledgments_.Add({{"channel", x.channel}}).Increment();
  unacknowledged_.Add({{"channel", x.channel}}).Decrement();
  if (const auto it = on_line_.find({x.channel, x.serial}); it != on_line_.end()) {
    acknowledgment_wait_.Add({{"channel", x.channel}}, seconds_buckets())
        .Observe(std::chrono::duration<double>(now - it->second).count());
    on_line_.erase(it);
  }
}

}  // namespace cablesim::net
