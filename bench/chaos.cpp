// The chaos campaign's speed: 10,000 seeds on each shipped topology and on the ring of the tests,
// in virtual time, and how many broke an invariant.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cablesim/sim/chaos.hpp"

int main(int argc, char** argv) {
  using namespace cablesim;
  namespace fs = std::filesystem;
  const uint64_t seeds = argc > 1 ? std::stoull(argv[1]) : 10000;
  const fs::path root = CABLESIM_SOURCE_DIR;
  std::printf("chaos: %llu seeds a topology (random traffic and faults, memory transport, virtual time)\n",
              static_cast<unsigned long long>(seeds));
  std::printf("%-12s %8s %8s %9s %10s %8s %9s %12s\n", "topology", "seeds", "faults", "cables", "copies", "failing",
              "seconds", "seeds/s");
  int failing = 0;
  for (const auto& t :
       {root / "topologies" / "seed.textproto", root / "topologies" / "teaching.textproto",
        root / "tests" / "data" / "topologies" / "ring.textproto", root / "topologies" / "worldwide.textproto"}) {
    std::ifstream in(t);
    std::stringstream text;
    text << in.rdbuf();
    const auto topo = topology::load(text.str(), t.string());
    sim::chaos_options o;
    o.seeds = seeds;
    o.progress = [](const std::string& line) { std::fprintf(stderr, "  %s\n", line.c_str()); };
    const auto r = sim::run_chaos(topo, std::nullopt, o);
    std::printf("%-12s %8llu %8zu %9zu %10zu %8zu %9.1f %12.0f\n", t.stem().c_str(),
                static_cast<unsigned long long>(r.seeds), r.faults, r.cables, r.copies, r.failures.size(), r.seconds,
                r.seeds / r.seconds);
    for (const auto& f : r.failures)
      for (const auto& v : f.violations)
        std::printf("  seed %llu: %s: %s\n", static_cast<unsigned long long>(f.seed), v.invariant.c_str(),
                    v.detail.c_str());
    failing += static_cast<int>(r.failures.size());
  }
  return failing ? 1 : 0;
}
