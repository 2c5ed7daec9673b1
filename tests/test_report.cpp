#include "cablesim/report/html.hpp"
#include "cablesim/report/html_writer.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace cablesim;

TEST_CASE("report: the HTML page is self-contained and shows the charts", "[report]") {
  Report r;
  r.set_topology("teaching");
  r.set_scenario("unit");
  r.set_epoch("2007-09-10T08:00:00Z");
  r.mutable_wall_clock()->set_speedup(60);
  r.set_duration(3600);
  r.set_completed(true);
  auto* f = r.add_filed();
  f->set_message_id("RUEHRO-0001-2530801");
  f->set_precedence(FLASH);
  f->add_addressees("RUEHC");
  auto* d = r.add_deliveries();
  d->set_message_id("RUEHRO-0001-2530801");
  d->set_station("RUEHC");
  d->set_precedence(FLASH);
  d->set_filed_at(60);
  d->set_delivered_at(200);
  d->add_path("RUEHRO");
  d->add_path("RUEHC");
  auto* p = r.add_precedences();
  p->set_precedence(FLASH);
  p->set_filed(1);
  p->set_delivered(1);
  p->set_objective_seconds(600);
  p->set_delivered_within_objective(1);
  auto* s = r.mutable_network()->add_stations();
  s->set_ri("RUEHRO");
  s->set_role(POST);
  auto* s2 = r.mutable_network()->add_stations();
  s2->set_ri("RUEHC<script>");
  s2->set_role(RELAY);
  auto* e = r.add_link_events();
  e->set_from("RUEHRO");
  e->set_to("RUEHC");
  e->set_kind(LinkEvent::START);
  e->set_at(60);
  e->set_line_time(100);
  e->set_precedence(FLASH);

  const auto html = report::render_html(r);
  CHECK(html.starts_with("<!DOCTYPE html>"));
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("Speed of service") != std::string::npos);
  CHECK(html.find("Transmissions on RUEHRO → RUEHC") != std::string::npos);
  // nothing fetched, nothing run: no scripts, no external references
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("RUEHC&lt;script&gt;") != std::string::npos);
  CHECK_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=)")));
  CHECK_FALSE(std::regex_search(html, std::regex(R"(https?://|url\()")));
}

TEST_CASE("report: the HTML writer escapes every text node and attribute value", "[report]") {
  report::html_writer h;
  h.open("p", {{"title", "\"><script>alert(1)</script>"}}).text("a < b & c").close("p");
  CHECK(h.str() == "<p title=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">a &lt; b &amp; c</p>");
  report::html_writer inner;
  inner.element("b", "<i>");
  h.append(inner);
  CHECK(h.str().ends_with("<b>&lt;i&gt;</b>"));
}
