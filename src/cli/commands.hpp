#pragma once
// The cablesim subcommands. Each returns the process exit code:
// 0 success, 1 bad input (the message says where), 2 usage error.

#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "cablesim/core/topology.hpp"

namespace cablesim::cli {

constexpr int exit_ok = 0;
constexpr int exit_bad_input = 1;
constexpr int exit_usage = 2;
constexpr int exit_not_complete = 3;  // a run ended with addressee copies neither delivered nor refused
constexpr int exit_environment = 4;   // an environment or internal failure (cannot bind, journal I/O, ...)

/// The whole of `text` as a finite number ("5abc", "nan" and "inf" are not).
std::optional<double> parse_number(const std::string& text);

/// Reads a whole file; prints "path: error: ..." and returns nullopt when it cannot.
std::optional<std::string> read_file(const std::string& path);

/// Reads a protobuf JSON file into `message`; prints "path:1:1: error: ..." and returns false when it cannot.
bool read_json(const std::string& path, google::protobuf::Message& message);

/// Loads and validates a topology file; throws config_error (printed by main).
topology load_topology(const std::string& path);

int parse_cables(const std::vector<std::string>& files);
int format_cable(const std::string& file, bool transmission);
int explain_cable(const std::string& file);

int validate_topology(const std::string& file);
int print_routes(const std::string& file, const std::string& station);
int print_path(const std::string& file, const std::string& from, const std::string& to);
int print_dot(const std::string& file);

struct run_arguments {
  std::string topology, scenario, inbox, report, html, log_level = "warn";
  std::string speedup;             // a number, or "max"; empty: the scenario's or topology's
  std::string transport = "tcp";   // tcp or memory
  std::string practice;            // STATE or ACP127: overrides the topology's
  std::vector<std::string> watch;  // FROM-TO: channels whose queue the trace tells
  bool trace = false;
};
int run_scenario(const run_arguments& args);
int corpus_command(const std::string& what, const std::string& dir, double max_gap);
int render_report(const std::string& json_file, const std::string& html);
struct node_arguments {
  std::string topology, station, inbox, journal, log_level = "info";
  std::string port_dir;  // where stations with port 0 say where they listen
  std::string metrics;   // HOST:PORT to serve Prometheus metrics at
  double speedup = 0;
  double handshake_timeout = 10, keepalive = 2;  // seconds
  std::size_t max_handshakes = 256;
};
int run_node(const node_arguments& args);
struct send_arguments {
  std::string host_port, file, as;
  std::string topology;  // where the post's filing key is
  std::string key_file;  // or: a file holding the filing key's secret
};
int send_cable(const send_arguments& args);
struct load_arguments {
  std::string topology, relay, from, to, port_dir;
  bool in_process = false, json = false;
  double rate = 0, duration = 10, drain = 10, dual = 0;
  std::size_t max_in_flight = 0, count = 0, size = 1000, fan_out = 1, backlog = 0;
  std::string mix = "FLASH=1,IMMEDIATE=4,PRIORITY=15,ROUTINE=80";
  std::string html;
};
int run_load_command(const load_arguments& args);
struct chaos_arguments {
  std::string topology, scenario;
  uint64_t seeds = 100, seed = 1;
  std::string faults;  // only these faults of every seed ("0,2"), or none; empty: all
  bool json = false, trace = false;
};
int run_chaos_command(const chaos_arguments& args);

}  // namespace cablesim::cli
