// cablesim load: drive a relay (running elsewhere, or in this process) and report.

#include <google/protobuf/util/json_util.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <asio.hpp>

#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cablesim/core/precedence.hpp"
#include "cablesim/net/hosts.hpp"
#include "cablesim/net/load.hpp"
#include "cablesim/net/station_runtime.hpp"
#include "cablesim/report/load.hpp"
#include "commands.hpp"

namespace cablesim::cli {
namespace {

using asio::ip::tcp;

/// "FLASH=1,IMMEDIATE=4,..." -> weights by Precedence value; an error message otherwise.
std::string parse_mix(const std::string& text, std::array<double, 6>& mix) {
  mix.fill(0);
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    const auto eq = part.find('=');
    const auto p = precedence_from_word(part.substr(0, eq));
    if (eq == std::string::npos || !p) return "--mix: expected PRECEDENCE=WEIGHT,..., got '" + part + "'";
    try {
      mix[static_cast<std::size_t>(*p)] = std::stod(part.substr(eq + 1));
    } catch (const std::exception&) {
      return "--mix: '" + part.substr(eq + 1) + "' is not a number";
    }
  }
  return "";
}

/// The relay in this process, on its own thread, listening on any free loopback port.
class in_process_relay {
 public:
  in_process_relay(const topology& topo, const std::string& ri)
      : topo_(on_loopback(topo, ri)),
        clock_(*parse_iso8601(topo_.proto().epoch()), topo_.proto().speedup()),
        logger_(std::make_shared<spdlog::logger>(ri, std::make_shared<spdlog::sinks::stderr_color_sink_mt>())),
        relay_(io_, topo_, ri, clock_, logger_, resolver(), observer()) {
    logger_->set_level(spdlog::level::warn);
    logger_->set_pattern("[%n] %^%l%$: %v");
    endpoint_ = relay_.listen();
    relay_.start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~in_process_relay() {
    asio::post(io_, [this] { relay_.stop(); });
    io_.stop();
    thread_.join();
  }
  tcp::endpoint endpoint() const { return {asio::ip::address_v4::loopback(), endpoint_.port()}; }
  int64_t queued() const { return queued_.load(); }

 private:
  static topology on_loopback(const topology& topo, const std::string& ri) {
    auto proto = topo.proto();
    for (auto& s : *proto.mutable_stations())
      if (s.ri() == ri) {
        s.set_host("127.0.0.1");
        s.set_port(0);
      }
    return topology::from_proto(std::move(proto), topo.file_name());
  }
  net::endpoint_resolver resolver() const {
    return [this](const std::string& peer) -> std::optional<tcp::endpoint> {
      const auto* s = topo_.station(peer);
      return tcp::endpoint(asio::ip::make_address(s->host()), static_cast<unsigned short>(s->port()));
    };
  }
  net::action_observer observer() {
    return [this](const std::string&, const station_action& a, sim_time) {
      if (const auto* q = std::get_if<queue_changed>(&a)) {
        auto& depth = depth_[q->channel];
        queued_ += static_cast<int64_t>(q->total()) - depth;
        depth = q->total();
      }
    };
  }

  topology topo_;
  asio::io_context io_;
  net::sim_clock clock_;
  std::shared_ptr<spdlog::logger> logger_;
  std::map<std::string, int64_t> depth_;  // the relay's thread only
  std::atomic<int64_t> queued_{0};
  net::station_runtime relay_;
  tcp::endpoint endpoint_;
  std::thread thread_;
};

}  // namespace

int run_load_command(const load_arguments& a) {
  auto topo = load_topology(a.topology);
  net::load_options o;
  o.relay = a.relay;
  o.from = a.from;
  if (!a.to.empty()) o.to.push_back(a.to);
  o.fan_out = a.fan_out;
  o.rate = a.rate;
  o.max_in_flight = a.max_in_flight;
  o.count = a.count;
  o.duration = a.duration;
  o.size = a.size;
  o.backlog = a.backlog;
  o.drain_seconds = a.drain;
  o.port_dir = a.port_dir;
  if (const auto why = parse_mix(a.mix, o.mix); !why.empty()) {
    std::cerr << "cablesim load: " << why << "\n";
    return exit_usage;
  }
  net::choose_endpoints(topo, o);
  std::vector<std::string> named{o.relay, o.from};
  named.insert(named.end(), o.to.begin(), o.to.end());
  topo = net::resolve_host_names(topo, named);
  o.progress = [](const std::string& line) { std::cerr << line << "\n"; };

  std::optional<in_process_relay> relay;
  if (a.in_process) {
    relay.emplace(topo, o.relay);
    o.relay_endpoint = relay->endpoint();
    o.relay_queue = [&relay] { return relay->queued(); };
  }
  const auto report = net::run_load(topo, o);
  relay.reset();

  if (a.json) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    (void)google::protobuf::util::MessageToJsonString(report, &json, options);
    std::cout << json << "\n";
  } else {
    std::cout << report::summarize_load(report);
  }
  if (!a.html.empty()) {
    std::ofstream out(a.html, std::ios::binary);
    out << report::render_load_html(report);
    if (!out) {
      std::cerr << a.html << ": error: cannot write the page\n";
      return exit_environment;
    }
  }
  return report.lost() || report.duplicated() ? exit_not_complete : exit_ok;
}

}  // namespace cablesim::cli
