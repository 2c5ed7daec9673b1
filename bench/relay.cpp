// bench/relay: a cablesim relay against a bare Asio forwarder, back to back, on loopback.
//
// The baseline forwards length-prefixed 4 KB frames from one TCP connection to another, one
// frame at a time (read a frame, write it, wait) and batched (read what is there, write every
// whole frame in it at once). The relay is the real one (net::in_process_relay: a station_runtime
// on its own thread), driven by the real load generator with ~4 KB cables, closed loop at several
// bounds on cables in flight, the best of which is set against the baseline (each the median of
// three runs; the ratio, the median of nine pairs run back to back), with the CPU time of the
// relay's thread per cable against the forwarder's per frame. The forwarding thread and the one
// driving it run on different CPUs, alike in both (see `placement`). It prints each figure
// with its baseline and their ratio; then bytes on the wire per cable against the cable's text,
// system calls per relayed cable (a relay in its own process, counted by `perf stat`, when perf
// is there), RSS per queued cable, and how long a FLASH arriving behind a backlog of ROUTINE
// waits in the relay before its transmission starts (its own line time excluded).
//
//   bench_relay [CABLES] [QUEUED]      (defaults 100000, and 1000000 queued for the RSS figure)
#include <asio.hpp>

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "cablesim/core/percentile.hpp"
#include "cablesim/net/load.hpp"
#include "cablesim/store/files.hpp"
#include "relay_process.hpp"

using namespace cablesim;
using namespace cablesim::bench;
using asio::ip::tcp;

namespace {

constexpr std::size_t frame_bytes = 4096;  // 4-byte length + 4092 bytes

/// The bare forwarder: accept `in` and `out`, forward frames from one to the other.
asio::awaitable<void> forward(tcp::socket in, tcp::socket out, bool batched) {
  std::vector<char> buffer(256 * 1024);
  std::size_t have = 0;
  for (;;) {
    if (!batched) {
      char header[4];
      co_await asio::async_read(in, asio::buffer(header), asio::use_awaitable);
      uint32_t n = 0;
      std::memcpy(&n, header, 4);
      n = ntohl(n);
      co_await asio::async_read(in, asio::buffer(buffer.data(), n), asio::use_awaitable);
      const std::array<asio::const_buffer, 2> frame{asio::buffer(header), asio::buffer(buffer.data(), n)};
      co_await asio::async_write(out, frame, asio::use_awaitable);
      continue;
    }
    have += co_await in.async_read_some(asio::buffer(buffer.data() + have, buffer.size() - have), asio::use_awaitable);
    std::size_t whole = 0;  // bytes of whole frames at the front
    while (whole + 4 <= have) {
      uint32_t n = 0;
      std::memcpy(&n, buffer.data() + whole, 4);
      n = ntohl(n);
      if (whole + 4 + n > have) break;
      whole += 4 + n;
    }
    if (whole) co_await asio::async_write(out, asio::buffer(buffer.data(), whole), asio::use_awaitable);
    std::memmove(buffer.data(), buffer.data() + whole, have - whole);
    have -= whole;
  }
}

/// Where the two busy threads of a run go: the one that forwards (the bare forwarder's, the
/// relay's) on one CPU, the one that drives it (the senders and receivers, the load generator) on
/// another. Left to the scheduler, both sometimes share one CPU for a whole run (a kernel that
/// packs tasks onto few virtual CPUs does so), and a run then measures the two threads taking
/// turns; and on a virtual machine one CPU may for minutes run at half the speed of the other.
/// So each pair of runs is placed alike, the forwarding thread on the faster CPU at the time.
struct placement {
  int forwarding = -1, driving = -1;         // -1: wherever the scheduler puts it
  double forwarding_ms = 0, driving_ms = 0;  // each CPU's time for the same fixed loop
};

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}
const std::vector<int> all_cpus = allowed_cpus();

/// Pin the calling thread to `cpu` (threads it starts from now on inherit it); -1: to every CPU
/// this process may use.
void pin_this_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (const int c : all_cpus)
    if (cpu < 0 || c == cpu) CPU_SET(c, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/// Milliseconds a fixed loop of arithmetic takes on `cpu` (about 50: long enough to see a CPU
/// that its host gives only part of the time, in slices of some milliseconds).
double probe_ms(int cpu) {
  double ms = 0;
  std::thread probe([&] {
    pin_this_thread(cpu);
    volatile uint64_t sink = 0;
    const auto t0 = clock_type::now();
    for (uint64_t i = 0; i < 100'000'000; ++i) sink = sink + i * i;
    ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
  });
  probe.join();
  return ms;
}

/// The faster two CPUs now: the forwarding thread on the faster.
placement choose_placement() {
  if (all_cpus.size() < 2) return {};
  std::vector<std::pair<double, int>> speed;
  for (const int c : all_cpus) speed.emplace_back(probe_ms(c), c);
  std::sort(speed.begin(), speed.end());
  return {speed[0].second, speed[1].second, speed[0].first, speed[1].first};
}

std::string describe(const placement& p) {
  if (p.forwarding < 0) return "threads placed by the scheduler (one CPU)";
  char buf[160];
  std::snprintf(buf, sizeof buf, "forwarding thread on CPU %d (a fixed loop: %.0f ms), driver on CPU %d (%.0f ms)",
                p.forwarding, p.forwarding_ms, p.driving, p.driving_ms);
  return buf;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct throughput {
  double per_second = 0;
  double cpu_us = 0;       // CPU time of the forwarding thread per frame or cable, user and system
  double load_cpu_us = 0;  // the load generator's thread's, per cable (both ends of the relay)
};

/// Frames a second through the bare forwarder, end to end, and its thread's CPU per frame.
throughput bare_forwarder(std::size_t frames, bool batched, const placement& where) {
  asio::io_context io(1);
  tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
  const auto port = acceptor.local_endpoint().port();
  double cpu = 0;
  pin_this_thread(where.forwarding);
  std::thread forwarder([&] {
    auto in = acceptor.accept();
    auto out = acceptor.accept();
    in.set_option(tcp::no_delay(true));
    out.set_option(tcp::no_delay(true));
    asio::co_spawn(io, forward(std::move(in), std::move(out), batched), asio::detached);
    const double start = thread_cpu_seconds();
    io.run();
    cpu = thread_cpu_seconds() - start;
  });
  pin_this_thread(where.driving);  // the writer's thread and this one, the reader
  asio::io_context client;
  tcp::socket sender(client), receiver(client);
  sender.connect({asio::ip::address_v4::loopback(), port});
  receiver.connect({asio::ip::address_v4::loopback(), port});
  sender.set_option(tcp::no_delay(true));
  std::vector<char> frame(frame_bytes, 'x');
  const uint32_t length = htonl(frame_bytes - 4);
  std::memcpy(frame.data(), &length, 4);
  const auto t0 = clock_type::now();
  std::thread writer([&] {
    std::vector<char> burst;
    for (int i = 0; i < 16; ++i) burst.insert(burst.end(), frame.begin(), frame.end());
    for (std::size_t sent = 0; sent < frames; sent += 16) asio::write(sender, asio::buffer(burst));
  });
  std::vector<char> sink(256 * 1024);
  std::size_t received = 0;
  const std::size_t total = (frames + 15) / 16 * 16 * frame_bytes;
  while (received < total) received += receiver.read_some(asio::buffer(sink));
  const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  writer.join();
  io.stop();
  forwarder.join();
  pin_this_thread(-1);
  const auto forwarded = static_cast<double>(total / frame_bytes);
  return {forwarded / seconds, cpu * 1e6 / forwarded};
}

/// Each figure is the median of three runs: this machine's speed drifts from run to run.
template <class Run>
throughput median_of_three(Run run) {
  std::array<throughput, 3> runs{run(), run(), run()};
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.per_second < b.per_second; });
  return runs[1];
}

std::size_t rss_kb(const std::string& pid = "self") {
  std::ifstream in("/proc/" + pid + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmRSS:")) return std::stoul(line.substr(6));
  return 0;
}

/// System calls the relay makes per relayed cable, counted by perf in a relay of its own.
std::string syscalls_per_cable(std::size_t cables) {
  if (std::system("perf stat -e raw_syscalls:sys_enter true > /dev/null 2>&1") != 0)
    return "not measured (perf, with tracepoint access, is not here: apt-get install linux-perf)";
  const auto text = load_topology_text();
  const auto counts = (std::filesystem::temp_directory_path() / "cablesim_bench_relay_perf.txt").string();
  LoadReport report;
  {
    relay_process relay(text, {"perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-o", counts});
    auto topo = topology::load(text, "load.textproto");
    auto o = relay.options(cables);
    net::choose_endpoints(topo, o);
    report = net::run_load(topo, o);
    relay.stop();  // perf writes its count
  }
  const auto out = store::read_file(counts).value_or("");
  std::filesystem::remove(counts);
  const auto line = out.find("raw_syscalls:sys_enter");
  if (line == std::string::npos) return "not measured (perf wrote no count)";
  const auto start = out.rfind('\n', line) + 1;
  const double calls = std::stod(out.substr(start, out.find(',', start) - start));
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.1f (%.0f in all, for %u cables; start-up and shutdown included)",
                calls / report.received(), calls, report.received());
  return buf;
}

/// GET /metrics from a node: the value of the sample of `name` that has all of `labels`.
double metric(unsigned short port, const std::string& name, const std::vector<std::string>& labels) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::address_v4::loopback(), port});
  asio::write(socket, asio::buffer(std::string("GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")));
  std::string response;
  std::error_code ec;
  asio::read(socket, asio::dynamic_buffer(response), ec);  // HTTP/1.0: to the end
  std::istringstream lines(response);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with(name + "{") && std::all_of(labels.begin(), labels.end(), [&](const std::string& l) {
          return line.find(l) != std::string::npos;
        }))
      return std::stod(line.substr(line.rfind(' ') + 1));
  return -1;
}

/// RSS per queued cable: `backlog` ROUTINE sent to a relay of its own whose line onward is paced
/// (10 Mbit/s: 3.3 ms a cable), so that nearly all of them wait there; its RSS before and after.
void rss_per_queued_cable(std::size_t backlog) {
  const auto text = load_topology_text("10000000");
  relay_process relay(text, {}, {"--metrics", "127.0.0.1:0"});
  const auto pid = relay.node_pid();
  const auto before_kb = rss_kb(pid);
  auto topo = topology::load(text, "load.textproto");
  auto o = relay.options(1);
  o.backlog = backlog;
  o.max_in_flight = 0;
  o.rate = 1;
  o.mix = {0, 0, 0, 0, 1, 0};  // one FLASH after the backlog
  o.drain_seconds = 1;
  net::choose_endpoints(topo, o);
  const auto r = net::run_load(topo, o);
  const auto after_kb = rss_kb(pid);
  const auto port = std::stoi(store::read_file(relay.ports() / "RUEHEUR.metrics").value_or("0"));
  const auto queued = metric(static_cast<unsigned short>(port), "cablesim_queue_depth",
                             {"channel=\"RUEHFR\"", "precedence=\"ROUTINE\""});
  const double grew = static_cast<double>(after_kb - before_kb) * 1024.0;
  std::printf(
      "RSS per queued cable: %.0f ROUTINE waiting at a relay of its own, its RSS grew %.1f MB (from %.1f MB): %.0f "
      "bytes each, %.2f x the %u-byte frame\n",
      queued, grew / 1048576.0, before_kb / 1024.0, queued > 0 ? grew / queued : 0.0,
      queued > 0 ? grew / queued / r.wire_bytes_per_cable() : 0.0, r.wire_bytes_per_cable());
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is measured
  const std::size_t cables = argc > 1 ? std::stoul(argv[1]) : 100000;
  const std::size_t queued = argc > 2 ? std::stoul(argv[2]) : 1000000;
  std::printf("relay benchmark: %zu cables of about 4 KB, loopback, %u cores\n", cables,
              std::thread::hardware_concurrency());

  auto where = choose_placement();
  std::printf("placement: %s\n", describe(where).c_str());
  const auto one = median_of_three([&] { return bare_forwarder(cables * 2, false, where); });
  const auto batched = median_of_three([&] { return bare_forwarder(cables * 2, true, where); });
  std::printf("bare forwarder, one frame at a time: %10.0f frames/s, its thread's CPU %.2f us a frame\n",
              one.per_second, one.cpu_us);
  std::printf("bare forwarder, batched:             %10.0f frames/s, its thread's CPU %.2f us a frame\n",
              batched.per_second, batched.cpu_us);

  // The relay, in this process, driven by the load generator, closed loop at several bounds on
  // cables in flight: a wide window keeps more parsed cables waiting at the relay than its core's
  // cache holds, a narrow one leaves the line idle while acknowledgments come back.
  LoadReport report;
  uint32_t lost = 0, duplicated = 0, runs = 0;
  auto relay_run = [&](std::size_t window) {
    const auto topo = load_topology();
    pin_this_thread(where.forwarding);  // the relay's thread
    net::in_process_relay relay(topo, "RUEHEUR");
    pin_this_thread(where.driving);  // this one, the load generator's
    auto o = relay_options(cables);
    o.max_in_flight = window;
    o.relay_endpoint = relay.endpoint();
    net::choose_endpoints(topo, o);
    const double start = relay.cpu_seconds(), load_start = thread_cpu_seconds();
    report = net::run_load(topo, o);
    const double load_cpu = thread_cpu_seconds() - load_start;
    lost += report.lost();
    duplicated += report.duplicated();
    ++runs;
    pin_this_thread(-1);
    return throughput{report.achieved_per_second(), (relay.cpu_seconds() - start) * 1e6 / report.received(),
                      load_cpu * 1e6 / report.received()};
  };
  throughput relayed;
  std::size_t best_window = 0;
  for (const std::size_t window : {16, 64, 256, 1024}) {
    const auto t = median_of_three([&] { return relay_run(window); });
    std::printf(
        "relay (in process, closed loop, %4zu in flight): %10.0f cables/s, its thread's CPU %.2f us a cable "
        "(the load generator's %.2f)\n",
        window, t.per_second, t.cpu_us, t.load_cpu_us);
    if (t.per_second > relayed.per_second) {
      relayed = t;
      best_window = window;
    }
  }
  // The ratio from pairs run back to back (the batched forwarder, then the relay at its best
  // window), each pair placed alike on the CPUs as they are at its start, the median of nine
  // pairs: the machine's speed drifts less within a pair, and the virtual machine this was
  // measured on has spells of a slow CPU in which a pair of five falls 0.1 below the others.
  std::array<double, 9> ratios{};
  for (auto& r : ratios) {
    where = choose_placement();
    const double bare = bare_forwarder(cables * 2, true, where).per_second;
    const double relay = relay_run(best_window).per_second;
    r = relay / bare;
    std::printf("pair: forwarder %.0f frames/s, relay %.0f cables/s, %.3f; %s\n", bare, relay, r,
                describe(where).c_str());
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf("relay, best of these (%zu in flight): %.0f cables/s; lost %u, duplicated %u in all %u runs\n",
              best_window, relayed.per_second, lost, duplicated, runs);
  std::printf("relay vs bare one at a time: %.3f\n", relayed.per_second / one.per_second);
  std::printf("relay vs bare batched, %zu pairs run back to back:", ratios.size());
  for (const double r : ratios) std::printf(" %.3f", r);
  std::printf("\nrelay vs bare batched: %.3f\n", ratios[ratios.size() / 2]);  // the median (scripts read this line)
  // what bounds the ratio: the relay's thread is busy the whole run, and the load generator's,
  // which plays both its neighbours, shares the machine's two cores with it
  std::printf("relay's thread CPU per cable: %.2f us, %.1f x the batched forwarder's per frame (%.2f us)\n",
              relayed.cpu_us, relayed.cpu_us / batched.cpu_us, batched.cpu_us);
  std::printf("load generator's thread CPU per cable (sending and receiving it): %.2f us\n", relayed.load_cpu_us);
  std::printf("bytes on the wire per cable: %u for %u characters of cable: %.2f x\n", report.wire_bytes_per_cable(),
              report.cable_characters(),
              static_cast<double>(report.wire_bytes_per_cable()) / report.cable_characters());
  std::printf("system calls per relayed cable: %s\n", syscalls_per_cable(cables / 2).c_str());

  rss_per_queued_cable(queued);

  // a backlog of ROUTINE at the relay (its line to the sink is paced, so they wait), then
  // FLASH cables: how long each waits in the relay from receipt to the start of its transmission
  const std::size_t backlog = std::min<std::size_t>(cables, 100000);
  std::mutex m;
  std::map<std::string, clock_type::time_point> arrived;
  std::vector<double> flash_wait_us;
  {
    const auto topo = load_topology("10000000");  // 10 Mbit/s: 3.3 ms a cable
    net::in_process_relay relay(topo, "RUEHEUR", [&](const station_event& a) {
      const auto now = clock_type::now();
      std::lock_guard lock(m);
      if (const auto* r = std::get_if<transmission_received>(&a)) {
        arrived[r->message_id] = now;
      } else if (const auto* s = std::get_if<transmission_started>(&a)) {
        const auto it = arrived.find(s->message_id);
        if (it == arrived.end()) return;
        if (s->precedence == FLASH)
          flash_wait_us.push_back(std::chrono::duration<double, std::micro>(now - it->second).count());
        arrived.erase(it);
      }
    });
    auto o = relay_options(20);
    o.relay_endpoint = relay.endpoint();
    o.backlog = backlog;
    o.max_in_flight = 0;
    o.rate = 20;  // 20 FLASH, one each 50 ms, through the backlog
    o.mix = {0, 0, 0, 0, 1, 0};
    o.drain_seconds = 1;  // the ROUTINE backlog drains at 300 a second: no waiting for it
    net::choose_endpoints(topo, o);
    net::run_load(topo, o);
  }
  std::lock_guard lock(m);
  std::sort(flash_wait_us.begin(), flash_wait_us.end());
  if (flash_wait_us.empty()) {
    std::printf("FLASH behind the backlog: no FLASH was seen\n");
  } else {
    std::printf(
        "FLASH behind %zu ROUTINE: %zu trials, receipt to transmission in the relay: p50 %.0f us, p99 %.0f us, "
        "max %.0f us\n",
        backlog, flash_wait_us.size(), nearest_rank(flash_wait_us, 0.5), nearest_rank(flash_wait_us, 0.99),
        flash_wait_us.back());
  }
  return 0;
}
