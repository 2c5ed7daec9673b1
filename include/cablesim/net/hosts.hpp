#pragma once
// Host names in topologies: resolved once, when a node, `send` or `load` starts.

#include <string>
#include <vector>

#include "cablesim/core/topology.hpp"

namespace cablesim::net {

/// The topology with the host of each of `stations` that is a name (not an IP literal)
/// replaced by the first address it resolves to. A name that does not resolve is a
/// configuration error, with every such name listed: a node never retries one forever.
topology resolve_host_names(const topology& topo, const std::vector<std::string>& stations);

}  // namespace cablesim::net
