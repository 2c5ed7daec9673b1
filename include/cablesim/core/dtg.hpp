#pragma once
// Date-time groups (101426Z SEP 07) and Julian filing times (2531426) as time points.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "cablesim/cable.pb.h"

namespace cablesim {

/// Simulated time: an instant (UTC) and a span, to the millisecond.
using sim_time = std::chrono::sys_time<std::chrono::milliseconds>;
using sim_duration = std::chrono::milliseconds;

/// "14:26:00Z": simulated time of day, for narration.
std::string clock_label(sim_time t);

/// Three-letter month abbreviation used in DTGs (JAN..DEC); month is 1..12.
std::string_view month_abbreviation(unsigned month);

/// 1..12 for JAN..DEC, nullopt otherwise.
std::optional<unsigned> month_from_abbreviation(std::string_view s);

/// The instant a DTG names (UTC).
sim_time to_time(const Dtg& dtg);

/// A DTG for an instant, written with a two-digit year.
Dtg dtg_from_time(sim_time t);

/// The Julian filing time (day of year, hour, minute) of an instant.
FilingTime filing_time_from_time(sim_time t);

/// Day of year (1..366) of a calendar date.
unsigned day_of_year(std::chrono::year_month_day ymd);

/// The calendar date of a day of year in a given year.
std::chrono::year_month_day date_of_day_of_year(int year, unsigned day_of_year);

/// "101426Z SEP 07" (or a four-digit year when year_digits is 4).
std::string format_dtg(const Dtg& dtg);

/// "2531426".
std::string format_filing_time(const FilingTime& ft);

/// Parse an ISO-8601 UTC instant such as 2007-09-10T14:00:00Z.
std::optional<sim_time> parse_iso8601(std::string_view s);

/// Format an instant as 2007-09-10T14:00:00Z.
std::string format_iso8601(sim_time t);

}  // namespace cablesim
