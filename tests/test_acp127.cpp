#include <fstream>
#include <iterator>
#include <random>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/explain.hpp"
#include "cablesim/core/markings.hpp"
#include "cablesim/core/precedence.hpp"

#include <catch2/catch.hpp>

#include "support.hpp"

using namespace cablesim;
using acp127::parse;

namespace {

std::vector<std::string> ris(const google::protobuf::RepeatedPtrField<Addressee>& list) {
  std::vector<std::string> out;
  for (const auto& a : list) out.push_back(a.routing_indicator());
  return out;
}

const char* minimal =
    "VZCZCXRO0001\n"
    "RR RUEHC\n"
    "DE RUEHRO #0001 2531426\n"
    "ZNR UUUUU ZZH\n"
    "R 101426Z SEP 07\n"
    "FM AMEMBASSY ROME\n"
    "TO RUEHC/SECSTATE WASHDC 0001\n"
    "UNCLAS ROME 000001\n"
    "\n"
    "1. (U) Text.\n";

/// The minimal cable with one line replaced.
std::string with_line(int index, std::string_view replacement) {
  std::string text = minimal;
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = text.find('\n', start) + 1;
  const auto end = text.find('\n', start);
  text.replace(start, end - start, replacement);
  return text;
}

}  // namespace

TEST_CASE("acp127: the seed cable parses as given", "[core][acp127]") {
  const auto text = test::read_file(test::seed_cable());
  REQUIRE(!text.empty());
  const auto r = parse(text);
  INFO((r.error ? r.error->format("seed") : ""));
  REQUIRE(r);
  const auto& c = r.cable;

  SECTION("FL1 to FL5") {
    CHECK(c.transmission().channel_designator() == "XRO");
    CHECK(c.transmission().channel_serial() == 2781);
    REQUIRE(c.routing_line().precedence_size() == 1);
    CHECK(c.routing_line().precedence(0) == IMMEDIATE);
    CHECK(std::vector<std::string>(c.routing_line().routing_indicators().begin(),
                                   c.routing_line().routing_indicators().end()) == std::vector<std::string>{"RUEHRN"});
    CHECK(c.origin().station_ri() == "RUEHRO");
    CHECK(c.origin().station_serial() == 1919);
    CHECK(c.origin().section() == 0);
    CHECK(c.origin().filing_time().day_of_year() == 253);
    CHECK(c.origin().filing_time().hour() == 14);
    CHECK(c.origin().filing_time().minute() == 26);
    CHECK(c.security().prosign() == "ZNY");
    CHECK(c.security().classification() == CONFIDENTIAL);
    CHECK(c.classification() == CONFIDENTIAL);
    REQUIRE(c.security().operating_signals_size() == 1);
    CHECK(c.security().operating_signals(0) == "ZZH");
    REQUIRE(c.dtg_line().precedence_size() == 1);
    CHECK(c.dtg_line().precedence(0) == IMMEDIATE);
    const auto& d = c.dtg_line().dtg();
    CHECK(d.day() == 10);
    CHECK(d.month() == 9);
    CHECK(d.year() == 2007);
    CHECK(d.hour() == 14);
    CHECK(d.minute() == 26);
  }
  SECTION("FM, TO and INFO") {
    CHECK(c.originator() == "AMEMBASSY ROME");
    CHECK(ris(c.action()) == std::vector<std::string>{"RUCNDT", "RUEHC", "RUEHUNV", "RUEHRN"});
    CHECK(ris(c.information()) == std::vector<std::string>{"RUEHRL", "RUEHLO", "RUEHFR"});
    const std::vector<std::string> to_numbers{"0797", "8947", "0113", "0136"};
    for (int i = 0; i < c.action_size(); ++i) {
      CHECK(c.action(i).precedence() == IMMEDIATE);
      CHECK(c.action(i).number() == to_numbers[static_cast<std::size_t>(i)]);
    }
    const std::vector<std::string> info_numbers{"1784", "1410", "2323"};
    for (int i = 0; i < c.information_size(); ++i) {
      CHECK(c.information(i).precedence() == PRIORITY);
      CHECK(c.information(i).number() == info_numbers[static_cast<std::size_t>(i)]);
    }
    CHECK(c.action(1).address() == "SECSTATE WASHDC");
    CHECK(c.information(0).address() == "AMEMBASSY BERLIN");
  }
  SECTION("the text") {
    const auto& t = c.text();
    CHECK(t.classification_line() == "C O N F I D E N T I A L ROME 001919");
    CHECK(std::vector<std::string>(t.tags().begin(), t.tags().end()) ==
          std::vector<std::string>{"AORC", "IAEA", "IR", "IT", "KNNP", "MNUC"});
    CHECK(t.subject() ==
          "ITALY: IAEA/IRAN PLAN OF ACTION NO SUBSTITUTE FOR UNSC ACTION; IRANIAN DFM JALILI TOLD TO COOPERATE");
    CHECK(std::vector<std::string>(t.refs().begin(), t.refs().end()) ==
          std::vector<std::string>{"STATE 124823", "STATE 123352"});
    REQUIRE(t.paragraphs_size() == 4);
    for (int i = 0; i < 4; ++i) {
      CHECK(t.paragraphs(i).number() == static_cast<unsigned>(i + 1));
      CHECK(t.paragraphs(i).portion_marking() == "C");
    }
    CHECK(t.paragraphs(0).text().starts_with("On September 6 the Ambassador"));
    CHECK(t.paragraphs(3).text().ends_with("End Comment."));
    CHECK(t.signature() == "SPOGLI");
    CHECK(t.eo() == "12958: DECL: 09/10/2022");
    CHECK(t.classified_by().starts_with("Classified by Ronald P. Spogli"));
    CHECK(std::vector<std::string>(t.captions().begin(), t.captions().end()) ==
          std::vector<std::string>{"SIPDIS", "SIPDIS"});
  }
  SECTION("message identity") { CHECK(acp127::message_id(c) == "RUEHRO-1919-2531426"); }
  SECTION("render reproduces the heading, trailing spaces aside") {
    const auto heading = acp127::render_heading(c);
    CHECK(
        heading.starts_with("VZCZCXRO2781\nOO RUEHRN\nDE RUEHRO #1919 2531426\nZNY CCCCC ZZH\nO 101426Z SEP 07\n"
                            "FM AMEMBASSY ROME\nTO RUCNDT/USMISSION USUN NEW YORK IMMEDIATE 0797\n"));
    CHECK(
        heading.ends_with("INFO RUEHRL/AMEMBASSY BERLIN PRIORITY 1784\nRUEHLO/AMEMBASSY LONDON PRIORITY 1410\n"
                          "RUEHFR/AMEMBASSY PARIS PRIORITY 2323\n"));
  }
  SECTION("parse(render(parse(x))) == parse(x)") {
    const auto again = parse(acp127::render(c));
    REQUIRE(again);
    CHECK(again.cable.SerializeAsString() == c.SerializeAsString());
  }
}

TEST_CASE("acp127: heading variants of the corpus", "[core][acp127]") {
  SECTION("sections, dual precedence and operating signals after the DTG") {
    auto text = with_line(2, "DE RUEHMD #4314/01 3571155");
    text = text.substr(0, text.find("R 101426Z")) + "O R 101426Z SEP 07 ZDK\n" + text.substr(text.find("FM AMEMBASSY"));
    const auto r = parse(text);
    REQUIRE(r);
    CHECK(r.cable.origin().section() == 1);
    CHECK(r.cable.origin().station_serial() == 4314);
    REQUIRE(r.cable.dtg_line().precedence_size() == 2);
    CHECK(r.cable.dtg_line().precedence(0) == IMMEDIATE);
    CHECK(r.cable.dtg_line().precedence(1) == ROUTINE);
    REQUIRE(r.cable.dtg_line().operating_signals_size() == 1);
    CHECK(r.cable.dtg_line().operating_signals(0) == "ZDK");
    CHECK(acp127::message_id(r.cable) == "RUEHMD-4314.01-3571155");
  }
  SECTION("four-digit and two-digit years") {
    const auto r4 = parse(with_line(4, "R 101426Z SEP 2007"));
    REQUIRE(r4);
    CHECK(r4.cable.dtg_line().dtg().year() == 2007);
    CHECK(acp127::render_heading(r4.cable).find("R 101426Z SEP 2007\n") != std::string::npos);
    const auto r90 = parse(with_line(4, "R 171512Z JAN 90"));
    REQUIRE(r90);
    CHECK(r90.cable.dtg_line().dtg().year() == 1990);
  }
  SECTION("NIACT IMMEDIATE, collectives and addressees without numbers") {
    auto text = with_line(6,
                          "TO RUEHC/SECSTATE WASHDC NIACT IMMEDIATE 0001\n"
                          "INFO RUEHXD/MOSCOW POLITICAL COLLECTIVE PRIORITY\n"
                          "EU MEMBER STATES COLLECTIVE\n"
                          "RHMFISS/HQ USSOUTHCOM MIAMI FL");
    const auto r = parse(text);
    REQUIRE(r);
    REQUIRE(r.cable.action_size() == 1);
    CHECK(r.cable.action(0).niact());
    CHECK(r.cable.action(0).precedence() == IMMEDIATE);
    REQUIRE(r.cable.information_size() == 3);
    CHECK(r.cable.information(0).collective());
    CHECK(r.cable.information(0).number().empty());
    CHECK(r.cable.information(1).routing_indicator().empty());
    CHECK(r.cable.information(1).address() == "EU MEMBER STATES COLLECTIVE");
    CHECK(r.cable.information(2).precedence() == PRECEDENCE_UNSPECIFIED);
    CHECK(r.cable.text().classification_line() == "UNCLAS ROME 000001");
  }
  SECTION("where the addressees end and the text begins") {
    const auto r = parse(with_line(6,
                                   "TO SECSTATE WASHDC IMMEDIATE 0001\n"
                                   "INFO AMEMBASSY TRIPOLI\n"
                                   "AMEMBASSY CAIRO PRIORITY"));
    REQUIRE(r);
    REQUIRE(r.cable.information_size() == 2);
    CHECK(r.cable.information(1).address() == "AMEMBASSY CAIRO");
    CHECK(r.cable.information(1).precedence() == PRIORITY);
    for (const auto* first_text_line : {"SECRET/NOFORN", "DEPT FOR INR", "FOR OFFICIAL USE ONLY", "SIPDIS"}) {
      INFO(first_text_line);
      auto text = with_line(7, first_text_line);
      const auto t = parse(text);
      REQUIRE(t);
      CHECK(t.cable.action_size() == 1);
      CHECK(t.cable.information_size() == 0);
      CHECK(t.cable.body().starts_with(first_text_line));
    }
  }
  SECTION("FL2 wrapped over two lines and a blank line before FL3") {
    auto text = with_line(1, "OO RUEHC RUEHAB\nRUEHCD\n");
    const auto r = parse(text);
    REQUIRE(r);
    CHECK(r.cable.routing_line().routing_indicators_size() == 3);
    CHECK(r.cable.routing_line().blank_lines_after() == 1);
    CHECK(acp127::render_heading(r.cable).starts_with("VZCZCXRO0001\nOO RUEHC RUEHAB\nRUEHCD\n\nDE RUEHRO"));
  }
  SECTION("BT and NNNN when present") {
    std::string text = minimal;
    text.insert(text.find("UNCLAS"), "BT\n");
    text += "BT\n#0001\nNNNN\n";
    auto r = parse(text);
    REQUIRE(r);
    CHECK(r.cable.has_bt());
    CHECK(r.cable.has_nnnn());
    const auto again = parse(acp127::render(r.cable));
    REQUIRE(again);
    CHECK(again.cable.SerializeAsString() == r.cable.SerializeAsString());
  }
  SECTION("rendering for transmission wraps at 69 characters and adds BT and NNNN") {
    std::string text = minimal;
    text += std::string(30, 'x') + " " + std::string(30, 'y') + " " + std::string(30, 'z') + "\n";
    const auto r = parse(text);
    REQUIRE(r);
    const auto wire = acp127::render(r.cable, {.for_transmission = true});
    std::istringstream lines(wire);
    std::string l;
    while (std::getline(lines, l)) CHECK(l.size() <= 69);
    CHECK(wire.find("\nBT\nUNCLAS ROME") != std::string::npos);
    CHECK(wire.ends_with("BT\nNNNN\n"));
    const auto back = parse(wire);
    REQUIRE(back);
    CHECK(back.cable.has_bt());
    CHECK(back.cable.has_nnnn());
    CHECK(acp127::render_heading(back.cable) == acp127::render_heading(r.cable));
  }
}

TEST_CASE("acp127: malformed input gets line:col errors", "[core][acp127]") {
  struct bad_case {
    int line_index;
    std::string replacement;
    std::size_t line, column;
    std::string message_part;
  };
  const std::vector<bad_case> cases = {
      {4, "R 101426Z SEPT 07", 5, 11, "unknown month 'SEPT'"},
      {1, "RR RUEH1C", 2, 4, "'RUEH1C' contains a digit"},
      {6, "TO RUEH1C/SECSTATE WASHDC 0001", 7, 4, "'RUEH1C' contains a digit"},
      {2, "DE RUEHRO #0001 4001426", 3, 17, "Julian day 400"},
      {1, "XX RUEHC", 2, 1, "unknown precedence prosign 'X'"},
      {4, "X 101426Z SEP 07", 5, 1, "unknown precedence prosign 'X'"},
      {6, "TO RUEHC/SECSTATE WASHDC URGENT 0001", 7, 26, "unknown precedence word 'URGENT'"},
      {6, "TO RUEHC/SECSTATE WASHDC IMEDIATE 0001", 7, 26, "unknown precedence word 'IMEDIATE'"},
      {4, "R 311426Z SEP 07", 5, 3, "does not exist"},
      {4, "R 102526Z SEP 07", 5, 5, "hour 25"},
      {3, "ZNY QQQQQ ZZH", 4, 5, "unknown security group 'QQQQQ'"},
      {3, "ZNR CCCCC", 4, 1, "ZNR does not go with"},
      {2, "DE RUEHRO 0001 2531426", 3, 11, "must start with '#'"},
      {2, "DE RUEHRO #0001 25314", 3, 17, "must be 7 digits"},
      {5, "FROM AMEMBASSY ROME", 6, 1, "expected FL6 'FM"},
      {6, "INFO RUEHC/SECSTATE WASHDC", 7, 1, "expected FL7 'TO"},
      {5, "FM AMEMBASSY RO\xC0\xAFME", 6, 16, "not valid UTF-8"},  // an overlong '/'
      {5, std::string("FM AMEMBASSY\0ROME", 17), 6, 13, "NUL byte"},
  };
  for (const auto& bc : cases) {
    DYNAMIC_SECTION(bc.replacement) {
      const auto r = parse(with_line(bc.line_index, bc.replacement));
      REQUIRE_FALSE(r);
      INFO(r.error->format("x.txt"));
      CHECK(r.error->line == bc.line);
      CHECK(r.error->column == bc.column);
      CHECK(r.error->message.find(bc.message_part) != std::string::npos);
    }
  }
  SECTION("text without a heading") {
    const auto r = parse("Just some text\nwith no heading.\n");
    REQUIRE_FALSE(r);
    CHECK(r.error->message.starts_with("no ACP 127 heading"));
    CHECK(r.error->format("f.txt").starts_with("f.txt:1:1: error: no ACP 127 heading"));
  }
  SECTION("truncated headings") {
    std::string text = minimal;
    for (std::size_t cut = 0; cut < text.find("UNCLAS"); ++cut) {
      const auto r = parse(text.substr(0, cut));
      if (cut < text.find("TO ")) CHECK_FALSE(r);
    }
  }
}

TEST_CASE("acp127: inputs the fuzzer found round-trip", "[core][acp127][fuzz]") {
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::source_dir() / "tests" / "data" / "cables")) {
    if (!e.path().filename().string().starts_with("fuzz_")) continue;
    ++files;
    INFO(e.path().string());
    const auto r = parse(test::read_file(e.path()));
    if (!r) continue;  // an error is fine; a crash or a lossy round trip is not
    const auto again = parse(acp127::render(r.cable));
    REQUIRE(again);
    CHECK(again.cable.SerializeAsString() == r.cable.SerializeAsString());
  }
  CHECK(files >= 1);
}

TEST_CASE("markings: classification lines and portion markings", "[core][acp127][security]") {
  using acp127::classification_of_line;
  CHECK(classification_of_line("C O N F I D E N T I A L SECTION 01 OF 03 MADRID 000527") == CONFIDENTIAL);
  CHECK(classification_of_line("S E C R E T ROME 001919") == SECRET);
  CHECK(classification_of_line("UNCLAS SVC ZEQ4") == UNCLASSIFIED);
  CHECK(classification_of_line("SECRET//NOFORN") == SECRET);
  CHECK(classification_of_line("Secret") == SECRET);
  CHECK(classification_of_line("CLASSIFICATION: TOP SECRET") == TOP_SECRET);
  CHECK(classification_of_line("SECRETARY CARSON") == CLASSIFICATION_UNSPECIFIED);  // a word, not a marking
  CHECK(classification_of_line("SUBJECT: SECRET TALKS") == CLASSIFICATION_UNSPECIFIED);

  const auto m = acp127::scan_markings(
      "CONFIDENTIAL\n\n1. (C) One.\n\n\xC2\xB6"
      "2. (S/NF) Two.\n3. (FATA) is text.\n");
  CHECK(m.line == CONFIDENTIAL);
  CHECK(m.highest_portion == SECRET);
  CHECK(m.highest_paragraph == 2);
  CHECK(m.problem.empty());
  // once the paragraphs have begun, only a line that may begin one is read: wrapped text, blank
  // lines (spaces, a CR) and a classification word in the text are passed over; an indented
  // number, a CR before the newline and a last line with no newline are all read
  const auto wrapped = acp127::scan_markings(
      "UNCLASSIFIED\n\n1. (U) One, wrapped\nonto a second line\n  \r\nSECRET as a word in the text\n"
      "   2. (C) Two, indented.\r\n3. (TS) Three, with no newline");
  CHECK(wrapped.line == UNCLASSIFIED);
  CHECK(wrapped.highest_portion == TOP_SECRET);
  CHECK(wrapped.highest_paragraph == 3);
  CHECK(wrapped.problem.empty());
  // the next paragraph found wherever its line falls in the text (it is searched for in blocks
  // of 64 characters)
  for (std::size_t filler = 0; filler < 200; ++filler) {
    const auto at = acp127::scan_markings("1. (U) One " + std::string(filler, 'x') + "\n2. (S) Two.\n");
    CHECK(at.highest_paragraph == 2);
  }
  CHECK(acp127::scan_markings("1. (U) One.\n\n2. (Q) Two.").problem == "paragraph 2 has an unknown marking (Q)");
  CHECK(acp127::scan_markings("1. (Q) One.\n").problem == "paragraph 1 has an unknown marking (Q)");
  CHECK(acp127::scan_markings("SECRET\nCONFIDENTIAL\n").problem == "the text is marked both SECRET and CONFIDENTIAL");
}

TEST_CASE("markings: every numbered paragraph is read, wherever its line starts and whatever lines come between",
          "[core][acp127][security]") {
  // Texts of numbered paragraphs, each marked (U) but one marked (S), with wrapped lines between
  // them of every length and of first characters that may or may not begin a paragraph (a year,
  // a blank, a pilcrow in the text); the (S) paragraph is the highest, wherever it falls.
  std::mt19937 rng(20261202);
  const std::vector<std::string> starts = {
      "text ", "2020 was ", "  indented ", "\t(tab) ", "- dash ", "\xC2\xB6 in text ", "\r", "", "9 nine ", "x"};
  for (int trial = 0; trial < 2000; ++trial) {
    const int paragraphs = 1 + static_cast<int>(rng() % 8);
    const int secret = 1 + static_cast<int>(rng() % static_cast<unsigned>(paragraphs));
    std::string text = "UNCLASSIFIED\n\n";
    for (int n = 1; n <= paragraphs; ++n) {
      text += std::string(rng() % 3, ' ') + (rng() % 2 ? "\xC2\xB6" : "") + std::to_string(n) + ". (" +
              (n == secret ? "S" : "U") + ") Paragraph\n";
      for (auto lines = rng() % 4; lines > 0; --lines)
        text += starts[rng() % starts.size()] + std::string(rng() % 90, 'w') + "\n";
    }
    if (rng() % 2) text.pop_back();  // no newline at the end
    const auto m = acp127::scan_markings(text);
    INFO(text);
    REQUIRE(m.problem.empty());
    CHECK(m.highest_portion == SECRET);
    CHECK(m.highest_paragraph == static_cast<uint32_t>(secret));
  }
}

TEST_CASE("FLASH OVERRIDE (Y) parses and renders both ways, like every precedence", "[core][acp127]") {
  const auto seed = acp127::parse(test::read_file(test::seed_cable()));
  REQUIRE(seed);
  for (const auto p : {ROUTINE, PRIORITY, IMMEDIATE, FLASH, FLASH_OVERRIDE}) {
    INFO(precedence_word(p));
    auto c = seed.cable;
    c.mutable_routing_line()->set_precedence(0, p);
    c.mutable_dtg_line()->clear_precedence();
    c.mutable_dtg_line()->add_precedence(p);
    c.mutable_action(0)->set_precedence(p);
    const auto text = acp127::render(c);
    const auto again = acp127::parse(text);
    REQUIRE(again);
    CHECK(again.cable.SerializeAsString() == c.SerializeAsString());
    CHECK(again.cable.action(0).precedence() == p);
    CHECK(again.cable.action(0).address() == "USMISSION USUN NEW YORK");
  }
  const auto draft = acp127::parse(
      "FM AMEMBASSY ROME\nTO RUEHC/SECSTATE WASHDC FLASH OVERRIDE\nUNCLAS\n\n1. (U) Text.\n", {.allow_draft = true});
  REQUIRE(draft);
  CHECK(draft.cable.action(0).precedence() == FLASH_OVERRIDE);
  CHECK(draft.cable.action(0).address() == "SECSTATE WASHDC");
}

TEST_CASE("pilots (ZOV, ZFD) parse and render: the routing line before each is kept", "[core][acp127]") {
  const std::string text =
      "VZCZCXRR0001\nPP RUEHFR\nZFD\nPP RUEHFR\nZOV RUEHLO\nPP RUEHLO\n\nDE RUEHRO #0001 2531001\nZNR UUUUU ZZH\n"
      "P 101001Z SEP 07\nFM AMEMBASSY ROME\nTO RUEHLO/AMEMBASSY PARIS\nBT\nUNCLAS ROME\n\n1. (U) Text.\nBT\n";
  const auto r = acp127::parse(text);
  INFO((r.error ? r.error->format("pilots") : ""));
  REQUIRE(r);
  REQUIRE(r.cable.pilots_size() == 2);
  CHECK(r.cable.pilots(0).signals() == "ZFD");
  CHECK(r.cable.pilots(1).signals() == "ZOV RUEHLO");
  CHECK(r.cable.pilots(1).routing_line().routing_indicators(0) == "RUEHLO");
  CHECK(r.cable.routing_line().routing_indicators(0) == "RUEHFR");
  CHECK(acp127::render(r.cable) == text);
}

TEST_CASE("the abbreviated form (a service message: no FM or TO lines) parses and renders", "[core][acp127]") {
  const std::string text =
      "VZCZCXUR0002\nPP RUEHRO\nDE RUEHEUR #0001 2531002\nZNR UUUUU\nP 101002Z SEP 07\nBT\n"
      "UNCLAS SVC ZEQ4 RUEHRO #0002 2531002 INV RUEHXQ\nBT\n";
  const auto r = acp127::parse(text);
  INFO((r.error ? r.error->format("svc") : ""));
  REQUIRE(r);
  CHECK(r.cable.originator().empty());
  CHECK(r.cable.action_size() == 0);
  CHECK(r.cable.classification() == UNCLASSIFIED);
  CHECK(acp127::render(r.cable) == text);
  const auto explained = explain(r.cable);
  CHECK(explained.find("the abbreviated form of ACP 127") != std::string::npos);
  CHECK(explained.find("service message (unclassified, SVC) ZEQ4") != std::string::npos);
}

TEST_CASE("explain: collectives, rerun pilots, captions and unknown signals say only what is known", "[core][acp127]") {
  std::ifstream in(test::source_dir() / "tests" / "data" / "cables" / "explain_signals.txt");
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  const auto r = acp127::parse(text);
  REQUIRE(r);
  const auto e = explain(r.cable);
  const auto has = [&](const std::string& s) { return e.find(s) != std::string::npos; };
  // a collective is listed as its members at the origin; no station "delivers to" it
  CHECK(has("collective RUCNIRA = IRAN COLLECTIVE (no station receives the collective as such"));
  CHECK_FALSE(has("station RUCNIRA delivers"));
  CHECK_FALSE(has("SECSTATE WASHDC (a collective"));
  // the rerun pilot is one group, not four tokens
  CHECK(has("ZDK RUEHZC SVC 4078: rerun pilot: a repetition (ZDK) run by station RUEHZC"));
  CHECK_FALSE(has("RUEHZC: "));
  // nobody knows what ZDS or ZUI mean here: nothing is invented
  CHECK(has("ZDS: operating signal, meaning unknown"));
  CHECK(has("ZUI: operating signal, meaning unknown"));
  CHECK(has("SIPRNet, the Defense Department's SECRET network"));
  // the file has no BT or NNNN, and the explanation says so instead of printing them
  CHECK(has("no BT or NNNN lines in this file"));
  CHECK(e.find("\nBT\n") == std::string::npos);
}
