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
  } catch (const cablesim::config_error& e) {
    for (const auto& p : e.problems()) std::cerr << p << "\n";
    return exit_bad_input;
  } catch (const std::exception& e) {
    std::cerr << "cablesim: error: " << e.what() << "\n";
    return exit_bad_input;
  }
  return exit_usage;
}
