#include "cablesim/core/topology.hpp"

#include <catch2/catch.hpp>

#include <regex>

#include "cablesim/core/routing.hpp"
#include "support.hpp"

using namespace cablesim;
namespace fs = std::filesystem;

TEST_CASE("topology: every shipped topology validates and is fully connected", "[core][topology]") {
  int files = 0;
  for (const auto& e : fs::directory_iterator(test::source_dir() / "topologies")) {
    if (e.path().extension() != ".textproto" && e.path().extension() != ".json") continue;
    ++files;
    INFO(e.path().string());
    const auto text = test::read_file(e.path());
    CHECK(text.find("# proto-message: cablesim.Topology") != std::string::npos);
    const auto t = topology::load(text, e.path().string());
    const network_routes routes(t);
    int pairs = 0;
    for (const auto& a : t.proto().stations())
      for (const auto& b : t.proto().stations()) {
        if (a.ri() == b.ri()) continue;
        std::string error;
        const auto path = find_path(routes, a.ri(), b.ri(), &error);
        INFO(a.ri() << " -> " << b.ri() << ": " << error);
        REQUIRE(path.size() >= 2);
        CHECK(path.front() == a.ri());
        CHECK(path.back() == b.ri());
        ++pairs;
      }
    CHECK(pairs == t.proto().stations_size() * (t.proto().stations_size() - 1));
  }
  CHECK(files >= 3);
}

TEST_CASE("topology: the worldwide network uses 150+ real RIs", "[core][topology]") {
  const auto path = test::source_dir() / "topologies" / "worldwide.textproto";
  const auto t = topology::load(test::read_file(path), path.string());
  CHECK(t.proto().stations_size() >= 150);
  REQUIRE(t.station("RUEHC"));
  CHECK(t.station("RUEHC")->delivers_locally());
  CHECK(t.station_for_address("SECSTATE WASHDC") == t.station("RUEHC"));
}

TEST_CASE("topology: broken files are rejected with file:line:col and the problem", "[core][topology]") {
  int files = 0;
  for (const auto& e : fs::directory_iterator(test::source_dir() / "tests" / "data" / "topologies")) {
    const auto name = e.path().filename().string();
    if (!name.starts_with("bad_")) continue;
    ++files;
    const auto text = test::read_file(e.path());
    INFO(name);
    std::string expected;
    if (e.path().extension() == ".json") {
      expected = e.path().string() + ":7:27: unknown station 'RUEHQQ' in link";
    } else {
      std::smatch m;
      REQUIRE(std::regex_search(text, m, std::regex("# expect: (.*)")));
      expected = e.path().string() + ":" + m[1].str();
    }
    try {
      (void)topology::load(text, e.path().string());
      FAIL("accepted a broken topology");
    } catch (const config_error& err) {
      INFO(err.what());
      REQUIRE_FALSE(err.problems().empty());
      CHECK(err.problems().front().starts_with(expected));
    }
  }
  CHECK(files >= 10);
}

namespace {
/// The problems topology::load finds in `text` (none: it loaded).
std::vector<std::string> problems_of(const std::string& text, const std::string& name) {
  try {
    (void)topology::load(text, name);
  } catch (const config_error& e) {
    return e.problems();
  }
  return {};
}
}  // namespace

TEST_CASE("topology: a port must be a TCP port, and one station's alone on its host", "[core][topology]") {
  const char* text = R"(
stations { ri: "RUEHAA" role: POST port: 70000 }
stations { ri: "RUEHBB" role: POST port: 17000 }
stations { ri: "RUEHCC" role: POST port: 17000 }
stations { ri: "RUEHDD" role: POST host: "127.0.0.2" port: 17000 }
stations { ri: "RUEHEE" role: POST port: 0 }
stations { ri: "RUEHFF" role: POST port: 0 }
links { a: "RUEHAA" b: "RUEHBB" insecure: true }
links { a: "RUEHBB" b: "RUEHCC" insecure: true }
links { a: "RUEHCC" b: "RUEHDD" insecure: true }
links { a: "RUEHDD" b: "RUEHEE" insecure: true }
links { a: "RUEHEE" b: "RUEHFF" insecure: true }
)";
  // 0 (any free port) may repeat, and the same port on another host is another address
  const auto problems = problems_of(text, "ports.textproto");
  REQUIRE(problems.size() == 2);
  CHECK(problems[0] ==
        "ports.textproto:2:36: station RUEHAA: port 70000 is not a TCP port (1 to 65535, or 0 for any free one)");
  CHECK(problems[1] == "ports.textproto:4:36: station RUEHCC listens on 127.0.0.1:17000, as station RUEHBB does");
}

TEST_CASE("config: a number that names no value of its enum is a problem, in text and in JSON", "[core][topology]") {
  const char* text = R"(
stations { ri: "RUEHAA" role: 7 }
stations { ri: "RUEHBB" role: POST }
links { a: "RUEHAA" b: "RUEHBB" insecure: true }
)";
  CHECK(problems_of(text, "roles.textproto") ==
        std::vector<std::string>{"roles.textproto:2:25: role 7 is not a StationRole (POST, RELAY)"});
  const char* json =
      R"({"stations": [{"ri": "RUEHAA", "role": 7}, {"ri": "RUEHBB", "role": "POST"}],
          "links": [{"a": "RUEHAA", "b": "RUEHBB", "insecure": true}]})";
  CHECK(problems_of(json, "roles.json") ==
        std::vector<std::string>{"roles.json:1:1: role 7 is not a StationRole (POST, RELAY)"});
}

TEST_CASE("topology: every problem of a file is reported, not just the first", "[core][topology]") {
  const char* text = R"(
stations { ri: "RUEHAA" role: POST }
stations { ri: "RUEHAA" role: POST }
links { a: "RUEHAA" b: "RUEHAA" }
links { a: "RUEHAA" b: "NOWHERE" }
)";
  const auto problems = problems_of(text, "many.textproto");
  REQUIRE(problems.size() == 3);
  CHECK(problems[0].starts_with("many.textproto:3:12: duplicate RI 'RUEHAA'"));
  CHECK(problems[1].starts_with("many.textproto:4:21: link from RUEHAA to itself"));
  CHECK(problems[2].starts_with("many.textproto:5:21: unknown station 'NOWHERE' in link"));
}
