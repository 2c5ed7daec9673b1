// bench/scale: the virtual-time engine at scale (issue 8). The worldwide topology with every
// line unpaced, 16,000 generated cables of 3 addressees each: wall time over tcp and in memory,
// and peak RSS per filed cable; then a generated 3,000-station topology loaded and validated.
// Each run goes in its own child process so that its peak RSS is its own.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "cablesim/core/topology.hpp"
#include "cablesim/sim/runner.hpp"

using namespace cablesim;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int cables = 16000;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Peak resident set of this process, in KB.
long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

template <class F>
void in_child(F&& f) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    f();
    std::fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::printf("  (the run failed: status %d)\n", status);
}

void worldwide(sim::transport_kind transport, double today_seconds, double target_seconds) {
  auto text = read(std::string(CABLESIM_SOURCE_DIR) + "/topologies/worldwide.textproto");
  Topology proto;
  {
    const auto topo = topology::load(text, "worldwide.textproto");
    proto = topo.proto();
  }
  for (auto& l : *proto.mutable_links()) l.set_speed_bps(0);  // unpaced lines
  const auto topo = topology::from_proto(proto, "worldwide (unpaced)");
  Scenario sc;
  sc.set_name("scale");
  sc.set_seed(8);
  sc.set_duration_seconds(3600);
  auto* st = sc.add_streams();
  st->set_name("load");
  for (const auto& s : proto.stations())
    if (s.role() == POST) st->add_origins(s.ri());
  st->set_to_count(3);
  st->set_per_hour(cables);
  sim::scenario_file file;
  file.proto = sc;
  const auto rss0 = peak_rss_kb();
  sim::run_options options;
  options.speedup = 0;
  options.transport = transport;
  const auto t0 = clock_type::now();
  const auto report = sim::run(topo, file, options);
  const double wall = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::size_t copies = 0;
  for (const auto& p : report.precedences()) copies += p.delivered();
  const auto rss = peak_rss_kb() - rss0;
  std::printf("  %-6s %d cables filed, %zu copies delivered, complete: %s, %llu events\n",
              transport == sim::transport_kind::tcp ? "tcp" : "memory", report.filed_size(), copies,
              report.completed() ? "yes" : "NO", static_cast<unsigned long long>(report.wall_clock().events()));
  std::printf(
      "         wall %.2f s (today %.0f s, target <= %.0f s); peak RSS growth %.1f MB, %.2f KB per filed cable "
      "(today 44 KB, target <= 4 KB)\n",
      wall, today_seconds, target_seconds, static_cast<double>(rss) / 1024,
      static_cast<double>(rss) / report.filed_size());
}

void big_topology() {
  // 3,000 stations: 30 relays in a ring, 99 posts under each, every relay routing by prefix.
  std::string t = "name: \"generated\"\nepoch: \"2007-09-10T00:00:00Z\"\n";
  auto relay = [](int r) {
    return "RUEHZ" + std::string(1, static_cast<char>('A' + r / 26)) + static_cast<char>('A' + r % 26);
  };
  auto post = [](int r, int p) {
    return "RU" + std::string(1, static_cast<char>('A' + r / 26)) + static_cast<char>('A' + r % 26) +
           static_cast<char>('A' + p / 26) + static_cast<char>('A' + p % 26);
  };
  const int relays = 30, posts = 99;
  for (int r = 0; r < relays; ++r) {
    t += "stations { ri: \"" + relay(r) + "\" role: RELAY }\n";
    for (int p = 0; p < posts; ++p) t += "stations { ri: \"" + post(r, p) + "\" role: POST }\n";
  }
  t += "keys { name: \"k\" secret: \"s\" }\n";
  for (int r = 0; r < relays; ++r) {
    t += "links { a: \"" + relay(r) + "\" b: \"" + relay((r + 1) % relays) + "\" key: \"k\" }\n";
    for (int p = 0; p < posts; ++p) t += "links { a: \"" + post(r, p) + "\" b: \"" + relay(r) + "\" key: \"k\" }\n";
  }
  for (int r = 0; r < relays; ++r) {
    t += "routing { station: \"" + relay(r) + "\"";
    for (int o = 0; o < relays; ++o)
      if (o != r) {
        // the shorter way round the ring
        const int fwd = (o - r + relays) % relays;
        const int next = fwd <= relays / 2 ? (r + 1) % relays : (r + relays - 1) % relays;
        t += " routes { prefix: \"" + post(o, 0).substr(0, 4) + "\" via: \"" + relay(next) + "\" }";
        t += " routes { prefix: \"" + relay(o) + "\" via: \"" + relay(next) + "\" }";
      }
    t += " }\n";
    for (int p = 0; p < posts; ++p)
      t += "routing { station: \"" + post(r, p) + "\" default_route { via: \"" + relay(r) + "\" } }\n";
  }
  const auto t0 = clock_type::now();
  const auto topo = topology::load(t, "generated.textproto");
  const double s = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::printf("  %d stations, %d links: loaded and validated in %.3f s (today 19.9 s, target <= 0.5 s)\n",
              topo.proto().stations_size(), topo.proto().links_size(), s);
}

}  // namespace

int main(int argc, char** argv) {
  // bench_scale [memory|tcp|topology]: only that part (for profiling)
  const std::string only = argc > 1 ? argv[1] : "";
  std::printf("worldwide topology, unpaced lines, %d generated cables x 3 addressees:\n", cables);
  if (only.empty() || only == "memory") in_child([] { worldwide(sim::transport_kind::memory, 83, 2); });
  if (only.empty() || only == "tcp") in_child([] { worldwide(sim::transport_kind::tcp, 83, 8); });
  std::printf("a generated topology:\n");
  if (only.empty() || only == "topology") in_child([] { big_topology(); });
}
