// cablesim load: drive a relay (running elsewhere, or in this process) and report.

#include <google/protobuf/util/json_util.h>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cablesim/core/precedence.hpp"
#include "cablesim/net/hosts.hpp"
#include "cablesim/net/load.hpp"
#include "cablesim/report/load.hpp"
#include "commands.hpp"

namespace cablesim::cli {
namespace {

/// "FLASH=1,IMMEDIATE=4,..." -> weights by Precedence value; an error message otherwise.
std::string parse_mix(const std::string& text, std::array<double, 6>& mix) {
  mix.fill(0);
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    const auto eq = part.find('=');
    const auto p = precedence_from_word(part.substr(0, eq));
    if (eq == std::string::npos || !p) return "--mix: expected PRECEDENCE=WEIGHT,..., got '" + part + "'";
    const auto weight = parse_number(part.substr(eq + 1));
    if (!weight || *weight < 0) return "--mix: '" + part.substr(eq + 1) + "' is not a weight (a number, 0 or more)";
    mix[static_cast<std::size_t>(*p)] = *weight;
  }
  return "";
}

}  // namespace

int run_load_command(const load_arguments& a) {
  auto topo = load_topology(a.topology);
  net::load_options o;
  o.relay = a.relay;
  o.from = a.from;
  if (!a.to.empty()) o.to.push_back(a.to);
  o.fan_out = a.fan_out;
  o.rate = a.rate;
  o.max_in_flight = a.max_in_flight;
  o.count = a.count;
  o.duration = a.duration;
  o.size = a.size;
  o.backlog = a.backlog;
  o.dual = a.dual;
  o.drain_seconds = a.drain;
  o.port_dir = a.port_dir;
  if (const auto why = parse_mix(a.mix, o.mix); !why.empty()) {
    std::cerr << "cablesim load: " << why << "\n";
    return exit_usage;
  }
  net::choose_endpoints(topo, o);
  std::vector<std::string> named{o.relay, o.from};
  named.insert(named.end(), o.to.begin(), o.to.end());
  topo = net::resolve_host_names(topo, named);
  o.progress = [](const std::string& line) { std::cerr << line << "\n"; };

  std::optional<net::in_process_relay> relay;
  if (a.in_process) {
    relay.emplace(topo, o.relay);
    o.relay_endpoint = relay->endpoint();
  }
  const auto report = net::run_load(topo, o);
  relay.reset();

  if (a.json) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    (void)google::protobuf::util::MessageToJsonString(report, &json, options);
    std::cout << json << "\n";
  } else {
    std::cout << report::summarize_load(report);
  }
  if (!a.html.empty()) {
    std::ofstream out(a.html, std::ios::binary);
    out << report::render_load_html(report);
    if (!out) {
      std::cerr << a.html << ": error: cannot write the page\n";
      return exit_environment;
    }
  }
  return report.lost() || report.duplicated() ? exit_not_complete : exit_ok;
}

}  // namespace cablesim::cli
