#include "cablesim/core/dtg.hpp"

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <array>
#include <cctype>
#include <cstdio>

#include "cablesim/core/text.hpp"

namespace cablesim {
namespace {
constexpr std::array<std::string_view, 12> months = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};

std::string two(unsigned v) { return zero_pad(v % 100, 2); }
}  // namespace

std::string_view month_abbreviation(unsigned month) {
  return (month >= 1 && month <= 12) ? months[month - 1] : std::string_view{"???"};
}

std::optional<unsigned> month_from_abbreviation(std::string_view s) {
  for (unsigned i = 0; i < months.size(); ++i)
    if (months[i] == s) return i + 1;
  return std::nullopt;
}

sim_time to_time(const Dtg& dtg) {
  using namespace std::chrono;
  const year_month_day ymd{year{static_cast<int>(dtg.year())}, month{dtg.month()}, day{dtg.day()}};
  return sys_days{ymd} + hours{dtg.hour()} + minutes{dtg.minute()};
}

Dtg dtg_from_time(sim_time t) {
  using namespace std::chrono;
  const auto days = floor<std::chrono::days>(t);
  const year_month_day ymd{days};
  const hh_mm_ss hms{t - days};
  Dtg d;
  d.set_day(static_cast<unsigned>(ymd.day()));
  d.set_month(static_cast<unsigned>(ymd.month()));
  d.set_year(static_cast<unsigned>(static_cast<int>(ymd.year())));
  d.set_hour(static_cast<unsigned>(hms.hours().count()));
  d.set_minute(static_cast<unsigned>(hms.minutes().count()));
  d.set_year_digits(2);
  return d;
}

unsigned day_of_year(std::chrono::year_month_day ymd) {
  using namespace std::chrono;
  const sys_days jan1{ymd.year() / January / 1};
  return static_cast<unsigned>((sys_days{ymd} - jan1).count()) + 1;
}

std::chrono::year_month_day date_of_day_of_year(int y, unsigned doy) {
  using namespace std::chrono;
  return year_month_day{sys_days{year{y} / January / 1} + days{doy - 1}};
}

FilingTime filing_time_from_time(sim_time t) {
  using namespace std::chrono;
  const auto days = floor<std::chrono::days>(t);
  const hh_mm_ss hms{t - days};
  FilingTime ft;
  ft.set_day_of_year(day_of_year(year_month_day{days}));
  ft.set_hour(static_cast<unsigned>(hms.hours().count()));
  ft.set_minute(static_cast<unsigned>(hms.minutes().count()));
  return ft;
}

std::string format_dtg(const Dtg& d) {
  std::string s = two(d.day()) + two(d.hour()) + two(d.minute()) + "Z ";
  s += month_abbreviation(d.month());
  s += ' ';
  if (d.year_digits() == 4) {
    s += zero_pad(d.year() % 10000, 4);
  } else {
    s += two(d.year());
  }
  return s;
}

std::string format_filing_time(const FilingTime& ft) {
  // DDDHHMM: part of every message identity, made for every cable a station receives
  const unsigned d = ft.day_of_year() % 1000, h = ft.hour() % 100, m = ft.minute() % 100;
  const unsigned digits[7] = {d / 100, d / 10 % 10, d % 10, h / 10, h % 10, m / 10, m % 10};
  std::string s(7, '0');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('0' + digits[i]);
  return s;
}

std::string clock_label(sim_time t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const hh_mm_ss hms{t - day};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ldZ", static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()));
  return buf;
}

std::optional<sim_time> parse_iso8601(std::string_view s) {
  // RFC 3339, strictly: full-width fields (YYYY-MM-DDThh:mm:ss, which protobuf's parser does
  // not insist on), then protobuf's Timestamp parser for the rest: a zone, nothing after.
  constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd";
  if (s.size() <= shape.size()) return std::nullopt;
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != shape[i]) return std::nullopt;
  google::protobuf::Timestamp ts;
  if (!google::protobuf::util::TimeUtil::FromString(std::string(s), &ts)) return std::nullopt;
  return sim_time{std::chrono::seconds{ts.seconds()}} +
         std::chrono::duration_cast<sim_duration>(std::chrono::nanoseconds{ts.nanos()});
}

std::string format_iso8601(sim_time t) {
  const auto ms = t.time_since_epoch().count();
  return google::protobuf::util::TimeUtil::ToString(google::protobuf::util::TimeUtil::MillisecondsToTimestamp(ms));
}

}  // namespace cablesim
