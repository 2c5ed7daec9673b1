#pragma once
// What the relay benchmarks share: the load topology on free ports, the load's options, and a
// relay (`cablesim node`) in a process of its own.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cablesim/core/topology.hpp"
#include "cablesim/net/load.hpp"
#include "cablesim/store/files.hpp"

extern char** environ;

namespace cablesim::bench {

using clock_type = std::chrono::steady_clock;

/// The shipped load topology on ports of the system's choosing; with a speed, the relay's line
/// to the sink (RUEHFR) is paced at that many bits a second, so that cables wait at the relay.
inline std::string load_topology_text(const std::string& speed_to_sink = "") {
  auto text = *store::read_file(CABLESIM_SOURCE_DIR "/topologies/load.textproto");
  for (auto at = text.find("port: 1730"); at != std::string::npos; at = text.find("port: 1730"))
    text.replace(at, 11, "port: 0");
  if (!speed_to_sink.empty()) {
    const std::string link = "links { a: \"RUEHFR\" b: \"RUEHEUR\"";
    text.replace(text.find(link), link.size(), link + " speed_bps: " + speed_to_sink);
  }
  return text;
}

inline topology load_topology(const std::string& speed_to_sink = "") {
  return topology::load(load_topology_text(speed_to_sink), "load.textproto");
}

inline net::load_options relay_options(std::size_t cables) {
  net::load_options o;
  o.relay = "RUEHEUR";
  o.count = cables;
  o.max_in_flight = 256;
  o.size = 3850;  // a frame of about 4 KB
  o.mix = {0, 1, 0, 0, 0, 0};
  return o;
}

/// A relay (RUEHEUR) of its own: `cablesim node` in a temporary folder, in a process group of
/// its own (under `perf stat` when counting its system calls). The load finds it by its port file.
class relay_process {
 public:
  relay_process(const std::string& topology_text, const std::vector<std::string>& before = {},
                const std::vector<std::string>& after = {})
      : dir_(std::filesystem::temp_directory_path() / ("cablesim_bench_relay_" + std::to_string(getpid()))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "load.textproto") << topology_text;
    std::vector<std::string> args = before;
    args.insert(args.end(), {CABLESIM_BINARY, "node", (dir_ / "load.textproto").string(), "--station", "RUEHEUR",
                             "--log-level", "warn", "--port-dir", ports().string()});
    args.insert(args.end(), after.begin(), after.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // an interrupt to the group stops the node (and lets perf write its count)
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    const int rc = posix_spawnp(&pid_, argv[0], nullptr, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error(std::string("cannot start ") + argv[0]);
    const auto deadline = clock_type::now() + std::chrono::seconds(20);
    while (!std::filesystem::exists(ports() / "RUEHEUR.port") && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~relay_process() {
    if (pid_ > 0) stop();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir() const { return dir_; }
  std::filesystem::path ports() const { return dir_ / "ports"; }
  /// The node's own process id (perf's child, when under perf).
  std::string node_pid() const {
    std::string pid = std::to_string(pid_);
    for (int i = 0; i < 100; ++i) {  // perf starts the node as its child
      const auto children = store::read_file("/proc/" + pid + "/task/" + pid + "/children").value_or("");
      if (children.empty()) break;
      pid = children.substr(0, children.find(' '));
    }
    return pid;
  }
  /// Stop the node, and with it perf; or kill it (SIGKILL: a crash).
  void stop(int signal = SIGINT) {
    kill(-pid_, signal);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }
  net::load_options options(std::size_t cables) const {
    auto o = relay_options(cables);
    o.port_dir = ports().string();
    return o;
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = 0;
};

}  // namespace cablesim::bench
