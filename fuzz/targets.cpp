#include "targets.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/station.hpp"
#include "cablesim/core/topology.hpp"
#include "cablesim/net/frame.hpp"

namespace cablesim::fuzz {
namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

/// The relay under attack: the seed network's European switching centre.
const topology& seed() {
  static const topology t = [] {
    const std::string path = CABLESIM_SOURCE_DIR "/topologies/seed.textproto";
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return topology::load(text.str(), path);
  }();
  return t;
}

}  // namespace

void cable_text(std::string_view text) {
  for (bool draft : {false, true}) {
    const auto r = acp127::parse(text, {.allow_draft = draft});
    if (!r) continue;
    const auto again = acp127::parse(acp127::render(r.cable), {.allow_draft = draft});
    check(again && again.cable.SerializeAsString() == r.cable.SerializeAsString());
    (void)acp127::render(r.cable, {.for_transmission = true});
  }
}

void frame_stream(std::string_view bytes) {
  // fed whole and fed a byte at a time, the decoder yields the same frames and the same verdict
  auto decode = [](std::string_view in, std::size_t step) {
    net::frame_decoder d;
    std::string out;
    std::error_code error;
    for (std::size_t i = 0; i < in.size() && !error; i += step) {
      d.feed(in.substr(i, step));
      Envelope e;
      while (d.next(e, error)) {
        check(e.kind_case() != Envelope::KIND_NOT_SET);
        out += net::encode_frame(e);
      }
    }
    return std::pair{out, error ? error : d.finish()};
  };
  const auto whole = decode(bytes, bytes.size() + 1);
  const auto bytewise = decode(bytes, 1);
  check(whole == bytewise);
}

void station_frames(std::string_view bytes) {
  const auto& topo = seed();
  station relay(topo, "RUEHEUR");
  const auto& neighbours = topo.neighbours("RUEHEUR");
  sim_time now{};
  decision out;
  for (const auto& n : neighbours) relay.channel_up(n.ri, now, out);
  net::frame_decoder decoder;
  decoder.feed(bytes);
  Envelope e;
  std::error_code error;
  std::size_t frames = 0;
  while (decoder.next(e, error) && ++frames < 64) {
    now += std::chrono::seconds(1);
    out.clear();
    // the neighbour a frame comes from: chosen by the fuzzer through the frame's timing field
    const auto& from = neighbours[e.timing().sequence() % neighbours.size()].ri;
    switch (e.kind_case()) {
      case Envelope::kTransmission: {
        const auto serial = e.transmission().channel_serial();
        relay.receive(from, std::move(*e.mutable_transmission()), now, out);
        std::size_t acks = 0;
        for (const auto& c : out.commands)
          if (const auto* ack = std::get_if<send_ack>(&c)) acks += ack->channel == from && ack->serial == serial;
        check(acks == 1);  // taken in charge, whatever it carried
        break;
      }
      case Envelope::kAck: relay.acknowledged(from, e.ack().channel_serial(), now, out); break;
      case Envelope::kCancel: relay.cancelled_by_sender(from, e.cancel().channel_serial(), now, out); break;
      default: break;
    }
    // let every transmission the relay started go out whole and be acknowledged
    for (std::size_t i = 0; i < out.commands.size() && i < 4096; ++i)
      if (const auto* s = std::get_if<start_transmission>(&out.commands[i])) {
        const auto channel = s->channel;
        const auto serial = s->frame.channel_serial();
        relay.transmission_done(channel, serial, now, out);
        relay.acknowledged(channel, serial, now, out);
      }
  }
}

void topology_text(std::string_view text) {
  for (const char* name : {"fuzz.textproto", "fuzz.json"}) {
    try {
      const auto t = topology::load(text, name);
      for (const auto& s : t.proto().stations()) station st(t, s.ri());
    } catch (const config_error& e) {
      check(!e.problems().empty());
    }
  }
}

}  // namespace cablesim::fuzz
