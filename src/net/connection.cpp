#include "cablesim/net/connection.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <asio/experimental/as_tuple.hpp>

namespace cablesim::net {

using asio::awaitable;
using asio::use_awaitable;
constexpr auto as_tuple = asio::experimental::as_tuple(asio::use_awaitable);

awaitable<std::error_code> read_frame(tcp::socket& socket, Envelope& envelope, std::size_t max) {
  unsigned char header[frame_header_size];
  auto [ec, n] = co_await asio::async_read(socket, asio::buffer(header), as_tuple);
  if (ec) co_return (ec == asio::error::eof && n > 0) ? make_error_code(frame_error::truncated) : ec;
  std::size_t length = 0;
  if (auto e = decode_length(header, length, max)) co_return e;
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

std::string link_proof(const std::string& key, link_role role, const std::string& sender, const std::string& receiver,
                       const std::string& dialer_nonce, const std::string& acceptor_nonce) {
  std::string message = "cablesim/" + std::to_string(protocol_version) + " ";
  message += role == link_role::dialer ? "dialer " : "acceptor ";
  message += sender + " " + receiver + " " + dialer_nonce + " " + acceptor_nonce;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

Envelope hello_frame(const std::string& me, const std::string& nonce, bool client) {
  Envelope e;
  e.mutable_hello()->set_station_ri(me);
  e.mutable_hello()->set_nonce(nonce);
  e.mutable_hello()->set_version(protocol_version);
  e.mutable_hello()->set_client(client);
  return e;
}

namespace {

Envelope proof_frame(std::string hmac) {
  Envelope e;
  e.mutable_proof()->set_hmac(std::move(hmac));
  return e;
}
}  // namespace

awaitable<std::error_code> dial_handshake(tcp::socket& socket, const std::string& me, const std::string& peer,
                                          const std::string& key, bool client, std::string* refusal) {
  const auto mine = make_nonce();
  // a filing client names the post it files at in its Hello, and signs as a client
  const std::string signer = client ? std::string(filing_client_name) : me;
  if (auto ec = co_await write_frame(socket, hello_frame(client ? peer : me, mine, client))) co_return ec;
  Envelope reply;
  if (auto ec = co_await read_frame(socket, reply, max_handshake_frame_size)) co_return ec;
  // a post refuses a filing client with a FilingResult that says why
  auto refused = [&](const Envelope& e) {
    if (!client || e.kind_case() != Envelope::kFilingResult) return false;
    if (refusal) *refusal = e.filing_result().error();
    return true;
  };
  if (refused(reply)) co_return make_error_code(frame_error::refused);
  if (reply.kind_case() != Envelope::kHello || reply.hello().station_ri() != peer)
    co_return make_error_code(frame_error::not_hello);
  if (reply.hello().version() != protocol_version) co_return make_error_code(frame_error::version);
  const auto& theirs = reply.hello().nonce();
  if (auto ec =
          co_await write_frame(socket, proof_frame(link_proof(key, link_role::dialer, signer, peer, mine, theirs))))
    co_return ec;
  Envelope proof;
  if (auto ec = co_await read_frame(socket, proof, max_handshake_frame_size)) co_return ec;
  if (refused(proof)) co_return make_error_code(frame_error::refused);
  if (proof.kind_case() != Envelope::kProof) co_return make_error_code(frame_error::not_proof);
  if (!proofs_match(proof.proof().hmac(), link_proof(key, link_role::acceptor, peer, signer, mine, theirs)))
    co_return make_error_code(frame_error::bad_proof);
  co_return std::error_code{};
}

awaitable<std::error_code> accept_handshake(tcp::socket& socket, const std::string& me, const Hello& hello,
                                            const std::string& key) {
  if (hello.version() != protocol_version) co_return make_error_code(frame_error::version);
  const auto mine = make_nonce();
  const std::string peer = hello.client() ? std::string(filing_client_name) : hello.station_ri();
  if (auto ec = co_await write_frame(socket, hello_frame(me, mine))) co_return ec;
  Envelope proof;
  if (auto ec = co_await read_frame(socket, proof, max_handshake_frame_size)) co_return ec;
  if (proof.kind_case() != Envelope::kProof) co_return make_error_code(frame_error::not_proof);
  // the caller proves the key first: nothing that depends on the key goes out before
  if (!proofs_match(proof.proof().hmac(), link_proof(key, link_role::dialer, peer, me, hello.nonce(), mine)))
    co_return make_error_code(frame_error::bad_proof);
  co_return co_await write_frame(socket,
                                 proof_frame(link_proof(key, link_role::acceptor, me, peer, hello.nonce(), mine)));
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
      wake_delayer_(socket_.get_executor()),
      closed_(socket_.get_executor()),
      watchdog_timer_(socket_.get_executor()) {
  wake_writer_.expires_at(asio::steady_timer::time_point::max());
  wake_delayer_.expires_at(asio::steady_timer::time_point::max());
  closed_.expires_at(asio::steady_timer::time_point::max());
  std::error_code ignored;
  socket_.non_blocking(true, ignored);  // the writer tries each write at once (writer())
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
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->reader(); }, log_end);
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->writer(); }, log_end);
  if (wall_delay_.count() > 0)
    asio::co_spawn(
        socket_.get_executor(), [self]() { return self->delayer(); }, log_end);
  if (keepalive_.count() > 0)
    asio::co_spawn(
        socket_.get_executor(), [self]() { return self->watchdog(); }, log_end);
}

awaitable<void> link_session::watchdog() {
  auto self = shared_from_this();
  int silent = 0;  // intervals in a row with nothing heard
  while (open_) {
    watchdog_timer_.expires_after(keepalive_);
    co_await watchdog_timer_.async_wait(as_tuple);
    if (!open_) co_return;
    silent = heard_ ? 0 : silent + 1;
    heard_ = false;
    if (silent >= 3) {
      stop(peer_ + " silent for " + std::to_string(silent * keepalive_.count()) + " ms");
      co_return;
    }
    if (!spoke_) {
      Envelope e;
      e.mutable_keepalive();
      send(e);
    }
    spoke_ = false;
  }
}

void link_session::send(const Envelope& envelope) {
  if (!open_) return;
  spoke_ = true;
  append_frame(outbox_, envelope);
  if (held_) return;
  writable_ = outbox_.size();
  if (writer_waiting_) wake_writer_.cancel();
}

void link_session::hold_writes(bool held) {
  held_ = held;
  if (held_) return;
  writable_ = outbox_.size();
  if (writer_waiting_ && writable_) wake_writer_.cancel();
}

void link_session::release_marked_writes() {
  writable_ = std::max(writable_, marked_);
  if (writer_waiting_ && writable_) wake_writer_.cancel();
}

void link_session::stop(const std::string& reason) {
  if (!open_) return;
  open_ = false;
  std::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  wake_writer_.cancel();
  wake_delayer_.cancel();
  watchdog_timer_.cancel();
  closed_.cancel();
  if (on_close_) on_close_(*this, reason);
}

awaitable<void> link_session::wait_closed() {
  auto self = shared_from_this();
  while (open_) co_await closed_.async_wait(as_tuple);
}

awaitable<void> link_session::reader() {
  auto self = shared_from_this();
  frame_decoder decoder;
  // Reads go straight into the decoder. A quiet link reads 8 KB at a time; one whose reads fill
  // what they are offered is under load, and reads up to 64 KB at a time: fewer system calls.
  // Not more: a read's frames are all handled before the link's writers get another turn, and a
  // relay fed without pause (an open-loop load) that took in 256 KB a turn while its writes went
  // out in smaller pieces let its queue grow: at 50,000 4 KB cables a second, under a third of
  // what it relays closed loop, 160,000 waited and 36,000-38,000 a second went out; at 64 KB it
  // keeps pace (and makes 0.39 system calls a relayed cable closed loop, where it made 0.33).
  constexpr std::size_t least_read = 8 * 1024, most_read = 64 * 1024;
  std::size_t want = least_read;
  Envelope envelope;  // one for every frame the link reads: decode_payload reuses what it holds
  while (open_) {
    const auto room = decoder.space(want);
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(room.data(), room.size()), as_tuple);
    if (ec) {
      if (!open_) co_return;
      const auto err = ec == asio::error::eof && decoder.finish() ? decoder.finish() : ec;
      stop(err == asio::error::eof ? closed_by(peer_) : "bad frame from " + peer_ + ": " + err.message());
      co_return;
    }
    decoder.commit(n);
    if (n == room.size()) want = std::min(want * 2, most_read);
    heard_ = true;
    std::error_code bad;
    std::string_view payload;
    while (open_ && decoder.next_payload(payload, bad)) {
      if (on_payload_ && wall_delay_.count() == 0 && on_payload_(*this, payload)) continue;
      if ((bad = decode_payload(payload, envelope))) break;
      if (envelope.has_keepalive()) continue;  // it has done its work: the link is alive
      if (wall_delay_.count() > 0) {           // propagation delay: hand it over when it arrives
        if (arriving_.empty()) wake_delayer_.cancel();
        arriving_.emplace_back(std::chrono::steady_clock::now() + wall_delay_, std::move(envelope));
      } else {
        on_frame_(*this, envelope);
      }
    }
    if (bad) {
      stop("bad frame from " + peer_ + ": " + bad.message());
      co_return;
    }
  }
}

awaitable<void> link_session::delayer() {
  auto self = shared_from_this();
  while (open_) {
    wake_delayer_.expires_at(arriving_.empty() ? asio::steady_timer::time_point::max() : arriving_.front().first);
    co_await wake_delayer_.async_wait(as_tuple);
    while (open_ && !arriving_.empty() && arriving_.front().first <= std::chrono::steady_clock::now()) {
      auto envelope = std::move(arriving_.front().second);
      arriving_.pop_front();
      on_frame_(*this, envelope);
    }
  }
}

awaitable<void> link_session::writer() {
  auto self = shared_from_this();
  byte_buffer sending;
  while (open_) {
    if (writable_ == 0) {
      writer_waiting_ = true;
      co_await wake_writer_.async_wait(as_tuple);
      writer_waiting_ = false;
      wake_writer_.expires_at(asio::steady_timer::time_point::max());
      continue;
    }
    sending.clear();
    if (writable_ == outbox_.size()) {
      sending.swap(outbox_);  // everything queued goes in one write
    } else {                  // what may go, of what is held
      sending.assign(outbox_.begin(), outbox_.begin() + static_cast<std::ptrdiff_t>(writable_));
      outbox_.erase(outbox_.begin(), outbox_.begin() + static_cast<std::ptrdiff_t>(writable_));
    }
    marked_ -= std::min(marked_, writable_);
    writable_ = 0;
    // Written at once where the socket takes it all (nearly always): an async_write that
    // completes at once still resumes this coroutine through the io_context's queue, and every
    // round of that queue costs an epoll_wait, a system call (a microsecond on the virtual
    // machine this was measured on). Relaying 4 KB cables closed loop, the relay made 0.29
    // system calls a cable where it made 0.36, the load 0.46-0.52 where it made 0.68; open loop
    // in one process the relay kept up with 100,000 a second, where it passed 73,000. But when
    // it has asked for a refill (a line that waited for this writer), the refill goes first, as
    // it did when the completion queued behind it, so that the next write takes all it adds
    // (closed loop at 256 cables in flight the relay passed 145,000-149,000 a second without
    // this, once 201,000 with it, and 151,000 in the next run: what it does there is not clear).
    const bool refilling = static_cast<bool>(ready_);
    if (refilling) asio::post(socket_.get_executor(), std::exchange(ready_, nullptr));  // refill while writing
    std::error_code ec;
    const auto written = socket_.write_some(asio::buffer(sending), ec);
    if (ec == asio::error::would_block) ec.clear();
    if (!ec && written < sending.size())
      std::tie(ec, std::ignore) = co_await asio::async_write(socket_, asio::buffer(sending) + written, as_tuple);
    else if (!ec && refilling)  // the refill first: the next write takes all it queues
      co_await asio::post(socket_.get_executor(), asio::use_awaitable);
    if (ec) {
      if (open_) stop("write to " + peer_ + " failed: " + ec.message());
      co_return;
    }
  }
}

}  // namespace cablesim::net
