// bench/journal: what the journal costs a relay per cable, at each durability. A relayed copy is
// one batch when it arrives (put + seen + channel counter, one transaction) and one when the
// next station acknowledges it (drop). Prints batches per second and microseconds per cable.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cablesim/core/acp127.hpp"
#include "cablesim/store/journal.hpp"

namespace fs = std::filesystem;
using namespace cablesim;

int main() {
  std::ifstream in(CABLESIM_SOURCE_DIR "/scenarios/cables/07ROME1919.txt");
  std::stringstream text;
  text << in.rdbuf();
  queued_copy copy;
  *copy.cable = acp127::parse(text.str()).cable;
  copy.message_id = "RUEHRO-1919-2531426";
  copy.path = {"RUEHRO", "RUEHEUR"};
  const auto dir = fs::temp_directory_path() / ("cablesim_bench_journal_" + std::to_string(getpid()));
  std::printf("journal cost per relayed cable (the seed cable, %zu bytes), on %s\n", text.str().size(),
              fs::temp_directory_path().c_str());
  for (const auto mode : {store::journal::durability::normal, store::journal::durability::full}) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    store::journal j(dir / "bench.journal", mode);
    const int cables = mode == store::journal::durability::full ? 1000 : 5000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 1; i <= cables; ++i) {
      copy.journal_id = static_cast<uint64_t>(i);
      j.write({journal_put{"RUEHWAS", copy}, journal_seen{copy.message_id + "/" + std::to_string(i)},
               journal_counter{{counter_key::channel_serial, "RUEHWAS"}, static_cast<uint64_t>(i)}});
      j.write({journal_drop{static_cast<uint64_t>(i)}});
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("  synchronous=%-6s %6d cables  %8.0f cables/s  %7.1f us per cable (2 commits)\n",
                mode == store::journal::durability::full ? "FULL" : "NORMAL", cables, cables / s, s / cables * 1e6);
  }
  fs::remove_all(dir);
}
