// Every lesson runs with one command and its report shows what its README promises.
#include <catch2/catch.hpp>

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <sys/wait.h>

#include <regex>
#include <sstream>

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
  const auto r = run_lesson("teaching.textproto", "3-link-failure", 1000);
  INFO(r.output);
  REQUIRE(r.report.completed());
  CHECK(r.report.duplicates() == 0);
  CHECK(r.report.open_numbers() == 0);  // the serial taken back is cancelled when the trunk is up
  REQUIRE(r.report.events_size() == 2);
  const double down = r.report.events(0).at(), up = r.report.events(1).at();
  // In virtual time the count is exact: the cables filed while the trunk is down go via London
  // (each reaches RUEHEUR long before the next is filed), and so does the one on the line when
  // it failed; the others go direct.
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
  int on_the_line = 0;  // transmissions started on the trunk before it failed and never ended
  for (const auto& e : r.report.replay())
    if (e.kind() == ReplayEvent::START && e.station() == "RUEHEUR" && e.channel() == "RUEHWAS" && e.at() < down &&
        e.until() > down)
      ++on_the_line;
  CHECK(on_the_line == 1);
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
  CHECK(during > 0);
  CHECK(via_london == during + on_the_line);
  CHECK(direct == static_cast<int>(f.repeat()) - via_london);
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

namespace {

/// A lesson README's parts: its command, its questions, its answers (each the quotes in it).
struct lesson_readme {
  std::string command;                            // "## Run it": the line that starts build/cablesim
  std::vector<std::string> questions;             // "## Questions": numbered items
  std::vector<std::vector<std::string>> answers;  // "## Answer key": each item's `quotes`
  std::vector<std::string> quoted_lines;          // every `HH:MM:SSZ ...` quote anywhere: trace lines
};

/// Numbered list items of a section, each joined into one line.
std::vector<std::string> numbered_items(const std::string& section) {
  std::vector<std::string> items;
  std::istringstream in(section);
  std::string line;
  const std::regex start(R"(^(\d+)\. (.*)$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, start))
      items.push_back(m[2]);
    else if (!items.empty() && !line.empty())
      items.back() += " " + line.substr(line.find_first_not_of(' '));
  }
  return items;
}

std::vector<std::string> quotes(const std::string& text) {
  std::vector<std::string> q;
  const std::regex code("`([^`]+)`");
  for (std::sregex_iterator it(text.begin(), text.end(), code), end; it != end; ++it) q.push_back((*it)[1]);
  return q;
}

std::string section(const std::string& text, const std::string& heading) {
  const auto at = text.find("\n## " + heading + "\n");
  if (at == std::string::npos) return "";
  const auto from = at + heading.size() + 5;
  const auto next = text.find("\n## ", from);
  return text.substr(from, next == std::string::npos ? std::string::npos : next - from);
}

lesson_readme read_readme(const fs::path& file) {
  const auto text = test::read_file(file);
  lesson_readme r;
  std::istringstream run(section(text, "Run it"));
  for (std::string line; std::getline(run, line);)
    if (line.starts_with("build/cablesim ")) r.command = line.substr(15);
  r.questions = numbered_items(section(text, "Questions"));
  for (const auto& item : numbered_items(section(text, "Answer key"))) r.answers.push_back(quotes(item));
  const std::regex trace_line(R"(^\d\d:\d\d:\d\dZ .*)");
  for (const auto& q : quotes(text))
    if (std::regex_match(q, trace_line)) r.quoted_lines.push_back(q);
  return r;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST_CASE("lessons: every README's answer key, and every trace line it quotes, is what its command prints",
          "[e2e][lessons]") {
  const auto root = test::source_dir();
  std::vector<fs::path> lessons;
  for (const auto& e : fs::directory_iterator(root / "scenarios" / "lessons"))
    if (e.is_directory()) lessons.push_back(e.path());
  std::sort(lessons.begin(), lessons.end());
  REQUIRE(lessons.size() >= 9);  // lessons 0-8
  for (const auto& dir : lessons) {
    DYNAMIC_SECTION(dir.filename().string()) {
      const auto readme = read_readme(dir / "README.md");
      REQUIRE_FALSE(readme.command.empty());
      REQUIRE_FALSE(readme.questions.empty());
      REQUIRE(readme.answers.size() == readme.questions.size());
      // run the command as written (from the project root, its out/ in a folder of the test's own);
      // runs are exact in virtual time, so the fastest pacing prints the same lines
      const auto out =
          fs::temp_directory_path() / ("cablesim_answers_" + std::to_string(getpid()) + "_" + dir.filename().string());
      fs::remove_all(out);
      fs::create_directories(out);
      std::string args = replace_all(readme.command, "out/", out.string() + "/");
      if (args.starts_with("run ")) args += " --speedup max";
      const auto result = test::run_command("cd " + root.string() + " && " + CABLESIM_BINARY + " " + args + " 2>&1");
      INFO(args << "\n" << result.output);
      REQUIRE(result.status == 0);
      // what a student reads: the output, and the copies the run wrote (--inbox)
      std::string shown = result.output;
      for (const auto& f : fs::recursive_directory_iterator(out))
        if (f.path().extension() == ".txt") shown += "\n" + test::read_file(f.path());
      for (std::size_t i = 0; i < readme.answers.size(); ++i) {
        INFO("question " << i + 1 << ": " << readme.questions[i]);
        REQUIRE_FALSE(readme.answers[i].empty());  // every answer quotes what shows it
        for (const auto& q : readme.answers[i]) {
          INFO("answer quotes: " << q);
          CHECK(shown.find(q) != std::string::npos);
        }
      }
      for (const auto& line : readme.quoted_lines) {
        INFO("README quotes: " << line);
        CHECK(shown.find(line) != std::string::npos);
      }
      fs::remove_all(out);
    }
  }
}
