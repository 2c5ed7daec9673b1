#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

#include <csignal>
#include <fstream>
#include <iostream>

#include "cablesim/net/frame.hpp"
#include "cablesim/net/hosts.hpp"
#include "cablesim/net/metrics.hpp"
#include "cablesim/net/station_runtime.hpp"
#include "cablesim/report/html.hpp"
#include "cablesim/report/summary.hpp"
#include "cablesim/report/trace.hpp"
#include "cablesim/sim/corpus.hpp"
#include "cablesim/sim/runner.hpp"
#include "cablesim/store/files.hpp"
#include "commands.hpp"

namespace cablesim::cli {
namespace {

using asio::ip::tcp;

bool write_report(const Report& report, const std::string& path) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(report, &json, options);
  std::ofstream out(path, std::ios::binary);
  out << json;
  if (!out) {
    std::cerr << path << ": error: cannot write the report\n";
    return false;
  }
  return true;
}

bool write_html(const Report& report, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  out << report::render_html(report);
  if (!out) {
    std::cerr << path << ": error: cannot write the HTML report\n";
    return false;
  }
  return true;
}

/// Events a report keeps for the replay page: enough for every lesson and the corpus replay.
constexpr std::size_t replay_events = 60000;

/// How long `send` waits for a post to connect and answer.
constexpr auto send_deadline = std::chrono::seconds(10);

}  // namespace

int run_scenario(const run_arguments& a) {
  auto topo = load_topology(a.topology);
  if (!a.practice.empty()) {
    auto proto = topo.proto();
    proto.set_practice(a.practice == "ACP127" ? ACP127 : STATE);
    topo = topology::from_proto(std::move(proto), a.topology);
  }
  std::optional<sim::scenario_file> scenario;
  if (!a.scenario.empty()) scenario = sim::load_scenario(a.scenario, topo);
  sim::run_options options;
  if (!a.speedup.empty()) options.speedup = a.speedup == "max" ? 0 : *parse_number(a.speedup);  // checked by the parser
  options.transport = a.transport == "memory" ? sim::transport_kind::memory : sim::transport_kind::tcp;
  if (!a.inbox.empty()) options.inbox = a.inbox;
  options.trace_debug = a.log_level == "debug" || a.log_level == "trace";
  for (const auto& w : a.watch) {
    const auto dash = w.find('-');
    const std::string from = w.substr(0, dash), to = w.substr(dash + 1);
    if (!topo.link_between(from, to)) {
      std::cerr << "cablesim run: --watch " << w << ": no link between '" << from << "' and '" << to << "' in "
                << a.topology << "\n";
      return exit_bad_input;
    }
    options.watch.emplace_back(from, to);
  }
  if (a.trace) options.trace = [](const std::string& line) { std::cout << line << "\n" << std::flush; };
  if (!a.html.empty() || !a.report.empty()) options.replay_limit = replay_events;
  options.progress = [](const std::string& line) { std::cerr << "progress: " << line << "\n"; };
  if (!scenario) std::cout << "no scenario given: the network comes up, has nothing to do, and stops\n";
  if (scenario && scenario->proto.filings_size() == 0 && scenario->proto.streams_size() == 0)
    std::cerr << a.scenario << ": note: the scenario files no cable (it has no filings and no streams)\n";
  const auto report = sim::run(topo, scenario, options);
  if (a.trace) std::cout << "\n";
  std::cout << report::summarize(report);
  if (!a.report.empty() && !write_report(report, a.report)) return exit_environment;
  if (!a.html.empty() && !write_html(report, a.html)) return exit_environment;
  return report.completed() ? exit_ok : exit_not_complete;
}

int render_report(const std::string& json_file, const std::string& html) {
  Report report;
  if (!read_json(json_file, report)) return exit_bad_input;
  return write_html(report, html) ? exit_ok : exit_environment;
}

int corpus_command(const std::string& what, const std::string& dir, double max_gap) {
  if (!std::filesystem::is_directory(dir)) {
    std::cerr << dir << ": error: not a folder of cables\n";
    return exit_bad_input;
  }
  std::size_t skipped = 0;
  const auto cables = sim::read_corpus(dir, &skipped);
  std::cerr << "corpus: " << cables.size() << " cables with a heading, " << skipped << " without (skipped)\n";
  std::string text;
  if (what == "topology") {
    text =
        "# proto-file: proto/cablesim/topology.proto\n# proto-message: cablesim.Topology\n#\n# Derived by `cablesim "
        "corpus "
        "topology " +
        dir + "`.\n\n";
    std::string body;
    google::protobuf::TextFormat::PrintToString(sim::corpus_topology(cables), &body);
    text += body;
  } else {
    text =
        "# proto-file: proto/cablesim/scenario.proto\n# proto-message: cablesim.Scenario\n#\n# Derived by `cablesim "
        "corpus "
        "scenario " +
        dir + "`; run it on the topology `cablesim corpus topology` derives from the same folder.\n\n";
    std::string body;
    google::protobuf::TextFormat::PrintToString(sim::corpus_scenario(cables, max_gap), &body);
    text += body;
  }
  std::cout << text;
  return exit_ok;
}

int run_node(const node_arguments& a) {
  const auto& file = a.topology;
  const auto& ri = a.station;
  auto topo = load_topology(file);
  if (!topo.station(ri)) {
    std::cerr << file << ": error: no station " << ri << " in this topology\n";
    return exit_bad_input;
  }
  std::vector<std::string> problems;
  const auto fixed = [&](const std::string& who) {
    if (topo.station(who)->port() == 0 && a.port_dir.empty())
      problems.push_back(file + ": error: station " + who +
                         " has port 0; to run stations as separate nodes, give every station a fixed port "
                         "(or let them find each other with --port-dir)");
  };
  fixed(ri);
  for (const auto& n : topo.neighbours(ri)) {
    fixed(n.ri);
    if (!topo.link_authenticates(ri, n.ri))
      problems.push_back(file + ": error: link " + ri + "-" + n.ri + ": " +
                         net::make_error_code(net::frame_error::keyless).message());
  }
  if (!problems.empty()) throw config_error(problems);
  // host names are resolved now, once: one that does not resolve stops the node here
  std::vector<std::string> named{ri};
  for (const auto& n : topo.neighbours(ri)) named.push_back(n.ri);
  topo = net::resolve_host_names(topo, named);
  const std::filesystem::path port_dir = a.port_dir;

  asio::io_context io(1);
  net::sim_clock clock(*parse_iso8601(topo.proto().epoch()), a.speedup > 0 ? a.speedup : topo.proto().speedup());
  auto logger = std::make_shared<spdlog::logger>(ri, std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_level(spdlog::level::from_str(a.log_level));
  logger->set_pattern("[%n] %^%l%$: %v");
  auto resolve = [&topo, &port_dir](const std::string& peer) -> std::optional<tcp::endpoint> {
    const auto* s = topo.station(peer);
    std::error_code ec;
    const auto address = asio::ip::make_address(s->host(), ec);
    if (ec) return std::nullopt;
    const auto port = net::listening_port(topo, peer, port_dir);
    if (!port) return std::nullopt;  // not started yet, or not saying: the dial loop tries again
    return tcp::endpoint(address, *port);
  };
  std::unique_ptr<net::station_metrics> metrics;
  if (!a.metrics.empty()) {
    metrics = std::make_unique<net::station_metrics>(ri, a.metrics);
    logger->info("metrics at http://{}:{}/metrics", a.metrics.substr(0, a.metrics.rfind(':')), metrics->port());
    if (!port_dir.empty())
      store::write_file_atomically(port_dir / (ri + ".metrics"), std::to_string(metrics->port()) + "\n");
  }
  auto log_action = [&logger, &clock, &metrics](const std::string& st, const station_event& a, sim_time at) {
    if (metrics) metrics->observe(a);
    // (detail lines are logged at debug; a logger above info tells only warnings)
    const auto least = logger->should_log(spdlog::level::debug)  ? report::trace_level::debug
                       : logger->should_log(spdlog::level::info) ? report::trace_level::info
                                                                 : report::trace_level::warn;
    const auto line = report::narrate(st, a, least);
    if (!line) return;
    // a node logs each transmission's start, end and acknowledgment at debug (trace_level::detail)
    const auto level = line->level == report::trace_level::info   ? spdlog::level::info
                       : line->level == report::trace_level::warn ? spdlog::level::warn
                                                                  : spdlog::level::debug;
    logger->log(level, "{} {}", clock_label(at), line->text);
  };
  net::station_runtime station(io, topo, ri, clock, logger, resolve, log_action);
  // what goes well is told at info and below, and counted by the metrics; else it is left out
  station.tell_routine(metrics || logger->should_log(spdlog::level::info));
  auto millis = [](double seconds) { return std::chrono::milliseconds(std::llround(seconds * 1000)); };
  station.set_limits({millis(a.handshake_timeout), millis(a.keepalive), a.max_handshakes});
  if (!a.inbox.empty()) station.use_inbox(a.inbox);
  if (!a.journal.empty()) station.use_journal(a.journal);
  // a journal past a file-size limit fails as a full disk does, with an error, not a signal
  std::signal(SIGXFSZ, SIG_IGN);
  // SIGTERM and SIGINT are ours before anyone can learn where the station listens
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](std::error_code ec, int) {
    if (ec) return;  // (cancelled: the station stopped on its own)
    logger->info("stopping");
    station.stop();
  });
  station.on_failure([&signals] {
    std::error_code ignored;
    signals.cancel(ignored);
  });
  const auto ep = station.listen();
  if (!port_dir.empty()) store::write_file_atomically(port_dir / (ri + ".port"), std::to_string(ep.port()) + "\n");
  station.start();
  logger->info("station {} ({}) listening on {}:{}", ri, topo.station(ri)->role() == RELAY ? "relay" : "post",
               ep.address().to_string(), ep.port());
  io.run();
  if (station.commits())
    logger->info("journal: {} commits held {} entries ({:.1f} a commit)", station.commits(),
                 station.committed_entries(),
                 static_cast<double>(station.committed_entries()) / static_cast<double>(station.commits()));
  if (station.failure()) {
    std::cerr << "cablesim node: error: " << *station.failure() << "\n";
    return exit_environment;
  }
  return exit_ok;
}

namespace {

/// The filing key's secret, from the topology or from a key file (its first line).
std::optional<std::string> filing_secret(const send_arguments& a) {
  if (!a.topology.empty()) {
    const auto topo = load_topology(a.topology);
    auto secret = topo.filing_key(a.as);
    if (secret.empty()) {
      std::cerr << "cablesim send: error: " << a.topology << " gives " << a.as
                << " no filing key (filing_key of a post): it takes no filings\n";
      return std::nullopt;
    }
    return secret;
  }
  auto text = read_file(a.key_file);
  if (!text) return std::nullopt;
  auto secret = text->substr(0, text->find('\n'));
  if (secret.empty()) {
    std::cerr << "cablesim send: error: " << a.key_file << " is empty\n";
    return std::nullopt;
  }
  return secret;
}

}  // namespace

int send_cable(const send_arguments& a) {
  const auto colon = a.host_port.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "cablesim send: error: expected HOST:PORT, got '" << a.host_port << "'\n";
    return exit_usage;
  }
  const auto text = read_file(a.file);
  if (!text) return exit_bad_input;
  const auto secret = filing_secret(a);
  if (!secret) return exit_bad_input;
  asio::io_context io;
  tcp::socket socket(io);
  Envelope filing;
  filing.mutable_filing()->set_cable_text(*text);
  filing.mutable_filing()->set_file_name(a.file);
  if (filing.ByteSizeLong() > net::max_frame_size) {  // the post would close the connection on it unread
    std::cerr << a.file << ": error: " << text->size()
              << " bytes of cable text: a filing goes in one frame, of at most " << net::max_frame_size << " bytes\n";
    return exit_bad_input;
  }
  Envelope reply;
  std::optional<std::string> failure;  // set when it is over, empty when it went well
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        constexpr auto as_tuple = asio::experimental::as_tuple(asio::use_awaitable);
        tcp::resolver resolver(io);
        auto [ec, endpoints] =
            co_await resolver.async_resolve(a.host_port.substr(0, colon), a.host_port.substr(colon + 1), as_tuple);
        if (!ec) std::tie(ec, std::ignore) = co_await asio::async_connect(socket, endpoints, as_tuple);
        if (ec) {
          failure = "cannot connect to " + a.host_port + ": " + ec.message();
          co_return;
        }
        std::string refusal;
        if ((ec = co_await net::dial_handshake(socket, {}, a.as, *secret, true, &refusal))) {
          failure =
              a.as + " at " + a.host_port + " refused the filing client: " + (refusal.empty() ? ec.message() : refusal);
          co_return;
        }
        if (!(ec = co_await net::write_frame(socket, filing)) && !(ec = co_await net::read_frame(socket, reply)) &&
            reply.kind_case() != Envelope::kFilingResult)
          ec = make_error_code(net::frame_error::garbage);
        failure = ec ? "no answer from " + a.host_port + ": " + ec.message() : "";
      },
      [&](std::exception_ptr e) {
        if (e) failure = "internal error";
      });
  io.run_for(send_deadline);
  if (!failure)
    failure = "no answer from " + a.host_port + " within " + std::to_string(send_deadline.count()) +
              " s: the cable may or may not have been filed";
  if (!failure->empty()) {
    std::cerr << "cablesim send: error: " << *failure << "\n";
    return exit_bad_input;
  }
  const auto& r = reply.filing_result();
  if (!r.ok()) {
    std::cerr << r.error() << "\n";
    return exit_bad_input;
  }
  std::cout << "filed " << r.message_id() << " at " << a.as << ": taken in charge\n";
  if (r.refused_size() == 0) return exit_ok;
  std::cerr << "but " << a.as << " refused it at once for " << r.refused_size() << " addressee"
            << (r.refused_size() == 1 ? "" : "s") << ":\n";
  for (const auto& line : r.refused()) std::cerr << "  " << line << "\n";
  return exit_bad_input;
}

}  // namespace cablesim::cli
