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

constexpr const char* filler_words[] = {"the",       "post",    "reports", "that",     "local",    "officials",
                                        "confirmed", "meeting", "on",      "trade",    "security", "cooperation",
                                        "and",       "visa",    "issues",  "embassy",  "will",     "follow",
                                        "up",        "with",    "ministry", "contacts", "next",    "week"};

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

std::vector<generated_filing> generate_traffic(const Scenario& scenario, const topology& topo) {
  std::vector<generated_filing> out;
  std::vector<std::string> problems;
  portable_random rng(scenario.seed() ? scenario.seed() : 1);
  const double duration = scenario.duration_seconds() > 0 ? scenario.duration_seconds() : 3600;
  std::vector<std::string> posts;
  for (const auto& s : topo.proto().stations())
    if (s.role() == POST || s.delivers_locally()) posts.push_back(s.ri());

  for (int si = 0; si < scenario.streams_size(); ++si) {
    const auto& st = scenario.streams(si);
    const std::string name = st.name().empty() ? "stream " + std::to_string(si + 1) : st.name();
    auto check = [&](const std::string& ri) {
      if (!topo.station(ri)) problems.push_back(name + ": unknown station '" + ri + "'");
    };
    for (const auto& o : st.origins()) check(o);
    for (const auto& a : st.addressees()) check(a);
    for (const auto& w : st.weighted_addressees()) check(w.ri());
    if (st.origins().empty()) problems.push_back(name + ": no origins");
    if (st.per_hour() <= 0) problems.push_back(name + ": per_hour must be positive");
    if (st.choice() == TrafficStream::WEIGHTED && st.weighted_addressees().empty())
      problems.push_back(name + ": WEIGHTED needs weighted_addressees");
    if (st.choice() == TrafficStream::FIXED && st.addressees().empty()) problems.push_back(name + ": FIXED needs addressees");
    if (!problems.empty()) continue;

    std::vector<std::pair<Precedence, double>> precedences;
    for (const auto& p : st.precedence_mix()) precedences.emplace_back(p.precedence(), p.weight());
    if (precedences.empty()) precedences.emplace_back(ROUTINE, 1.0);
    std::vector<std::pair<Classification, double>> classes;
    for (const auto& c : st.classification_mix()) classes.emplace_back(c.classification(), c.weight());
    if (classes.empty()) classes.emplace_back(UNCLASSIFIED, 1.0);
    std::vector<std::pair<std::string, double>> weighted;
    for (const auto& w : st.weighted_addressees()) weighted.emplace_back(w.ri(), w.weight());
    const unsigned to_count = std::max(1u, st.to_count());
    const unsigned min_chars = st.min_characters() ? st.min_characters() : 800;
    const unsigned max_chars = std::max(min_chars, st.max_characters() ? st.max_characters() : 2000);
    const double stop = st.stop_seconds() > 0 ? st.stop_seconds() : duration;
    const double gap = 3600.0 / st.per_hour();

    double t = st.start_seconds();
    for (unsigned n = 1;; ++n) {
      t += st.poisson() ? rng.exponential(gap) : (n == 1 ? 0 : gap);
      if (t >= stop) break;
      const auto origin = st.origins(static_cast<int>(rng.below(static_cast<uint64_t>(st.origins_size()))));
      std::vector<std::string> chosen;
      if (st.choice() == TrafficStream::FIXED) {
        chosen.assign(st.addressees().begin(), st.addressees().end());
      } else {
        std::vector<std::string> pool(st.addressees().begin(), st.addressees().end());
        if (st.choice() == TrafficStream::RANDOM && pool.empty()) pool = posts;
        const unsigned want = to_count + st.info_count();
        for (unsigned k = 0, tries = 0; k < want && tries < want * 20; ++tries) {
          const auto ri = st.choice() == TrafficStream::WEIGHTED ? pick_weighted(rng, weighted)
                                                                : pool[rng.below(pool.size())];
          if (ri == origin || std::find(chosen.begin(), chosen.end(), ri) != chosen.end()) continue;
          chosen.push_back(ri);
          ++k;
        }
      }
      if (chosen.empty()) continue;
      const auto action = pick_weighted(rng, precedences);
      Precedence info = action;
      if (action != ROUTINE && rng.uniform() < st.dual_precedence_share()) info = ROUTINE;
      const auto cls = pick_weighted(rng, classes);
      const auto length = min_chars + rng.below(max_chars - min_chars + 1);

      std::string text = "FM " + address_of(topo, origin) + "\n";
      for (std::size_t k = 0; k < chosen.size(); ++k) {
        const bool is_to = k < to_count;
        const auto p = is_to ? action : info;
        text += std::string(k == 0 ? "TO " : k == to_count ? "INFO " : "") + chosen[k] + "/" + address_of(topo, chosen[k]) +
                " " + std::string(precedence_word(p)) + "\n";
      }
      text += classification_line(cls) + "\n\nSUBJECT: " + name + " TRAFFIC, CABLE " + std::to_string(n) + "\n\n";
      text += filler(rng, length, cls);
      out.push_back({t, origin, std::move(text), name});
    }
  }
  if (!problems.empty()) throw config_error(problems);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.at_seconds < b.at_seconds; });
  return out;
}

}  // namespace cablesim
