// The eligibility evaluator on worked examples. Every expected figure is computed by hand in the
// comment above it; the rules are written in the pack format so the loader is exercised too.
#include "eligibility/eligibility.h"

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

// A pack from 2026-01-01 whose one version holds `rules` (TOML under [[version]]).
PackPtr PackWith(const std::string& rules) {
  const std::string text = R"(id = "t"
name = "T"
kind = "jurisdiction"
jurisdiction = "US-WA"
starts = 2026-01-01
source = "test"

[[version]]
effective = 2026-01-01
)" + rules;
  auto pack = LoadPackFromString(text, "t.toml", Benefits());
  EXPECT_TRUE(pack.ok()) << pack.status().message();
  return pack.ok() ? *pack : nullptr;
}

YearMonth M(int year, unsigned month) { return YearMonth::FromYm(year, month); }
Hours H(const char* text) { return *Hours::Parse(text); }
Money D(const char* text) { return *Money::Parse(text); }
int64_t HoursUnits(const char* text) { return H(text).units(); }
int64_t DollarUnits(const char* text) { return D(text).units(); }

MonthWork Work(YearMonth month, const std::string& entity, const char* hours,
               const char* earnings = "0") {
  return {month, entity, H(hours), D(earnings)};
}

// The result for `month`; fails the test if there is none.
MonthEligibility For(const std::vector<MonthEligibility>& results, YearMonth month) {
  for (const MonthEligibility& r : results) {
    if (r.month == month) return r;
  }
  ADD_FAILURE() << "no result for " << month.ToString();
  return {};
}

const char* kMonthly80 = R"(
[[version.eligibility]]
benefit = "health"
basis = "hours"
per = "month"
minimum = "80"
)";

TEST(Eligibility, PoolingThreeEntitiesReachesAThresholdNoneReachesAlone) {
  PackPtr pack = PackWith(kMonthly80);
  ASSERT_NE(pack, nullptr);
  // March: 30 + 25 + 25.5 = 80.5 h >= 80 although each entity alone is far below.
  // April: 30 + 30 = 60 h, 80 - 60 = 20 h still needed, by the end of April (no lag).
  const std::vector<MonthWork> work = {
      Work(M(2026, 3), "rideco", "30"), Work(M(2026, 3), "cleanco", "25"),
      Work(M(2026, 3), "shopco", "25.5"), Work(M(2026, 4), "rideco", "30"),
      Work(M(2026, 4), "cleanco", "30")};
  const auto results = EvaluateEligibility(*pack, work, M(2026, 3), M(2026, 4));
  ASSERT_EQ(results.size(), 2u);
  const MonthEligibility march = For(results, M(2026, 3));
  EXPECT_EQ(march.benefit, "health");
  EXPECT_TRUE(march.eligible);
  EXPECT_EQ(march.counted, HoursUnits("80.5"));
  EXPECT_EQ(march.still_needed, 0);
  const MonthEligibility april = For(results, M(2026, 4));
  EXPECT_FALSE(april.eligible);
  EXPECT_EQ(april.counted, HoursUnits("60"));
  EXPECT_EQ(april.still_needed, HoursUnits("20"));
  EXPECT_EQ(april.basis, Basis::kHours);
  EXPECT_EQ(april.deadline, M(2026, 4));
}

TEST(Eligibility, APerEntityRuleDoesNotPool) {
  PackPtr pack = PackWith(std::string(kMonthly80) + "scope = \"worker_entity\"\n");
  ASSERT_NE(pack, nullptr);
  // March: the same 80.5 h, but the best single entity has 30 h: 80 - 30 = 50 h still needed
  // from one entity. May: cleanco alone gives 85 h >= 80.
  const std::vector<MonthWork> work = {
      Work(M(2026, 3), "rideco", "30"), Work(M(2026, 3), "cleanco", "25"),
      Work(M(2026, 3), "shopco", "25.5"), Work(M(2026, 5), "rideco", "10"),
      Work(M(2026, 5), "cleanco", "85")};
  const auto results = EvaluateEligibility(*pack, work, M(2026, 3), M(2026, 5));
  const MonthEligibility march = For(results, M(2026, 3));
  EXPECT_FALSE(march.eligible);
  EXPECT_EQ(march.counted, HoursUnits("30"));
  EXPECT_EQ(march.best_entity, "rideco");
  EXPECT_EQ(march.still_needed, HoursUnits("50"));
  const MonthEligibility may = For(results, M(2026, 5));
  EXPECT_TRUE(may.eligible);
  EXPECT_EQ(may.counted, HoursUnits("85"));
  EXPECT_EQ(may.best_entity, "cleanco");
}

TEST(Eligibility, LagMonthsLookBackToTheDecidingMonth) {
  PackPtr pack = PackWith(std::string(kMonthly80) + "lag_months = 2\n");
  ASSERT_NE(pack, nullptr);
  // December is decided by October (lag 2): 62 h worked, 80 - 62 = 18 h to go by October's end.
  // January 2027 is decided by November: 100 h, eligible.
  const std::vector<MonthWork> work = {Work(M(2026, 10), "rideco", "40"),
                                       Work(M(2026, 10), "cleanco", "22"),
                                       Work(M(2026, 11), "rideco", "100")};
  const auto results = EvaluateEligibility(*pack, work, M(2026, 12), M(2027, 1));
  ASSERT_EQ(results.size(), 2u);
  const MonthEligibility december = For(results, M(2026, 12));
  EXPECT_FALSE(december.eligible);
  EXPECT_EQ(december.counted, HoursUnits("62"));
  EXPECT_EQ(december.still_needed, HoursUnits("18"));
  EXPECT_EQ(december.period_start, M(2026, 10));
  EXPECT_EQ(december.deadline, M(2026, 10));
  EXPECT_EQ(december.next_tier, "");
  const MonthEligibility january = For(results, M(2027, 1));
  EXPECT_TRUE(january.eligible);
  EXPECT_EQ(january.counted, HoursUnits("100"));
  EXPECT_EQ(january.deadline, M(2026, 11));
}

TEST(Eligibility, EarningsGateOverAQuarter) {
  PackPtr pack = PackWith(R"(
[[version.eligibility]]
benefit = "health"
basis = "earnings"
per = "quarter"
minimum = "1000.00"
lag_months = 1
)");
  ASSERT_NE(pack, nullptr);
  // Lag 1: April to June look at Q1 (the latest quarter ending by March), July at Q2.
  // Q1: 400.00 + 350.50 + 200.00 = 950.50; 1000.00 - 950.50 = 49.50 still needed by March.
  // Q2: 600.00 + 450.00 = 1050.00 >= 1000.00. Hours do not count toward an earnings gate.
  // March looks at Q4 2025 (latest quarter ending by February): nothing earned, 1000.00 needed.
  const std::vector<MonthWork> work = {
      Work(M(2026, 1), "rideco", "40", "400.00"), Work(M(2026, 2), "cleanco", "30", "350.50"),
      Work(M(2026, 3), "rideco", "20", "200.00"), Work(M(2026, 4), "rideco", "50", "600.00"),
      Work(M(2026, 6), "cleanco", "40", "450.00")};
  const auto results = EvaluateEligibility(*pack, work, M(2026, 3), M(2026, 7));
  ASSERT_EQ(results.size(), 5u);
  const MonthEligibility march = For(results, M(2026, 3));
  EXPECT_FALSE(march.eligible);
  EXPECT_EQ(march.period_start, M(2025, 10));
  EXPECT_EQ(march.deadline, M(2025, 12));
  EXPECT_EQ(march.still_needed, DollarUnits("1000.00"));
  for (unsigned month : {4u, 5u, 6u}) {
    const MonthEligibility e = For(results, M(2026, month));
    EXPECT_FALSE(e.eligible) << month;
    EXPECT_EQ(e.basis, Basis::kEarnings);
    EXPECT_EQ(e.counted, DollarUnits("950.50")) << month;
    EXPECT_EQ(e.still_needed, DollarUnits("49.50")) << month;
    EXPECT_EQ(e.period_start, M(2026, 1));
    EXPECT_EQ(e.deadline, M(2026, 3));
  }
  const MonthEligibility july = For(results, M(2026, 7));
  EXPECT_TRUE(july.eligible);
  EXPECT_EQ(july.counted, DollarUnits("1050.00"));
  EXPECT_EQ(july.still_needed, 0);
  EXPECT_EQ(FormatAmount(Basis::kEarnings, march.still_needed), "1000.00");
}

TEST(Eligibility, EngagedHoursTiersAreAveragedOverAQuartersThirteenWeeks) {
  PackPtr pack = PackWith(R"(
[[version.eligibility]]
benefit = "health"
per = "quarter"
lag_months = 1

[[version.eligibility.tier]]
name = "part_time"
hours_per_week = "15"

[[version.eligibility.tier]]
name = "full_time"
hours_per_week = "25"
)");
  ASSERT_NE(pack, nullptr);
  // Thresholds: 15 x 13 = 195 h and 25 x 13 = 325 h a quarter (lag 1: the quarter decides the
  // three months after it).
  // Q4 2025: 194.999999 h: not eligible, 0.000001 h short of part_time (no rounding).
  // Q1 2026: 120 + 80 = 200 h: part_time; 325 - 200 = 125 h more for full_time.
  // Q2 2026: 324.5 h: part_time, 0.5 h short of full_time.
  // Q3 2026: 100 + 100 + 125 = 325 h exactly: full_time, nothing more to reach.
  const std::vector<MonthWork> work = {
      Work(M(2025, 11), "rideco", "194.999999"), Work(M(2026, 1), "rideco", "120"),
      Work(M(2026, 2), "cleanco", "80"),         Work(M(2026, 5), "rideco", "324.5"),
      Work(M(2026, 7), "rideco", "100"),         Work(M(2026, 8), "cleanco", "100"),
      Work(M(2026, 9), "shopco", "125")};
  const auto results = EvaluateEligibility(*pack, work, M(2026, 1), M(2026, 10));
  ASSERT_EQ(results.size(), 10u);
  const MonthEligibility january = For(results, M(2026, 1));
  EXPECT_FALSE(january.eligible);
  EXPECT_EQ(january.tier, "");
  EXPECT_EQ(january.next_tier, "part_time");
  EXPECT_EQ(january.still_needed, 1);  // one millionth of an hour
  const MonthEligibility april = For(results, M(2026, 4));
  EXPECT_TRUE(april.eligible);
  EXPECT_EQ(april.tier, "part_time");
  EXPECT_EQ(april.next_tier, "full_time");
  EXPECT_EQ(april.still_needed, HoursUnits("125"));
  EXPECT_EQ(april.deadline, M(2026, 3));
  const MonthEligibility july = For(results, M(2026, 7));
  EXPECT_EQ(july.tier, "part_time");
  EXPECT_EQ(july.still_needed, HoursUnits("0.5"));
  const MonthEligibility october = For(results, M(2026, 10));
  EXPECT_TRUE(october.eligible);
  EXPECT_EQ(october.tier, "full_time");
  EXPECT_EQ(october.next_tier, "");
  EXPECT_EQ(october.counted, HoursUnits("325"));
  EXPECT_EQ(october.still_needed, 0);
}

TEST(Eligibility, AnHourBankFillsDrawsDownAndForfeits) {
  PackPtr pack = PackWith(R"(
[[version.eligibility]]
benefit = "health"
lag_months = 1
bank = { monthly_draw = "120", cap = "360", forfeit_after_months = 3 }
)");
  ASSERT_NE(pack, nullptr);
  // Work month m pays for month m + 1. Bank before -> + worked -> draw 120 -> cap 360:
  //   Jan: 0 + 200 = 200 -> Feb covered, 80 left.
  //   Feb: 80 + 450 = 530 -> Mar covered, 410 left, cut to the cap 360 (50 h not kept).
  //   Mar: no work (1st month idle): 360 -> Apr covered, 240 left.
  //   Apr: idle (2nd): 240 -> May covered, 120 left.
  //   May: idle (3rd): the 120 h are forfeited -> Jun not covered, 120 h needed by May's end.
  //   Jun: idle: 0 -> Jul not covered, 120 h needed.
  //   Jul: 0 + 50 = 50 -> Aug not covered, 70 h needed by July's end; 50 h banked.
  const std::vector<MonthWork> work = {Work(M(2026, 1), "a", "200"), Work(M(2026, 2), "a", "200"),
                                       Work(M(2026, 2), "b", "250"), Work(M(2026, 7), "c", "50")};
  const auto results = EvaluateEligibility(*pack, work, M(2026, 2), M(2026, 8));
  ASSERT_EQ(results.size(), 7u);
  struct Expected {
    unsigned month;
    bool eligible;
    const char* counted;
    const char* needed;
    const char* after;
  };
  const Expected expected[] = {{2, true, "200", "0", "80"},  {3, true, "530", "0", "360"},
                               {4, true, "360", "0", "240"}, {5, true, "240", "0", "120"},
                               {6, false, "0", "120", "0"},  {7, false, "0", "120", "0"},
                               {8, false, "50", "70", "50"}};
  for (const Expected& x : expected) {
    SCOPED_TRACE(x.month);
    const MonthEligibility e = For(results, M(2026, x.month));
    EXPECT_EQ(e.eligible, x.eligible);
    EXPECT_EQ(e.counted, HoursUnits(x.counted));
    EXPECT_EQ(e.still_needed, HoursUnits(x.needed));
    ASSERT_TRUE(e.bank_after.has_value());
    EXPECT_EQ(*e.bank_after, H(x.after));
    EXPECT_EQ(e.deadline, M(2026, x.month - 1));
  }
  EXPECT_NE(For(results, M(2026, 3)).note.find("capped at 360 h; 50 h over"), std::string::npos);
  EXPECT_NE(For(results, M(2026, 6)).note.find("120 h forfeited after 3 months without work"),
            std::string::npos);
}

TEST(Eligibility, AMonthWithNoWorkNeedsTheWholeThreshold) {
  PackPtr pack = PackWith(kMonthly80);
  ASSERT_NE(pack, nullptr);
  // No work at all in June: 0 counted, all 80 h still needed by the end of June.
  const std::vector<MonthWork> work = {Work(M(2026, 5), "rideco", "90")};
  const auto results = EvaluateEligibility(*pack, work, M(2026, 5), M(2026, 6));
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(For(results, M(2026, 5)).eligible);
  const MonthEligibility june = For(results, M(2026, 6));
  EXPECT_FALSE(june.eligible);
  EXPECT_EQ(june.counted, 0);
  EXPECT_EQ(june.still_needed, HoursUnits("80"));
  EXPECT_EQ(june.deadline, M(2026, 6));
}

TEST(Eligibility, MonthsOutsideTheProgramAreNotReported) {
  PackPtr pack = PackWith(kMonthly80);
  ASSERT_NE(pack, nullptr);
  // The pack starts 2026-01-01: December 2025 has no rule in force.
  const auto results = EvaluateEligibility(*pack, {}, M(2025, 12), M(2026, 1));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].month, M(2026, 1));
}

TEST(Eligibility, YearMonthParsesAndSteps) {
  auto m = YearMonth::Parse("2026-11");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->Plus(2).ToString(), "2027-01");
  EXPECT_EQ(m->Plus(-11).ToString(), "2025-12");
  EXPECT_EQ(m->Plus(2).MonthsSince(*m), 2);
  EXPECT_FALSE(YearMonth::Parse("2026-13").ok());
  EXPECT_FALSE(YearMonth::Parse("2026-1").ok());
  EXPECT_FALSE(YearMonth::Parse("2026-11-01").ok());
}

}  // namespace
}  // namespace accrue
