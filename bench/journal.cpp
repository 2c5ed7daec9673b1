// bench/journal: what the journal costs a relay per cable, at each durability and group size.
// A relayed copy is kept when it arrives (put + seen + the channel's counter) and forgotten when
// the next station acknowledges it (drop); a group commit holds the arrivals of `group` cables
// and the acknowledgments of the group before (a relay's steady state). Prints cables a second
// and microseconds per cable, and commits a second, for the load's ~4 KB cable.
//
//   bench_journal [SECONDS_EACH]      (default 2)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cablesim/core/acp127.hpp"
#include "cablesim/store/files.hpp"
#include "cablesim/store/journal.hpp"

namespace fs = std::filesystem;
using namespace cablesim;

namespace {

/// A cable of about 4 KB: the seed cable's heading with its text repeated.
Cable four_kilobyte_cable() {
  auto text = *store::read_file(CABLESIM_SOURCE_DIR "/scenarios/cables/07ROME1919.txt");
  auto cable = acp127::parse(text).cable;
  auto* body = cable.mutable_body();
  const auto paragraph = *body;
  while (body->size() < 4000) *body += paragraph.substr(0, 4000 - body->size());
  cable.clear_text();  // the body alone, as a relay keeps it
  return cable;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds_each = argc > 1 ? std::stod(argv[1]) : 2;
  queued_copy copy;
  *copy.cable = four_kilobyte_cable();
  copy.message_id = "RUEHRO-1919-2531426";
  copy.path = {"RUEHRO", "RUEHEUR"};
  const auto dir = fs::temp_directory_path() / ("cablesim_bench_journal_" + std::to_string(getpid()));
  std::printf("journal cost per relayed cable (a %zu-byte cable), on %s\n", copy.cable->ByteSizeLong(),
              fs::temp_directory_path().c_str());
  std::printf("  %-17s %6s %9s %10s %10s %10s\n", "durability", "group", "cables", "cables/s", "us/cable", "commits/s");
  for (const auto mode : {store::journal::durability::normal, store::journal::durability::full})
    for (const std::size_t group : {1, 32, 256, 2048}) {
      fs::remove_all(dir);
      fs::create_directories(dir);
      store::journal j(dir / "bench.journal", mode);
      uint64_t id = 0, commits = 0;
      const auto t0 = std::chrono::steady_clock::now();
      double s = 0;
      while (s < seconds_each) {
        std::vector<journal_entry> batch;
        for (std::size_t i = 0; i < group; ++i) {
          ++id;
          if (id > group) batch.emplace_back(journal_drop{id - group});
          copy.journal_id = id;
          batch.emplace_back(journal_put{"RUEHFR", copy});
          batch.emplace_back(journal_seen{copy.message_id + "/" + std::to_string(id)});
        }
        batch.emplace_back(journal_counter{{counter_key::channel_serial, "RUEHFR"}, id});
        j.write(std::move(batch));
        ++commits;
        s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
      std::printf("  synchronous=%-6s %6zu %9llu %10.0f %10.1f %10.0f\n",
                  mode == store::journal::durability::full ? "FULL" : "NORMAL", group,
                  static_cast<unsigned long long>(id), static_cast<double>(id) / s, s / static_cast<double>(id) * 1e6,
                  static_cast<double>(commits) / s);
    }
  fs::remove_all(dir);
}
