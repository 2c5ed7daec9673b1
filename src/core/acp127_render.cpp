#include <algorithm>
#include <cstdio>

#include "cablesim/core/acp127.hpp"

#include <functional>
#include "cablesim/core/dtg.hpp"
#include "cablesim/core/precedence.hpp"
#include "cablesim/core/text.hpp"

namespace cablesim::acp127 {
namespace {

constexpr std::size_t line_width = 69;

void append_signals(std::string& out, const std::string& trailer,
                    const google::protobuf::RepeatedPtrField<std::string>& signals) {
  if (!trailer.empty()) {
    out += trailer;
    return;
  }
  for (const auto& s : signals) {
    out += ' ';
    out += s;
  }
}

void append_group(std::string& out, std::string_view prefix,
                  const google::protobuf::RepeatedPtrField<Addressee>& list) {
  bool first = true;
  for (const auto& a : list) {
    if (first) out += prefix;
    first = false;
    out += render_addressee(a);
    out += '\n';
  }
}

}  // namespace

void for_each_transmitted_line(std::string_view text, const std::function<void(std::string_view)>& each) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
    // word-wrapped at line_width characters
    while (line.size() > line_width) {
      auto cut = line.rfind(' ', line_width);
      if (cut == std::string_view::npos || cut == 0) cut = line_width;
      each(line.substr(0, cut));
      line.remove_prefix(cut);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    }
    each(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::string routing_prosigns(const RoutingLine& rl) {
  std::string s;
  if (rl.precedence_size() == 0) return "RR";
  const char first = precedence_prosign(rl.precedence(0));
  s += first;
  s += rl.precedence_size() > 1 ? precedence_prosign(rl.precedence(1)) : first;
  return s;
}

std::string render_routing_line(const RoutingLine& rl) {
  std::string s = routing_prosigns(rl);
  for (const auto& ri : rl.routing_indicators()) {
    s += ' ';
    s += ri;
  }
  return s;
}

std::string render_origin_line(const Origin& o) {
  std::string s = "DE " + o.station_ri() + " #" + zero_pad(o.station_serial(), 4);
  if (o.section() != 0) s += "/" + zero_pad(o.section(), 2);
  s += ' ';
  s += format_filing_time(o.filing_time());
  return s;
}

std::string render_addressee(const Addressee& a) {
  std::string s;
  if (!a.routing_indicator().empty()) s += a.routing_indicator() + "/";
  s += a.address();
  s.append(a.extra_spaces(), ' ');
  if (a.niact()) s += " NIACT";
  if (a.precedence() != PRECEDENCE_UNSPECIFIED) {
    s += ' ';
    s += precedence_word(a.precedence());
  }
  if (!a.number().empty()) s += " " + a.number();
  return s;
}

namespace {

void append_routing_line(std::string& out, const RoutingLine& rl) {
  out += routing_prosigns(rl);
  // indicators_per_line says how FL2 wrapped; the first line also carries the prosigns
  const int n = rl.routing_indicators_size();
  int next = 0;
  for (int line_no = 0; line_no < std::max(1, rl.indicators_per_line_size()); ++line_no) {
    const bool last = line_no + 1 >= rl.indicators_per_line_size();
    const int count = last ? n - next : static_cast<int>(rl.indicators_per_line(line_no));
    for (int j = 0; j < count && next < n; ++j, ++next) {
      if (line_no == 0 || j > 0) out += ' ';
      out += rl.routing_indicators(next);
    }
    if (!last) out += '\n';
  }
  out += '\n';
  for (unsigned i = 0; i < rl.blank_lines_after(); ++i) out += '\n';
}

/// FL1 and FL2: the lines that change at every hop.
void append_channel_lines(std::string& out, const Cable& c) {
  if (c.has_transmission()) {
    const auto& t = c.transmission();
    out += "VZCZC";
    out += t.channel_designator();
    append_zero_pad(out, t.channel_serial(), std::max(1u, t.serial_digits()));
    out += '\n';
  }
  if (c.has_routing_line()) append_routing_line(out, c.routing_line());
}

}  // namespace

std::size_t transmission_text_characters(const Cable& c) {
  std::string channel_lines;
  append_channel_lines(channel_lines, c);
  return render(c, {.for_transmission = true}).size() - channel_lines.size();
}

std::size_t transmission_characters(const Cable& c, std::size_t text_characters) {
  // FL1 and the routing line, written to be counted for every copy sent: into a buffer that
  // keeps its capacity
  thread_local std::string channel_lines;
  channel_lines.clear();
  append_channel_lines(channel_lines, c);
  return channel_lines.size() + text_characters;
}

std::string render_heading(const Cable& c) {
  std::string out;
  out.reserve(1024);
  append_channel_lines(out, c);
  for (const auto& p : c.pilots()) {
    out += p.signals() + "\n";
    append_routing_line(out, p.routing_line());
  }
  if (c.has_origin()) out += render_origin_line(c.origin()) + "\n";
  if (c.has_security()) {
    const auto& s = c.security();
    out += s.prosign() + " ";
    out += classification_group(s.classification());
    append_signals(out, s.trailer(), s.operating_signals());
    out += '\n';
  }
  if (c.has_dtg_line()) {
    const auto& d = c.dtg_line();
    for (int i = 0; i < d.precedence_size(); ++i) {
      out += precedence_prosign(d.precedence(i));
      out += ' ';
    }
    out += format_dtg(d.dtg());
    append_signals(out, d.trailer(), d.operating_signals());
    out += '\n';
  }
  // the abbreviated form (a service message) has no FM and TO lines
  if (!c.originator().empty() || c.action_size()) out += "FM " + c.originator() + "\n";
  append_group(out, "TO ", c.action());
  append_group(out, "INFO ", c.information());
  append_group(out, "XMT ", c.exempted());
  return out;
}

std::string render(const Cable& c, const render_options& options) {
  std::string out;
  out.reserve(c.preamble().size() + c.body().size() + 1024);
  if (!options.for_transmission) out += c.preamble();
  out += render_heading(c);
  const bool bt = options.for_transmission || c.has_bt();
  if (bt) out += "BT\n";
  if (options.for_transmission) {
    for_each_transmitted_line(c.body(), [&](std::string_view line) {
      out.append(line);
      out += '\n';
    });
  } else {
    out += c.body();
  }
  if (bt) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += "BT\n";
  }
  if (options.for_transmission || c.has_nnnn()) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += "NNNN\n";
  }
  return out;
}

std::string message_id(const Cable& c) {
  // RUEHRO-1919[.01]-2531426[~N], made for every cable a station receives: in one string
  const auto& o = c.origin();
  std::string id;
  id.reserve(o.station_ri().size() + 32);
  id += o.station_ri();
  id += '-';
  append_zero_pad(id, o.station_serial(), 4);
  if (o.section() != 0) {
    id += '.';
    append_zero_pad(id, o.section(), 2);
  }
  id += '-';
  id += format_filing_time(o.filing_time());
  if (o.serial_cycle() != 0) {
    id += '~';
    append_zero_pad(id, o.serial_cycle(), 1);
  }
  return id;
}

std::string check_limits(const Cable& c) {
  const auto addressees = static_cast<std::size_t>(c.action_size() + c.information_size() + c.exempted_size());
  if (addressees > max_addressees)
    return std::to_string(addressees) + " addressees: more than the " + std::to_string(max_addressees) +
           " a cable may have";
  const auto ris = static_cast<std::size_t>(c.routing_line().routing_indicators_size());
  if (ris > max_routing_indicators)
    return std::to_string(ris) + " routing indicators in FL2: more than the " + std::to_string(max_routing_indicators) +
           " a cable may have";
  const auto pilots = static_cast<std::size_t>(c.pilots_size());
  if (pilots > max_pilots)
    return std::to_string(pilots) + " pilots: more than the " + std::to_string(max_pilots) + " a cable may carry";
  for (const auto& p : c.pilots())
    if (const auto n = static_cast<std::size_t>(p.routing_line().routing_indicators_size()); n > max_routing_indicators)
      return std::to_string(n) + " routing indicators in a pilot's routing line: more than the " +
             std::to_string(max_routing_indicators) + " a cable may have";
  return {};
}

Classification classification_from_group(std::string_view group) {
  if (group == "UUUUU") return UNCLASSIFIED;
  if (group == "CCCCC") return CONFIDENTIAL;
  if (group == "SSSSS") return SECRET;
  if (group == "TTTTT") return TOP_SECRET;
  return CLASSIFICATION_UNSPECIFIED;
}

std::string_view classification_group(Classification c) {
  switch (c) {
    case UNCLASSIFIED: return "UUUUU";
    case CONFIDENTIAL: return "CCCCC";
    case SECRET: return "SSSSS";
    case TOP_SECRET: return "TTTTT";
    default: return "?????";
  }
}

std::string_view classification_name(Classification c) {
  switch (c) {
    case UNCLASSIFIED: return "UNCLASSIFIED";
    case CONFIDENTIAL: return "CONFIDENTIAL";
    case SECRET: return "SECRET";
    case TOP_SECRET: return "TOP SECRET";
    default: return "UNSPECIFIED";
  }
}

}  // namespace cablesim::acp127
