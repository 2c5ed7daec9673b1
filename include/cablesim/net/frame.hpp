#pragma once
// The frame codec: Envelopes on a byte stream. Socket-free; the connection uses it.
//
// Wire format (the only place it is described):
//
//   +----------------------+------------------------------------+
//   | length: 4 bytes,     | payload: `length` bytes, one       |
//   | unsigned, big-endian | serialized cablesim.Envelope       |
//   +----------------------+------------------------------------+
//
// - length counts the payload only and must be 1..max_frame_size; it is checked before any
//   buffer is allocated.
// - The payload must parse as an Envelope with its `kind` set.
// - Before a connection has proven itself, a frame is at most 4 KB and the handshake must end
//   within 10 s.
// - On a link (protocol 3): the dialler sends a Hello (its RI, a fresh nonce), the acceptor
//   answers with its Hello, the dialler sends a Proof, and only once that checks out does the
//   acceptor send its own. A Proof is HMAC-SHA256, under the link's pre-shared key, of
//   "cablesim/3 <dialer|acceptor> <sender RI> <receiver RI> <dialler's nonce> <acceptor's
//   nonce>". Nothing else is accepted before both proofs check out.
// - A filing client (`cablesim send`) does the same with the post's filing key: its Hello has
//   `client` set and names the post, and it signs as "filing-client". A station that takes no
//   filings from it answers the Hello with a FilingResult saying why. After the proofs the
//   client sends Filing frames, each answered by a FilingResult.
// - After the handshake a link carries Transmission, Ack and Cancel frames in both directions.
//   A Transmission's cable travels without its body (the text after the heading, most of its
//   bytes), which goes beside it in `cable_body`: a protobuf `bytes` field, which neither end
//   checks character by character as protobuf checks every `string`. The receiver checks it
//   once, as UTF-8, 64 bytes at a time, and puts it back in the cable.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cablesim/wire.pb.h"

namespace cablesim::net {

constexpr std::size_t frame_header_size = 4;
constexpr std::size_t max_frame_size = 4 * 1024 * 1024;
/// Before a connection has authenticated, a frame is a Hello, a Proof or a Filing's answer to
/// one: a few hundred bytes. Nothing larger is read (or allocated) for an unproven peer.
constexpr std::size_t max_handshake_frame_size = 4 * 1024;

/// Why a frame was refused.
enum class frame_error {
  truncated = 1,      // the stream ended inside a frame
  empty,              // length 0
  oversize,           // length above max_frame_size
  oversize_unproven,  // length above max_handshake_frame_size, from a peer not yet proven
  garbage,            // the payload is not an Envelope
  bad_text,           // a Transmission's cable body is not UTF-8, or comes twice
  no_kind,            // an Envelope with nothing in it
  not_hello,          // the first frame of a connection is not a Hello
  not_proof,          // the second frame of a link is not a Proof
  bad_proof,          // the Proof does not match the link's key
  unknown_peer,       // the Hello names a station with no link to this one
  keyless,            // the link has no key and the topology does not mark it insecure
  refused,            // the station refused the connection and said why (a FilingResult)
  version,            // the Hello is of another version of the link protocol
};

const std::error_category& frame_category();
std::error_code make_error_code(frame_error e);

/// Length prefix + serialized envelope.
std::string encode_frame(const Envelope& envelope);

/// An allocator whose resize() leaves new bytes as they are: a frame is serialised over them at
/// once, and zeroing 4 KB a cable first showed in the relay's profile.
template <class T>
struct uninitialised_allocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = uninitialised_allocator<U>;
  };
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
};
using byte_buffer = std::vector<char, uninitialised_allocator<char>>;

/// Appends the envelope's frame to `out` (a link's outbox).
void append_frame(byte_buffer& out, const Envelope& envelope);

/// The payload length from a 4-byte header, checked against the maximum.
std::error_code decode_length(const unsigned char* header, std::size_t& length, std::size_t max = max_frame_size);

/// Parse a payload (after its length was checked), a transmission's body put back in its cable.
std::error_code decode_payload(std::string_view payload, Envelope& envelope);

/// Move a transmission's cable body beside the cable for the wire, or back: a swap, no copy.
void swap_cable_body(Transmission& t);

/// A transmission's body, sent beside its cable (`cable_body`), put back in the cable, once
/// checked to be UTF-8 and the only body: what decode_payload does for every frame read.
std::error_code take_cable_body(Envelope& envelope);
/// The rule take_cable_body checks, for a reader of its own (load's sinks): a text beside the
/// cable (`beside`) may come only with none in the cable (`in_cable`), and must be UTF-8.
bool valid_text_beside(std::string_view in_cable, std::string_view beside);

/// Incremental decoder over a byte stream, for tests and anything that has bytes in hand.
class frame_decoder {
 public:
  void feed(std::string_view bytes);
  /// Room for the next read, straight into the decoder: at least `want` bytes. Fill some of it,
  /// then commit() what was filled.
  std::span<char> space(std::size_t want);
  void commit(std::size_t n) { held_ += n; }
  /// Next frame: returns true and fills `envelope`; false with `error` empty when more bytes are
  /// needed; false with `error` set when the stream is bad.
  bool next(Envelope& envelope, std::error_code& error);
  /// The same, the next frame's payload undecoded: valid until the next space() or feed().
  bool next_payload(std::string_view& payload, std::error_code& error);
  /// At the end of the stream: truncated if a partial frame is left.
  std::error_code finish() const;

 private:
  std::string buffer_;  // [pos_, held_) are bytes not yet decoded; the rest is room
  std::size_t pos_ = 0;
  std::size_t held_ = 0;
};

}  // namespace cablesim::net

template <>
struct std::is_error_code_enum<cablesim::net::frame_error> : std::true_type {};
