#include "cablesim/core/signals.hpp"

#include <algorithm>

#include "cablesim/core/acp127.hpp"

namespace cablesim {

std::string_view refusal_name(refusal r) {
  switch (r) {
    case refusal::unknown_ri: return "unknown_ri";
    case refusal::no_route: return "no_route";
    case refusal::above_clearance: return "above_clearance";
    case refusal::circuit_classification: return "circuit_classification";
    case refusal::bad_marking: return "bad_marking";
    case refusal::would_return: return "would_return";
    case refusal::over_limits: return "over_limits";
    case refusal::looped: return "looped";
  }
  return "unknown";
}

bool legitimate(refusal r) {
  switch (r) {
    case refusal::unknown_ri:
    case refusal::above_clearance:
    case refusal::circuit_classification:
    case refusal::bad_marking:
    case refusal::over_limits: return true;
    case refusal::no_route:
    case refusal::would_return:
    case refusal::looped: return false;
  }
  return false;
}

std::string_view refusal_sign(refusal r) {
  switch (r) {
    case refusal::unknown_ri: return "INV";
    case refusal::no_route: return "no route";
    case refusal::above_clearance:
    case refusal::circuit_classification:
    case refusal::bad_marking: return "SEC";
    case refusal::would_return: return "misrouted";
    case refusal::over_limits: return "over limits";
    case refusal::looped: return "loop";
  }
  return "refused";
}

std::string_view signal_text(service_signal s) {
  switch (s) {
    case service_signal::zeq3: return "ZEQ3";
    case service_signal::zeq4: return "ZEQ4";
    case service_signal::sec: return "SEC";
    case service_signal::zoe: return "ZOE";
  }
  return "ZEQ4";
}

service_signal signal_for(std::optional<refusal> reason) {
  if (!reason) return service_signal::zeq3;
  switch (*reason) {
    case refusal::above_clearance:
    case refusal::circuit_classification:
    case refusal::bad_marking: return service_signal::sec;
    case refusal::unknown_ri:
    case refusal::no_route:
    case refusal::would_return:
    case refusal::over_limits:
    case refusal::looped: return service_signal::zeq4;
  }
  return service_signal::zeq4;
}

namespace {

/// What a service message says is wrong, before the RIs concerned.
std::string_view refusal_code(std::optional<refusal> reason) {
  if (!reason) return "";  // ZEQ3: the RIs are the wrong ones
  switch (*reason) {
    case refusal::unknown_ri: return "INV ";
    case refusal::no_route: return "NO ROUTE ";
    case refusal::above_clearance:
    case refusal::circuit_classification:
    case refusal::bad_marking: return "";  // the signal says it: SEC
    case refusal::would_return: return "RETURN ";
    case refusal::over_limits: return "TOO MANY ";
    case refusal::looped: return "LOOP ";
  }
  return "";
}

constexpr std::string_view service_prefix = "UNCLAS SVC ";
constexpr std::string_view channel_prefix = "channel ";
constexpr std::string_view incoming_prefix = "from ";

}  // namespace

std::string service_text(service_signal s, const Origin& about, std::optional<refusal> reason, std::string_view ris) {
  // ACP 127's abbreviated form: the signal, the cable it is about (FL3 without DE), and what is wrong
  std::string text(service_prefix);
  text += signal_text(s);
  text += ' ';
  text += acp127::render_origin_line(about).substr(3);
  text += ' ';
  text += refusal_code(reason);
  text += ris;
  text += '\n';
  return text;
}

namespace {
constexpr std::string_view zoe_words[] = {"INT ZOE", "ZOE", "ZOE NEGAT", "ZOE CNCL"};
}  // namespace

std::string zoe_text(const zoe_message& m) {
  std::string text(service_prefix);
  text += zoe_words[m.what];
  for (const auto& ri : m.ris) text += " " + ri;
  text += '\n';
  return text;
}

std::optional<zoe_message> parse_zoe(std::string_view text) {
  if (!text.starts_with(service_prefix)) return std::nullopt;
  text.remove_prefix(service_prefix.size());
  text = text.substr(0, text.find('\n'));
  // the longest form that the text starts with, followed by the RIs
  std::optional<zoe_message> m;
  std::size_t matched = 0;
  for (int k = zoe_message::ask; k <= zoe_message::cancel; ++k) {
    const auto w = zoe_words[k];
    if (w.size() > matched && text.starts_with(w) && (text.size() == w.size() || text[w.size()] == ' ')) {
      m = zoe_message{static_cast<zoe_message::kind>(k), {}};
      matched = w.size();
    }
  }
  if (!m) return std::nullopt;
  text.remove_prefix(matched);
  while (!text.empty()) {
    while (text.starts_with(' ')) text.remove_prefix(1);
    const auto end = std::min(text.find(' '), text.size());
    if (end > 0) m->ris.emplace_back(text.substr(0, end));
    text.remove_prefix(end);
  }
  return m;
}

bool is_service_text(std::string_view first_line) { return first_line.starts_with(service_prefix); }

bool is_service_message(const Cable& c) { return is_service_text(c.body()); }

std::string pilot_text(pilot_signal p, std::string_view station) {
  switch (p) {
    case pilot_signal::zov: return "ZOV " + std::string(station);
    case pilot_signal::zfd: return "ZFD";
  }
  return "";
}

bool is_pilot(const Pilot& pilot, pilot_signal p) {
  const std::string_view s = pilot.signals();
  switch (p) {
    case pilot_signal::zov: return s.starts_with("ZOV");
    case pilot_signal::zfd: return s == "ZFD";
  }
  return false;
}

std::string counter_name(const counter_key& k) {
  switch (k.what) {
    case counter_key::station_serial: return "ssn";
    case counter_key::channel_serial: return std::string(channel_prefix) + k.channel;
    case counter_key::incoming_serial: return std::string(incoming_prefix) + k.channel;
  }
  return "";
}

std::optional<counter_key> counter_from_name(std::string_view name) {
  if (name == "ssn") return counter_key{counter_key::station_serial, {}};
  if (name.starts_with(channel_prefix))
    return counter_key{counter_key::channel_serial, std::string(name.substr(channel_prefix.size()))};
  if (name.starts_with(incoming_prefix))
    return counter_key{counter_key::incoming_serial, std::string(name.substr(incoming_prefix.size()))};
  return std::nullopt;
}

}  // namespace cablesim
