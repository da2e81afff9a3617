// The simulator against the engine run report by report, the generator's determinism, the
// Washington worked example and the CLI's refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "engine/engine.h"
#include "engine/pack_tests.h"
#include "policy/library.h"
#include "policy/loader.h"
#include "sim/output.h"
#include "sim/simulator.h"
#include "testing/cli_runner.h"
#include "testing/temp_dir.h"

namespace accrue::sim {
namespace {

const std::string kPolicies = std::string(ACCRUE_SOURCE_DIR) + "/policies";

struct Fixture {
  std::vector<BenefitType> benefits;
  std::vector<PackPtr> packs;
  std::vector<Jurisdiction> jurisdictions;
};

Fixture Load() {
  Fixture f;
  f.benefits = *LoadBenefits(kPolicies + "/benefits.toml");
  f.packs = *LoadPackDir(kPolicies, f.benefits);
  f.jurisdictions = *LoadJurisdictions(kPolicies + "/jurisdictions.csv");
  return f;
}

// One set of running totals for everybody, as the ledger keeps them.
class GlobalTotals : public TotalsSource {
 public:
  RunningTotal Total(const std::string& key) const override {
    auto it = totals.find(key);
    return it == totals.end() ? RunningTotal{} : it->second;
  }
  Hours LeaveBalance(AccountNumber w, const std::string& b) const override {
    auto it = leave.find({w.value(), b});
    return it == leave.end() ? Hours() : Hours::FromUnits(it->second);
  }
  std::map<std::string, RunningTotal> totals;
  std::map<std::pair<uint64_t, std::string>, int64_t> leave;
};

struct EngineTotals {
  std::map<std::pair<std::string, std::string>, __int128> by_payer_benefit;
  __int128 total = 0, entity = 0;
  int64_t leave = 0, reports = 0, hours = 0;
};

// The reference: every report of every worker, interleaved by date across workers, through
// Select and Evaluate with one set of running totals.
EngineTotals RunEngine(const Fixture& f, const std::vector<PackPtr>& packs, const Population& pop,
                       Date first, int months) {
  PolicyLibrary lib;
  for (const auto& p : packs) EXPECT_TRUE(lib.Add(p).ok());
  std::map<std::string, std::string> parent;
  for (const auto& j : f.jurisdictions) parent[j.code] = j.parent;
  std::map<std::string, const SimEntity*> entities;
  for (const auto& e : pop.entities()) entities[e.id] = &e;
  std::vector<WorkReport> all, one;
  for (int64_t w = 0; w < pop.workers(); ++w) {
    pop.WorkerReports(w, first, months, &one);
    all.insert(all.end(), one.begin(), one.end());
  }
  std::stable_sort(all.begin(), all.end(), [](const WorkReport& a, const WorkReport& b) {
    return a.work_date < b.work_date;
  });
  GlobalTotals totals;
  EngineTotals out;
  for (const WorkReport& r : all) {
    std::vector<std::string> chain;
    for (std::string c = r.jurisdiction; !c.empty(); c = parent.at(c))
      chain.insert(chain.begin(), c);
    const SimEntity& e = *entities.at(r.entity);
    const auto applicable =
        lib.Select(chain, r.sector.empty() ? e.sector : r.sector, r.entity, r.work_date);
    auto ev = Evaluate(r, EntityFacts{e.size, e.sector}, applicable, totals);
    EXPECT_TRUE(ev.ok());
    for (const auto& d : ev->deltas) {
      totals.totals[d.key].basis += d.delta.basis;
      totals.totals[d.key].amount += d.delta.amount;
    }
    for (const auto& c : ev->contributions) {
      out.by_payer_benefit[{PayerName(c.payer), c.benefit}] += c.amount.units();
      out.total += c.amount.units();
      if (c.payer == Payer::kHiringEntity) out.entity += c.amount.units();
    }
    for (const auto& a : ev->accruals) {
      totals.leave[{r.worker.value(), a.benefit}] += a.hours.units();
      out.leave += a.hours.units();
    }
    out.reports++;
    out.hours += r.hours.units();
  }
  return out;
}

SimulationRequest Request(const Fixture& f, const Population& pop) {
  SimulationRequest req;
  req.population = &pop;
  req.jurisdictions = f.jurisdictions;
  req.benefits = f.benefits;
  req.first_day = Date::FromYmd(2026, 1, 1);
  req.months = 12;
  return req;
}

void ExpectSameAsEngine(const ScenarioResult& s, const EngineTotals& e) {
  EXPECT_EQ(s.reports, e.reports);
  EXPECT_EQ(s.hours, e.hours);
  EXPECT_TRUE(s.contributions.units() == e.total) << Exact(s.contributions);
  EXPECT_TRUE(s.entity_cost.units() == e.entity);
  ASSERT_EQ(s.by_payer_benefit.size(), e.by_payer_benefit.size());
  for (const auto& x : s.by_payer_benefit) {
    EXPECT_TRUE(x.amount.units() == e.by_payer_benefit.at({PayerName(x.payer), x.benefit}))
        << PayerName(x.payer) << "/" << x.benefit;
  }
  int64_t leave = 0;
  for (const auto& f : s.funds) leave += f.leave_hours;
  EXPECT_EQ(leave, e.leave);
  // Per-worker balances and months add up to the same totals.
  __int128 months = 0;
  for (const auto& m : s.months) months += m.contributions.units();
  EXPECT_TRUE(months == e.total);
  EXPECT_TRUE(s.balances.sum == e.total);
}

TEST(SimSimulatorTest, TotalsEqualTheEngineRunReportByReport) {
  const Fixture f = Load();
  SyntheticSpec spec;
  spec.seed = 11;
  spec.workers = 400;
  spec.entities = 40;
  // Every example place, so every pack (caps, tiers, accruals, stacking) is exercised.
  spec.jurisdictions = {{"US-WA-SEATTLE", 3},      {"US-WA", 2}, {"US-NY-NYC", 1},
                        {"US-PA-PHILADELPHIA", 1}, {"US-CA", 1}, {"US-TX", 1}};
  auto pop = MakeSyntheticPopulation(spec);
  ASSERT_TRUE(pop.ok());
  // A voluntary pack applies to its entity only: give one synthetic entity that id.
  std::vector<PackPtr> seattle;
  for (const auto& p : f.packs) {
    if (p->id == "us-wa-seattle-portable") seattle.push_back(p);
  }
  SimulationRequest req = Request(f, **pop);
  req.scenarios = {{"all", f.packs}, {"seattle", seattle}};
  req.threads = 2;
  auto result = RunSimulation(req);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->scenarios.size(), 2u);
  EXPECT_GT(result->scenarios[0].contributions.units(), 0);
  ExpectSameAsEngine(result->scenarios[0], RunEngine(f, f.packs, **pop, req.first_day, 12));
  ExpectSameAsEngine(result->scenarios[1], RunEngine(f, seattle, **pop, req.first_day, 12));

  // Any thread count gives the same bytes.
  req.threads = 1;
  auto one = RunSimulation(req);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(ToJson(*one).dump(), ToJson(*result).dump());
  req.threads = 5;
  auto five = RunSimulation(req);
  ASSERT_TRUE(five.ok());
  EXPECT_EQ(ToJson(*five).dump(), ToJson(*result).dump());
}

TEST(SimSimulatorTest, DailyAndMonthlyReportsAlsoMatchTheEngine) {
  const Fixture f = Load();
  for (auto period : {SyntheticSpec::ReportPeriod::kDay, SyntheticSpec::ReportPeriod::kMonth}) {
    SyntheticSpec spec;
    spec.seed = 5;
    spec.workers = 120;
    spec.report_period = period;
    auto pop = MakeSyntheticPopulation(spec);
    ASSERT_TRUE(pop.ok());
    SimulationRequest req = Request(f, **pop);
    req.months = 4;
    req.scenarios = {{"all", f.packs}};
    auto result = RunSimulation(req);
    ASSERT_TRUE(result.ok());
    ExpectSameAsEngine(result->scenarios[0], RunEngine(f, f.packs, **pop, req.first_day, 4));
  }
}

std::string Canonical(const Population& pop, int64_t w) {
  std::vector<WorkReport> reports;
  pop.WorkerReports(w, Date::FromYmd(2026, 1, 1), 3, &reports);
  std::string out;
  for (const auto& r : reports) out += r.Canonical() + "\n";
  return out;
}

TEST(SimPopulationTest, GeneratorIsDeterministicForASeed) {
  SyntheticSpec spec;
  spec.seed = 7;
  spec.workers = 50;
  auto a = MakeSyntheticPopulation(spec);
  auto b = MakeSyntheticPopulation(spec);
  spec.seed = 8;
  auto c = MakeSyntheticPopulation(spec);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  int differ = 0;
  for (int64_t w = 0; w < 50; ++w) {
    const std::string ra = Canonical(**a, w);
    EXPECT_FALSE(ra.empty());
    EXPECT_EQ(ra, Canonical(**b, w));
    // The same worker twice (in any order) gives the same reports.
    EXPECT_EQ(ra, Canonical(**a, w));
    if (ra != Canonical(**c, w)) ++differ;
  }
  EXPECT_GT(differ, 45);
  ASSERT_EQ((*a)->entities().size(), (*b)->entities().size());
  for (size_t i = 0; i < (*a)->entities().size(); ++i) {
    EXPECT_EQ((*a)->entities()[i].id, (*b)->entities()[i].id);
    EXPECT_EQ((*a)->entities()[i].size, (*b)->entities()[i].size);
  }
  // Every generated report is one the ingest path accepts: at most 24 hours, 4 decimals.
  std::vector<WorkReport> reports;
  for (int64_t w = 0; w < 50; ++w) {
    (*a)->WorkerReports(w, Date::FromYmd(2026, 1, 1), 12, &reports);
    for (const auto& r : reports) {
      EXPECT_LE(r.hours, Hours::Whole(kMaxReportHours));
      EXPECT_GT(r.hours, Hours());
      EXPECT_EQ(r.hours.units() % 100, 0);
      EXPECT_EQ(r.earnings.units() % 1'000'000, 0);
      EXPECT_LT(r.work_date, Date::FromYmd(2027, 1, 1));
    }
    EXPECT_TRUE(std::is_sorted(reports.begin(), reports.end(), [](const auto& x, const auto& y) {
      return x.work_date < y.work_date;
    }));
  }
}

TEST(SimPopulationTest, DefaultsFollowTheDocumentedShares) {
  SyntheticSpec spec;
  spec.seed = 3;
  spec.workers = 4000;
  auto pop = MakeSyntheticPopulation(spec);
  ASSERT_TRUE(pop.ok());
  int multi = 0;
  std::vector<WorkReport> reports;
  for (int64_t w = 0; w < spec.workers; ++w) {
    (*pop)->WorkerReports(w, Date::FromYmd(2026, 1, 1), 2, &reports);
    std::set<std::string> entities;
    for (const auto& r : reports) entities.insert(r.entity);
    if (entities.size() >= 2) ++multi;
  }
  // 40% by default, within sampling error.
  EXPECT_NEAR(multi / 4000.0, 0.40, 0.03);
  int independent = 0;
  for (const auto& e : (*pop)->entities()) {
    independent += e.classification == Classification::kContractor1099;
  }
  EXPECT_NEAR(independent / 200.0, 0.33, 0.08);
}

TEST(SimThresholdTest, ParsesAndRefuses) {
  auto t = ParseThreshold("health:hours:80:month");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->amount, Hours::Whole(80).units());
  EXPECT_EQ(t->Text(), "health:hours:80:month");
  auto d = ParseThreshold("retirement:dollars:12.5:quarter");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->dollars);
  EXPECT_EQ(d->amount, Money::Parse("12.5")->units());
  EXPECT_FALSE(ParseThreshold("health:hours:80").ok());
  EXPECT_FALSE(ParseThreshold("health:minutes:80:month").ok());
  EXPECT_FALSE(ParseThreshold("health:hours:-1:month").ok());
  EXPECT_FALSE(ParseThreshold("health:hours:80:fortnight").ok());
  EXPECT_NE(ParseThreshold("health:hours:8x:month").status().message().find("8x"),
            std::string::npos);
}

TEST(SimSimulatorTest, ThresholdsCountWorkerPeriods) {
  const Fixture f = Load();
  // 10 workers at 20 h a week with one entity in Seattle, 3 months.
  auto pop = CohortPopulationFromString(
      "count,hours_per_week,entities,pay_per_hour,sector,jurisdiction,classification\n"
      "10,20,1,20.00,rideshare,US-WA-SEATTLE,1099\n",
      "t.csv", 100, 1);
  ASSERT_TRUE(pop.ok()) << pop.status().ToString();
  SimulationRequest req = Request(f, **pop);
  req.months = 3;
  req.scenarios = {{"all", f.packs}};
  req.thresholds = {*ParseThreshold("health:hours:80:month"),
                    *ParseThreshold("health:hours:90:month"),
                    *ParseThreshold("health:dollars:100:quarter")};
  auto r = RunSimulation(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& s = r->scenarios[0];
  // Hours a month: weeks starting in the month × 20 h. Jan 2026 from the 1st: weeks start on
  // days 1, 8, 15, 22, 29 → 100 h; Feb: 5, 12, 19, 26 → 80 h; Mar: 5, 12, 19, 26 → 80 h.
  EXPECT_EQ(s.hours, Hours::Whole(10 * 260).units());
  EXPECT_EQ(s.thresholds[0].worker_periods, 30);
  EXPECT_EQ(s.thresholds[0].reached, 30);
  EXPECT_EQ(s.thresholds[0].workers_always, 10);
  EXPECT_EQ(s.thresholds[1].reached, 10);  // only January reaches 90 h
  EXPECT_EQ(s.thresholds[1].shortfall, static_cast<__int128>(Hours::Whole(20 * 10).units()));
  // Health: $1.00 of the $2.00/h, 260 h in the quarter → $260 ≥ $100 for everyone.
  EXPECT_EQ(s.thresholds[2].reached, 10);
}

TEST(SimSimulatorTest, RefusesUnboundedRequests) {
  const Fixture f = Load();
  SyntheticSpec spec;
  spec.workers = 20;
  auto pop = MakeSyntheticPopulation(spec);
  ASSERT_TRUE(pop.ok());
  SimulationRequest req = Request(f, **pop);
  EXPECT_NE(RunSimulation(req).status().message().find("no policy pack"), std::string::npos);
  req.scenarios = {{"all", f.packs}};
  req.months = 0;
  EXPECT_NE(RunSimulation(req).status().message().find("months must be 1 to 120"),
            std::string::npos);
  req.months = 12;
  req.limits.max_workers = 10;
  EXPECT_NE(RunSimulation(req).status().message().find("at most 10"), std::string::npos);
  req.limits.max_workers = 100;
  req.first_day = Date::FromYmd(2026, 1, 2);
  EXPECT_FALSE(RunSimulation(req).ok());
  req.first_day = Date::FromYmd(2026, 1, 1);
  req.scenarios = {{"a", f.packs}, {"b", f.packs}, {"c", f.packs}};
  EXPECT_FALSE(RunSimulation(req).ok());
}

// docs/washington-estimate.md: the per-hour cost of the three packs for full-time workers at
// $15.00 an hour, by age and risk class, computed here by hand from the sourced inputs.
TEST(SimWashingtonTest, WorkedExampleFigures) {
  const Fixture f = Load();
  const std::string dir = kPolicies + "/scenarios/";
  // Inputs (docs/washington-estimate.md).
  const Money wage = *Money::Parse("15.00");
  const Money sick = Money::FromUnits(wage.units() / 30);  // 0.50 exactly
  EXPECT_EQ(sick, *Money::Parse("0.50"));
  const Money sup_pension = *Money::Parse("0.1710");  // 2 × 0.0855
  const Money wc1101 =
      *Money::Parse("1.1185") + *Money::Parse("0.0246") + *Money::Parse("0.5476") + sup_pension;
  const Money wc1102 =
      *Money::Parse("2.2770") + *Money::Parse("0.0504") + *Money::Parse("0.8926") + sup_pension;
  EXPECT_EQ(wc1101, *Money::Parse("1.8617"));
  EXPECT_EQ(wc1102, *Money::Parse("3.3910"));
  // 60% × premium(age) × 12 / 2080, premium(age) = 311.64 × curve(age) / 1.278, to 4 decimals:
  // in units of 1e-4 dollars, 0.6 × 31164 × curve × 12 / (1.278 × 2080).
  auto health = [](int64_t curve_e3) {
    const __int128 num = static_cast<__int128>(6) * 31164 * curve_e3 * 12 * 10000;  // ×10^4
    const __int128 den = static_cast<__int128>(10) * 1278 * 2080 * 100;
    const __int128 q = (2 * num + den) / (2 * den);  // half up
    return Money::FromUnits(static_cast<int64_t>(q) * 1'000'000);
  };
  EXPECT_EQ(health(1000), *Money::Parse("0.8441"));
  EXPECT_EQ(health(1278), *Money::Parse("1.0788"));
  EXPECT_EQ(health(3000), *Money::Parse("2.5323"));

  auto cohorts = LoadCohortPopulation(dir + "wa-full-time-cohorts.csv", 1000, 1);
  ASSERT_TRUE(cohorts.ok()) << cohorts.status().ToString();
  std::map<int, std::pair<std::string, std::string>> got;  // age → per hour (1101, 1102)
  for (int age : {21, 40, 64}) {
    const std::string file = dir + "us-wa-basic-benefits-age" + std::to_string(age) + ".toml";
    auto pack = LoadPack(file, f.benefits);
    ASSERT_TRUE(pack.ok()) << pack.status().ToString();
    for (const auto& t : RunPackTests(**pack)) EXPECT_TRUE(t.failures.empty()) << t.name;
    SimulationRequest req = Request(f, **cohorts);
    req.scenarios = {{"age" + std::to_string(age), {*pack}}};
    auto r = RunSimulation(req);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const auto& s = r->scenarios[0];
    ASSERT_EQ(s.sectors.size(), 2u);
    EXPECT_EQ(s.sectors[0].sector, "delivery");
    got[age] = {PerUnit(s.sectors[0].entity_cost, s.sectors[0].hours, Hours::kOne),
                PerUnit(s.sectors[1].entity_cost, s.sectors[1].hours, Hours::kOne)};
    const Money h = health(age == 21 ? 1000 : age == 40 ? 1278 : 3000);
    EXPECT_EQ(got[age].first, (sick + h + wc1101).ToFixed(4));
    EXPECT_EQ(got[age].second, (sick + h + wc1102).ToFixed(4));
  }
  // The range the model produces (Hanauer and Rolf: 1.68 to 3.54).
  EXPECT_EQ(got[21].first, "3.2058");
  EXPECT_EQ(got[64].second, "6.4233");
  EXPECT_EQ(got[40].first, "3.4405");
}

TEST(SimCliTest, RefusesBadInputWithClearErrors) {
  using testing::RunAccrue;
  const std::string pack = kPolicies + "/us-wa-seattle-portable.toml";
  auto missing = RunAccrue({"simulate", "--policies", kPolicies, "--pack", "/nonexistent.toml"});
  EXPECT_EQ(missing.exit_code, 1) << missing.Describe();
  EXPECT_NE(missing.err.find("policy pack /nonexistent.toml does not exist"), std::string::npos);
  auto months = RunAccrue({"simulate", "--policies", kPolicies, "--pack", pack, "--months", "0"});
  EXPECT_EQ(months.exit_code, 1);
  EXPECT_NE(months.err.find("--months must be 1 to 120, not 0"), std::string::npos) << months.err;
  auto many =
      RunAccrue({"simulate", "--policies", kPolicies, "--pack", pack, "--workers", "2000001"});
  EXPECT_EQ(many.exit_code, 1);
  EXPECT_NE(many.err.find("--workers must be 1 to 2000000, not 2000001"), std::string::npos);
  auto thr = RunAccrue(
      {"simulate", "--policies", kPolicies, "--pack", pack, "--threshold", "health:hrs:1:month"});
  EXPECT_EQ(thr.exit_code, 1);
  EXPECT_NE(thr.err.find("health:hrs:1:month"), std::string::npos);
  auto period =
      RunAccrue({"simulate", "--policies", kPolicies, "--pack", pack, "--report-period", "hour"});
  EXPECT_EQ(period.exit_code, 1);
}

TEST(SimCliTest, PrintsJsonCsvAndSvg) {
  using testing::RunAccrue;
  testing::TempDir tmp;
  auto r = RunAccrue(
      {"simulate", "--policies", kPolicies, "--pack", kPolicies + "/us-wa-seattle-portable.toml",
       "--compare", kPolicies + "/us-wa-pfml.toml", "--workers", "300", "--months", "2", "--json",
       "--csv", tmp / "s.csv", "--svg", tmp / "s.svg", "--threshold", "health:hours:80:month"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["scenarios"].size(), 2u);
  EXPECT_EQ(j["scenarios"][0]["packs"][0], "us-wa-seattle-portable");
  EXPECT_TRUE(j.contains("difference"));
  EXPECT_EQ(j["scenarios"][0]["months"].size(), 2u);
  const std::string csv = testing::ReadFile(tmp / "s.csv");
  EXPECT_EQ(csv.rfind("scenario,section,key,measure,value\n", 0), 0u);
  EXPECT_NE(
      csv.find(",total,,contributions," + j["scenarios"][0]["contributions"].get<std::string>()),
      std::string::npos);
  const std::string svg = testing::ReadFile(tmp / "s.svg");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace accrue::sim
