#pragma once
// Routing: longest-prefix match of an RI to a channel, alternates when a channel is down,
// collective expansion and routing-line segregation (ACP 127 §303).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cablesim/cable.pb.h"
#include "cablesim/core/topology.hpp"

namespace cablesim {

/// Neighbours whose channel is down, as seen from one station.
using down_set = std::set<std::string, std::less<>>;

enum class route_kind {
  local,    // this station delivers it
  channel,  // send on the channel to `via`
  none,     // no route: unknown RI, or every channel for it is down
};

/// Where one RI goes from one station.
struct route_decision {
  route_kind kind = route_kind::none;
  std::string via;         // the neighbour, for route_kind::channel
  bool alternate = false;  // the primary channel was down and an alternate is used
  std::string reason;      // for route_kind::none: why
  std::string wait_on;     // for route_kind::none when no usable channel is up: the one to wait for
  bool returns = false;    // for route_kind::none: the only way is straight back where it came from
};

/// What a station may route over, beyond its table.
struct route_rules {
  const down_set* down = nullptr;  // channels that are down
  /// The neighbour the cable came from: it is never sent straight back there. A copy whose only
  /// other channels are down waits for one of them.
  std::string_view from;
  /// While an RI's primary channel is down, an alternate is used only by arrangement with that
  /// neighbour (ZOE, see DESIGN.md); empty: any alternate.
  std::function<bool(std::string_view ri, std::string_view via)> arranged;
};

/// The effective routing table of one station.
class routing_table {
 public:
  routing_table(const topology& topo, std::string_view station);

  /// Route one RI, skipping channels in `down`.
  route_decision route(std::string_view ri, const down_set& down = {}) const;
  /// Route one RI under a station's rules.
  route_decision route(std::string_view ri, const route_rules& rules) const;

  /// The channels for an RI, primary first; nothing for an RI with no route (or this station's own).
  const std::vector<std::string>* channels(std::string_view ri) const {
    const auto* e = ri == station_ ? nullptr : find(ri);
    return e ? &e->channels : nullptr;
  }

  /// One row of the effective table, for printing.
  struct entry {
    std::string prefix;                 // "" for the default route
    std::vector<std::string> channels;  // primary first, then alternates
    bool implicit = false;              // a neighbour's own RI, routed to it without a Route entry
  };
  std::vector<entry> entries() const;

  const std::string& station() const { return station_; }

 private:
  /// Packed RI or prefix (up to 7 letters) -> entry index; open addressing, linear probing.
  class packed_map {
   public:
    void reserve(std::size_t n);
    bool insert(uint64_t key, uint32_t entry);  // false if the key was there already
    const uint32_t* find(uint64_t key) const;

   private:
    struct slot {
      uint64_t key = 0;  // 0 = empty
      uint32_t entry = 0;
    };
    std::vector<slot> slots_;
  };
  static uint64_t pack(std::string_view prefix);
  const entry* find(std::string_view ri) const;

  std::string station_;
  std::vector<entry> entries_;
  packed_map neighbours_;     // a neighbour's own RI: exact match, checked first
  packed_map prefixes_;       // Route prefixes: longest match
  uint8_t lengths_mask_ = 0;  // bit n set when some prefix has length n
  std::optional<uint32_t> default_entry_;
};

/// One copy of a cable that a station makes when it segregates the routing line.
struct routed_copy {
  route_kind kind = route_kind::channel;  // local or channel
  std::string via;                        // the neighbour, for a channel copy
  Precedence precedence = ROUTINE;        // the copy's FL2 precedence
  std::vector<std::string> ris;           // its routing line, in original order, each once
  bool alternate = false;                 // goes out on an alternate channel
  bool held = false;                      // no usable channel for it is up: it waits on `via`
};

/// The copies a station makes of a cable, and the RIs it cannot route.
struct segregation {
  std::vector<routed_copy> copies;
  std::vector<std::string> unroutable;  // no route at all
  std::vector<std::string> unroutable_reasons;
  std::vector<std::string> returned;  // the only way is straight back where it came from
};

/// The RIs of a routing line with collectives expanded into their members (minus the cable's
/// XMT addressees), each RI once, in order.
std::vector<std::string> expand_collectives(const topology& topo, const Cable& cable,
                                            const std::vector<std::string>& ris);

/// Segregate the cable's routing line at the station of `table`: expand collectives, group the
/// RIs by outgoing channel (local delivery is a group too), one copy per group in order of first
/// appearance. With a dual precedence (FL5 `O R`), a copy whose RIs serve only information
/// addressees goes at the lower precedence.
segregation segregate(const topology& topo, const routing_table& table, const Cable& cable, const down_set& down = {});
segregation segregate(const topology& topo, const routing_table& table, const Cable& cable, const route_rules& rules);

/// The routing tables of every station of a topology.
class network_routes {
 public:
  explicit network_routes(const topology& topo);
  /// The table of a station; throws std::out_of_range for an unknown RI.
  const routing_table& at(std::string_view ri) const;
  const topology& topo() const { return topo_; }

 private:
  const topology& topo_;
  std::map<std::string, routing_table, std::less<>> tables_;
};

/// A link that is down, named by its two ends in either order.
using down_links = std::set<std::pair<std::string, std::string>>;

/// The stations a cable for `to` passes from `from` on, following primary routes (and
/// alternates around `down` links). Empty, with `error` set, when the cable cannot get there;
/// the error starts with the RI of the station where it went wrong.
std::vector<std::string> find_path(const network_routes& routes, std::string_view from, std::string_view to,
                                   std::string* error = nullptr, const down_links& down = {});

}  // namespace cablesim
