#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "base/account_number.h"
#include "base/date.h"

namespace accrue {
namespace {

TEST(Date, ParsesStrictlyAndRefusesImpossibleDates) {
  auto d = Date::Parse("2026-11-22");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ToString(), "2026-11-22");
  EXPECT_EQ(d->QuarterKey(), "2026-Q4");
  EXPECT_EQ(d->MonthKey(), "2026-11");
  EXPECT_EQ(Date::Parse("2026-02-30").status().message(),
            "'2026-02-30' is not a real calendar date");
  EXPECT_EQ(Date::Parse("2026-2-3").status().message(),
            "'2026-2-3' is not a date in the form YYYY-MM-DD");
  EXPECT_TRUE(Date::Parse("2024-02-29").ok());
  EXPECT_FALSE(Date::Parse("2025-02-29").ok());
}

TEST(Date, IsoWeeksCrossYearBoundaries) {
  EXPECT_EQ(Date::Parse("2026-01-01")->WeekKey(), "2026-W01");
  EXPECT_EQ(Date::Parse("2027-01-01")->WeekKey(), "2026-W53");
  EXPECT_EQ(Date::Parse("2025-12-29")->WeekKey(), "2026-W01");
}

TEST(Date, TodayDependsOnTheTimeZone) {
  // 2026-11-22 03:00 UTC is still the 21st in Seattle and already the 22nd in New York.
  const auto instant =
      std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + std::chrono::hours(3);
  const auto tp = std::chrono::system_clock::time_point(instant);
  EXPECT_EQ(TodayIn("America/Los_Angeles", tp)->ToString(), "2026-11-21");
  EXPECT_EQ(TodayIn("America/New_York", tp)->ToString(), "2026-11-21");
  EXPECT_EQ(TodayIn("Europe/Berlin", tp)->ToString(), "2026-11-22");
  EXPECT_EQ(ValidateTimeZone("Mars/Olympus").message(),
            "'Mars/Olympus' is not a known IANA time zone");
}

TEST(AccountNumber, RoundTripsAndShowsGroups) {
  const AccountNumber a = AccountNumber::FromSerial(12345678901ULL);
  auto parsed = AccountNumber::Parse(a.ToString());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, a);
  EXPECT_EQ(a.ToString().size(), 14u);
  EXPECT_EQ(a.ToString()[4], '-');
  std::string plain = a.ToString();
  plain.erase(std::remove(plain.begin(), plain.end(), '-'), plain.end());
  EXPECT_EQ(*AccountNumber::Parse(plain), a);
}

// Small serials are zero-padded to twelve digits, and the check digit is the Damm digit of the
// padded eleven: serial 1 is 0000-0000-0013 (Damm over "00000000001" is 3).
TEST(AccountNumber, SmallSerialsArePaddedWithZeros) {
  EXPECT_EQ(AccountNumber::FromSerial(1).ToString(), "0000-0000-0013");
  EXPECT_EQ(AccountNumber::FromSerial(1).Digits(), "000000000013");
  EXPECT_EQ(AccountNumber::FromSerial(1).value(), 13u);
  EXPECT_EQ(AccountNumber::FromValue(13), AccountNumber::FromSerial(1));
  EXPECT_THROW(AccountNumber::FromValue(14), std::logic_error);
  const AccountNumber last = AccountNumber::FromSerial(99999999999ULL);
  EXPECT_EQ(last.ToString().substr(0, 13), "9999-9999-999");
}

// The check digit computed from the number agrees with the one computed from its digits as
// text, which is how a typed account number is checked.
TEST(AccountNumber, TheCheckDigitIsTheDammDigitOfTheElevenDigits) {
  for (uint64_t serial = 1; serial < 99999999999ULL; serial = serial * 7 + 3) {
    const std::string text = AccountNumber::FromSerial(serial).ToString();
    std::string digits;
    for (char c : text) {
      if (c != '-') digits += c;
    }
    ASSERT_EQ(digits.size(), 12u) << text;
    EXPECT_EQ(DammCheckDigit(digits.substr(0, 11)), digits[11] - '0') << text;
    EXPECT_EQ(AccountNumber::FromSerial(serial).value() / 10, serial) << text;
  }
}

// The check digit's promise: every single-digit error and every swap of two different
// neighbouring digits is refused, for many numbers.
TEST(AccountNumber, EverySingleDigitErrorAndNeighbourSwapIsRefused) {
  for (uint64_t serial : {1ULL, 42ULL, 12345678901ULL, 99999999999ULL, 31415926535ULL}) {
    std::string digits = AccountNumber::FromSerial(serial).ToString();
    digits.erase(std::remove(digits.begin(), digits.end(), '-'), digits.end());
    for (size_t i = 0; i < digits.size(); ++i) {
      for (char c = '0'; c <= '9'; ++c) {
        if (c == digits[i]) continue;
        std::string typo = digits;
        typo[i] = c;
        EXPECT_FALSE(AccountNumber::Parse(typo).ok()) << typo;
      }
      if (i + 1 < digits.size() && digits[i] != digits[i + 1]) {
        std::string swapped = digits;
        std::swap(swapped[i], swapped[i + 1]);
        EXPECT_FALSE(AccountNumber::Parse(swapped).ok()) << swapped;
      }
    }
  }
}

TEST(AccountNumber, MessagesNameTheProblem) {
  EXPECT_EQ(AccountNumber::Parse("1234").status().message(),
            "account number '1234' must have 12 digits");
  EXPECT_EQ(AccountNumber::Parse("1234-5678-90AB").status().message(),
            "account number '1234-5678-90AB' may hold only digits and dashes");
  std::string a = AccountNumber::FromSerial(777).ToString();
  a[0] = '5';
  EXPECT_NE(AccountNumber::Parse(a).status().message().find("fails its check digit"),
            std::string::npos);
}

}  // namespace
}  // namespace accrue
