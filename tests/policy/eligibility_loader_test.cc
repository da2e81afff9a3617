// The eligibility section of a pack: what the loader reads, and each error it reports as
// file:line: key: message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/loader.h"

namespace accrue {
namespace {

const std::vector<BenefitType>& Benefits() {
  static const std::vector<BenefitType> benefits = [] {
    auto b = LoadBenefits(std::string(ACCRUE_SOURCE_DIR) + "/policies/benefits.toml");
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : std::vector<BenefitType>{};
  }();
  return benefits;
}

// Lines 1-10; the rule's own keys start on line 11.
const std::string kHead = R"(id = "test-pack"
name = "Test pack"
kind = "jurisdiction"
jurisdiction = "US-WA"
starts = 2026-01-01
source = "test"

[[version]]
effective = 2026-01-01
[[version.eligibility]]
)";

std::string Rule(const std::string& body) { return kHead + body; }

std::string Describe(const std::vector<PolicyError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "\n  " + e.ToString();
  return out;
}

void ExpectError(const std::string& body, int line, const std::string& key,
                 const std::string& message) {
  const auto errors = CheckPackString(Rule(body), "t.toml", Benefits()).errors;
  ASSERT_EQ(errors.size(), 1u) << Describe(errors);
  EXPECT_EQ(errors[0].ToString(), "t.toml:" + std::to_string(line) + ": " + key + ": " + message);
}

TEST(EligibilityLoader, ReadsAThresholdWithItsDefaults) {
  auto pack =
      LoadPackFromString(Rule("benefit = \"health\"\nminimum = \"80\"\n"), "t.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  ASSERT_EQ((*pack)->versions[0].eligibility.size(), 1u);
  const EligibilityRule& rule = (*pack)->versions[0].eligibility[0];
  EXPECT_EQ(rule.benefit, "health");
  EXPECT_EQ(rule.basis, Basis::kHours);
  EXPECT_EQ(rule.per, Period::kMonth);
  EXPECT_EQ(rule.lag_months, 0);
  EXPECT_EQ(rule.scope, CapScope::kWorker);
  ASSERT_EQ(rule.tiers.size(), 1u);
  EXPECT_EQ(rule.tiers[0].Threshold(), Hours::Whole(80).units());
  EXPECT_FALSE(rule.bank.has_value());
}

TEST(EligibilityLoader, ReadsTiersAndAnHourBank) {
  auto pack = LoadPackFromString(Rule(R"(benefit = "health"
per = "quarter"
[[version.eligibility.tier]]
name = "part_time"
hours_per_week = "15"
[[version.eligibility.tier]]
name = "full_time"
hours_per_week = 25
[[version.eligibility]]
benefit = "retirement"
basis = "earnings"
per = "quarter"
minimum = "1000.00"
[[version.eligibility]]
benefit = "disability"
lag_months = 2
bank = { monthly_draw = "120", cap = "990", forfeit_after_months = 6 }
)"),
                                 "t.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  const auto& rules = (*pack)->versions[0].eligibility;
  ASSERT_EQ(rules.size(), 3u);
  ASSERT_EQ(rules[0].tiers.size(), 2u);
  EXPECT_EQ(rules[0].tiers[1].name, "full_time");
  EXPECT_EQ(rules[0].tiers[1].Threshold(), Hours::Whole(25 * 13).units());
  EXPECT_EQ(rules[1].basis, Basis::kEarnings);
  EXPECT_EQ(rules[1].tiers[0].Threshold(), Money::Whole(1000).units());
  ASSERT_TRUE(rules[2].bank.has_value());
  EXPECT_EQ(rules[2].bank->monthly_draw, Hours::Whole(120));
  EXPECT_EQ(rules[2].bank->cap, Hours::Whole(990));
  EXPECT_EQ(rules[2].bank->forfeit_after_months, 6);
  EXPECT_EQ(rules[2].lag_months, 2);
}

TEST(EligibilityLoader, UnknownBenefitIsNamedWithTheKnownOnes) {
  ExpectError("benefit = \"helth\"\nminimum = \"80\"\n", 11, "version[0].eligibility[0].benefit",
              "unknown benefit 'helth' (known: health, disability, workers_comp, unemployment, "
              "retirement, sick_leave, vacation or family_leave)");
}

TEST(EligibilityLoader, NegativeAndZeroThresholdsAreRefused) {
  ExpectError("benefit = \"health\"\nminimum = \"-80\"\n", 12, "version[0].eligibility[0].minimum",
              "must not be negative (got -80)");
  ExpectError("benefit = \"health\"\nminimum = \"0\"\n", 12, "version[0].eligibility[0].minimum",
              "must be more than 0");
  ExpectError("benefit = \"health\"\nbank = { monthly_draw = \"-1\" }\n", 12,
              "version[0].eligibility[0].bank.monthly_draw", "must not be negative (got -1)");
}

TEST(EligibilityLoader, BadPeriodAndBasisAreRefused) {
  ExpectError("benefit = \"health\"\nper = \"week\"\nminimum = \"20\"\n", 12,
              "version[0].eligibility[0].per", "'week' is not one of month or quarter");
  ExpectError("benefit = \"health\"\nbasis = \"jobs\"\nminimum = \"20\"\n", 12,
              "version[0].eligibility[0].basis", "'jobs' is not one of hours or earnings");
}

TEST(EligibilityLoader, LagMonthsAreBounded) {
  ExpectError("benefit = \"health\"\nminimum = \"80\"\nlag_months = -1\n", 13,
              "version[0].eligibility[0].lag_months", "must be between 0 and 24 (got -1)");
  ExpectError("benefit = \"health\"\nminimum = \"80\"\nlag_months = \"2\"\n", 13,
              "version[0].eligibility[0].lag_months", "must be a whole number");
}

TEST(EligibilityLoader, UnknownKeysAreErrorsWithASuggestion) {
  ExpectError("benefit = \"health\"\nminimum = \"80\"\nlag_month = 1\n", 13,
              "version[0].eligibility[0].lag_month",
              "unknown key 'lag_month' (did you mean 'lag_months'?)");
}

TEST(EligibilityLoader, ExactlyOneWayToQualify) {
  ExpectError("benefit = \"health\"\n", 10, "version[0].eligibility[0]",
              "say what qualifies: a minimum, [[tier]] thresholds or an hour bank");
  ExpectError("benefit = \"health\"\nminimum = \"80\"\nbank = { monthly_draw = \"120\" }\n", 10,
              "version[0].eligibility[0]", "give only one of minimum, [[tier]] and bank");
}

TEST(EligibilityLoader, TiersMustRise) {
  ExpectError(R"(benefit = "health"
per = "quarter"
[[version.eligibility.tier]]
name = "full_time"
hours_per_week = "25"
[[version.eligibility.tier]]
name = "part_time"
hours_per_week = "15"
)",
              16, "version[0].eligibility[0].tier[1]",
              "tiers must rise: 'part_time' (15 h a week) is not above 'full_time' (25 h a week)");
}

TEST(EligibilityLoader, WeeklyAveragesNeedHoursOverAQuarter) {
  ExpectError(R"(benefit = "health"
[[version.eligibility.tier]]
name = "part_time"
hours_per_week = "15"
)",
              14, "version[0].eligibility[0].tier[0].hours_per_week",
              "hours_per_week is averaged over a quarter's 13 weeks; it needs per = \"quarter\" "
              "(for a month, give minimum in hours)");
  ExpectError(R"(benefit = "health"
per = "quarter"
[[version.eligibility.tier]]
name = "part_time"
hours_per_week = "169"
)",
              15, "version[0].eligibility[0].tier[0].hours_per_week",
              "must be more than 0 and at most 168 (the hours in a week)");
}

TEST(EligibilityLoader, AnHourBankCountsPooledHoursMonthByMonth) {
  ExpectError("benefit = \"health\"\nper = \"quarter\"\nbank = { monthly_draw = \"120\" }\n", 13,
              "version[0].eligibility[0].bank",
              "an hour bank credits hours month by month: it needs basis = \"hours\" and per = "
              "\"month\"");
  ExpectError(
      "benefit = \"health\"\nscope = \"worker_entity\"\nbank = { monthly_draw = \"120\" }\n", 13,
      "version[0].eligibility[0].bank",
      "an hour bank pools all the worker's hours: scope must be \"worker\"");
  ExpectError("benefit = \"health\"\nbank = { monthly_draw = \"120\", cap = \"100\" }\n", 12,
              "version[0].eligibility[0].bank.cap",
              "a bank that holds less than the monthly draw (120 h) can never pay for a month on "
              "its own");
  ExpectError("benefit = \"health\"\nbank = { monthly_draw = \"120\", forfeit_after_months = 0 }\n",
              12, "version[0].eligibility[0].bank.forfeit_after_months",
              "must be between 1 and 120");
}

TEST(EligibilityLoader, OneRulePerBenefitInAVersion) {
  ExpectError(R"(benefit = "health"
minimum = "80"
[[version.eligibility]]
benefit = "health"
minimum = "100"
)",
              13, "version[0].eligibility[1].benefit",
              "another eligibility rule in this version already decides 'health'");
}

}  // namespace
}  // namespace accrue
