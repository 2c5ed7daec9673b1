// cablesim: the command line. Thin: parse arguments, call the library.
// Exit codes: 0 success, 1 bad input (the message says where), 2 usage error.

#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace cablesim::cli;
  CLI::App app{"cablesim: an ACP 127 message-handling simulator for cable routing"};
  app.require_subcommand(1);

  std::vector<std::string> cable_files;
  auto* parse = app.add_subcommand("parse", "cable text -> JSON (one object per file); errors as file:line:col");
  parse->add_option("CABLE", cable_files, "cable text files")->required();

  std::string file;
  bool transmission = false;
  auto* format = app.add_subcommand("format", "JSON -> cable text");
  format->add_option("CABLE_JSON", file, "a Cable in protobuf JSON")->required();
  format->add_flag("--transmission", transmission, "wrap at 69 characters and add BT and NNNN, as on the wire");

  auto* explain = app.add_subcommand("explain", "each format line annotated in plain English");
  explain->add_option("CABLE", file, "cable text file")->required();

  auto* validate = app.add_subcommand("validate", "check a topology file: exit 0, or file:line:col errors and exit 1");
  validate->add_option("TOPOLOGY", file, "topology file (.textproto or .json)")->required();

  std::string station;
  auto* routes = app.add_subcommand("routes", "effective routing tables");
  routes->add_option("TOPOLOGY", file, "topology file")->required();
  routes->add_option("--station", station, "only this station's table");

  std::string from, to;
  auto* path = app.add_subcommand("path", "the stations a cable passes from one station to another");
  path->add_option("TOPOLOGY", file, "topology file")->required();
  path->add_option("FROM_RI", from, "originating station")->required();
  path->add_option("TO_RI", to, "destination station")->required();

  auto* dot = app.add_subcommand("dot", "Graphviz picture of the network (pipe into dot -Tsvg)");
  dot->add_option("TOPOLOGY", file, "topology file")->required();

  run_arguments run_args;
  auto* run = app.add_subcommand("run", "run every station of a topology in one process on loopback");
  run->add_option("TOPOLOGY", run_args.topology, "topology file")->required();
  run->add_option("--scenario", run_args.scenario, "scenario file (what to file, where, when)");
  run->add_option("--speedup", run_args.speedup,
                  "pacing: at most N simulated seconds per wall-clock second, or max (results never depend on it)")
      ->check([](const std::string& v) -> std::string {
        if (v == "max") return {};
        try {
          if (std::stod(v) > 0) return {};
        } catch (const std::exception&) {
        }
        return "expected a positive number or max, got '" + v + "'";
      });
  run->add_option("--transport", run_args.transport, "how frames pass between stations: tcp (default) or memory")
      ->check(CLI::IsMember({"tcp", "memory"}));
  run->add_option("--inbox", run_args.inbox, "write each delivered copy to DIR/<station RI>/");
  run->add_option("--report", run_args.report, "write the report (Report proto, JSON) here");
  run->add_option("--html", run_args.html, "write the report as a self-contained HTML page here");
  run->add_flag("--trace", run_args.trace, "narrate each cable's journey");
  run->add_option("--log-level", run_args.log_level, "with --trace, debug adds every transmission's start and end")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));

  node_arguments node_args;
  auto* node = app.add_subcommand("node", "run one station of a topology as its own process");
  node->add_option("TOPOLOGY", node_args.topology, "topology file")->required();
  node->add_option("--station", node_args.station, "the station's RI")->required();
  node->add_option("--inbox", node_args.inbox, "write each delivered copy to DIR/<station RI>/");
  node->add_option("--speedup", node_args.speedup, "simulated seconds per wall-clock second (real time)");
  node->add_option("--log-level", node_args.log_level, "debug, info (default), warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  node->add_option("--journal", node_args.journal, "keep a journal here: a restart loses no accepted cable");
  node->add_option("--port-dir", node_args.port_dir,
                   "stations with port 0 listen on any free port and say which in DIR/<RI>.port; "
                   "neighbours with port 0 are found there");

  std::string host_port, as;
  auto* send = app.add_subcommand("send", "file a cable at a running post");
  send->add_option("HOST:PORT", host_port, "where the post listens")->required();
  send->add_option("CABLE", file, "cable text, drafted or complete")->required();
  send->add_option("--as", as, "the post's RI")->required();

  std::string corpus_dir;
  double max_gap = 10;
  auto* corpus = app.add_subcommand("corpus", "derive a topology or a replay scenario from a folder of real cables");
  corpus->require_subcommand(1);
  auto* corpus_topology = corpus->add_subcommand("topology", "print a topology: every RI a station, relays by prefix");
  corpus_topology->add_option("DIR", corpus_dir, "folder of cable text files")->required();
  auto* corpus_scenario = corpus->add_subcommand("scenario", "print a scenario filing every cable in DTG order");
  corpus_scenario->add_option("DIR", corpus_dir, "folder of cable text files")->required();
  corpus_scenario->add_option("--max-gap", max_gap,
                              "longest quiet time kept between filings, simulated seconds (default 10)");

  std::string html;
  auto* report = app.add_subcommand("report", "render a saved report (R.json) as an HTML page");
  report->add_option("REPORT_JSON", file, "a report written by run --report")->required();
  report->add_option("--html", html, "the HTML page to write")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  }

  try {
    if (*parse) return parse_cables(cable_files);
    if (*format) return format_cable(file, transmission);
    if (*explain) return explain_cable(file);
    if (*validate) return validate_topology(file);
    if (*routes) return print_routes(file, station);
    if (*path) return print_path(file, from, to);
    if (*dot) return print_dot(file);
    if (*run) return run_scenario(run_args);
    if (*node) return run_node(node_args);
    if (*send) return send_cable(host_port, file, as);
    if (*report) return render_report(file, html);
    if (*corpus) return corpus_command(*corpus_topology ? "topology" : "scenario", corpus_dir, max_gap);
  } catch (const cablesim::config_error& e) {
    for (const auto& p : e.problems()) std::cerr << p << "\n";
    return exit_bad_input;
  } catch (const std::system_error& e) {
    std::cerr << "cablesim: error: " << e.what() << "\n";
    return exit_environment;
  } catch (const std::exception& e) {
    std::cerr << "cablesim: error: " << e.what() << "\n";
    return exit_environment;
  }
  return exit_usage;
}
