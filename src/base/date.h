// Civil dates and time zones.
//
// A Date is a day in the proleptic Gregorian calendar with no time zone of its own: a work
// report's date is the civil date at the work location, whose jurisdiction names the IANA time
// zone. "Today" is therefore always asked of a zone (TodayIn), never of the machine.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace accrue {

class Date {
 public:
  constexpr Date() = default;
  // Strict ISO form YYYY-MM-DD; rejects impossible dates such as 2026-02-30.
  static Result<Date> Parse(std::string_view text);
  static Date FromYmd(int year, unsigned month, unsigned day);  // must be valid (asserted)
  static constexpr Date FromDays(int32_t days_since_epoch) { return Date(days_since_epoch); }

  int32_t days() const { return days_; }
  int year() const;
  unsigned month() const;
  unsigned day() const;
  unsigned quarter() const { return (month() - 1) / 3 + 1; }
  std::string ToString() const;  // "2026-11-22"

  // Period keys used for caps and aggregates.
  std::string MonthKey() const;    // "2026-11"
  std::string QuarterKey() const;  // "2026-Q4"
  std::string YearKey() const;     // "2026"
  std::string WeekKey() const;     // ISO week, "2026-W47"

  Date AddDays(int32_t n) const { return Date(days_ + n); }
  friend constexpr auto operator<=>(Date, Date) = default;

 private:
  constexpr explicit Date(int32_t days) : days_(days) {}
  int32_t days_ = 0;
};

// The civil date at `instant` in the IANA zone `tz` ("America/Los_Angeles").
Result<Date> TodayIn(const std::string& tz, std::chrono::system_clock::time_point instant);
// Whether `tz` names a zone in the time zone database.
Status ValidateTimeZone(const std::string& tz);

}  // namespace accrue
