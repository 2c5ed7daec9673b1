// The sans-I/O station, run in virtual time by a socket-free harness.
#include "cablesim/core/station.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <set>

#include "cablesim/core/text.hpp"
#include "decisions.hpp"
#include "recorded_network.hpp"
#include "support.hpp"

using namespace cablesim;
using test::count_of;
using test::of_kind;
using test::recorded_network;

namespace {

topology shipped(const std::string& name) {
  const auto p = test::source_dir() / "topologies" / (name + ".textproto");
  return topology::load(test::read_file(p), p.string());
}

sim_time epoch_of(const topology& t) { return *parse_iso8601(t.proto().epoch()); }

std::string data(const std::string& name) {
  return test::read_file(test::source_dir() / "tests" / "data" / "cables" / name);
}

}  // namespace

TEST_CASE("station: the seed cable filed at RUEHRO reaches its seven addressee stations", "[core][station]") {
  const auto t = shipped("seed");
  recorded_network net(t, epoch_of(t) + std::chrono::minutes(26));
  const auto filed = net.file("RUEHRO", test::read_file(test::seed_cable()));
  REQUIRE(filed.ok);
  CHECK(filed.message_id == "RUEHRO-1919-2531426");  // a complete cable keeps its identity
  CHECK(filed.addressees ==
        std::vector<std::string>{"RUCNDT", "RUEHC", "RUEHUNV", "RUEHRN", "RUEHRL", "RUEHLO", "RUEHFR"});
  net.run();

  std::map<std::string, int> copies;
  for (const auto& d : net.deliveries()) {
    ++copies[d.station];
    INFO(d.station);
    // each copy's routing line names only its own station, at IMMEDIATE (single precedence)
    CHECK(acp127::render_routing_line(d.copy.copy->routing_line()) == "OO " + d.station);
    CHECK(d.copy.precedence == IMMEDIATE);
    CHECK(d.copy.path.front() == "RUEHRO");
    CHECK(d.copy.path.back() == d.station);
  }
  CHECK(copies ==
        std::map<std::string, int>{
            {"RUCNDT", 1}, {"RUEHC", 1}, {"RUEHUNV", 1}, {"RUEHRN", 1}, {"RUEHRL", 1}, {"RUEHLO", 1}, {"RUEHFR", 1}});
  CHECK(net.all<open_number>().empty());
  CHECK(net.all<reject_copy>().empty());

  SECTION("the copy at RUEHRN reads, from FL2 on, like the seed") {
    const auto it = std::find_if(net.deliveries().begin(), net.deliveries().end(),
                                 [](const auto& d) { return d.station == "RUEHRN"; });
    REQUIRE(it != net.deliveries().end());
    const auto text = acp127::render(*it->copy.copy);
    const auto seed = test::read_file(test::seed_cable());
    // FL1 of the last channel, RUEHEUR -> RUEHRN, with that channel's designator
    const auto& link = t.proto().links(t.link_index("RUEHEUR", "RUEHRN"));
    CHECK(text.starts_with("VZCZC" + (link.a() == "RUEHEUR" ? link.designator_a() : link.designator_b())));
    const auto from_fl2 = text.substr(text.find('\n') + 1);
    CHECK(
        from_fl2.starts_with("OO RUEHRN\nDE RUEHRO #1919 2531426\nZNY CCCCC ZZH\nO 101426Z SEP 07\nFM AMEMBASSY ROME\n"
                             "TO RUCNDT/USMISSION USUN NEW YORK IMMEDIATE 0797\n"));
    CHECK(from_fl2.find("INFO RUEHRL/AMEMBASSY BERLIN PRIORITY 1784\nRUEHLO/AMEMBASSY LONDON PRIORITY 1410\n"
                        "RUEHFR/AMEMBASSY PARIS PRIORITY 2323\n\nC O N F I D E N T I A L ROME 001919") !=
          std::string::npos);
    CHECK(text.ends_with("SPOGLI"));
  }
  SECTION("it is split at RUEHEUR and again at RUEHWAS") {
    std::map<std::string, int> split_copies;  // copies made by splitting, per station
    for (const auto& a : net.actions())
      if (const auto* r = std::get_if<copy_relayed>(&a.what)) {
        CHECK(r->label == "RUEHRO #1919");  // every copy names the cable it is a copy of
        if (r->split) ++split_copies[a.station];
      }
    CHECK(split_copies == std::map<std::string, int>{{"RUEHEUR", 6}, {"RUEHWAS", 2}});
  }
  SECTION("filing it again delivers nothing twice") {
    net.file("RUEHRO", test::read_file(test::seed_cable()));
    net.run();
    CHECK(net.deliveries().size() == 7);
  }
}

namespace {

topology with_practice(const topology& t, Practice p) {
  auto proto = t.proto();
  proto.set_practice(p);
  return topology::from_proto(proto);
}

}  // namespace

TEST_CASE("station: dual precedence, in State practice and in ACP 127's", "[core][station]") {
  for (const auto practice : {STATE, ACP127}) {
    INFO(Practice_Name(practice));
    const auto t = with_practice(shipped("seed"), practice);
    recorded_network net(t, epoch_of(t) + std::chrono::hours(1));
    REQUIRE(net.file("RUEHRO", data("dual_precedence.txt")).ok);
    net.run();
    // ACP 127 §152: information-only copies drop to the lower precedence; State's cables keep
    // FL5's higher one in every FL2
    const auto info = practice == ACP127 ? ROUTINE : IMMEDIATE;
    std::map<std::string, Precedence> got;
    for (const auto& d : net.deliveries()) got[d.station] = d.copy.precedence;
    CHECK(got == std::map<std::string, Precedence>{{"RUEHC", IMMEDIATE}, {"RUEHFR", info}, {"RUEHLO", info}});
    for (const auto& d : net.deliveries())
      CHECK(acp127::routing_prosigns(d.copy.copy->routing_line()) == (d.copy.precedence == IMMEDIATE ? "OO" : "RR"));
  }
}

TEST_CASE("station: a dual-precedence cable of the corpus on the worldwide network", "[core][station][corpus]") {
  const auto corpus = test::corpus_dir();
  if (corpus.empty()) return test::skipped("../shared/corpus is absent");
  const auto t = shipped("worldwide");
  recorded_network net(t, epoch_of(t));
  const auto filed = net.file("RUEHBO", test::read_file(corpus / "cables" / "09BOGOTA3035.txt"));  // O R
  REQUIRE(filed.ok);
  net.run();
  REQUIRE(net.deliveries().size() == filed.addressees.size());
  // as the corpus shows State's practice: every copy keeps the higher precedence in FL2
  for (const auto& d : net.deliveries()) {
    INFO(d.station);
    CHECK(d.copy.precedence == IMMEDIATE);
  }
}

TEST_CASE("station: FLASH preempts ROUTINE on the slow line of the teaching network", "[core][station][preemption]") {
  const auto t = shipped("teaching");
  recorded_network net(t, epoch_of(t));
  std::vector<std::string> routine_ids;
  for (int i = 0; i < 50; ++i) {
    const auto f = net.file("RUEHRO", data("routine_draft.txt"));
    REQUIRE(f.ok);
    CHECK(f.precedence == ROUTINE);
    routine_ids.push_back(f.message_id);
  }
  // Let the ROUTINE traffic pile up on the 75-baud trunk, then file a FLASH.
  net.run(net.now() + std::chrono::minutes(30));
  const auto before = net.deliveries().size();
  CHECK(before < 50);
  const auto flash = net.file("RUEHRO", data("flash_draft.txt"));
  REQUIRE(flash.ok);
  CHECK(flash.precedence == FLASH);
  net.run();

  // Delivery order at RUEHC: the FLASH before every ROUTINE still queued when it was filed.
  std::vector<std::string> order;
  for (const auto& d : net.deliveries()) order.push_back(d.copy.message_id);
  const auto flash_at = std::find(order.begin(), order.end(), flash.message_id) - order.begin();
  INFO("FLASH delivered as copy " << flash_at << " of " << order.size() << "; " << before << " before it was filed");
  CHECK(static_cast<std::size_t>(flash_at) == before);
  // The ROUTINE in progress on the trunk was cancelled and sent again whole.
  REQUIRE_FALSE(net.all<transmission_cancelled>().empty());
  const auto cancel = net.all<transmission_cancelled>().front();
  CHECK(cancel.precedence == ROUTINE);
  CHECK(cancel.preempted_by == FLASH);
  CHECK(std::count(order.begin(), order.end(), cancel.message_id) == 1);
  // No open number, nothing lost, nothing twice.
  CHECK(net.all<open_number>().empty());
  CHECK(order.size() == 51);
  std::sort(order.begin(), order.end());
  CHECK(std::adjacent_find(order.begin(), order.end()) == order.end());
  CHECK(net.at("RUEHEUR").idle());
}

TEST_CASE("station: continuity, duplicates and service messages", "[core][station]") {
  const auto t = shipped("seed");
  SECTION("a gap in channel serials is an open number") {
    station s(t, "RUEHRN");
    decision out;
    Transmission tr;
    tr.set_channel_serial(1);
    *tr.mutable_cable() = acp127::parse(test::read_file(test::seed_cable())).cable;
    s.receive("RUEHEUR", Transmission(tr), sim_time{}, out);
    tr.set_channel_serial(4);
    tr.mutable_cable()->mutable_origin()->set_station_serial(1920);
    out.clear();
    s.receive("RUEHEUR", Transmission(tr), sim_time{}, out);
    const auto opens = of_kind<open_number>(out);
    REQUIRE(opens.size() == 1);
    CHECK(opens[0].first == 2);
    CHECK(opens[0].last == 3);
    SECTION("a cancelled serial is used, not open") {
      out.clear();
      s.cancelled_by_sender("RUEHEUR", 5, sim_time{}, out);
      tr.set_channel_serial(6);
      s.receive("RUEHEUR", Transmission(tr), sim_time{}, out);
      CHECK(count_of<open_number>(out) == 0);
    }
    SECTION("a cancel for a serial already received (its acknowledgment was lost) changes nothing") {
      out.clear();
      s.cancelled_by_sender("RUEHEUR", 4, sim_time{}, out);
      CHECK(out.empty());
      tr.set_channel_serial(5);
      s.receive("RUEHEUR", Transmission(tr), sim_time{}, out);
      CHECK(count_of<open_number>(out) + count_of<serials_restarted>(out) == 0);
    }
  }
  SECTION("an unroutable RI gets a service message back to the originator") {
    recorded_network net(t, epoch_of(t));
    auto text = test::read_file(test::seed_cable());
    text.replace(text.find("RUEHRL/AMEMBASSY BERLIN"), 6, "RUEHXQ");
    REQUIRE(net.file("RUEHRO", text).ok);
    net.run();
    REQUIRE(net.all<reject_copy>().size() == 1);
    CHECK(net.all<reject_copy>()[0].ris == std::vector<std::string>{"RUEHXQ"});
    CHECK(net.all<reject_copy>()[0].service_sent);
    const auto svc = std::find_if(net.deliveries().begin(), net.deliveries().end(),
                                  [](const auto& d) { return d.station == "RUEHRO"; });
    REQUIRE(svc != net.deliveries().end());
    CHECK(svc->copy.copy->body().starts_with("UNCLAS SVC"));
    INFO(svc->copy.copy->body());
    CHECK(svc->copy.copy->body().find("ZEQ4 RUEHRO #1919 2531426") != std::string::npos);
    CHECK(net.deliveries().size() == 6 + 1);  // six good addressees and the service message
  }
  SECTION("a broken link is routed around") {
    recorded_network net(t, epoch_of(t));
    net.cut("RUEHEUR", "RUEHWAS");
    REQUIRE(net.file("RUEHRO", test::read_file(test::seed_cable())).ok);
    net.run();
    CHECK(net.deliveries().size() == 7);
    for (const auto& d : net.deliveries())
      if (d.station == "RUEHC")
        CHECK(d.copy.path == std::vector<std::string>{"RUEHRO", "RUEHEUR", "RUEHLO", "RUEHWAS", "RUEHC"});
  }
}

TEST_CASE("station: station serials wrap at 9999 without repeating an identity, and restart daily", "[core][station]") {
  const auto t = shipped("seed");
  station rome(t, "RUEHRO");
  const auto draft = acp127::parse(data("routine_draft.txt"), {.allow_draft = true}).cable;
  const auto noon = epoch_of(t) + std::chrono::hours(2);
  const auto minute = format_filing_time(filing_time_from_time(noon));  // DDDHHMM
  const auto next_minute = format_filing_time(filing_time_from_time(noon + std::chrono::hours(24)));
  decision out;
  std::set<std::string> ids;
  filing_outcome last;
  for (int i = 0; i < 9999 + 2; ++i) {
    out.clear();
    last = rome.file(draft, noon, out);
    REQUIRE(last.ok);
    ids.insert(last.message_id);
  }
  CHECK(ids.size() == 9999 + 2);                     // every one its own message
  CHECK(ids.count("RUEHRO-9999-" + minute));         // the last serial of the first cycle
  CHECK(ids.count("RUEHRO-0001-" + minute + "~1"));  // the first of the second
  CHECK(last.message_id == "RUEHRO-0002-" + minute + "~1");
  out.clear();
  const auto next_day = rome.file(draft, noon + std::chrono::hours(24), out);
  CHECK(next_day.message_id == "RUEHRO-0001-" + next_minute);  // a new day: 0001 again, first cycle
}

TEST_CASE("station: channel serials run 0001-9999 and wrap", "[core][station]") {
  const auto t = shipped("seed");
  station rome(t, "RUEHRO");
  const auto draft = acp127::parse(data("routine_draft.txt"), {.allow_draft = true}).cable;
  decision out;
  rome.channel_up("RUEHEUR", epoch_of(t), out);
  std::vector<uint32_t> serials;
  for (int i = 0; i < 9999 + 2; ++i) {
    out.clear();
    REQUIRE(rome.file(draft, epoch_of(t), out).ok);
    const auto started = of_kind<start_transmission>(out);
    REQUIRE(started.size() == 1);
    const auto serial = started[0].frame.channel_serial();
    serials.push_back(serial);
    CHECK(started[0].cable->transmission().channel_serial() == serial);  // FL1 says the same
    rome.transmission_done("RUEHEUR", serial, epoch_of(t), out);
    rome.acknowledged("RUEHEUR", serial, epoch_of(t), out);
  }
  CHECK(serials.front() == 1);
  CHECK(serials[9998] == 9999);
  CHECK(serials[9999] == 1);
  CHECK(serials[10000] == 2);
  CHECK(rome.idle());
  SECTION("and restart at 0001 the next day") {
    const auto tomorrow = std::chrono::floor<std::chrono::days>(epoch_of(t)) + std::chrono::days(1);
    out.clear();
    REQUIRE(rome.file(draft, tomorrow, out).ok);
    const auto started = of_kind<start_transmission>(out);
    REQUIRE(started.size() == 1);
    CHECK(started[0].frame.channel_serial() == 1);
  }
}

TEST_CASE("station: a channel that fails takes back what is on the line and unacknowledged", "[core][station]") {
  const auto t = shipped("seed");
  station rome(t, "RUEHRO");
  const auto draft = acp127::parse(data("routine_draft.txt"), {.allow_draft = true}).cable;
  const auto now = epoch_of(t);
  decision out;
  rome.channel_up("RUEHEUR", now, out);
  std::vector<std::string> filed;
  for (int i = 0; i < 3; ++i) filed.push_back(rome.file(draft, now, out).message_id);
  // the first went out and is unacknowledged; the second is on the line; the third waits
  const auto first = of_kind<start_transmission>(out).at(0).frame.channel_serial();
  out.clear();
  rome.transmission_done("RUEHEUR", first, now, out);
  REQUIRE(of_kind<start_transmission>(out).size() == 1);
  CHECK(rome.queued("RUEHEUR") == 1);

  out.clear();
  rome.channel_down("RUEHEUR", now, out);
  const auto changed = of_kind<channel_changed>(out);
  REQUIRE(changed.size() == 1);
  CHECK_FALSE(changed[0].up);
  CHECK(changed[0].moved == 3);
  CHECK(rome.queued("RUEHEUR") == 3);  // RUEHRO has no other way: everything waits for it
  CHECK_FALSE(rome.idle());
  CHECK(of_kind<reject_copy>(out).empty());  // nothing is refused because a neighbour is down

  // back up: the two serials taken back are cancelled, used, not open (the receiver may never
  // have had them); then all three go again, each under a new serial
  out.clear();
  rome.channel_up("RUEHEUR", now, out);
  std::set<uint32_t> cancelled;
  for (const auto& c : of_kind<cancel_serial>(out)) cancelled.insert(c.serial);
  CHECK(cancelled == std::set<uint32_t>{first, first + 1});
  std::vector<std::string> again;
  int suspected = 0;
  for (int i = 0; i < 3; ++i) {
    const auto st = of_kind<start_transmission>(out);
    REQUIRE(st.size() == 1);
    CHECK(st[0].frame.channel_serial() > first);
    again.push_back(of_kind<transmission_started>(out).at(0).message_id);
    // the two that had gone out (whole or in part) go again as suspected duplicates: ZFD pilot
    const auto& c = *st[0].cable;
    if (c.pilots_size()) {
      ++suspected;
      CHECK(c.pilots(0).signals() == "ZFD");
      CHECK(acp127::render(c).find("\nRR RUEHC\nZFD\nRR RUEHC\nDE RUEHRO #") != std::string::npos);
    }
    out.clear();
    rome.transmission_done("RUEHEUR", st[0].frame.channel_serial(), now, out);
  }
  CHECK(suspected == 2);
  std::sort(again.begin(), again.end());
  std::sort(filed.begin(), filed.end());
  CHECK(again == filed);
}

TEST_CASE("station: restore() queues a journalled copy again", "[core][station]") {
  const auto t = shipped("seed");
  station rome(t, "RUEHRO");
  queued_copy kept;
  *kept.cable = acp127::parse(test::read_file(test::seed_cable())).cable;
  kept.precedence = IMMEDIATE;
  kept.message_id = acp127::message_id(*kept.cable);
  kept.journal_id = 41;
  rome.restore("RUEHEUR", kept);
  CHECK(rome.queued("RUEHEUR") == 1);
  CHECK_FALSE(rome.idle());
  decision out;
  rome.channel_up("RUEHEUR", epoch_of(t), out);
  const auto st = of_kind<start_transmission>(out);
  REQUIRE(st.size() == 1);
  CHECK(of_kind<transmission_started>(out).at(0).message_id == "RUEHRO-1919-2531426");
  CHECK(st[0].frame.precedence() == IMMEDIATE);
  SECTION("later copies get journal ids after the restored one") {
    rome.keep_journal(true);
    out.clear();
    rome.file(acp127::parse(data("routine_draft.txt"), {.allow_draft = true}).cable, epoch_of(t), out);
    const auto puts = of_kind<journal_put>(out);
    REQUIRE(puts.size() == 1);
    CHECK(puts[0].copy.journal_id > 41);
  }
}

TEST_CASE("station: a refused filing says why with an error code", "[core][station]") {
  const auto t = shipped("seed");
  station rome(t, "RUEHRO");
  decision out;
  auto draft = acp127::parse(data("routine_draft.txt"), {.allow_draft = true}).cable;
  SECTION("no action addressee") {
    draft.clear_action();
    const auto r = rome.file(draft, epoch_of(t), out);
    CHECK_FALSE(r.ok);
    CHECK(r.code == errc::no_action_addressee);
  }
  SECTION("no addressee this network knows") {
    draft.mutable_action(0)->clear_routing_indicator();
    draft.mutable_action(0)->set_address("AMEMBASSY NOWHERE");
    const auto r = rome.file(draft, epoch_of(t), out);
    CHECK_FALSE(r.ok);
    CHECK(r.code == errc::no_known_addressee);
    CHECK(r.error == r.code.message());
    SECTION("and no station serial is used up by it") {
      const auto ok =
          rome.file(acp127::parse(data("routine_draft.txt"), {.allow_draft = true}).cable, epoch_of(t), out);
      REQUIRE(ok.ok);
      CHECK(ok.message_id.starts_with("RUEHRO-0001-"));
    }
  }
}

TEST_CASE("station: traffic for a channel that is down waits for it, never refused for that", "[core][station]") {
  const auto t = shipped("seed");
  recorded_network net(t, epoch_of(t));
  // RUEHEUR has no other way to Paris: while the circuit is down, Paris's copy waits at RUEHEUR
  net.cut("RUEHEUR", "RUEHFR");
  REQUIRE(net.file("RUEHRO", test::read_file(test::seed_cable())).ok);
  net.run();
  auto at = [&](const std::string& ri) {
    return std::count_if(net.deliveries().begin(), net.deliveries().end(),
                         [&](const auto& d) { return d.station == ri; });
  };
  CHECK(at("RUEHFR") == 0);
  CHECK(net.deliveries().size() == 6);  // the others went on
  CHECK(net.all<reject_copy>().empty());
  CHECK(net.all<service_sent>().empty());
  CHECK(net.at("RUEHEUR").queued("RUEHFR") == 1);
  const auto relayed = net.all<copy_relayed>();
  CHECK(std::any_of(relayed.begin(), relayed.end(), [](const auto& r) { return r.via == "RUEHFR" && r.held; }));
  // the circuit comes back: the copy goes, once
  net.mend("RUEHEUR", "RUEHFR");
  net.run();
  CHECK(at("RUEHFR") == 1);
  CHECK(net.deliveries().size() == 7);
  CHECK(net.at("RUEHEUR").idle());
}

namespace {

/// A draft from Rome to Paris with the given classification line and first paragraph marking.
std::string draft_to_paris(const std::string& classification_line, const std::string& marking) {
  return "FM AMEMBASSY ROME\nTO RUEHFR/AMEMBASSY PARIS\n" + classification_line + "\n\nSUBJECT: TEST\n\n1. " + marking +
         " The text of the first paragraph.\n\n2. (U) The second.\n";
}

/// The same as a complete cable, with the given FL4.
std::string complete_to_paris(const std::string& fl4, const std::string& classification_line,
                              const std::string& marking) {
  return "VZCZCXRO0001\nRR RUEHFR\nDE RUEHRO #0001 2531400\n" + fl4 + "\nR 101400Z SEP 07\n" +
         draft_to_paris(classification_line, marking);
}

topology confidential_circuit() {
  const auto p = test::source_dir() / "tests" / "data" / "topologies" / "confidential_circuit.textproto";
  return topology::load(test::read_file(p), p.string());
}

/// The relay RUEHEUR of the confidential circuit's network, its channels down, at the epoch.
struct circuit_relay {
  topology t = confidential_circuit();
  sim_time now = epoch_of(t);
  station relay{t, "RUEHEUR"};
  decision out;
};

/// An UNCLASSIFIED cable from Rome to Paris, as Rome sends it to the relay under channel serial
/// `serial`; its station serial is `serial` too, so that each is another message.
Transmission unclassified_from_rome(uint32_t serial) {
  Transmission tr;
  tr.set_channel_serial(serial);
  *tr.mutable_cable() = acp127::parse(complete_to_paris("ZNR UUUUU", "UNCLAS ROME 000001", "(U)")).cable;
  tr.mutable_cable()->mutable_origin()->set_station_serial(serial);
  tr.add_path("RUEHRO");
  return tr;
}

/// What happened to a filing at Rome on the confidential circuit's network.
struct circuit_outcome {
  filing_outcome filed;
  std::size_t delivered = 0;  // at Paris
  std::vector<reject_copy> refused;
};

circuit_outcome file_on_confidential_circuit(const std::string& text) {
  const auto t = confidential_circuit();
  recorded_network net(t, epoch_of(t));
  circuit_outcome o;
  o.filed = net.file("RUEHRO", text);
  net.run();
  o.delivered = static_cast<std::size_t>(std::count_if(net.deliveries().begin(), net.deliveries().end(),
                                                       [](const auto& d) { return d.station == "RUEHFR"; }));
  o.refused = net.all<reject_copy>();
  return o;
}

}  // namespace

TEST_CASE("classification: markings that disagree are refused at filing (SEC)", "[core][station][security]") {
  SECTION("SECRET text under ZNR UUUUU") {
    const auto o = file_on_confidential_circuit(complete_to_paris("ZNR UUUUU", "S E C R E T ROME 000001", "(S)"));
    CHECK_FALSE(o.filed.ok);
    CHECK(o.filed.code == errc::bad_marking);
    CHECK(o.filed.error == "SEC: FL4 says UNCLASSIFIED but the text's classification line says SECRET");
    CHECK(o.delivered == 0);
  }
  SECTION("a SECRET paragraph under ZNY CCCCC") {
    const auto o =
        file_on_confidential_circuit(complete_to_paris("ZNY CCCCC", "C O N F I D E N T I A L ROME 000001", "(S)"));
    CHECK(o.filed.code == errc::bad_marking);
    CHECK(o.filed.error == "SEC: paragraph 1 is marked SECRET, above the cable's CONFIDENTIAL");
    CHECK(o.delivered == 0);
  }
  SECTION("an unknown marking") {
    const auto o = file_on_confidential_circuit(draft_to_paris("CONFIDENTIAL", "(X)"));
    CHECK(o.filed.code == errc::bad_marking);
    CHECK(o.filed.error == "SEC: paragraph 1 has an unknown marking (X)");
  }
  SECTION("a SECRET caveat under a CONFIDENTIAL line in a draft") {
    const auto o = file_on_confidential_circuit(draft_to_paris("CONFIDENTIAL", "(S//NF)"));
    CHECK(o.filed.code == errc::bad_marking);
  }
}

TEST_CASE("classification: SECRET drafts, however marked, never cross a CONFIDENTIAL circuit",
          "[core][station][security]") {
  const auto line = GENERATE(as<std::string>{}, "Secret", "CLASSIFICATION: SECRET", "S E C R E T ROME 000001", "");
  // with no classification line, the highest paragraph marking classifies the draft
  const auto o = file_on_confidential_circuit(draft_to_paris(line, "(S)"));
  INFO("classification line: '" << line << "'");
  REQUIRE(o.filed.ok);
  CHECK(o.delivered == 0);
  REQUIRE(o.refused.size() == 1);
  CHECK(o.refused[0].reason == refusal::circuit_classification);
  CHECK(o.refused[0].ris == std::vector<std::string>{"RUEHFR"});
  SECTION("while the same draft, CONFIDENTIAL, crosses") {
    const auto ok = file_on_confidential_circuit(draft_to_paris("CONFIDENTIAL", "(C)"));
    CHECK(ok.delivered == 1);
  }
}

TEST_CASE("classification: a relay computes it from the cable, not from the field a peer sends",
          "[core][station][security]") {
  const auto t = confidential_circuit();
  station relay(t, "RUEHEUR");
  decision out;
  for (const auto& n : {"RUEHRO", "RUEHFR"}) relay.channel_up(n, epoch_of(t), out);
  auto transmit = [&](const std::string& text) {
    Transmission tr;
    tr.set_channel_serial(1);
    *tr.mutable_cable() = acp127::parse(text).cable;
    tr.mutable_cable()->set_classification(UNCLASSIFIED);  // the peer lies
    tr.add_path("RUEHRO");
    out.clear();
    relay.receive("RUEHRO", Transmission(tr), epoch_of(t), out);
    return of_kind<reject_copy>(out);
  };
  SECTION("ZNY SSSSS is SECRET: the CONFIDENTIAL circuit refuses it") {
    const auto refused = transmit(complete_to_paris("ZNY SSSSS", "S E C R E T ROME 000001", "(S)"));
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].reason == refusal::circuit_classification);
    CHECK(refused[0].service_sent);
  }
  SECTION("markings that disagree are refused with a SEC service message") {
    const auto refused = transmit(complete_to_paris("ZNY CCCCC", "C O N F I D E N T I A L ROME 000001", "(TS)"));
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].reason == refusal::bad_marking);
    CHECK(refused[0].detail == "paragraph 1 is marked TOP SECRET, above the cable's CONFIDENTIAL");
    CHECK(refused[0].service_sent);
  }
  SECTION("and either way the transmission is taken in charge (acknowledged)") {
    (void)transmit(complete_to_paris("ZNY SSSSS", "S E C R E T ROME 000001", "(S)"));
    CHECK(count_of<send_ack>(out) == 1);
  }
}

TEST_CASE("station: each copy it sends says how many came in on its channel after it, before it went",
          "[core][station]") {
  circuit_relay c;
  auto& [t, now, relay, out] = c;
  relay.channel_up("RUEHRO", now, out);  // Paris's circuit is down: the copies wait
  const uint32_t cables = 3;
  for (uint32_t i = 1; i <= cables; ++i) relay.receive("RUEHRO", unclassified_from_rome(i), now, out);
  REQUIRE(relay.queued("RUEHFR") == cables);
  out.clear();
  relay.channel_up("RUEHFR", now, out);
  for (uint32_t sent = 0; sent < cables; ++sent) {
    const auto starts = of_kind<start_transmission>(out);
    REQUIRE(starts.size() == 1);
    // the i-th to go was taken in charge before the cables - 1 - i behind it, all there when it went
    CHECK(starts[0].frame.later_arrivals() == cables - 1 - sent);
    const auto serial = starts[0].frame.channel_serial();
    out.clear();
    relay.transmission_done("RUEHFR", serial, now, out);
  }
  CHECK(relay.queued("RUEHFR") == 0);
}

TEST_CASE("station: a relay lends an acknowledged copy's cable, cleared, to whoever parses the next frame",
          "[core][station]") {
  circuit_relay c;
  auto& [t, now, relay, out] = c;
  for (const auto& n : {"RUEHRO", "RUEHFR"}) relay.channel_up(n, now, out);
  // receive a cable, send it to Paris, and have it acknowledged there
  auto relay_one = [&](Transmission& tr) {
    out.clear();
    relay.receive("RUEHRO", std::move(tr), now, out);
    const auto starts = of_kind<start_transmission>(out);
    REQUIRE(starts.size() == 1);
    const auto serial = starts[0].frame.channel_serial();
    const auto* sent = relay.on_line("RUEHFR", serial);
    REQUIRE(sent);
    CHECK(sent->origin().station_serial() == tr.channel_serial());
    CHECK(sent->body() == unclassified_from_rome(1).cable().body());
    CHECK_FALSE(tr.has_cable());  // the cable is taken: the transmission is left without one
    CHECK(&tr.cable() == &Cable::default_instance());
    const auto* origin = &sent->origin();
    relay.transmission_done("RUEHFR", serial, now, out);
    relay.acknowledged("RUEHFR", serial, now, out);
    return origin;
  };
  SECTION("one never asked keeps none (the virtual-time engine makes a frame for every delivery)") {
    for (uint32_t serial = 1; serial <= 3; ++serial) {
      auto tr = unclassified_from_rome(serial);
      relay_one(tr);
    }
    CHECK(relay.spare_cables() == 0);
  }
  SECTION("one asked keeps what it was asked for, and lends it cleared") {
    auto first = unclassified_from_rome(1);
    relay_one(first);
    relay.lend_spare(first);  // none yet: the next acknowledged copy is kept
    CHECK(relay.spare_cables() == 0);
    auto second = unclassified_from_rome(2);
    const auto* origin = relay_one(second);
    REQUIRE(relay.spare_cables() == 1);
    relay.lend_spare(second);
    CHECK(relay.spare_cables() == 0);
    CHECK(second.cable().ByteSizeLong() == 0);  // cleared,
    CHECK_FALSE(second.cable().has_origin());
    CHECK(second.mutable_cable()->mutable_origin() == origin);  // and holding the sent copy's parts
    // the next cable, filled into it as a parse fills it, goes through whole
    *second.mutable_cable() = unclassified_from_rome(3).cable();
    second.set_channel_serial(3);
    relay_one(second);
  }
}

TEST_CASE("station: a relay makes a transmission's frame in the one handed back, as it makes a new one",
          "[core][station]") {
  // two relays, the same three cables: one is handed back each frame once it is done with it
  auto run = [](bool recycling, std::vector<const std::string*>* path_strings) {
    circuit_relay c;
    auto& [t, now, relay, out] = c;
    for (const auto& n : {"RUEHRO", "RUEHFR"}) relay.channel_up(n, now, out);
    std::vector<std::string> frames;
    for (uint32_t serial = 1; serial <= 3; ++serial) {
      out.clear();
      relay.receive("RUEHRO", unclassified_from_rome(serial), now, out);
      for (std::size_t i = 0; i < out.commands.size(); ++i)  // (by index: the relay adds to `out` below)
        if (auto* st = std::get_if<start_transmission>(&out.commands[i])) {
          frames.push_back(st->frame.SerializeAsString());
          REQUIRE(st->frame.path_size() == 2);  // RUEHRO, RUEHEUR
          if (path_strings) path_strings->push_back(&st->frame.path(0));
          const auto sent = st->frame.channel_serial();
          if (recycling) relay.recycle_frame(std::move(st->frame));
          relay.transmission_done("RUEHFR", sent, now, out);
          relay.acknowledged("RUEHFR", sent, now, out);
        }
    }
    return frames;
  };
  std::vector<const std::string*> strings;
  const auto recycled = run(true, &strings);
  REQUIRE(recycled.size() == 3);
  CHECK(recycled == run(false, nullptr));
  // the second and third frames' paths are the first's strings, cleared and filled again
  REQUIRE(strings.size() == 3);
  CHECK(strings[1] == strings[0]);
  CHECK(strings[2] == strings[0]);
}

TEST_CASE("station: one told to leave out what goes well says everything else, and does the same", "[core][station]") {
  // the same traffic through two relays, one telling what goes well and one not: three cables,
  // the first again (a duplicate), and an acknowledgment for a serial never sent
  auto run = [](bool telling) {
    circuit_relay c;
    auto& [t, now, relay, out] = c;
    relay.tell_routine(telling);
    for (const auto& n : {"RUEHRO", "RUEHFR"}) relay.channel_up(n, now, out);
    for (uint32_t serial = 1; serial <= 4; ++serial) {
      auto tr = unclassified_from_rome(serial == 4 ? 1 : serial);
      tr.set_channel_serial(serial);
      const auto before = out.commands.size();
      relay.receive("RUEHRO", std::move(tr), now, out);
      for (std::size_t i = before; i < out.commands.size(); ++i)
        if (const auto* st = std::get_if<start_transmission>(&out.commands[i])) {
          const auto sent = st->frame.channel_serial();
          relay.transmission_done("RUEHFR", sent, now, out);
          relay.acknowledged("RUEHFR", sent, now, out);
        }
    }
    relay.acknowledged("RUEHFR", 999, now, out);
    return out;
  };
  const auto routine = [](const station_event& e) {
    const auto* ack = std::get_if<transmission_acknowledged>(&e);
    return std::holds_alternative<transmission_received>(e) || std::holds_alternative<copy_relayed>(e) ||
           std::holds_alternative<queue_changed>(e) || std::holds_alternative<transmission_started>(e) ||
           std::holds_alternative<transmission_ended>(e) || (ack && ack->expected);
  };
  const auto told = run(true), quiet = run(false);
  std::vector<std::size_t> told_kinds, quiet_kinds;
  for (const auto& e : told.events)
    if (!routine(e)) told_kinds.push_back(e.index());
  for (const auto& e : quiet.events) quiet_kinds.push_back(e.index());
  CHECK(std::count_if(told.events.begin(), told.events.end(), routine) > 0);
  CHECK(std::none_of(quiet.events.begin(), quiet.events.end(), routine));
  CHECK(quiet_kinds == told_kinds);  // the rest, in the same order
  // the same commands for whoever carries them out
  REQUIRE(quiet.commands.size() == told.commands.size());
  for (std::size_t i = 0; i < quiet.commands.size(); ++i) CHECK(quiet.commands[i].index() == told.commands[i].index());
  const auto told_sent = of_kind<start_transmission>(told), quiet_sent = of_kind<start_transmission>(quiet);
  REQUIRE(quiet_sent.size() == 3);
  REQUIRE(told_sent.size() == 3);
  for (std::size_t i = 0; i < quiet_sent.size(); ++i) {
    const auto &q = quiet_sent[i], &t = told_sent[i];
    CHECK(q.channel == t.channel);
    CHECK(q.frame.SerializeAsString() == t.frame.SerializeAsString());
    CHECK(q.line_time == t.line_time);
  }
  for (const auto& started : of_kind<transmission_started>(told)) {
    CHECK(started.characters > 0);
    CHECK_FALSE(started.message_id.empty());
  }
  CHECK(of_kind<send_ack>(quiet).size() == 4);
  REQUIRE(of_kind<duplicate_dropped>(quiet).size() == 1);
  CHECK_FALSE(of_kind<duplicate_dropped>(quiet)[0].label.empty());  // it names the cable all the same
  CHECK(of_kind<duplicate_dropped>(quiet)[0].label == of_kind<duplicate_dropped>(told)[0].label);
  const auto acks = of_kind<transmission_acknowledged>(quiet);
  REQUIRE(acks.size() == 1);
  CHECK_FALSE(acks[0].expected);
}

TEST_CASE("station: a post no one watches names what it delivers as one watched does", "[core][station]") {
  std::vector<std::string> labels;
  for (const bool telling : {true, false}) {
    const auto t = confidential_circuit();
    const auto now = epoch_of(t);
    station paris(t, "RUEHFR");
    paris.tell_routine(telling);
    decision out;
    paris.channel_up("RUEHEUR", now, out);
    auto tr = unclassified_from_rome(1);
    tr.add_path("RUEHEUR");
    paris.receive("RUEHEUR", std::move(tr), now, out);
    const auto delivered = of_kind<copy_delivered>(out);
    REQUIRE(delivered.size() == 1);
    labels.push_back(delivered[0].label);
  }
  CHECK_FALSE(labels[0].empty());
  CHECK(labels[1] == labels[0]);
}

TEST_CASE("station: each copy it sends says the most copies that waited at once since its channel came up",
          "[core][station]") {
  const auto t = confidential_circuit();
  auto now = epoch_of(t);
  station relay(t, "RUEHEUR");
  decision out;
  // the running total of its queue_changed events, and its most: what a copy should say
  std::map<std::string, uint32_t> depth;
  uint64_t waiting = 0, most = 0;
  auto follow = [&] {
    for (const auto& q : of_kind<queue_changed>(out)) {
      waiting = waiting + q.total() - depth[q.channel];
      depth[q.channel] = q.total();
      most = std::max(most, waiting);
    }
  };
  uint32_t serial = 0;
  auto receive = [&] { relay.receive("RUEHRO", unclassified_from_rome(++serial), now, out); };
  relay.channel_up("RUEHRO", now, out);  // Paris's circuit is down: the copies wait
  for (int i = 0; i < 3; ++i) receive();
  follow();
  REQUIRE(most == 3);
  out.clear();
  relay.channel_up("RUEHFR", now, out);
  for (int sent = 0; sent < 3; ++sent) {
    follow();
    const auto starts = of_kind<start_transmission>(out);
    REQUIRE(starts.size() == 1);
    CHECK(starts[0].frame.queued_peak() == most);  // they waited before it came up: still waiting
    out.clear();
    relay.transmission_done("RUEHFR", starts[0].frame.channel_serial(), now, out);
    relay.acknowledged("RUEHFR", starts[0].frame.channel_serial(), now, out);  // in Paris's charge now
  }
  follow();
  REQUIRE(waiting == 0);
  // down and up again: from then on nothing waits, as a copy straight through does not
  relay.channel_down("RUEHFR", now, out);
  now += std::chrono::minutes(1);
  relay.channel_up("RUEHFR", now, out);
  out.clear();
  receive();
  follow();
  const auto starts = of_kind<start_transmission>(out);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].frame.queued_peak() == 0);
  CHECK(waiting == 0);
}

TEST_CASE("station: a filing refused at once for some addressees says so in its outcome", "[core][station][security]") {
  // Paris's own circuit is approved for CONFIDENTIAL only: a SECRET draft from Paris is filed
  // (numbered, in the post's charge) but refused at once for Rome, and the filer learns why
  const auto t = confidential_circuit();
  station paris(t, "RUEHFR");
  decision out;
  paris.channel_up("RUEHEUR", epoch_of(t), out);
  auto draft = draft_to_paris("SECRET", "(S)");
  draft.replace(draft.find("FM AMEMBASSY ROME\nTO RUEHFR/AMEMBASSY PARIS"), 42,
                "FM AMEMBASSY PARIS\nTO RUEHRO/AMEMBASSY ROME");
  const auto r = paris.file(acp127::parse(draft, {.allow_draft = true}).cable, epoch_of(t), out);
  CHECK(r.ok);
  CHECK(r.refused == std::vector<std::string>{
                         "RUEHRO: a SECRET cable may not use the RUEHFR-RUEHEUR circuit (approved for CONFIDENTIAL)"});
}

TEST_CASE("station: a complete cable filed where it did not originate is refused, unless re-filing is allowed",
          "[core][station][security]") {
  auto proto = confidential_circuit().proto();
  const auto cable = acp127::parse(complete_to_paris("ZNR UUUUU", "UNCLAS ROME 000001", "(U)")).cable;  // DE RUEHRO
  auto file_at_paris = [&](bool refile) {
    proto.mutable_stations(2)->set_refile(refile);  // RUEHFR
    const auto t = topology::from_proto(proto);
    station paris(t, "RUEHFR");
    decision out;
    return paris.file(cable, epoch_of(t), out);
  };
  const auto refused = file_at_paris(false);
  CHECK(refused.code == errc::foreign_origin);
  CHECK(
      refused.error ==
      "FL3 says DE RUEHRO, but a cable filed at RUEHFR must originate here (the topology does not let RUEHFR re-file)");
  CHECK(file_at_paris(true).ok);
}

TEST_CASE("limits: a cable names at most 500 addressees and 500 RIs", "[core][station][security]") {
  // what a relay does with a received transmission, spoiled as a section says
  const auto relay_receives = [](const std::function<void(Transmission&)>& spoil) {
    const auto t = confidential_circuit();
    station relay(t, "RUEHEUR");
    decision out;
    for (const auto& n : {"RUEHRO", "RUEHFR"}) relay.channel_up(n, epoch_of(t), out);
    Transmission tr;
    tr.set_channel_serial(1);
    *tr.mutable_cable() = acp127::parse(complete_to_paris("ZNR UUUUU", "UNCLAS ROME 000001", "(U)")).cable;
    tr.add_path("RUEHRO");
    spoil(tr);
    out.clear();
    relay.receive("RUEHRO", Transmission(tr), epoch_of(t), out);
    return out;
  };
  // the reasons it refused it whole
  const auto refusals = [&](const std::function<void(Transmission&)>& spoil) {
    const auto out = relay_receives(spoil);
    std::vector<std::string> why;
    for (const auto& r : of_kind<reject_copy>(out))
      if (r.reason == refusal::over_limits || r.reason == refusal::looped) why.push_back(r.detail);
    CHECK(of_kind<send_ack>(out).size() == 1);  // taken in charge all the same
    return why;
  };
  SECTION("a relay refuses a cable with more pilots, or a pilot with more RIs, than any real one") {
    CHECK(refusals([](Transmission&) {}).empty());
    CHECK(refusals([](Transmission& tr) {
            for (std::size_t i = 0; i <= acp127::max_pilots; ++i) tr.mutable_cable()->add_pilots()->set_signals("ZFD");
          }) == std::vector<std::string>{std::to_string(acp127::max_pilots + 1) + " pilots: more than the " +
                                         std::to_string(acp127::max_pilots) + " a cable may carry"});
    CHECK(refusals([](Transmission& tr) {
            auto* line = tr.mutable_cable()->add_pilots()->mutable_routing_line();
            for (std::size_t i = 0; i <= acp127::max_routing_indicators; ++i) line->add_routing_indicators("RUEHFR");
          }) == std::vector<std::string>{std::to_string(acp127::max_routing_indicators + 1) +
                                         " routing indicators in a pilot's routing line: more than the " +
                                         std::to_string(acp127::max_routing_indicators) + " a cable may have"});
  }
  SECTION("a relay refuses a transmission whose path is longer than twice the network") {
    const auto stations = static_cast<std::size_t>(confidential_circuit().proto().stations_size());
    CHECK(refusals([&](Transmission& tr) {
            // (its path names RUEHRO already; the relay adds itself): 2 x stations in all
            for (std::size_t i = 2; i < 2 * stations; ++i) tr.add_path("RUEHRO");
          }).empty());
    CHECK(refusals([&](Transmission& tr) {
            for (std::size_t i = 1; i < 2 * stations; ++i) tr.add_path("RUEHRO");
          }) == std::vector<std::string>{"a path of " + std::to_string(2 * stations + 1) +
                                         " stations: more than twice the network's " + std::to_string(stations)});
  }
  SECTION("the parser refuses the 501st addressee, with where it is") {
    std::string draft = "FM AMEMBASSY ROME\nTO RUEHFR/AMEMBASSY PARIS\n";
    for (int i = 0; i < 500; ++i) draft += "RUEHFR/AMEMBASSY PARIS\n";
    draft += "UNCLAS\n\n1. (U) Text.\n";
    const auto r = acp127::parse(draft, {.allow_draft = true});
    REQUIRE_FALSE(r);
    CHECK(r.error->line == 502);  // FM is line 1, the first addressee line 2
    CHECK(r.error->message == "more than 500 addressees: a cable names hundreds at most");
  }
  SECTION("a relay refuses a received cable with 100,000 RIs whole, and still takes it in charge") {
    const auto out = relay_receives([](Transmission& tr) {
      for (int i = 0; i < 100'000; ++i) tr.mutable_cable()->mutable_routing_line()->add_routing_indicators("RUEHFR");
    });
    const auto refused = of_kind<reject_copy>(out);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].reason == refusal::over_limits);
    CHECK(refused[0].detail == "100001 routing indicators in FL2: more than the 500 a cable may have");
    CHECK(refused[0].service_sent);
    const auto relayed = of_kind<copy_relayed>(out);
    CHECK(std::none_of(relayed.begin(), relayed.end(), [](const auto& r) {
      return r.via == "RUEHFR";  // (the service message goes back to Rome)
    }));
    CHECK(count_of<send_ack>(out) == 1);
  }
}

TEST_CASE("station: each channel has its own designator in FL1", "[core][station]") {
  const auto t = shipped("seed");
  recorded_network net(t, epoch_of(t));
  REQUIRE(net.file("RUEHRO", test::read_file(test::seed_cable())).ok);
  net.run();
  std::map<std::string, std::set<std::string>> designators;  // by sending station
  std::map<std::pair<std::string, std::string>, std::string> of_channel;
  for (const auto& a : net.actions())
    if (const auto* s = std::get_if<transmission_started>(&a.what)) {
      designators[a.station].insert(s->designator);
      of_channel[{a.station, s->channel}] = s->designator;
      CHECK(s->cable->transmission().channel_designator() == s->designator);
    }
  // RUEHEUR transmitted on six channels, each under a designator of its own
  CHECK(designators["RUEHEUR"].size() == 6);
  CHECK(of_channel[{"RUEHRO", "RUEHEUR"}] == "XRO");  // the default: X + the sender's last two letters
  for (const auto& [channel, designator] : of_channel) {
    const auto& link = t.proto().links(t.link_index(channel.first, channel.second));
    CHECK(designator == (link.a() == channel.first ? link.designator_a() : link.designator_b()));
  }
}

TEST_CASE("sections: a 24,000-character cable goes as numbered sections that reassemble to its text",
          "[core][station][sections]") {
  const auto t = shipped("seed");
  // a draft of 24,000 characters of text, in lines of at most 69 (as transmitted)
  std::string text = "C O N F I D E N T I A L ROME 001234\n\nSUBJECT: A LONG REPORT\n\n";
  for (int para = 1; text.size() < 24'000; ++para) {
    text += std::to_string(para) + ". (C) Paragraph " + std::to_string(para) + " of a report long enough to\n";
    for (int l = 0; l < 5; ++l) text += "need sections: line " + std::to_string(l) + " of this paragraph goes on.\n";
    text += "\n";
  }
  recorded_network net(t, epoch_of(t));
  const auto filed = net.file("RUEHRO", "FM AMEMBASSY ROME\nTO RUEHFR/AMEMBASSY PARIS\n" + text);
  REQUIRE(filed.ok);
  const auto sections = net.all<cable_filed>().at(0).sections;
  INFO("sections: " << sections);
  CHECK(sections >= 4);
  net.run();
  std::map<uint32_t, std::string> at_paris;  // section -> its copy as delivered
  for (const auto& d : net.deliveries())
    if (d.station == "RUEHFR") at_paris[d.copy.copy->origin().section()] = acp127::render(*d.copy.copy);
  REQUIRE(at_paris.size() == sections);
  std::string reassembled;
  for (const auto& [k, copy] : at_paris) {
    INFO("section " << k);
    const auto nn = zero_pad(k, 2), mm = zero_pad(sections, 2);
    // the same SSN with /NN, the same filing time and DTG; SECTION NN OF MM in the classification line
    CHECK(copy.find("\nDE RUEHRO #" + zero_pad(1, 4) + "/" + nn + " ") != std::string::npos);
    const auto from_fl5 = copy.substr(copy.find("\nR ") + 1);
    CHECK(std::count(from_fl5.begin(), from_fl5.end(), '\n') <= 100);  // §208: 5 pages of 20 lines
    const auto body = copy.substr(copy.find("C O N F I D E N T I A L SECTION " + nn + " OF " + mm + " ROME 001234\n"));
    reassembled += body.substr(body.find('\n') + 1);
  }
  CHECK(reassembled == text.substr(text.find('\n') + 1));
  // each section is its own transmission, all at the cable's precedence
  std::set<std::string> transmitted;
  for (const auto& a : net.actions())
    if (const auto* s = std::get_if<transmission_started>(&a.what); s && a.station == "RUEHRO") {
      transmitted.insert(s->message_id);
      CHECK(s->precedence == ROUTINE);
    }
  CHECK(transmitted.size() == sections);
}

TEST_CASE("station: a post files a real cable as filed (from FL5 on), addressees by plain-language address",
          "[core][station][corpus]") {
  const auto corpus = test::corpus_dir();
  if (corpus.empty()) return test::skipped("../shared/corpus is absent");
  const auto t = shipped("worldwide");
  const auto parsed = acp127::parse(test::read_file(corpus / "cables" / "09TRIPOLI475.txt"));
  REQUIRE(parsed);
  REQUIRE(parsed.cable.form() == AS_FILED);
  CHECK(parsed.cable.action(0).routing_indicator().empty());  // TO SECSTATE WASHDC: no RI
  recorded_network net(t, epoch_of(t));
  const auto filed = net.network().file("RUEHTRO", parsed.cable);
  INFO(filed.error);
  REQUIRE(filed.ok);
  // every addressee the network knows by its address gets a copy; the action one first
  CHECK(filed.addressees.front() == "RUEHC");
  CHECK(filed.precedence == IMMEDIATE);  // "O P": dual precedence kept
  net.run();
  std::set<std::string> stations;  // (it is long: each station gets every section)
  for (const auto& d : net.deliveries()) stations.insert(d.station);
  CHECK(stations == std::set<std::string>(filed.addressees.begin(), filed.addressees.end()));
}

TEST_CASE("continuity: a transmission lost on the line is found and run again, never delivered twice",
          "[core][station][continuity]") {
  const auto t = shipped("seed");
  const auto draft = data("routine_draft.txt");
  auto delivered_at = [](const recorded_network& net, const std::string& station) {
    std::map<std::string, int> n;
    for (const auto& d : net.deliveries())
      if (d.station == station) ++n[d.copy.message_id];
    return n;
  };
  SECTION("a gap: the next transmission shows it, and the receiver asks for a rerun at once") {
    recorded_network net(t, epoch_of(t));
    REQUIRE(net.file("RUEHRO", draft).ok);
    net.run();
    net.network().lose_next_transmission("RUEHRO", "RUEHEUR");  // 0002 will be lost
    for (int i = 0; i < 2; ++i) REQUIRE(net.file("RUEHRO", draft).ok);
    net.run();
    const auto opens = net.all<open_number>();
    REQUIRE(opens.size() == 1);
    CHECK(opens[0].channel == "RUEHRO");
    CHECK(opens[0].first == 2);
    CHECK(opens[0].last == 2);
    REQUIRE(net.all<rerun_asked>().size() == 1);
    const auto reruns = net.all<copy_rerun>();
    REQUIRE(reruns.size() == 1);
    CHECK(reruns[0].serial == 2);
    const auto at_c = delivered_at(net, "RUEHC");
    CHECK(at_c.size() == 3);
    for (const auto& [id, n] : at_c) CHECK(n == 1);
    // the rerun copy is marked ZDK in FL5
    bool zdk = false;
    for (const auto& d : net.deliveries())
      if (d.copy.message_id == reruns[0].message_id)
        zdk = acp127::render(*d.copy.copy).find(" ZDK\n") != std::string::npos;
    CHECK(zdk);
  }
  SECTION("the only transmission lost: after 30 minutes unacknowledged, the sender's ZIC finds it") {
    recorded_network net(t, epoch_of(t));
    net.network().lose_next_transmission("RUEHRO", "RUEHEUR");
    REQUIRE(net.file("RUEHRO", draft).ok);
    net.run(epoch_of(t) + std::chrono::hours(2));
    const auto checks = net.all<continuity_sent>();
    // the channel from Rome carried nothing RUEHEUR heard: it asks nothing
    CHECK(std::none_of(checks.begin(), checks.end(), [](const auto& c) { return !c.answer && c.channel == "RUEHRO"; }));
    const auto zic = std::find_if(checks.begin(), checks.end(),
                                  [](const auto& c) { return c.answer && c.unasked && c.channel == "RUEHEUR"; });
    REQUIRE(zic != checks.end());
    CHECK(zic->last_serial == 1);  // Rome sent 0001
    CHECK(zic->designator == "XRO");
    CHECK(net.all<copy_rerun>().size() == 1);
    const auto at_c = delivered_at(net, "RUEHC");
    REQUIRE(at_c.size() == 1);
    CHECK(at_c.begin()->second == 1);
    // found by the check, 30 minutes after the channel went quiet
    for (const auto& d : net.deliveries())
      if (d.station == "RUEHC") CHECK(d.at - epoch_of(t) >= std::chrono::minutes(30));
  }
}
