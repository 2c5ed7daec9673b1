#pragma once
// Helpers shared by the tests: where the project and the shared corpus are, reading files.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace cablesim::test {

inline std::filesystem::path source_dir() { return CABLESIM_SOURCE_DIR; }

/// ../shared/corpus beside the project root (or $CABLESIM_CORPUS); empty when absent.
inline std::filesystem::path corpus_dir() {
  if (const char* env = std::getenv("CABLESIM_CORPUS")) return env;
  auto p = source_dir().parent_path() / "shared" / "corpus";
  return std::filesystem::is_directory(p) ? p : std::filesystem::path{};
}

/// Say that a test skipped (CTest reports it as skipped) and why.
inline void skipped(const std::string& why) { std::cout << "SKIPPED: " << why << std::endl; }

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::filesystem::path seed_cable() { return source_dir() / "scenarios" / "cables" / "07ROME1919.txt"; }

}  // namespace cablesim::test
