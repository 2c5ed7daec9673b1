// bench/station: a relay's own work per relayed cable, without sockets or an event loop: the
// frame parsed as a link reads it, the station's decisions (continuity, duplicates, markings,
// routing, queueing), the copy serialised for the line as the executor sends it, the end of its
// transmission and the far end's acknowledgment. Single-threaded and free of I/O, so that two
// builds can be compared in a few seconds; bench_relay measures the whole relay over TCP.
//
//   bench_station [CABLES]      (default 200000)
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cablesim/core/station.hpp"
#include "cablesim/net/frame.hpp"
#include "cablesim/net/load.hpp"
#include "cablesim/store/files.hpp"

using namespace cablesim;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr uint32_t serials = 9999;  // channel and station serials wrap after 9999
constexpr std::size_t batch = 256;  // frames made ahead, outside the timing

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
  o.size = 3850;  // the relay benchmark's cable: a frame of about 4 KB
  net::choose_endpoints(topo, o);
  auto tmpl = net::load_template(topo, o, ROUTINE);

  station relay(topo, o.relay);
  station_actions out;
  const sim_time now{};
  relay.channel_up(o.from, now, out);
  relay.channel_up(o.to[0], now, out);

  std::vector<std::string> frames(batch);
  std::vector<Envelope> parsed(batch);
  net::byte_buffer wire;
  double total = 0, parse = 0, serialise = 0;
  std::size_t relayed = 0, bytes = 0;
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
    for (std::size_t i = 0; i < n; ++i) {
      wire.clear();
      net::append_frame(wire, parsed[i]);
    }
    serialise += seconds_since(t0);

    // the whole of it
    t0 = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) {
      Envelope e;
      (void)net::decode_payload(frames[i], e);
      out.clear();
      relay.receive(o.from, std::move(*e.mutable_transmission()), now, out);
      for (std::size_t a = 0; a < out.size(); ++a) {  // an end may start the next transmission
        auto* s = std::get_if<start_transmission>(&out[a]);
        if (!s) continue;
        const auto channel = s->channel;
        const auto serial = s->frame.channel_serial();
        Envelope copy;
        *copy.mutable_transmission() = std::move(s->frame);
        copy.mutable_transmission()->unsafe_arena_set_allocated_cable(const_cast<Cable*>(s->cable));
        wire.clear();
        net::append_frame(wire, copy);
        copy.mutable_transmission()->unsafe_arena_release_cable();
        bytes += wire.size();
        station_actions more;
        relay.transmission_done(channel, serial, now, more);
        relay.acknowledged(channel, serial, now, more);
        ++relayed;
        for (auto& m : more) out.push_back(std::move(m));
      }
    }
    total += seconds_since(t0);
  }
  if (relayed != cables) {
    std::printf("relayed %zu of %zu cables: the benchmark's cables did not all go through\n", relayed, cables);
    return 1;
  }
  const double us = 1e6 / static_cast<double>(cables);
  std::printf("station alone: %zu cables of %zu bytes on the wire relayed, no sockets\n", cables, bytes / cables);
  std::printf(
      "per relayed cable: %.2f us in all; parsing the frame %.2f us, serialising the copy %.2f us, the "
      "station's own work (the rest) %.2f us\n",
      total * us, parse * us, serialise * us, (total - parse - serialise) * us);
  return 0;
}
