// Exact fixed-point quantities: Money, Hours and Ratio.
//
// Each is a signed 64-bit count of a fixed fraction of its unit, so sums are exact and
// overflow is detected, never wrapped:
//   Money  — 1e-10 of a currency unit (dollars). Inputs carry at most 4 decimals and rates at
//            most 4 decimals (dollars or percent points), so every contribution product is exact
//            at this scale; only splits into unequal shares round, and they do so by the
//            largest-remainder rule so the parts still sum exactly to the whole.
//            Range: ±$922,337,203 in one value — ample for one worker's balance or one
//            hiring entity's month; totals across many use MoneySum.
//   Hours  — 1e-6 hour (worked hours carry at most 4 decimals; accrued leave keeps the rest).
//   Ratio  — 1e-6 of one (so a percentage with 4 decimals, e.g. 1.1325%, is exact).
// Nothing here uses binary floating point.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace accrue {

// Parses a plain decimal ("-12.5", "0.0001") into a count of 10^-scale units. At most
// `max_decimals` (<= scale) digits after the point; no exponent, no spaces, no thousands
// separators. The message names the text and the problem.
Result<int64_t> ParseScaled(std::string_view text, int scale, int max_decimals);
// Formats units at 10^-scale with exactly `decimals` digits (rounding half away from zero),
// or with trailing zeros trimmed to at least `min_decimals` if decimals < 0.
std::string FormatScaled(int64_t units, int scale, int decimals, int min_decimals = 0);
// units * num / den, rounded half to even; fails on overflow of the 64-bit result.
Result<int64_t> MulDiv(int64_t units, int64_t num, int64_t den);

template <int kScale, typename Tag>
class Fixed {
 public:
  static constexpr int kScaleDigits = kScale;
  static constexpr int64_t kOne = [] {
    int64_t v = 1;
    for (int i = 0; i < kScale; ++i) v *= 10;
    return v;
  }();

  constexpr Fixed() = default;
  static constexpr Fixed FromUnits(int64_t units) { return Fixed(units); }
  static constexpr Fixed Whole(int64_t whole) { return Fixed(whole * kOne); }
  static Result<Fixed> Parse(std::string_view text, int max_decimals = kScale) {
    auto units = ParseScaled(text, kScale, max_decimals);
    if (!units.ok()) return units.status();
    return Fixed(*units);
  }

  constexpr int64_t units() const { return units_; }
  constexpr bool is_zero() const { return units_ == 0; }
  constexpr bool is_negative() const { return units_ < 0; }

  // Full precision with trailing zeros trimmed, at least `min_decimals` digits: "333.4".
  std::string ToString(int min_decimals = 0) const {
    return FormatScaled(units_, kScale, -1, min_decimals);
  }
  // Rounded to `decimals` digits, half away from zero: ToFixed(2) == "333.40".
  std::string ToFixed(int decimals) const { return FormatScaled(units_, kScale, decimals); }

  // Checked arithmetic: overflow is a bug (inputs are bounded), so it throws.
  friend Fixed operator+(Fixed a, Fixed b) { return Fixed(CheckedAdd(a.units_, b.units_)); }
  friend Fixed operator-(Fixed a, Fixed b) { return Fixed(CheckedAdd(a.units_, -b.units_)); }
  Fixed operator-() const { return Fixed(CheckedAdd(0, -units_)); }
  Fixed& operator+=(Fixed o) { return *this = *this + o; }
  Fixed& operator-=(Fixed o) { return *this = *this - o; }
  friend constexpr auto operator<=>(Fixed, Fixed) = default;

 private:
  constexpr explicit Fixed(int64_t units) : units_(units) {}
  static int64_t CheckedAdd(int64_t a, int64_t b);
  int64_t units_ = 0;
};

void ThrowOverflow(const char* what);

template <int kScale, typename Tag>
int64_t Fixed<kScale, Tag>::CheckedAdd(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) ThrowOverflow("fixed-point addition overflowed");
  return r;
}

struct MoneyTag {};
struct HoursTag {};
struct RatioTag {};
using Money = Fixed<10, MoneyTag>;
using Hours = Fixed<6, HoursTag>;
using Ratio = Fixed<6, RatioTag>;

// Parses "1.13%" or "1.13" (both meaning 1.13 percent) into a Ratio; at most 4 decimals.
Result<Ratio> ParsePercent(std::string_view text);
std::string FormatPercent(Ratio r);  // "1.13%"

// Exact products (rounded half to even only where the scale cannot hold the result).
Result<Money> Times(Money rate_per_hour, Hours hours);
Result<Money> Times(Money amount, Ratio ratio);
Result<Money> Times(Money rate_per_unit, int64_t count);

// Splits `total` into parts proportional to `weights` (non-negative, not all zero) such that
// the parts sum to `total` exactly: each part is floored, and the units left over go one by
// one to the parts with the largest remainders (ties to the earlier part).
std::vector<int64_t> AllocateUnits(int64_t total, std::span<const int64_t> weights);

// A 128-bit accumulator for totals across many accounts (program- or state-wide sums).
class MoneySum {
 public:
  static MoneySum FromUnits(__int128 units) {
    MoneySum s;
    s.sum_ = units;
    return s;
  }
  void Add(Money m) { sum_ += m.units(); }
  void Add(const MoneySum& o) { sum_ += o.sum_; }
  __int128 units() const { return sum_; }
  bool operator==(const MoneySum&) const = default;
  std::string ToFixed(int decimals) const;

 private:
  __int128 sum_ = 0;
};

}  // namespace accrue
