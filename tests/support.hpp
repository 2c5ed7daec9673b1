#pragma once
// Helpers shared by the tests: where the project and the shared corpus are, reading files.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "cablesim/store/files.hpp"

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

/// The file's bytes ("" when it cannot be read: the test's own checks then fail).
inline std::string read_file(const std::filesystem::path& p) { return store::read_file(p).value_or(""); }

/// What the cablesim binary printed and its exit status.
struct command_result {
  int status = -1;
  std::string output;
};

/// Run a shell command line; what it printed on stdout and its exit status.
inline command_result run_command(const std::string& cmd) {
  command_result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

/// Run the cablesim binary: `args` is the rest of a shell command line (redirections too).
inline command_result run_cablesim(const std::string& args) {
  return run_command(std::string(CABLESIM_BINARY) + " " + args);
}

inline std::filesystem::path seed_cable() { return source_dir() / "scenarios" / "cables" / "07ROME1919.txt"; }

}  // namespace cablesim::test
