#pragma once
// A TCP connection carrying frames: reading and writing one Envelope, the link handshake, and
// the session of an authenticated link (one reader and one writer coroutine, paced transmissions).

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
asio::awaitable<std::error_code> read_frame(tcp::socket& socket, Envelope& envelope);

/// Write one frame.
asio::awaitable<std::error_code> write_frame(tcp::socket& socket, const Envelope& envelope);

/// HMAC-SHA256 proof that the sender knows the link's key.
std::string link_proof(const std::string& key, const std::string& sender, const std::string& receiver,
                       const std::string& receiver_nonce);

/// A fresh random nonce for a Hello.
std::string make_nonce();

/// The two proofs are equal (constant time).
bool proofs_match(const std::string& a, const std::string& b);

/// An authenticated link to a neighbour. Holds the line for a transmission's emulated line
/// time before its frame goes out, so that the station can cancel it (preemption); delays
/// incoming frames by the propagation delay.
class link_session : public std::enable_shared_from_this<link_session> {
 public:
  using frame_handler = std::function<void(link_session&, Envelope&)>;
  using close_handler = std::function<void(link_session&, const std::string& reason)>;

  link_session(tcp::socket socket, std::string peer, std::chrono::nanoseconds wall_delay, frame_handler on_frame,
               close_handler on_close);

  void start();
  /// Queue a frame for the writer (acks, cancels).
  void send(const Envelope& envelope);
  /// Hold the line for `wall_wait`, then send the frame and call `on_sent`; unless cancelled.
  void transmit(uint32_t serial, Envelope frame, std::chrono::nanoseconds wall_wait, std::function<void()> on_sent);
  /// Interrupt the transmission with this serial, if still on the line, and send a Cancel.
  void cancel_transmission(uint32_t serial);
  /// Close the connection; both coroutines end and on_close is called once.
  void stop(const std::string& reason);
  /// Completes when the session has stopped.
  asio::awaitable<void> wait_closed();

  const std::string& peer() const { return peer_; }
  bool open() const { return open_; }

 private:
  asio::awaitable<void> reader();
  asio::awaitable<void> writer();
  asio::awaitable<void> line(uint32_t serial, Envelope frame, std::chrono::nanoseconds wait, std::function<void()> on_sent);

  tcp::socket socket_;
  std::string peer_;
  std::chrono::nanoseconds wall_delay_;
  frame_handler on_frame_;
  close_handler on_close_;
  std::deque<std::string> outbox_;
  asio::steady_timer wake_writer_;
  asio::steady_timer line_timer_;
  asio::steady_timer closed_;
  uint32_t on_line_ = 0;  // serial being transmitted, 0 = none
  bool open_ = true;
};

}  // namespace cablesim::net
