// bench/codec: parse and render throughput of the ACP 127 codec over the corpus, one core.
// Goal (issue 2): parse >= 100 MB/s, render >= 200 MB/s in a Release build.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cablesim/core/acp127.hpp"

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
  fs::path corpus =
      argc > 1 ? fs::path(argv[1]) : fs::path(CABLESIM_SOURCE_DIR) / ".." / "shared" / "corpus" / "cables";
  if (!fs::is_directory(corpus)) {
    std::fprintf(stderr, "bench_codec: corpus folder %s not found (pass one as the first argument)\n", corpus.c_str());
    return 1;
  }
  std::vector<std::string> texts;
  std::size_t bytes = 0;
  for (const auto& e : fs::directory_iterator(corpus)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!cablesim::acp127::parse(ss.str())) continue;  // headingless records are not cables
    bytes += ss.str().size();
    texts.push_back(ss.str());
  }
  std::printf("corpus: %zu cables with a heading, %.2f MB\n", texts.size(), bytes / 1e6);

  const double min_seconds = 2.0;
  // parse
  std::vector<cablesim::Cable> cables(texts.size());
  std::size_t rounds = 0;
  const auto t0 = clock_type::now();
  double elapsed = 0;
  do {
    for (std::size_t i = 0; i < texts.size(); ++i) cables[i] = cablesim::acp127::parse(texts[i]).cable;
    ++rounds;
    elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  } while (elapsed < min_seconds);
  std::printf("parse:  %8.1f MB/s  %9.0f cables/s  (%zu rounds, %.2f s)\n", rounds * bytes / elapsed / 1e6,
              rounds * texts.size() / elapsed, rounds, elapsed);

  // render
  std::size_t out_bytes = 0;
  rounds = 0;
  const auto t1 = clock_type::now();
  do {
    for (const auto& c : cables) out_bytes += cablesim::acp127::render(c).size();
    ++rounds;
    elapsed = std::chrono::duration<double>(clock_type::now() - t1).count();
  } while (elapsed < min_seconds);
  std::printf("render: %8.1f MB/s  %9.0f cables/s  (%zu rounds, %.2f s)\n", out_bytes / elapsed / 1e6,
              rounds * cables.size() / elapsed, rounds, elapsed);

  // render for transmission: every line wrapped at 69 characters, BT and NNNN added
  out_bytes = 0;
  rounds = 0;
  const auto t2 = clock_type::now();
  do {
    for (const auto& c : cables) out_bytes += cablesim::acp127::render(c, {.for_transmission = true}).size();
    ++rounds;
    elapsed = std::chrono::duration<double>(clock_type::now() - t2).count();
  } while (elapsed < min_seconds);
  std::printf("render for transmission: %8.1f MB/s  %9.0f cables/s  (%zu rounds, %.2f s)\n", out_bytes / elapsed / 1e6,
              rounds * cables.size() / elapsed, rounds, elapsed);
  return 0;
}
