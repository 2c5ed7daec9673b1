// bench/durable: a relay with its journal (synchronous=FULL, group commit) against the same
// relay without one. Each is a `cablesim node` of its own, driven by the load generator in this
// process (~4 KB cables, closed loop, 2,000 in flight, the load's default precedence mix), back
// to back: three pairs, the median of each and the ratio of the medians. Then a FLASH through a
// backlog of 100,000 ROUTINE at the journalled relay (its line onward paced, so that they wait),
// end to end as the load measures it; and kill -9 of the journalled relay under load, started
// again on its journal, three times: what was lost and what came twice.
//
//   bench_durable [CABLES]      (default 100000 a throughput run)
#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>

#include "relay_process.hpp"

using namespace cablesim;
using namespace cablesim::bench;
namespace fs = std::filesystem;

namespace {

const fs::path journal_dir = fs::temp_directory_path() / ("cablesim_bench_durable_" + std::to_string(getpid()));

std::vector<std::string> journal_args(bool journalled) {
  if (!journalled) return {};
  return {"--journal", journal_dir.string()};
}

net::load_options closed_loop(const relay_process& relay, std::size_t cables) {
  auto o = relay.options(cables);
  o.max_in_flight = 2000;
  o.mix = net::load_options{}.mix;
  return o;
}

/// Copies received a second through a fresh relay, with a fresh journal or none.
double throughput(const topology& topo, std::size_t cables, bool journalled) {
  fs::remove_all(journal_dir);
  relay_process relay(load_topology_text(), {}, journal_args(journalled));
  auto o = closed_loop(relay, cables);
  net::choose_endpoints(topo, o);
  const auto r = net::run_load(topo, o);
  if (r.lost() || r.duplicated())
    std::printf("  (%s run: lost %u, duplicated %u)\n", journalled ? "journalled" : "unjournalled", r.lost(),
                r.duplicated());
  return static_cast<double>(r.received()) / r.seconds();
}

double median(std::array<double, 3> v) {
  std::sort(v.begin(), v.end());
  return v[1];
}

void print_latency(const LoadReport& r, const char* precedence) {
  const auto it = r.latency_us().find(precedence);
  if (it == r.latency_us().end()) {
    std::printf("  %-9s none seen\n", precedence);
    return;
  }
  const auto& l = it->second;
  std::printf("  %-9s %6u copies  p50 %8.0f us  p99 %8.0f us  max %8.0f us\n", precedence, l.count(), l.p50(), l.p99(),
              l.max());
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t cables = argc > 1 ? std::stoul(argv[1]) : 100000;
  const auto topo = load_topology();
  std::printf("durable relay: a node with its journal in %s against one without\n", fs::temp_directory_path().c_str());

  std::array<double, 3> plain{}, journalled{};
  for (std::size_t i = 0; i < 3; ++i) {
    plain[i] = throughput(topo, cables, false);
    journalled[i] = throughput(topo, cables, true);
    std::printf("  pair %zu: without a journal %8.0f copies/s, with %8.0f copies/s: %.3f x\n", i + 1, plain[i],
                journalled[i], journalled[i] / plain[i]);
  }
  std::printf("journalled vs unjournalled, %zu cables each, 2,000 in flight: %.0f against %.0f copies/s: %.3f x\n",
              cables, median(journalled), median(plain), median(journalled) / median(plain));

  {
    // the backlog waits at the relay: its line to the sink is paced at 100 Mbit/s (about 3,000
    // cables a second), and 20 FLASH a second go through it
    fs::remove_all(journal_dir);
    relay_process relay(load_topology_text("100000000"), {}, journal_args(true));
    auto o = relay.options(0);
    o.backlog = 100000;
    o.max_in_flight = 0;
    o.rate = 20;
    o.duration = 5;
    o.mix = {0, 0, 0, 0, 1, 0};
    o.drain_seconds = 1;  // the backlog drains for half a minute: not waited for
    const auto paced = load_topology("100000000");
    net::choose_endpoints(paced, o);
    const auto r = net::run_load(paced, o);
    std::printf("FLASH through a journalled backlog of %u ROUTINE (end to end, its own line time included):\n",
                r.backlog());
    print_latency(r, "FLASH");
  }

  {
    fs::remove_all(journal_dir);
    auto relay = std::make_unique<relay_process>(load_topology_text(), std::vector<std::string>{}, journal_args(true));
    auto o = closed_loop(*relay, 0);
    o.duration = 8;
    net::choose_endpoints(topo, o);
    std::string progress;
    std::mutex m;
    std::condition_variable cv;
    o.progress = [&](const std::string& line) {
      std::lock_guard lock(m);
      progress = line;
      cv.notify_all();
    };
    auto load = std::async(std::launch::async, [&] { return net::run_load(topo, o); });
    for (const int second : {2, 4, 6}) {
      const auto line = "load: " + std::to_string(second) + " s: sent ";
      std::unique_lock lock(m);
      cv.wait_for(lock, std::chrono::seconds(60), [&] { return progress.starts_with(line); });
      lock.unlock();
      relay->stop(SIGKILL);
      relay.reset();
      relay = std::make_unique<relay_process>(load_topology_text(), std::vector<std::string>{}, journal_args(true));
    }
    const auto r = load.get();
    std::printf(
        "kill -9 of the journalled relay under load, three times: sent %u, received %u of %u, lost %u, "
        "duplicated %u (outages seen %u, %u copies in flight at them, %u sent again, %u suspected "
        "duplicates; away %.2f s)\n",
        r.sent(), r.received(), r.expected(), r.lost(), r.duplicated(), r.outages(), r.in_flight_at_outages(),
        r.resent(), r.suspected_duplicates(), r.relay_away_seconds());
  }
  fs::remove_all(journal_dir);
  return 0;
}
