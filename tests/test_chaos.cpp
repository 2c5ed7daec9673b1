// The chaos campaign: random faults in virtual time, checked against DESIGN.md's invariants.
#include "cablesim/sim/chaos.hpp"

#include <catch2/catch.hpp>

#include <regex>

#include "support.hpp"

using namespace cablesim;
namespace fs = std::filesystem;

namespace {

topology topology_at(const fs::path& p) { return topology::load(test::read_file(p), p.string()); }

/// The number after "KEY": in a one-line JSON object.
double json_number(const std::string& json, const std::string& key) {
  std::smatch m;
  REQUIRE(std::regex_search(json, m, std::regex("\"" + key + "\": ([0-9.e+-]+)")));
  return std::stod(m[1]);
}

}  // namespace

TEST_CASE("chaos: 200 seeds on each shipped topology and on a ring it has never seen break no invariant",
          "[e2e][chaos]") {
  const auto root = test::source_dir();
  for (const auto& t :
       {root / "topologies" / "seed.textproto", root / "topologies" / "teaching.textproto",
        root / "topologies" / "worldwide.textproto", root / "tests" / "data" / "topologies" / "ring.textproto"}) {
    INFO(t.string());
    const auto r = test::run_cablesim("chaos " + t.string() + " --seeds 200 --json 2>/dev/null");
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(json_number(r.output, "seeds") == 200);
    CHECK(json_number(r.output, "faults") >= 200);  // one at least a seed
    CHECK(json_number(r.output, "cables") > 1000);
    CHECK(json_number(r.output, "seeds_per_second") > 0);
    CHECK(r.output.find("\"violations\": []") != std::string::npos);
  }
}

TEST_CASE("chaos: a seed draws the same plan every time, and --faults keeps just the faults it names",
          "[core][chaos]") {
  const auto topo = topology_at(test::source_dir() / "topologies" / "teaching.textproto");
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto a = sim::draw_plan(topo, seed), b = sim::draw_plan(topo, seed);
    CHECK(a.scenario.SerializeAsString() == b.scenario.SerializeAsString());
    REQUIRE_FALSE(a.faults.empty());
    const auto last = sim::draw_plan(topo, seed, std::nullopt, std::vector<std::size_t>{a.faults.size() - 1});
    REQUIRE(last.faults.size() == 1);
    CHECK(sim::describe(last.faults[0]) == sim::describe(a.faults.back()));
    CHECK(sim::draw_plan(topo, seed, std::nullopt, std::vector<std::size_t>{}).faults.empty());
  }
  // and the draws differ from seed to seed, in traffic and in faults
  CHECK(sim::draw_plan(topo, 1).scenario.SerializeAsString() != sim::draw_plan(topo, 2).scenario.SerializeAsString());
}

TEST_CASE("chaos: a failing seed is shrunk to the faults that break it, and its command reproduces it",
          "[e2e][chaos]") {
  // traffic with a deadline that a long outage breaks, and none that breaks it without one
  const auto root = test::source_dir();
  const auto topo_file = root / "topologies" / "teaching.textproto";
  const auto topo = topology_at(topo_file);
  const auto scenario = sim::load_scenario(root / "tests" / "data" / "scenarios" / "chaos_deadline.textproto", topo);
  sim::chaos_options o;
  o.seeds = 40;
  const auto r = sim::run_chaos(topo, scenario, o);
  REQUIRE_FALSE(r.failures.empty());
  const auto& f = r.failures.front();
  INFO("seed " << f.seed);
  REQUIRE_FALSE(f.violations.empty());
  CHECK(f.violations[0].invariant == "exactly once");
  REQUIRE_FALSE(f.faults.empty());  // the traffic alone meets its deadline
  const auto drawn = sim::draw_plan(topo, f.seed, scenario).faults.size();
  CHECK(f.faults.size() <= drawn);
  // the command it prints runs that seed with those faults: it fails again, the same way
  const auto again = test::run_cablesim("chaos " + topo_file.string() + " --scenario " +
                                        (root / "tests" / "data" / "scenarios" / "chaos_deadline.textproto").string() +
                                        " --seeds 1 --seed " + std::to_string(f.seed) + " --faults " +
                                        [&] {
                                          std::string s;
                                          for (const auto i : f.faults) s += (s.empty() ? "" : ",") + std::to_string(i);
                                          return s;
                                        }() +
                                        " 2>/dev/null");
  INFO(again.output);
  CHECK(again.status == 3);
  CHECK(again.output.find("seed " + std::to_string(f.seed) + " FAILS:\n  exactly once: ") != std::string::npos);
  CHECK(again.output.find("reproduce: cablesim chaos ") != std::string::npos);
  // and no fault left out of it could be: each one it kept is needed
  for (std::size_t k = 0; k < f.faults.size(); ++k) {
    auto fewer = f.faults;
    fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(k));
    CHECK(sim::run_plan(topo, sim::draw_plan(topo, f.seed, scenario, fewer), scenario).violations.empty());
  }
}

TEST_CASE("chaos: the checker finds each kind of violation it is told of", "[core][chaos]") {
  const sim_time t{std::chrono::hours(24 * 14000) + std::chrono::hours(10)};
  Report ok;
  ok.set_completed(true);
  auto invariants = [&](const std::vector<std::pair<std::string, station_event>>& events, const Report& r) {
    sim::chaos_checker check;
    for (const auto& [st, e] : events) check(st, e, t);
    std::vector<std::string> out;
    for (const auto& v : check.finish(r)) out.push_back(v.invariant);
    return out;
  };
  Cable copy;
  copy.mutable_routing_line()->add_routing_indicators("RUEHC");
  auto started = [&](uint32_t serial, Precedence p, std::string id) {
    transmission_started s;
    s.channel = "RUEHWAS";
    s.serial = serial;
    s.precedence = p;
    s.message_id = std::move(id);
    s.cable = &copy;
    return s;
  };
  using v = std::vector<std::string>;
  SECTION("nothing wrong, nothing found") {
    CHECK(invariants({{"RUEHEUR", started(1, ROUTINE, "A")}, {"RUEHEUR", started(2, ROUTINE, "B")}}, ok).empty());
  }
  SECTION("a serial skipped") {
    CHECK(invariants({{"RUEHEUR", started(1, ROUTINE, "A")}, {"RUEHEUR", started(3, ROUTINE, "B")}}, ok) ==
          v{"channel serials without gaps"});
  }
  SECTION("ROUTINE sent with FLASH waiting") {
    auto s = started(1, ROUTINE, "A");
    s.waiting[FLASH] = 1;
    CHECK(invariants({{"RUEHEUR", s}}, ok) == v{"precedence"});
  }
  SECTION("a preemption by a lower precedence") {
    CHECK(invariants({{"RUEHEUR", transmission_cancelled{"RUEHWAS", 1, "A", "", FLASH, ROUTINE}}}, ok) ==
          v{"preemption"});
  }
  SECTION("queued A then B, sent B then A") {
    CHECK(invariants({{"RUEHEUR", copy_relayed{"A", "", {"RUEHC"}, "RUEHWAS", ROUTINE, false, false, false}},
                      {"RUEHEUR", copy_relayed{"B", "", {"RUEHC"}, "RUEHWAS", ROUTINE, false, false, false}},
                      {"RUEHEUR", started(1, ROUTINE, "B")},
                      {"RUEHEUR", started(2, ROUTINE, "A")}},
                     ok) == v{"FIFO within a precedence"});
  }
  SECTION("an open number for a serial the receiver had") {
    CHECK(invariants(
              {{"RUEHWAS", transmission_received{"RUEHEUR", 4, "A", ""}}, {"RUEHWAS", open_number{"RUEHEUR", 4, 4}}},
              ok) == v{"no false open number"});
  }
  SECTION("one message id numbered twice") {
    cable_filed f;
    f.message_id = "RUEHRO-0001-2531000";
    CHECK(invariants({{"RUEHRO", f}, {"RUEHRO", f}}, ok) == v{"numbering"});
  }
  SECTION("a copy lost") {
    Report lost;
    lost.set_completed(false);
    auto* m = lost.add_missing();
    m->set_message_id("RUEHRO-0001-2531000");
    m->set_station("RUEHC");
    CHECK(invariants({}, lost) == v{"exactly once"});
  }
}
