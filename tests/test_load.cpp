// cablesim load, as users run it: against a relay started as its own process, and in-process.
#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>

#include <asio.hpp>

#include "cablesim/net/load.hpp"
#include "cablesim/report.pb.h"
#include "processes.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace cablesim;

namespace {

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("cablesim_load_" + std::to_string(getpid()) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// The shipped load topology with every port 0: stations listen where they like and say where.
fs::path topology_on_any_port(const fs::path& dir) {
  const auto text = std::regex_replace(test::read_file(test::source_dir() / "topologies" / "load.textproto"),
                                       std::regex(R"(port: \d+)"), "port: 0");
  const auto file = dir / "load.textproto";
  std::ofstream(file) << text;
  return file;
}

LoadReport parse(const std::string& output) {
  // the JSON object is the one line that starts with '{'
  const auto at = output.find("\n{") == std::string::npos ? output.find('{') : output.find("\n{") + 1;
  REQUIRE(at != std::string::npos);
  LoadReport r;
  REQUIRE(google::protobuf::util::JsonStringToMessage(output.substr(at, output.find('\n', at) - at), &r).ok());
  return r;
}

/// GET http://127.0.0.1:port/metrics
std::string scrape(unsigned short port) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::address_v4::loopback(), port});
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  std::string response;
  std::error_code ec;
  asio::read(socket, asio::dynamic_buffer(response), ec);  // to the end: HTTP/1.0 closes
  return response;
}

/// The sum of a metric's samples whose labels include all of `labels`.
double metric(const std::string& text, const std::string& name, const std::vector<std::string>& labels) {
  double sum = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(name + "{")) continue;
    const auto close = line.find('}');
    const auto set = line.substr(0, close);
    if (std::all_of(labels.begin(), labels.end(), [&](const auto& l) { return set.find(l) != std::string::npos; }))
      sum += std::stod(line.substr(close + 2));
  }
  return sum;
}

/// A relay (RUEHEUR) run as its own process, `cablesim node` on `topology`, until the test ends;
/// it says where it listens (and serves its metrics, with `extra` arguments asking for them) in
/// `ports`.
struct relay_node {
  pid_t pid;
  relay_node(const fs::path& topology, const fs::path& ports, const fs::path& log,
             const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{CABLESIM_BINARY, "node", topology.string(), "--station",   "RUEHEUR",
                                  "--log-level",   "warn", "--port-dir",      ports.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    pid = test::spawn(args, log);
  }
  relay_node(const relay_node&) = delete;
  relay_node& operator=(const relay_node&) = delete;
  ~relay_node() {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
};

}  // namespace

TEST_CASE("load: against a relay run as its own process, every copy arrives once (JSON), and its metrics count them",
          "[e2e][load]") {
  const auto dir = fresh_dir("node");
  const auto topo = topology_on_any_port(dir);
  const auto ports = dir / "ports";
  const auto relay_log = dir / "relay.log";
  const relay_node relay(topo, ports, relay_log, {"--metrics", "127.0.0.1:0"});
  REQUIRE(test::wait_for_files(
      ports, [&] { return fs::exists(ports / "RUEHEUR.port") && fs::exists(ports / "RUEHEUR.metrics"); },
      std::chrono::seconds(20)));

  const std::size_t count = 3000, fan_out = 2;
  const auto r = test::run_cablesim("load " + topo.string() + " --relay RUEHEUR --port-dir " + ports.string() +
                                    " --count " + std::to_string(count) + " --max-in-flight 128 --fan-out " +
                                    std::to_string(fan_out) + " --json 2>/dev/null");
  INFO(r.output << "\nrelay's log:\n" << test::read_file(relay_log));
  REQUIRE(r.status == 0);
  const auto report = parse(r.output);
  CHECK(report.sent() == count);
  CHECK(report.expected() == count * fan_out);
  CHECK(report.received() == count * fan_out);
  CHECK(report.lost() == 0);
  CHECK(report.duplicated() == 0);
  CHECK(report.to_size() == static_cast<int>(fan_out));
  CHECK(report.relay_queue_high_water() >= 0);  // a relay elsewhere says it too, in its copies
  uint32_t measured = 0;
  for (const auto& [precedence, l] : report.latency_us()) {
    measured += l.count();
    CHECK(l.p50() <= l.p99());
    CHECK(l.p99() <= l.max());
  }
  CHECK(measured == count * fan_out);

  // the relay's metrics: every cable received from the sender, one transmission and one
  // acknowledgment for each copy to each sink, queues empty now
  // (the relay may still be reading the last acknowledgments when load has gone: scrape until
  // it has taken them all, or 10 s have passed)
  const auto metrics_port = static_cast<unsigned short>(std::stoul(test::read_file(ports / "RUEHEUR.metrics")));
  std::string metrics;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    metrics = scrape(metrics_port);
  } while (metric(metrics, "cablesim_acknowledgments_total", {}) < count * fan_out &&
           std::chrono::steady_clock::now() < until);
  INFO(metrics);
  CHECK(metric(metrics, "cablesim_received_total", {"channel=\"" + report.from() + "\""}) == count);
  for (const auto& sink : report.to()) {
    // (a copy cut short by a FLASH goes again: one more transmission, one preemption)
    CHECK(metric(metrics, "cablesim_transmissions_total", {"channel=\"" + sink + "\""}) -
              metric(metrics, "cablesim_preemptions_total", {"channel=\"" + sink + "\""}) ==
          count);
    CHECK(metric(metrics, "cablesim_acknowledgments_total", {"channel=\"" + sink + "\""}) == count);
    CHECK(metrics.find("cablesim_queue_depth{station=\"RUEHEUR\",channel=\"" + sink + "\",precedence=\"ROUTINE\"} 0") !=
          std::string::npos);
  }
  CHECK(metric(metrics, "cablesim_handling_seconds_count", {}) == count);

  // a second run against the same relay: its cables are new to it (a relay drops what it has
  // handled before as a duplicate), so they all arrive too
  const auto again = test::run_cablesim("load " + topo.string() + " --relay RUEHEUR --port-dir " + ports.string() +
                                        " --count 1000 --json 2>/dev/null");
  REQUIRE(again.status == 0);
  CHECK(parse(again.output).received() == 1000);
  fs::remove_all(dir);
}

TEST_CASE("load: in-process, open loop at a rate, with a page of percentiles", "[e2e][load]") {
  const auto dir = fresh_dir("inproc");
  const auto topo = topology_on_any_port(dir);
  const std::size_t count = 2000;
  const auto r =
      test::run_cablesim("load " + topo.string() + " --relay RUEHEUR --in-process --rate 4000 --count " +
                         std::to_string(count) + " --backlog 500 --mix FLASH=1,ROUTINE=9 --size 3000 --json --html " +
                         (dir / "load.html").string() + " 2>/dev/null");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto report = parse(r.output);
  CHECK(report.mode() == "open");
  CHECK(report.offered_per_second() == 4000);
  CHECK(report.sent() == count + 500);
  CHECK(report.backlog() == 500);
  CHECK(report.received() == count + 500);
  CHECK(report.lost() == 0);
  CHECK(report.duplicated() == 0);
  CHECK(report.inversions() == 0);              // a FLASH that came while ROUTINE waited went first, every time
  CHECK(report.relay_queue_high_water() >= 0);  // known: its copies say it
  CHECK(report.cable_characters() >= 3000);
  // only the precedences of the mix, and the backlog is not measured
  REQUIRE(report.latency_us().size() == 2);
  CHECK(report.latency_us().at("FLASH").count() + report.latency_us().at("ROUTINE").count() == count);
  const auto page = test::read_file(dir / "load.html");
  CHECK(page.find("<svg") != std::string::npos);
  CHECK(page.find("FLASH (") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("load: at dual precedence, information copies go at ROUTINE under ACP 127's practice, and count there",
          "[e2e][load]") {
  const auto dir = fresh_dir("dual");
  const auto text = test::read_file(topology_on_any_port(dir));
  for (const bool acp127 : {true, false}) {  // the topology's practice: ACP127, or STATE (the default)
    INFO((acp127 ? "practice: ACP127" : "practice: STATE"));
    const auto topo = topology::load((acp127 ? "practice: ACP127\n" : "") + text, "load.textproto");
    std::mutex m;
    std::map<std::string, std::map<Precedence, int>> started;  // the relay's transmissions, by channel
    net::in_process_relay relay(topo, "RUEHEUR", [&](const station_event& a) {
      if (const auto* s = std::get_if<transmission_started>(&a)) {
        std::lock_guard lock(m);
        ++started[s->channel][s->precedence];
      }
    });
    net::load_options o;
    o.relay = "RUEHEUR";
    o.relay_endpoint = relay.endpoint();
    o.count = 300;
    o.max_in_flight = 32;
    o.fan_out = 3;
    o.dual = 1;
    o.mix = {0, 0, 1, 1, 0, 0};  // PRIORITY and IMMEDIATE
    net::choose_endpoints(topo, o);
    const auto r = net::run_load(topo, o);
    CHECK(r.lost() == 0);
    CHECK(r.duplicated() == 0);
    CHECK(r.inversions() == 0);  // each sink's copies counted against that sink's alone
    CHECK(r.dual_share() == 1);
    // what the relay sent to the action addressee's post, and to the information addressees'
    std::lock_guard lock(m);
    const auto action = started[o.to[0]];
    REQUIRE(action.size() == 2);
    const auto priority = action.at(PRIORITY), immediate = action.at(IMMEDIATE);
    CHECK(priority + immediate == static_cast<int>(o.count));
    using counts = std::map<Precedence, int>;
    const auto info = acp127 ? counts{{ROUTINE, static_cast<int>(o.count)}} : action;
    CHECK(started[o.to[1]] == info);
    CHECK(started[o.to[2]] == info);
    // each copy's latency counts under the precedence it went at
    const auto copies = [&](const char* p) {
      const auto it = r.latency_us().find(p);
      return it == r.latency_us().end() ? 0 : static_cast<int>(it->second.count());
    };
    CHECK(copies("PRIORITY") == priority * (acp127 ? 1 : 3));
    CHECK(copies("IMMEDIATE") == immediate * (acp127 ? 1 : 3));
    CHECK(copies("ROUTINE") == (acp127 ? 2 * static_cast<int>(o.count) : 0));
  }
  fs::remove_all(dir);
}

TEST_CASE("load: a relay that is not there, or not a relay, is a clear error", "[e2e][load]") {
  const auto dir = fresh_dir("errors");
  const auto topo = topology_on_any_port(dir);
  auto r = test::run_cablesim("load " + topo.string() + " --relay RUEHRO --count 10 2>&1");
  CHECK(r.status == 1);
  CHECK(r.output.find("RUEHRO is not a relay") != std::string::npos);
  r = test::run_cablesim("load " + topo.string() + " --relay RUEHEUR --count 10 --mix FLASH=x 2>&1");
  CHECK(r.status == 2);
  CHECK(r.output.find("--mix: 'x' is not a weight (a number, 0 or more)") != std::string::npos);
  r = test::run_cablesim("load " + topo.string() + " --relay RUEHEUR --in-process --count 10 --dual 0.5 2>&1");
  CHECK(r.status == 1);
  CHECK(r.output.find("--dual needs information addressees besides the action one: --fan-out 2 or more") !=
        std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("load: an inversion is a copy sent while one of higher precedence for its sink waited", "[load]") {
  SECTION("a relay that sends in the order received: the ROUTINE goes first though a FLASH came behind it") {
    net::inversion_count n(1);
    for (const auto p : {ROUTINE, FLASH, ROUTINE}) n.sent({p});
    CHECK(n.received(0, 0, ROUTINE, 2) == 1);  // the FLASH (1) and the ROUTINE (2) were there
    CHECK(n.received(1, 0, FLASH, 1) == 0);
    CHECK(n.received(2, 0, ROUTINE, 0) == 0);  // the FLASH has come
    CHECK(n.total() == 1);
  }
  SECTION("a ROUTINE that went before the FLASH came: no inversion, though the FLASH arrives after it") {
    net::inversion_count n(1);
    for (const auto p : {ROUTINE, FLASH}) n.sent({p});
    CHECK(n.received(0, 0, ROUTINE, 0) == 0);
    CHECK(n.received(1, 0, FLASH, 0) == 0);
  }
  SECTION("a higher one that was there first and went after") {
    net::inversion_count n(1);
    for (const auto p : {IMMEDIATE, PRIORITY, ROUTINE}) n.sent({p});
    CHECK(n.received(2, 0, ROUTINE, 0) == 2);
    CHECK(n.received(1, 0, PRIORITY, 0) == 1);
    CHECK(n.received(0, 0, IMMEDIATE, 0) == 0);
    CHECK(n.total() == 3);
  }
  SECTION("each sink has its own channel: a dual cable's information copy goes at ROUTINE") {
    net::inversion_count n(2);
    n.sent({IMMEDIATE, ROUTINE});
    n.sent({ROUTINE, ROUTINE});
    CHECK(n.received(1, 1, ROUTINE, 0) == 0);  // the information copy waiting at sink 1 is ROUTINE
    CHECK(n.received(1, 0, ROUTINE, 0) == 1);  // the action copy waiting at sink 0 is IMMEDIATE
    CHECK(n.received(0, 0, IMMEDIATE, 1) == 0);
    CHECK(n.received(0, 1, ROUTINE, 1) == 0);
  }
  SECTION("a copy that never comes was delivered after none: what was counted against it is taken back") {
    net::inversion_count n(1);
    for (const auto p : {ROUTINE, FLASH, IMMEDIATE, ROUTINE}) n.sent({p});
    CHECK(n.received(0, 0, ROUTINE, 3) == 2);  // the FLASH and the IMMEDIATE waited
    CHECK(n.received(1, 0, FLASH, 2) == 0);
    CHECK(n.received(3, 0, ROUTINE, 0) == 1);  // the IMMEDIATE still waits...
    CHECK(n.total() == 1);                     // ...and never comes: only the FLASH went after a ROUTINE
  }
  SECTION("thousands of cables: the counts hold as the tables grow") {
    net::inversion_count n(1);
    const std::size_t routine = 2500;
    for (std::size_t i = 0; i < routine; ++i) n.sent({ROUTINE});
    n.sent({FLASH});
    for (std::size_t i = 0; i < routine; ++i) n.sent({PRIORITY});
    // the first ROUTINE went with everything there: the FLASH and every PRIORITY behind it
    CHECK(n.received(0, 0, ROUTINE, 2 * routine) == routine + 1);
    // a PRIORITY that went before the FLASH: one inversion, not more
    CHECK(n.received(routine + 1, 0, PRIORITY, 0) == 1);
    // while the FLASH and the other PRIORITY have not come, what was counted against them is not
    // yet an inversion: only the PRIORITY that came after the first ROUTINE is
    CHECK(n.total() == 1);
    for (std::size_t k = routine; k <= 2 * routine; ++k)
      if (k != routine + 1) CHECK(n.received(k, 0, k == routine ? FLASH : PRIORITY, 0) == 0);
    CHECK(n.total() == routine + 2);
  }
}

/// The shipped load topology on any port, its relay's line to the sink (RUEHFR) paced at `bps`.
std::string slow_to_sink(int bps) {
  auto text = std::regex_replace(test::read_file(test::source_dir() / "topologies" / "load.textproto"),
                                 std::regex(R"(port: \d+)"), "port: 0");
  const std::string link = R"(links { a: "RUEHFR" b: "RUEHEUR" key: "load")";
  REQUIRE(text.find(link) != std::string::npos);
  text.replace(text.find(link), link.size(), link + " speed_bps: " + std::to_string(bps));
  return text;
}

TEST_CASE("load: the relay's queue high-water mark is the most that waited, not a sample, in process or not",
          "[e2e][load]") {
  // a slow line to the sink: every cable but the one on the line waits at the relay
  const auto text = slow_to_sink(100000);
  const auto topo = topology::load(text, "load.textproto");
  net::load_options o;
  o.relay = "RUEHEUR";
  o.to = {"RUEHFR"};
  o.count = 16;
  o.max_in_flight = o.count;  // all at once
  o.size = 1500;              // about 0.15 s on the line each
  o.mix = {0, 1, 0, 0, 0, 0};
  net::choose_endpoints(topo, o);
  LoadReport r;
  SECTION("in process") {
    net::in_process_relay relay(topo, "RUEHEUR");
    o.relay_endpoint = relay.endpoint();
    r = net::run_load(topo, o);
  }
  SECTION("a relay of its own (cablesim node)") {
    const auto dir = fresh_dir("high_water");
    std::ofstream(dir / "load.textproto") << text;
    const auto ports = dir / "ports";
    const relay_node relay(dir / "load.textproto", ports, dir / "relay.log");
    REQUIRE(test::wait_for_files(
        ports, [&] { return fs::exists(ports / "RUEHEUR.port"); }, std::chrono::seconds(20)));
    o.port_dir = ports.string();
    r = net::run_load(topo, o);
  }
  REQUIRE(r.received() == o.count);
  CHECK(r.relay_queue_high_water() == static_cast<int64_t>(o.count) - 1);
}

TEST_CASE("load: a closed loop that hears nothing back stops sending and reports every cable in flight lost",
          "[e2e][load]") {
  // a line to the sink so slow (10 bit/s) that no copy arrives while the load waits
  const auto topo = topology::load(slow_to_sink(10), "load.textproto");
  net::in_process_relay relay(topo, "RUEHEUR");
  net::load_options o;
  o.relay = "RUEHEUR";
  o.relay_endpoint = relay.endpoint();
  o.count = 100;
  o.max_in_flight = 5;
  o.drain_seconds = 0.3;
  o.mix = {0, 1, 0, 0, 0, 0};
  net::choose_endpoints(topo, o);
  const auto started = std::chrono::steady_clock::now();
  const auto r = net::run_load(topo, o);
  // it sent a window's worth, heard nothing for drain_seconds, and gave up: not all 100
  CHECK(r.sent() == o.max_in_flight);
  CHECK(r.received() == 0);
  CHECK(r.lost() == o.max_in_flight * o.to.size());
  CHECK(r.duplicated() == 0);
  // it gave up after the quiet time and the drain, not at once and not after a line's time
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= std::chrono::duration<double>(2 * o.drain_seconds));
  CHECK(took < std::chrono::seconds(20));
}

TEST_CASE("load: a load whose relay stops reading waits for it, and gives up after the quiet time", "[e2e][load]") {
  // The relay's thread stops at the first cable it receives, until the load has returned: the
  // connection fills, and a load behind its schedule (open loop), or with a window larger than
  // the connection holds (closed loop), waits for room instead of queueing the rest of its
  // cables in memory; hearing nothing for drain_seconds, it gives up and reports them lost.
  const auto topo =
      topology::load(std::regex_replace(test::read_file(test::source_dir() / "topologies" / "load.textproto"),
                                        std::regex(R"(port: \d+)"), "port: 0"),
                     "load.textproto");
  std::promise<void> load_returned;
  auto resume = load_returned.get_future().share();
  bool held = false;
  net::in_process_relay relay(topo, "RUEHEUR", [&](const station_event& a) {
    if (!held && std::holds_alternative<transmission_received>(a)) {
      held = true;  // (the relay's own thread: only it reads `held`)
      resume.wait();
    }
  });
  net::load_options o;
  o.relay = "RUEHEUR";
  o.relay_endpoint = relay.endpoint();
  o.count = 50000;  // 200 MB of cables: far more than the connection holds
  SECTION("open loop") { o.rate = 1e6; }
  SECTION("closed loop") { o.max_in_flight = o.count; }
  o.size = 3850;
  o.drain_seconds = 0.3;
  o.mix = {0, 1, 0, 0, 0, 0};
  net::choose_endpoints(topo, o);
  LoadReport r;
  try {
    r = net::run_load(topo, o);
  } catch (...) {
    load_returned.set_value();  // (the relay's thread must not wait for ever)
    throw;
  }
  load_returned.set_value();
  CHECK(r.sent() > 0);
  CHECK(r.sent() < o.count);  // it stopped when the connection was full
  CHECK(r.received() == 0);
  CHECK(r.lost() == r.sent() * o.to.size());
  CHECK(r.duplicated() == 0);
}

TEST_CASE("load: rides through a kill -9 of its journalled relay, three times: nothing lost, nothing twice",
          "[e2e][load][journal]") {
  const auto dir = fresh_dir("restart");
  const auto topo = topology_on_any_port(dir);
  const auto ports = dir / "ports";
  const auto journal = dir / "journal";
  auto start_relay = [&] {
    fs::remove(ports / "RUEHEUR.port");  // the restarted relay says its new port
    return test::spawn({CABLESIM_BINARY, "node", topo.string(), "--station", "RUEHEUR", "--log-level", "warn",
                        "--port-dir", ports.string(), "--journal", journal.string()},
                       dir / "relay.log");
  };
  auto relay = start_relay();
  REQUIRE(test::wait_for_files(
      ports, [&] { return fs::exists(ports / "RUEHEUR.port"); }, std::chrono::seconds(20)));
  // the load, as its own process: its progress line each second on stderr, its report on stdout
  const auto load_log = dir / "load.log", report_file = dir / "load.json";
  const auto load = test::spawn(
      {"/bin/sh", "-c",
       std::string("exec ") + CABLESIM_BINARY + " load " + topo.string() + " --relay RUEHEUR --port-dir " +
           ports.string() + " --duration 8 --max-in-flight 32 --fan-out 2 --json > " + report_file.string()},
      load_log);
  // three times, once the load has run another two seconds: kill -9, and start it again
  for (const int second : {2, 4, 6}) {
    const auto line = "load: " + std::to_string(second) + " s: sent ";
    REQUIRE(test::wait_for_files(
        dir, [&] { return test::read_file(load_log).find(line) != std::string::npos; }, std::chrono::seconds(60)));
    kill(relay, SIGKILL);
    waitpid(relay, nullptr, 0);
    relay = start_relay();
  }
  int status = 0;
  waitpid(load, &status, 0);
  kill(relay, SIGTERM);
  waitpid(relay, nullptr, 0);
  INFO("load's log:\n" << test::read_file(load_log) << "\nrelay's log:\n" << test::read_file(dir / "relay.log"));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  const auto r = parse(test::read_file(report_file));
  INFO(test::read_file(report_file));
  CHECK(r.sent() > 0);
  CHECK(r.received() == r.expected());
  CHECK(r.lost() == 0);
  CHECK(r.duplicated() == 0);
  CHECK(r.outages() == 3);  // it saw each one, and was back from each
  CHECK(r.relay_away_seconds() > 0);
  fs::remove_all(dir);
}
