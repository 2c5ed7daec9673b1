#include "cablesim/core/explain.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/dtg.hpp"
#include "cablesim/core/precedence.hpp"

namespace cablesim {
namespace {

using acp127::classification_name;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string time_of_day(unsigned h, unsigned m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u:%02uZ", h % 100, m % 100);
  return buf;
}

std::string precedence_phrase(const google::protobuf::RepeatedField<int>& p) {
  if (p.empty()) return "ROUTINE";
  std::string s(precedence_word(static_cast<Precedence>(p[0])));
  if (p.size() > 1) {
    s += " for action addressees, ";
    s += precedence_word(static_cast<Precedence>(p[1]));
    s += " for information addressees (dual precedence)";
  }
  return s;
}

void note(std::string& out, std::string_view label, const std::string& line, const std::string& text) {
  out += line;
  out += '\n';
  out += "    ";
  out += label;
  out += "  ";
  out += text;
  out += "\n";
}

std::string addressee_note(const Addressee& a, std::string_view role) {
  std::string s(role);
  if (a.routing_indicator().empty() && a.collective())
    s += ": " + a.address() +
         " (a collective written without a routing indicator: the originating station lists its member stations, "
         "from the collective's definition, before it segregates the routing line)";
  else if (a.routing_indicator().empty())
    s += ": " + a.address() +
         " (by its plain-language address alone, as filed; the station that serves the address is found from it)";
  else if (a.collective())
    s += ": collective " + a.routing_indicator() + " = " + a.address() +
         " (no station receives the collective as such: the originating station lists its member stations in place "
         "of " +
         a.routing_indicator() + " before it segregates the routing line, and XMT removes members)";
  else
    s += ": station " + a.routing_indicator() + " delivers to " + a.address();
  if (a.niact()) s += "; NIACT = night action, wake the duty officer";
  if (a.precedence() != PRECEDENCE_UNSPECIFIED)
    s += "; to be handled at " + precedence_word(a.precedence());
  else
    s += "; no precedence word, so ROUTINE handling at this addressee";
  if (!a.number().empty())
    s += "; per-addressee serial " + a.number() + " (this originator's count of cables to that addressee)";
  return s;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void explain_signals(std::string& out, const google::protobuf::RepeatedPtrField<std::string>& signals) {
  for (int i = 0; i < signals.size(); ++i) {
    const auto& s = signals[i];
    // a rerun pilot: ZDK <RI> SVC <number> = run again by that station, answering that service message
    if (s == "ZDK" && i + 3 < signals.size() && acp127::is_routing_indicator(signals[i + 1]) &&
        signals[i + 2] == "SVC" && all_digits(signals[i + 3])) {
      out += "\n          ZDK " + signals[i + 1] + " SVC " + signals[i + 3] +
             ": rerun pilot: a repetition (ZDK) run by " + "station " + signals[i + 1] +
             " in answer to service message " + signals[i + 3];
      i += 3;
      continue;
    }
    out += "\n          " + s + ": " + operating_signal_meaning(s);
  }
}

}  // namespace

std::string operating_signal_meaning(const std::string& signal) {
  static const std::map<std::string, std::string> meanings = {
      {"ZZH", "meaning unknown (the State Department's cables carry it after the security warning)"},
      {"ZDK", "this is a retransmission (repetition) of a cable sent before"},
      {"ZFD", "suspected duplicate: a station that already holds this message files it instead of delivering it again"},
      {"ZOV", "misroute pilot: the station named after it forwarded a misrouted cable"},
      {"ZEQ", "service query about a message received in error"},
      {"SVC", "service message: communications staff talking about a message, not the message itself"},
  };
  if (auto it = meanings.find(signal); it != meanings.end()) return it->second;
  if (signal.size() >= 3 && signal[0] == 'Z') return "operating signal, meaning unknown (ACP 131 lists the Z signals)";
  return "meaning unknown";
}

namespace {

/// FL1-FL5: the lines a communications centre reads to handle the cable.
void explain_heading(const Cable& c, std::string& out) {
  const int year = c.dtg_line().dtg().year() ? static_cast<int>(c.dtg_line().dtg().year()) : 2000;
  if (c.has_transmission()) {
    const auto& t = c.transmission();
    const auto heading = acp127::render_heading(c);
    note(out, "FL1", heading.substr(0, heading.find('\n')),
         "transmission identification: V + ZCZC (start of message), channel designator " + t.channel_designator() +
             ", channel serial " + std::to_string(t.channel_serial()) +
             " (this link's count of transmissions; a gap tells the receiver a transmission is missing)");
  }
  if (c.has_routing_line()) {
    const auto& rl = c.routing_line();
    std::string text =
        "routing line: prosign " + acp127::routing_prosigns(rl) + " = " + precedence_phrase(rl.precedence()) + "; ";
    if (rl.routing_indicators_size() == 1)
      text += "station " + rl.routing_indicators(0) + " must deliver (or relay) this copy";
    else
      text += std::to_string(rl.routing_indicators_size()) +
              " stations must deliver or relay this copy; each relay splits the line by outgoing channel (segregation)";
    note(out, "FL2", acp127::render_routing_line(rl), text);
  }
  if (c.has_origin()) {
    const auto& o = c.origin();
    const auto& ft = o.filing_time();
    std::string text = "originated by station " + o.station_ri() + ", its serial " + std::to_string(o.station_serial());
    if (o.section()) text += ", section " + std::to_string(o.section()) + " of a long cable";
    text += ", filed day " + std::to_string(ft.day_of_year());
    if (ft.day_of_year() >= 1 && ft.day_of_year() <= 366) {
      const auto ymd = date_of_day_of_year(year, ft.day_of_year());
      std::string month = lower(month_abbreviation(static_cast<unsigned>(ymd.month())));
      month[0] = static_cast<char>(month[0] - 'a' + 'A');
      text += " (" + std::to_string(static_cast<unsigned>(ymd.day())) + " " + month + ")";
    }
    text += " at " + time_of_day(ft.hour(), ft.minute()) +
            "; origin + serial + filing time identify the message on every copy";
    note(out, "FL3", acp127::render_origin_line(o), text);
  }
  if (c.has_security()) {
    const auto& s = c.security();
    std::string text = "security warning " + s.prosign() + " " +
                       std::string(acp127::classification_group(s.classification())) + ": " +
                       std::string(classification_name(s.classification())) +
                       (s.classification() == UNCLASSIFIED ? " (ZNR: may go on any circuit)"
                                                           : " (ZNY: only on circuits approved for it)");
    explain_signals(text, s.operating_signals());
    std::string line = s.prosign() + " " + std::string(acp127::classification_group(s.classification())) + s.trailer();
    note(out, "FL4", line, text);
  }
  if (c.has_dtg_line()) {
    const auto& d = c.dtg_line();
    const auto& g = d.dtg();
    std::string text = "precedence " + precedence_phrase(d.precedence()) +
                       "; date-time group: " + std::to_string(g.day()) + " " +
                       std::string(month_abbreviation(g.month())) + " " + std::to_string(g.year()) + " at " +
                       time_of_day(g.hour(), g.minute()) + " (Z = UTC), the time the originator released it";
    explain_signals(text, d.operating_signals());
    std::string line;
    for (auto p : d.precedence()) line += std::string(1, precedence_prosign(static_cast<Precedence>(p))) + " ";
    note(out, "FL5", line + format_dtg(g) + d.trailer(), text);
  }
}

/// "UNCLAS SVC ZEQ4 RUEHRO #0002 2531002 INV RUEHXQ": a service message's terse text.
std::string service_text_note(const std::string& line) {
  std::istringstream words(line.substr(11));
  std::string signal, ri, serial, time, rest;
  words >> signal >> ri >> serial >> time;
  std::getline(words, rest);
  const std::map<std::string, std::string> signals = {
      {"ZEQ3", "a cable reached a station by a wrong routing indicator (misrouted); it was passed on"},
      {"ZEQ4",
       "a routing indicator is invalid or cannot be reached: the originator must correct it and "
       "retransmit"},
      {"SEC", "a cable was refused for its security: its classification may not go there, or its markings disagree"},
  };
  const auto it = signals.find(signal);
  std::string note = "service message (unclassified, SVC) " + signal + ": " +
                     (it == signals.end() ? "a service signal" : it->second) + "; about the cable " + ri + " " +
                     serial + " filed " + time;
  if (!rest.empty()) note += "; concerning" + rest;
  if (rest.find(" INV ") == 0) note += " (INV: not in the routing tables)";
  if (rest.find(" RETURN ") == 0) note += " (the only way on was back where it came from)";
  return note;
}

/// FL6-FL9: who sent it, and to whom.
void explain_addressees(const Cable& c, std::string& out) {
  if (c.originator().empty() && c.action_size() == 0) {
    out +=
        "    (no FM or TO lines: the abbreviated form of ACP 127, used by communications centres for\n"
        "     service messages; FL3 says which station sends it and FL2 to which)\n";
    return;
  }
  note(out, "FL6", "FM " + c.originator(), "originator: the plain-language address of the office that sent it");
  bool first = true;
  for (const auto& a : c.action()) {
    note(out, "FL7", (first ? "TO " : "") + acp127::render_addressee(a), addressee_note(a, "action addressee"));
    first = false;
  }
  first = true;
  for (const auto& a : c.information()) {
    note(out, "FL8", (first ? "INFO " : "") + acp127::render_addressee(a), addressee_note(a, "information addressee"));
    first = false;
  }
  first = true;
  for (const auto& a : c.exempted()) {
    note(out, "FL9", (first ? "XMT " : "") + acp127::render_addressee(a),
         "exempted: " + a.address() + " is a member of a collective above but must not get this cable");
    first = false;
  }
}

/// The text between the BT separators.
void explain_text(const Cable& c, std::string& out) {
  const auto& t = c.text();
  // only the separators the file has: the archive's copies mostly have none
  if (c.has_bt()) out += "BT\n    FL11  separator: the heading ends, the text begins\n";
  if (t.classification_line().starts_with("UNCLAS SVC ")) {
    note(out, "TEXT", t.classification_line(), service_text_note(t.classification_line()));
  } else if (!t.classification_line().empty())
    note(
        out, "TEXT", t.classification_line(),
        "classification line: " + std::string(classification_name(c.classification())) +
            ", the originator's short name and serial" +
            (t.section_count() ? "; section " + std::to_string(t.section()) + " of " + std::to_string(t.section_count())
                               : ""));
  for (const auto& cap : t.captions())
    note(out, "TEXT", cap,
         cap == "SIPDIS" ? "caption SIPDIS (SIPRNet distribution): the cable may also be distributed on SIPRNet, the "
                           "Defense Department's SECRET network"
                         : "caption " + cap + ": restricts distribution");
  if (!t.eo().empty())
    note(out, "TEXT", "E.O. " + t.eo(), "Executive Order authority for the classification and when it is declassified");
  if (t.tags_size()) {
    std::string line = "TAGS:";
    for (const auto& tag : t.tags()) line += " " + tag;
    note(out, "TEXT", line, "subject and country tags used to file and distribute the cable");
  }
  if (!t.subject().empty()) note(out, "TEXT", "SUBJECT: " + t.subject(), "the subject line");
  for (const auto& r : t.refs())
    note(out, "TEXT", "REF: " + r, "a reference: an earlier cable cited by originator and serial");
  if (!t.classified_by().empty()) note(out, "TEXT", "Classified By: " + t.classified_by(), "who classified it and why");
  for (const auto& p : t.paragraphs()) {
    std::string text = p.text();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    note(out, "TEXT",
         std::to_string(p.number()) + ". " + (p.portion_marking().empty() ? "" : "(" + p.portion_marking() + ") ") +
             text,
         "paragraph " + std::to_string(p.number()) +
             (p.portion_marking().empty()
                  ? ""
                  : ", portion marked (" + p.portion_marking() + ") for its own classification"));
  }
  if (!t.signature().empty())
    note(out, "TEXT", t.signature(), "signature: the chief of mission under whose name the cable went");
  if (c.has_bt()) out += "BT\n    FL13  separator: the text ends\n";
  if (c.has_nnnn()) out += "NNNN\n    FL16  end of message (ZCZC ... NNNN frame the transmission)\n";
  if (!c.has_bt() && c.form() != TEXT_ONLY)
    out += "(no BT or NNNN lines in this file: published copies leave the separators out)\n";
}

}  // namespace

namespace {

/// What form the text came in, and what that form leaves out.
void explain_form(const Cable& c, std::string& out) {
  switch (c.form()) {
    case AS_FILED:
      out +=
          "(as filed: the cable from its precedence and DTG line (FL5) on, as the originator released it;\n"
          " the transmission heading FL1-FL4 is added by the communications centre)\n";
      break;
    case TEXT_ONLY: out += "(the text alone: the archive kept only a partial extract, with no heading)\n"; return;
    case DRAFT: out += "(a draft: what a post files; the post numbers and dates it)\n"; break;
    default: break;
  }
  const auto& d = c.distribution();
  if (d.action_size() || d.info_size()) {
    std::string offices;
    for (const auto& o : d.action()) offices += " " + o;
    out += "(printed at the receiving post: its own distribution to its offices, action to" + offices + ", and " +
           std::to_string(d.info_size()) +
           " offices for information; the number after each office code is the count of copies)\n";
  }
}

}  // namespace

std::string explain(const Cable& c) {
  std::string out;
  explain_form(c, out);
  if (c.form() == TEXT_ONLY) {
    explain_text(c, out);
    return out;
  }
  explain_heading(c, out);
  explain_addressees(c, out);
  explain_text(c, out);
  return out;
}

}  // namespace cablesim
