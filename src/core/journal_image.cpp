#include "cablesim/core/journal_image.hpp"

namespace cablesim {

void journal_image::apply(const std::vector<journal_entry>& batch) {
  for (const auto& entry : batch)
    std::visit(overloaded{
                   [&](const journal_put& p) {
                     pending_.insert_or_assign(p.copy.journal_id, std::pair{p.channel, p.copy});
                   },
                   [&](const journal_drop& d) { pending_.erase(d.journal_id); },
                   [&](const journal_seen& k) { seen_.insert(k.key); },
                   [&](const journal_counter& c) {
                     counters_.insert_or_assign(counter_name(c.key), std::pair{c.key, c.value});
                   },
               },
               entry);
}

journal_contents journal_image::contents() const {
  journal_contents c;
  for (const auto& [id, kept] : pending_) c.pending.push_back(kept);
  c.seen.assign(seen_.begin(), seen_.end());
  for (const auto& [name, counter] : counters_) c.counters.push_back(counter);
  return c;
}

}  // namespace cablesim
