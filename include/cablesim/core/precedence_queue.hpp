#pragma once
// A channel's outgoing queue: strict priority by precedence, first in first out within one;
// and ACP 127's rule for when a waiting cable interrupts the transmission in progress.

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "cablesim/cable.pb.h"
#include "cablesim/core/dtg.hpp"
#include "cablesim/topology.pb.h"

namespace cablesim {

/// A cable on the heap, moved by moving its pointer and copied whole. A Cable moved as a value
/// builds, swaps and destroys a shell of some twenty fields, and a relayed copy moves five times
/// (from the frame to the queue, the line, the unacknowledged and the spares): 1,420
/// instructions of about 29,000 a relayed cable took. Never empty but after a move or release().
class cable_box {
 public:
  cable_box() : p_(std::make_unique<Cable>()) {}
  explicit cable_box(std::unique_ptr<Cable> p) : p_(std::move(p)) {}
  cable_box(const cable_box& o) : p_(std::make_unique<Cable>(*o)) {}
  cable_box& operator=(const cable_box& o) {
    if (this != &o) p_ = std::make_unique<Cable>(*o);
    return *this;
  }
  cable_box(cable_box&&) noexcept = default;
  cable_box& operator=(cable_box&&) noexcept = default;
  ~cable_box() = default;

  Cable& operator*() const { return *p_; }
  Cable* operator->() const { return p_.get(); }
  /// The cable itself, leaving this box empty.
  std::unique_ptr<Cable> release() { return std::move(p_); }

 private:
  std::unique_ptr<Cable> p_;
};

/// A copy of a cable waiting for (or on) a channel.
struct queued_copy {
  queued_copy() = default;
  explicit queued_copy(cable_box c) : cable(std::move(c)) {}

  cable_box cable;  // FL2 already holds this copy's RIs and precedence
  Precedence precedence = ROUTINE;
  std::string message_id;
  std::string label;                // as actions name it ("RUEHRO #1919"); empty: made when it is sent
  std::vector<std::string> path;    // stations it passed, origin first, this station last
  uint64_t journal_id = 0;          // this station's number for it while it is in its charge
  std::size_t text_characters = 0;  // as transmitted, from FL3 on (0: not counted yet)
  uint64_t arrival = 0;             // its number among those taken in charge on the channel it came by (0: none)
};

/// Copies kept serialised, first in first out: each whole copy (its cable and what the station
/// keeps beside it) one after the other in blocks of 2 MB, huge pages where the kernel gives
/// them. A parsed copy is a tree of small allocations all over the heap: a relay that has to
/// read one that waited behind tens of thousands of others met a cache miss, and often a TLB
/// miss, at every node (bench_station: 3.2-3.5 us a relayed cable with none waiting, 7.3-8.3
/// with 40,000 waiting each serialised into a string of its own; 5.2-5.4 here): here it reads
/// one block of memory in order, and a block emptied is kept for the next copies.
class packed_fifo {
 public:
  packed_fifo() = default;
  packed_fifo(const packed_fifo&) = delete;
  packed_fifo& operator=(const packed_fifo&) = delete;
  packed_fifo(packed_fifo&& other) noexcept;
  packed_fifo& operator=(packed_fifo&& other) noexcept;
  ~packed_fifo();

  void push(const queued_copy& c);
  /// The oldest copy, parsed into `into` (which should be empty); the fifo must not be.
  void pop(queued_copy& into);
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }

 private:
  struct block {
    char* data = nullptr;
    std::size_t size = 0, head = 0, tail = 0;  // [head, tail) holds copies
  };
  char* room(std::size_t bytes);  // at the tail, in a new block if the last one is full
  void release();
  std::deque<block> blocks_;
  block spare_;  // the last block emptied, for the next that is needed
  std::size_t count_ = 0;
};

/// Strict-priority queue, FIFO within a precedence.
///
/// A parsed cable's heading takes about six times its bytes in memory (a tree of small
/// messages and strings): a copy that joins a precedence behind `keep_parsed` others is kept
/// serialised (packed_fifo) until it comes out, so that a backlog of a million takes little more
/// than its cables' bytes, and is read in order when it goes. A copy that comes out (pop_into,
/// pop, drain) is always parsed.
class precedence_queue {
 public:
  static constexpr std::size_t keep_parsed = 4096;
  void push(queued_copy&& c);
  /// Put back at the head of its precedence: an interrupted cable goes out again first.
  void push_front(queued_copy&& c);
  std::optional<queued_copy> pop();
  /// Hand the next copy to `take`, which moves it where it goes (moved once, not into a value
  /// returned first: a move builds, swaps and destroys a Cable); false when the queue is empty.
  template <class Take>
  bool pop_into(Take&& take) {
    auto* l = next_lane();
    if (!l) return false;
    take(std::move(l->parsed.front()));
    l->parsed.pop_front();
    --l->count;
    return true;
  }
  bool empty() const;
  std::size_t size() const;
  /// Copies kept serialised now.
  std::size_t packed() const;
  /// Copies waiting, by precedence (index = Precedence value).
  std::array<uint32_t, 6> depths() const;
  /// Everything, highest precedence first; the queue is left empty.
  std::deque<queued_copy> drain();

 private:
  /// One precedence's copies: the oldest parsed, then (once `keep_parsed` wait parsed) the rest
  /// serialised; a copy that comes while any wait serialised joins them, so that they stay in
  /// order.
  struct lane {
    std::deque<queued_copy> parsed;
    packed_fifo packed;
    uint32_t count = 0;  // both (counted as they change: a station asks after every cable)
  };
  /// The lane that holds the next copy, at the head of its parsed copies (parsed from its fifo
  /// first, if it was kept serialised); null when every lane is empty.
  lane* next_lane();
  std::array<lane, 6> lanes_;  // index = Precedence value
  /// The tree of the last copy kept serialised, cleared (what a clear keeps, a parse reuses),
  /// for the next that comes out of a packed_fifo: not a tree freed and another allocated for
  /// every copy that goes through a deep queue.
  std::unique_ptr<Cable> spare_;
};

/// What the preemption decision needs to know.
struct preemption_question {
  Precedence waiting = ROUTINE;        // the most urgent cable waiting
  Precedence current = ROUTINE;        // the one being transmitted
  sim_duration remaining{0};           // line time left on the current transmission
  sim_duration cancel_cost{0};         // line time of the cancel sequence and a new heading
  std::size_t current_characters = 0;  // size of the current transmission
  PreemptionPolicy policy = PREEMPTION_ACP127;
};

/// A transmission of more characters than this is "extra long" (ACP 127: PRIORITY may
/// interrupt it): about 3,000 five-letter groups.
constexpr std::size_t extra_long_characters = 15000;

/// ACP 127 §150-152: FLASH always interrupts a lower transmission; IMMEDIATE interrupts unless
/// finishing is quicker than cancelling; PRIORITY interrupts only extra-long ones; ROUTINE never.
bool should_preempt(const preemption_question& q);

/// Characters of the cancel sequence (E E E E E E E E AR) and a fresh heading: the cost of
/// interrupting, in characters.
constexpr std::size_t cancel_characters = 120;

/// Line time of `characters` at `bits_per_second` with `bits_per_character`; 0 when unpaced.
sim_duration line_time(std::size_t characters, uint64_t bits_per_second, uint32_t bits_per_character);

}  // namespace cablesim
