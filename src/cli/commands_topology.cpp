#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/routing.hpp"
#include "cablesim/store/files.hpp"
#include "commands.hpp"

namespace cablesim::cli {
namespace {

std::string speed_label(uint64_t bps) {
  if (bps == 0) return "unpaced";
  if (bps < 1000) return std::to_string(bps) + " bit/s";
  if (bps % 1000 == 0) return std::to_string(bps / 1000) + " kbit/s";
  return std::to_string(bps) + " bit/s";
}

}  // namespace

topology load_topology(const std::string& path) {
  const auto text = store::read_file(path);
  if (!text)
    throw config_error(
        {path + ":1:1: cannot read the topology file" +
         (std::filesystem::is_directory(path) ? " (it is a folder; a topology is a .textproto or .json file)"
                                              : std::string())});
  return topology::load(*text, path);
}

int validate_topology(const std::string& file) {
  const auto t = load_topology(file);
  int relays = 0;
  for (const auto& s : t.proto().stations()) relays += s.role() == RELAY;
  std::cout << file << ": OK: " << t.proto().stations_size() << " stations (" << relays << " relays), "
            << t.proto().links_size() << " links, " << t.proto().collectives_size()
            << " collectives; every station reaches every other\n";
  return exit_ok;
}

int print_routes(const std::string& file, const std::string& station) {
  const auto t = load_topology(file);
  if (!station.empty() && !t.station(station)) {
    std::cerr << file << ": error: no station " << station << " in this topology\n";
    return exit_bad_input;
  }
  for (const auto& s : t.proto().stations()) {
    if (!station.empty() && s.ri() != station) continue;
    const routing_table table(t, s.ri());
    std::cout << s.ri() << " (" << (s.role() == RELAY ? "relay" : "post")
              << (s.addresses_size() ? ", " + s.addresses(0) : std::string{}) << ")\n";
    std::cout << "  " << s.ri() << "  -> local delivery\n";
    for (const auto& e : table.entries()) {
      std::cout << "  " << (e.prefix.empty() ? "default" : e.implicit ? e.prefix : e.prefix + "*") << "  -> ";
      for (std::size_t i = 0; i < e.channels.size(); ++i) {
        if (i == 1) std::cout << "  (alternates:";
        std::cout << (i ? " " : "") << e.channels[i];
      }
      if (e.channels.size() > 1) std::cout << ")";
      if (e.implicit) std::cout << "  [neighbour]";
      std::cout << "\n";
    }
  }
  return exit_ok;
}

int print_path(const std::string& file, const std::string& from, const std::string& to) {
  const auto t = load_topology(file);
  for (const auto& ri : {from, to})
    if (!t.station(ri)) {
      std::cerr << file << ": error: no station " << ri << " in this topology\n";
      return exit_bad_input;
    }
  const network_routes routes(t);
  std::string error;
  const auto path = find_path(routes, from, to, &error);
  if (path.empty()) {
    std::cerr << file << ": error: " << error << "\n";
    return exit_bad_input;
  }
  for (std::size_t i = 0; i < path.size(); ++i) std::cout << (i ? " -> " : "") << path[i];
  std::cout << "\n";
  return exit_ok;
}

int print_dot(const std::string& file) {
  const auto t = load_topology(file);
  std::cout << "graph \"" << t.proto().name() << "\" {\n"
            << "  graph [overlap=false, splines=true, fontname=\"Helvetica\", label=\"" << t.proto().name() << ": "
            << t.proto().description() << "\"];\n"
            << "  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8];\n";
  for (const auto& s : t.proto().stations()) {
    std::string label = s.ri();
    if (s.addresses_size())
      label += "\\n" + s.addresses(0);
    else if (!s.description().empty())
      label += "\\n" + s.description();
    std::string escaped;
    for (char c : label) {
      if (c == '"') escaped += '\\';
      escaped += c;
    }
    std::cout << "  \"" << s.ri() << "\" [label=\"" << escaped << "\", "
              << (s.role() == RELAY ? "shape=box, style=\"filled,bold\", fillcolor=\"#cfe2f3\""
                                    : "shape=ellipse, style=filled, fillcolor=\"#fff2cc\"")
              << "];\n";
  }
  for (const auto& l : t.proto().links()) {
    std::cout << "  \"" << l.a() << "\" -- \"" << l.b() << "\" [label=\"" << speed_label(l.speed_bps()) << "\"";
    if (l.speed_bps() > 0 && l.speed_bps() < 300) std::cout << ", color=red, penwidth=2";
    std::cout << "];\n";
  }
  std::cout << "}\n";
  return exit_ok;
}

}  // namespace cablesim::cli
