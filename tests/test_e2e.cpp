// End to end: the real cablesim binary on real topology files, over real TCP on loopback.
#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>

#include <asio.hpp>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <regex>
#include <set>

#include "cablesim/core/topology.hpp"
#include "cablesim/net/connection.hpp"
#include "cablesim/report.pb.h"
#include "cablesim/store/journal.hpp"
#include "processes.hpp"
#include "support.hpp"

extern char** environ;

namespace fs = std::filesystem;
using namespace cablesim;
using test::spawn;
using test::wait_for_files;

namespace {

fs::path temp_dir(const std::string& name) {
  auto p = fs::temp_directory_path() / ("cablesim_e2e_" + std::to_string(getpid()) + "_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

int run(const std::string& args, std::string* output = nullptr) {
  auto r = test::run_cablesim(args + " 2>&1");
  if (output) *output = r.output;
  return r.status;
}

Report read_report(const fs::path& p) {
  Report r;
  REQUIRE(google::protobuf::util::JsonStringToMessage(test::read_file(p), &r).ok());
  return r;
}

const std::vector<std::string> seed_addressees{"RUCNDT", "RUEHC", "RUEHUNV", "RUEHRN", "RUEHRL", "RUEHLO", "RUEHFR"};

void check_seed_inbox(const fs::path& inbox) {
  for (const auto& ri : seed_addressees) {
    INFO(ri);
    const auto dir = inbox / ri;
    REQUIRE(fs::is_directory(dir));
    REQUIRE(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 1);
    const auto text = test::read_file(dir / "RUEHRO-1919-2531426.txt");
    CHECK(text.find("\nOO " + ri + "\nDE RUEHRO #1919 2531426\n") != std::string::npos);
  }
  const auto rn = test::read_file(inbox / "RUEHRN" / "RUEHRO-1919-2531426.txt");
  const auto seed = test::read_file(test::seed_cable());
  CHECK(rn.substr(rn.find('\n') + 1)
            .starts_with("OO RUEHRN\nDE RUEHRO #1919 2531426\nZNY CCCCC ZZH\nO 101426Z SEP 07\nFM AMEMBASSY ROME\n"
                         "TO RUCNDT/USMISSION USUN NEW YORK IMMEDIATE 0797\nRUEHC/SECSTATE WASHDC IMMEDIATE 8947\n"
                         "RUEHUNV/USMISSION UNVIE VIENNA IMMEDIATE 0113\nRUEHRN/USMISSION UN ROME IMMEDIATE 0136\n"
                         "INFO RUEHRL/AMEMBASSY BERLIN PRIORITY 1784\nRUEHLO/AMEMBASSY LONDON PRIORITY 1410\n"
                         "RUEHFR/AMEMBASSY PARIS PRIORITY 2323\n\nC O N F I D E N T I A L ROME 001919\n"));
  CHECK(rn.ends_with(seed.substr(seed.find("SIPDIS"))));  // the text, unchanged
}

/// The seed network for one process per station: every station listens on a port of its own
/// choosing and says which in `ports/` (node --port-dir), so no test picks a port that another
/// could take first.
struct node_network {
  fs::path file, ports;
  std::vector<std::string> ris;
  /// Wait (20 s at most) until these stations listen; their ports.
  std::map<std::string, unsigned short> listening(const std::vector<std::string>& which) const {
    std::map<std::string, unsigned short> out;
    const bool all = wait_for_files(
        ports,
        [&] {
          return std::all_of(which.begin(), which.end(), [&](auto& ri) { return fs::exists(ports / (ri + ".port")); });
        },
        std::chrono::seconds(20));
    REQUIRE(all);
    for (const auto& ri : which)
      out[ri] = static_cast<unsigned short>(std::stoul(test::read_file(ports / (ri + ".port"))));
    return out;
  }
};
node_network seed_network(const fs::path& dir) {
  node_network out;
  out.file = test::source_dir() / "topologies" / "seed.textproto";  // every port 0
  out.ports = dir / "ports";
  const auto topo_text = test::read_file(out.file);
  const std::regex station_line(R"re(stations \{ ri: "([A-Z]+)")re");
  for (std::sregex_iterator it(topo_text.begin(), topo_text.end(), station_line), end; it != end; ++it)
    out.ris.push_back((*it)[1]);
  REQUIRE(out.ris.size() > seed_addressees.size());
  return out;
}

pid_t start_node(const node_network& net, const std::string& ri, const fs::path& dir, const std::string& journal = "") {
  fs::remove(net.ports / (ri + ".port"));  // a restarted node says its new port
  std::vector<std::string> args{
      CABLESIM_BINARY,          "node",       net.file.string(), "--station", ri, "--speedup", "600", "--inbox",
      (dir / "inbox").string(), "--port-dir", net.ports.string()};
  if (!journal.empty()) {
    args.push_back("--journal");
    args.push_back(journal);
  }
  return spawn(args, dir / (ri + ".log"));
}

/// Nodes by RI; whatever is still running when it goes (a test that failed half-way) is stopped.
struct node_set : std::map<std::string, pid_t> {
  node_set() = default;
  node_set(const node_set&) = delete;
  ~node_set() { stop(); }
  /// SIGTERM every node and wait for it.
  void stop() {
    for (auto& [ri, pid] : *this) kill(pid, SIGTERM);
    for (auto& [ri, pid] : *this) waitpid(pid, nullptr, 0);
    clear();
  }
};

/// `cablesim send` a cable to a node of the network, proving the post's filing key from the topology.
int send(const node_network& net, unsigned short port, const fs::path& cable, const std::string& as, std::string* out) {
  return run("send 127.0.0.1:" + std::to_string(port) + " " + cable.string() + " --as " + as + " --topology " +
                 net.file.string(),
             out);
}

/// Wait (30 s at most) for the seed cable in every addressee station's inbox; then stop the nodes.
bool seed_delivered_then_stop(const fs::path& dir, const std::vector<pid_t>& nodes) {
  const bool all = wait_for_files(
      dir / "inbox",
      [&] {
        return std::all_of(seed_addressees.begin(), seed_addressees.end(),
                           [&](auto& ri) { return fs::exists(dir / "inbox" / ri / "RUEHRO-1919-2531426.txt"); });
      },
      std::chrono::seconds(30));
  for (auto pid : nodes) kill(pid, SIGTERM);
  for (auto pid : nodes) waitpid(pid, nullptr, 0);
  return all;
}

/// Whether `pid` ends within `limit` of `since` (a pidfd opened before is readable once it has);
/// killed if it has not. Its exit status, and how long it took, in `status` and `took`.
bool exits_within(pid_t pid, int pidfd, std::chrono::steady_clock::time_point since, std::chrono::milliseconds limit,
                  int& status, std::chrono::milliseconds& took) {
  pollfd p{pidfd, POLLIN, 0};
  const auto left =
      limit - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since);
  const bool exited = poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count()))) == 1;
  took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since);
  close(pidfd);
  if (!exited) kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return exited;
}

}  // namespace

TEST_CASE("e2e: cablesim run delivers the seed cable to its seven addressee stations", "[e2e]") {
  const auto dir = temp_dir("run_seed");
  std::string out;
  const auto root = test::source_dir().string();
  REQUIRE(run("run " + root + "/topologies/seed.textproto --scenario " + root +
                  "/scenarios/seed.textproto --speedup 600 --inbox " + (dir / "inbox").string() + " --report " +
                  (dir / "r.json").string(),
              &out) == 0);
  INFO(out);
  CHECK(out.find("delivered 7 of 7 addressee copies") != std::string::npos);
  check_seed_inbox(dir / "inbox");
  const auto report = read_report(dir / "r.json");
  CHECK(report.completed());
  CHECK(report.deliveries_size() == 7);
  CHECK(report.duplicates() == 0);
  fs::remove_all(dir);
}

TEST_CASE("e2e: every station as its own cablesim node process", "[e2e][node]") {
  const auto dir = temp_dir("nodes");
  const auto net = seed_network(dir);
  std::vector<pid_t> nodes;
  for (const auto& ri : net.ris) nodes.push_back(start_node(net, ri, dir));
  auto port_of = net.listening(net.ris);
  std::string out;
  CHECK(send(net, port_of["RUEHRO"], test::seed_cable(), "RUEHRO", &out) == 0);
  CHECK(out == "filed RUEHRO-1919-2531426 at RUEHRO: taken in charge\n");
  const bool all = seed_delivered_then_stop(dir, nodes);
  REQUIRE(all);
  check_seed_inbox(dir / "inbox");
  CHECK(test::read_file(dir / "RUEHEUR.log").find("splits the routing line") != std::string::npos);

  SECTION("send reports a bad cable with file:line:col") {
    // (the nodes are gone: a refused connection is a clear error too)
    CHECK(send(net, port_of["RUEHRO"], test::seed_cable(), "RUEHRO", &out) == 1);
    CHECK(out.find("cannot connect") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("e2e: FLASH preempts ROUTINE on the teaching network's slow line", "[e2e][preemption]") {
  const auto dir = temp_dir("flash");
  const auto root = test::source_dir().string();
  std::string out;
  REQUIRE(run("run " + root + "/topologies/teaching.textproto --scenario " + root +
                  "/scenarios/lessons/1-flash-preemption/scenario.textproto --speedup max --report " +
                  (dir / "r.json").string(),
              &out) == 0);
  INFO(out);
  const auto r = read_report(dir / "r.json");
  REQUIRE(r.completed());
  std::string flash_id;
  for (const auto& f : r.filed())
    if (f.precedence() == FLASH) flash_id = f.message_id();
  REQUIRE_FALSE(flash_id.empty());

  // On the trunk: the ROUTINE on the line is preempted and the FLASH goes next.
  std::vector<const LinkEvent*> trunk;
  for (const auto& e : r.link_events())
    if (e.from() == "RUEHEUR" && e.to() == "RUEHWAS") trunk.push_back(&e);
  const auto pre = std::find_if(trunk.begin(), trunk.end(), [](auto* e) { return e->kind() == LinkEvent::PREEMPTED; });
  REQUIRE(pre != trunk.end());
  const auto preempted_id = (*pre)->message_id();
  CHECK((*pre)->precedence() == ROUTINE);
  REQUIRE(pre + 1 != trunk.end());
  CHECK((*(pre + 1))->kind() == LinkEvent::START);
  CHECK((*(pre + 1))->message_id() == flash_id);
  // The interrupted ROUTINE starts again later, whole, under a new serial.
  const auto again = std::find_if(pre + 2, trunk.end(), [&](auto* e) { return e->message_id() == preempted_id; });
  REQUIRE(again != trunk.end());
  CHECK((*again)->channel_serial() != (*pre)->channel_serial());

  // Every ROUTINE that had not crossed the trunk when the FLASH took it is delivered after it.
  double flash_delivered = 0;
  for (const auto& d : r.deliveries())
    if (d.message_id() == flash_id) flash_delivered = d.delivered_at();
  std::set<std::string> after_flash, before_flash;
  for (auto it = trunk.begin(); it != pre; ++it)
    if ((*it)->kind() == LinkEvent::START && (*it)->message_id() != preempted_id)
      before_flash.insert((*it)->message_id());
  for (auto it = pre + 1; it != trunk.end(); ++it)
    if ((*it)->kind() == LinkEvent::START && (*it)->message_id() != flash_id) after_flash.insert((*it)->message_id());
  // every ROUTINE crossed the trunk whole either before the FLASH took it or after the FLASH
  CHECK(before_flash.size() + after_flash.size() == static_cast<std::size_t>(r.filed_size()) - 1);
  CHECK_FALSE(before_flash.empty());
  CHECK_FALSE(after_flash.empty());
  for (const auto& d : r.deliveries())
    if (after_flash.count(d.message_id())) CHECK(d.delivered_at() > flash_delivered);

  // Nothing lost, nothing twice, no open number; one FLASH, one preemption.
  int copies = 0;
  for (const auto& f : r.filed()) copies += f.addressees_size();
  CHECK(r.deliveries_size() == copies);
  CHECK(r.duplicates() == 0);
  CHECK(r.open_numbers() == 0);
  CHECK(r.preemptions() == 1);
  fs::remove_all(dir);
}

TEST_CASE("e2e: a node restarted with its journal loses no accepted cable", "[e2e][node][journal]") {
  const auto dir = temp_dir("journal");
  const auto net = seed_network(dir);
  const auto journal = (dir / "journal").string();
  // Only Rome is up: it accepts the cable but cannot pass it on.
  auto rome = start_node(net, "RUEHRO", dir, journal);
  auto port_of = net.listening({"RUEHRO"});
  std::string out;
  CHECK(send(net, port_of["RUEHRO"], test::seed_cable(), "RUEHRO", &out) == 0);
  CHECK(out == "filed RUEHRO-1919-2531426 at RUEHRO: taken in charge\n");
  kill(rome, SIGTERM);
  waitpid(rome, nullptr, 0);
  CHECK(fs::exists(dir / "journal" / "RUEHRO.journal"));

  // Everyone comes up, Rome with its journal: the cable goes out.
  std::vector<pid_t> nodes;
  for (const auto& ri : net.ris) nodes.push_back(start_node(net, ri, dir, ri == "RUEHRO" ? journal : ""));
  const bool all = seed_delivered_then_stop(dir, nodes);
  CHECK(all);
  CHECK(test::read_file(dir / "RUEHRO.log").find("journal: 1 cable copies still in this station's charge") !=
        std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("e2e: a node whose journal cannot write exits at once, non-zero, and acknowledges nothing it did not keep",
          "[e2e][node][journal]") {
  const auto dir = temp_dir("full_disk");
  const auto net = seed_network(dir);
  const auto journal = dir / "journal";
  // Rome alone, its files limited to 512 KB (ulimit -f, 512-byte blocks): its journal fills up
  // as a full disk would, under cables it cannot pass on
  auto args = std::string("ulimit -f 1024; exec ") + CABLESIM_BINARY + " node " + net.file.string() +
              " --station RUEHRO --port-dir " + net.ports.string() + " --journal " + journal.string();
  const auto rome = spawn({"/bin/sh", "-c", args}, dir / "RUEHRO.log");
  const auto port = net.listening({"RUEHRO"}).at("RUEHRO");
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, rome, 0));
  REQUIRE(pidfd >= 0);
  int taken = 0, refused = 0;
  std::string out;
  auto failed_at = std::chrono::steady_clock::now();
  for (int i = 0; i < 200 && refused == 0; ++i) {
    if (send(net, port, test::source_dir() / "tests" / "data" / "cables" / "routine_draft.txt", "RUEHRO", &out) == 0 &&
        out.find("taken in charge") != std::string::npos)
      ++taken;
    else {
      ++refused;
      failed_at = std::chrono::steady_clock::now();
    }
  }
  INFO(taken << " taken in charge; the last answer: " << out);
  REQUIRE(refused == 1);  // the journal filled before 200 cables
  CHECK(taken > 0);
  int status = 0;
  std::chrono::milliseconds took{};
  const bool exited = exits_within(rome, pidfd, failed_at, std::chrono::seconds(1), status, took);
  INFO("exited " << took.count() << " ms after the failed filing");
  CHECK(exited);  // within a second
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 4);
  const auto log = test::read_file(dir / "RUEHRO.log");
  INFO(log);
  CHECK(log.find("the station stops: it can no longer keep what it takes in charge") != std::string::npos);
  CHECK(log.find("cablesim node: error: ") != std::string::npos);
  // what it acknowledged is what the journal kept: every cable taken in charge, and no other
  store::journal j(journal / "RUEHRO.journal");
  CHECK(static_cast<int>(j.load().pending.size()) == taken);
  fs::remove_all(dir);
}

TEST_CASE("e2e: SIGTERM stops a node within 2 s, whatever its clients are doing", "[e2e][node]") {
  const auto dir = temp_dir("shutdown");
  const auto net = seed_network(dir);
  // RUEHEUR alone: its dial loops back off (no neighbour listens), and two clients hold on
  const auto node = start_node(net, "RUEHEUR", dir);
  const auto port = net.listening({"RUEHEUR"}).at("RUEHEUR");
  asio::io_context io;
  const asio::ip::tcp::endpoint at(asio::ip::make_address("127.0.0.1"), port);
  asio::ip::tcp::socket idle(io), half_open(io);
  idle.connect(at);       // says nothing at all
  half_open.connect(at);  // says hello, then nothing: a handshake left half-way
  Envelope hello;
  hello.mutable_hello()->set_station_ri("RUEHRN");
  hello.mutable_hello()->set_nonce("0123456789abcdef");
  hello.mutable_hello()->set_version(net::protocol_version);
  asio::write(half_open, asio::buffer(net::encode_frame(hello)));

  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, node, 0));
  REQUIRE(pidfd >= 0);
  const auto sent = std::chrono::steady_clock::now();
  kill(node, SIGTERM);
  int status = 0;
  std::chrono::milliseconds took{};
  const bool exited = exits_within(node, pidfd, sent, std::chrono::seconds(2), status, took);
  INFO("took " << took.count() << " ms");
  CHECK(exited);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  fs::remove_all(dir);
}

TEST_CASE("e2e: only a client that proves the post's filing key files, and only what originates there",
          "[e2e][node][security]") {
  const auto dir = temp_dir("filing");
  const auto net = seed_network(dir);
  node_set nodes;
  for (const auto* ri : {"RUEHRO", "RUEHEUR"}) nodes[ri] = start_node(net, ri, dir);
  auto port_of = net.listening({"RUEHRO", "RUEHEUR"});
  const auto rome = std::to_string(port_of["RUEHRO"]);
  std::string out;
  std::ofstream(dir / "wrong.key") << "not-the-key\n";

  SECTION("a wrong filing key is refused") {
    CHECK(run("send 127.0.0.1:" + rome + " " + test::seed_cable().string() + " --as RUEHRO --key-file " +
                  (dir / "wrong.key").string(),
              &out) == 1);
    CHECK(out.find("refused the filing client: filing at RUEHRO: link authentication failed") != std::string::npos);
  }
  SECTION("no key at all is a usage error") {
    CHECK(run("send 127.0.0.1:" + rome + " " + test::seed_cable().string() + " --as RUEHRO", &out) != 0);
    CHECK(out.find("--topology or --key-file") != std::string::npos);
  }
  SECTION("an anonymous client that skips the proof files nothing") {
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), port_of["RUEHRO"]});
    Envelope hello, filing, reply;
    hello.mutable_hello()->set_station_ri("RUEHRO");
    hello.mutable_hello()->set_client(true);
    hello.mutable_hello()->set_nonce("0123456789abcdef");
    hello.mutable_hello()->set_version(net::protocol_version);
    filing.mutable_filing()->set_cable_text(test::read_file(test::seed_cable()));
    asio::write(s, asio::buffer(net::encode_frame(hello) + net::encode_frame(filing)));
    std::string bytes(64 * 1024, '\0');
    std::error_code ec;
    std::string got;
    for (std::size_t n; (n = s.read_some(asio::buffer(bytes), ec)) > 0;) got.append(bytes.data(), n);
    net::frame_decoder d;
    d.feed(got);
    std::vector<Envelope> frames;
    std::error_code bad;
    while (d.next(reply, bad)) frames.push_back(reply);
    REQUIRE(frames.size() == 2);  // the post's Hello, then the refusal: never a FilingResult that filed
    CHECK(frames[0].has_hello());
    REQUIRE(frames[1].has_filing_result());
    CHECK_FALSE(frames[1].filing_result().ok());
    CHECK(frames[1].filing_result().error() == "filing at RUEHRO: second frame is not a Proof");
  }
  SECTION("a cable whose FL3 names another station is refused: no forged origin") {
    auto forged = test::read_file(test::seed_cable());
    forged.replace(forged.find("DE RUEHRO"), 9, "DE RUEHC");
    std::ofstream(dir / "forged.txt") << forged;
    CHECK(send(net, port_of["RUEHRO"], dir / "forged.txt", "RUEHRO", &out) == 1);
    CHECK(out.find("FL3 says DE RUEHC, but a cable filed at RUEHRO must originate here") != std::string::npos);
  }
  SECTION("a relay takes no filings") {
    CHECK(run("send 127.0.0.1:" + std::to_string(port_of["RUEHEUR"]) + " " + test::seed_cable().string() +
                  " --as RUEHEUR --key-file " + (dir / "wrong.key").string(),
              &out) == 1);
    CHECK(out.find("RUEHEUR is a relay: cables are filed at a post") != std::string::npos);
  }
  nodes.stop();
  // nothing was filed
  const auto log = test::read_file(dir / "RUEHRO.log");
  CHECK(log.find("listening on") != std::string::npos);
  CHECK(log.find(" files ") == std::string::npos);
  fs::remove_all(dir);
}

namespace {

/// Open `count` connections to a port, write `bytes` on each, and count how many the far end
/// closes before the deadline.
std::size_t closed_by_node(unsigned short port, std::size_t count, const std::string& bytes,
                           std::chrono::seconds deadline) {
  if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < count + 64) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, count + 64);
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  asio::io_context io;
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> sockets;
  std::size_t closed = 0;
  std::array<char, 256> sink{};
  std::function<void(asio::ip::tcp::socket&)> read_until_closed = [&](asio::ip::tcp::socket& s) {
    s.async_read_some(asio::buffer(sink), [&](std::error_code ec, std::size_t) {
      if (ec)
        ++closed;
      else
        read_until_closed(s);
    });
  };
  const asio::ip::tcp::endpoint at(asio::ip::make_address("127.0.0.1"), port);
  for (std::size_t i = 0; i < count; ++i) {
    auto s = std::make_unique<asio::ip::tcp::socket>(io);
    s->connect(at);
    if (!bytes.empty()) asio::write(*s, asio::buffer(bytes));
    read_until_closed(*s);
    sockets.push_back(std::move(s));
  }
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (closed < count && std::chrono::steady_clock::now() < end) io.run_for(std::chrono::milliseconds(50));
  return closed;
}

/// The most memory a process has held (VmHWM), in MB.
double peak_rss_mb(pid_t pid) {
  std::istringstream status(test::read_file("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmHWM:")) return std::stod(line.substr(6)) / 1024;
  return -1;
}

}  // namespace

TEST_CASE("e2e: hostile connections cost a node little and are all closed", "[e2e][node][security]") {
  const auto dir = temp_dir("hostile");
  const auto net = seed_network(dir);
  const pid_t node = spawn({CABLESIM_BINARY, "node", net.file.string(), "--station", "RUEHEUR", "--port-dir",
                            net.ports.string(), "--handshake-timeout", "1"},
                           dir / "RUEHEUR.log");
  const auto port = net.listening({"RUEHEUR"}).at("RUEHEUR");
  // what the node holds before anyone calls (under AddressSanitizer, about 110 MB)
  const auto before = peak_rss_mb(node);

  SECTION("300 connections announcing 4 MiB frames: nothing is allocated for them") {
    CHECK(closed_by_node(port, 300, std::string("\x00\x40\x00\x00", 4), std::chrono::seconds(30)) == 300);
    const auto mb = peak_rss_mb(node);
    INFO("peak RSS " << mb << " MB, " << before << " MB before the connections");
    CHECK(before > 0);
    CHECK(mb - before < 50);  // 300 frames of 4 MiB would be 1,200 MB
  }
  SECTION("2,000 idle connections: the handshake deadline (1 s here) closes them") {
    CHECK(closed_by_node(port, 2000, "", std::chrono::seconds(60)) == 2000);
    CHECK(test::read_file(dir / "RUEHEUR.log").find("connections still in their handshake: turning new ones away") !=
          std::string::npos);
  }
  kill(node, SIGTERM);
  int status = 0;
  waitpid(node, &status, 0);
  CHECK(WIFEXITED(status));
  fs::remove_all(dir);
}

namespace {

/// A filing client on one connection (what `cablesim send` does, for many cables).
class filing_client {
 public:
  filing_client(unsigned short port, const std::string& post, const std::string& key) : socket_(io_) {
    wait([&]() -> asio::awaitable<std::error_code> {
      co_await socket_.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
      co_return co_await net::dial_handshake(socket_, {}, post, key, true);
    });
  }
  /// File a cable; its message id once the post has taken it in charge.
  std::string file(const std::string& text) {
    Envelope filing, reply;
    filing.mutable_filing()->set_cable_text(text);
    wait([&]() -> asio::awaitable<std::error_code> {
      if (auto ec = co_await net::write_frame(socket_, filing)) co_return ec;
      co_return co_await net::read_frame(socket_, reply);
    });
    REQUIRE(reply.filing_result().ok());
    return reply.filing_result().message_id();
  }

 private:
  template <class F>
  void wait(F f) {
    std::optional<std::error_code> done;
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { done = co_await f(); }, asio::detached);
    io_.restart();
    io_.run_for(std::chrono::seconds(10));
    REQUIRE(done.has_value());
    REQUIRE_FALSE(*done);
  }
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
};

/// A network of nodes for a stream: its stations, and the addressees of the stream's cables.
struct stream_network {
  node_network net;
  std::vector<std::string> stations, addressees;
  std::string addressee_lines;  // the cables' TO and INFO lines
  int rounds = 3, per_round = 150;
  std::vector<std::pair<std::string, std::string>> unlogged;  // (station, text) its log must not show
  std::string told;                                           // what to count in the logs, for the record
};
stream_network seed_stream(const fs::path& dir) {
  stream_network s;
  s.net = seed_network(dir);
  s.stations = {"RUEHRO", "RUEHEUR", "RUEHWAS", "RUEHRN", "RUEHFR"};
  s.addressees = {"RUEHRN", "RUEHFR"};
  s.addressee_lines = "TO RUEHRN/USMISSION UN ROME\nINFO RUEHFR/AMEMBASSY PARIS\n";
  return s;
}

/// A steady stream of ROUTINE cables from Rome through the network's relays, every node with a
/// journal; in each round, `fault` strikes at a random moment of the stream, and `repair`
/// follows 30 cables later. Then every inbox is counted: nothing lost, nothing twice.
using node_action = std::function<void(const node_network&, std::map<std::string, pid_t>&)>;
void stream_through_faults(const std::string& name, const node_action& fault, const node_action& repair,
                           const std::function<stream_network(const fs::path&)>& network = seed_stream) {
  const auto dir = temp_dir(name);
  const auto stream = network(dir);
  const auto& net = stream.net;
  const auto journal = (dir / "journal").string();
  node_set nodes;
  for (const auto& ri : stream.stations) nodes[ri] = start_node(net, ri, dir, journal);
  const auto topo = topology::load(test::read_file(net.file), net.file.string());
  filing_client rome(net.listening({"RUEHRO"}).at("RUEHRO"), "RUEHRO", topo.filing_key("RUEHRO"));

  const unsigned seed = std::random_device{}();
  INFO("random seed " << seed);
  std::mt19937 rng(seed);
  std::set<std::string> ids;
  for (int round = 0; round < stream.rounds; ++round) {
    const int strike = std::uniform_int_distribution<int>(10, stream.per_round - 40)(rng);
    for (int i = 0; i < stream.per_round; ++i) {
      if (i == strike) fault(net, nodes);
      if (i == strike + 30) repair(net, nodes);
      const auto n = std::to_string(round * stream.per_round + i + 1);
      ids.insert(rome.file("FM AMEMBASSY ROME\n" + stream.addressee_lines + "UNCLAS ROME\n\nSUBJECT: STREAM " + n +
                           "\n\n1. (U) Cable " + n + " of a steady stream.\n"));
    }
  }
  REQUIRE(ids.size() == static_cast<std::size_t>(stream.rounds * stream.per_round));  // an id of its own each
  auto count = [&](const std::string& ri) {
    std::size_t files = 0;
    if (fs::is_directory(dir / "inbox" / ri))
      for (const auto& e : fs::directory_iterator(dir / "inbox" / ri)) files += e.is_regular_file();
    return files;
  };
  wait_for_files(
      dir / "inbox",
      [&] {
        return std::all_of(stream.addressees.begin(), stream.addressees.end(),
                           [&](const auto& ri) { return count(ri) >= ids.size(); });
      },
      std::chrono::seconds(90));
  nodes.stop();
  for (const auto& ri : stream.addressees) {
    INFO("inbox of " << ri);
    std::size_t lost = 0;
    for (const auto& id : ids) lost += !fs::exists(dir / "inbox" / ri / (id + ".txt"));
    CHECK(lost == 0);
    CHECK(count(ri) == ids.size());  // no second copy of anything (it would be <id>.2.txt)
  }
  // what the faults did, for the record: copies the relay took back from its journal, and
  // copies sent again that a station had already handled
  const auto relay_log = test::read_file(dir / "RUEHEUR.log");
  const std::regex restored_re(R"re(journal: (\d+) cable copies)re");
  std::size_t restored = 0, refiled = 0;
  for (std::sregex_iterator it(relay_log.begin(), relay_log.end(), restored_re), end; it != end; ++it)
    restored += std::stoul((*it)[1]);
  for (const auto& ri : stream.stations) {
    const auto log = test::read_file(dir / (ri + ".log"));
    for (auto at = log.find("suspected duplicate"); at != std::string::npos;
         at = log.find("suspected duplicate", at + 1))
      ++refiled;
  }
  std::size_t told = 0;
  for (const auto& ri : stream.stations) {
    const auto log = test::read_file(dir / (ri + ".log"));
    for (const auto& [station, text] : stream.unlogged)
      if (station == ri) {
        INFO(ri << "'s log shows: " << text);
        CHECK(log.find(text) == std::string::npos);
      }
    if (!stream.told.empty())
      for (auto at = log.find(stream.told); at != std::string::npos; at = log.find(stream.told, at + 1)) ++told;
  }
  if (!stream.told.empty()) std::cout << name << ": \"" << stream.told << "\" " << told << " times" << std::endl;
  std::cout << name << ": " << ids.size() << " cables to " << stream.addressees.size() << " posts; the relay took back "
            << restored << " copies from its journal; " << refiled << " copies sent again were filed as duplicates"
            << std::endl;
  fs::remove_all(dir);
}

void kill9_and_restart(const node_network& net, std::map<std::string, pid_t>& nodes, const std::string& ri) {
  kill(nodes[ri], SIGKILL);
  waitpid(nodes[ri], nullptr, 0);
  nodes[ri] = start_node(net, ri, net.ports.parent_path(), (net.ports.parent_path() / "journal").string());
}

}  // namespace

TEST_CASE("e2e: kill -9 of the relay under a steady stream, three times: nothing lost, nothing twice",
          "[e2e][node][journal]") {
  stream_through_faults(
      "kill9", [](const node_network& net, auto& nodes) { kill9_and_restart(net, nodes, "RUEHEUR"); },
      [](const node_network&, auto&) {});
}

TEST_CASE("e2e: a relay killed with -9 and restarted once its traffic is held: none refused, 300 of 300",
          "[e2e][node][journal]") {
  // the teaching network (its trunk at 2400 bit/s, for a quick run): Rome's cables for
  // Washington go RUEHEUR -> RUEHWAS -> RUEHC; while RUEHWAS is away, RUEHEUR asks London to
  // carry them (ZOE), and London, whose own way is through RUEHWAS, cannot: they are held
  const auto teaching = [](const fs::path& dir) {
    stream_network s;
    s.net.file = dir / "teaching.textproto";
    s.net.ports = dir / "ports";
    const auto text = test::read_file(test::source_dir() / "topologies" / "teaching.textproto");
    // and a filing key for Rome, for the stream's client
    std::ofstream(s.net.file) << std::regex_replace(
                                     std::regex_replace(text, std::regex("speed_bps: 75 "), "speed_bps: 2400 "),
                                     std::regex(R"(role: POST addresses: "AMEMBASSY ROME")"),
                                     R"(role: POST addresses: "AMEMBASSY ROME" filing_key: "rome")")
                              << "keys { name: \"rome\" secret: \"teaching-rome-filing-key\" }\n";
    s.net.ris = {"RUEHRO", "RUEHEUR", "RUEHWAS", "RUEHLO", "RUEHC"};
    s.stations = s.net.ris;
    s.addressees = {"RUEHC"};
    s.addressee_lines = "TO RUEHC/SECSTATE WASHDC\n";
    s.rounds = 1;
    s.per_round = 300;
    // nothing refused on the way (held instead); how many were held, for the record
    s.unlogged = {{"RUEHEUR", "cannot pass cable"}, {"RUEHLO", "cannot pass cable"}};
    s.told = "(the channel is down: it waits)";
    return s;
  };
  stream_through_faults(
      "relay_down",
      [&](const node_network&, auto& nodes) {
        kill(nodes["RUEHWAS"], SIGKILL);
        waitpid(nodes["RUEHWAS"], nullptr, 0);
      },
      [&](const node_network& net, auto& nodes) {
        // RUEHWAS stays down until RUEHEUR holds traffic for it and London has declined to carry
        // it (ZOE), or 2 s (20 simulated minutes) at most: either way, nothing may be lost
        const auto log = net.ports.parent_path() / "RUEHEUR.log";
        (void)test::wait_for_files(
            net.ports.parent_path(),
            [&] { return test::read_file(log).find("RUEHLO cannot carry its traffic for RUEHC") != std::string::npos; },
            std::chrono::seconds(2));
        nodes["RUEHWAS"] =
            start_node(net, "RUEHWAS", net.ports.parent_path(), (net.ports.parent_path() / "journal").string());
      },
      teaching);
}

TEST_CASE("e2e: the next hop down for a while under a steady stream, three times: nothing lost, nothing twice",
          "[e2e][node][journal]") {
  stream_through_faults(
      "next_hop_down",
      [](const node_network&, auto& nodes) {
        kill(nodes["RUEHRN"], SIGKILL);
        waitpid(nodes["RUEHRN"], nullptr, 0);
      },
      [](const node_network& net, auto& nodes) {
        nodes["RUEHRN"] =
            start_node(net, "RUEHRN", net.ports.parent_path(), (net.ports.parent_path() / "journal").string());
      });
}

namespace {

/// Run a shell command quietly; true when it succeeded.
bool sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

/// Three network namespaces joined by two veth pairs: post A -- relay -- post B, each link its
/// own subnet; B reaches A's subnet through the relay. Removed again when it goes.
struct three_hosts {
  std::string tag = std::to_string(getpid() % 100000);
  std::string a = "csA" + tag, relay = "csR" + tag, b = "csB" + tag;
  std::string relay_to_b = "csrb" + tag;  // the relay's end of the link to B
  bool ok = false;
  std::string why;
  three_hosts() {
    if (geteuid() != 0) {
      why = "not root";
      return;
    }
    if (!sh("ip netns add " + a)) {
      why = "ip netns add failed (no CAP_SYS_ADMIN, or no iproute2)";
      return;
    }
    ok = sh("ip netns add " + relay) && sh("ip netns add " + b) &&
         sh("ip link add csar" + tag + " netns " + a + " type veth peer name csra" + tag + " netns " + relay) &&
         sh("ip link add csbr" + tag + " netns " + b + " type veth peer name " + relay_to_b + " netns " + relay) &&
         sh("ip -n " + a + " addr add 10.213.1.1/24 dev csar" + tag) &&
         sh("ip -n " + relay + " addr add 10.213.1.2/24 dev csra" + tag) &&
         sh("ip -n " + relay + " addr add 10.213.2.1/24 dev " + relay_to_b) &&
         sh("ip -n " + b + " addr add 10.213.2.2/24 dev csbr" + tag);
    for (const auto& [ns, dev] :
         {std::pair{a, "csar"}, std::pair{relay, "csra"}, std::pair{relay, "csrb"}, std::pair{b, "csbr"}})
      ok = ok && sh("ip -n " + ns + " link set " + dev + tag + " up") && sh("ip -n " + ns + " link set lo up");
    ok = ok && sh("ip -n " + b + " route add 10.213.1.0/24 via 10.213.2.1");
    if (!ok) why = "could not set up veth pairs between namespaces";
  }
  ~three_hosts() {
    for (const auto& ns : {a, relay, b}) sh("ip netns del " + ns);
  }
};

}  // namespace

TEST_CASE("e2e: three hosts (network namespaces): a link goes down mid-traffic and back, nothing lost or twice",
          "[e2e][node][netns]") {
  three_hosts hosts;
  if (!hosts.ok) return test::skipped("network namespaces unavailable: " + hosts.why);
  const auto dir = temp_dir("netns");
  const auto topo_file = dir / "three-hosts.textproto";
  std::ofstream(topo_file) << R"(name: "three hosts"
epoch: "2007-09-10T14:00:00Z"
keys { name: "k" secret: "three-hosts-link-key" }
keys { name: "rome" secret: "three-hosts-filing-key" }
stations { ri: "RUEHRO" role: POST addresses: "AMEMBASSY ROME" host: "10.213.1.1" port: 17001 filing_key: "rome" }
stations { ri: "RUEHEUR" role: RELAY host: "10.213.1.2" port: 17002 }
stations { ri: "RUEHRN" role: POST addresses: "USMISSION UN ROME" host: "10.213.2.2" port: 17003 }
links { a: "RUEHRO" b: "RUEHEUR" key: "k" }
links { a: "RUEHRN" b: "RUEHEUR" key: "k" }
routing { station: "RUEHRO" default_route { via: "RUEHEUR" } }
routing { station: "RUEHRN" default_route { via: "RUEHEUR" } }
)";
  node_set nodes;
  for (const auto& [ri, ns] :
       {std::pair{"RUEHRO", hosts.a}, std::pair{"RUEHEUR", hosts.relay}, std::pair{"RUEHRN", hosts.b}})
    nodes[ri] = spawn({"/usr/sbin/ip",
                       "netns",
                       "exec",
                       ns,
                       CABLESIM_BINARY,
                       "node",
                       topo_file.string(),
                       "--station",
                       ri,
                       "--journal",
                       (dir / "journal").string(),
                       "--inbox",
                       (dir / "inbox").string(),
                       "--keepalive",
                       "0.2",
                       "--handshake-timeout",
                       "2",
                       "--speedup",
                       "600",
                       "--port-dir",
                       (dir / "ports").string()},
                      dir / (std::string(ri) + ".log"));
  // (each says in ports/ when it listens)
  REQUIRE(wait_for_files(
      dir / "ports",
      [&] { return fs::exists(dir / "ports" / "RUEHRO.port") && fs::exists(dir / "ports" / "RUEHEUR.port"); },
      std::chrono::seconds(20)));
  // file 60 cables at Rome, from Rome's host; the relay's link to RUEHRN is down for the middle 20
  std::set<std::string> ids;
  for (int i = 1; i <= 60; ++i) {
    if (i == 21) REQUIRE(sh("ip -n " + hosts.relay + " link set " + hosts.relay_to_b + " down"));
    if (i == 41) {
      // down long enough for the relay to find the link silent and close it, holding its traffic
      REQUIRE(wait_for_files(
          dir, [&] { return test::read_file(dir / "RUEHEUR.log").find("link to RUEHRN closed") != std::string::npos; },
          std::chrono::seconds(20)));
      REQUIRE(sh("ip -n " + hosts.relay + " link set " + hosts.relay_to_b + " up"));
    }
    const auto cable = dir / "cable.txt";
    std::ofstream(cable) << "FM AMEMBASSY ROME\nTO RUEHRN/USMISSION UN ROME\nUNCLAS ROME\n\nSUBJECT: ACROSS HOSTS " << i
                         << "\n\n1. (U) Cable " << i << ".\n";
    const auto out = test::run_command("ip netns exec " + hosts.a + " " + CABLESIM_BINARY + " send 10.213.1.1:17001 " +
                                       cable.string() + " --as RUEHRO --topology " + topo_file.string() + " 2>&1")
                         .output;
    INFO(out);
    REQUIRE(out.starts_with("filed "));
    ids.insert(out.substr(6, out.find(' ', 6) - 6));
  }
  const auto inbox = dir / "inbox" / "RUEHRN";
  wait_for_files(
      dir / "inbox",
      [&] { return std::all_of(ids.begin(), ids.end(), [&](auto& id) { return fs::exists(inbox / (id + ".txt")); }); },
      std::chrono::seconds(60));
  nodes.stop();
  std::size_t lost = 0, files = 0;
  for (const auto& id : ids) lost += !fs::exists(inbox / (id + ".txt"));
  if (fs::is_directory(inbox))
    for (const auto& e : fs::directory_iterator(inbox)) files += e.is_regular_file();
  CHECK(ids.size() == 60);
  CHECK(lost == 0);
  CHECK(files == ids.size());
  fs::remove_all(dir);
}

namespace {

/// Run the seed network unpaced on a scenario given as text, saved in `dir`; its report, and
/// what it printed in `out`.
Report run_on_seed(const fs::path& dir, const std::string& scenario, const std::string& options, std::string& out) {
  std::ofstream(dir / "s.textproto") << scenario;
  const auto ok =
      run("run " + (test::source_dir() / "topologies" / "seed.textproto").string() + " --scenario " +
              (dir / "s.textproto").string() + " --speedup max " + options + " --report " + (dir / "r.json").string(),
          &out);
  INFO(out);
  REQUIRE(ok == 0);
  return read_report(dir / "r.json");
}

}  // namespace

TEST_CASE("e2e: a complete cable filed twice is a suspected duplicate: counted, never delivered twice",
          "[e2e][report]") {
  const auto dir = temp_dir("twice");
  std::string out;
  const auto r = run_on_seed(dir,
                             "filings { station: \"RUEHRO\" cable_file: \"" + test::seed_cable().string() +
                                 "\" at_seconds: 0 repeat: 2 every_seconds: 60 }\n",
                             "", out);
  INFO(out);
  CHECK(r.duplicates() == 0);
  CHECK(r.duplicates_filed() == static_cast<uint32_t>(seed_addressees.size()));  // the second filing, whole
  CHECK(out.find(std::to_string(seed_addressees.size()) + " suspected duplicates filed (ZFD") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("e2e: a cable in sections counts as delivered when all its sections are", "[e2e][sections]") {
  const auto dir = temp_dir("sections");
  std::string draft = "FM AMEMBASSY ROME\nTO RUEHFR/AMEMBASSY PARIS\nUNCLAS ROME\n\n";
  for (int i = 0; i < 400; ++i) draft += "A line of a long unclassified report, number " + std::to_string(i) + ".\n";
  std::ofstream(dir / "long.txt") << draft;
  std::string out;
  const auto r = run_on_seed(
      dir, "filings { station: \"RUEHRO\" cable_file: \"" + (dir / "long.txt").string() + "\" at_seconds: 0 }\n",
      "--inbox " + (dir / "inbox").string(), out);
  INFO(out);
  CHECK(r.completed());
  REQUIRE(r.filed_size() == 1);
  CHECK(r.deliveries_size() == 1);  // one cable, one addressee: one delivery, when the last section is in
  CHECK(r.deliveries(0).message_id() == r.filed(0).message_id());
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir / "inbox" / "RUEHFR")) {
    ++files;
    CHECK(e.path().filename().string().find(".0") != std::string::npos);  // RUEHRO-0001.0N-...
  }
  CHECK(files >= 5);  // 400 lines of text, at most about 95 a section
  fs::remove_all(dir);
}

TEST_CASE("e2e: a transmission lost on the line is found by the continuity check and run again", "[e2e][continuity]") {
  const auto dir = temp_dir("lost");
  std::string out;
  const auto r = run_on_seed(dir,
                             "filings { station: \"RUEHRO\" cable_file: \"" + test::seed_cable().string() +
                                 "\" at_seconds: 10 }\n"
                                 "events { kind: LOSE_TRANSMISSION at_seconds: 0 a: \"RUEHRO\" b: \"RUEHEUR\" }\n",
                             "--trace", out);
  INFO(out);
  CHECK(r.completed());
  CHECK(r.deliveries_size() == static_cast<int>(seed_addressees.size()));
  CHECK(r.duplicates() == 0);
  CHECK(r.reruns() == 1);
  CHECK(r.continuity_checks() >= 1);
  // nothing came from Rome that RUEHEUR heard: Rome, with its transmission unacknowledged, tells
  CHECK(out.find("RUEHEUR has heard nothing from RUEHRO") == std::string::npos);
  CHECK(out.find("RUEHRO has had no acknowledgment from RUEHEUR for a while: ZIC XRO0001") != std::string::npos);
  CHECK(out.find("RUEHEUR asks RUEHRO to run again transmission 0001") != std::string::npos);
  CHECK(out.find("RUEHRO runs cable RUEHRO #1919 again to RUEHEUR (was 0001, now marked ZDK)") != std::string::npos);
  CHECK(out.find("transmissions run again on request (ZDK)") != std::string::npos);
  fs::remove_all(dir);
}
