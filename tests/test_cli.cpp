// The cablesim binary as users run it: exit codes and output of parse, format, explain.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <utility>
#include <vector>

#include "cablesim/net/frame.hpp"
#include "support.hpp"

namespace {

cablesim::test::command_result run(const std::string& args) { return cablesim::test::run_cablesim(args + " 2>&1"); }

std::filesystem::path temp_file(const std::string& name, const std::string& content) {
  const auto p = std::filesystem::temp_directory_path() / ("cablesim_test_" + std::to_string(getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

}  // namespace

TEST_CASE("cli: parse prints JSON, format reads it back", "[cli]") {
  const auto seed = cablesim::test::seed_cable().string();
  const auto parsed = run("parse " + seed);
  REQUIRE(parsed.status == 0);
  CHECK(parsed.output.find("\"channel_designator\": \"XRO\"") != std::string::npos);
  CHECK(parsed.output.find("\"station_ri\": \"RUEHRO\"") != std::string::npos);
  const auto json = temp_file("seed.json", parsed.output);
  const auto formatted = run("format " + json.string());
  REQUIRE(formatted.status == 0);
  CHECK(formatted.output.find("VZCZCXRO2781\nOO RUEHRN\nDE RUEHRO #1919 2531426\n") != std::string::npos);
  std::filesystem::remove(json);
}

TEST_CASE("cli: explain annotates every format line", "[cli]") {
  const auto r = run("explain " + cablesim::test::seed_cable().string());
  REQUIRE(r.status == 0);
  CHECK(r.output.find("originated by station RUEHRO, its serial 1919, filed day 253 (10 Sep) at 14:26Z") !=
        std::string::npos);
  CHECK(r.output.find("channel designator XRO, channel serial 2781") != std::string::npos);
  CHECK(r.output.find("station RUEHRN must deliver") != std::string::npos);
  CHECK(r.output.find("CONFIDENTIAL") != std::string::npos);
}

TEST_CASE("cli: errors and exit codes", "[cli]") {
  SECTION("bad cable text: file:line:col and exit 1") {
    const auto bad = temp_file("bad.txt",
                               "VZCZCXRO0001\nRR RUEHC\nDE RUEHRO #0001 2531426\nZNR UUUUU\n"
                               "R 101426Z SEPT 07\nFM X\nTO RUEHC/Y\n");
    const auto r = run("parse " + bad.string());
    CHECK(r.status == 1);
    CHECK(r.output.find(bad.string() + ":5:11: error: unknown month 'SEPT'") != std::string::npos);
    std::filesystem::remove(bad);
  }
  SECTION("bad JSON: exit 1") {
    const auto bad = temp_file("bad.json", "{ not json");
    const auto r = run("format " + bad.string());
    CHECK(r.status == 1);
    CHECK(r.output.find("error") != std::string::npos);
    std::filesystem::remove(bad);
  }
  SECTION("usage errors: exit 2") {
    CHECK(run("").status == 2);
    CHECK(run("frobnicate").status == 2);
    CHECK(run("parse").status == 2);
  }
}

TEST_CASE("cli: validate, routes, path and dot on the shipped topologies", "[cli][topology]") {
  const auto topo = (cablesim::test::source_dir() / "topologies" / "seed.textproto").string();
  SECTION("validate") {
    const auto ok = run("validate " + topo);
    CHECK(ok.status == 0);
    CHECK(ok.output.find("OK: 10 stations") != std::string::npos);
    const auto bad = (cablesim::test::source_dir() / "tests" / "data" / "topologies" / "bad_loop.textproto").string();
    const auto r = run("validate " + bad);
    CHECK(r.status == 1);
    CHECK(r.output.find(bad + ":12:3: routing loop RUEHAA -> RUEHBB -> RUEHAA") != std::string::npos);
  }
  SECTION("path") {
    const auto r = run("path " + topo + " RUEHRO RUEHFR");
    CHECK(r.status == 0);
    CHECK(r.output == "RUEHRO -> RUEHEUR -> RUEHFR\n");
    CHECK(run("path " + topo + " RUEHRO RUEHXYZ").status == 1);
  }
  SECTION("routes") {
    const auto r = run("routes " + topo + " --station RUEHEUR");
    CHECK(r.status == 0);
    CHECK(r.output.find("default  -> RUEHWAS  (alternates: RUEHLO)") != std::string::npos);
    CHECK(r.output.find("RUEHFR  -> RUEHFR  [neighbour]") != std::string::npos);
  }
  SECTION("dot") {
    const auto r = run("dot " + topo);
    REQUIRE(r.status == 0);
    CHECK(r.output.find("\"RUEHRO\" -- \"RUEHEUR\"") != std::string::npos);
  }
}

// On its own: a skip for want of Graphviz covers only this case.
TEST_CASE("cli: dot's output renders with Graphviz", "[cli][topology]") {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) return cablesim::test::skipped("Graphviz dot not installed");
  const auto topo = (cablesim::test::source_dir() / "topologies" / "seed.textproto").string();
  const auto svg_path = temp_file("seed.svg", "");
  const auto cmd = std::string(CABLESIM_BINARY) + " dot " + topo + " | dot -Tsvg -o " + svg_path.string();
  CHECK(std::system(cmd.c_str()) == 0);
  CHECK(cablesim::test::read_file(svg_path).find("<svg") != std::string::npos);
  std::filesystem::remove(svg_path);
}

TEST_CASE("cli: a link without a key is refused unless the topology marks it insecure", "[cli][topology]") {
  const auto dir = cablesim::test::source_dir() / "tests" / "data" / "topologies";
  const auto keyless = run("run " + (dir / "keyless.textproto").string());
  CHECK(keyless.status == 1);
  CHECK(keyless.output.find("link RUEHAA-RUEHBB: the link has no key") != std::string::npos);
  CHECK(run("run " + (dir / "keyless_insecure.textproto").string()).status == 0);
  // in memory no station listens on a network: nothing to authenticate
  CHECK(run("run " + (dir / "keyless.textproto").string() + " --transport memory").status == 0);
}

TEST_CASE("cli: a student's mistakes get an answer that helps", "[cli]") {
  const auto root = cablesim::test::source_dir();
  SECTION("a mistyped command: the nearest ones, and the list") {
    const auto r = run("rnu");
    CHECK(r.status == 2);
    CHECK(r.output.find("unknown command 'rnu'; did you mean 'run'?") != std::string::npos);
    CHECK(r.output.find("commands: parse format explain") != std::string::npos);
  }
  SECTION("a mistyped flag: the nearest of the command's flags") {
    const auto r = run("run " + (root / "topologies" / "teaching.textproto").string() + " --scenaro x.textproto");
    CHECK(r.status == 2);
    CHECK(r.output.find("cablesim run: unknown flag '--scenaro'; did you mean '--scenario'?") != std::string::npos);
  }
  SECTION("a command's own command (corpus scenario): its flags are known, a mistyped one is answered") {
    const auto cables = (root / "scenarios" / "cables").string();
    const auto r = run("corpus scenario " + cables + " --max-gap 5");
    CHECK(r.status == 0);
    CHECK(r.output.find("quiet time compressed to at most 5 s between filings") != std::string::npos);
    const auto typo = run("corpus scenario " + cables + " --max-gp 5");
    CHECK(typo.status == 2);
    CHECK(typo.output.find("cablesim corpus scenario: unknown flag '--max-gp'; did you mean '--max-gap'?") !=
          std::string::npos);
  }
  SECTION("a cable in JSON with a precedence that is none: the field and the precedences, exit 1") {
    const auto json = temp_file("precedence99.json", R"({"routingLine": {"precedence": [99]}})");
    const auto r = run("format " + json.string());
    CHECK(r.status == 1);
    CHECK(r.output.find(json.string() +
                        ": routing_line.precedence[0]: precedence 99 is not a Precedence (ROUTINE, PRIORITY, "
                        "IMMEDIATE, FLASH, FLASH_OVERRIDE)") != std::string::npos);
    std::filesystem::remove(json);
  }
  SECTION("a cable too long for a filing's frame: said before connecting, exit 1") {
    const auto huge = temp_file("huge.txt", std::string(cablesim::net::max_frame_size, 'A'));
    // nothing listens on port 1: the size is checked first
    const auto r = run("send 127.0.0.1:1 " + huge.string() + " --as RUEHRO --topology " +
                       (root / "topologies" / "seed-nodes.textproto").string());
    CHECK(r.status == 1);
    CHECK(r.output.find(huge.string() + ": error: " + std::to_string(cablesim::net::max_frame_size) +
                        " bytes of cable text: a filing goes in one frame, of at most " +
                        std::to_string(cablesim::net::max_frame_size) + " bytes") != std::string::npos);
    std::filesystem::remove(huge);
  }
  SECTION("a number out of its range: the range in words, exit 2") {
    const auto topo = (root / "topologies" / "load.textproto").string();
    for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
             {"load " + topo + " --relay RUEHEUR --rate -5", "--rate: expected a number above 0, got '-5'"},
             {"load " + topo + " --relay RUEHEUR --backlog -3", "--backlog: expected a number, 0 or more, got '-3'"},
             {"load " + topo + " --relay RUEHEUR --drain nan", "--drain: expected a number, 0 or more, got 'nan'"},
             {"load " + topo + " --relay RUEHEUR --mix FLASH=-1,ROUTINE=1",
              "--mix: '-1' is not a weight (a number, 0 or more)"},
             {"load " + topo + " --relay RUEHEUR --mix ROUTINE=5abc", "--mix: '5abc' is not a weight"},
             {"run " + topo + " --speedup 5abc", "expected a positive number or max, got '5abc'"},
             {"corpus scenario " + (root / "scenarios" / "cables").string() + " --max-gap -1",
              "--max-gap: expected a number, 0 or more, got '-1'"},
         }) {
      INFO(args);
      const auto r = run(args);
      CHECK(r.status == 2);
      CHECK(r.output.find(expected) != std::string::npos);
      CHECK(r.output.find("17976931348623157") == std::string::npos);  // not the largest double
    }
  }
  SECTION("a scenario's numbers out of their range: each refused with its place, exit 1") {
    const auto cable = cablesim::test::read_file(cablesim::test::seed_cable());
    const auto cable_file = temp_file("seed.txt", cable);
    const auto filing = "filings { station: \"RUEHRO\" cable_file: \"" + cable_file.filename().string() + "\"";
    const auto topo = (root / "topologies" / "seed.textproto").string();
    const auto nan = temp_file("nan.textproto", filing + " at_seconds: nan }\n");
    auto r = run("run " + topo + " --scenario " + nan.string());
    CHECK(r.status == 1);
    CHECK(r.output.find(nan.string() + ":1:" + std::to_string(filing.size() + 2) +
                        ": at_seconds is not a finite number") != std::string::npos);
    const std::string repeat = " repeat: 100001", every = " every_seconds: -1";
    const auto ranges =
        temp_file("ranges.textproto", "speedup: -2\nmax_seconds: -1\n" + filing + repeat + every + " }\n");
    r = run("run " + topo + " --scenario " + ranges.string());
    CHECK(r.status == 1);
    const auto at = [&](int line, std::size_t column) {
      return ranges.string() + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
    };
    const auto repeat_column = filing.size() + 2, every_column = repeat_column + repeat.size();
    for (const auto& expected :
         {at(1, 1) + "speedup must not be negative", at(2, 1) + "max_seconds must not be negative",
          at(3, every_column) + "every_seconds must not be negative",
          at(3, repeat_column) + "repeat 100001 is above 100000 (for more, a stream generates cables)"})
      CHECK(r.output.find(expected) != std::string::npos);
    std::filesystem::remove(cable_file);
    std::filesystem::remove(nan);
    std::filesystem::remove(ranges);
  }
  SECTION("a folder given as the topology: a clear error, exit 1") {
    const auto r = run("validate " + (root / "topologies").string());
    CHECK(r.status == 1);
    CHECK(r.output.find("cannot read the topology file (it is a folder") != std::string::npos);
  }
  SECTION("a lesson's folder given as the scenario: its scenario file is named") {
    const auto lesson = root / "scenarios" / "lessons" / "1-flash-preemption";
    const auto r =
        run("run " + (root / "topologies" / "teaching.textproto").string() + " --scenario " + lesson.string());
    CHECK(r.status == 1);
    CHECK(r.output.find("it is a folder; did you mean " + (lesson / "scenario.textproto").string() + "?") !=
          std::string::npos);
  }
  SECTION("a scenario that files nothing says so") {
    const auto empty = temp_file("empty.textproto", "name: \"nothing\"\n");
    const auto r = run("run " + (root / "topologies" / "seed.textproto").string() + " --scenario " + empty.string());
    CHECK(r.status == 0);
    CHECK(r.output.find("note: the scenario files no cable (it has no filings and no streams)") != std::string::npos);
    std::filesystem::remove(empty);
  }
}

TEST_CASE("cli: a node whose topology names a host that does not resolve stops at start-up, exit 1", "[cli][net]") {
  auto text = cablesim::test::read_file(cablesim::test::source_dir() / "topologies" / "seed.textproto");
  const std::string station = "ri: \"RUEHEUR\" role: RELAY";
  REQUIRE(text.find(station) != std::string::npos);
  text.replace(text.find(station), station.size(), station + " host: \"no-such-host.invalid\"");
  const auto topo = temp_file("unresolvable.textproto", text);
  const auto ports = std::filesystem::temp_directory_path() / ("cablesim_ports_" + std::to_string(getpid()));
  // Rome's neighbour is the relay: Rome's node resolves it before it starts, and stops
  const auto r = run("node " + topo.string() + " --station RUEHRO --port-dir " + ports.string());
  CHECK(r.status == 1);
  CHECK(r.output.find("station RUEHEUR: host 'no-such-host.invalid' does not resolve") != std::string::npos);
  std::filesystem::remove(topo);
  std::filesystem::remove_all(ports);
}
