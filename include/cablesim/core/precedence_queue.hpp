#pragma once
// A channel's outgoing queue: strict priority by precedence, first in first out within one;
// and ACP 127's rule for when a waiting cable interrupts the transmission in progress.

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "cablesim/cable.pb.h"
#include "cablesim/core/dtg.hpp"
#include "cablesim/topology.pb.h"

namespace cablesim {

/// A copy of a cable waiting for (or on) a channel.
struct queued_copy {
  Cable cable;  // FL2 already holds this copy's RIs and precedence
  Precedence precedence = ROUTINE;
  std::string message_id;
  std::string label;                // as actions name it ("RUEHRO #1919"); empty: made when it is sent
  std::vector<std::string> path;    // stations it passed, origin first, this station last
  uint64_t journal_id = 0;          // this station's number for it while it is in its charge
  std::size_t text_characters = 0;  // as transmitted, from FL3 on (0: not counted yet)
  std::string packed;               // the cable serialised while it waits deep in a queue (see below)
  uint64_t arrival = 0;             // its number among those taken in charge on the channel it came by (0: none)
};

/// Strict-priority queue, FIFO within a precedence.
///
/// A parsed cable's heading takes about six times its bytes in memory (a tree of small
/// messages and strings): a copy that joins a precedence behind `keep_parsed` others is kept
/// serialised until it comes out, so that a backlog of a million takes little more than its
/// cables' bytes. A copy that comes out (pop, drain) is always parsed.
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
    auto* q = next_queue();
    if (!q) return false;
    take(std::move(q->front()));
    q->pop_front();
    return true;
  }
  const queued_copy* peek() const;  // its cable may be serialised (packed)
  bool empty() const;
  std::size_t size() const;
  /// Copies kept serialised now.
  std::size_t packed() const { return packed_; }
  /// Copies waiting, by precedence (index = Precedence value).
  std::array<uint32_t, 6> depths() const;

  /// Everything, highest precedence first; the queue is left empty.
  std::deque<queued_copy> drain();

 private:
  /// The queue that holds the next copy, that copy parsed again if it was kept serialised; null
  /// when every queue is empty.
  std::deque<queued_copy>* next_queue();
  std::array<std::deque<queued_copy>, 6> by_precedence_;  // index = Precedence value
  std::size_t packed_ = 0;
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
