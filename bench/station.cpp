// bench/station: a relay's own work per relayed cable, without sockets or an event loop: the
// frame parsed as a link reads it, then the real station executor in an environment of the
// benchmark's: the station's decisions (continuity, duplicates, markings, routing, queueing),
// the copy serialised for the line, the end of its transmission and the far end's
// acknowledgment. Single-threaded and free of I/O, so that two builds can be compared in a few
// seconds; bench_relay measures the whole relay over TCP.
//
//   bench_station [CABLES [SIZE [QUEUED]]]  (defaults 200000 cables of 3850 characters of text,
//                                            none kept waiting)
//
// With QUEUED, the first QUEUED cables wait at the relay (their transmissions do not end), and
// then one ends for each cable that comes: every cable relayed meets QUEUED waiting, as under an
// open-loop load above what the relay passes.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <deque>
#include <functional>

#include "cablesim/net/executor.hpp"
#include "cablesim/net/frame.hpp"
#include "cablesim/net/load.hpp"
#include "cablesim/store/files.hpp"

using namespace cablesim;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr uint32_t serials = 9999;  // channel and station serials wrap after 9999
constexpr std::size_t batch = 256;  // frames made ahead, outside the timing

/// Unpaced lines whose ends run when the benchmark says (as a node runs them after the frames
/// it read), frames serialised as a link would, and each transmission acknowledged by its peer.
struct bench_environment final : net::station_environment {
  std::deque<std::function<void()>> ends;
  std::vector<std::pair<std::string, uint32_t>> to_acknowledge;
  net::byte_buffer wire;
  std::size_t relayed = 0, bytes = 0;

  sim_time now() const override { return {}; }
  void hold_line(const std::string&, sim_duration, std::function<void()> done) override {
    ends.push_back(std::move(done));
  }
  void release_line(const std::string&) override {}
  void send(const std::string& channel, const Envelope& frame) override {
    wire.clear();
    net::append_frame(wire, frame);
    if (!frame.has_transmission()) return;
    ++relayed;
    bytes += wire.size();
    to_acknowledge.emplace_back(channel, frame.transmission().channel_serial());
  }
  void set_alarm(const std::string&, sim_duration, std::function<void()>) override {}
};

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t cables = argc > 1 ? std::stoul(argv[1]) : 200000;
  const auto topo =
      topology::load(*store::read_file(CABLESIM_SOURCE_DIR "/topologies/load.textproto"), "load.textproto");
  net::load_options o;
  o.relay = "RUEHEUR";
  o.size = argc > 2 ? std::stoul(argv[2]) : 3850;  // the relay benchmark's cable: a frame of about 4 KB
  const std::size_t queued = argc > 3 ? std::stoul(argv[3]) : 0;
  if (queued >= cables) {
    std::printf("QUEUED (%zu) must be fewer than CABLES (%zu)\n", queued, cables);
    return 2;
  }
  net::choose_endpoints(topo, o);
  auto tmpl = net::load_template(topo, o, ROUTINE);

  bench_environment env;
  net::station_executor relay(topo, o.relay, env, nullptr);
  relay.channel_up(o.from);
  relay.channel_up(o.to[0]);

  std::vector<std::string> frames(batch);
  std::vector<Envelope> parsed(batch);
  net::byte_buffer wire;
  double total = 0, parse = 0, serialise = 0;
  Envelope e;
  for (std::size_t done = 0; done < cables; done += batch) {
    const std::size_t n = std::min(batch, cables - done);
    for (std::size_t i = 0; i < n; ++i) {  // the sending post's frames, with their serials
      const auto k = done + i;
      auto* t = tmpl.mutable_transmission();
      t->set_channel_serial(static_cast<uint32_t>(k % serials + 1));
      t->mutable_cable()->mutable_transmission()->set_channel_serial(static_cast<uint32_t>(k % serials + 1));
      t->mutable_cable()->mutable_origin()->set_station_serial(static_cast<uint32_t>(k % serials + 1));
      t->mutable_cable()->mutable_origin()->set_serial_cycle(static_cast<uint32_t>(k / serials));
      frames[i] = tmpl.SerializeAsString();
    }
    // parsing alone, and serialising alone, on the same frames
    auto t0 = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) (void)net::decode_payload(frames[i], parsed[i]);
    parse += seconds_since(t0);
    t0 = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) {  // in its wire form, as the executor sends it
      wire.clear();
      net::swap_cable_body(*parsed[i].mutable_transmission());
      net::append_frame(wire, parsed[i]);
    }
    serialise += seconds_since(t0);

    // the whole of it, every frame read into one envelope as a link reads them (decode_payload
    // parses into what the relay left in it)
    t0 = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) {
      (void)net::decode_payload(frames[i], e);
      relay.on_frame(o.from, std::move(e));
      relay.reuse(e);
      // every end, each of which may start the next transmission; with cables kept waiting, one
      // end for each cable once QUEUED wait
      const bool keep_waiting = queued > 0;
      for (bool ended = false; !env.ends.empty() && (!keep_waiting || (done + i >= queued && !ended)); ended = true) {
        auto end = std::move(env.ends.front());
        env.ends.pop_front();
        end();
      }
      for (const auto& [channel, serial] : env.to_acknowledge) {
        Envelope ack;
        ack.mutable_ack()->set_channel_serial(serial);
        relay.on_frame(channel, std::move(ack));
      }
      env.to_acknowledge.clear();
    }
    total += seconds_since(t0);
  }
  if (env.relayed < cables - queued) {  // all but those kept waiting
    std::printf("relayed %zu of %zu cables: the benchmark's cables did not all go through\n", env.relayed, cables);
    return 1;
  }
  const double us = 1e6 / static_cast<double>(cables);
  std::printf("station and executor, no sockets: %zu cables of %zu bytes on the wire relayed\n", cables,
              env.bytes / cables);
  std::printf(
      "per relayed cable: %.2f us in all; parsing the frame %.2f us, serialising the copy %.2f us, the "
      "station and its executor (the rest) %.2f us\n",
      total * us, parse * us, serialise * us, (total - parse - serialise) * us);
  return 0;
}
