#include "cablesim/net/station_runtime.hpp"

#include <asio/experimental/as_tuple.hpp>

#include "cablesim/core/acp127.hpp"

namespace cablesim::net {

using asio::awaitable;
constexpr auto as_tuple = asio::experimental::as_tuple(asio::use_awaitable);

station_runtime::station_runtime(asio::io_context& io, const topology& topo, std::string ri, const sim_clock& clock,
                                 std::shared_ptr<spdlog::logger> logger, endpoint_resolver resolve,
                                 event_observer observe)
    : io_(io),
      topo_(topo),
      ri_(std::move(ri)),
      clock_(clock),
      log_(std::move(logger)),
      resolve_(std::move(resolve)),
      exec_(topo, ri_, *this, std::move(observe)),
      acceptor_(io),
      accept_backoff_(io) {}

station_runtime::~station_runtime() { stop(); }

/// A connection that has not proven itself yet: stop() closes it, and so does its deadline.
class station_runtime::unproven_connection {
 public:
  unproven_connection(station_runtime& rt, tcp::socket& socket) : rt_(rt), socket_(socket), deadline_(rt.io_) {
    if (rt_.stopped_) {  // accepted (or dialled) just before the station stopped
      std::error_code ignored;
      socket_.close(ignored);
    }
    rt_.unproven_.insert(&socket_);
    rearm();
  }
  ~unproven_connection() {
    rt_.unproven_.erase(&socket_);
    deadline_.cancel();
  }
  /// Start the deadline again (a filing client between two filings).
  void rearm() {
    deadline_.expires_after(rt_.limits_.handshake_deadline);
    deadline_.async_wait([&socket = socket_](std::error_code ec) {
      if (ec) return;  // cancelled: the connection proved itself, or ended
      std::error_code ignored;
      socket.close(ignored);
    });
  }

 private:
  station_runtime& rt_;
  tcp::socket& socket_;
  asio::steady_timer deadline_;
};

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

template <class F>
void station_runtime::guarded(F&& f) {
  try {
    f();
  } catch (const store::journal_error& e) {
    log_->critical("{}; the station stops: it can no longer keep what it takes in charge", e.what());
    failure_ = e.what();
    stop();  // nothing more is carried out, least of all an acknowledgment of what it could not keep
    if (on_failure_) on_failure_();  // whoever runs the station (a node's main) learns of it now
  }
}

void station_runtime::use_journal(const std::filesystem::path& dir) {
  exec_.use_journal(dir);
  if (exec_.restored())
    log_->info("journal: {} cable copies still in this station's charge are queued again", exec_.restored());
}

tcp::endpoint station_runtime::listen() {
  const auto* s = topo_.station(ri_);
  const tcp::endpoint ep(asio::ip::make_address(s->host()), static_cast<unsigned short>(s->port()));
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen();
  const auto bound = acceptor_.local_endpoint();
  log_->debug("listening on {}:{}", bound.address().to_string(), bound.port());
  return bound;
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
  for (auto& [peer, l] : lines_)
    if (l.timer) l.timer->cancel();
  for (auto& [name, timer] : alarms_) timer->cancel();
  for (auto& [peer, timer] : dial_timers_) timer->cancel();
  accept_backoff_.cancel();
  for (auto* socket : unproven_) socket->close(ignored);  // handshakes, filing clients, dials
}

void station_runtime::hold_line(const std::string& channel, sim_duration line_time, std::function<void()> done) {
  auto& l = lines_[channel];
  const auto ticket = ++l.ticket;
  if (line_time.count() == 0) {  // an unpaced line: no timer per transmission
    // a link whose writer is behind: the transmission ends when it catches up (until then the
    // copies behind this one wait in the precedence queue, not in the link's buffer)
    if (const auto s = sessions_.find(channel); s != sessions_.end() && s->second->backed_up()) {
      s->second->when_ready([this, &l, ticket, done = std::move(done)] { end_hold(l, ticket, done); });
      return;
    }
    unpaced_.push_back({&l, ticket, std::move(done)});
    if (!unpaced_posted_) {
      unpaced_posted_ = true;
      asio::post(io_, [this] {
        // an end may start the next transmission, whose end joins the list: all run here (the
        // flag is down first: should one throw, the next end still gets a handler)
        unpaced_posted_ = false;
        while (!unpaced_.empty()) {
          auto next = std::move(unpaced_.front());
          unpaced_.pop_front();
          end_hold(*next.held_on, next.ticket, next.done);
        }
      });
    }
    return;
  }
  if (!l.timer) l.timer = std::make_unique<asio::steady_timer>(io_);
  l.timer->expires_after(clock_.to_wall(line_time));
  l.timer->async_wait([this, &l, ticket, done = std::move(done)](std::error_code ec) {
    if (!ec) end_hold(l, ticket, done);
  });
}

void station_runtime::end_hold(const line& held_on, uint64_t ticket, const std::function<void()>& done) {
  if (!stopped_ && held_on.ticket == ticket) guarded(done);
}

void station_runtime::set_alarm(const std::string& name, sim_duration after, std::function<void()> fn) {
  auto& timer = alarms_[name];
  if (!timer) timer = std::make_unique<asio::steady_timer>(io_);
  timer->expires_after(clock_.to_wall(after));  // cancels the alarm set before
  timer->async_wait([this, fn = std::move(fn)](std::error_code ec) {
    if (!ec && !stopped_) guarded(fn);
  });
}

void station_runtime::run_soon(std::function<void()> fn) {
  asio::post(io_, [this, fn = std::move(fn)] {
    if (!stopped_) guarded(fn);
  });
}

void station_runtime::hold_sends() {
  sends_held_ = true;
  for (auto& [peer, s] : sessions_) s->hold_writes(true);
}

void station_runtime::mark_sends() {
  for (auto& [peer, s] : sessions_) s->mark_writes();
}

void station_runtime::release_marked() {
  for (auto& [peer, s] : sessions_) s->release_marked_writes();
}

void station_runtime::release_sends() {
  sends_held_ = false;
  for (auto& [peer, s] : sessions_) s->hold_writes(false);
}

void station_runtime::release_line(const std::string& channel) {
  auto& l = lines_[channel];
  ++l.ticket;
  if (l.timer) l.timer->cancel();
}

void station_runtime::send(const std::string& channel, const Envelope& frame) {
  if (const auto it = sessions_.find(channel); it != sessions_.end()) it->second->send(frame);
}

awaitable<void> station_runtime::accept_loop() {
  while (!stopped_) {
    auto [ec, socket] = co_await acceptor_.async_accept(as_tuple);
    if (ec) {
      if (stopped_ || ec == asio::error::operation_aborted) co_return;
      // e.g. out of file descriptors: say so, and give the others time to finish
      log_->warn("accept failed: {}; accepting again in 100 ms", ec.message());
      accept_backoff_.expires_after(std::chrono::milliseconds(100));
      co_await accept_backoff_.async_wait(as_tuple);
      continue;
    }
    if (unproven_.size() >= limits_.max_pending_handshakes) {
      // a flood of connections that do not prove themselves: the newest wait outside
      if (turned_away_++ % 1000 == 0)
        log_->warn("{} connections still in their handshake: turning new ones away ({} so far)", unproven_.size(),
                   turned_away_);
      continue;  // the socket closes as it goes out of scope
    }
    auto s = std::make_shared<tcp::socket>(std::move(socket));
    spawn([this, s]() { return serve(std::move(*s)); }, "serving a connection");
  }
}

awaitable<void> station_runtime::serve(tcp::socket socket) {
  std::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  const auto who = remote.address().to_string() + ":" + std::to_string(remote.port());
  unproven_connection unproven(*this, socket);
  Envelope first;
  if (auto ec = co_await read_frame(socket, first, max_handshake_frame_size)) {
    log_->warn("dropped connection from {}: {}", who, ec == asio::error::eof ? "closed before hello" : ec.message());
    co_return;
  }
  if (first.kind_case() != Envelope::kHello) {
    log_->warn("dropped connection from {}: {}", who, make_error_code(frame_error::not_hello).message());
    co_return;
  }
  const auto& hello = first.hello();
  if (hello.client()) co_return co_await serve_client(socket, hello, unproven);
  const auto peer = hello.station_ri();
  if (!topo_.link_between(ri_, peer)) {
    log_->warn("dropped connection from {} claiming to be '{}': {}", who, peer,
               make_error_code(frame_error::unknown_peer).message());
    co_return;
  }
  if (!topo_.link_authenticates(ri_, peer)) {
    log_->warn("dropped connection from {} claiming to be '{}': {}", who, peer,
               make_error_code(frame_error::keyless).message());
    co_return;
  }
  if (auto ec = co_await accept_handshake(socket, ri_, hello, topo_.link_key(ri_, peer))) {
    log_->warn("dropped connection from {} ({}): {}", who, peer, ec.message());
    co_return;
  }
  if (!stopped_) attach(std::move(socket), peer);
}

awaitable<void> station_runtime::serve_client(tcp::socket& socket, const Hello& hello, unproven_connection& unproven) {
  std::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored).address().to_string();
  std::string refusal;
  auto refuse = [&]() -> awaitable<void> {
    log_->warn("refused a filing client at {}: {}", remote, refusal);
    Envelope reply;
    reply.mutable_filing_result()->set_error(refusal);
    co_await write_frame(socket, reply);
  };
  if (hello.station_ri() != ri_)
    refusal = "this is station " + ri_ + ", not " + hello.station_ri();
  else if (topo_.station(ri_)->role() != POST)
    refusal = ri_ + " is a relay: cables are filed at a post";
  else if (topo_.filing_key(ri_).empty())
    refusal = ri_ + " takes no filings over the network: the topology gives it no filing key";
  if (!refusal.empty()) co_return co_await refuse();
  if (auto ec = co_await accept_handshake(socket, ri_, hello, topo_.filing_key(ri_))) {
    // nothing in the answer depends on the key
    refusal = "filing at " + ri_ + ": " + ec.message();
    co_return co_await refuse();
  }
  for (;;) {
    unproven.rearm();  // a filing client that goes quiet is closed too
    Envelope e;
    if (auto ec = co_await read_frame(socket, e)) {
      if (ec != asio::error::eof) log_->warn("filing client {}: {}", remote, ec.message());
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
      for (const auto& r : outcome.refused) result->add_refused(r);
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
    if (ep) {
      tcp::socket socket(io_);
      {
        unproven_connection unproven(*this, socket);
        auto [ec] = co_await socket.async_connect(*ep, as_tuple);
        if (!ec && !topo_.link_authenticates(ri_, peer)) ec = make_error_code(frame_error::keyless);
        failure = ec ? ec : co_await dial_handshake(socket, ri_, peer, topo_.link_key(ri_, peer));
      }
      if (!failure && !stopped_) {
        attach(std::move(socket), peer);
        backoff = std::chrono::milliseconds(20);
        if (auto session = sessions_[peer]) co_await session->wait_closed();
        continue;
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
  if (auto old = sessions_.find(peer); old != sessions_.end() && old->second->open()) {
    // A live link is never replaced: a second valid handshake proves no more than the first
    // did. The old link must fail first (closed, or silent past its keep-alives).
    log_->warn("refused a second connection from {}: the link to it is up", peer);
    socket.close(ignored);
    return;
  }
  const auto* link = topo_.link_between(ri_, peer);
  const auto delay = clock_.to_wall(sim_duration{link ? link->delay_ms() : 0});
  auto session = std::make_shared<link_session>(
      std::move(socket), peer, delay,
      [this](link_session& s, Envelope& e) {
        const auto kind = e.kind_case();
        bool expected = true;
        guarded([&] {
          expected = exec_.on_frame(s.peer(), std::move(e));
          exec_.reuse(e);  // the link parses its next frame into e
        });
        if (!expected)
          s.stop("unexpected " + std::string(Envelope::descriptor()->FindFieldByNumber(kind)->name()) + " frame from " +
                 s.peer() + " on an open link");
      },
      [this](link_session& s, const std::string& reason) { on_closed(s, reason); });
  session->keep_alive(limits_.keepalive);
  session->hold_writes(sends_held_);
  sessions_[peer] = session;
  session->start();
  log_->debug("link to {} is up", peer);
  guarded([&] { exec_.channel_up(peer); });
}

void station_runtime::on_closed(link_session& session, const std::string& reason) {
  const auto it = sessions_.find(session.peer());
  if (it == sessions_.end() || it->second.get() != &session) return;
  auto keep = it->second;  // the session lives until this handler returns
  sessions_.erase(it);
  if (stopped_) return;
  // a neighbour that closes the link cleanly (it stopped, or a load run ended) is news, not trouble
  if (reason == closed_by(session.peer()))
    log_->info("link to {} closed: {}", session.peer(), reason);
  else
    log_->warn("link to {} closed: {}", session.peer(), reason);
  release_line(session.peer());  // a transmission on the line never went out
  guarded([&] { exec_.channel_down(session.peer()); });
}

filing_outcome station_runtime::file_text(const std::string& text, const std::string& name) {
  auto parsed = acp127::parse(text, {.allow_draft = true});
  if (!parsed) {
    filing_outcome bad;
    bad.code = errc::bad_cable_text;
    bad.error = parsed.error->format(name.empty() ? "<filing>" : name);
    log_->warn("refused a filing: {}", bad.error);
    return bad;
  }
  filing_outcome outcome;
  outcome.code = errc::station_stopped;
  outcome.error = "station " + ri_ + " has stopped";
  if (!stopped_) guarded([&] { outcome = exec_.file(std::move(parsed.cable)); });
  if (!outcome.ok) log_->warn("refused a filing: {}", outcome.error);
  return outcome;
}

}  // namespace cablesim::net
