// The engine's rules, each with a worked example whose expected value is computed by hand in
// the comment next to it.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <map>

#include "policy/loader.h"

namespace accrue {
namespace {

const std::vector<BenefitType>& Benefits() {
  static const auto* benefits = new std::vector<BenefitType>(
      *LoadBenefits(std::string(ACCRUE_SOURCE_DIR) + "/policies/benefits.toml"));
  return *benefits;
}

PackPtr Pack(const std::string& text) {
  auto p = LoadPackFromString(text, "test.toml", Benefits());
  if (!p.ok()) ADD_FAILURE() << p.status().message();
  return p.ok() ? *p : nullptr;
}

class FakeTotals : public TotalsSource {
 public:
  RunningTotal Total(const std::string& key) const override {
    auto it = totals.find(key);
    return it == totals.end() ? RunningTotal{} : it->second;
  }
  Hours LeaveBalance(AccountNumber, const std::string& benefit) const override {
    auto it = leave.find(benefit);
    return it == leave.end() ? Hours() : it->second;
  }
  void Apply(const Evaluation& e) {
    for (const auto& d : e.deltas) {
      totals[d.key].basis += d.delta.basis;
      totals[d.key].amount += d.delta.amount;
    }
    for (const auto& a : e.accruals) leave[a.benefit] += a.hours;
  }
  std::map<std::string, RunningTotal> totals;
  std::map<std::string, Hours> leave;
};

WorkReport Report(const std::string& date, const std::string& hours, const std::string& earnings,
                  Classification c = Classification::kContractor1099) {
  WorkReport r;
  r.entity = "acme";
  r.report_id = "r1";
  r.worker = AccountNumber::FromSerial(1001);
  r.work_date = *Date::Parse(date);
  r.jurisdiction = "US-WA-SEATTLE";
  r.hours = *Hours::Parse(hours, 4);
  r.earnings = *Money::Parse(earnings, 4);
  r.jobs = 1;
  r.classification = c;
  return r;
}

Evaluation Eval(const std::vector<PackPtr>& packs, const WorkReport& r, const TotalsSource& t,
                int64_t size = 100) {
  std::vector<Applicable> applicable;
  for (const auto& p : packs) {
    if (const PolicyVersion* v = p->VersionOn(r.work_date)) applicable.push_back({p.get(), v});
  }
  auto e = Evaluate(r, EntityFacts{size, "rideshare"}, applicable, t);
  EXPECT_TRUE(e.ok());
  return e.ok() ? *e : Evaluation{};
}

std::map<std::string, std::string> ByPayerBenefit(const Evaluation& e) {
  std::map<std::string, Money> sums;
  for (const auto& c : e.contributions)
    sums[std::string(PayerName(c.payer)) + "." + c.benefit] += c.amount;
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : sums) out[k] = v.ToString(2);
  return out;
}

const char* kHourly = R"(
id = "city"
name = "City hourly"
source = "engine test"
kind = "jurisdiction"
jurisdiction = "US-WA-SEATTLE"
starts = 2026-01-01
ends = 2026-12-31
[[version]]
effective = 2026-01-01
stacking = "add"
[[version.contribution]]
name = "hourly"
basis = "hours"
rate = "2.00"
split = { health = "1.00", workers_comp = "0.35", retirement = "0.40", sick_leave = "0.25" }
[[version.contribution.cap]]
on = "basis"
per = "week"
scope = "worker_entity"
limit = "40"
[[version.accrual]]
benefit = "sick_leave"
per_hours = "30"
year_cap = "72"
carryover_cap = "40"
)";

TEST(Engine, ThousandTenMinuteJobsAtTwoDollarsMakeExactly333_40) {
  auto pack = Pack(kHourly);
  FakeTotals totals;
  Money total;
  std::map<std::string, Money> per_benefit;
  for (int i = 0; i < 1000; ++i) {
    // Spread over weeks so the 40 h weekly cap never binds: 1000 × 0.1667 h = 166.7 h.
    WorkReport r = Report(Date::FromYmd(2026, 1, 1).AddDays(i % 300).ToString(), "0.1667", "3");
    Evaluation e = Eval({pack}, r, totals);
    totals.Apply(e);
    for (const auto& c : e.contributions) {
      total += c.amount;
      per_benefit[c.benefit] += c.amount;
    }
  }
  // 0.1667 h × $2.00 = $0.3334 exactly; × 1000 = $333.40 (not 1000 × $0.33 = $330.00).
  EXPECT_EQ(total.ToString(2), "333.40");
  // The split carries sub-cent amounts and still sums exactly: 333.40 × 1.00/2.00 = 166.70,
  // × 0.35/2.00 = 58.345, × 0.40/2.00 = 66.68, × 0.25/2.00 = 41.675.
  EXPECT_EQ(per_benefit["health"].ToString(), "166.7");
  EXPECT_EQ(per_benefit["workers_comp"].ToString(), "58.345");
  EXPECT_EQ(per_benefit["retirement"].ToString(), "66.68");
  EXPECT_EQ(per_benefit["sick_leave"].ToString(), "41.675");
  // 166.7 h / 30 = 5.556666… h of sick leave, carried to the microhour, never rounded up.
  EXPECT_EQ(totals.leave["sick_leave"].ToString(), "5.556666");
}

TEST(Engine, WeeklyBasisCapCountsOnlyTheRoomLeft) {
  auto pack = Pack(kHourly);
  FakeTotals totals;
  // 38 h already this ISO week with this entity; a 5 h report counts 2 h: 2 × 2.00 = 4.00.
  const WorkReport r = Report("2026-03-04", "5", "100");
  totals.totals["cap|city@2026-01-01/hourly|w" + std::to_string(r.worker.value()) + "/eacme|" +
                r.work_date.WeekKey()] = {Hours::Whole(38).units(), 0};
  Evaluation e = Eval({pack}, r, totals);
  EXPECT_EQ(e.Total().ToString(2), "4.00");
  ASSERT_FALSE(e.contributions.empty());
  EXPECT_EQ(e.contributions[0].quantity, Hours::Whole(2).units());
  EXPECT_EQ(e.contributions[0].note, "week cap on hours reached");
  // Accrual still counts all 5 hours worked: 5/30 = 0.166666 h.
  ASSERT_EQ(e.accruals.size(), 1u);
  EXPECT_EQ(e.accruals[0].hours.ToString(), "0.166666");
}

TEST(Engine, AccrualCarriesFractionsAcrossReportsAndStopsAtTheYearCap) {
  auto pack = Pack(kHourly);
  FakeTotals totals;
  Hours accrued;
  for (const char* day : {"2026-02-02", "2026-02-03", "2026-02-04"}) {
    Evaluation e = Eval({pack}, Report(day, "10", "200"), totals);
    totals.Apply(e);
    for (const auto& a : e.accruals) accrued += a.hours;
  }
  // 10/30 = 0.333333, then floor(20/30) - 0.333333 = 0.333333, then 1 - 0.666666 = 0.333334.
  EXPECT_EQ(accrued.ToString(), "1");
  // With 71.95 h already accrued this year, the year cap of 72 h binds.
  FakeTotals near_cap;
  const WorkReport r = Report("2026-06-01", "6", "100");
  near_cap.totals["acc|city|sick_leave|w" + std::to_string(r.worker.value()) + "|2026"] = {
      Hours::Whole(2000).units(), Hours::Parse("71.95")->units()};
  Evaluation e = Eval({pack}, r, near_cap);
  ASSERT_EQ(e.accruals.size(), 1u);
  // 6/30 = 0.2 h, but only 72 - 71.95 = 0.05 h remain.
  EXPECT_EQ(e.accruals[0].hours.ToString(), "0.05");
  EXPECT_NE(e.accruals[0].note.find("year cap 72 h reached"), std::string::npos);
}

TEST(Engine, CarryoverAboveTheCapIsForfeitedAtTheFirstReportOfTheYear) {
  const std::string next_year = std::string(kHourly).replace(
      std::string(kHourly).find("ends = 2026-12-31"), 17, "ends = 2027-12-31");
  auto pack = Pack(next_year);
  FakeTotals totals;
  totals.leave["sick_leave"] = *Hours::Parse("55.5");
  Evaluation e = Eval({pack}, Report("2027-01-04", "3", "60"), totals);
  // Balance 55.5 h, carryover cap 40 h: 15.5 h forfeited, then 3/30 = 0.1 h credited.
  ASSERT_EQ(e.accruals.size(), 2u);
  EXPECT_EQ(e.accruals[0].hours.ToString(), "-15.5");
  EXPECT_EQ(e.accruals[1].hours.ToString(), "0.1");
  // A second report of the same year forfeits nothing more.
  totals.Apply(e);
  Evaluation again = Eval({pack}, Report("2027-01-05", "3", "60"), totals);
  ASSERT_EQ(again.accruals.size(), 1u);
  EXPECT_EQ(again.accruals[0].hours.ToString(), "0.1");
}

TEST(Engine, WorkOutsideTheProgramIsRecordedWithNothingApplied) {
  auto pack = Pack(kHourly);
  FakeTotals totals;
  for (const char* day : {"2025-12-31", "2027-01-01"}) {
    Evaluation e = Eval({pack}, Report(day, "4", "80"), totals);
    EXPECT_TRUE(e.NothingApplied()) << day;
    ASSERT_EQ(e.notes.size(), 1u);
    EXPECT_EQ(e.notes[0], std::string("no program covers US-WA-SEATTLE (rideshare) on ") + day);
  }
}

const char* kPremium = R"(
id = "state"
name = "State premium"
source = "engine test"
kind = "jurisdiction"
jurisdiction = "US-WA"
starts = 2026-01-01
[[version]]
effective = 2026-01-01
[[version.contribution]]
name = "premium"
basis = "earnings"
rate = "1.13%"
payers = { worker = "71.43%", hiring_entity = "28.57%" }
classifications = ["W2"]
split = { family_leave = "100%" }
[[version.contribution.tier]]
max_size = 49
payers = { worker = "71.43%" }
[[version.contribution.cap]]
on = "basis"
per = "year"
scope = "worker_entity"
limit = "184500"
)";

TEST(Engine, PayerSharesSumExactlyAndTheSmallEmployerShareIsWaived) {
  auto pack = Pack(kPremium);
  FakeTotals totals;
  const WorkReport r = Report("2026-05-01", "8", "1000", Classification::kEmployeeW2);
  // $1,000 × 1.13% = $11.30; worker 71.43% = 8.07159, employer 28.57% = 3.22841 (sum 11.30).
  Evaluation big = Eval({pack}, r, totals, 120);
  EXPECT_EQ(ByPayerBenefit(big),
            (std::map<std::string, std::string>{{"hiring_entity.family_leave", "3.22841"},
                                                {"worker.family_leave", "8.07159"}}));
  EXPECT_EQ(big.Total().ToString(), "11.3");
  // Under 50 staff only the worker's share is collected.
  Evaluation small = Eval({pack}, r, totals, 30);
  EXPECT_EQ(ByPayerBenefit(small),
            (std::map<std::string, std::string>{{"worker.family_leave", "8.07159"}}));
  // 1099 work is not covered.
  Evaluation contractor = Eval({pack}, Report("2026-05-01", "8", "1000"), totals, 120);
  EXPECT_TRUE(contractor.NothingApplied());
  EXPECT_EQ(contractor.notes[0], "the programs in force do not cover this 1099 rideshare report");
}

TEST(Engine, WageBaseCapStopsThePremiumMidReport) {
  auto pack = Pack(kPremium);
  FakeTotals totals;
  const WorkReport r = Report("2026-11-01", "8", "2000", Classification::kEmployeeW2);
  totals.totals["cap|state@2026-01-01/premium|w" + std::to_string(r.worker.value()) +
                "/eacme|2026"] = {Money::Whole(184000).units(), 0};
  // Only $500 of the $2,000 is under the $184,500 base: 500 × 1.13% = $5.65.
  Evaluation e = Eval({pack}, r, totals, 120);
  EXPECT_EQ(e.Total().ToString(2), "5.65");
  EXPECT_EQ(e.contributions[0].note, "year cap on earnings reached");
}

TEST(Engine, HigherOfStackingKeepsTheLargerProgram) {
  // The state pays 1.00/h; the city, stacking "max", pays 2.00/h or a floor of 5% of earnings.
  auto state = Pack(R"(
id = "state-hourly"
name = "State"
source = "engine test"
kind = "jurisdiction"
jurisdiction = "US-WA"
starts = 2026-01-01
[[version]]
effective = 2026-01-01
[[version.contribution]]
name = "hourly"
basis = "hours"
rate = "1.50"
split = { health = "100%" }
)");
  auto city = Pack(R"(
id = "city-max"
name = "City"
source = "engine test"
kind = "jurisdiction"
jurisdiction = "US-WA-SEATTLE"
starts = 2026-01-01
[[version]]
effective = 2026-01-01
stacking = "max"
[[version.contribution]]
name = "per_hour_or_percent"
basis = "hours"
rate = "0.50"
alternative = { basis = "earnings", rate = "5%" }
combine = "greater"
min_per_report = "1.00"
split = { retirement = "100%" }
)");
  FakeTotals totals;
  // 4 h, $100: state 6.00; city greater of 2.00 and 5.00 = 5.00 → state's 6.00 wins.
  Evaluation e = Eval({state, city}, Report("2026-04-01", "4", "100"), totals);
  EXPECT_EQ(ByPayerBenefit(e),
            (std::map<std::string, std::string>{{"hiring_entity.health", "6.00"}}));
  // 4 h, $200: city 10.00 > state 6.00 → only the city applies.
  e = Eval({state, city}, Report("2026-04-01", "4", "200"), totals);
  EXPECT_EQ(ByPayerBenefit(e),
            (std::map<std::string, std::string>{{"hiring_entity.retirement", "10.00"}}));
  EXPECT_EQ(e.contributions[0].rate, "greater of 0.50/h and 5% of earnings");
  // 0.5 h, $4: city greater of 0.25 and 0.20, raised to the 1.00 minimum; state 0.75 → city.
  e = Eval({state, city}, Report("2026-04-01", "0.5", "4"), totals);
  EXPECT_EQ(ByPayerBenefit(e),
            (std::map<std::string, std::string>{{"hiring_entity.retirement", "1.00"}}));
  EXPECT_EQ(e.contributions[0].note, "minimum 1.00 per report");
}

TEST(Engine, SectorFundsAndVoluntaryPacksAddToTheJurisdictions) {
  auto city = Pack(kHourly);
  auto fund = Pack(R"(
id = "fund"
name = "Ride fund"
source = "engine test"
kind = "sector_fund"
jurisdiction = "US-WA"
sectors = ["rideshare"]
starts = 2026-01-01
[[version]]
effective = 2026-01-01
[[version.contribution]]
name = "surcharge"
basis = "earnings_with_tips"
rate = "2.75%"
split = { workers_comp = "100%" }
)");
  auto extra = Pack(R"(
id = "acme-extra"
name = "Acme pays more"
source = "engine test"
kind = "voluntary"
entity = "acme"
starts = 2026-01-01
[[version]]
effective = 2026-01-01
[[version.contribution]]
name = "retirement_match"
basis = "jobs"
rate = "0.50"
split = { retirement = "100%" }
)");
  FakeTotals totals;
  WorkReport r = Report("2026-04-01", "2", "40");
  r.tips = *Money::Parse("8", 4);
  r.jobs = 3;
  // City 2 h × 2.00 = 4.00; fund (40 + 8) × 2.75% = 1.32; voluntary 3 jobs × 0.50 = 1.50.
  Evaluation e = Eval({city, fund, extra}, r, totals);
  EXPECT_EQ(e.Total().ToString(2), "6.82");
  EXPECT_EQ(ByPayerBenefit(e),
            (std::map<std::string, std::string>{{"hiring_entity.health", "2.00"},
                                                {"hiring_entity.retirement", "2.30"},
                                                {"hiring_entity.sick_leave", "0.50"},
                                                {"hiring_entity.workers_comp", "2.02"}}));
}

}  // namespace
}  // namespace accrue
