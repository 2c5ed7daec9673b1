#include "cablesim/core/precedence_queue.hpp"

#include <cstring>
#include <string_view>
#include <utility>

#include "cablesim/core/huge_pages.hpp"
#include "cablesim/core/precedence.hpp"

namespace cablesim {

namespace {
std::size_t slot(Precedence p) {
  const auto i = static_cast<std::size_t>(p);
  return i < 6 ? i : 0;
}
}  // namespace

// A packed copy: its length (u32, all of it), precedence (u8), journal_id, text_characters and
// arrival (u64 each), message_id and label (u32 length, bytes), the path (u32 count, then each
// as a string), then the cable's protobuf encoding to the end.
namespace {

template <class T>
void put(char*& at, T v) {
  std::memcpy(at, &v, sizeof v);
  at += sizeof v;
}
void put(char*& at, std::string_view s) {
  put(at, static_cast<uint32_t>(s.size()));
  std::memcpy(at, s.data(), s.size());
  at += s.size();
}
template <class T>
T get(const char*& at) {
  T v;
  std::memcpy(&v, at, sizeof v);
  at += sizeof v;
  return v;
}
void get(const char*& at, std::string& s) {
  const auto n = get<uint32_t>(at);
  s.assign(at, n);
  at += n;
}

}  // namespace

packed_fifo::packed_fifo(packed_fifo&& other) noexcept
    : blocks_(std::exchange(other.blocks_, {})),
      spare_(std::exchange(other.spare_, {})),
      count_(std::exchange(other.count_, 0)) {}

packed_fifo& packed_fifo::operator=(packed_fifo&& other) noexcept {
  if (this != &other) {
    release();
    blocks_ = std::exchange(other.blocks_, {});
    spare_ = std::exchange(other.spare_, {});
    count_ = std::exchange(other.count_, 0);
  }
  return *this;
}

packed_fifo::~packed_fifo() { release(); }

void packed_fifo::release() {
  for (auto& b : blocks_) free_huge(b.data);
  blocks_.clear();
  if (spare_.data) free_huge(spare_.data);
  spare_ = {};
  count_ = 0;
}

char* packed_fifo::room(std::size_t bytes) {
  if (blocks_.empty() || blocks_.back().size - blocks_.back().tail < bytes) {
    block b;
    if (spare_.data && spare_.size >= bytes) {
      b = std::exchange(spare_, {});
      b.head = b.tail = 0;
    } else {
      b.size = huge_pages_for(bytes);
      b.data = static_cast<char*>(allocate_huge(b.size));
    }
    blocks_.push_back(b);
  }
  auto& b = blocks_.back();
  char* at = b.data + b.tail;
  b.tail += bytes;
  return at;
}

void packed_fifo::push(const queued_copy& c) {
  const std::size_t cable = c.cable->ByteSizeLong();
  std::size_t bytes = sizeof(uint32_t) + 1 + 3 * sizeof(uint64_t) + 2 * sizeof(uint32_t) + c.message_id.size() +
                      c.label.size() + sizeof(uint32_t) + cable;
  for (const auto& s : c.path) bytes += sizeof(uint32_t) + s.size();
  char* at = room(bytes);
  put(at, static_cast<uint32_t>(bytes));
  put(at, static_cast<uint8_t>(c.precedence));
  put(at, c.journal_id);
  put(at, static_cast<uint64_t>(c.text_characters));
  put(at, c.arrival);
  put(at, std::string_view(c.message_id));
  put(at, std::string_view(c.label));
  put(at, static_cast<uint32_t>(c.path.size()));
  for (const auto& s : c.path) put(at, std::string_view(s));
  c.cable->SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(at));
  ++count_;
}

void packed_fifo::pop(queued_copy& into) {
  auto& b = blocks_.front();
  const char* const start = b.data + b.head;
  const char* at = start;
  const char* const end = start + get<uint32_t>(at);
  into.precedence = static_cast<Precedence>(get<uint8_t>(at));
  into.journal_id = get<uint64_t>(at);
  into.text_characters = static_cast<std::size_t>(get<uint64_t>(at));
  into.arrival = get<uint64_t>(at);
  get(at, into.message_id);
  get(at, into.label);
  into.path.resize(get<uint32_t>(at));
  for (auto& s : into.path) get(at, s);
  into.cable->ParseFromArray(at, static_cast<int>(end - at));  // it serialised here: it parses
  b.head = static_cast<std::size_t>(end - b.data);
  --count_;
  if (b.head < b.tail) return;
  if (blocks_.size() == 1) {  // the only block: it takes the next copies from its start
    b.head = b.tail = 0;
    return;
  }
  if (spare_.data) free_huge(spare_.data);
  spare_ = b;
  blocks_.pop_front();
}

void precedence_queue::push(queued_copy&& c) {
  auto& l = lanes_[slot(c.precedence)];
  ++l.count;
  if (l.packed.empty() && l.parsed.size() < keep_parsed) {
    l.parsed.push_back(std::move(c));
    return;
  }
  l.packed.push(c);
  if (!spare_) {  // its tree, cleared, is what the next copy to come out is parsed into
    spare_ = c.cable.release();
    spare_->Clear();
  }
}

void precedence_queue::push_front(queued_copy&& c) {
  auto& l = lanes_[slot(c.precedence)];
  ++l.count;
  l.parsed.push_front(std::move(c));
}

precedence_queue::lane* precedence_queue::next_lane() {
  for (auto i = lanes_.size(); i-- > 0;) {
    auto& l = lanes_[i];
    if (l.parsed.empty()) {
      if (l.packed.empty()) continue;
      auto& next = l.parsed.emplace_back(spare_ ? queued_copy(cable_box(std::move(spare_))) : queued_copy());
      l.packed.pop(next);
    }
    return &l;
  }
  return nullptr;
}

std::optional<queued_copy> precedence_queue::pop() {
  std::optional<queued_copy> c;
  pop_into([&](queued_copy&& next) { c.emplace(std::move(next)); });
  return c;
}

bool precedence_queue::empty() const { return size() == 0; }

std::size_t precedence_queue::packed() const {
  std::size_t n = 0;
  for (const auto& l : lanes_) n += l.packed.size();
  return n;
}

std::array<uint32_t, 6> precedence_queue::depths() const {
  std::array<uint32_t, 6> d{};
  for (std::size_t i = 0; i < lanes_.size(); ++i) d[i] = lanes_[i].count;
  return d;
}

std::size_t precedence_queue::size() const {
  std::size_t n = 0;
  for (const auto& l : lanes_) n += l.count;
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
