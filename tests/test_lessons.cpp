// Every lesson runs with one command and its report shows what its README promises.
#include <catch2/catch.hpp>

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <sys/wait.h>

#include "cablesim/core/acp127.hpp"
#include "cablesim/report.pb.h"
#include "cablesim/scenario.pb.h"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace cablesim;

namespace {

struct lesson_run {
  Report report;
  fs::path inbox;
  std::string output;
};

lesson_run run_lesson(const std::string& topology, const std::string& lesson, double speedup,
                      const std::string& options = "") {
  const auto root = test::source_dir();
  const auto dir = fs::temp_directory_path() / ("cablesim_lesson_" + std::to_string(getpid()) + "_" + lesson);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto result =
      test::run_cablesim("run " + (root / "topologies" / topology).string() + " --scenario " +
                         (root / "scenarios" / "lessons" / lesson / "scenario.textproto").string() + " --speedup " +
                         std::to_string(speedup) + " " + options + " --trace --inbox " + (dir / "inbox").string() +
                         " --report " + (dir / "r.json").string() + " --html " + (dir / "r.html").string() + " 2>&1");
  lesson_run r;
  r.output = result.output;
  REQUIRE(result.status == 0);
  REQUIRE(google::protobuf::util::JsonStringToMessage(test::read_file(dir / "r.json"), &r.report).ok());
  CHECK(test::read_file(dir / "r.html").find("<svg") != std::string::npos);
  r.inbox = dir / "inbox";
  return r;
}

std::string path_of(const Delivery& d) {
  std::string p;
  for (const auto& s : d.path()) p += (p.empty() ? "" : " ") + s;
  return p;
}

}  // namespace

TEST_CASE("lessons: 2, segregation and dual precedence", "[e2e][lessons]") {
  const auto r = run_lesson("seed.textproto", "2-segregation", 3000);
  INFO(r.output);
  REQUIRE(r.report.completed());
  int copies = 0;  // one delivery per addressee station of every cable filed
  for (const auto& f : r.report.filed()) copies += f.addressees_size();
  CHECK(copies > 0);
  CHECK(r.report.deliveries_size() == copies);
  std::set<std::string> split_to;
  for (const auto& e : r.report.link_events())
    if (e.from() == "RUEHEUR" && e.kind() == LinkEvent::START && e.message_id() == "RUEHRO-1919-2531426")
      split_to.insert(e.to());
  CHECK(split_to == std::set<std::string>{"RUEHWAS", "RUEHUNV", "RUEHRN", "RUEHRL", "RUEHLO", "RUEHFR"});
  // State practice (the default): every copy keeps FL5's higher precedence
  for (const auto& d : r.report.deliveries()) CHECK(d.precedence() == IMMEDIATE);
  const auto rn = test::read_file(r.inbox / "RUEHRN" / "RUEHRO-1919-2531426.txt");
  CHECK(rn.find("\nOO RUEHRN\n") != std::string::npos);
  CHECK(test::read_file(r.inbox / "RUEHFR" / "RUEHRO-0042-2531500.txt").find("\nOO RUEHFR\n") != std::string::npos);
  SECTION("and in ACP 127's: the information-only copies drop to ROUTINE") {
    const auto acp = run_lesson("seed.textproto", "2-segregation", 3000, "--practice ACP127");
    for (const auto& d : acp.report.deliveries()) {
      INFO(d.station() << " " << d.message_id());
      if (d.message_id() == "RUEHRO-1919-2531426")
        CHECK(d.precedence() == IMMEDIATE);
      else
        CHECK(d.precedence() == (d.station() == "RUEHC" ? IMMEDIATE : ROUTINE));
    }
    CHECK(test::read_file(acp.inbox / "RUEHFR" / "RUEHRO-0042-2531500.txt").find("\nRR RUEHFR\n") != std::string::npos);
  }
  CHECK(r.output.find("RUEHEUR splits the routing line: RUCNDT RUEHC -> channel to RUEHWAS") != std::string::npos);
}

TEST_CASE("lessons: 3, a link failure and rerouting", "[e2e][lessons]") {
  // (a moderate speedup: the filings sit a simulated minute from the link events)
  const auto r = run_lesson("seed.textproto", "3-link-failure", 1000);
  INFO(r.output);
  REQUIRE(r.report.completed());
  CHECK(r.report.duplicates() == 0);
  REQUIRE(r.report.events_size() == 2);
  const double down = r.report.events(0).at(), up = r.report.events(1).at();
  int via_london = 0, direct = 0;
  for (const auto& d : r.report.deliveries()) {
    const auto p = path_of(d);
    if (p == "RUEHRO RUEHEUR RUEHLO RUEHWAS RUEHC") {
      ++via_london;
      CHECK(d.delivered_at() > down);
    } else {
      CHECK(p == "RUEHRO RUEHEUR RUEHWAS RUEHC");
      ++direct;
    }
  }
  // In virtual time the count is exact: the cables filed while the trunk is down go via London
  // (each reaches RUEHEUR long before the next is filed), the others go direct.
  Scenario sc;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(
      test::read_file(test::source_dir() / "scenarios" / "lessons" / "3-link-failure" / "scenario.textproto"), &sc));
  REQUIRE(sc.filings_size() == 1);
  const auto& f = sc.filings(0);
  int during = 0;
  for (unsigned k = 0; k < f.repeat(); ++k) {
    const double at = f.at_seconds() + k * f.every_seconds();
    during += at >= down && at < up;
  }
  CHECK(during > 0);
  CHECK(via_london == during);
  CHECK(direct == static_cast<int>(f.repeat()) - during);
  CHECK(r.output.find("(alternate route)") != std::string::npos);
}

TEST_CASE("lessons: 4, misrouted and unroutable cables and their service messages", "[e2e][lessons]") {
  const auto r = run_lesson("seed.textproto", "4-service-messages", 1000);
  INFO(r.output);
  REQUIRE(r.report.completed());
  CHECK(r.report.service_messages() == 2);
  CHECK(r.report.rejected() == 1);   // RUEHXQ: no such station (ZEQ4)
  CHECK(r.report.misrouted() == 1);  // RUEHLO's copy goes on to Paris (ZEQ3)
  // The misrouted cable reaches Paris with the misroute pilot.
  // (a draft's message id holds its filing time: take whatever single copy Paris holds)
  REQUIRE(std::distance(fs::directory_iterator(r.inbox / "RUEHFR"), fs::directory_iterator{}) == 1);
  const auto paris = test::read_file(fs::directory_iterator(r.inbox / "RUEHFR")->path());
  CHECK(paris.find("\nDE RUEHRO #0001 ") != std::string::npos);
  // the pilot line comes between the new routing line and the one Rome gave it, which is kept
  CHECK(paris.find("\nPP RUEHFR\nZOV RUEHLO\nPP RUEHLO\nDE RUEHRO #0001 ") != std::string::npos);
  CHECK_FALSE(fs::exists(r.inbox / "RUEHLO"));
  // Both service messages reach Rome.
  std::string services;
  for (const auto& e : fs::directory_iterator(r.inbox / "RUEHRO")) services += test::read_file(e.path());
  // in the abbreviated form: no FM or TO lines, a terse text
  CHECK(services.find("\nDE RUEHLO #0001 ") != std::string::npos);
  CHECK(services.find("\nBT\nUNCLAS SVC ZEQ3 RUEHRO #0001 ") != std::string::npos);
  CHECK(services.find(" RUEHLO\nBT\n") != std::string::npos);  // ZEQ3 names the wrong RI
  CHECK(services.find("\nDE RUEHEUR #0001 ") != std::string::npos);
  CHECK(services.find("\nBT\nUNCLAS SVC ZEQ4 RUEHRO #0002 ") != std::string::npos);
  CHECK(services.find(" INV RUEHXQ\nBT\n") != std::string::npos);
  CHECK(services.find("\nFM ") == std::string::npos);
}

TEST_CASE("lessons: 5, a backlog drains by precedence", "[e2e][lessons]") {
  const auto r = run_lesson("teaching.textproto", "5-backlog", 6000);
  INFO(r.output);
  REQUIRE(r.report.completed());
  CHECK(r.report.duplicates() == 0);
  uint32_t trunk_high_water = 0;
  for (const auto& l : r.report.links())
    if (l.from() == "RUEHEUR" && l.to() == "RUEHWAS") trunk_high_water = l.queue_high_water();
  CHECK(trunk_high_water >= 5);
  std::map<Precedence, double> median;
  for (const auto& p : r.report.precedences()) median[p.precedence()] = p.latency_p50();
  REQUIRE(median.count(ROUTINE));
  REQUIRE(median.count(PRIORITY));
  REQUIRE(median.count(IMMEDIATE));
  CHECK(median[IMMEDIATE] < median[PRIORITY]);
  CHECK(median[PRIORITY] < median[ROUTINE]);
  if (median.count(FLASH)) CHECK(median[FLASH] < median[ROUTINE]);
}
