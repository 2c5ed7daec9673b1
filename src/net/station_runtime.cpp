#include "cablesim/net/station_runtime.hpp"

#include <asio/experimental/as_tuple.hpp>

#include <fstream>

#include "cablesim/core/acp127.hpp"

namespace cablesim::net {

using asio::awaitable;
constexpr auto as_tuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr uint32_t protocol_version = 1;

station_runtime::station_runtime(asio::io_context& io, const topology& topo, std::string ri, const sim_clock& clock,
                                 std::shared_ptr<spdlog::logger> logger, endpoint_resolver resolve,
                                 station_observer observer, std::optional<std::filesystem::path> inbox)
    : io_(io),
      topo_(topo),
      ri_(std::move(ri)),
      clock_(clock),
      log_(std::move(logger)),
      resolve_(std::move(resolve)),
      observer_(std::move(observer)),
      inbox_(std::move(inbox)),
      core_(topo, ri_),
      acceptor_(io) {}

station_runtime::~station_runtime() { stop(); }

void station_runtime::spawn(std::function<awaitable<void>()> f, std::string what) {
  asio::co_spawn(io_, std::move(f), [log = log_, what = std::move(what)](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log->error("{} failed: {}", what, ex.what());
    }
  });
}

void station_runtime::use_journal(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  journal_ = std::make_unique<store::journal>(dir / (ri_ + ".journal"));
  auto kept = journal_->load();
  for (auto& key : kept.seen) core_.restore_seen(std::move(key));
  for (auto& [channel, copy] : kept.pending) core_.restore(channel, std::move(copy));
  if (!kept.pending.empty())
    log_->info("journal: {} cable copies still in this station's charge are queued again", kept.pending.size());
}

void station_runtime::open_acceptor(const tcp::endpoint& ep) {
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen();
}

tcp::endpoint station_runtime::listen() {
  const auto* s = topo_.station(ri_);
  open_acceptor(tcp::endpoint(asio::ip::make_address(s->host()), static_cast<unsigned short>(s->port())));
  bound_ = acceptor_.local_endpoint();
  log_->debug("listening on {}:{}", bound_.address().to_string(), bound_.port());
  return bound_;
}

void station_runtime::set_link(const std::string& peer, bool up) {
  if (!up) {
    links_down_.insert(peer);
    if (const auto it = sessions_.find(peer); it != sessions_.end()) it->second->stop("link taken down (scripted)");
  } else {
    links_down_.erase(peer);
    // dial again now rather than at the end of the back-off
    if (const auto it = dial_timers_.find(peer); it != dial_timers_.end()) it->second->cancel();
  }
}

void station_runtime::suspend() {
  if (suspended_) return;
  suspended_ = true;
  std::error_code ignored;
  acceptor_.close(ignored);
  auto sessions = sessions_;
  for (auto& [peer, s] : sessions) s->stop("station " + ri_ + " stopped");
}

void station_runtime::resume() {
  if (!suspended_) return;
  suspended_ = false;
  for (auto& [peer, timer] : dial_timers_) timer->cancel();
  open_acceptor(bound_);
  spawn([this] { return accept_loop(); }, "accepting on " + ri_);
}

void station_runtime::start() {
  spawn([this] { return accept_loop(); }, "accepting on " + ri_);
  for (const auto& n : topo_.neighbours(ri_)) {
    const auto& link = topo_.proto().links(n.link);
    if (link.dialer() == ri_) spawn([this, peer = n.ri] { return dial_loop(peer); }, "dialling " + n.ri);
  }
}

void station_runtime::stop() {
  if (stopped_) return;
  stopped_ = true;
  std::error_code ignored;
  acceptor_.close(ignored);
  auto sessions = sessions_;
  for (auto& [peer, s] : sessions) s->stop("station stopping");
  for (auto& t : timers_) t->cancel();
}

std::string station_runtime::key_for(const std::string& peer) const {
  const auto* link = topo_.link_between(ri_, peer);
  if (!link || link->key().empty()) return {};
  for (const auto& k : topo_.proto().keys())
    if (k.name() == link->key()) return k.secret();
  return {};
}

awaitable<void> station_runtime::accept_loop() {
  while (!stopped_) {
    auto [ec, socket] = co_await acceptor_.async_accept(as_tuple);
    if (ec) {
      if (stopped_ || suspended_ || ec == asio::error::operation_aborted) co_return;
      log_->warn("accept failed: {}", ec.message());
      continue;
    }
    auto s = std::make_shared<tcp::socket>(std::move(socket));
    spawn([this, s]() { return serve(std::move(*s)); }, "serving a connection");
  }
}

awaitable<void> station_runtime::serve(tcp::socket socket) {
  std::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  const auto who = remote.address().to_string() + ":" + std::to_string(remote.port());
  Envelope first;
  if (auto ec = co_await read_frame(socket, first)) {
    log_->warn("dropped connection from {}: {}", who, ec == asio::error::eof ? "closed before hello" : ec.message());
    co_return;
  }
  if (first.kind_case() != Envelope::kHello) {
    log_->warn("dropped connection from {}: {}", who, make_error_code(frame_error::not_hello).message());
    co_return;
  }
  const auto& hello = first.hello();
  if (hello.client()) co_return co_await serve_client(std::move(socket), hello);
  const auto peer = hello.station_ri();
  if (links_down_.count(peer) || suspended_) {
    log_->debug("refused {}: the link is down", peer);
    co_return;
  }
  if (!topo_.link_between(ri_, peer)) {
    log_->warn("dropped connection from {} claiming to be '{}': {}", who, peer,
               make_error_code(frame_error::unknown_peer).message());
    co_return;
  }
  const auto nonce = make_nonce();
  Envelope mine;
  mine.mutable_hello()->set_station_ri(ri_);
  mine.mutable_hello()->set_nonce(nonce);
  mine.mutable_hello()->set_version(protocol_version);
  if (co_await write_frame(socket, mine)) co_return;
  if (auto ec = co_await authenticate(socket, peer, hello, nonce)) {
    log_->warn("dropped connection from {} ({}): {}", who, peer, ec.message());
    co_return;
  }
  attach(std::move(socket), peer);
}

awaitable<std::error_code> station_runtime::authenticate(tcp::socket& socket, const std::string& peer,
                                                         const Hello& peer_hello, const std::string& my_nonce) {
  const auto key = key_for(peer);
  Envelope proof;
  proof.mutable_proof()->set_hmac(link_proof(key, ri_, peer, peer_hello.nonce()));
  if (auto ec = co_await write_frame(socket, proof)) co_return ec;
  Envelope theirs;
  if (auto ec = co_await read_frame(socket, theirs)) co_return ec;
  if (theirs.kind_case() != Envelope::kProof) co_return make_error_code(frame_error::not_proof);
  if (!proofs_match(theirs.proof().hmac(), link_proof(key, peer, ri_, my_nonce)))
    co_return make_error_code(frame_error::bad_proof);
  co_return std::error_code{};
}

awaitable<void> station_runtime::serve_client(tcp::socket socket, const Hello& hello) {
  std::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  if (hello.station_ri() != ri_) {
    Envelope reply;
    reply.mutable_filing_result()->set_error("this is station " + ri_ + ", not " + hello.station_ri());
    co_await write_frame(socket, reply);
    co_return;
  }
  for (;;) {
    Envelope e;
    if (auto ec = co_await read_frame(socket, e)) {
      if (ec != asio::error::eof) log_->warn("filing client {}: {}", remote.address().to_string(), ec.message());
      co_return;
    }
    Envelope reply;
    auto* result = reply.mutable_filing_result();
    if (e.kind_case() != Envelope::kFiling) {
      result->set_error("expected a Filing frame");
    } else {
      const auto outcome = file_text(e.filing().cable_text(), e.filing().file_name());
      result->set_ok(outcome.ok);
      result->set_message_id(outcome.message_id);
      result->set_error(outcome.error);
    }
    if (co_await write_frame(socket, reply)) co_return;
  }
}

awaitable<void> station_runtime::dial_loop(std::string peer) {
  asio::steady_timer backoff_timer(io_);
  dial_timers_[peer] = &backoff_timer;
  struct unregister {
    std::map<std::string, asio::steady_timer*>& timers;
    std::string peer;
    ~unregister() { timers.erase(peer); }
  } guard{dial_timers_, peer};
  auto backoff = std::chrono::milliseconds(20);
  while (!stopped_) {
    const auto ep = resolve_(peer);
    std::error_code failure = asio::error::not_connected;
    if (ep && !suspended_ && !links_down_.count(peer)) {
      tcp::socket socket(io_);
      auto [ec] = co_await socket.async_connect(*ep, as_tuple);
      failure = ec;
      if (!ec) {
        const auto nonce = make_nonce();
        Envelope hello;
        hello.mutable_hello()->set_station_ri(ri_);
        hello.mutable_hello()->set_nonce(nonce);
        hello.mutable_hello()->set_version(protocol_version);
        Envelope reply;
        if (!(failure = co_await write_frame(socket, hello)) && !(failure = co_await read_frame(socket, reply))) {
          if (reply.kind_case() != Envelope::kHello || reply.hello().station_ri() != peer)
            failure = make_error_code(frame_error::not_hello);
          else
            failure = co_await authenticate(socket, peer, reply.hello(), nonce);
        }
        if (!failure && !stopped_ && !suspended_ && !links_down_.count(peer)) {
          attach(std::move(socket), peer);
          backoff = std::chrono::milliseconds(20);
          auto session = sessions_[peer];
          if (session) co_await session->wait_closed();
          continue;
        }
      }
    }
    if (stopped_) co_return;
    log_->debug("dialling {} failed ({}); retrying in {} ms", peer, ep ? failure.message() : "address unknown",
                backoff.count());
    backoff_timer.expires_after(backoff);
    co_await backoff_timer.async_wait(as_tuple);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

void station_runtime::attach(tcp::socket socket, const std::string& peer) {
  // Frames are small and latency is simulated: never let Nagle hold one back.
  std::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (auto old = sessions_.find(peer); old != sessions_.end()) old->second->stop("replaced by a new connection");
  const auto* link = topo_.link_between(ri_, peer);
  const auto delay = clock_.to_wall(sim_duration{link ? link->delay_ms() : 0});
  auto session = std::make_shared<link_session>(
      std::move(socket), peer, delay, [this](link_session& s, Envelope& e) { on_frame(s, e); },
      [this](link_session& s, const std::string& reason) { on_closed(s, reason); });
  sessions_[peer] = session;
  session->start();
  log_->debug("link to {} is up", peer);
  station_actions out;
  core_.channel_up(peer, clock_.now(), out);
  apply(out);
}

void station_runtime::on_frame(link_session& session, Envelope& e) {
  station_actions out;
  const auto now = clock_.now();
  switch (e.kind_case()) {
    case Envelope::kTransmission:
      if (observer_.received) observer_.received(ri_, session.peer(), e.transmission(), now);
      core_.receive(session.peer(), e.transmission(), now, out);
      break;
    case Envelope::kAck: core_.acknowledged(session.peer(), e.ack().channel_serial(), now, out); break;
    case Envelope::kCancel: core_.cancelled_by_sender(session.peer(), e.cancel().channel_serial(), now, out); break;
    default:
      session.stop("unexpected " + std::string(Envelope::descriptor()->FindFieldByNumber(e.kind_case())->name()) +
                   " frame from " + session.peer() + " on an open link");
      return;
  }
  apply(out);
}

void station_runtime::on_closed(link_session& session, const std::string& reason) {
  const auto it = sessions_.find(session.peer());
  if (it == sessions_.end() || it->second.get() != &session) return;
  auto keep = it->second;  // the session lives until this handler returns
  sessions_.erase(it);
  if (stopped_) return;
  log_->warn("link to {} closed: {}", session.peer(), reason);
  station_actions out;
  core_.channel_down(session.peer(), clock_.now(), out);
  apply(out);
}

filing_outcome station_runtime::file_text(const std::string& text, const std::string& name) {
  if (suspended_) {
    filing_outcome stopped;
    stopped.error = "station " + ri_ + " is stopped";
    return stopped;
  }
  auto parsed = acp127::parse(text, {.allow_draft = true});
  if (!parsed) {
    filing_outcome bad;
    bad.error = parsed.error->format(name.empty() ? "<filing>" : name);
    log_->warn("refused a filing: {}", bad.error);
    return bad;
  }
  station_actions out;
  const auto now = clock_.now();
  auto outcome = core_.file(std::move(parsed.cable), now, out);
  if (!outcome.ok) log_->warn("refused a filing: {}", outcome.error);
  else if (observer_.filed) observer_.filed(ri_, outcome, now);
  apply(out);
  return outcome;
}

void station_runtime::write_inbox(const deliver_copy& d) {
  if (!inbox_) return;
  const auto dir = *inbox_ / ri_;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto path = dir / (d.message_id + ".txt");
  std::ofstream out(path, std::ios::binary);
  out << acp127::render(d.copy);
  if (!out) log_->error("cannot write {}", path.string());
}

void station_runtime::apply(station_actions& actions) {
  const auto now = clock_.now();
  for (auto& a : actions) {
    if (observer_.acted) observer_.acted(ri_, a, now);
    std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, start_transmission>) {
            const auto it = sessions_.find(x.channel);
            if (it == sessions_.end()) return;  // the link went down meanwhile; the core has been told
            Envelope e;
            const auto serial = x.frame.channel_serial();
            *e.mutable_transmission() = std::move(x.frame);
            it->second->transmit(serial, std::move(e), clock_.to_wall(x.line_time), [this, peer = x.channel, serial] {
              station_actions out;
              core_.transmission_done(peer, serial, clock_.now(), out);
              apply(out);
            });
          } else if constexpr (std::is_same_v<T, cancel_transmission>) {
            if (const auto it = sessions_.find(x.channel); it != sessions_.end()) it->second->cancel_transmission(x.serial);
          } else if constexpr (std::is_same_v<T, send_ack>) {
            if (const auto it = sessions_.find(x.channel); it != sessions_.end()) {
              Envelope e;
              e.mutable_ack()->set_channel_serial(x.serial);
              it->second->send(e);
            }
          } else if constexpr (std::is_same_v<T, deliver_copy>) {
            write_inbox(x);
            if (observer_.delivered) observer_.delivered(ri_, x, now);
          } else if constexpr (std::is_same_v<T, journal_put>) {
            if (journal_) journal_->put(x.channel, x.copy);
          } else if constexpr (std::is_same_v<T, journal_drop>) {
            if (journal_) journal_->drop(x.journal_id);
          } else if constexpr (std::is_same_v<T, journal_seen>) {
            if (journal_) journal_->seen(x.key);
          } else if constexpr (std::is_same_v<T, note>) {
            const auto text = clock_label(now) + " " + x.text;
            switch (x.severity) {
              case note::level::debug: log_->debug("{}", text); break;
              case note::level::info: log_->info("{}", text); break;
              case note::level::warn: log_->warn("{}", text); break;
            }
          }
        },
        a);
  }
}

}  // namespace cablesim::net
