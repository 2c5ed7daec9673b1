#include "cablesim/core/precedence_queue.hpp"

#include "cablesim/core/precedence.hpp"

namespace cablesim {

namespace {
std::size_t slot(Precedence p) {
  const auto i = static_cast<std::size_t>(p);
  return i < 6 ? i : 0;
}
}  // namespace

void precedence_queue::push(queued_copy&& c) {
  auto& q = by_precedence_[slot(c.precedence)];
  if (q.size() >= keep_parsed) {
    c.cable.SerializeToString(&c.packed);
    c.cable = Cable();  // the parsed tree is freed, not kept for reuse as Clear() would
    ++packed_;
  }
  q.push_back(std::move(c));
}

void precedence_queue::push_front(queued_copy&& c) { by_precedence_[slot(c.precedence)].push_front(std::move(c)); }

const queued_copy* precedence_queue::peek() const {
  for (auto i = by_precedence_.size(); i-- > 0;)
    if (!by_precedence_[i].empty()) return &by_precedence_[i].front();
  return nullptr;
}

std::deque<queued_copy>* precedence_queue::next_queue() {
  for (auto i = by_precedence_.size(); i-- > 0;) {
    auto& q = by_precedence_[i];
    if (q.empty()) continue;
    if (auto& c = q.front(); !c.packed.empty()) {
      c.cable.ParseFromString(c.packed);  // serialised here: it parses
      c.packed = std::string();
      --packed_;
    }
    return &q;
  }
  return nullptr;
}

std::optional<queued_copy> precedence_queue::pop() {
  std::optional<queued_copy> c;
  pop_into([&](queued_copy&& next) { c.emplace(std::move(next)); });
  return c;
}

bool precedence_queue::empty() const { return peek() == nullptr; }

std::array<uint32_t, 6> precedence_queue::depths() const {
  std::array<uint32_t, 6> d{};
  for (std::size_t i = 0; i < by_precedence_.size(); ++i) d[i] = static_cast<uint32_t>(by_precedence_[i].size());
  return d;
}

std::size_t precedence_queue::size() const {
  std::size_t n = 0;
  for (const auto& q : by_precedence_) n += q.size();
  return n;
}

std::deque<queued_copy> precedence_queue::drain() {
  std::deque<queued_copy> out;
  while (auto c = pop()) out.push_back(std::move(*c));
  return out;
}

bool should_preempt(const preemption_question& q) {
  if (!more_urgent(q.waiting, q.current)) return false;
  switch (q.policy) {
    case PREEMPTION_NEVER: return false;
    case PREEMPTION_ALWAYS: return true;
    default: break;
  }
  if (q.waiting >= FLASH) return true;
  if (q.waiting == IMMEDIATE) return q.remaining > q.cancel_cost;
  if (q.waiting == PRIORITY) return q.current_characters > extra_long_characters && q.remaining > q.cancel_cost;
  return false;
}

sim_duration line_time(std::size_t characters, uint64_t bits_per_second, uint32_t bits_per_character) {
  if (bits_per_second == 0) return sim_duration{0};
  const auto bits = static_cast<uint64_t>(characters) * (bits_per_character ? bits_per_character : 10);
  return sim_duration{static_cast<int64_t>((bits * 1000 + bits_per_second - 1) / bits_per_second)};
}

}  // namespace cablesim
