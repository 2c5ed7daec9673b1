#pragma once
// Test helpers for tests that start cablesim processes and wait for what they write.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

extern char** environ;

namespace cablesim::test {

/// Start a program; its standard error is appended to `log`, its standard output discarded.
inline pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // appended: a restarted node adds to the log of its earlier life
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
  return pid;
}

/// Wait until pred() holds or the deadline passes. pred() is checked again whenever something
/// under `root` is created, written or renamed (inotify): no sleeping, no polling on a timer.
template <class Pred>
bool wait_for_files(const std::filesystem::path& root, Pred pred, std::chrono::seconds deadline) {
  std::filesystem::create_directories(root);
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  REQUIRE(fd >= 0);
  std::set<std::filesystem::path> watched;
  auto watch = [&](const std::filesystem::path& d) {
    if (watched.insert(d).second)
      inotify_add_watch(fd, d.c_str(), IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY);
  };
  const auto end = std::chrono::steady_clock::now() + deadline;
  bool held = false;
  for (;;) {
    // watch every folder before checking, so that nothing happens unseen between check and wait
    watch(root);
    for (const auto& e : std::filesystem::recursive_directory_iterator(root))
      if (e.is_directory()) watch(e.path());
    if ((held = pred())) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, static_cast<int>(left.count()));
    std::array<char, 4096> events;
    while (read(fd, events.data(), events.size()) > 0) {
    }
  }
  close(fd);
  return held;
}

}  // namespace cablesim::test
