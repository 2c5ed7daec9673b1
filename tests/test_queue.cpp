// The precedence queue and ACP 127's preemption rule (§150-152); the pairs a station has seen.
#include "cablesim/core/precedence_queue.hpp"

#include <catch2/catch.hpp>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/seen.hpp"
#include "support.hpp"

using namespace cablesim;

namespace {

queued_copy copy_of(Precedence p, std::string id) {
  queued_copy c;
  c.precedence = p;
  c.message_id = std::move(id);
  return c;
}

std::vector<std::string> drain_ids(precedence_queue& q) {
  std::vector<std::string> out;
  while (auto c = q.pop()) out.push_back(c->message_id);
  return out;
}

}  // namespace

TEST_CASE("precedence queue: strict priority, first in first out within a precedence", "[core][queue]") {
  precedence_queue q;
  q.push(copy_of(ROUTINE, "r1"));
  q.push(copy_of(PRIORITY, "p1"));
  q.push(copy_of(ROUTINE, "r2"));
  q.push(copy_of(FLASH, "z1"));
  q.push(copy_of(IMMEDIATE, "o1"));
  q.push(copy_of(PRIORITY, "p2"));
  CHECK(q.size() == 6);
  const auto d = q.depths();
  CHECK(d[ROUTINE] == 2);
  CHECK(d[PRIORITY] == 2);
  CHECK(d[IMMEDIATE] == 1);
  CHECK(d[FLASH] == 1);
  CHECK(drain_ids(q) == std::vector<std::string>{"z1", "o1", "p1", "p2", "r1", "r2"});
  CHECK(q.empty());
  CHECK_FALSE(q.pop());
}

TEST_CASE("precedence queue: an interrupted copy goes back to the head of its precedence", "[core][queue]") {
  precedence_queue q;
  q.push(copy_of(ROUTINE, "r1"));
  q.push(copy_of(ROUTINE, "r2"));
  q.push(copy_of(FLASH, "z1"));
  q.push_front(copy_of(ROUTINE, "interrupted"));
  CHECK(drain_ids(q) == std::vector<std::string>{"z1", "interrupted", "r1", "r2"});
  SECTION("drain empties it, highest precedence first") {
    q.push(copy_of(ROUTINE, "r"));
    q.push(copy_of(IMMEDIATE, "o"));
    const auto all = q.drain();
    REQUIRE(all.size() == 2);
    CHECK(all[0].message_id == "o");
    CHECK(q.empty());
  }
}

TEST_CASE("preemption: the ACP 127 rule for each precedence", "[core][queue][preemption]") {
  preemption_question q;
  q.current = ROUTINE;
  q.remaining = std::chrono::seconds(60);
  q.cancel_cost = std::chrono::seconds(10);
  q.current_characters = 2000;
  SECTION("FLASH always interrupts a lower precedence") {
    q.waiting = FLASH;
    CHECK(should_preempt(q));
    q.remaining = std::chrono::seconds(1);  // even when nearly done
    CHECK(should_preempt(q));
    q.current = FLASH;  // but never its equal
    CHECK_FALSE(should_preempt(q));
  }
  SECTION("IMMEDIATE interrupts unless finishing is quicker than cancelling") {
    q.waiting = IMMEDIATE;
    CHECK(should_preempt(q));
    q.remaining = q.cancel_cost;
    CHECK_FALSE(should_preempt(q));
    q.remaining = q.cancel_cost - std::chrono::seconds(1);
    CHECK_FALSE(should_preempt(q));
    q.remaining = std::chrono::seconds(60);
    q.current = IMMEDIATE;
    CHECK_FALSE(should_preempt(q));
  }
  SECTION("PRIORITY interrupts only an extra-long transmission") {
    q.waiting = PRIORITY;
    CHECK_FALSE(should_preempt(q));
    q.current_characters = extra_long_characters + 1;
    CHECK(should_preempt(q));
    q.current_characters = extra_long_characters;
    CHECK_FALSE(should_preempt(q));
  }
  SECTION("ROUTINE never interrupts") {
    q.waiting = ROUTINE;
    q.current_characters = extra_long_characters * 10;
    CHECK_FALSE(should_preempt(q));
  }
  SECTION("a link's policy overrides the rule") {
    q.waiting = FLASH;
    q.policy = PREEMPTION_NEVER;
    CHECK_FALSE(should_preempt(q));
    q.waiting = PRIORITY;
    q.policy = PREEMPTION_ALWAYS;
    CHECK(should_preempt(q));
    q.waiting = ROUTINE;  // but never for an equal or lower precedence
    CHECK_FALSE(should_preempt(q));
  }
}

TEST_CASE("line time: characters x bits per character / speed, 0 when unpaced", "[core][queue]") {
  CHECK(line_time(75, 75, 10) == std::chrono::seconds(10));
  CHECK(line_time(1, 1000, 0) == std::chrono::milliseconds(10));  // 10 bits per character by default
  CHECK(line_time(100000, 0, 10) == sim_duration{0});
}

TEST_CASE("precedence queue: a deep backlog is kept serialised, and every copy comes out whole and in order",
          "[core][queue]") {
  auto parsed = acp127::parse(test::read_file(test::seed_cable()));
  REQUIRE(parsed);
  precedence_queue q;
  // copies of about 3 KB: several 2 MB blocks of them, and one of 3 MB that needs a block of its own
  const std::size_t backlog = 3000, n = precedence_queue::keep_parsed + backlog, big = n - 10;
  std::vector<std::string> wire;  // each copy as it was pushed, serialised
  auto make = [&](std::size_t i) {
    auto c = copy_of(ROUTINE, "r" + std::to_string(i));
    *c.cable = parsed.cable;
    c.cable->mutable_origin()->set_station_serial(static_cast<uint32_t>(i));
    if (i == big) c.cable->set_body(std::string(3 << 20, 'X'));
    c.label = "RUEHRO #" + std::to_string(i);
    c.path = {"RUEHRO", std::string(i % 40, 'P'), "RUEHEUR"};
    c.journal_id = i * 7;
    c.text_characters = i * 3;
    c.arrival = i + 1;
    wire.push_back(c.cable->SerializeAsString());
    return c;
  };
  auto check = [&](const std::optional<queued_copy>& c, std::size_t i) {
    REQUIRE(c);
    CHECK(c->message_id == "r" + std::to_string(i));
    CHECK(c->precedence == ROUTINE);
    CHECK(c->label == "RUEHRO #" + std::to_string(i));
    CHECK(c->path == std::vector<std::string>{"RUEHRO", std::string(i % 40, 'P'), "RUEHEUR"});
    CHECK(c->journal_id == i * 7);
    CHECK(c->text_characters == i * 3);
    CHECK(c->arrival == i + 1);
    if (c->cable->SerializeAsString() != wire[i]) FAIL("copy " << i << " did not come out as it went in");
  };
  for (std::size_t i = 0; i < n; ++i) q.push(make(i));
  CHECK(q.packed() == backlog);  // those behind the first keep_parsed
  CHECK(q.depths()[ROUTINE] == n);
  q.push(copy_of(FLASH, "z1"));  // a FLASH still goes first
  auto first = q.pop();
  REQUIRE(first);
  CHECK(first->message_id == "z1");
  // out in order, while more come: those that come while any wait serialised go behind them,
  // though fewer than keep_parsed wait parsed by then
  std::size_t next = 0;
  for (; next < n; ++next) {
    check(q.pop(), next);
    if (next % 2 == 0) q.push(make(wire.size()));
  }
  while (auto c = q.pop()) check(c, next++);
  CHECK(next == wire.size());
  CHECK(q.packed() == 0);
  CHECK(q.empty());
  // and it is ready for another backlog
  for (std::size_t i = 0; i < precedence_queue::keep_parsed + 5; ++i) q.push(make(wire.size()));
  CHECK(q.packed() == 5);
  CHECK(q.drain().size() == precedence_queue::keep_parsed + 5);
}

TEST_CASE("seen pairs: each (message, RI) is new once, as the journal writes it too, and the oldest are forgotten",
          "[core][station]") {
  seen_pairs seen(3);
  CHECK(seen.insert("RUEHRO-1919-211030Z APR 07", "RUEHC"));
  CHECK_FALSE(seen.insert("RUEHRO-1919-211030Z APR 07", "RUEHC"));
  CHECK(seen.insert("RUEHRO-1919-211030Z APR 07", "RUEHFR"));     // another addressee station
  CHECK_FALSE(seen.insert("RUEHRO-1919-211030Z APR 07/RUEHFR"));  // the journal's form
  CHECK(seen.insert("RUEHRO-1920-211030Z APR 07/RUEHC"));
  CHECK(seen.size() == 3);
  const std::string long_id(200, 'X');   // longer than the buffer a pair is put together in
  seen.prefetch(long_id, "RUEHC");       // (a hint to the cache: it remembers nothing)
  CHECK(seen.insert(long_id, "RUEHC"));  // the fourth: the first is forgotten
  CHECK_FALSE(seen.insert(long_id + "/RUEHC"));
  CHECK(seen.size() == 3);
  CHECK(seen.insert("RUEHRO-1919-211030Z APR 07", "RUEHC"));
}

TEST_CASE("seen pairs: through many turns of the ring, exactly the newest are remembered", "[core][station]") {
  // The table grows and, once the ring is full, forgets one pair for each it learns: every pair
  // of the last `capacity` must still be known and every older one new again. The larger rings'
  // tables pass 2 MB, where their memory comes in huge pages; the largest ring passes the 131,072
  // pairs of its first chunk of memory.
  const auto key = [](std::size_t i) { return "RUEHRO-" + std::to_string(i) + "-211030Z APR 07"; };
  for (const auto& [capacity, turns] : {std::pair<std::size_t, std::size_t>{5000, 12}, {100000, 3}, {300000, 2}}) {
    INFO("capacity " << capacity);
    seen_pairs seen(capacity);
    const std::size_t total = turns * capacity + 17;
    for (std::size_t i = 0; i < total; ++i) REQUIRE(seen.insert(key(i), "RUEHC"));
    CHECK(seen.size() == capacity);
    std::size_t known = 0;
    for (std::size_t i = total - capacity; i < total; ++i) known += seen.insert(key(i), "RUEHC") ? 0 : 1;
    CHECK(known == capacity);
    // each older pair is new again, and learning it forgets the oldest of those still known
    CHECK(seen.insert(key(total - capacity - 1), "RUEHC"));
    CHECK(seen.insert(key(total - capacity), "RUEHC"));
    CHECK_FALSE(seen.insert(key(total - 1), "RUEHC"));
  }
}
