#include "base/date.h"

#include <date/date.h>
#include <date/iso_week.h>
#include <date/tz.h>

#include <cstdio>
#include <stdexcept>

namespace accrue {
namespace {

date::year_month_day Ymd(int32_t days) {
  return date::year_month_day{date::sys_days{date::days{days}}};
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Result<Date> Date::Parse(std::string_view text) {
  auto shown = [&] { return "'" + std::string(text.substr(0, 40)) + "'"; };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5, 2)) || !AllDigits(text.substr(8, 2))) {
    return Status::Invalid(shown() + " is not a date in the form YYYY-MM-DD");
  }
  auto num = [&](size_t pos, size_t n) {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  const date::year_month_day ymd{date::year{num(0, 4)},
                                 date::month{static_cast<unsigned>(num(5, 2))},
                                 date::day{static_cast<unsigned>(num(8, 2))}};
  if (!ymd.ok()) return Status::Invalid(shown() + " is not a real calendar date");
  return Date(static_cast<int32_t>(date::sys_days{ymd}.time_since_epoch().count()));
}

Date Date::FromYmd(int year, unsigned month, unsigned day) {
  const date::year_month_day ymd{date::year{year}, date::month{month}, date::day{day}};
  if (!ymd.ok()) throw std::logic_error("Date::FromYmd: invalid date");
  return Date(static_cast<int32_t>(date::sys_days{ymd}.time_since_epoch().count()));
}

int Date::year() const { return static_cast<int>(Ymd(days_).year()); }
unsigned Date::month() const { return static_cast<unsigned>(Ymd(days_).month()); }
unsigned Date::day() const { return static_cast<unsigned>(Ymd(days_).day()); }

namespace {

// "YYYY", "YYYY-MM" or "YYYY-MM-DD" without printf (on the ingest hot path).
std::string Format(int32_t days, int parts) {
  const date::year_month_day ymd = Ymd(days);
  const int y = static_cast<int>(ymd.year());
  if (y < 0 || y > 9999) return std::to_string(y);
  const auto m = static_cast<int>(static_cast<unsigned>(ymd.month()));
  const auto d = static_cast<int>(static_cast<unsigned>(ymd.day()));
  char buf[10] = {static_cast<char>('0' + y / 1000),
                  static_cast<char>('0' + y / 100 % 10),
                  static_cast<char>('0' + y / 10 % 10),
                  static_cast<char>('0' + y % 10),
                  '-',
                  static_cast<char>('0' + m / 10),
                  static_cast<char>('0' + m % 10),
                  '-',
                  static_cast<char>('0' + d / 10),
                  static_cast<char>('0' + d % 10)};
  return std::string(buf, parts == 1 ? 4 : parts == 2 ? 7 : 10);
}

}  // namespace

std::string Date::ToString() const { return Format(days_, 3); }
std::string Date::MonthKey() const { return Format(days_, 2); }
std::string Date::YearKey() const { return Format(days_, 1); }
std::string Date::QuarterKey() const { return YearKey() + "-Q" + std::to_string(quarter()); }

std::string Date::WeekKey() const {
  const iso_week::year_weeknum_weekday w{date::sys_days{date::days{days_}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-W%02u", static_cast<int>(w.year()),
                static_cast<unsigned>(w.weeknum()));
  return buf;
}

Status ValidateTimeZone(const std::string& tz) {
  try {
    (void)date::locate_zone(tz);
    return Status::Ok();
  } catch (const std::exception&) {
    return Status::Invalid("'" + tz + "' is not a known IANA time zone");
  }
}

Result<Date> TodayIn(const std::string& tz, std::chrono::system_clock::time_point instant) {
  try {
    const auto* zone = date::locate_zone(tz);
    const auto local = zone->to_local(std::chrono::time_point_cast<std::chrono::seconds>(instant));
    const auto day = date::floor<date::days>(local);
    return Date::FromDays(static_cast<int32_t>(day.time_since_epoch().count()));
  } catch (const std::exception&) {
    return Status::Invalid("'" + tz + "' is not a known IANA time zone");
  }
}

}  // namespace accrue
