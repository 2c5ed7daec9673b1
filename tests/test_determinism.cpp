// Virtual time: the same topology, scenario and seed give the same report (less its wall-clock
// section), trace and inbox, whatever the transport, the pacing or the load on the machine.
#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <regex>

#include "cablesim/report.pb.h"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace cablesim;

namespace {

/// Everything a run produced that must be reproducible.
struct outcome {
  int status = -1;
  std::string report;  // JSON, less the wall-clock section
  std::string trace;
  std::map<std::string, std::string> inbox;  // path under the inbox -> content
  Report parsed;
};

outcome run(const std::string& topology, const std::string& scenario, const std::string& flags) {
  static int runs = 0;
  const auto dir =
      fs::temp_directory_path() / ("cablesim_determinism_" + std::to_string(getpid()) + "_" + std::to_string(++runs));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto r =
      test::run_cablesim("run " + topology + " --scenario " + scenario + " " + flags + " --trace --inbox " +
                         (dir / "inbox").string() + " --report " + (dir / "r.json").string() + " 2>/dev/null");
  outcome o;
  o.status = r.status;
  o.trace = r.output;
  if (!google::protobuf::util::JsonStringToMessage(test::read_file(dir / "r.json"), &o.parsed).ok()) return o;
  Report without = o.parsed;
  without.clear_wall_clock();
  (void)google::protobuf::util::MessageToJsonString(without, &o.report);
  if (fs::exists(dir / "inbox"))
    for (const auto& e : fs::recursive_directory_iterator(dir / "inbox"))
      if (e.is_regular_file()) o.inbox[fs::relative(e.path(), dir / "inbox").string()] = test::read_file(e.path());
  fs::remove_all(dir);
  return o;
}

void same(const outcome& a, const outcome& b) {
  CHECK(a.status == b.status);
  CHECK(a.report == b.report);
  CHECK(a.trace == b.trace);
  CHECK(a.inbox == b.inbox);
}

/// Busy processes on every core while it lives.
class cpu_hog {
 public:
  cpu_hog() {
    for (long i = 0; i < std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)); ++i) {
      const pid_t pid = fork();
      if (pid == 0) {
        volatile unsigned long spins = 0;
        for (;;) spins = spins + 1;
      }
      pids_.push_back(pid);
    }
  }
  ~cpu_hog() {
    for (const auto pid : pids_) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }

 private:
  std::vector<pid_t> pids_;
};

/// The topology a lesson's scenario names in its `topology` field.
std::string topology_of(const fs::path& scenario) {
  std::smatch m;
  const auto text = test::read_file(scenario);
  REQUIRE(std::regex_search(text, m, std::regex("\ntopology: \"([^\"]+)\"")));
  return (scenario.parent_path() / m[1].str()).lexically_normal().string();
}

std::vector<fs::path> lessons() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(test::source_dir() / "scenarios" / "lessons"))
    if (fs::exists(e.path() / "scenario.textproto")) out.push_back(e.path() / "scenario.textproto");
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("determinism: lesson 5 twice, at two pacings and under a CPU hog, gives the same run", "[e2e][determinism]") {
  const auto scenario = test::source_dir() / "scenarios" / "lessons" / "5-backlog" / "scenario.textproto";
  const auto topo = topology_of(scenario);
  const auto first = run(topo, scenario.string(), "--speedup max");
  REQUIRE(first.status == 0);
  REQUIRE(first.parsed.deliveries_size() > 0);
  REQUIRE(first.parsed.preemptions() > 0);  // the run has contention worth reproducing
  const auto paced = run(topo, scenario.string(), "--speedup 20000");
  CHECK(paced.parsed.wall_clock().speedup() == 20000);
  same(first, paced);
  cpu_hog hog;
  same(first, run(topo, scenario.string(), "--speedup max"));
}

TEST_CASE("determinism: every lesson gives the same run over tcp and in memory", "[e2e][determinism]") {
  const auto all = lessons();
  REQUIRE(all.size() >= 5);
  for (const auto& scenario : all) {
    INFO(scenario.string());
    const auto tcp = run(topology_of(scenario), scenario.string(), "--speedup max --transport tcp");
    REQUIRE(tcp.status == 0);
    const auto memory = run(topology_of(scenario), scenario.string(), "--speedup max --transport memory");
    CHECK(tcp.parsed.wall_clock().transport() == "tcp");
    CHECK(memory.parsed.wall_clock().transport() == "memory");
    same(tcp, memory);
  }
}

TEST_CASE("determinism: the corpus replay twice, over tcp and in memory, under a CPU hog",
          "[e2e][determinism][corpus]") {
  const auto corpus = test::corpus_dir();
  if (corpus.empty()) return test::skipped("../shared/corpus is absent");
  const auto dir = fs::temp_directory_path() / ("cablesim_determinism_corpus_" + std::to_string(getpid()));
  fs::create_directories(dir);
  REQUIRE(test::run_cablesim("corpus topology " + (corpus / "cables").string() + " > " +
                             (dir / "t.textproto").string() + " 2>/dev/null")
              .status == 0);
  REQUIRE(test::run_cablesim("corpus scenario " + (corpus / "cables").string() + " > " +
                             (dir / "s.textproto").string() + " 2>/dev/null")
              .status == 0);
  const auto topo = (dir / "t.textproto").string(), scenario = (dir / "s.textproto").string();
  const auto first = run(topo, scenario, "--speedup max --transport tcp");
  REQUIRE(first.status == 0);
  REQUIRE(first.parsed.deliveries_size() > 0);
  same(first, run(topo, scenario, "--speedup max --transport memory"));
  cpu_hog hog;
  same(first, run(topo, scenario, "--speedup max --transport tcp"));
  fs::remove_all(dir);
}

TEST_CASE("identity: 12,000 cables filed at one post within one simulated minute are all delivered",
          "[e2e][identity]") {
  const auto dir = fs::temp_directory_path() / ("cablesim_identity_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const int cables = 12000;
  const auto cable = (test::source_dir() / "scenarios" / "cables" / "routine_report.txt").string();
  std::ofstream(dir / "s.textproto") << "name: \"many\"\nfilings { station: \"RUEHRO\" cable_file: \"" << cable
                                     << "\" at_seconds: 0 repeat: " << cables << " every_seconds: 0.004 }\n";
  const auto r = run((test::source_dir() / "topologies" / "seed.textproto").string(), (dir / "s.textproto").string(),
                     "--speedup max --transport memory");
  fs::remove_all(dir);
  REQUIRE(r.status == 0);
  CHECK(r.parsed.filed_size() == cables);
  std::set<std::string> ids;
  for (const auto& f : r.parsed.filed()) ids.insert(f.message_id());
  CHECK(ids.size() == static_cast<std::size_t>(cables));  // every identity distinct, although serials wrap
  std::size_t expected = 0;
  for (const auto& f : r.parsed.filed()) expected += static_cast<std::size_t>(f.addressees_size());
  CHECK(static_cast<std::size_t>(r.parsed.deliveries_size()) == expected);
  CHECK(r.parsed.duplicates() == 0);
  CHECK(r.parsed.completed());
}

TEST_CASE("completion: a run that ends with a copy neither delivered nor refused exits 3 and lists it",
          "[e2e][identity]") {
  // The seed cable on the teaching network's 75-baud trunk cannot arrive within 10 s.
  const auto dir = fs::temp_directory_path() / ("cablesim_incomplete_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "s.textproto")
      << "name: \"too short\"\nmax_seconds: 10\nfilings { station: \"RUEHRO\" cable_file: \""
      << test::seed_cable().string() << "\" at_seconds: 0 }\n";
  const auto r = run((test::source_dir() / "topologies" / "teaching.textproto").string(),
                     (dir / "s.textproto").string(), "--speedup max");
  fs::remove_all(dir);
  CHECK(r.status == 3);
  CHECK_FALSE(r.parsed.completed());
  REQUIRE(r.parsed.filed_size() == 1);
  CHECK(r.parsed.missing_size() == r.parsed.filed(0).addressees_size() - r.parsed.deliveries_size());
  CHECK(r.trace.find("NOT COMPLETE: ") != std::string::npos);
  for (const auto& m : r.parsed.missing())
    CHECK(r.trace.find(m.message_id() + " for " + m.station()) != std::string::npos);
}
