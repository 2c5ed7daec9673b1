#pragma once
// Host names in topologies: resolved once, when a node, `send` or `load` starts.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cablesim/core/topology.hpp"

namespace cablesim::net {

/// The topology with the host of each of `stations` that is a name (not an IP literal)
/// replaced by the first address it resolves to. A name that does not resolve is a
/// configuration error, with every such name listed: a node never retries one forever.
topology resolve_host_names(const topology& topo, const std::vector<std::string>& stations);

/// The port a station listens on: the topology's, or, when that is 0, the one the station wrote
/// in DIR/<RI>.port (`node --port-dir DIR`). Nothing when neither says (yet).
std::optional<unsigned short> listening_port(const topology& topo, const std::string& ri,
                                             const std::filesystem::path& port_dir);

}  // namespace cablesim::net
