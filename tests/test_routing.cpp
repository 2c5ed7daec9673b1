#include "cablesim/core/routing.hpp"

#include <catch2/catch.hpp>

#include "cablesim/core/acp127.hpp"
#include "support.hpp"

using namespace cablesim;

namespace {

topology shipped(const std::string& name) {
  const auto p = test::source_dir() / "topologies" / (name + ".textproto");
  return topology::load(test::read_file(p), p.string());
}

/// ACP 127's worked example: RUFD relays for its tributary RUFDAE and sends RX and RF traffic
/// on to the relay RXFP.
const char* rufd_topology = R"(
stations { ri: "RUFD" role: RELAY }
stations { ri: "RUFDAE" role: POST }
stations { ri: "RXFP" role: RELAY }
stations { ri: "RXFPSA" role: POST }
stations { ri: "RXFPC" role: POST }
stations { ri: "RFFWBG" role: POST }
links { a: "RUFD" b: "RUFDAE" }
links { a: "RUFD" b: "RXFP" }
links { a: "RXFP" b: "RXFPSA" }
links { a: "RXFP" b: "RXFPC" }
links { a: "RXFP" b: "RFFWBG" }
routing { station: "RUFD" routes { prefix: "RX" via: "RXFP" } routes { prefix: "RF" via: "RXFP" } }
routing { station: "RUFDAE" default_route { via: "RUFD" } }
routing { station: "RXFP" default_route { via: "RUFD" } }
routing { station: "RXFPSA" default_route { via: "RXFP" } }
routing { station: "RXFPC" default_route { via: "RXFP" } }
routing { station: "RFFWBG" default_route { via: "RXFP" } }
)";

Cable cable(const std::string& text) {
  auto r = acp127::parse(text);
  INFO((r.error ? r.error->format("cable") : ""));
  REQUIRE(r);
  return r.cable;
}

std::vector<std::string> v(std::initializer_list<const char*> l) { return {l.begin(), l.end()}; }

}  // namespace

TEST_CASE("routing: segregation matches ACP 127's worked example", "[core][routing]") {
  const auto t = topology::load(std::string(rufd_topology) + "practice: ACP127\n", "rufd.textproto");
  const routing_table rufd(t, "RUFD");
  const auto c = cable(
      "VZCZCXYZ0001\nPP RUFDAE RXFPSA RXFPC RFFWBG\nDE RUFD #0001 0011200\nZNR UUUUU\nP R 011200Z JAN 08\n"
      "FM ORIGINATOR\nTO RXFPSA/ADDRESSEE ONE\nRXFPC/ADDRESSEE TWO\nRFFWBG/ADDRESSEE THREE\n"
      "INFO RUFDAE/ADDRESSEE FOUR\nUNCLAS\n");
  const auto s = segregate(t, rufd, c);
  REQUIRE(s.unroutable.empty());
  REQUIRE(s.copies.size() == 2);
  CHECK(s.copies[0].via == "RUFDAE");
  CHECK(s.copies[0].precedence == ROUTINE);
  CHECK(s.copies[0].ris == v({"RUFDAE"}));
  CHECK(s.copies[1].via == "RXFP");
  CHECK(s.copies[1].precedence == PRIORITY);
  CHECK(s.copies[1].ris == v({"RXFPSA", "RXFPC", "RFFWBG"}));

  SECTION("without a dual precedence every copy keeps the routing line's precedence") {
    auto single = c;
    single.mutable_dtg_line()->mutable_precedence()->RemoveLast();
    const auto s2 = segregate(t, rufd, single);
    REQUIRE(s2.copies.size() == 2);
    CHECK(s2.copies[0].precedence == PRIORITY);
    CHECK(s2.copies[1].precedence == PRIORITY);
  }
  SECTION("in State Department practice (the default) every copy keeps FL5's higher precedence") {
    const auto state = topology::load(rufd_topology, "rufd.textproto");
    const auto s3 = segregate(state, routing_table(state, "RUFD"), c);
    REQUIRE(s3.copies.size() == 2);
    CHECK(s3.copies[0].precedence == PRIORITY);
    CHECK(s3.copies[1].precedence == PRIORITY);
  }
}

TEST_CASE("routing: a FLASH with dual precedence sends its FLASH copies first, separately", "[core][routing]") {
  // RXFPSA is an action addressee, RXFPC an information addressee: both behind RXFP
  const auto c = cable(
      "VZCZCXYZ0001\nZZ RXFPSA RXFPC\nDE RUFD #0001 0011200\nZNR UUUUU\nZ R 011200Z JAN 08\n"
      "FM ORIGINATOR\nTO RXFPSA/ADDRESSEE ONE\nINFO RXFPC/ADDRESSEE TWO\nUNCLAS\n");
  for (const auto* practice : {"STATE", "ACP127"}) {
    INFO(practice);
    const auto t = topology::load(std::string(rufd_topology) + "practice: " + practice + "\n", "rufd.textproto");
    const auto s = segregate(t, routing_table(t, "RUFD"), c);
    REQUIRE(s.copies.size() == 2);
    CHECK(s.copies[0].via == "RXFP");
    CHECK(s.copies[0].ris == v({"RXFPSA"}));
    CHECK(s.copies[0].precedence == FLASH);
    CHECK(s.copies[1].via == "RXFP");
    CHECK(s.copies[1].ris == v({"RXFPC"}));
    CHECK(s.copies[1].precedence == (std::string(practice) == "ACP127" ? ROUTINE : FLASH));
  }
}

TEST_CASE("routing: the seed cable on the seed network", "[core][routing]") {
  const auto t = shipped("seed");
  const network_routes routes(t);
  auto seed = cable(test::read_file(test::seed_cable()));
  // as filed at RUEHRO: FL2 lists every addressee station
  seed.mutable_routing_line()->clear_routing_indicators();
  for (const auto* ri : {"RUCNDT", "RUEHC", "RUEHUNV", "RUEHRN", "RUEHRL", "RUEHLO", "RUEHFR"})
    seed.mutable_routing_line()->add_routing_indicators(ri);

  SECTION("paths, worked by hand") {
    CHECK(find_path(routes, "RUEHRO", "RUEHFR") == v({"RUEHRO", "RUEHEUR", "RUEHFR"}));
    CHECK(find_path(routes, "RUEHRO", "RUCNDT") == v({"RUEHRO", "RUEHEUR", "RUEHWAS", "RUCNDT"}));
    CHECK(find_path(routes, "RUEHC", "RUEHLO") == v({"RUEHC", "RUEHWAS", "RUEHLO"}));
    CHECK(find_path(routes, "RUEHRN", "RUEHRN") == v({"RUEHRN"}));
  }
  SECTION("alternates when a link is down") {
    const down_links cut{{"RUEHEUR", "RUEHWAS"}};
    CHECK(find_path(routes, "RUEHRO", "RUEHC", nullptr, cut) == v({"RUEHRO", "RUEHEUR", "RUEHLO", "RUEHWAS", "RUEHC"}));
    const auto d = routes.at("RUEHEUR").route("RUEHC", {"RUEHWAS"});
    CHECK(d.kind == route_kind::channel);
    CHECK(d.via == "RUEHLO");
    CHECK(d.alternate);
    const auto none = routes.at("RUEHEUR").route("RUEHC", {"RUEHWAS", "RUEHLO"});
    CHECK(none.kind == route_kind::none);
    CHECK(none.reason.find("down") != std::string::npos);
  }
  SECTION("RUEHRO sends one copy; RUEHEUR splits it; RUEHWAS splits again") {
    const auto at_rome = segregate(t, routes.at("RUEHRO"), seed);
    REQUIRE(at_rome.copies.size() == 1);
    CHECK(at_rome.copies[0].via == "RUEHEUR");
    CHECK(at_rome.copies[0].ris.size() == 7);

    const auto at_eur = segregate(t, routes.at("RUEHEUR"), seed);
    REQUIRE(at_eur.copies.size() == 6);
    CHECK(at_eur.copies[0].via == "RUEHWAS");
    CHECK(at_eur.copies[0].ris == v({"RUCNDT", "RUEHC"}));
    CHECK(at_eur.copies[1].ris == v({"RUEHUNV"}));
    for (const auto& c : at_eur.copies) CHECK(c.precedence == IMMEDIATE);  // single precedence

    Cable washington = seed;
    washington.mutable_routing_line()->clear_routing_indicators();
    for (const auto& ri : at_eur.copies[0].ris) washington.mutable_routing_line()->add_routing_indicators(ri);
    const auto at_was = segregate(t, routes.at("RUEHWAS"), washington);
    REQUIRE(at_was.copies.size() == 2);
    CHECK(at_was.copies[0].ris == v({"RUCNDT"}));
    CHECK(at_was.copies[1].ris == v({"RUEHC"}));

    Cable paris = seed;
    paris.mutable_routing_line()->clear_routing_indicators();
    paris.mutable_routing_line()->add_routing_indicators("RUEHFR");
    const auto at_paris = segregate(t, routes.at("RUEHFR"), paris);
    REQUIRE(at_paris.copies.size() == 1);
    CHECK(at_paris.copies[0].kind == route_kind::local);
  }
  SECTION("an unknown RI has no route at a post without a default") {
    Cable odd = seed;
    odd.mutable_routing_line()->clear_routing_indicators();
    odd.mutable_routing_line()->add_routing_indicators("RUEHZZZ");
    const auto at_was = segregate(t, routes.at("RUEHWAS"), odd);
    CHECK(at_was.copies.size() == 1);  // RUEHWAS has a default route
    const topology bare = topology::load(rufd_topology, "rufd.textproto");
    const auto at_rufd = segregate(bare, routing_table(bare, "RUFD"), odd);
    CHECK(at_rufd.copies.empty());
    CHECK(at_rufd.unroutable == v({"RUEHZZZ"}));
    CHECK(at_rufd.unroutable_reasons[0] == "RUFD has no route for RUEHZZZ");
  }
}

TEST_CASE("routing: longest prefix wins, and neighbours match exactly", "[core][routing]") {
  const auto t = topology::load(R"(
stations { ri: "RUEHAA" role: RELAY }
stations { ri: "RUEHBB" role: RELAY }
stations { ri: "RUEHCC" role: RELAY }
stations { ri: "RUEHCCX" role: POST }
links { a: "RUEHAA" b: "RUEHBB" }
links { a: "RUEHAA" b: "RUEHCC" }
links { a: "RUEHCC" b: "RUEHCCX" }
routing {
  station: "RUEHAA"
  routes { prefix: "RUEH" via: "RUEHBB" }
  routes { prefix: "RUEHCCX" via: "RUEHCC" }
  default_route { via: "RUEHBB" }
}
routing { station: "RUEHBB" default_route { via: "RUEHAA" } }
routing { station: "RUEHCC" default_route { via: "RUEHAA" } }
routing { station: "RUEHCCX" default_route { via: "RUEHCC" } }
)",
                                "lpm.textproto");
  const routing_table aa(t, "RUEHAA");
  CHECK(aa.route("RUEHAA").kind == route_kind::local);
  CHECK(aa.route("RUEHCC").via == "RUEHCC");   // the neighbour, exactly
  CHECK(aa.route("RUEHCCX").via == "RUEHCC");  // longest prefix
  CHECK(aa.route("RUEHCCY").via == "RUEHBB");  // not the neighbour's RI: prefix RUEH
  CHECK(aa.route("RHMFISS").via == "RUEHBB");  // default route
}

TEST_CASE("routing: collectives expand, XMT removes members", "[core][routing]") {
  const auto t = topology::load(std::string(rufd_topology) + R"(
collectives { ri: "RUFDCOL" address: "TEST COLLECTIVE" members: "RXFPSA" members: "RXFPC" members: "RUFDAE" }
)",
                                "col.textproto");
  const auto c = cable(
      "VZCZCXYZ0001\nRR RUFDCOL RFFWBG\nDE RUFD #0001 0011200\nZNR UUUUU\nR 011200Z JAN 08\n"
      "FM ORIGINATOR\nTO RUFDCOL/TEST COLLECTIVE\nRFFWBG/ADDRESSEE THREE\nXMT RXFPC/ADDRESSEE TWO\nUNCLAS\n");
  CHECK(expand_collectives(t, c, {"RUFDCOL", "RFFWBG"}) == v({"RXFPSA", "RUFDAE", "RFFWBG"}));
  const auto s = segregate(t, routing_table(t, "RUFD"), c);
  REQUIRE(s.copies.size() == 2);
  CHECK(s.copies[0].ris == v({"RXFPSA", "RFFWBG"}));
  CHECK(s.copies[1].ris == v({"RUFDAE"}));
}

TEST_CASE("routing: XMT by plain-language address removes the member that serves it", "[core][routing]") {
  auto text = std::string(rufd_topology) + R"(
collectives { ri: "RUFDCOL" address: "TEST COLLECTIVE" members: "RXFPSA" members: "RXFPC" members: "RUFDAE" }
)";
  text.replace(text.find(R"(ri: "RXFPC" role: POST)"), 22, R"(ri: "RXFPC" role: POST addresses: "AMEMBASSY TWO")");
  const auto t = topology::load(text, "col.textproto");
  const auto c = cable(
      "VZCZCXYZ0001\nRR RUFDCOL\nDE RUFD #0001 0011200\nZNR UUUUU\nR 011200Z JAN 08\n"
      "FM ORIGINATOR\nTO RUFDCOL/TEST COLLECTIVE\nXMT AMEMBASSY TWO\nUNCLAS\n");
  REQUIRE(c.exempted_size() == 1);
  CHECK(c.exempted(0).routing_indicator().empty());
  CHECK(expand_collectives(t, c, {"RUFDCOL"}) == v({"RXFPSA", "RUFDAE"}));
}
