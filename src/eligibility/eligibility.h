// Eligibility: from the rules in force and a worker's work month by month, whether the worker
// qualifies for each benefit in each month, the tier reached and what is still needed.
//
// A pure function: no I/O and no clock; the caller passes the work and the months to report.
// Exact: hours and dollars are summed and compared as integers (Hours, Money); an average over
// a quarter is compared as a sum against hours_per_week x 13, never divided. The rule that
// decides month M is the one in force on M's first day; it looks at the work of the latest
// period (month or calendar quarter) ending no later than M - lag_months, so that period's last
// month is the deadline for M. Work is pooled across hiring entities unless the rule's scope
// is per entity, in which case one entity alone must reach the threshold.
//
// Hour banks run month by month from the worker's first month of work: the month's hours are
// credited; after forfeit_after_months consecutive months without work the bank is forfeited;
// a month of coverage (lag_months later) is paid when the bank holds the monthly draw; what
// is left after the draw is cut to the cap.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/date.h"
#include "base/decimal.h"
#include "base/status.h"
#include "policy/policy.h"

namespace accrue {

// A calendar month.
class YearMonth {
 public:
  constexpr YearMonth() = default;
  static YearMonth Of(Date d) { return FromYm(d.year(), d.month()); }
  static constexpr YearMonth FromYm(int year, unsigned month) {
    return YearMonth(year * 12 + static_cast<int>(month) - 1);
  }
  static Result<YearMonth> Parse(std::string_view text);  // "2026-11"

  int year() const { return index_ / 12; }
  unsigned month() const { return static_cast<unsigned>(index_ % 12) + 1; }
  Date FirstDay() const { return Date::FromYmd(year(), month(), 1); }
  std::string ToString() const;  // "2026-11"
  YearMonth Plus(int months) const { return YearMonth(index_ + months); }
  // Months from `o` to this one (negative when `o` is later).
  int MonthsSince(YearMonth o) const { return index_ - o.index_; }
  friend constexpr auto operator<=>(YearMonth, YearMonth) = default;

 private:
  constexpr explicit YearMonth(int index) : index_(index) {}
  int index_ = 0;
};

// One hiring entity's work for the worker in one month, under one program.
struct MonthWork {
  YearMonth month;
  std::string entity;
  Hours hours;
  Money earnings;  // before tips
};

// One benefit in one coverage month.
struct MonthEligibility {
  std::string benefit;
  YearMonth month;
  bool eligible = false;
  std::string tier;             // the highest named tier reached; empty when none or unnamed
  std::string next_tier;        // the tier `still_needed` leads to; empty: eligibility itself
  Basis basis = Basis::kHours;  // the unit of `counted` and `still_needed`: kHours or kEarnings
  // Hours or Money units counted for the deciding period: pooled, or the best single entity
  // for a per-entity rule; for an hour bank, the bank with the month's hours before the draw.
  int64_t counted = 0;
  std::string best_entity;          // per-entity rules: the entity counted
  int64_t still_needed = 0;         // more units to work by `deadline` (0: nothing more to reach)
  YearMonth period_start;           // the deciding period's first month
  YearMonth deadline;               // its last month: the work must be done by its end
  std::optional<Hours> bank_after;  // hour banks: the balance after the draw and the cap
  std::string note;                 // forfeiture, cap, ...
};

// The eligibility of every benefit that `pack` has a rule for, in each month from `first` to
// `last` (inclusive) in which a version with that rule is in force; by benefit (in the order
// they are first written), then month. `work` is the worker's work under this pack, in any
// order, from the start of their history (hour banks need all of it).
std::vector<MonthEligibility> EvaluateEligibility(const PolicyPack& pack,
                                                  std::span<const MonthWork> work, YearMonth first,
                                                  YearMonth last);

// "18 h", "1,000.00"-style amounts without separators: "18", "250.5" hours; "1000.00" dollars.
std::string FormatAmount(Basis basis, int64_t units);

}  // namespace accrue
