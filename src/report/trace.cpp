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

namespace {

/// Tells one event, at its level, where the level is at least `least`; each kind of event has its
/// own case, and an event with none does not compile.
struct narrator {
  using L = trace_level;
  using result = std::optional<trace_line>;
  const std::string& st;
  trace_level least;

  /// The text is made only for a line that will be told: a node under load tells few.
  template <class Text>
  result make(trace_level level, Text&& text) const {
    if (level < least) return std::nullopt;
    return trace_line{level, text()};
  }

  result operator()(const cable_filed& x) const {
    return make(L::info, [&] {
      return st + " files " + precedence_word(x.precedence) + " cable " + x.label + " for " +
             std::to_string(x.addressees.size()) + " addressee station" + (x.addressees.size() == 1 ? "" : "s") + ": " +
             x.routing_line + (x.unknown.empty() ? "" : "; no RI for " + join(x.unknown) + ", no copy") +
             listed_collectives(x.collectives);
    });
  }
  result operator()(const copy_relayed& x) const {
    return make(L::info, [&] {
      return st + (x.split ? " splits the routing line: " : " relays ") + join(x.ris) + " -> channel to " + x.via +
             " at " + precedence_word(x.precedence) + (x.alternate ? " (alternate route)" : "") +
             (x.held ? " (the channel is down: it waits)" : "") + (x.split ? "" : " (cable " + x.label + ")");
    });
  }
  result operator()(const transmission_started& x) const {
    return make(L::detail, [&] {
      return st + " starts " + precedence_word(x.precedence) + " cable " + x.label + " on the channel to " + x.channel +
             ": " + x.designator + serial4(x.serial) + ", " + std::to_string(x.characters) + " characters, " +
             seconds(x.line_time) + " of line time";
    });
  }
  result operator()(const transmission_ended& x) const {
    return make(L::detail, [&] {
      return st + " has sent cable " + x.label + " whole to " + x.channel + " (serial " + serial4(x.serial) + ")";
    });
  }
  result operator()(const transmission_cancelled& x) const {
    return make(L::info, [&] {
      return precedence_word(x.preempted_by) + " preempts " + precedence_word(x.precedence) + " cable " + x.label +
             " on " + st + "->" + x.channel + ", serial " + serial4(x.serial) +
             " cancelled; it will be sent again whole";
    });
  }
  result operator()(const serial_withdrawn& x) const {
    return make(L::info, [&] {
      return st + " tells " + x.channel + " that serial " + serial4(x.serial) +
             " went another way while the channel was down: used, not open";
    });
  }
  result operator()(const transmission_acknowledged& x) const {
    if (x.expected)
      return make(L::detail, [&] { return x.channel + " acknowledges serial " + serial4(x.serial) + " from " + st; });
    return make(L::debug, [&] {
      return st + " got an acknowledgment from " + x.channel + " for serial " + serial4(x.serial) +
             " it was not waiting for";
    });
  }
  result operator()(const transmission_received& x) const {
    return make(L::debug, [&] {
      return st + " receives cable " + x.label + " from " + x.channel + " (serial " + serial4(x.serial) + ")";
    });
  }
  result operator()(const cancel_received& x) const {
    return make(L::info, [&] {
      return st + ": transmission " + serial4(x.serial) + " from " + x.channel +
             " was cancelled; serial used, not open";
    });
  }
  result operator()(const serials_restarted& x) const {
    return make(L::debug,
                [&] { return st + ": channel from " + x.channel + " restarted its serials at " + serial4(x.serial); });
  }
  result operator()(const open_number& x) const {
    return make(L::warn, [&] {
      return st + " reports open number" + (x.last > x.first ? "s " + serial4(x.first) + "-" : " ") + serial4(x.last) +
             " on the channel from " + x.channel;
    });
  }
  result operator()(const copy_delivered& x) const {
    return make(L::info, [&] {
      return st + " delivers " + precedence_word(x.precedence) + " cable " + x.label + " (" +
             acp127::render_routing_line(x.copy->routing_line()) + ")" + (x.address.empty() ? "" : " to " + x.address);
    });
  }
  result operator()(const reject_copy& x) const {
    return make(L::warn, [&] {
      return st + " cannot pass cable " + x.label + " to " + join(x.ris) + ": " + std::string(refusal_sign(x.reason)) +
             ": " + x.detail;
    });
  }
  result operator()(const continuity_sent& x) const {
    return make(L::info, [&] {
      const auto number = x.designator + serial4(x.last_serial);
      if (x.unasked)
        return st + " has had no acknowledgment from " + x.channel + " for a while: ZIC " + number +
               " (the last serial it sent whole)";
      return x.answer ? st + " answers " + x.channel + ": ZIC " + number + " (the last serial it sent whole)"
                      : st + " has heard nothing from " + x.channel + " for a while: ZID " + number +
                            " (the last serial it received)";
    });
  }
  result operator()(const rerun_asked& x) const {
    return make(L::info, [&] {
      return st + " asks " + x.channel + " to run again " +
             (x.first == x.last ? "transmission " + serial4(x.first)
                                : "transmissions " + serial4(x.first) + "-" + serial4(x.last)) +
             ", which never arrived";
    });
  }
  result operator()(const copy_rerun& x) const {
    return make(L::info, [&] {
      return st + " runs cable " + x.label + " again to " + x.channel + " (was " + serial4(x.serial) + ", now marked " +
             std::string(rerun_signal) + ")";
    });
  }
  result operator()(const duplicate_dropped& x) const {
    return make(L::info, [&] {
      return st + " already holds cable " + x.label + " for " + join(x.ris) +
             ": suspected duplicate (ZFD), filed and not passed on again";
    });
  }
  result operator()(const misroute_found& x) const {
    return make(L::info, [&] {
      return st + " finds cable " + x.label + " misrouted: the address is served by " + join(x.right_stations) +
             "; it forwards it there with the misroute pilot " + pilot_text(pilot_signal::zov, st);
    });
  }
  result operator()(const service_sent& x) const {
    if (x.zoe)  // between neighbours, about no one cable
      return make(L::info, [&] {
        auto text = zoe_text({*x.zoe, x.ris});
        text.pop_back();  // (its newline)
        return st + " sends " + text + " to " + x.to + ": " + x.detail;
      });
    return make(L::info, [&] {
      return st + " sends service message " + std::string(signal_text(x.signal)) + " to " + x.to + " about cable " +
             x.about_label + ": " + join(x.ris) + " - " + x.detail;
    });
  }
  result operator()(const channel_changed& x) const {
    if (x.up) return make(L::debug, [&] { return st + ": channel to " + x.channel + " is up"; });
    return make(L::info, [&] {
      return st + ": channel to " + x.channel + " is down" +
             (x.moved ? "; rerouting " + std::to_string(x.moved) + " cable(s)" : "");
    });
  }
  result operator()(const copy_rerouted& x) const {
    return make(L::info, [&] {
      return st + " reroutes cable " + x.label + " for " + join(x.ris) + " to the channel to " + x.via;
    });
  }
  result operator()(const arrangement_changed& x) const {
    return make(L::info, [&] {
      const auto ris = join(x.ris);
      switch (x.what) {
        case zoe_message::ask: return st + ": " + x.neighbour + " asks it to carry its traffic for " + ris;
        case zoe_message::agree:
          return st + ": " + x.neighbour + " agrees to carry its traffic for " + ris + "; what is held goes by " +
                 x.neighbour;
        case zoe_message::decline:
          return st + ": " + x.neighbour + " cannot carry its traffic for " + ris + "; it waits";
        case zoe_message::cancel: return st + ": " + x.neighbour + " ends the arrangement for " + ris;
      }
      return std::string{};
    });
  }
  result operator()(const queue_changed&) const { return std::nullopt; }  // narrate_queue, for watched channels
};

}  // namespace

std::optional<trace_line> narrate(const std::string& st, const station_event& event, trace_level least) {
  return std::visit(narrator{st, least}, event);
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
