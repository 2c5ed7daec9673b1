#include "cablesim/core/routing.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>
#include <unordered_set>

#include "cablesim/core/precedence.hpp"

namespace cablesim {

uint64_t routing_table::pack(std::string_view prefix) {
  // up to 7 letters in the low 56 bits, the length in the top byte: never 0 for a real prefix
  uint64_t key = static_cast<uint64_t>(prefix.size()) << 56;
  for (std::size_t i = 0; i < prefix.size() && i < 7; ++i)
    key |= static_cast<uint64_t>(static_cast<unsigned char>(prefix[i])) << (8 * i);
  return key;
}

namespace {
inline std::size_t slot_of(uint64_t key, std::size_t mask) {
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}
}  // namespace

void routing_table::packed_map::reserve(std::size_t n) {
  std::size_t size = 16;
  while (size < n * 2 + 2) size *= 2;
  slots_.assign(size, {});
}

bool routing_table::packed_map::insert(uint64_t key, uint32_t entry) {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = slot_of(key, mask);; i = (i + 1) & mask) {
    if (slots_[i].key == key) return false;
    if (slots_[i].key == 0) {
      slots_[i] = {key, entry};
      return true;
    }
  }
}

const uint32_t* routing_table::packed_map::find(uint64_t key) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = slot_of(key, mask);; i = (i + 1) & mask) {
    if (slots_[i].key == key) return &slots_[i].entry;
    if (slots_[i].key == 0) return nullptr;
  }
}

routing_table::routing_table(const topology& topo, std::string_view station) : station_(station) {
  const auto& neighbours = topo.neighbours(station);
  const RoutingTable* rt = topo.routing_table(station);
  neighbours_.reserve(neighbours.size());
  prefixes_.reserve(rt ? static_cast<std::size_t>(rt->routes_size()) : 0);
  std::set<std::string, std::less<>> explicit_prefix;
  if (rt) {
    for (const auto& r : rt->routes()) {
      entry e{r.prefix(), {r.via()}, false};
      for (const auto& a : r.alternates()) e.channels.push_back(a);
      entries_.push_back(std::move(e));
      // first definition of a prefix wins
      if (prefixes_.insert(pack(r.prefix()), static_cast<uint32_t>(entries_.size() - 1)))
        lengths_mask_ = static_cast<uint8_t>(lengths_mask_ | (1u << r.prefix().size()));
      explicit_prefix.insert(r.prefix());
    }
    if (rt->has_default_route() && !rt->default_route().via().empty()) {
      entry e{"", {rt->default_route().via()}, false};
      for (const auto& a : rt->default_route().alternates()) e.channels.push_back(a);
      entries_.push_back(std::move(e));
      default_entry_ = static_cast<uint32_t>(entries_.size() - 1);
    }
  }
  // A neighbour's own RI goes straight to it, unless a route names that RI with alternates.
  for (const auto& nb : neighbours) {
    if (explicit_prefix.count(nb.ri)) continue;
    entries_.push_back({nb.ri, {nb.ri}, true});
    neighbours_.insert(pack(nb.ri), static_cast<uint32_t>(entries_.size() - 1));
  }
}

const routing_table::entry* routing_table::find(std::string_view ri) const {
  if (ri.size() <= 7)
    if (const auto* e = neighbours_.find(pack(ri))) return &entries_[*e];
  for (std::size_t len = std::min<std::size_t>(ri.size(), 7); len > 0; --len) {
    if (!(lengths_mask_ & (1u << len))) continue;
    if (const auto* e = prefixes_.find(pack(ri.substr(0, len)))) return &entries_[*e];
  }
  return default_entry_ ? &entries_[*default_entry_] : nullptr;
}

route_decision routing_table::route(std::string_view ri, const down_set& down) const {
  return route(ri, route_rules{&down, {}, {}});
}

route_decision routing_table::route(std::string_view ri, const route_rules& rules) const {
  route_decision d;
  if (ri == station_) {
    d.kind = route_kind::local;
    return d;
  }
  const entry* e = find(ri);
  if (!e) {
    d.reason = station_ + " has no route for " + std::string(ri);
    return d;
  }
  const auto is_down = [&](const std::string& ch) { return rules.down && rules.down->count(ch) > 0; };
  // an outage of the primary makes an alternate a matter of arrangement; a primary that leads
  // back where the cable came from does not
  const auto& primary = e->channels.front();
  const bool by_arrangement = rules.arranged && primary != rules.from && is_down(primary);
  for (std::size_t i = 0; i < e->channels.size(); ++i) {
    const auto& ch = e->channels[i];
    if (ch == rules.from || is_down(ch)) continue;
    if (i > 0 && by_arrangement && !rules.arranged(ri, ch)) continue;
    d.kind = route_kind::channel;
    d.via = ch;
    d.alternate = i > 0;
    return d;
  }
  // nothing usable is up: wait for the primary, or, where the primary is the way back, for the
  // first alternate (which is down)
  for (const auto& ch : e->channels)
    if (ch != rules.from) {
      d.wait_on = ch;
      break;
    }
  if (d.wait_on.empty()) {
    d.returns = true;
    d.reason = station_ + " would send it straight back to " + std::string(rules.from);
    return d;
  }
  d.reason = "every channel " + station_ + " has for " + std::string(ri) + " is down";
  return d;
}

std::vector<routing_table::entry> routing_table::entries() const {
  std::vector<entry> out = entries_;
  std::sort(out.begin(), out.end(), [](const entry& a, const entry& b) {
    if (a.prefix.empty() != b.prefix.empty()) return b.prefix.empty();  // default last
    return a.prefix < b.prefix;
  });
  return out;
}

namespace {

/// The strings seen so far: a short list searched in place, a long one hashed, so that the
/// usual few addressees cost no hashing and hundreds cost no quadratic search. Holds views:
/// what it holds must outlive it.
class seen_set {
 public:
  bool insert(std::string_view s) {
    if (hashed_.empty() && count_ < few_.size()) {
      if (in_few(s)) return false;
      few_[count_++] = s;
      return true;
    }
    if (hashed_.empty()) hashed_.insert(few_.begin(), few_.begin() + static_cast<std::ptrdiff_t>(count_));
    return hashed_.insert(s).second;
  }
  bool contains(std::string_view s) const { return hashed_.empty() ? in_few(s) : hashed_.count(s) > 0; }

 private:
  bool in_few(std::string_view s) const {
    const auto end = few_.begin() + static_cast<std::ptrdiff_t>(count_);
    return std::find(few_.begin(), end, s) != end;
  }
  std::array<std::string_view, 16> few_{};  // in place: no allocation for the usual few
  std::size_t count_ = 0;
  std::unordered_set<std::string_view> hashed_;
};

template <class RIs>
std::vector<std::string> expand_collectives_in(const topology& topo, const Cable& cable, const RIs& ris) {
  // linear in the addressees, however many there are (seen_set)
  // XMT names a member by RI, or by the plain-language address of the station that serves it
  seen_set exempted;
  for (const auto& a : cable.exempted())
    if (!a.routing_indicator().empty())
      exempted.insert(a.routing_indicator());
    else if (const auto* s = topo.station_for_address(a.address()))
      exempted.insert(s->ri());
  std::vector<std::string> out;
  seen_set have;  // views of `ris` and of the topology's members, which outlive it
  auto add = [&](const std::string& ri) {
    if (have.insert(ri)) out.push_back(ri);
  };
  for (const auto& ri : ris) {
    if (const auto* c = topo.collective(ri)) {
      for (const auto& m : c->members())
        if (!exempted.contains(m)) add(m);
    } else {
      add(ri);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> expand_collectives(const topology& topo, const Cable& cable,
                                            const std::vector<std::string>& ris) {
  return expand_collectives_in(topo, cable, ris);
}

segregation segregate(const topology& topo, const routing_table& table, const Cable& cable, const down_set& down) {
  return segregate(topo, table, cable, route_rules{&down, {}, {}});
}

segregation segregate(const topology& topo, const routing_table& table, const Cable& cable, const route_rules& rules) {
  const auto ris = expand_collectives_in(topo, cable, cable.routing_line().routing_indicators());

  const auto& p5 = cable.dtg_line().precedence();
  const auto& p2 = cable.routing_line().precedence();
  const Precedence high =
      p2.empty() ? (p5.empty() ? ROUTINE : static_cast<Precedence>(p5[0])) : static_cast<Precedence>(p2[0]);
  const bool dual = p5.size() == 2;
  const Precedence low = dual ? static_cast<Precedence>(p5[1]) : high;

  // Which RIs serve action addressees (collectives count for their members): it matters only
  // at dual precedence, where information copies may go apart and lower.
  std::vector<std::string> action_ris, info_ris;
  seen_set action_set, info_set;  // views of the two above
  if (dual) {
    for (const auto& a : cable.action())
      if (!a.routing_indicator().empty()) action_ris.push_back(a.routing_indicator());
    action_ris = expand_collectives(topo, cable, action_ris);
    for (const auto& a : cable.information())
      if (!a.routing_indicator().empty()) info_ris.push_back(a.routing_indicator());
    info_ris = expand_collectives(topo, cable, info_ris);
    for (const auto& ri : action_ris) action_set.insert(ri);
    for (const auto& ri : info_ris) info_set.insert(ri);
  }

  segregation out;
  std::vector<bool> info_only;  // by copy, at dual precedence
  for (const auto& ri : ris) {
    auto d = table.route(ri, rules);
    const bool held = d.kind == route_kind::none && !d.wait_on.empty();
    if (held) {  // a station holds traffic for a channel that is down; it never refuses it for that
      d.kind = route_kind::channel;
      d.via = d.wait_on;
    }
    if (d.returns) {
      out.returned.push_back(ri);
      continue;
    }
    if (d.kind == route_kind::none) {
      out.unroutable.push_back(ri);
      out.unroutable_reasons.push_back(d.reason);
      continue;
    }
    // one copy per channel: a search of the copies made so far, at most one per neighbour
    auto it = std::find_if(out.copies.begin(), out.copies.end(),
                           [&](const routed_copy& c) { return c.kind == d.kind && c.via == d.via; });
    if (it == out.copies.end()) {
      out.copies.push_back({d.kind, d.via, high, {}, d.alternate, held});
      if (dual) info_only.push_back(true);
      it = out.copies.end() - 1;
    }
    it->ris.push_back(ri);
    // An RI is information-only when it serves information addressees and no action addressee.
    if (dual) {
      const auto i = static_cast<std::size_t>(it - out.copies.begin());
      info_only[i] = info_only[i] && info_set.contains(ri) && !action_set.contains(ri);
    }
  }
  if (!dual) return out;
  const bool acp127 = topo.proto().practice() == ACP127;
  // FLASH (and above) with dual precedence: the FLASH copies go first, on their own; the
  // copies for information addressees only follow, separately (ACP 127 §152)
  if (more_urgent(high, IMMEDIATE)) {
    std::vector<routed_copy> info_copies;
    for (auto& copy : out.copies) {
      if (copy.kind != route_kind::channel) continue;
      routed_copy info = copy;
      info.ris.clear();
      std::vector<std::string> action_part;
      for (auto& ri : copy.ris)
        (info_set.contains(ri) && !action_set.contains(ri) ? info.ris : action_part).push_back(ri);
      if (info.ris.empty() || action_part.empty()) continue;
      copy.ris = std::move(action_part);
      info_copies.push_back(std::move(info));
    }
    for (auto& info : info_copies) {
      info_only.push_back(true);
      out.copies.push_back(std::move(info));
    }
  }
  if (acp127)
    for (std::size_t i = 0; i < out.copies.size(); ++i)
      if (info_only[i]) out.copies[i].precedence = low;
  return out;
}

network_routes::network_routes(const topology& topo) : topo_(topo) {
  for (const auto& s : topo.proto().stations()) tables_.emplace(s.ri(), routing_table(topo, s.ri()));
}

const routing_table& network_routes::at(std::string_view ri) const {
  const auto it = tables_.find(ri);
  if (it == tables_.end()) throw std::out_of_range("no station " + std::string(ri));
  return it->second;
}

std::vector<std::string> find_path(const network_routes& routes, std::string_view from, std::string_view to,
                                   std::string* error, const down_links& down_links) {
  auto fail = [&](std::string message) {
    if (error) *error = std::move(message);
    return std::vector<std::string>{};
  };
  if (!routes.topo().station(from)) return fail(std::string(from) + " unknown: no station " + std::string(from));
  std::vector<std::string> path{std::string(from)};
  std::string at(from);
  for (;;) {
    const routing_table& table = routes.at(at);
    down_set down;
    for (const auto& [a, b] : down_links) {
      if (a == at) down.insert(b);
      if (b == at) down.insert(a);
    }
    const auto d = table.route(to, down);
    if (d.kind == route_kind::local) return path;
    if (d.kind == route_kind::none) return fail(at + " black hole: " + d.reason);
    if (std::find(path.begin(), path.end(), d.via) != path.end()) {
      path.push_back(d.via);
      std::string p;
      for (const auto& s : path) p += (p.empty() ? "" : " -> ") + s;
      return fail(at + " loop: routing loop " + p);
    }
    path.push_back(d.via);
    at = d.via;
  }
}

}  // namespace cablesim
