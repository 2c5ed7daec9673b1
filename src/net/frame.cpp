#include "cablesim/net/frame.hpp"

#include <algorithm>
#include <cstring>

#include "cablesim/core/text.hpp"

namespace cablesim::net {
namespace {

class frame_category_impl : public std::error_category {
 public:
  const char* name() const noexcept override { return "cablesim.frame"; }
  std::string message(int ev) const override {
    switch (static_cast<frame_error>(ev)) {
      case frame_error::truncated: return "connection closed in the middle of a frame";
      case frame_error::empty: return "frame of length 0";
      case frame_error::oversize:
        return "frame length above the maximum of " + std::to_string(max_frame_size) + " bytes";
      case frame_error::oversize_unproven:
        return "frame length above the maximum of " + std::to_string(max_handshake_frame_size) +
               " bytes before the peer has proven itself";
      case frame_error::garbage: return "frame payload is not a cablesim.Envelope";
      case frame_error::bad_text:
        return "a transmission's cable text is not valid UTF-8, or it comes both in the cable and beside it";
      case frame_error::no_kind: return "envelope carries nothing";
      case frame_error::not_hello: return "first frame is not a Hello";
      case frame_error::not_proof: return "second frame is not a Proof";
      case frame_error::keyless:
        return "the link has no key, and the topology does not mark it insecure: give it a key (keys) or set "
               "insecure: true";
      case frame_error::bad_proof: return "link authentication failed: the proof does not match the link's key";
      case frame_error::unknown_peer: return "the Hello names a station with no link to this one";
      case frame_error::refused: return "the station refused the connection";
      case frame_error::version: return "the peer speaks another version of the link protocol";
    }
    return "unknown frame error";
  }
};

/// The frame (length, then the envelope) at `at`, which has room for frame_header_size + size.
void put_frame(char* at, std::size_t size, const Envelope& envelope) {
  at[0] = static_cast<char>((size >> 24) & 0xFF);
  at[1] = static_cast<char>((size >> 16) & 0xFF);
  at[2] = static_cast<char>((size >> 8) & 0xFF);
  at[3] = static_cast<char>(size & 0xFF);
  envelope.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(at + frame_header_size));
}
}  // namespace

const std::error_category& frame_category() {
  static const frame_category_impl category;
  return category;
}

std::error_code make_error_code(frame_error e) { return {static_cast<int>(e), frame_category()}; }

void append_frame(byte_buffer& out, const Envelope& envelope) {
  const auto size = envelope.ByteSizeLong();
  const auto at = out.size();
  out.resize(at + frame_header_size + size);
  put_frame(out.data() + at, size, envelope);
}

std::string encode_frame(const Envelope& envelope) {
  const auto size = envelope.ByteSizeLong();
  std::string out(frame_header_size + size, '\0');
  put_frame(out.data(), size, envelope);
  return out;
}

std::error_code decode_length(const unsigned char* h, std::size_t& length, std::size_t max) {
  length = (std::size_t{h[0]} << 24) | (std::size_t{h[1]} << 16) | (std::size_t{h[2]} << 8) | std::size_t{h[3]};
  if (length == 0) return frame_error::empty;
  if (length > max) return max < max_frame_size ? frame_error::oversize_unproven : frame_error::oversize;
  return {};
}

namespace {

/// Parse `payload` into `envelope` as the only field of its kind, `kept`, which the envelope
/// held: cleared, kept (with what a clear keeps), put back, then merged into.
template <class Message>
std::error_code parse_keeping(std::string_view payload, Envelope& envelope, Message* kept,
                              void (Envelope::*put_back)(Message*)) {
  envelope.Clear();
  kept->Clear();
  (envelope.*put_back)(kept);
  // the merge ParseFromArray makes after its clear (a CodedInputStream costs 700 instructions more)
  if (!envelope.ParseFrom<Envelope::kMerge>(google::protobuf::StringPiece(payload.data(), payload.size())))
    return frame_error::garbage;
  return {};
}

}  // namespace

std::error_code decode_payload(std::string_view payload, Envelope& envelope) {
  // A transmission is parsed into the one the envelope holds (a link puts a spare cable in it
  // after each: station::lend_spare), not into a new tree: what a clear keeps, a parse reuses;
  // an acknowledgment likewise. Only for a payload that starts with a field of that kind, so
  // that the result is the same as a fresh parse's.
  const auto starts_with = [&](int field) {
    return !payload.empty() && payload.front() == static_cast<char>((field << 3) | 2);  // length-delimited
  };
  std::error_code parsed;
  if (envelope.has_transmission() && starts_with(Envelope::kTransmissionFieldNumber))
    parsed = parse_keeping(payload, envelope, envelope.release_transmission(), &Envelope::set_allocated_transmission);
  else if (envelope.has_ack() && starts_with(Envelope::kAckFieldNumber))
    parsed = parse_keeping(payload, envelope, envelope.release_ack(), &Envelope::set_allocated_ack);
  else if (!envelope.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    parsed = frame_error::garbage;
  if (parsed) return parsed;
  if (envelope.kind_case() == Envelope::KIND_NOT_SET) return frame_error::no_kind;
  return take_cable_body(envelope);
}

void swap_cable_body(Transmission& t) { t.mutable_cable()->mutable_body()->swap(*t.mutable_cable_body()); }

bool valid_text_beside(std::string_view in_cable, std::string_view beside) {
  return in_cable.empty() && valid_utf8(beside);
}

std::error_code take_cable_body(Envelope& envelope) {
  if (!envelope.has_transmission() || envelope.transmission().cable_body().empty()) return {};
  auto& t = *envelope.mutable_transmission();
  if (!valid_text_beside(t.cable().body(), t.cable_body())) return frame_error::bad_text;
  swap_cable_body(t);
  return {};
}

void frame_decoder::feed(std::string_view bytes) {
  const auto room = space(bytes.size());
  std::copy(bytes.begin(), bytes.end(), room.begin());
  commit(bytes.size());
}

std::span<char> frame_decoder::space(std::size_t want) {
  if (pos_ > 0 && buffer_.size() - held_ < want) {  // move what is left to the front first
    std::memmove(buffer_.data(), buffer_.data() + pos_, held_ - pos_);
    held_ -= pos_;
    pos_ = 0;
  }
  if (buffer_.size() - held_ < want) buffer_.resize(held_ + want);
  return {buffer_.data() + held_, buffer_.size() - held_};
}

bool frame_decoder::next_payload(std::string_view& payload, std::error_code& error) {
  error.clear();
  if (held_ - pos_ < frame_header_size) return false;
  std::size_t length = 0;
  if ((error = decode_length(reinterpret_cast<const unsigned char*>(buffer_.data() + pos_), length))) return false;
  if (held_ - pos_ - frame_header_size < length) return false;
  payload = std::string_view(buffer_.data() + pos_ + frame_header_size, length);
  pos_ += frame_header_size + length;
  if (pos_ == held_) pos_ = held_ = 0;  // the bytes stay where they are until the next read
  return true;
}

bool frame_decoder::next(Envelope& envelope, std::error_code& error) {
  std::string_view payload;
  if (!next_payload(payload, error)) return false;
  error = decode_payload(payload, envelope);
  return !error;
}

std::error_code frame_decoder::finish() const {
  if (held_ != pos_) return frame_error::truncated;
  return {};
}

}  // namespace cablesim::net
