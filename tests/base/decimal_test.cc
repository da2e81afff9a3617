#include "base/decimal.h"

#include <gtest/gtest.h>

#include <numeric>
#include <stdexcept>

namespace accrue {
namespace {

TEST(Decimal, ParsesAndFormatsExactly) {
  auto m = Money::Parse("333.4", 4);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->ToFixed(2), "333.40");
  EXPECT_EQ(m->ToString(), "333.4");
  EXPECT_EQ(Money::Parse("-0.0001", 4)->ToString(), "-0.0001");
  EXPECT_EQ(Hours::Parse("0.1667", 4)->units(), 166700);
  EXPECT_EQ(Money::Parse("0", 4)->ToString(2), "0.00");
}

TEST(Decimal, RefusesMalformedNumbersWithTheTextInTheMessage) {
  EXPECT_EQ(Money::Parse("12.34567", 4).status().message(), "'12.34567' has more than 4 decimals");
  EXPECT_EQ(Money::Parse("1e5", 4).status().message(), "'1e5' is not a decimal number");
  EXPECT_EQ(Money::Parse("", 4).status().message(), "empty where a number is required");
  EXPECT_EQ(Money::Parse("1.", 4).status().message(), "'1.' is not a decimal number");
  EXPECT_EQ(Money::Parse(".5", 4).status().message(), "'.5' is not a decimal number");
  EXPECT_EQ(Money::Parse("1,000", 4).status().message(), "'1,000' is not a decimal number");
  EXPECT_EQ(Money::Parse("9999999999999", 4).status().message(), "'9999999999999' is too large");
}

TEST(Decimal, OverflowThrowsInsteadOfWrapping) {
  const Money big = Money::FromUnits(INT64_MAX - 5);
  EXPECT_THROW((void)(big + Money::FromUnits(10)), std::overflow_error);
}

TEST(Decimal, ProductsOfFourDecimalInputsAreExact) {
  // 10 minutes = 0.1667 h at $2.00/h is exactly $0.3334.
  auto m = Times(*Money::Parse("2.00", 4), *Hours::Parse("0.1667", 4));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->ToString(), "0.3334");
  // $1,234.5678 at 1.1325%: 12,345,678 × 11,325 = 139,814,803,350 at 1e-10 (4 + 6 decimals),
  // i.e. exactly $13.981480335.
  auto p = Times(*Money::Parse("1234.5678", 4), *ParsePercent("1.1325%"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ToString(), "13.981480335");
  EXPECT_EQ(p->units(), 139814803350);
}

TEST(Decimal, PercentParsing) {
  EXPECT_EQ(ParsePercent("1.13%")->units(), 11300);
  EXPECT_EQ(ParsePercent("4")->units(), 40000);
  EXPECT_EQ(FormatPercent(*ParsePercent("2.75%")), "2.75%");
  EXPECT_FALSE(ParsePercent("1.12345%").ok());
}

TEST(Decimal, AllocationSumsExactlyAndFavoursLargestRemainders) {
  const int64_t weights[] = {7143, 2857};
  auto parts = AllocateUnits(1, weights);
  EXPECT_EQ(parts[0] + parts[1], 1);
  EXPECT_EQ(parts[0], 1);
  const int64_t thirds[] = {1, 1, 1};
  parts = AllocateUnits(100, thirds);
  EXPECT_EQ(parts, (std::vector<int64_t>{34, 33, 33}));
  parts = AllocateUnits(-100, thirds);
  EXPECT_EQ(parts, (std::vector<int64_t>{-34, -33, -33}));
  const int64_t uneven[] = {100, 35, 40, 25};
  for (int64_t total : {1LL, 7LL, 33340000LL, 999999999999LL}) {
    parts = AllocateUnits(total, uneven);
    EXPECT_EQ(std::accumulate(parts.begin(), parts.end(), int64_t{0}), total);
  }
}

TEST(Decimal, MulDivRoundsHalfToEven) {
  EXPECT_EQ(*MulDiv(5, 1, 10), 0);   // 0.5 -> 0
  EXPECT_EQ(*MulDiv(15, 1, 10), 2);  // 1.5 -> 2
  EXPECT_EQ(*MulDiv(-15, 1, 10), -2);
  EXPECT_EQ(*MulDiv(16, 1, 10), 2);
}

TEST(Decimal, MoneySumHoldsBeyondOneValue) {
  MoneySum s;
  for (int i = 0; i < 4; ++i) s.Add(Money::FromUnits(INT64_MAX));
  EXPECT_EQ(s.units(), static_cast<__int128>(INT64_MAX) * 4);
  EXPECT_EQ(Money::FromUnits(123456789).ToFixed(2), "0.01");
}

}  // namespace
}  // namespace accrue
