// cablesim: the command line. Thin: parse arguments, call the library.
// Exit codes: 0 success, 1 bad input (the message says where), 2 usage error, 3 a run that
// ended NOT COMPLETE, 4 an environment or internal failure.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <iostream>
#include <memory>

#include "cablesim/core/text.hpp"
#include "commands.hpp"

namespace cablesim::cli {

std::optional<double> parse_number(const std::string& text) {
  double x = 0;
  const auto end = text.data() + text.size();
  const auto [at, ec] = std::from_chars(text.data(), end, x);
  if (ec != std::errc{} || at != end || !std::isfinite(x)) return std::nullopt;
  return x;
}

namespace {

/// What the chosen subcommand will do, once the command line has been parsed.
using action = std::function<int()>;

/// A number above 0, or (`zero_too`) at least 0. (CLI11's own PositiveNumber quotes the
/// largest double in its message, and unsigned options take "-3" without one.)
CLI::Validator number_check(bool zero_too) {
  return CLI::Validator(
      [zero_too](const std::string& v) -> std::string {
        const auto x = parse_number(v);
        if (x && (*x > 0 || (zero_too && *x == 0))) return {};
        return std::string(zero_too ? "expected a number, 0 or more" : "expected a number above 0") + ", got '" + v +
               "'";
      },
      zero_too ? "NUMBER >= 0" : "NUMBER > 0");
}
const CLI::Validator positive = number_check(false);
const CLI::Validator zero_or_more = number_check(true);

CLI::Validator log_levels() { return CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}); }

void add_cable_commands(CLI::App& app, action& chosen) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto* parse = app.add_subcommand("parse", "cable text -> JSON (one object per file); errors as file:line:col");
  parse->add_option("CABLE", *files, "cable text files")->required();
  parse->callback([&chosen, files] { chosen = [files] { return parse_cables(*files); }; });

  auto file = std::make_shared<std::string>();
  auto transmission = std::make_shared<bool>(false);
  auto* format = app.add_subcommand("format", "JSON -> cable text");
  format->add_option("CABLE_JSON", *file, "a Cable in protobuf JSON")->required();
  format->add_flag("--transmission", *transmission, "wrap at 69 characters and add BT and NNNN, as on the wire");
  format->callback([&chosen, file, transmission] { chosen = [=] { return format_cable(*file, *transmission); }; });

  auto* explain = app.add_subcommand("explain", "each format line annotated in plain English");
  explain->add_option("CABLE", *file, "cable text file")->required();
  explain->callback([&chosen, file] { chosen = [file] { return explain_cable(*file); }; });
}

void add_topology_commands(CLI::App& app, action& chosen) {
  auto file = std::make_shared<std::string>();
  auto* validate = app.add_subcommand("validate", "check a topology file: exit 0, or file:line:col errors and exit 1");
  validate->add_option("TOPOLOGY", *file, "topology file (.textproto or .json)")->required();
  validate->callback([&chosen, file] { chosen = [file] { return validate_topology(*file); }; });

  auto station = std::make_shared<std::string>();
  auto* routes = app.add_subcommand("routes", "effective routing tables");
  routes->add_option("TOPOLOGY", *file, "topology file")->required();
  routes->add_option("--station", *station, "only this station's table");
  routes->callback([&chosen, file, station] { chosen = [=] { return print_routes(*file, *station); }; });

  auto from = std::make_shared<std::string>(), to = std::make_shared<std::string>();
  auto* path = app.add_subcommand("path", "the stations a cable passes from one station to another");
  path->add_option("TOPOLOGY", *file, "topology file")->required();
  path->add_option("FROM_RI", *from, "originating station")->required();
  path->add_option("TO_RI", *to, "destination station")->required();
  path->callback([&chosen, file, from, to] { chosen = [=] { return print_path(*file, *from, *to); }; });

  auto* dot = app.add_subcommand("dot", "Graphviz picture of the network (pipe into dot -Tsvg)");
  dot->add_option("TOPOLOGY", *file, "topology file")->required();
  dot->callback([&chosen, file] { chosen = [file] { return print_dot(*file); }; });

  auto dir = std::make_shared<std::string>();
  auto max_gap = std::make_shared<double>(10);
  auto* corpus = app.add_subcommand("corpus", "derive a topology or a replay scenario from a folder of real cables");
  corpus->require_subcommand(1);
  auto* topology = corpus->add_subcommand("topology", "print a topology: every RI a station, relays by prefix");
  topology->add_option("DIR", *dir, "folder of cable text files")->required();
  topology->callback([&chosen, dir, max_gap] { chosen = [=] { return corpus_command("topology", *dir, *max_gap); }; });
  auto* scenario = corpus->add_subcommand("scenario", "print a scenario filing every cable in DTG order");
  scenario->add_option("DIR", *dir, "folder of cable text files")->required();
  scenario->add_option("--max-gap", *max_gap, "longest quiet time kept between filings, simulated seconds (default 10)")
      ->check(zero_or_more);
  scenario->callback([&chosen, dir, max_gap] { chosen = [=] { return corpus_command("scenario", *dir, *max_gap); }; });
}

void add_run_commands(CLI::App& app, action& chosen) {
  auto a = std::make_shared<run_arguments>();
  auto* run = app.add_subcommand("run", "run every station of a topology in one process, in virtual time");
  run->add_option("TOPOLOGY", a->topology, "topology file")->required();
  run->add_option("--scenario", a->scenario, "scenario file (what to file, where, when)");
  run->add_option("--speedup", a->speedup,
                  "pacing: at most N simulated seconds per wall-clock second, or max (results never depend on it)")
      ->check([](const std::string& v) -> std::string {
        if (v == "max") return {};
        if (const auto x = parse_number(v); x && *x > 0) return {};
        return "expected a positive number or max, got '" + v + "'";
      });
  run->add_option("--practice", a->practice,
                  "dual precedence: STATE (information copies keep the higher precedence) or ACP127 (they drop "
                  "to the lower); overrides the topology's practice")
      ->check(CLI::IsMember({"STATE", "ACP127"}));
  run->add_option("--transport", a->transport, "how frames pass between stations: tcp (default) or memory")
      ->check(CLI::IsMember({"tcp", "memory"}));
  run->add_option("--inbox", a->inbox, "write each delivered copy to DIR/<station RI>/");
  run->add_option("--report", a->report, "write the report (Report proto, JSON) here");
  run->add_option("--html", a->html, "write the report as a self-contained HTML page here");
  run->add_flag("--trace", a->trace, "narrate each cable's journey: every transmission, preemption and delivery");
  run->add_option("--watch", a->watch,
                  "with --trace, tell this channel's queue by precedence whenever it changes: FROM-TO (repeatable)")
      ->check([](const std::string& v) -> std::string {
        return v.find('-') == std::string::npos ? "expected FROM-TO, two station RIs, got '" + v + "'" : "";
      });
  run->add_option("--log-level", a->log_level, "with --trace, debug adds copies received and channels coming up")
      ->check(log_levels());
  run->callback([&chosen, a] { chosen = [a] { return run_scenario(*a); }; });

  auto file = std::make_shared<std::string>(), html = std::make_shared<std::string>();
  auto* report = app.add_subcommand("report", "render a saved report (R.json) as an HTML page");
  report->add_option("REPORT_JSON", *file, "a report written by run --report")->required();
  report->add_option("--html", *html, "the HTML page to write")->required();
  report->callback([&chosen, file, html] { chosen = [=] { return render_report(*file, *html); }; });
}

void add_node_commands(CLI::App& app, action& chosen) {
  auto a = std::make_shared<node_arguments>();
  auto* node = app.add_subcommand("node", "run one station of a topology as its own process, in real time");
  node->add_option("TOPOLOGY", a->topology, "topology file")->required();
  node->add_option("--station", a->station, "the station's RI")->required();
  node->add_option("--inbox", a->inbox, "write each delivered copy to DIR/<station RI>/");
  node->add_option("--speedup", a->speedup, "simulated seconds per wall-clock second (real time)");
  node->add_option("--log-level", a->log_level, "debug, info (default), warn, error")->check(log_levels());
  node->add_option("--journal", a->journal, "keep a journal here: a restart loses no accepted cable");
  node->add_option("--port-dir", a->port_dir,
                   "stations with port 0 listen on any free port and say which in DIR/<RI>.port; "
                   "neighbours with port 0 are found there");
  node->add_option("--metrics", a->metrics,
                   "serve Prometheus metrics at HOST:PORT/metrics (port 0: any; with --port-dir, said in "
                   "DIR/<RI>.metrics)");
  node->add_option("--handshake-timeout", a->handshake_timeout,
                   "seconds a connection has to prove itself (and a filing client may sit idle); default 10")
      ->check(positive);
  node->add_option("--keepalive", a->keepalive,
                   "seconds between keep-alives on a quiet link; a link silent for three is closed; default 2")
      ->check(positive);
  node->add_option("--max-handshakes", a->max_handshakes,
                   "connections in their handshake at once; more are turned away; default 256")
      ->check(positive);
  node->callback([&chosen, a] { chosen = [a] { return run_node(*a); }; });

  auto l = std::make_shared<load_arguments>();
  auto* load =
      app.add_subcommand("load", "drive a relay at a rate or a bound in flight and measure it (real wire protocol)");
  load->add_option("TOPOLOGY", l->topology, "topology file: the relay's host:port and the links' keys")->required();
  load->add_option("--relay", l->relay, "the relay's RI")->required();
  load->add_flag("--in-process", l->in_process, "run the relay in this process (on any free loopback port)");
  load->add_option("--from", l->from, "the post that sends (default: the first post linked to the relay)");
  load->add_option("--to", l->to, "the post that receives (default: the next post linked to the relay)");
  auto* rate = load->add_option("--rate", l->rate, "open loop: cables a second, latency from each one's intended time")
                   ->check(positive);
  auto* bound =
      load->add_option("--max-in-flight", l->max_in_flight, "closed loop: cables in flight at most (default 64)")
          ->check(positive);
  rate->excludes(bound);
  auto* count = load->add_option("--count", l->count, "cables to send")->check(positive);
  auto* duration = load->add_option("--duration", l->duration, "seconds of sending (default 10)")->check(positive);
  count->excludes(duration);
  load->add_option("--mix", l->mix, "precedence weights (default FLASH=1,IMMEDIATE=4,PRIORITY=15,ROUTINE=80)");
  load->add_option("--size", l->size, "characters of text a cable carries (default 1000)")
      ->check(CLI::Range(1, 1000000));
  load->add_option("--fan-out", l->fan_out, "addressee posts per cable, each its own sink (default 1)")
      ->check(CLI::Range(1, 8));
  load->add_option("--backlog", l->backlog, "ROUTINE cables sent first, before the measured stream")
      ->check(zero_or_more);
  load->add_option(
          "--dual", l->dual,
          "share of PRIORITY and IMMEDIATE cables at dual precedence: information copies at ROUTINE (--fan-out 2+)")
      ->check(CLI::Range(0.0, 1.0));
  load->add_option("--port-dir", l->port_dir, "where a relay with port 0 says its port (node --port-dir)");
  load->add_option("--drain", l->drain, "seconds to wait for copies after the last send (default 10)")
      ->check(zero_or_more);
  load->add_flag("--json", l->json, "print the figures as one JSON object");
  load->add_option("--html", l->html, "write the latency percentiles, by precedence, as a page");
  load->callback([&chosen, l] { chosen = [l] { return run_load_command(*l); }; });

  auto c = std::make_shared<chaos_arguments>();
  auto* chaos =
      app.add_subcommand("chaos", "a campaign of random faults in virtual time, checked against the invariants");
  chaos->add_option("TOPOLOGY", c->topology, "topology file")->required();
  chaos->add_option("--scenario", c->scenario, "file this scenario's traffic in every seed instead of drawn traffic");
  chaos->add_option("--seeds", c->seeds, "how many seeds to run (default 100)")->required()->check(positive);
  chaos->add_option("--seed", c->seed, "the first seed (default 1)");
  chaos->add_option("--faults", c->faults,
                    "only these faults of each seed, by number (as a failing seed prints), or none");
  chaos->add_flag("--trace", c->trace, "narrate each seed's run, as run --trace does (for one seed)");
  chaos->add_flag("--json", c->json, "print seeds, faults, cables, violations and seeds a second as one JSON object");
  chaos->callback([&chosen, c] { chosen = [c] { return run_chaos_command(*c); }; });

  auto s = std::make_shared<send_arguments>();
  auto* send = app.add_subcommand("send", "file a cable at a running post");
  send->add_option("HOST:PORT", s->host_port, "where the post listens")->required();
  send->add_option("CABLE", s->file, "cable text, drafted or complete")->required();
  send->add_option("--as", s->as, "the post's RI")->required();
  auto* topo = send->add_option("--topology", s->topology, "prove the post's filing key, as this topology gives it");
  auto* key = send->add_option("--key-file", s->key_file, "prove the filing key whose secret is in this file");
  topo->excludes(key);
  send->callback([&chosen, s, topo, key] {
    if (!*topo && !*key) throw CLI::RequiredError("--topology or --key-file (the post's filing key)");
    chosen = [s] { return send_cable(*s); };
  });
}

/// A first word that is no command: say which commands come close, and list them all.
bool unknown_command(const CLI::App& app, const std::string& word) {
  if (word.empty() || word[0] == '-') return false;
  const auto commands = app.get_subcommands([](const CLI::App*) { return true; });
  std::string near, all;
  for (const auto* c : commands) {
    if (c->get_name() == word) return false;
    if (edit_distance(word, c->get_name()) <= 2) near += (near.empty() ? "" : " or ") + ("'" + c->get_name() + "'");
    all += " " + c->get_name();
  }
  std::cerr << "cablesim: unknown command '" << word << "'" << (near.empty() ? "" : "; did you mean " + near + "?")
            << "\ncommands:" << all << "\n(cablesim --help says what each does)\n";
  return true;
}

/// A flag the command does not have: say which of its flags come close. The command is the
/// deepest one its words name ("corpus scenario").
bool unknown_flag(const CLI::App& app, int argc, char** argv) {
  const CLI::App* command = &app;
  std::string name;
  int first = 1;
  for (; first < argc; ++first) {
    const std::string word = argv[first];
    const auto subs = command->get_subcommands([&](const CLI::App* c) { return c->get_name() == word; });
    if (subs.empty()) break;
    command = subs.front();
    name += (name.empty() ? "" : " ") + word;
  }
  if (command == &app) return false;
  std::vector<std::string> flags;
  for (const auto* o : command->get_options())
    for (const auto& n : o->get_lnames()) flags.push_back("--" + n);
  for (int i = first; i < argc; ++i) {
    const std::string word = std::string(argv[i]).substr(0, std::string(argv[i]).find('='));
    if (!word.starts_with("--") || std::find(flags.begin(), flags.end(), word) != flags.end()) continue;
    std::string near, all;
    for (const auto& f : flags) {
      if (edit_distance(word, f) <= 2) near += (near.empty() ? "" : " or ") + ("'" + f + "'");
      all += " " + f;
    }
    std::cerr << "cablesim " << name << ": unknown flag '" << word << "'"
              << (near.empty() ? "" : "; did you mean " + near + "?") << "\nflags:" << all << "\n";
    return true;
  }
  return false;
}

}  // namespace
}  // namespace cablesim::cli

int main(int argc, char** argv) {
  using namespace cablesim::cli;
  CLI::App app{"cablesim: an ACP 127 message-handling simulator for cable routing"};
  app.require_subcommand(1);
  action chosen;
  add_cable_commands(app, chosen);
  add_topology_commands(app, chosen);
  add_run_commands(app, chosen);
  add_node_commands(app, chosen);
  if (argc > 1 && (unknown_command(app, argv[1]) || unknown_flag(app, argc, argv))) return exit_usage;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  }
  if (!chosen) return exit_usage;
  try {
    return chosen();
  } catch (const cablesim::config_error& e) {
    for (const auto& p : e.problems()) std::cerr << p << "\n";
    return exit_bad_input;
  } catch (const std::exception& e) {  // the environment (a socket, a disk) or a bug: not the input
    std::cerr << "cablesim: error: " << e.what() << "\n";
    return exit_environment;
  }
}
