// Group commit: a station with a durable journal commits many decisions at once, and no frame
// leaves before the commit that holds what it depends on.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "cablesim/net/executor.hpp"
#include "cablesim/net/frame.hpp"
#include "cablesim/net/load.hpp"
#include "support.hpp"

using namespace cablesim;
namespace fs = std::filesystem;

namespace {

/// An environment whose links hold what is sent as a node's links do (hold_sends, mark_sends,
/// release_marked, release_sends), and which says what a frame found on the disk when it went.
struct gated_environment final : net::station_environment {
  struct frame {
    std::string channel;
    Envelope envelope;
  };
  std::function<void(const frame&)> on_written;  // a frame leaves: what does the disk hold?
  std::deque<std::function<void()>> line_ends;
  std::vector<frame> held, written;
  std::size_t marked = 0;
  bool holding = false;

  std::mutex m;
  std::condition_variable cv;
  std::deque<std::function<void()>> soon;  // run_soon, from any thread

  sim_time now() const override { return {}; }
  void hold_line(const std::string&, sim_duration, std::function<void()> done) override {
    line_ends.push_back(std::move(done));
  }
  void release_line(const std::string&) override {}
  void set_alarm(const std::string&, sim_duration, std::function<void()>) override {}
  void send(const std::string& channel, const Envelope& e) override {
    held.push_back({channel, e});
    if (!holding) release(held.size());
  }
  void run_soon(std::function<void()> fn) override {
    std::lock_guard lock(m);
    soon.push_back(std::move(fn));
    cv.notify_all();
  }
  void hold_sends() override { holding = true; }
  void mark_sends() override { marked = held.size(); }
  void release_marked() override {
    release(marked);
    marked = 0;
  }
  void release_sends() override {
    holding = false;
    release(held.size());
  }
  void release(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (on_written) on_written(held[i]);
      written.push_back(std::move(held[i]));
    }
    held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(n));
    marked -= std::min(marked, n);
  }
  /// Run what is due (commits ending, line ends) until nothing is, or 10 s have gone.
  void settle() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      while (!line_ends.empty()) {
        auto end = std::move(line_ends.front());
        line_ends.pop_front();
        end();
      }
      std::unique_lock lock(m);
      // a commit under way keeps its sends held: wait for its end
      if (!cv.wait_until(lock, deadline, [&] { return !soon.empty() || (!holding && line_ends.empty()); })) return;
      if (soon.empty()) return;
      auto fn = std::move(soon.front());
      soon.pop_front();
      lock.unlock();
      fn();
    }
  }
};

}  // namespace

TEST_CASE("group commit: one commit holds many decisions, and nothing leaves before its commit", "[net][journal]") {
  const auto dir = fs::temp_directory_path() / ("cablesim_group_commit_" + std::to_string(getpid()));
  fs::remove_all(dir);
  const auto path = test::source_dir() / "topologies" / "load.textproto";
  const auto topo = topology::load(test::read_file(path), path.string());
  net::load_options o;
  o.relay = "RUEHEUR";
  net::choose_endpoints(topo, o);
  const auto sink = o.to.at(0);

  gated_environment env;
  net::station_executor relay(topo, o.relay, env, nullptr);
  relay.use_journal(dir);
  const auto journal_file = dir / (o.relay + ".journal");
  // every frame, as it leaves, is checked against what a second reader finds on the disk
  std::size_t acks = 0, transmissions = 0;
  env.on_written = [&](const gated_environment::frame& f) {
    const auto kept = store::journal(journal_file).load();
    if (f.envelope.has_ack()) {
      ++acks;  // the copy it takes in charge is on the disk
      const auto serial = f.envelope.ack().channel_serial();
      bool held = false;
      for (const auto& [key, value] : kept.counters)
        held |= key.what == counter_key::incoming_serial && key.channel == f.channel && value >= serial;
      CHECK(held);
    }
    if (f.envelope.has_transmission()) {
      ++transmissions;  // its channel serial is on the disk: a restart never uses it again
      uint64_t last = 0;
      for (const auto& [key, value] : kept.counters)
        if (key.what == counter_key::channel_serial && key.channel == f.channel) last = value % 10000;
      CHECK(last >= f.envelope.transmission().channel_serial());
    }
  };
  relay.channel_up(o.from);
  relay.channel_up(sink);
  env.settle();

  // 50 cables come in one read, as a link hands them over: their decisions are made at once
  const std::size_t cables = 50;
  auto wire = net::load_template(topo, o, ROUTINE);
  for (uint32_t serial = 1; serial <= cables; ++serial) {
    auto e = wire;  // another cable each time, as the load sends them
    e.mutable_transmission()->set_channel_serial(serial);
    e.mutable_transmission()->mutable_cable()->mutable_transmission()->set_channel_serial(serial);
    e.mutable_transmission()->mutable_cable()->mutable_origin()->set_station_serial(serial);
    REQUIRE(!net::take_cable_body(e));
    REQUIRE(relay.on_frame(o.from, std::move(e)));
  }
  CHECK(env.holding);
  CHECK(env.written.empty());  // not one acknowledgment before the commit
  env.settle();

  CHECK(acks == cables);
  CHECK(transmissions == cables);
  // far fewer commits than decisions: the first commit held all 50 arrivals
  CHECK(relay.commits() >= 1);
  CHECK(relay.commits() < cables);
  // the sink acknowledges each: the journal forgets them, in as few commits again
  const auto before = relay.commits();
  for (const auto& f : env.written)
    if (f.envelope.has_transmission()) {
      Envelope ack;
      ack.mutable_ack()->set_channel_serial(f.envelope.transmission().channel_serial());
      REQUIRE(relay.on_frame(sink, std::move(ack)));
    }
  env.settle();
  CHECK(relay.commits() - before < cables);
  CHECK(store::journal(journal_file).load().pending.empty());
  fs::remove_all(dir);
}
