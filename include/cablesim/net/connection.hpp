#pragma once
// A TCP connection carrying frames: reading and writing one Envelope, the link handshake, and
// the session of an authenticated link (a reader, a single writer, and the propagation delay).

#include <asio.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "cablesim/net/frame.hpp"

namespace cablesim::net {

using asio::ip::tcp;

/// Read one frame; an error code (asio's, or frame_error) when the stream is closed or bad.
/// A frame longer than `max` is refused (frame_error::oversize) before anything is allocated.
asio::awaitable<std::error_code> read_frame(tcp::socket& socket, Envelope& envelope, std::size_t max = max_frame_size);

/// Write one frame.
asio::awaitable<std::error_code> write_frame(tcp::socket& socket, const Envelope& envelope);

/// Which end of a link a proof comes from: both ends sign both nonces, each with its own role,
/// so that one end's proof can never be reflected back as the other's.
enum class link_role { dialer, acceptor };

/// HMAC-SHA256 of "cablesim/3 <role> <sender RI> <receiver RI> <dialer nonce> <acceptor nonce>"
/// under the link's key: proof that the sender knows it, bound to this connection.
std::string link_proof(const std::string& key, link_role role, const std::string& sender, const std::string& receiver,
                       const std::string& dialer_nonce, const std::string& acceptor_nonce);

/// The version of the link protocol this build speaks (2: proofs over both nonces; 3: a cable's
/// body travels beside it, in Transmission.cable_body). A Hello of another version is refused:
/// the two ends would not read each other's frames alike.
constexpr uint32_t protocol_version = 3;

/// The first frame of a connection: who is calling, with a fresh nonce; `client` for a filing
/// client such as `cablesim send`, which names the post it files at.
Envelope hello_frame(const std::string& me, const std::string& nonce, bool client = false);

/// A fresh random nonce for a Hello.
std::string make_nonce();

/// The two proofs are equal (constant time).
bool proofs_match(const std::string& a, const std::string& b);

/// The name a filing client signs its proof with (a post's filing key): no station has it,
/// since RIs are capitals only.
constexpr std::string_view filing_client_name = "filing-client";

/// The dialling end of the link handshake: send a Hello, read the peer's, prove the key, then
/// check the peer's proof. An error when the peer is not `peer` or fails to prove the key.
/// A filing client (`client`) dials the post `peer` with the post's filing key; a post that
/// refuses it before the proofs answers with a FilingResult (frame_error::refused), whose
/// reason goes to `refusal`.
asio::awaitable<std::error_code> dial_handshake(tcp::socket& socket, const std::string& me, const std::string& peer,
                                                const std::string& key, bool client = false,
                                                std::string* refusal = nullptr);

/// The accepting end, once the caller's Hello (`hello`, naming a neighbour whose link key is
/// `key`, or a filing client and the post's filing key) has been read: send a Hello, check the
/// caller's proof, and only then prove the key.
asio::awaitable<std::error_code> accept_handshake(tcp::socket& socket, const std::string& me, const Hello& hello,
                                                  const std::string& key);

/// Why a link closed when the peer closed it cleanly (end of stream): its stop reason.
inline std::string closed_by(const std::string& peer) { return "closed by " + peer; }

/// An authenticated link to a neighbour: a reader that hands each frame over (after the link's
/// propagation delay, when it has one: frames in flight overlap, so the delay is latency, not
/// bandwidth) and a single writer that sends everything queued in one gather write.
class link_session : public std::enable_shared_from_this<link_session> {
 public:
  using frame_handler = std::function<void(link_session&, Envelope&)>;
  using close_handler = std::function<void(link_session&, const std::string& reason)>;
  /// Sees a frame's payload before it is decoded, and says whether it took it.
  using payload_handler = std::function<bool(link_session&, std::string_view payload)>;

  link_session(tcp::socket socket, std::string peer, std::chrono::nanoseconds wall_delay, frame_handler on_frame,
               close_handler on_close);

  /// Keep the link proven alive (call before start()): send a Keepalive when nothing else went
  /// out for `interval`, and close the link when nothing came in for three intervals.
  void keep_alive(std::chrono::milliseconds interval) { keepalive_ = interval; }
  /// Hand every frame's payload to `fn` first (call before start(); on a link without delay): the
  /// frames it does not take are decoded as Envelopes and go to on_frame. For an end that reads
  /// only part of what comes (load's sinks: ReceiptEnvelope).
  void take_payloads(payload_handler fn) { on_payload_ = std::move(fn); }

  void start();
  /// Queue a frame for the writer.
  void send(const Envelope& envelope);
  /// While held, what is sent waits in the outbox, unwritten, but for what is released: a
  /// station's frames wait for the commit of what they depend on (group commit). Unheld, all
  /// of it goes.
  void hold_writes(bool held);
  /// Mark what waits now...
  void mark_writes() { marked_ = outbox_.size(); }
  /// ...and let what was marked go.
  void release_marked_writes();
  /// Close the connection; the coroutines end and on_close is called once.
  void stop(const std::string& reason);
  /// Completes when the session has stopped.
  asio::awaitable<void> wait_closed();

  const std::string& peer() const { return peer_; }
  bool open() const { return open_; }
  /// Everything sent has been written to the socket.
  bool flushed() const { return outbox_.empty() && writer_waiting_; }
  /// Frames waiting for the writer have reached `high_water` bytes: a sender that can wait (the
  /// next transmission on an unpaced line) waits in its precedence queue instead, where a
  /// higher precedence can still overtake it. 256 KB: a relay under load then writes its copies
  /// in batches as large, and the load's replies come in as large: 0.32 system calls a relayed
  /// 4 KB cable, where 64 KB took 0.51 (0.39 since a link reads at most 64 KB at a time).
  static constexpr std::size_t high_water = 256 * 1024;
  /// While writes are held for a commit, more may wait: what the link would send while the
  /// commit is on its way to the disk. Less holds a commit to fewer cables; more keeps a FLASH
  /// waiting behind more of them (bench/RESULTS.md, "A durable relay").
  static constexpr std::size_t held_high_water = 1024 * 1024;
  bool backed_up() const { return outbox_.size() >= (held_ ? held_high_water : high_water); }
  /// Call `fn` (once) when the writer has taken what waits.
  void when_ready(std::function<void()> fn) { ready_ = std::move(fn); }

 private:
  asio::awaitable<void> reader();
  asio::awaitable<void> writer();
  asio::awaitable<void> delayer();
  asio::awaitable<void> watchdog();

  tcp::socket socket_;
  std::string peer_;
  std::chrono::nanoseconds wall_delay_;
  frame_handler on_frame_;
  payload_handler on_payload_;
  close_handler on_close_;
  byte_buffer outbox_;           // encoded frames waiting for the writer
  std::function<void()> ready_;  // when_ready()
  bool writer_waiting_ = false;
  bool held_ = false;         // hold_writes()
  std::size_t writable_ = 0;  // bytes at the front of the outbox that may be written
  std::size_t marked_ = 0;    // mark_writes()
  asio::steady_timer wake_writer_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, Envelope>> arriving_;  // in propagation
  asio::steady_timer wake_delayer_;
  asio::steady_timer closed_;
  bool open_ = true;
  std::chrono::milliseconds keepalive_{0};  // 0: no keep-alives, no idle timeout
  bool heard_ = false, spoke_ = false;      // since the watchdog last looked
  asio::steady_timer watchdog_timer_;
};

}  // namespace cablesim::net
