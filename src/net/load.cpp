#include "cablesim/net/load.hpp"

#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <asio/experimental/as_tuple.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <random>
#include <stdexcept>
#include <thread>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/errors.hpp"
#include "cablesim/core/percentile.hpp"
#include "cablesim/core/precedence.hpp"
#include "cablesim/core/station.hpp"
#include "cablesim/net/clock.hpp"
#include "cablesim/net/frame.hpp"
#include "cablesim/net/hosts.hpp"
#include "cablesim/net/station_runtime.hpp"
#include "cablesim/receipt.pb.h"
#include "cablesim/store/files.hpp"

namespace cablesim::net {
namespace {

using asio::awaitable;
using clock_type = std::chrono::steady_clock;
constexpr clock_type::duration span(double seconds) {
  return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
}
constexpr auto as_tuple = asio::experimental::as_tuple(asio::use_awaitable);

/// Cables a post can tell apart with its station serial (1..9999) and the serial's cycle.
constexpr uint64_t serials = max_channel_serial;

std::string address_of(const topology& topo, const std::string& ri) {
  const auto* s = topo.station(ri);
  return s && s->addresses_size() ? s->addresses(0) : ri;
}

/// A draft the sending post files once per precedence (and dual precedence): its transmission is
/// the template of every such cable (only the serials change from one to the next). Every sink
/// is an action addressee at `p`; or, at dual precedence, the first is, and the others are
/// information addressees at ROUTINE.
std::string draft(const topology& topo, const load_options& o, Precedence p, bool dual) {
  std::string text = "FM " + address_of(topo, o.from) + "\n";
  for (std::size_t i = 0; i < o.to.size(); ++i) {
    const bool info = dual && i > 0;
    text += i == 0 ? "TO " : info && i == 1 ? "INFO " : "";
    text += o.to[i] + "/" + address_of(topo, o.to[i]) + " " + precedence_word(info ? ROUTINE : p) + "\n";
  }
  text += "UNCLAS LOAD\n\nSUBJECT: LOAD TEST\n\n1. (U)";
  static const char* const words[] = {"traffic", "load", "relay", "channel", "queue", "precedence", "test"};
  std::size_t line = 6, w = 0;
  while (text.size() < o.size + 60) {
    const std::string word = words[w++ % 7];
    if (line + word.size() + 1 > 69) {
      text += "\n";
      line = 0;
    } else {
      text += " ";
      ++line;
    }
    text += word;
    line += word.size();
  }
  return text + ".\n";
}

}  // namespace

Envelope load_template(const topology& topo, const load_options& o, Precedence p, bool dual) {
  station post(topo, o.from);
  decision out;
  const sim_time now{};
  post.channel_up(o.relay, now, out);
  auto parsed = acp127::parse(draft(topo, o, p, dual), {.allow_draft = true});
  if (!parsed) throw std::runtime_error("load: the generated draft does not parse: " + parsed.error->format("draft"));
  out.clear();
  const auto filed = post.file(std::move(parsed.cable), now, out);
  if (!filed.ok) throw std::runtime_error("load: " + o.from + " cannot file the load's cable: " + filed.error);
  std::vector<start_transmission*> sent;
  for (auto& c : out.commands)
    if (auto* s = std::get_if<start_transmission>(&c)) sent.push_back(s);
  if (sent.size() != 1)
    throw std::runtime_error("load: " + o.from + " sends the load's cable to " + o.relay + " as " +
                             std::to_string(sent.size()) + " transmissions, not one");
  Envelope e;
  auto* t = e.mutable_transmission();
  *t = std::move(sent[0]->frame);
  *t->mutable_cable() = *sent[0]->cable;
  swap_cable_body(*t);  // its wire form (net/frame.hpp)
  return e;
}

namespace {
void fenwick_add(std::vector<int32_t>& tree, std::size_t index, int32_t delta) {
  for (auto i = index + 1; i < tree.size(); i += i & (~i + 1)) tree[i] += delta;
}
/// The sum over the indices below `end`.
int64_t fenwick_below(const std::vector<int32_t>& tree, std::size_t end) {
  int64_t sum = 0;
  for (auto i = std::min(end, tree.size() - 1); i > 0; i -= i & (~i + 1)) sum += tree[i];
  return sum;
}
}  // namespace

void inversion_count::sent(const std::vector<Precedence>& copies) {
  if (cables_ == capacity_) grow();
  for (std::size_t sink = 0; sink < sinks_; ++sink) {
    const auto p = sink < copies.size() ? copies[sink] : ROUTINE;
    if (p > ROUTINE && p <= FLASH_OVERRIDE) {
      waiting_[cables_ * sinks_ + sink] = static_cast<uint8_t>(p);
      fenwick_add(tree(sink, p), cables_, 1);
    }
  }
  ++cables_;
}

uint64_t inversion_count::received(std::size_t k, std::size_t sink, Precedence precedence, uint64_t later) {
  if (k >= cables_ || sink >= sinks_) return 0;
  if (auto& w = waiting_[k * sinks_ + sink]; w != 0) {
    fenwick_add(tree(sink, w), k, -1);
    w = 0;
  }
  const auto end = std::min<uint64_t>(k + 1 + later, cables_);
  const auto n = waiting_above(sink, precedence, end);
  if (n > 0) receipts_[sink].push_back({end, precedence});
  counted_ += n;
  return n;
}

uint64_t inversion_count::waiting_above(std::size_t sink, Precedence precedence, uint64_t end) const {
  uint64_t n = 0;
  for (int p = std::max<int>(precedence + 1, PRIORITY); p <= FLASH_OVERRIDE; ++p)
    n += static_cast<uint64_t>(fenwick_below(tree(sink, p), static_cast<std::size_t>(end)));
  return n;
}

uint64_t inversion_count::total() const {
  // the copies still waiting now never came: each was counted at every receipt that found it
  // waiting, and those receipts are exactly the ones that find it waiting now
  uint64_t lost = 0;
  for (std::size_t sink = 0; sink < sinks_; ++sink)
    for (const auto& r : receipts_[sink]) lost += waiting_above(sink, r.precedence, r.end);
  return counted_ - lost;
}

void inversion_count::grow() {
  // rare (the capacity doubles): the trees are rebuilt larger from the copies still waiting
  capacity_ = std::max<std::size_t>(1024, capacity_ * 2);
  waiting_.resize(capacity_ * sinks_);
  for (auto& t : trees_) t.assign(capacity_ + 1, 0);
  for (std::size_t k = 0; k < cables_; ++k)
    for (std::size_t sink = 0; sink < sinks_; ++sink)
      if (const auto w = waiting_[k * sinks_ + sink]; w != 0) fenwick_add(tree(sink, w), k, 1);
}

namespace {

class load_run {
 public:
  load_run(const topology& topo, const load_options& o)
      : topo_(topo), o_(o), timer_(io_), ticker_(io_), inversions_(o.to.size()) {
    for (int p = ROUTINE; p <= FLASH_OVERRIDE; ++p)
      if (o.mix[static_cast<std::size_t>(p)] > 0 || (p == ROUTINE && o.backlog))
        templates_[static_cast<std::size_t>(p)] = load_template(topo, o, static_cast<Precedence>(p), false);
    if (o.dual > 0 && o.to.size() < 2)
      throw config_error({"load: --dual needs information addressees besides the action one: --fan-out 2 or more"});
    // (not FLASH: ACP 127 separates a FLASH's information copies at the origin, as a message of
    // their own)
    for (int p = ROUTINE + 1; p <= IMMEDIATE && o.dual > 0; ++p)
      if (o.mix[static_cast<std::size_t>(p)] > 0)
        dual_templates_[static_cast<std::size_t>(p)] = load_template(topo, o, static_cast<Precedence>(p), true);
    for (const auto& t : templates_)
      if (t) characters_ = std::max<uint64_t>(characters_, t->transmission().text_characters());
    if (!characters_) throw config_error({"load: the precedence mix (--mix) has no weight above 0"});
  }

  LoadReport run() {
    asio::co_spawn(io_, main(), [this](std::exception_ptr e) {
      if (e) failure_ = e;
      stop_all();
    });
    io_.run();
    if (failure_) std::rethrow_exception(failure_);
    return report();
  }

 private:
  struct cable_record {
    clock_type::time_point meant;  // when it was meant to leave (open loop) or left
    Precedence precedence = ROUTINE;
    uint8_t received = 0;  // copies received (of o_.to.size())
    bool backlog = false;
    bool dual = false;       // the copies to sinks after the first go at ROUTINE (ACP 127 practice)
    bool sent_dual = false;  // sent at dual precedence (whatever the practice)
  };

  /// The precedence a cable's copy to a sink goes at: a dual cable's information copies (to the
  /// sinks after the first) at ROUTINE.
  static Precedence copy_precedence(const cable_record& r, std::size_t sink) {
    return r.dual && sink > 0 ? ROUTINE : r.precedence;
  }

  awaitable<std::shared_ptr<link_session>> open_link(const std::string& me, bool sink) {
    const auto* link = topo_.link_between(me, o_.relay);
    const auto key = topo_.link_key(me, o_.relay);
    tcp::socket socket(io_);
    if (link->dialer() == me) {
      tcp::endpoint where;
      if (o_.relay_endpoint) {
        where = *o_.relay_endpoint;
      } else {
        const auto port = listening_port(topo_, o_.relay, o_.port_dir);
        if (!port)
          throw std::runtime_error("no port for " + o_.relay +
                                   ": give it one in the topology, or --port-dir where it says");
        where = tcp::endpoint(asio::ip::make_address(topo_.station(o_.relay)->host()), *port);
      }
      auto [ec] = co_await socket.async_connect(where, as_tuple);
      if (ec)
        throw std::runtime_error("cannot reach " + o_.relay + " at " + where.address().to_string() + ":" +
                                 std::to_string(where.port()) + ": " + ec.message());
      if (auto e = co_await dial_handshake(socket, me, o_.relay, key))
        throw std::runtime_error(o_.relay + " refused the link from " + me + ": " + e.message());
    } else {
      // the relay dials this end: listen where the topology puts it
      const auto* s = topo_.station(me);
      tcp::acceptor acceptor(io_,
                             tcp::endpoint(asio::ip::make_address(s->host()), static_cast<unsigned short>(s->port())));
      if (s->port() == 0 && !o_.port_dir.empty())
        store::write_file_atomically(std::filesystem::path(o_.port_dir) / (me + ".port"),
                                     std::to_string(acceptor.local_endpoint().port()));
      auto [ec, accepted] = co_await acceptor.async_accept(as_tuple);
      if (ec) throw std::runtime_error("waiting for " + o_.relay + " to dial " + me + ": " + ec.message());
      socket = std::move(accepted);
      Envelope hello;
      if (auto e = co_await read_frame(socket, hello, max_handshake_frame_size); e || !hello.has_hello())
        throw std::runtime_error(o_.relay + " dialled " + me + " but said no hello");
      if (auto e = co_await accept_handshake(socket, me, hello.hello(), key))
        throw std::runtime_error(o_.relay + " failed the handshake with " + me + ": " + e.message());
    }
    std::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<link_session>(
        std::move(socket), o_.relay, std::chrono::nanoseconds{0},
        [this, sink, me](link_session& s, Envelope& e) { on_frame(s, e, sink ? me : std::string()); },
        [this, me, sink](link_session&, const std::string& reason) { link_lost(me, sink, reason); });
    session->keep_alive(std::chrono::milliseconds(2000));
    if (sink)
      session->take_payloads(
          [this, me](link_session& s, std::string_view payload) { return on_payload(s, payload, me); });
    session->start();
    co_return session;
  }

  /// A link to the relay closed. One this end dials is dialled again, with back-off, while the
  /// relay is away (a restart); the load goes on measuring. One the relay dials ends the run.
  void link_lost(const std::string& me, bool sink, const std::string& reason) {
    if (stopping_) return;
    if (topo_.link_between(me, o_.relay)->dialer() != me) {
      failure_ = std::make_exception_ptr(std::runtime_error("the link closed: " + reason));
      stop_all();
      return;
    }
    if (!away_since_) {  // the relay is away: what is in flight now may be lost with it
      away_since_ = clock_type::now();
      ++outages_;
      in_flight_at_outages_ += static_cast<uint64_t>(std::max<int64_t>(in_flight_, 0));
    }
    ++down_links_;
    asio::co_spawn(io_, reconnect(me, sink, reason), [this](std::exception_ptr e) {
      if (!e || stopping_) return;
      failure_ = e;
      stop_all();
    });
  }

  awaitable<void> reconnect(std::string me, bool sink, std::string reason) {
    asio::steady_timer wait(io_);
    auto backoff = std::chrono::milliseconds(20);
    const auto give_up = clock_type::now() + span(std::max(30.0, o_.drain_seconds));
    for (;;) {
      wait.expires_after(backoff);
      co_await wait.async_wait(as_tuple);
      if (stopping_) co_return;
      try {
        auto session = co_await open_link(me, sink);
        if (sink)
          sinks_[static_cast<std::size_t>(std::find(o_.to.begin(), o_.to.end(), me) - o_.to.begin())] = session;
        else
          sender_ = session;
        break;
      } catch (const std::exception& e) {
        if (clock_type::now() > give_up)
          throw std::runtime_error("the link from " + me + " to " + o_.relay + " closed (" + reason +
                                   ") and could not be opened again: " + e.what());
      }
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
    if (!sink) resend_unacknowledged();
    if (--down_links_ == 0 && away_since_) {
      away_seconds_ += std::chrono::duration<double>(clock_type::now() - *away_since_).count();
      away_since_.reset();
    }
    wake();
  }

  /// The cables sent and not acknowledged when the link went may not have reached the relay: they
  /// go again, under new channel serials, marked as suspected duplicates (ZFD), so that a relay
  /// that had them files them; the relay acknowledges in order, so they are the last ones sent.
  void resend_unacknowledged() {
    for (auto k = acked_; k < cables_.size(); ++k) {
      const auto& r = cables_[k];
      auto& e = r.sent_dual ? *dual_templates_[static_cast<std::size_t>(r.precedence)]
                            : *templates_[static_cast<std::size_t>(r.precedence)];
      number(e, k);
      auto* c = e.mutable_transmission()->mutable_cable();
      auto* pilot = c->add_pilots();
      pilot->set_signals(pilot_text(pilot_signal::zfd, {}));
      *pilot->mutable_routing_line() = c->routing_line();
      sender_->send(e);
      c->mutable_pilots()->RemoveLast();
      ++resent_;
    }
  }

  /// Put cable k's identity, and the channel's next serial, in its template.
  void number(Envelope& e, uint64_t k) {
    auto* t = e.mutable_transmission();
    last_serial_ = last_serial_ % serials + 1;
    t->set_channel_serial(last_serial_);
    auto* c = t->mutable_cable();
    c->mutable_transmission()->set_channel_serial(last_serial_);
    c->mutable_origin()->set_station_serial(static_cast<uint32_t>(k % serials + 1));
    c->mutable_origin()->set_serial_cycle(static_cast<uint32_t>(cycle_base_ + k / serials));
  }

  /// The relay's link from the sending post is up, and takes more now.
  bool sender_ready() const { return !away_since_ && sender_->open() && !sender_->backed_up(); }

  /// A frame at a sink, read as a ReceiptEnvelope: a copy whose text comes beside its cable (as
  /// a relay sends it) and is UTF-8 is counted and acknowledged here, from the few fields a sink
  /// uses. Anything else (another frame, one that is not a frame, a copy with its text in the
  /// cable, or in both places, or not UTF-8) is decoded in full as a station decodes it, refused
  /// if it is bad, and goes to on_frame.
  bool on_payload(link_session& s, std::string_view payload, const std::string& sink) {
    if (!receipt_.ParseFromArray(payload.data(), static_cast<int>(payload.size())) || !receipt_.has_transmission() ||
        !valid_text_beside(receipt_.transmission().cable().body(), receipt_.transmission().cable_body()))
      return false;
    const auto& t = receipt_.transmission();
    queued_peak_ = std::max(queued_peak_, static_cast<int64_t>(t.queued_peak()));
    const bool suspect = std::any_of(t.cable().pilots().begin(), t.cable().pilots().end(),
                                     [](const ReceiptPilot& p) { return p.signals() == "ZFD"; });
    received(t.cable().origin(), static_cast<Precedence>(t.precedence()), t.later_arrivals(), sink, suspect);
    Envelope ack;
    ack.mutable_ack()->set_channel_serial(t.channel_serial());
    s.send(ack);
    return true;
  }

  void on_frame(link_session& s, Envelope& e, const std::string& sink) {
    if (e.has_continuity() && !e.continuity().answer()) {
      Envelope zic;  // the relay checks the channel: the last serial this end sent on it
      zic.mutable_continuity()->set_answer(true);
      zic.mutable_continuity()->set_last_serial(sink.empty() ? last_serial_ : 0);
      s.send(zic);
    } else if (e.has_ack()) {
      // the relay acknowledges in the order it takes cables in charge, which is the order sent
      acked_ = std::min<uint64_t>(acked_ + 1, cables_.size());
    }
  }

  /// A copy arrived at a sink, at the precedence the relay sent it at; `later` cables had come to
  /// the relay after it when it began the transmission (the relay says so).
  void received(const ReceiptOrigin& o, Precedence precedence, uint64_t later, const std::string& sink, bool suspect) {
    const auto now = clock_type::now();
    const uint64_t k = (uint64_t{o.serial_cycle()} - cycle_base_) * serials + o.station_serial() - 1;
    // not one of this run's cables (one the relay still held from an earlier run): not counted
    if (o.station_ri() != o_.from || o.serial_cycle() < cycle_base_ || k >= cables_.size()) return;
    auto& r = cables_[k];
    if (!Precedence_IsValid(precedence)) precedence = r.precedence;  // a relay's frame says none: as sent
    const auto s = static_cast<std::size_t>(std::find(o_.to.begin(), o_.to.end(), sink) - o_.to.begin());
    const auto bit = static_cast<uint8_t>(1u << s);
    if (r.received & bit) {  // a copy sent again after a failure is filed; any other is a fault
      ++(suspect ? suspected_ : duplicated_);
      return;
    }
    r.received |= bit;
    ++received_;
    last_receipt_ = now;
    const double micros = std::chrono::duration<double, std::micro>(now - r.meant).count();
    if (!r.backlog) latency_[static_cast<std::size_t>(precedence)].push_back(micros);
    inversions_.received(k, s, precedence, later);
    if (r.received == all_sinks_) {
      --in_flight_;
      if (o_.rate <= 0 && !top_up()) wake();  // closed loop: room for another
    }
  }

  /// Closed loop, while the measured stream flows: send what the window has room for now, from
  /// the receipt that made the room. Through the main loop each batch of receipts cost the
  /// io_context another round of its queue to resume it, and each round is an epoll_wait, a
  /// system call. False when the main loop must see to it (the stream is over, or the link to
  /// the relay is backed up).
  bool top_up() {
    if (!streaming_ || stopping_) return false;
    const auto now = clock_type::now();
    while (in_flight_ < static_cast<int64_t>(bound_)) {
      if (stream_sent_ >= to_send_ || now >= stop_at_ || !sender_ready()) return false;
      send(draw(), false, now);
      ++stream_sent_;
    }
    return true;
  }

  void send(Precedence p, bool backlog, clock_type::time_point meant) {
    const uint64_t k = cables_.size();
    auto& dual_template = dual_templates_[static_cast<std::size_t>(p)];
    const bool dual = !backlog && dual_template.has_value() && dual_share_(rng_) < o_.dual;
    // the template itself goes, with this cable's serials: it is serialised at once, and no
    // copy of the cable is made per cable
    auto& e = dual ? *dual_template : *templates_[static_cast<std::size_t>(p)];
    number(e, k);
    if (!wire_bytes_) wire_bytes_ = e.ByteSizeLong() + frame_header_size;
    // under the State Department's practice a relay sends every copy at the cable's precedence
    cables_.push_back({meant, p, 0, backlog, dual && topo_.proto().practice() == ACP127, dual});
    duals_ += dual;
    could_be_dual_ += !backlog && dual_template.has_value();
    copies_.clear();
    for (std::size_t sink = 0; sink < o_.to.size(); ++sink) copies_.push_back(copy_precedence(cables_.back(), sink));
    inversions_.sent(copies_);
    ++in_flight_;
    sender_->send(e);
  }

  Precedence draw() { return static_cast<Precedence>(pick_(rng_)); }

  void wake() { timer_.cancel(); }

  awaitable<void> main() {
    all_sinks_ = static_cast<uint8_t>((1u << o_.to.size()) - 1);
    sender_ = co_await open_link(o_.from, false);
    for (const auto& to : o_.to) sinks_.push_back(co_await open_link(to, true));
    asio::co_spawn(io_, progress(), asio::detached);
    start_ = clock_type::now();
    for (std::size_t i = 0; i < o_.backlog && !stopping_; ++i) {
      // a backlog of a million is 4 GB: it goes as the link takes it, and the links stay alive
      while (!sender_ready() && !stopping_) {
        if (!away_since_) sender_->when_ready([this] { wake(); });
        timer_.expires_at(clock_type::time_point::max());
        co_await timer_.async_wait(as_tuple);
      }
      send(ROUTINE, true, clock_type::now());
    }
    // the measured stream starts once the relay has taken the whole backlog in charge: its first
    // cables then meet the backlog in the relay's queue, not behind it in the connection
    while (acked_ < o_.backlog && !stopping_) {
      timer_.expires_after(std::chrono::milliseconds(1));
      co_await timer_.async_wait(as_tuple);
    }
    const auto stream_start = clock_type::now();
    stop_at_ = stream_start + span(o_.count ? 1e9 : o_.duration);
    to_send_ = o_.count ? o_.count : UINT64_MAX;
    auto& sent = stream_sent_;
    const bool open_loop = o_.rate > 0;
    const auto interval = open_loop ? std::chrono::duration<double>(1.0 / o_.rate) : std::chrono::duration<double>(0);
    bound_ = o_.max_in_flight ? o_.max_in_flight : 64;
    streaming_ = !open_loop;  // receipts send the next cables (top_up)
    while (sent < to_send_ && clock_type::now() < stop_at_ && !stopping_) {
      // open loop: every cable whose time has come goes, however late; closed loop: now, if there
      // is room
      const auto meant = open_loop ? stream_start + std::chrono::duration_cast<clock_type::duration>(interval * sent)
                                   : clock_type::now();
      if (open_loop && meant > clock_type::now()) {
        timer_.expires_at(meant);
        co_await timer_.async_wait(as_tuple);
        continue;
      }
      // No room: the window is full (closed loop), or the connection to the relay is (either
      // loop: an open one behind its schedule still counts latency from `meant`; and the copies
      // coming back are read meanwhile, not starved by ever more queued to send). A receipt, or
      // the link taking what it holds, wakes it; nothing received for drain_seconds (the relay
      // holds or drops them) ends the run, what is in flight lost. The timer is set to when it
      // would give up, not woken every 100 ms: setting the earliest timer is a system call, once
      // a cable.
      const bool window_full = !open_loop && in_flight_ >= static_cast<int64_t>(bound_);
      if (window_full || !sender_ready()) {
        // (while the relay is away, the wait is the reconnection's, which gives up by itself)
        const auto give_up =
            away_since_ ? clock_type::time_point::max() : std::max(last_receipt_, start_) + span(o_.drain_seconds);
        if (clock_type::now() > give_up) break;
        if (!window_full && !away_since_) sender_->when_ready([this] { wake(); });
        timer_.expires_at(give_up);
        co_await timer_.async_wait(as_tuple);
        continue;
      }
      send(draw(), false, meant);
      ++sent;
      if (sent % 64 == 0) co_await asio::post(io_, asio::use_awaitable);  // let the links read
    }
    streaming_ = false;
    // drain: wait for every copy, or for the deadline
    auto deadline = clock_type::now() + span(o_.drain_seconds);
    while (in_flight_ > 0 && (clock_type::now() < deadline || away_since_) && !stopping_) {
      if (away_since_) deadline = clock_type::now() + span(o_.drain_seconds);  // the drain starts again when it is back
      timer_.expires_after(std::chrono::milliseconds(10));
      co_await timer_.async_wait(as_tuple);
    }
    // the last acknowledgments leave before the links close: the relay keeps nothing in its charge
    const auto all_written = [this] {
      return std::all_of(sinks_.begin(), sinks_.end(), [](const auto& s) { return !s->open() || s->flushed(); });
    };
    while (!all_written() && clock_type::now() < deadline + std::chrono::seconds(1) && !stopping_) {
      timer_.expires_after(std::chrono::milliseconds(1));
      co_await timer_.async_wait(as_tuple);
    }
    stopping_ = true;
  }

  awaitable<void> progress() {
    uint64_t last = 0;
    for (int second = 1; !stopping_; ++second) {
      ticker_.expires_after(std::chrono::seconds(1));
      co_await ticker_.async_wait(as_tuple);
      if (stopping_) break;
      if (o_.progress)
        o_.progress("load: " + std::to_string(second) + " s: sent " + std::to_string(cables_.size()) +
                    ", copies received " + std::to_string(received_) + " (" + std::to_string(received_ - last) +
                    "/s), in flight " + std::to_string(in_flight_) + ", duplicated " + std::to_string(duplicated_) +
                    (queued_peak_ < 0 ? "" : ", relay queue high-water " + std::to_string(queued_peak_)));
      last = received_;
    }
  }

  void stop_all() {
    stopping_ = true;
    timer_.cancel();
    ticker_.cancel();
    if (sender_) sender_->stop("load done");
    for (auto& s : sinks_) s->stop("load done");
  }

  LoadReport report() const {
    LoadReport r;
    r.set_relay(o_.relay);
    r.set_from(o_.from);
    for (const auto& t : o_.to) r.add_to(t);
    r.set_mode(o_.rate > 0 ? "open" : "closed");
    r.set_offered_per_second(o_.rate > 0 ? o_.rate : 0);
    const double seconds = std::chrono::duration<double>(last_receipt_ - start_).count();
    r.set_seconds(std::max(0.0, seconds));
    r.set_sent(static_cast<uint32_t>(cables_.size()));
    r.set_expected(static_cast<uint32_t>(cables_.size() * o_.to.size()));
    r.set_received(static_cast<uint32_t>(received_));
    r.set_lost(static_cast<uint32_t>(r.expected() - received_));
    r.set_duplicated(static_cast<uint32_t>(duplicated_));
    r.set_inversions(static_cast<double>(inversions_.total()));
    r.set_backlog(static_cast<uint32_t>(o_.backlog));
    if (could_be_dual_) r.set_dual_share(static_cast<double>(duals_) / static_cast<double>(could_be_dual_));
    r.set_outages(static_cast<uint32_t>(outages_));
    r.set_relay_away_seconds(away_seconds_);
    r.set_in_flight_at_outages(static_cast<uint32_t>(in_flight_at_outages_));
    r.set_resent(static_cast<uint32_t>(resent_));
    r.set_suspected_duplicates(static_cast<uint32_t>(suspected_));
    r.set_achieved_per_second(seconds > 0 ? static_cast<double>(received_) / seconds : 0);
    r.set_relay_queue_high_water(queued_peak_);
    r.set_cable_characters(static_cast<uint32_t>(characters_));
    r.set_wire_bytes_per_cable(static_cast<uint32_t>(wire_bytes_));
    for (int p = ROUTINE; p <= FLASH_OVERRIDE; ++p) {
      auto v = latency_[static_cast<std::size_t>(p)];
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      LatencyPercentiles l;
      l.set_count(static_cast<uint32_t>(v.size()));
      l.set_p50(nearest_rank(v, 0.5));
      l.set_p90(nearest_rank(v, 0.9));
      l.set_p99(nearest_rank(v, 0.99));
      l.set_p999(nearest_rank(v, 0.999));
      l.set_max(v.back());
      for (double q : {0.0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999, 1.0}) {
        if (q > 0.5 && 1 / (1 - std::min(q, 0.999999)) > static_cast<double>(v.size()) * 2) break;
        l.add_curve_percentile(100 * q);
        l.add_curve_us(nearest_rank(v, q));
      }
      (*r.mutable_latency_us())[precedence_word(static_cast<Precedence>(p))] = l;
    }
    return r;
  }

  const topology& topo_;
  const load_options& o_;
  asio::io_context io_;
  asio::steady_timer timer_, ticker_;
  std::array<std::optional<Envelope>, 6> templates_, dual_templates_;  // by precedence
  std::shared_ptr<link_session> sender_;
  std::vector<std::shared_ptr<link_session>> sinks_;
  std::vector<cable_record> cables_;
  uint64_t acked_ = 0;  // cables the relay has acknowledged (taken in charge)
  inversion_count inversions_;
  std::vector<Precedence> copies_;  // the precedence of each copy of the cable being sent
  std::array<std::vector<double>, 6> latency_;
  std::mt19937_64 rng_{127};
  std::discrete_distribution<int> pick_{o_.mix.begin(), o_.mix.end()};  // a precedence, by the mix
  std::uniform_real_distribution<double> dual_share_{0.0, 1.0};
  clock_type::time_point start_{}, last_receipt_{};
  uint64_t received_ = 0, duplicated_ = 0;
  ReceiptEnvelope receipt_;                 // the frame a sink reads, its room kept from frame to frame
  int64_t queued_peak_ = -1;                // the relay's queue high-water mark, as its copies say it (-1: none came)
  uint64_t duals_ = 0, could_be_dual_ = 0;  // cables sent at dual precedence, and that could have been
  uint64_t characters_ = 0, wire_bytes_ = 0;
  int64_t in_flight_ = 0;
  // the measured stream: cables sent, how many to send, until when, and the closed loop's bound
  uint64_t stream_sent_ = 0, to_send_ = 0;
  clock_type::time_point stop_at_{};
  std::size_t bound_ = 64;
  bool streaming_ = false;  // closed loop, the stream flowing: receipts send the next cables
  uint32_t last_serial_ = 0;
  // The serial cycle of the first cable: every run's message identities are new to the relay
  // (a relay drops a cable it has handled before as a duplicate), so runs against one relay
  // follow each other: 1,024 cycles (ten million cables, more than any run sends in a
  // millisecond) from each millisecond's, wrapping every 70 minutes.
  const uint32_t cycle_base_ = static_cast<uint32_t>(
      (std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
           .count() %
       (1 << 22)) *
      1024);
  uint8_t all_sinks_ = 1;
  // the relay away: since when (links down), how often and how long in all, what was in flight
  std::optional<clock_type::time_point> away_since_;
  int down_links_ = 0;
  uint64_t outages_ = 0, in_flight_at_outages_ = 0, resent_ = 0, suspected_ = 0;
  double away_seconds_ = 0;
  bool stopping_ = false;
  std::exception_ptr failure_;
};

}  // namespace

struct in_process_relay::parts {
  parts(const topology& t, const std::string& ri, std::function<void(const station_event&)> watch)
      : topo(on_loopback(t, ri)),
        clock(*parse_iso8601(topo.proto().epoch()), topo.proto().speedup()),
        logger(std::make_shared<spdlog::logger>(ri, std::make_shared<spdlog::sinks::stderr_color_sink_mt>())),
        relay(io, topo, ri, clock, logger, resolver(), observer(std::move(watch))) {}

  static topology on_loopback(const topology& topo, const std::string& ri) {
    auto proto = topo.proto();
    for (auto& s : *proto.mutable_stations())
      if (s.ri() == ri) {
        s.set_host("127.0.0.1");
        s.set_port(0);
      }
    return topology::from_proto(std::move(proto), topo.file_name());
  }
  endpoint_resolver resolver() const {
    return [this](const std::string& peer) -> std::optional<tcp::endpoint> {
      const auto* s = topo.station(peer);
      return tcp::endpoint(asio::ip::make_address(s->host()), static_cast<unsigned short>(s->port()));
    };
  }
  static event_observer observer(std::function<void(const station_event&)> watch) {
    if (!watch) return nullptr;
    return [watch = std::move(watch)](const std::string&, const station_event& a, sim_time) { watch(a); };
  }

  topology topo;
  asio::io_context io;
  sim_clock clock;
  std::shared_ptr<spdlog::logger> logger;
  station_runtime relay;
  tcp::endpoint endpoint;
  std::thread thread;
};

in_process_relay::in_process_relay(const topology& topo, const std::string& ri,
                                   std::function<void(const station_event&)> watch)
    : parts_(std::make_unique<parts>(topo, ri, std::move(watch))) {
  parts_->logger->set_level(spdlog::level::warn);
  parts_->logger->set_pattern("[%n] %^%l%$: %v");
  parts_->endpoint = parts_->relay.listen();
  parts_->relay.start();
  parts_->thread = std::thread([this] { parts_->io.run(); });
}

in_process_relay::~in_process_relay() {
  asio::post(parts_->io, [this] { parts_->relay.stop(); });
  parts_->io.stop();
  parts_->thread.join();
}

double in_process_relay::cpu_seconds() const {
  clockid_t clock;
  timespec ts{};
  if (pthread_getcpuclockid(parts_->thread.native_handle(), &clock) != 0 || clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

tcp::endpoint in_process_relay::endpoint() const { return {asio::ip::address_v4::loopback(), parts_->endpoint.port()}; }

void choose_endpoints(const topology& topo, load_options& o) {
  const auto* relay = topo.station(o.relay);
  if (!relay) throw config_error({topo.file_name() + ": error: no station " + o.relay + " in this topology"});
  if (relay->role() != RELAY) throw config_error({topo.file_name() + ": error: " + o.relay + " is not a relay"});
  std::vector<std::string> posts;
  for (const auto& n : topo.neighbours(o.relay))
    if (topo.station(n.ri)->role() == POST) posts.push_back(n.ri);
  auto take = [&](const std::string& except) {
    for (const auto& p : posts)
      if (p != except && std::find(o.to.begin(), o.to.end(), p) == o.to.end() && p != o.from) return p;
    return std::string();
  };
  if (o.from.empty()) o.from = take("");
  while (o.to.size() < std::max<std::size_t>(1, o.fan_out)) {
    const auto next = take(o.from);
    if (next.empty()) break;
    o.to.push_back(next);
  }
  std::vector<std::string> problems;
  if (o.from.empty() || o.to.size() < std::max<std::size_t>(1, o.fan_out))
    problems.push_back(topo.file_name() + ": error: " + o.relay + " has too few posts linked to it for a sender and " +
                       std::to_string(std::max<std::size_t>(1, o.fan_out)) + " sink(s)");
  if (o.to.size() > 8) problems.push_back("load: at most 8 sinks (--fan-out)");
  for (const auto& who : [&] {
         auto all = o.to;
         all.push_back(o.from);
         return all;
       }())
    if (!who.empty() && !topo.link_between(who, o.relay))
      problems.push_back(topo.file_name() + ": error: " + who + " has no link to " + o.relay);
  if (!problems.empty()) throw config_error(problems);
}

LoadReport run_load(const topology& topo, const load_options& options) { return load_run(topo, options).run(); }

}  // namespace cablesim::net
