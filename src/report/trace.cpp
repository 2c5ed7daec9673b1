#include "cablesim/report/trace.hpp"

#include <cstdio>

#include "cablesim/core/acp127.hpp"
#include "cablesim/core/precedence.hpp"
#include "cablesim/core/text.hpp"

namespace cablesim::report {
namespace {

std::string serial4(uint32_t n) { return zero_pad(n, 4); }

std::string seconds(sim_duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000);
  return buf;
}

/// "; collective RUEHZL listed as RUEHRL RUEHLO, XMT leaves out RUEHFR"
std::string listed_collectives(const std::vector<cable_filed::collective_listed>& collectives) {
  std::string s;
  for (const auto& c : collectives)
    s += "; collective " + c.ri + " (" + c.address + ") listed as its members " + join(c.members) +
         (c.exempted.empty() ? "" : ", XMT leaves out " + join(c.exempted));
  return s;
}

}  // namespace

std::string refusal_sign(refusal r) {
  switch (r) {
    case refusal::unknown_ri: return "INV";
    case refusal::no_route: return "no route";
    case refusal::above_clearance:
    case refusal::circuit_classification:
    case refusal::bad_marking: return "SEC";
    case refusal::would_return: return "misrouted";
    case refusal::over_limits: return "over limits";
  }
  return "refused";
}

std::optional<trace_line> narrate(const std::string& st, const station_action& action, trace_level least) {
  using L = trace_level;
  // the text is made only for a line that will be told: a node under load tells few
  const auto make = [least](trace_level level, auto&& text) -> std::optional<trace_line> {
    if (level < least) return std::nullopt;
    return trace_line{level, text()};
  };
  return std::visit(
      [&](const auto& x) -> std::optional<trace_line> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, cable_filed>) {
          return make(L::info, [&] {
            return st + " files " + precedence_word(x.precedence) + " cable " + x.label + " for " +
                   std::to_string(x.addressees.size()) + " addressee station" + (x.addressees.size() == 1 ? "" : "s") +
                   ": " + x.routing_line + (x.unknown.empty() ? "" : "; no RI for " + join(x.unknown) + ", no copy") +
                   listed_collectives(x.collectives);
          });
        } else if constexpr (std::is_same_v<T, copy_relayed>) {
          return make(L::info, [&] {
            return st + (x.split ? " splits the routing line: " : " relays ") + join(x.ris) + " -> channel to " +
                   x.via + " at " + precedence_word(x.precedence) + (x.alternate ? " (alternate route)" : "") +
                   (x.held ? " (the channel is down: it waits)" : "") + (x.split ? "" : " (cable " + x.label + ")");
          });
        } else if constexpr (std::is_same_v<T, start_transmission>) {
          return make(L::detail, [&] {
            return st + " starts " + precedence_word(x.frame.precedence()) + " cable " + x.label +
                   " on the channel to " + x.channel + ": " + x.designator + serial4(x.frame.channel_serial()) + ", " +
                   std::to_string(x.characters) + " characters, " + seconds(x.line_time) + " of line time";
          });
        } else if constexpr (std::is_same_v<T, transmission_ended>) {
          return make(L::detail, [&] {
            return st + " has sent cable " + x.label + " whole to " + x.channel + " (serial " + serial4(x.serial) + ")";
          });
        } else if constexpr (std::is_same_v<T, cancel_transmission>) {
          return make(L::info, [&] {
            return precedence_word(x.preempted_by) + " preempts " + precedence_word(x.precedence) + " cable " +
                   x.label + " on " + st + "->" + x.channel + ", serial " + serial4(x.serial) +
                   " cancelled; it will be sent again whole";
          });
        } else if constexpr (std::is_same_v<T, cancel_serial>) {
          return make(L::info, [&] {
            return st + " tells " + x.channel + " that serial " + serial4(x.serial) +
                   " went another way while the channel was down: used, not open";
          });
        } else if constexpr (std::is_same_v<T, transmission_acknowledged>) {
          if (x.expected)
            return make(L::detail,
                        [&] { return x.channel + " acknowledges serial " + serial4(x.serial) + " from " + st; });
          return make(L::debug, [&] {
            return st + " got an acknowledgment from " + x.channel + " for serial " + serial4(x.serial) +
                   " it was not waiting for";
          });
        } else if constexpr (std::is_same_v<T, transmission_received>) {
          return make(L::debug, [&] {
            return st + " receives cable " + x.label + " from " + x.channel + " (serial " + serial4(x.serial) + ")";
          });
        } else if constexpr (std::is_same_v<T, cancel_received>) {
          return make(L::info, [&] {
            return st + ": transmission " + serial4(x.serial) + " from " + x.channel +
                   " was cancelled; serial used, not open";
          });
        } else if constexpr (std::is_same_v<T, serials_restarted>) {
          return make(L::debug, [&] {
            return st + ": channel from " + x.channel + " restarted its serials at " + serial4(x.serial);
          });
        } else if constexpr (std::is_same_v<T, open_number>) {
          return make(L::warn, [&] {
            return st + " reports open number" + (x.last > x.first ? "s " + serial4(x.first) + "-" : " ") +
                   serial4(x.last) + " on the channel from " + x.channel;
          });
        } else if constexpr (std::is_same_v<T, deliver_copy>) {
          return make(L::info, [&] {
            return st + " delivers " + precedence_word(x.precedence) + " cable " + x.label + " (" +
                   acp127::render_routing_line(x.copy.routing_line()) + ")" +
                   (x.address.empty() ? "" : " to " + x.address);
          });
        } else if constexpr (std::is_same_v<T, reject_copy>) {
          return make(L::warn, [&] {
            return st + " cannot pass cable " + x.label + " to " + join(x.ris) + ": " + refusal_sign(x.reason) + ": " +
                   x.detail;
          });
        } else if constexpr (std::is_same_v<T, send_continuity>) {
          return make(L::info, [&] {
            return x.answer
                       ? st + " answers " + x.channel + ": ZIC " + serial4(x.last_serial) + " (the last serial it sent)"
                       : st + " has heard nothing from " + x.channel + " for a while: ZID " + serial4(x.last_serial) +
                             " (the last serial it received)";
          });
        } else if constexpr (std::is_same_v<T, send_rerun>) {
          return make(L::info, [&] {
            return st + " asks " + x.channel + " to run again " +
                   (x.first == x.last ? "transmission " + serial4(x.first)
                                      : "transmissions " + serial4(x.first) + "-" + serial4(x.last)) +
                   ", which never arrived";
          });
        } else if constexpr (std::is_same_v<T, copy_rerun>) {
          return make(L::info, [&] {
            return st + " runs cable " + x.label + " again to " + x.channel + " (was " + serial4(x.serial) +
                   ", now marked ZDK)";
          });
        } else if constexpr (std::is_same_v<T, duplicate_dropped>) {
          return make(L::info, [&] {
            return st + " already holds cable " + x.label + " for " + join(x.ris) +
                   ": suspected duplicate (ZFD), filed and not passed on again";
          });
        } else if constexpr (std::is_same_v<T, misroute_found>) {
          return make(L::info, [&] {
            return st + " finds cable " + x.label + " misrouted: the address is served by " + join(x.right_stations) +
                   "; it forwards it there with the misroute pilot ZOV " + st;
          });
        } else if constexpr (std::is_same_v<T, service_sent>) {
          return make(L::info, [&] {
            return st + " sends service message " + x.signal + " to " + x.to + " about cable " + x.about_label + ": " +
                   join(x.ris) + " - " + x.detail;
          });
        } else if constexpr (std::is_same_v<T, channel_changed>) {
          if (x.up) return make(L::debug, [&] { return st + ": channel to " + x.channel + " is up"; });
          return make(L::info, [&] {
            return st + ": channel to " + x.channel + " is down" +
                   (x.moved ? "; rerouting " + std::to_string(x.moved) + " cable(s)" : "");
          });
        } else if constexpr (std::is_same_v<T, copy_rerouted>) {
          return make(L::info, [&] {
            return st + " reroutes cable " + x.label + " for " + join(x.ris) + " to the channel to " + x.via;
          });
        } else {
          return std::nullopt;  // acknowledgments sent, journal bookkeeping, queue depths
        }
      },
      action);
}

std::string narrate_queue(const std::string& station, const queue_changed& q) {
  std::string parts;
  for (int p = FLASH_OVERRIDE; p >= ROUTINE; --p)
    if (q.depth[static_cast<std::size_t>(p)])
      parts += (parts.empty() ? "" : ", ") + std::to_string(q.depth[static_cast<std::size_t>(p)]) + " " +
               precedence_word(static_cast<Precedence>(p));
  return "queue " + station + "->" + q.channel + ": " +
         (parts.empty() ? "empty" : std::to_string(q.total()) + " waiting (" + parts + ")");
}

}  // namespace cablesim::report
