// The frame codec: valid frames round-trip; each way of corrupting one gets its own error.
#include "cablesim/net/frame.hpp"

#include <catch2/catch.hpp>

#include "cablesim/receipt.pb.h"

using namespace cablesim;
using namespace cablesim::net;

namespace {

Envelope hello() {
  Envelope e;
  e.mutable_hello()->set_station_ri("RUEHRO");
  e.mutable_hello()->set_nonce("0123456789abcdef");
  e.mutable_hello()->set_version(1);
  return e;
}

std::error_code decode_all(const std::string& bytes, std::vector<Envelope>& out) {
  frame_decoder d;
  d.feed(bytes);
  Envelope e;
  std::error_code ec;
  while (d.next(e, ec)) out.push_back(e);
  if (ec) return ec;
  return d.finish();
}

}  // namespace

TEST_CASE("frame: encode and decode", "[net][frame]") {
  const auto bytes = encode_frame(hello()) + encode_frame(hello());
  REQUIRE(bytes.size() > 8);
  CHECK(static_cast<unsigned char>(bytes[0]) == 0);  // big-endian length
  std::vector<Envelope> out;
  CHECK_FALSE(decode_all(bytes, out));
  REQUIRE(out.size() == 2);
  CHECK(out[1].hello().station_ri() == "RUEHRO");

  SECTION("byte by byte") {
    frame_decoder d;
    Envelope e;
    std::error_code ec;
    int frames = 0;
    for (char c : bytes) {
      d.feed(std::string_view(&c, 1));
      while (d.next(e, ec)) ++frames;
      REQUIRE_FALSE(ec);
    }
    CHECK(frames == 2);
  }
}

TEST_CASE("frame: corrupting a valid frame one way at a time", "[net][frame]") {
  const auto valid = encode_frame(hello());
  std::vector<Envelope> out;
  SECTION("truncated payload") { CHECK(decode_all(valid.substr(0, valid.size() - 3), out) == frame_error::truncated); }
  SECTION("truncated header") { CHECK(decode_all(valid.substr(0, 2), out) == frame_error::truncated); }
  SECTION("oversize length is refused before allocating") {
    std::string bad = valid;
    bad[0] = '\x7f';
    CHECK(decode_all(bad, out) == frame_error::oversize);
  }
  SECTION("zero length") { CHECK(decode_all(std::string(4, '\0'), out) == frame_error::empty); }
  SECTION("garbage payload") {
    std::string bad = valid.substr(0, 4) + std::string(valid.size() - 4, '\xff');
    CHECK(decode_all(bad, out) == frame_error::garbage);
  }
  SECTION("an envelope with nothing in it") {
    Envelope empty;
    empty.mutable_hello();
    empty.clear_kind();
    std::string bad = std::string("\0\0\0\x02", 4) + std::string("\x08\x01", 2);  // unknown field 1 varint
    CHECK(decode_all(bad, out) == frame_error::no_kind);
  }
  SECTION("the error messages say what is wrong") {
    CHECK(make_error_code(frame_error::oversize).message().find("maximum") != std::string::npos);
    std::size_t length = 0;
    const auto over = max_handshake_frame_size + 1;  // above a handshake's frame, not a cable's
    const unsigned char just_over[4] = {0, static_cast<unsigned char>(over >> 16),
                                        static_cast<unsigned char>(over >> 8), static_cast<unsigned char>(over)};
    CHECK(decode_length(just_over, length, max_handshake_frame_size) == frame_error::oversize_unproven);
    CHECK(decode_length(just_over, length) == std::error_code{});
    CHECK(length == over);
    CHECK(make_error_code(frame_error::oversize_unproven).message() == "frame length above the maximum of " +
                                                                           std::to_string(max_handshake_frame_size) +
                                                                           " bytes before the peer has proven itself");
    CHECK(make_error_code(frame_error::not_hello).message() == "first frame is not a Hello");
    CHECK(make_error_code(frame_error::bad_proof).message().find("authentication failed") != std::string::npos);
  }
}

TEST_CASE("frame: a transmission's cable body travels beside the cable and is checked as UTF-8", "[net][frame]") {
  const std::string body =
      "UNCLAS ROME 001919\n\n\xC2\xB6"
      "1. (U) A paragraph of the cable.\n";
  Envelope e;
  e.mutable_transmission()->set_channel_serial(7);
  e.mutable_transmission()->mutable_cable()->set_originator("AMEMBASSY ROME");
  e.mutable_transmission()->set_cable_body(body);
  std::vector<Envelope> out;

  SECTION("the receiver puts it back in the cable") {
    REQUIRE_FALSE(decode_all(encode_frame(e), out));
    REQUIRE(out.size() == 1);
    CHECK(out[0].transmission().cable().body() == body);
    CHECK(out[0].transmission().cable_body().empty());
    CHECK(out[0].transmission().cable().originator() == "AMEMBASSY ROME");
  }
  SECTION("a body in the cable itself is taken as it is") {
    e.mutable_transmission()->clear_cable_body();
    e.mutable_transmission()->mutable_cable()->set_body(body);
    REQUIRE_FALSE(decode_all(encode_frame(e), out));
    CHECK(out.at(0).transmission().cable().body() == body);
  }
  SECTION("a body that is not UTF-8 is refused, with a reason") {
    e.mutable_transmission()->set_cable_body(body + std::string(20, 'X') + "\xC0\xAF" + std::string(20, 'X'));
    CHECK(decode_all(encode_frame(e), out) == frame_error::bad_text);
    CHECK(out.empty());
    CHECK(make_error_code(frame_error::bad_text).message().find("not valid UTF-8") != std::string::npos);
  }
  SECTION("two bodies, in the cable and beside it, are refused") {
    e.mutable_transmission()->mutable_cable()->set_body(body);
    CHECK(decode_all(encode_frame(e), out) == frame_error::bad_text);
  }
  SECTION("without bytes in between, and once only") {
    CHECK_FALSE(take_cable_body(e));
    CHECK(e.transmission().cable().body() == body);
    CHECK(e.transmission().cable_body().empty());
    CHECK_FALSE(take_cable_body(e));  // once only: nothing beside it now
    CHECK(e.transmission().cable().body() == body);
  }
}

TEST_CASE("frame: a load sink's ReceiptEnvelope reads a relay's transmission under the same field numbers",
          "[net][frame]") {
  Envelope e;
  auto* t = e.mutable_transmission();
  t->set_channel_serial(42);
  t->set_precedence(IMMEDIATE);
  t->set_later_arrivals(3);
  t->set_queued_peak(17);
  t->set_cable_body("UNCLAS LOAD\n\n1. (U) Text.\n");
  t->add_path("RUEHC");
  auto* o = t->mutable_cable()->mutable_origin();
  o->set_station_ri("RUEHC");
  o->set_station_serial(1919);
  o->set_serial_cycle(5);
  o->mutable_filing_time()->set_day_of_year(253);
  t->mutable_cable()->set_originator("SECSTATE WASHDC");

  // as a sink's link reads it: the payload of the next frame, then the few fields it uses
  frame_decoder d;
  d.feed(encode_frame(e) + encode_frame(hello()));
  std::string_view payload;
  std::error_code ec;
  REQUIRE(d.next_payload(payload, ec));
  CHECK(payload == e.SerializeAsString());
  ReceiptEnvelope r;
  REQUIRE(r.ParseFromArray(payload.data(), static_cast<int>(payload.size())));
  REQUIRE(r.has_transmission());
  const auto& rt = r.transmission();
  CHECK(rt.channel_serial() == t->channel_serial());
  CHECK(rt.precedence() == t->precedence());
  CHECK(rt.later_arrivals() == t->later_arrivals());
  CHECK(rt.queued_peak() == t->queued_peak());
  CHECK(rt.cable_body() == t->cable_body());
  CHECK(rt.cable().origin().station_ri() == o->station_ri());
  CHECK(rt.cable().origin().station_serial() == o->station_serial());
  CHECK(rt.cable().origin().serial_cycle() == o->serial_cycle());
  CHECK(rt.cable().body().empty());  // the text beside the cable, as a relay sends it

  // a copy with its text in the cable (which a sink declines, for a station's decoding): seen so
  t->mutable_cable()->set_body(t->cable_body());
  REQUIRE(r.ParseFromString(e.SerializeAsString()));
  CHECK(r.transmission().cable().body() == t->cable_body());

  // a frame of another kind is no transmission to it; the decoder goes on to it
  REQUIRE(d.next_payload(payload, ec));
  REQUIRE(r.ParseFromArray(payload.data(), static_cast<int>(payload.size())));
  CHECK_FALSE(r.has_transmission());
  CHECK_FALSE(d.next_payload(payload, ec));
  CHECK_FALSE(ec);
  CHECK_FALSE(d.finish());
}

TEST_CASE(
    "frame: a transmission (or an acknowledgment) parsed into the envelope of the last one reuses its tree and keeps "
    "nothing of it",
    "[net][frame]") {
  // the first: every part of a heading a relay's copy can have, and simulation metadata
  Envelope full;
  auto* t = full.mutable_transmission();
  t->set_channel_serial(7);
  t->set_precedence(FLASH);
  t->set_later_arrivals(2);
  t->set_queued_peak(9);
  t->set_text_characters(120);
  t->add_path("RUEHRO");
  t->add_path("RUEHEUR");
  t->set_cable_body("UNCLAS\n\n1. (U) The first.\n");
  auto* c = t->mutable_cable();
  c->mutable_transmission()->set_channel_designator("XRO");
  c->mutable_routing_line()->add_routing_indicators("RUEHC");
  c->mutable_routing_line()->add_routing_indicators("RUEHFR");
  c->mutable_origin()->set_station_ri("RUEHRO");
  c->mutable_origin()->mutable_filing_time()->set_day_of_year(253);
  c->mutable_security()->set_prosign("ZNR");
  c->mutable_dtg_line()->mutable_dtg()->set_day(10);
  c->add_pilots()->set_signals("ZFD");
  c->set_originator("AMEMBASSY ROME");
  c->add_action()->set_address("SECSTATE WASHDC");
  c->mutable_distribution()->add_action("AF-00");
  // the second: a bare transmission, and the third: an acknowledgment
  Envelope bare;
  bare.mutable_transmission()->set_channel_serial(8);
  bare.mutable_transmission()->mutable_cable()->mutable_origin()->set_station_ri("RUEHC");
  bare.mutable_transmission()->set_cable_body("UNCLAS\n");
  Envelope ack;
  ack.mutable_ack()->set_channel_serial(8);

  auto fresh = [](const Envelope& sent) {
    Envelope e;
    REQUIRE_FALSE(decode_payload(sent.SerializeAsString(), e));
    return e.SerializeAsString();
  };
  Envelope e;  // one envelope for every frame, as a link reads them
  REQUIRE_FALSE(decode_payload(full.SerializeAsString(), e));
  CHECK(e.SerializeAsString() == fresh(full));
  const auto* origin = &e.transmission().cable().origin();
  const auto* routing_line = &e.transmission().cable().routing_line();

  REQUIRE_FALSE(decode_payload(bare.SerializeAsString(), e));
  CHECK(e.SerializeAsString() == fresh(bare));  // nothing of the first is left: no path, no pilot, no FL2
  CHECK_FALSE(e.transmission().cable().has_routing_line());
  CHECK(e.transmission().path().empty());
  CHECK(&e.transmission().cable().origin() == origin);              // parsed into the first's sub-messages
  CHECK(&e.transmission().cable().routing_line() == routing_line);  // kept, cleared, for the next

  REQUIRE_FALSE(decode_payload(ack.SerializeAsString(), e));
  CHECK(e.kind_case() == Envelope::kAck);
  CHECK(e.SerializeAsString() == fresh(ack));
  // an acknowledgment after an acknowledgment: parsed into the one the envelope holds
  const auto* first_ack = &e.ack();
  Envelope ack_zero;  // serial 0: the field is absent, so nothing of the last may be left
  ack_zero.mutable_ack();
  REQUIRE_FALSE(decode_payload(ack_zero.SerializeAsString(), e));
  CHECK(&e.ack() == first_ack);
  CHECK(e.ack().channel_serial() == 0);
  CHECK(e.SerializeAsString() == fresh(ack_zero));
  REQUIRE_FALSE(decode_payload(ack.SerializeAsString(), e));
  CHECK(&e.ack() == first_ack);
  CHECK(e.SerializeAsString() == fresh(ack));

  // a frame that names no kind is refused the same, whatever the envelope held before
  REQUIRE_FALSE(decode_payload(full.SerializeAsString(), e));
  CHECK(decode_payload("", e) == frame_error::no_kind);
  REQUIRE_FALSE(decode_payload(full.SerializeAsString(), e));
  const auto garbage = std::string(1, '\x1a') + "\xff\xff\xff";  // a transmission field that runs past the end
  CHECK(decode_payload(garbage, e) == frame_error::garbage);
}
