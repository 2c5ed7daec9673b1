#include "cablesim/net/connection.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <asio/experimental/as_tuple.hpp>

namespace cablesim::net {

using asio::awaitable;
using asio::use_awaitable;
constexpr auto as_tuple = asio::experimental::as_tuple(asio::use_awaitable);

awaitable<std::error_code> read_frame(tcp::socket& socket, Envelope& envelope) {
  unsigned char header[frame_header_size];
  auto [ec, n] = co_await asio::async_read(socket, asio::buffer(header), as_tuple);
  if (ec) co_return (ec == asio::error::eof && n > 0) ? make_error_code(frame_error::truncated) : ec;
  std::size_t length = 0;
  if (auto e = decode_length(header, length)) co_return e;
  std::string payload(length, '\0');
  auto [ec2, n2] = co_await asio::async_read(socket, asio::buffer(payload), as_tuple);
  if (ec2) co_return ec2 == asio::error::eof ? make_error_code(frame_error::truncated) : ec2;
  co_return decode_payload(payload, envelope);
}

awaitable<std::error_code> write_frame(tcp::socket& socket, const Envelope& envelope) {
  const auto bytes = encode_frame(envelope);
  auto [ec, n] = co_await asio::async_write(socket, asio::buffer(bytes), as_tuple);
  co_return ec;
}

std::string link_proof(const std::string& key, const std::string& sender, const std::string& receiver,
                       const std::string& receiver_nonce) {
  const std::string message = "cablesim/1 " + sender + " " + receiver + " " + receiver_nonce;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string make_nonce() {
  std::string nonce(16, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), static_cast<int>(nonce.size()));
  return nonce;
}

bool proofs_match(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

link_session::link_session(tcp::socket socket, std::string peer, std::chrono::nanoseconds wall_delay,
                           frame_handler on_frame, close_handler on_close)
    : socket_(std::move(socket)),
      peer_(std::move(peer)),
      wall_delay_(wall_delay),
      on_frame_(std::move(on_frame)),
      on_close_(std::move(on_close)),
      wake_writer_(socket_.get_executor()),
      line_timer_(socket_.get_executor()),
      closed_(socket_.get_executor()) {
  wake_writer_.expires_at(asio::steady_timer::time_point::max());
  closed_.expires_at(asio::steady_timer::time_point::max());
}

void link_session::start() {
  auto self = shared_from_this();
  auto log_end = [self](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      self->stop(std::string("internal error: ") + ex.what());
    }
  };
  asio::co_spawn(socket_.get_executor(), [self]() { return self->reader(); }, log_end);
  asio::co_spawn(socket_.get_executor(), [self]() { return self->writer(); }, log_end);
}

void link_session::send(const Envelope& envelope) {
  if (!open_) return;
  outbox_.push_back(encode_frame(envelope));
  wake_writer_.cancel();
}

void link_session::transmit(uint32_t serial, Envelope frame, std::chrono::nanoseconds wall_wait,
                            std::function<void()> on_sent) {
  if (!open_) return;
  auto self = shared_from_this();
  asio::co_spawn(
      socket_.get_executor(),
      [self, serial, frame = std::move(frame), wall_wait, on_sent = std::move(on_sent)]() mutable {
        return self->line(serial, std::move(frame), wall_wait, std::move(on_sent));
      },
      [self](std::exception_ptr e) {
        if (e) self->stop("internal error on the line");
      });
}

awaitable<void> link_session::line(uint32_t serial, Envelope frame, std::chrono::nanoseconds wait,
                                   std::function<void()> on_sent) {
  auto self = shared_from_this();
  on_line_ = serial;
  line_timer_.expires_after(wait);
  auto [ec] = co_await line_timer_.async_wait(as_tuple);
  if (ec || !open_ || on_line_ != serial) co_return;  // cancelled (preempted) or closed
  on_line_ = 0;
  send(frame);
  on_sent();
}

void link_session::cancel_transmission(uint32_t serial) {
  if (on_line_ == serial) {
    on_line_ = 0;
    line_timer_.cancel();
  }
  Envelope e;
  e.mutable_cancel()->set_channel_serial(serial);
  send(e);
}

void link_session::stop(const std::string& reason) {
  if (!open_) return;
  open_ = false;
  std::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  wake_writer_.cancel();
  line_timer_.cancel();
  closed_.cancel();
  if (on_close_) on_close_(*this, reason);
}

awaitable<void> link_session::wait_closed() {
  auto self = shared_from_this();
  while (open_) co_await closed_.async_wait(as_tuple);
}

awaitable<void> link_session::reader() {
  auto self = shared_from_this();
  asio::steady_timer delay(socket_.get_executor());
  while (open_) {
    Envelope envelope;
    if (auto ec = co_await read_frame(socket_, envelope)) {
      stop(ec == asio::error::eof ? "closed by " + peer_ : "bad frame from " + peer_ + ": " + ec.message());
      co_return;
    }
    if (wall_delay_.count() > 0) {  // propagation delay
      delay.expires_after(wall_delay_);
      co_await delay.async_wait(as_tuple);
    }
    if (!open_) co_return;
    on_frame_(*this, envelope);
  }
}

awaitable<void> link_session::writer() {
  auto self = shared_from_this();
  while (open_) {
    if (outbox_.empty()) {
      co_await wake_writer_.async_wait(as_tuple);
      wake_writer_.expires_at(asio::steady_timer::time_point::max());
      continue;
    }
    const auto bytes = std::move(outbox_.front());
    outbox_.pop_front();
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes), as_tuple);
    if (ec) {
      stop("write to " + peer_ + " failed: " + ec.message());
      co_return;
    }
  }
}

}  // namespace cablesim::net
