// bench/routing: RI lookups per second against a generated table of 10,000 RIs, and
// segregations per second of a 40-addressee routing line. Goal (issue 3): >= 5 million
// lookups/s on one core.
#include <google/protobuf/text_format.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cablesim/core/routing.hpp"

using namespace cablesim;
using clock_type = std::chrono::steady_clock;

namespace {

std::string make_ri(std::mt19937& rng) {
  std::uniform_int_distribution<int> letter(0, 25), extra(0, 3);
  std::string ri = "RU";
  const int n = 2 + extra(rng);  // 4..7 letters
  for (int i = 0; i < n; ++i) ri += static_cast<char>('A' + letter(rng));
  return ri;
}

template <class F>
double per_second(F&& body, std::size_t batch) {
  std::size_t done = 0;
  const auto t0 = clock_type::now();
  double elapsed = 0;
  do {
    body();
    done += batch;
    elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  } while (elapsed < 2.0);
  return done / elapsed;
}

}  // namespace

int main() {
  std::mt19937 rng(12345);
  // A relay with 16 neighbours and a routing table of 10,000 RIs spread over them.
  Topology proto;
  auto* relay = proto.add_stations();
  relay->set_ri("RUEHZZZ");
  relay->set_role(RELAY);
  std::vector<std::string> neighbours;
  for (int i = 0; i < 16; ++i) {
    std::string n = "RUEHZN";
    n += static_cast<char>('A' + i);
    neighbours.push_back(n);
    auto* s = proto.add_stations();
    s->set_ri(n);
    s->set_role(POST);
    auto* l = proto.add_links();
    l->set_a("RUEHZZZ");
    l->set_b(n);
    auto* rt = proto.add_routing();
    rt->set_station(n);
    rt->mutable_default_route()->set_via("RUEHZZZ");
  }
  auto* table = proto.add_routing();
  table->set_station("RUEHZZZ");
  std::vector<std::string> ris;
  std::set<std::string> seen;
  while (ris.size() < 10000) {
    auto ri = make_ri(rng);
    if (!seen.insert(ri).second || ri.starts_with("RUEHZ")) continue;
    ris.push_back(ri);
    auto* r = table->add_routes();
    r->set_prefix(ri);
    r->set_via(neighbours[ris.size() % neighbours.size()]);
    r->add_alternates(neighbours[(ris.size() + 1) % neighbours.size()]);
  }
  table->mutable_default_route()->set_via(neighbours[0]);
  std::printf("building a topology of %d stations with a 10,000-RI routing table...\n", proto.stations_size());
  const auto topo = topology::from_proto(proto, "bench");
  const routing_table rt(topo, "RUEHZZZ");

  // lookups: known RIs and unknown ones (which fall through every prefix length to the default)
  std::vector<std::string> probes;
  for (int i = 0; i < 4096; ++i) probes.push_back(i % 4 == 3 ? make_ri(rng) + "Q" : ris[rng() % ris.size()]);
  std::size_t sink = 0;
  const double lookups = per_second(
      [&] {
        for (const auto& p : probes) sink += rt.route(p).via.size();
      },
      probes.size());
  std::printf("lookup:      %10.2f million lookups/s (10,000-RI table, 1 in 4 unknown)\n", lookups / 1e6);

  // segregation of a 40-addressee routing line
  Cable cable;
  cable.mutable_routing_line()->add_precedence(IMMEDIATE);
  cable.mutable_dtg_line()->add_precedence(IMMEDIATE);
  cable.mutable_dtg_line()->add_precedence(ROUTINE);
  for (int i = 0; i < 40; ++i) {
    const auto& ri = ris[static_cast<std::size_t>(i) * 97];
    cable.mutable_routing_line()->add_routing_indicators(ri);
    auto* a = i < 10 ? cable.add_action() : cable.add_information();
    a->set_routing_indicator(ri);
  }
  const double segregations = per_second(
      [&] {
        for (int i = 0; i < 256; ++i) sink += segregate(topo, rt, cable).copies.size();
      },
      256);
  std::printf("segregation: %10.0f routing lines/s (40 RIs each)\n", segregations);
  return sink == 42 ? 1 : 0;
}
