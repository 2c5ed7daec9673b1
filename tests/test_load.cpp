// cablesim load, as users run it: against a relay started as its own process, and in-process.
#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <regex>

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

}  // namespace

TEST_CASE("load: against a relay run as its own process, every copy arrives once (JSON)", "[e2e][load]") {
  const auto dir = fresh_dir("node");
  const auto topo = topology_on_any_port(dir);
  const auto ports = dir / "ports";
  const auto relay_log = dir / "relay.log";
  struct stop_relay {
    pid_t pid;
    ~stop_relay() {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  } relay{test::spawn({CABLESIM_BINARY, "node", topo.string(), "--station", "RUEHEUR", "--log-level", "warn",
                       "--port-dir", ports.string()},
                      relay_log)};
  REQUIRE(test::wait_for_files(
      ports, [&] { return fs::exists(ports / "RUEHEUR.port"); }, std::chrono::seconds(20)));

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
  CHECK(report.relay_queue_high_water() == -1);  // a relay elsewhere does not say
  uint32_t measured = 0;
  for (const auto& [precedence, l] : report.latency_us()) {
    measured += l.count();
    CHECK(l.p50() <= l.p99());
    CHECK(l.p99() <= l.max());
  }
  CHECK(measured == count * fan_out);
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
  CHECK(report.relay_queue_high_water() >= 0);  // known: the relay runs here
  CHECK(report.cable_characters() >= 3000);
  // only the precedences of the mix, and the backlog is not measured
  REQUIRE(report.latency_us().size() == 2);
  CHECK(report.latency_us().at("FLASH").count() + report.latency_us().at("ROUTINE").count() == count);
  const auto page = test::read_file(dir / "load.html");
  CHECK(page.find("<svg") != std::string::npos);
  CHECK(page.find("FLASH (") != std::string::npos);
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
  CHECK(r.output.find("--mix: 'x' is not a number") != std::string::npos);
  fs::remove_all(dir);
}
