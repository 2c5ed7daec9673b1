// A short fuzz run in every test suite: each fuzz target (fuzz/targets.hpp) on its seeds and on
// a fixed set of mutations of them (bytes flipped, inserted, cut, repeated). The long runs use
// libFuzzer (README.md, "Benchmarks and fuzzing"); a broken invariant aborts the test program.
#include <catch2/catch.hpp>

#include <functional>
#include <random>

#include "cablesim/core/acp127.hpp"
#include "cablesim/net/frame.hpp"
#include "support.hpp"
#include "targets.hpp"

namespace {

using namespace cablesim;
namespace fs = std::filesystem;

std::vector<std::string> files_in(const std::vector<fs::path>& dirs, std::size_t max_size) {
  std::vector<std::string> out;
  for (const auto& dir : dirs)
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.file_size() <= max_size) out.push_back(test::read_file(e.path()));
  return out;
}

/// With CABLESIM_FUZZ_SEEDS=DIR, write the seeds to DIR/<target>/ for a libFuzzer run.
void keep_seeds(const std::string& target, const std::vector<std::string>& seeds) {
  const char* dir = std::getenv("CABLESIM_FUZZ_SEEDS");
  if (!dir) return;
  const auto out = fs::path(dir) / target;
  fs::create_directories(out);
  for (std::size_t i = 0; i < seeds.size(); ++i)
    std::ofstream(out / ("seed" + std::to_string(i)), std::ios::binary) << seeds[i];
}

/// Run `target` on every seed and on `per_seed` mutations of each; returns how many inputs ran.
std::size_t run_mutated(const std::vector<std::string>& seeds, std::size_t per_seed,
                        const std::function<void(std::string_view)>& target) {
  std::mt19937 rng(20071910);  // fixed: the same inputs every run
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  std::size_t ran = 0;
  for (const auto& seed : seeds) {
    target(seed);
    ++ran;
    for (std::size_t i = 0; i < per_seed; ++i) {
      std::string m = seed;
      for (int edits = 1 + static_cast<int>(pick(4)); edits > 0; --edits) {
        const auto at = pick(m.size() + 1);
        switch (pick(5)) {
          case 0:
            if (at < m.size()) m[at] = static_cast<char>(m[at] ^ (1 << pick(8)));
            break;
          case 1: m.insert(at, 1 + pick(8), static_cast<char>(pick(256))); break;
          case 2: m.resize(at); break;
          case 3: m.erase(at, pick(32)); break;
          case 4: m.insert(at, m.substr(pick(m.size() + 1), pick(64))); break;
        }
      }
      target(m);
      ++ran;
    }
  }
  return ran;
}

/// Frames a relay's neighbour might send: the seed cable as transmissions (its body beside it or
/// in it), an ack, a cancel.
std::string seed_frames(uint32_t first_serial) {
  const auto cable = acp127::parse(test::read_file(test::seed_cable()));
  REQUIRE(cable);
  std::string out;
  for (uint32_t serial = first_serial; serial < first_serial + 3; ++serial) {
    Envelope e;
    e.mutable_timing()->set_sequence(serial);  // the fuzz target picks the neighbour from it
    auto* t = e.mutable_transmission();
    t->set_channel_serial(serial);
    *t->mutable_cable() = cable.cable;
    t->set_precedence(IMMEDIATE);
    t->add_path("RUEHRO");
    if (serial % 2) net::swap_cable_body(*t);  // as a station sends it; the others in the cable itself
    out += net::encode_frame(e);
  }
  Envelope ack;
  ack.mutable_ack()->set_channel_serial(1);
  Envelope cancel;
  cancel.mutable_cancel()->set_channel_serial(first_serial + 3);
  return out + net::encode_frame(ack) + net::encode_frame(cancel);
}

}  // namespace

TEST_CASE("fuzz smoke: the cable parser", "[fuzz]") {
  const auto src = test::source_dir();
  auto seeds = files_in({src / "scenarios" / "cables", src / "tests" / "data" / "cables"}, 64 * 1024);
  REQUIRE(seeds.size() >= 3);
  // and generated ones: the seed cable at every precedence, FLASH OVERRIDE included
  const auto seed = acp127::parse(test::read_file(test::seed_cable())).cable;
  for (const auto p : {ROUTINE, PRIORITY, IMMEDIATE, FLASH, FLASH_OVERRIDE}) {
    auto c = seed;
    c.mutable_routing_line()->set_precedence(0, p);
    c.mutable_dtg_line()->set_precedence(0, p);
    for (auto& a : *c.mutable_action()) a.set_precedence(p);
    seeds.push_back(acp127::render(c));
  }
  keep_seeds("acp127", seeds);
  CHECK(run_mutated(seeds, 1000, fuzz::cable_text) > 2000);
}

TEST_CASE("fuzz smoke: the frame decoder", "[fuzz]") {
  const std::vector<std::string> seeds{seed_frames(1), seed_frames(9998), std::string("\0\0\0\0", 4),
                                       std::string("\x00\x40\x00\x00", 4)};
  keep_seeds("frame", seeds);
  CHECK(run_mutated(seeds, 2000, fuzz::frame_stream) > 8000);
}

TEST_CASE("fuzz smoke: a relay's receive path", "[fuzz]") {
  const std::vector<std::string> seeds{seed_frames(1), seed_frames(41), seed_frames(9998)};
  keep_seeds("station", seeds);
  CHECK(run_mutated(seeds, 1000, fuzz::station_frames) > 3000);
}

TEST_CASE("fuzz smoke: the topology loader", "[fuzz]") {
  const auto src = test::source_dir();
  const auto seeds = files_in({src / "topologies", src / "tests" / "data" / "topologies"}, 16 * 1024);
  REQUIRE(seeds.size() >= 10);
  keep_seeds("topology", seeds);
  CHECK(run_mutated(seeds, 100, fuzz::topology_text) > 1000);
}
