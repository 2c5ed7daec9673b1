#include "cablesim/report/summary.hpp"

#include <cstdio>
#include <sstream>

#include "cablesim/core/dtg.hpp"
#include "cablesim/core/precedence.hpp"

namespace cablesim::report {

std::string duration_label(double s) {
  char buf[32];
  if (s < 1)
    std::snprintf(buf, sizeof buf, "%.2f s", s);
  else if (s < 120)
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  else if (s < 7200)
    std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
  else
    std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  return buf;
}

std::string summarize(const Report& r) {
  std::ostringstream out;
  const auto epoch = parse_iso8601(r.epoch()).value_or(sim_time{});
  auto when = [&](double s) { return clock_label(epoch + sim_duration{static_cast<int64_t>(s * 1000)}); };
  uint32_t expected = 0;
  for (const auto& f : r.filed()) expected += static_cast<uint32_t>(f.addressees_size());
  uint32_t delivered = 0;
  for (const auto& p : r.precedences()) delivered += p.delivered();
  out << "cablesim run: topology " << r.topology() << (r.scenario().empty() ? "" : ", scenario " + r.scenario())
      << ", virtual time\n";
  out << "simulated " << when(0) << " to " << when(r.duration()) << " (" << duration_label(r.duration()) << ")\n\n";
  out << "filed " << r.filed_size() << " cable" << (r.filed_size() == 1 ? "" : "s") << "; delivered " << delivered
      << " of " << expected << " addressee copies; " << r.service_messages() << " service messages, " << r.duplicates()
      << " delivered twice, " << r.open_numbers() << " open numbers, " << r.preemptions() << " preemptions\n";
  if (r.duplicates_filed() || r.misrouted())
    out << r.duplicates_filed() << " suspected duplicates filed (ZFD: sent again, already held), " << r.misrouted()
        << " misrouted copies passed on (ZOV)\n";
  if (r.continuity_checks() || r.reruns())
    out << r.continuity_checks() << " continuity checks (ZID after a silence, ZIC unasked), " << r.reruns()
        << " transmissions run again on request (ZDK)\n";
  if (r.refused_filings_size()) {
    out << "refused " << r.refused_filings_size() << " filing" << (r.refused_filings_size() == 1 ? "" : "s")
        << " (not numbered, not sent):\n";
    for (int i = 0; i < r.refused_filings_size() && i < 20; ++i) {
      const auto& f = r.refused_filings(i);
      out << "  " << when(f.at()) << " " << f.station() << " " << f.source() << ": " << f.error() << "\n";
    }
    if (r.refused_filings_size() > 20)
      out << "  ... and " << r.refused_filings_size() - 20 << " more (all in the report)\n";
  }
  if (r.refusals_size()) {
    out << "refused " << r.rejected() << " addressee cop" << (r.rejected() == 1 ? "y" : "ies") << ":";
    for (const auto& f : r.refusals())
      out << " " << f.copies() << " " << f.reason() << (f.legitimate() ? "" : " (lost to the network)");
    out << "\n";
  }
  if (r.lost())
    out << "NOT COMPLETE: " << r.lost() << " addressee cop" << (r.lost() == 1 ? "y was" : "ies were")
        << " refused for a fault of the network, not of the cable (see the refusals above)\n";
  if (r.missing_size() || (!r.completed() && !r.lost())) {
    out << "NOT COMPLETE: " << r.missing_size() << " addressee cop" << (r.missing_size() == 1 ? "y" : "ies")
        << " neither delivered nor refused:\n";
    for (int i = 0; i < r.missing_size() && i < 20; ++i)
      out << "  " << r.missing(i).message_id() << " for " << r.missing(i).station() << "\n";
    if (r.missing_size() > 20) out << "  ... and " << r.missing_size() - 20 << " more (all in the report)\n";
  }
  if (r.precedences_size()) {
    char line[160];
    std::snprintf(line, sizeof line, "\n%-10s %6s %10s %10s %9s %9s %9s %9s %10s %8s\n", "precedence", "filed",
                  "delivered", "in flight", "p50", "p90", "p99", "max", "objective", "on time");
    out << line;
    for (const auto& p : r.precedences()) {
      char on_time[16] = "-";
      if (p.delivered()) std::snprintf(on_time, sizeof on_time, "%.0f%%", 100 * p.delivered_within_objective());
      std::snprintf(line, sizeof line, "%-10s %6u %10u %10u %9s %9s %9s %9s %10s %8s\n",
                    precedence_word(p.precedence()).c_str(), p.filed(), p.delivered(), p.in_flight(),
                    duration_label(p.latency_p50()).c_str(), duration_label(p.latency_p90()).c_str(),
                    duration_label(p.latency_p99()).c_str(), duration_label(p.latency_max()).c_str(),
                    duration_label(p.objective_seconds()).c_str(), on_time);
      out << line;
    }
    out << "(latency: filing to delivery, simulated time; on time: delivered within ACP 127's objective)\n";
  }
  if (r.deliveries_size() && r.deliveries_size() <= 40) {
    out << "\ndeliveries:\n";
    for (const auto& d : r.deliveries()) {
      std::string path;
      for (const auto& s : d.path()) path += (path.empty() ? "" : " -> ") + s;
      char line[200];
      std::snprintf(line, sizeof line, "  %s  %-8s %-9s %-24s %7s  via %s\n", when(d.delivered_at()).c_str(),
                    d.station().c_str(), precedence_word(d.precedence()).c_str(), d.message_id().c_str(),
                    duration_label(d.delivered_at() - d.filed_at()).c_str(), path.c_str());
      out << line;
    }
  }
  return out.str();
}

}  // namespace cablesim::report
