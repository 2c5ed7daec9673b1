// cablesim chaos: a campaign of random faults in virtual time (sim/chaos.hpp).
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cablesim/sim/chaos.hpp"
#include "commands.hpp"

namespace cablesim::cli {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string join_indices(const std::vector<std::size_t>& v) {
  std::string s;
  for (const auto i : v) s += (s.empty() ? "" : ",") + std::to_string(i);
  return s;
}

/// The command that runs a failing seed again, exactly, with only the faults that still fail.
std::string reproduce(const chaos_arguments& a, const sim::chaos_failure& f) {
  return "cablesim chaos " + a.topology + (a.scenario.empty() ? "" : " --scenario " + a.scenario) +
         " --seeds 1 --seed " + std::to_string(f.seed) + " --faults " +
         (f.faults.empty() ? std::string("none") : join_indices(f.faults));
}

void print_json(const chaos_arguments& a, const sim::chaos_result& r) {
  std::ostringstream out;
  out << "{\"topology\": " << json_string(a.topology) << ", \"first_seed\": " << a.seed << ", \"seeds\": " << r.seeds
      << ", \"faults\": " << r.faults << ", \"cables\": " << r.cables << ", \"copies\": " << r.copies
      << ", \"seconds\": " << r.seconds << ", \"seeds_per_second\": " << (r.seconds > 0 ? r.seeds / r.seconds : 0)
      << ", \"violations\": [";
  bool first = true;
  for (const auto& f : r.failures)
    for (const auto& v : f.violations) {
      out << (first ? "" : ", ") << "{\"seed\": " << f.seed << ", \"invariant\": " << json_string(v.invariant)
          << ", \"detail\": " << json_string(v.detail) << ", \"faults\": [" << join_indices(f.faults)
          << "], \"reproduce\": " << json_string(reproduce(a, f)) << "}";
      first = false;
    }
  out << "]}\n";
  std::cout << out.str();
}

void print_text(const chaos_arguments& a, const sim::chaos_result& r) {
  for (const auto& f : r.failures) {
    std::cout << "seed " << f.seed << " FAILS:\n";
    for (const auto& v : f.violations) std::cout << "  " << v.invariant << ": " << v.detail << "\n";
    std::cout << "  with " << (f.described.empty() ? "no fault at all" : "these faults") << ":\n";
    for (const auto& d : f.described) std::cout << "    " << d << "\n";
    std::cout << "  reproduce: " << reproduce(a, f) << "\n";
  }
  char line[200];
  std::snprintf(line, sizeof line,
                "chaos: %llu seeds (from %llu), %zu faults, %zu cables, %zu addressee copies; %zu failing; %.1f s, "
                "%.0f seeds a second\n",
                static_cast<unsigned long long>(r.seeds), static_cast<unsigned long long>(a.seed), r.faults, r.cables,
                r.copies, r.failures.size(), r.seconds, r.seconds > 0 ? r.seeds / r.seconds : 0.0);
  std::cout << line;
}

}  // namespace

int run_chaos_command(const chaos_arguments& a) {
  const auto topo = load_topology(a.topology);
  std::optional<sim::scenario_file> traffic;
  if (!a.scenario.empty()) traffic = sim::load_scenario(a.scenario, topo);
  sim::chaos_options o;
  o.first_seed = a.seed;
  o.seeds = a.seeds;
  if (!a.faults.empty()) {
    o.keep.emplace();
    if (a.faults != "none") {
      std::stringstream in(a.faults);
      for (std::string item; std::getline(in, item, ',');) {
        const auto n = parse_number(item);
        if (!n || *n < 0 || *n != static_cast<double>(static_cast<std::size_t>(*n))) {
          std::cerr << "cablesim chaos: error: --faults takes fault numbers separated by commas, or none: '" << item
                    << "'\n";
          return exit_usage;
        }
        o.keep->push_back(static_cast<std::size_t>(*n));
      }
    }
  }
  o.progress = [](const std::string& line) { std::cerr << "chaos: " << line << "\n"; };
  if (a.trace) {
    o.trace = [](const std::string& line) { std::cout << line << "\n"; };
    o.shrink = false;  // the trace of the seed as drawn (or as --faults leaves it)
  }
  const auto r = sim::run_chaos(topo, traffic, o);
  if (a.json)
    print_json(a, r);
  else
    print_text(a, r);
  return r.failures.empty() ? exit_ok : exit_not_complete;
}

}  // namespace cablesim::cli
