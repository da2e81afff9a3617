// The policy simulator: what a proposed program costs and what it buys workers.
//
// Contract:
// - RunSimulation evaluates every report of a Population over `months` calendar months from
//   `first_day` with the contribution engine itself (Evaluate, after PolicyLibrary::Select), so
//   the simulated programs follow exactly the rules the clearinghouse books. Nothing here
//   re-implements a rule.
// - Workers are independent: every running total the engine keeps (caps, accrual years) is
//   scoped to one worker (or one worker and entity), so workers are sharded over threads, each
//   with its own totals, and the per-shard sums are merged exactly. Results are the same for
//   any thread count, and equal — to the 1e-10 dollar — to running the engine report by report
//   over the same reports with one set of running totals.
// - Memory is bounded by the population size, not by the number of reports: a worker's reports
//   are generated, evaluated and dropped; per worker only a few exact totals are kept (for
//   percentiles).
// - Every amount is exact (Money, Hours, MoneySum). The only divisions are the derived ratios
//   (cost per hour, per job, means and percent shares), which are rounded for display and named
//   as such; sums are never rounded.
// - Each Scenario is one set of packs in force together (they stack as in production). Two
//   scenarios run over the same reports in one pass; the output gives both and their
//   difference.
// - A request is bounded (SimulationLimits) so a server can accept it from a regulator: too
//   many workers or months, or no scenario, is refused with a clear message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "base/decimal.h"
#include "base/status.h"
#include "domain/domain.h"
#include "policy/policy.h"
#include "sim/population.h"

namespace accrue::sim {

// An eligibility threshold the simulator reports (the policy format has none yet):
// "BENEFIT:hours:AMOUNT:PERIOD" (hours worked in the period) or "BENEFIT:dollars:AMOUNT:PERIOD"
// (contributions booked to BENEFIT in the period), PERIOD one of month, quarter, year.
struct Threshold {
  std::string benefit;
  bool dollars = false;  // false: hours worked
  int64_t amount = 0;    // Hours units, or Money units when `dollars`
  Period period = Period::kMonth;
  std::string Text() const;  // as parsed
};
Result<Threshold> ParseThreshold(std::string_view text);

struct Scenario {
  std::string name;  // "baseline", "proposal", or the pack ids
  std::vector<PackPtr> packs;
};

struct SimulationLimits {
  int64_t max_workers = 2'000'000;
  int max_months = 120;
  int max_scenarios = 2;
  int max_thresholds = 16;
};

struct SimulationRequest {
  std::vector<Scenario> scenarios;
  const Population* population = nullptr;   // not owned
  std::vector<Jurisdiction> jurisdictions;  // the registry the work locations are looked up in
  std::vector<BenefitType> benefits;        // for leave-kind benefits
  Date first_day = Date::FromYmd(2026, 1, 1);
  int months = 12;
  std::vector<Threshold> thresholds;
  int threads = 0;  // 0: one per hardware thread
  SimulationLimits limits;
};

// Percentile → value (Money units for balances, Hours units for leave).
struct Distribution {
  std::vector<std::pair<int, int64_t>> percentiles;  // 10, 25, 50, 75, 90, 99
  int64_t max = 0;
  __int128 sum = 0;  // for the mean
  int64_t count = 0;
};

struct PayerBenefitTotal {
  Payer payer = Payer::kHiringEntity;
  std::string benefit;
  MoneySum amount;
};

struct SectorCost {
  std::string sector;
  int64_t hours = 0;  // Hours units
  int64_t jobs = 0;
  int64_t reports = 0;
  MoneySum earnings;
  MoneySum entity_cost;    // paid by hiring entities
  MoneySum contributions;  // all payers
};

struct ThresholdOutcome {
  Threshold threshold;
  int64_t worker_periods = 0;  // workers × periods in the horizon
  int64_t reached = 0;         // worker-periods at or above the threshold
  int64_t workers_always = 0;  // workers who reached it in every period
  __int128 shortfall = 0;      // summed over worker-periods below it (units of the threshold)
};

struct FundOutcome {
  std::string benefit;
  bool leave = false;
  MoneySum contributions;   // the fund's size at the end (no claims are simulated)
  int64_t leave_hours = 0;  // Hours units accrued (leave benefits)
  // Accrued leave valued at each worker's own average pay (earnings / hours, rounded to
  // 1e-10 per worker), and what providers would have to hold beyond the cash contributed.
  MoneySum leave_liability;
  MoneySum reserve_needed;
};

struct MonthOutcome {
  std::string month;  // "2026-03"
  int64_t hours = 0;
  MoneySum contributions;
  MoneySum entity_cost;
  int64_t leave_hours = 0;
};

struct ScenarioResult {
  std::string name;
  std::vector<std::string> packs;
  int64_t reports = 0;
  int64_t reports_covered = 0;  // with at least one contribution or accrual
  int64_t hours = 0;            // Hours units
  int64_t jobs = 0;
  MoneySum earnings;
  MoneySum contributions;
  MoneySum entity_cost;
  std::vector<PayerBenefitTotal> by_payer_benefit;  // sorted by payer, benefit
  std::vector<SectorCost> sectors;                  // sorted by sector
  Distribution balances;                            // per worker, all contributions
  Distribution leave;                               // per worker, leave hours accrued
  std::vector<ThresholdOutcome> thresholds;
  std::vector<FundOutcome> funds;  // sorted by benefit
  std::vector<MonthOutcome> months;
};

struct SimulationResult {
  std::string population;
  int64_t workers = 0;
  Date first_day;
  int months = 0;
  std::vector<ScenarioResult> scenarios;
};

Result<SimulationResult> RunSimulation(const SimulationRequest& request);

// Cost per unit for display: money / quantity, rounded half away from zero to 4 decimals of a
// dollar ("0.0000" when quantity is 0). `quantity_scale` is 10^6 for hours, 1 for jobs.
std::string PerUnit(const MoneySum& money, int64_t quantity, int64_t quantity_scale);
// An exact amount: every digit kept, at least 2 decimals ("12.5" → "12.50").
std::string Exact(const MoneySum& m);
std::string Exact(Money m);

}  // namespace accrue::sim
