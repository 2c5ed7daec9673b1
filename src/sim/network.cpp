#include "cablesim/sim/network.hpp"

#include <asio/experimental/as_tuple.hpp>

#include <sys/resource.h>

#include <map>
#include <stdexcept>

#include "cablesim/net/connection.hpp"
#include "cablesim/net/frame.hpp"

namespace cablesim::sim {

using asio::ip::tcp;
constexpr auto as_tuple = asio::experimental::as_tuple(asio::use_awaitable);

/// One station: its executor, in an environment made of the engine and the network.
struct network::node final : net::station_environment {
  struct line {
    uint64_t handle = 0;
    uint64_t ticket = 0;  // a hold is current while its ticket is
  };
  network& net;
  std::size_t index;
  std::string ri;
  bool running = true;
  uint64_t sequence = 0;  // events this station has caused
  std::map<std::string, line> lines;
  journal_image journal;  // kept in memory, with restart_from_journal
  std::unique_ptr<net::station_executor> exec;

  node(network& n, std::size_t i, const std::string& r) : net(n), index(i), ri(r) { start(); }

  /// A station starting: new, or again after a stop, from its journal.
  void start() {
    exec = std::make_unique<net::station_executor>(net.topo_, ri, *this, net.options_.observe);
    if (net.options_.inbox) exec->use_inbox(*net.options_.inbox);
    if (net.options_.restart_from_journal) exec->use_journal(journal);
  }
  /// A station stopping with nothing but its journal: what it had on its lines and its alarms
  /// go with it.
  void crash() {
    for (auto& [name, l] : lines) {
      net.engine_.cancel(l.handle);
      ++l.ticket;
    }
    exec.reset();
  }

  event_key key_for(std::size_t target) {
    return {static_cast<uint32_t>(target + 1), static_cast<uint32_t>(index + 1), ++sequence};
  }
  sim_time now() const override { return net.engine_.now(); }
  void hold_line(const std::string& channel, sim_duration line_time, std::function<void()> done) override {
    auto& l = lines[channel];
    const auto ticket = ++l.ticket;
    l.handle = net.engine_.schedule(now() + line_time, key_for(index), [this, channel, ticket, done = std::move(done)] {
      if (lines[channel].ticket == ticket) done();
    });
  }
  void release_line(const std::string& channel) override {
    auto& l = lines[channel];
    ++l.ticket;
    net.engine_.cancel(l.handle);
  }
  void set_alarm(const std::string& name, sim_duration after, std::function<void()> fn) override {
    auto& l = lines["alarm " + name];
    net.engine_.cancel(l.handle);
    l.handle = net.engine_.schedule(now() + after, key_for(index), std::move(fn), true);
  }
  void send(const std::string& channel, const Envelope& frame) override { net.send(*this, channel, frame); }
};

struct network::link_state {
  std::size_t a = 0, b = 0;  // station indexes
  sim_duration delay{0};
  bool up = true;                        // not taken down by the scenario
  bool channel_up = false;               // up, and both stations running
  uint32_t epoch = 0;                    // times it went down: frames sent before are lost
  int lose_from_a = 0, lose_from_b = 0;  // transmissions still to lose on the line, each way
};

/// Real TCP connections on loopback, one per link, authenticated like any link.
class network::tcp_links {
 public:
  explicit tcp_links(network& net) : net_(net) {
    // a listener per station and two sockets per link: allow as many open files as the system does
    if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      setrlimit(RLIMIT_NOFILE, &limit);
    }
    const auto n = net.nodes_.size();
    for (std::size_t i = 0; i < n; ++i) {
      auto& acceptor = acceptors_.emplace_back(net.io_);
      const tcp::endpoint any(asio::ip::address_v4::loopback(), 0);
      acceptor.open(any.protocol());
      acceptor.bind(any);
      acceptor.listen();
    }
    std::size_t links = 0;
    for (int i = 0; i < static_cast<int>(net.links_.size()); ++i) {
      const auto& l = net.links_[static_cast<std::size_t>(i)];
      const auto& dialer_ri = net.topo_.proto().links(i).dialer();
      const bool a_dials = dialer_ri.empty() || dialer_ri == net.nodes_[l.a]->ri;
      const auto from = a_dials ? l.a : l.b, to = a_dials ? l.b : l.a;
      auto failed = [this](std::exception_ptr e) {
        if (e) fail("internal error while connecting");
      };
      asio::co_spawn(net.io_, dial(from, to), failed);
      asio::co_spawn(net.io_, accept(to), failed);
      ++links;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (sessions_.size() < 2 * links && !failure_ && std::chrono::steady_clock::now() < deadline)
      net.io_.run_one_until(deadline);
    if (failure_) throw std::runtime_error("cannot connect the stations on loopback: " + *failure_);
    if (sessions_.size() < 2 * links) throw std::runtime_error("cannot connect the stations on loopback: timed out");
    for (auto& a : acceptors_) a.close();
  }
  ~tcp_links() {
    closing_ = true;
    for (auto& [k, s] : sessions_) s->stop("the run is over");
    net_.io_.poll();
  }

  void send(std::size_t from, std::size_t to, const Envelope& frame) { sessions_.at({from, to})->send(frame); }

 private:
  asio::awaitable<void> dial(std::size_t from, std::size_t to) {
    tcp::socket socket(net_.io_);
    auto [ec] = co_await socket.async_connect(acceptors_[to].local_endpoint(), as_tuple);
    const auto& me = net_.nodes_[from]->ri;
    const auto& peer = net_.nodes_[to]->ri;
    if (!ec && !net_.topo_.link_authenticates(me, peer)) ec = make_error_code(net::frame_error::keyless);
    if (!ec) ec = co_await net::dial_handshake(socket, me, peer, net_.topo_.link_key(me, peer));
    if (ec) co_return fail(me + " -> " + peer + ": " + ec.message());
    attach(std::move(socket), from, to);
  }
  asio::awaitable<void> accept(std::size_t at) {
    auto [ec, socket] = co_await acceptors_[at].async_accept(as_tuple);
    if (ec) co_return fail("accepting at " + net_.nodes_[at]->ri + ": " + ec.message());
    Envelope hello;
    if (auto e = co_await net::read_frame(socket, hello)) co_return fail(e.message());
    const auto& me = net_.nodes_[at]->ri;
    const auto& peer = hello.hello().station_ri();
    const auto* from = net_.index_of(peer);
    if (hello.kind_case() != Envelope::kHello || !from) co_return fail("a stranger called " + me);
    if (auto e = co_await net::accept_handshake(socket, me, hello.hello(), net_.topo_.link_key(me, peer)))
      co_return fail(peer + " -> " + me + ": " + e.message());
    attach(std::move(socket), at, *from);
  }
  void fail(std::string why) { failure_ = std::move(why); }

  void attach(tcp::socket socket, std::size_t me, std::size_t peer) {
    std::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<net::link_session>(
        std::move(socket), net_.nodes_[peer]->ri, std::chrono::nanoseconds{0},
        [this, me, peer](net::link_session&, Envelope& e) {
          net_.engine_.frame_arrived();
          const auto t = e.timing();
          e.clear_timing();
          net_.engine_.schedule(net_.engine_.epoch() + sim_duration{t.arrive_ms()},
                                {static_cast<uint32_t>(me + 1), static_cast<uint32_t>(peer + 1), t.sequence()},
                                [this, me, peer, e = std::move(e), epoch = t.link_epoch()]() mutable {
                                  net_.arrive(me, peer, std::move(e), epoch);
                                });
        },
        [this](net::link_session& s, const std::string& reason) {
          if (closing_) return;
          // a frame may be lost with it, and virtual time would wait for it forever
          asio::post(net_.io_, [why = "the loopback connection to " + s.peer() + " closed: " + reason] {
            throw std::runtime_error(why);
          });
        });
    sessions_[{me, peer}] = session;
    session->start();
  }

  network& net_;
  std::vector<tcp::acceptor> acceptors_;
  std::map<std::pair<std::size_t, std::size_t>, std::shared_ptr<net::link_session>> sessions_;
  std::optional<std::string> failure_;
  bool closing_ = false;
};

network::network(const topology& topo, sim_time epoch, network_options options)
    : topo_(topo), options_(std::move(options)), engine_(io_, epoch, options_.speedup) {
  const auto& stations = topo.proto().stations();
  for (int i = 0; i < stations.size(); ++i) {
    nodes_.push_back(std::make_unique<node>(*this, static_cast<std::size_t>(i), stations.Get(i).ri()));
    index_.emplace(stations.Get(i).ri(), static_cast<std::size_t>(i));
  }
  for (const auto& l : topo.proto().links()) {
    link_state s;
    s.a = index_.at(l.a());
    s.b = index_.at(l.b());
    s.delay = sim_duration{l.delay_ms()};
    links_.push_back(s);
  }
  if (options_.transport == transport_kind::tcp) {
    std::vector<std::string> keyless;
    for (const auto& l : topo.proto().links())
      if (!topo.link_authenticates(l.a(), l.b()))
        keyless.push_back(topo.file_name() + ": error: link " + l.a() + "-" + l.b() + ": " +
                          net::make_error_code(net::frame_error::keyless).message());
    if (!keyless.empty()) throw config_error(keyless);
    tcp_ = std::make_unique<tcp_links>(*this);
  }
  for (int i = 0; i < static_cast<int>(links_.size()); ++i) update_channel(i);
}

network::~network() = default;

sim_time network::now() const { return engine_.now(); }
engine& network::clock() { return engine_; }

const std::size_t* network::index_of(const std::string& ri) const {
  const auto it = index_.find(ri);
  return it == index_.end() ? nullptr : &it->second;
}

network::node& network::station_at(const std::string& ri) {
  const auto* i = index_of(ri);
  if (!i) throw std::out_of_range("no station " + ri);
  return *nodes_[*i];
}

station& network::core(const std::string& ri) {
  auto& n = station_at(ri);
  if (!n.exec) throw std::logic_error("station " + ri + " is stopped");
  return n.exec->core();
}

filing_outcome network::file(const std::string& ri, Cable cable) {
  auto& n = station_at(ri);
  if (!n.running) {
    filing_outcome stopped;
    stopped.code = errc::station_stopped;
    stopped.error = "station " + ri + " is stopped";
    return stopped;
  }
  return n.exec->file(std::move(cable));
}

void network::at(sim_time when, const std::string& ri, std::function<void()> what) {
  engine_.schedule(when, {static_cast<uint32_t>(station_at(ri).index + 1), 0, ++scenario_sequence_}, std::move(what));
}

void network::set_link(const std::string& a, const std::string& b, bool up) {
  const int i = topo_.link_index(a, b);
  if (i < 0) throw std::out_of_range("no link " + a + "-" + b);
  links_[static_cast<std::size_t>(i)].up = up;
  update_channel(i);
}

void network::set_station(const std::string& ri, bool running) {
  auto& n = station_at(ri);
  if (n.running == running) return;
  if (running && !n.exec) n.start();
  n.running = running;
  for (const auto& nb : topo_.neighbours(ri)) update_channel(nb.link);
  if (!running && options_.restart_from_journal) n.crash();
}

void network::update_channel(int i) {
  auto& l = links_[static_cast<std::size_t>(i)];
  const bool up = l.up && nodes_[l.a]->running && nodes_[l.b]->running;
  if (up == l.channel_up) return;
  l.channel_up = up;
  auto& a = *nodes_[l.a];
  auto& b = *nodes_[l.b];
  if (up) {
    a.exec->channel_up(b.ri);
    b.exec->channel_up(a.ri);
    return;
  }
  ++l.epoch;  // what is on the line is lost with it
  a.release_line(b.ri);
  b.release_line(a.ri);
  a.exec->channel_down(b.ri);
  b.exec->channel_down(a.ri);
}

void network::send(node& from, const std::string& to, const Envelope& frame) {
  const int i = topo_.link_index(from.ri, to);
  if (i < 0) return;
  auto& l = links_[static_cast<std::size_t>(i)];
  if (!l.channel_up) return;  // the core station hears of the channel going down
  const auto target = l.a == from.index ? l.b : l.a;
  const auto arrive_at = engine_.now() + l.delay;
  const auto key = from.key_for(target);
  if (auto& lose = l.a == from.index ? l.lose_from_a : l.lose_from_b; lose > 0 && frame.has_transmission()) {
    --lose;  // a line hit: the frame never arrives
    return;
  }
  if (!tcp_) {
    engine_.schedule(arrive_at, key, [this, target, sender = from.index, frame = frame, epoch = l.epoch]() mutable {
      // the executor sent it in its wire form: its body back in the cable, unchecked (a station's own)
      if (frame.has_transmission()) net::swap_cable_body(*frame.mutable_transmission());
      arrive(target, sender, std::move(frame), epoch);
    });
    return;
  }
  Envelope timed = frame;
  auto* timing = timed.mutable_timing();
  timing->set_arrive_ms(std::chrono::duration_cast<sim_duration>(arrive_at - engine_.epoch()).count());
  timing->set_sequence(key.sequence);
  timing->set_link_epoch(l.epoch);
  engine_.frame_sent();
  tcp_->send(from.index, target, timed);
}

void network::arrive(std::size_t to, std::size_t from, Envelope frame, uint32_t link_epoch) {
  const auto& sender = nodes_[from]->ri;
  auto& receiver = *nodes_[to];
  const auto& l = links_[static_cast<std::size_t>(topo_.link_index(receiver.ri, sender))];
  if (l.epoch != link_epoch || !l.channel_up) return;  // lost when the link went down
  if (!receiver.exec->on_frame(sender, std::move(frame))) throw std::logic_error("a station sent an unexpected frame");
}

bool network::run(sim_time until, const std::function<bool()>& done) {
  // a station's background checks (continuity) go on while some transmission on a channel that
  // is up waits for its acknowledgment: only a check can find it lost
  return engine_.run(until, done, [this] {
    return std::any_of(nodes_.begin(), nodes_.end(),
                       [](const auto& n) { return n->exec && n->exec->core().awaiting_acknowledgment(); });
  });
}

void network::lose_next_transmission(const std::string& from, const std::string& to) {
  const int i = topo_.link_index(from, to);
  if (i < 0) return;
  auto& l = links_[static_cast<std::size_t>(i)];
  ++(topo_.proto().links(i).a() == from ? l.lose_from_a : l.lose_from_b);
}

bool network::idle() const {
  for (const auto& n : nodes_)
    if (n->exec ? !n->exec->core().idle() : n->journal.holds_copies()) return false;
  return true;
}

}  // namespace cablesim::sim
