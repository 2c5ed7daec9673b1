#include "cablesim/core/traffic.hpp"

#include <catch2/catch.hpp>

#include <google/protobuf/text_format.h>

#include "cablesim/core/acp127.hpp"
#include "support.hpp"

using namespace cablesim;

namespace {

Scenario backlog() {
  Scenario s;
  const auto text = test::read_file(test::source_dir() / "scenarios" / "lessons" / "5-backlog" / "scenario.textproto");
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &s));
  return s;
}

topology teaching() {
  const auto p = test::source_dir() / "topologies" / "teaching.textproto";
  return topology::load(test::read_file(p), p.string());
}

}  // namespace

TEST_CASE("traffic: the same scenario and seed give the same filings", "[core][traffic]") {
  const auto t = teaching();
  const auto a = generate_traffic(backlog(), t);
  const auto b = generate_traffic(backlog(), t);
  REQUIRE(a.size() > 20);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].at_seconds == b[i].at_seconds);
    CHECK(a[i].station == b[i].station);
    CHECK(a[i].cable.SerializeAsString() == b[i].cable.SerializeAsString());
  }
  auto other = backlog();
  other.set_seed(128);
  const auto c = generate_traffic(other, t);
  CHECK((c.size() != a.size() || c[0].cable.body() != a[0].cable.body() || c[0].at_seconds != a[0].at_seconds));
}

TEST_CASE("traffic: generated cables are drafts a post can file", "[core][traffic]") {
  const auto t = teaching();
  std::map<Precedence, int> seen;
  const auto scenario = backlog();
  for (const auto& g : generate_traffic(scenario, t)) {
    const auto text = acp127::render(g.cable);
    INFO(text);
    CHECK(g.at_seconds >= 0);
    CHECK(g.at_seconds < scenario.duration_seconds());
    // built directly, it is the very cable its text parses into
    auto r = acp127::parse(text, {.allow_draft = true});
    REQUIRE(r);
    r.cable.clear_text();
    CHECK(r.cable.SerializeAsString() == g.cable.SerializeAsString());
    REQUIRE(g.cable.action_size() == 1);
    ++seen[g.cable.action(0).precedence()];
    CHECK(t.station(g.cable.action(0).routing_indicator()));
  }
  CHECK(seen[ROUTINE] > seen[IMMEDIATE]);
}

TEST_CASE("traffic: a stream that names an unknown station is refused", "[core][traffic]") {
  auto s = backlog();
  s.mutable_streams(0)->add_origins("RUEHXX");
  CHECK_THROWS_AS(generate_traffic(s, teaching()), config_error);
}

TEST_CASE("traffic: a stream's numbers out of their range are refused, each named", "[core][traffic]") {
  auto s = backlog();
  auto& st = *s.mutable_streams(0);
  st.set_dual_precedence_share(1.5);
  st.set_max_characters(max_generated_characters + 1);
  st.set_start_seconds(-1);
  st.clear_precedence_mix();
  auto* p = st.add_precedence_mix();
  p->set_precedence(FLASH);
  p->set_weight(-1);
  const auto name = st.name().empty() ? std::string("stream 1") : st.name();
  try {
    (void)generate_traffic(s, teaching());
    FAIL("accepted");
  } catch (const config_error& e) {
    CHECK(e.problems() == std::vector<std::string>{
                              name + ": start_seconds and stop_seconds must not be negative",
                              name + ": dual_precedence_share must be between 0 and 1",
                              name + ": min_characters and max_characters must be at most " +
                                  std::to_string(max_generated_characters) + " (a cable's text)",
                              name + ": a weight in precedence_mix is negative",
                              name + ": precedence_mix has no weight above 0",
                          });
  }
}
