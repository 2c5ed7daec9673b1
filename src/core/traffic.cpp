#include "cablesim/core/traffic.hpp"

#include <algorithm>
#include <cmath>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/precedence.hpp"

namespace cablesim {

uint64_t portable_random::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double portable_random::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

uint64_t portable_random::below(uint64_t n) { return n == 0 ? 0 : next() % n; }

double portable_random::exponential(double mean) { return -std::log(1.0 - uniform()) * mean; }

namespace {

template <class T, class W>
T pick_weighted(portable_random& rng, const std::vector<std::pair<T, W>>& items) {
  double total = 0;
  for (const auto& [item, w] : items) total += std::max(0.0, static_cast<double>(w));
  double x = rng.uniform() * total;
  for (const auto& [item, w] : items) {
    x -= std::max(0.0, static_cast<double>(w));
    if (x < 0) return item;
  }
  return items.back().first;
}

std::string address_of(const topology& topo, const std::string& ri) {
  if (const auto* c = topo.collective(ri)) return c->address();
  const auto* s = topo.station(ri);
  return s && s->addresses_size() ? s->addresses(0) : ri + " COMMCEN";
}

std::string classification_line(Classification c) {
  switch (c) {
    case CONFIDENTIAL: return "C O N F I D E N T I A L";
    case SECRET: return "S E C R E T";
    case TOP_SECRET: return "T O P S E C R E T";
    default: return "UNCLAS";
  }
}

std::string portion(Classification c) {
  switch (c) {
    case CONFIDENTIAL: return "C";
    case SECRET: return "S";
    case TOP_SECRET: return "TS";
    default: return "U";
  }
}

constexpr const char* filler_words[] = {"the",       "post",    "reports",  "that",     "local",    "officials",
                                        "confirmed", "meeting", "on",       "trade",    "security", "cooperation",
                                        "and",       "visa",    "issues",   "embassy",  "will",     "follow",
                                        "up",        "with",    "ministry", "contacts", "next",     "week"};

std::string filler(portable_random& rng, std::size_t characters, Classification c) {
  std::string text;
  std::string line;
  int paragraph = 1;
  line = "1. (" + portion(c) + ")";
  while (text.size() + line.size() < characters) {
    const std::string w = filler_words[rng.below(std::size(filler_words))];
    if (line.size() + 1 + w.size() > 69) {
      text += line + "\n";
      line.clear();
      if (rng.below(8) == 0 && text.size() + 80 < characters) {
        text += "\n";
        line = std::to_string(++paragraph) + ". (" + portion(c) + ")";
        continue;
      }
    }
    line += (line.empty() ? "" : " ") + w;
  }
  text += line + ".\n";
  return text;
}

}  // namespace

/// One stream's parameters and where it has got to. Each stream draws from its own generator,
/// seeded from the scenario's seed and the stream's place, so streams interleave by time
/// without changing each other's draws.
struct traffic_generator::stream {
  TrafficStream proto;
  std::string name;
  portable_random rng{1};
  std::vector<std::pair<Precedence, double>> precedences;
  std::vector<std::pair<Classification, double>> classes;
  std::vector<std::pair<std::string, double>> weighted;
  unsigned to_count = 1, min_chars = 800, max_chars = 2000;
  double stop = 0, gap = 0, t = 0;
  unsigned n = 0;
  std::optional<generated_filing> ahead;  // its next filing
};

traffic_generator::traffic_generator(const Scenario& scenario, const topology& topo) : topo_(topo) {
  std::vector<std::string> problems;
  const double duration = scenario.duration_seconds() > 0 ? scenario.duration_seconds() : 3600;
  for (const auto& s : topo.proto().stations())
    if (s.role() == POST || s.delivers_locally()) posts_.push_back(s.ri());

  for (int si = 0; si < scenario.streams_size(); ++si) {
    const auto& st = scenario.streams(si);
    const std::string name = st.name().empty() ? "stream " + std::to_string(si + 1) : st.name();
    const auto before = problems.size();
    auto check = [&](const std::string& ri) {
      if (!topo.station(ri)) problems.push_back(name + ": unknown station '" + ri + "'");
    };
    for (const auto& o : st.origins()) check(o);
    for (const auto& a : st.addressees())
      if (!topo.collective(a)) check(a);  // a collective is addressed as its members
    for (const auto& w : st.weighted_addressees()) check(w.ri());
    if (st.origins().empty()) problems.push_back(name + ": no origins");
    if (st.per_hour() <= 0) problems.push_back(name + ": per_hour must be positive");
    if (st.start_seconds() < 0 || st.stop_seconds() < 0)
      problems.push_back(name + ": start_seconds and stop_seconds must not be negative");
    if (st.dual_precedence_share() < 0 || st.dual_precedence_share() > 1)
      problems.push_back(name + ": dual_precedence_share must be between 0 and 1");
    if (std::max(st.min_characters(), st.max_characters()) > max_generated_characters)
      problems.push_back(name + ": min_characters and max_characters must be at most " +
                         std::to_string(max_generated_characters) + " (a cable's text)");
    const auto weights = [&](const std::string& what, const auto& shares) {
      bool some = shares.empty();
      for (const auto& share : shares) {
        if (share.weight() < 0) problems.push_back(name + ": a weight in " + what + " is negative");
        some = some || share.weight() > 0;
      }
      if (!some) problems.push_back(name + ": " + what + " has no weight above 0");
    };
    weights("precedence_mix", st.precedence_mix());
    weights("classification_mix", st.classification_mix());
    weights("weighted_addressees", st.weighted_addressees());
    if (st.choice() == TrafficStream::WEIGHTED && st.weighted_addressees().empty())
      problems.push_back(name + ": WEIGHTED needs weighted_addressees");
    if (st.choice() == TrafficStream::FIXED && st.addressees().empty())
      problems.push_back(name + ": FIXED needs addressees");
    if (problems.size() != before) continue;

    auto& g = *streams_.emplace_back(std::make_unique<stream>());
    g.proto = st;
    g.name = name;
    g.rng =
        portable_random((scenario.seed() ? scenario.seed() : 1) + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(si));
    for (const auto& p : st.precedence_mix()) g.precedences.emplace_back(p.precedence(), p.weight());
    if (g.precedences.empty()) g.precedences.emplace_back(ROUTINE, 1.0);
    for (const auto& c : st.classification_mix()) g.classes.emplace_back(c.classification(), c.weight());
    if (g.classes.empty()) g.classes.emplace_back(UNCLASSIFIED, 1.0);
    for (const auto& w : st.weighted_addressees()) g.weighted.emplace_back(w.ri(), w.weight());
    g.to_count = std::max(1u, st.to_count());
    g.min_chars = st.min_characters() ? st.min_characters() : 800;
    g.max_chars = std::max(g.min_chars, st.max_characters() ? st.max_characters() : 2000);
    g.stop = st.stop_seconds() > 0 ? st.stop_seconds() : duration;
    g.gap = 3600.0 / st.per_hour();
    g.t = st.start_seconds();
  }
  if (!problems.empty()) throw config_error(problems);
  for (auto& g : streams_) g->ahead = make(*g);
}

traffic_generator::~traffic_generator() = default;

std::optional<generated_filing> traffic_generator::make(stream& g) {
  const auto& st = g.proto;
  auto& rng = g.rng;
  for (;;) {
    ++g.n;
    g.t += st.poisson() ? rng.exponential(g.gap) : (g.n == 1 ? 0 : g.gap);
    if (g.t >= g.stop) return std::nullopt;
    const auto origin = st.origins(static_cast<int>(rng.below(static_cast<uint64_t>(st.origins_size()))));
    std::vector<std::string> chosen;
    if (st.choice() == TrafficStream::FIXED) {
      chosen.assign(st.addressees().begin(), st.addressees().end());
    } else {
      std::vector<std::string> pool(st.addressees().begin(), st.addressees().end());
      if (st.choice() == TrafficStream::RANDOM && pool.empty()) pool = posts_;
      const unsigned want = g.to_count + st.info_count();
      for (unsigned k = 0, tries = 0; k < want && tries < want * 20; ++tries) {
        const auto ri =
            st.choice() == TrafficStream::WEIGHTED ? pick_weighted(rng, g.weighted) : pool[rng.below(pool.size())];
        if (ri == origin || std::find(chosen.begin(), chosen.end(), ri) != chosen.end()) continue;
        chosen.push_back(ri);
        ++k;
      }
    }
    if (chosen.empty()) continue;
    const auto action = pick_weighted(rng, g.precedences);
    Precedence info = action;
    if (action != ROUTINE && rng.uniform() < st.dual_precedence_share()) info = ROUTINE;
    const auto cls = pick_weighted(rng, g.classes);
    const auto length = g.min_chars + rng.below(g.max_chars - g.min_chars + 1);

    // A draft, as a post's drafter writes it (FM, TO, INFO, text), built as the Cable that
    // parsing its text would give.
    generated_filing f{g.t, origin, {}, g.name};
    auto& c = f.cable;
    c.set_form(DRAFT);
    c.set_originator(address_of(topo_, origin));
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      const bool is_to = k < g.to_count;
      auto* a = is_to ? c.add_action() : c.add_information();
      a->set_routing_indicator(chosen[k]);
      a->set_address(address_of(topo_, chosen[k]));
      a->set_precedence(is_to ? action : info);
    }
    c.set_classification(cls);
    c.set_body(classification_line(cls) + "\n\nSUBJECT: " + g.name + " TRAFFIC, CABLE " + std::to_string(g.n) + "\n\n" +
               filler(rng, length, cls));
    return f;
  }
}

std::optional<generated_filing> traffic_generator::next() {
  stream* first = nullptr;  // the earliest; on a tie, the stream listed first
  for (auto& g : streams_)
    if (g->ahead && (!first || g->ahead->at_seconds < first->ahead->at_seconds)) first = g.get();
  if (!first) return std::nullopt;
  auto out = std::move(*first->ahead);
  first->ahead = make(*first);
  return out;
}

std::vector<generated_filing> generate_traffic(const Scenario& scenario, const topology& topo) {
  std::vector<generated_filing> out;
  traffic_generator g(scenario, topo);
  while (auto f = g.next()) out.push_back(std::move(*f));
  return out;
}

}  // namespace cablesim
