// Policy packs: a jurisdiction's program, a sector fund or an entity's voluntary agreement,
// as versioned data with effective dates.
//
// A pack is loaded from one TOML file (docs/policy-format.md) and validated as a whole: versions
// are contiguous from the pack's start to its end (no gaps, no overlaps), every split sums to
// the whole, every benefit is in the benefit list. Once loaded a pack is immutable; the engine
// only reads it. The list of benefit types is data too (policies/benefits.toml).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/date.h"
#include "base/decimal.h"
#include "domain/domain.h"

namespace accrue {

enum class BenefitKind { kMoney, kLeave };

struct BenefitType {
  std::string name;   // "sick_leave"
  std::string label;  // "Paid sick leave"
  BenefitKind kind = BenefitKind::kMoney;
  bool pooled = false;  // mandatory, risk-pooled (health, disability, workers' comp)
};

enum class Payer { kHiringEntity, kWorker, kGovernment };
const char* PayerName(Payer p);  // "hiring_entity", "worker", "government"

enum class Basis { kHours, kEarnings, kEarningsWithTips, kJobs };
const char* BasisName(Basis b);  // "hours", "earnings", "earnings_with_tips", "jobs"

// A rate for one basis: dollars per hour or per job, or a fraction of earnings.
struct Formula {
  Basis basis = Basis::kHours;
  Money per_unit;                // for kHours and kJobs
  Ratio percent;                 // for the earnings bases
  std::string RateText() const;  // "2.00/h", "4%", "5.00/job"
};

enum class Period { kReport, kJob, kWeek, kMonth, kQuarter, kYear };
const char* PeriodName(Period p);
enum class CapScope { kWorker, kWorkerEntity };
enum class CapOn { kAmount, kBasis };

// "At most `limit` of the amount (or of the basis) per period for each worker (or each worker
// and hiring entity)". A basis limit is in the basis's unit: hours, dollars or jobs.
struct Cap {
  CapOn on = CapOn::kAmount;
  Period per = Period::kYear;
  CapScope scope = CapScope::kWorker;
  Money limit_money;       // amount caps, and basis caps on earnings
  Hours limit_hours;       // basis caps on hours
  int64_t limit_jobs = 0;  // basis caps on jobs
};

struct SizeTier {
  int64_t min_size = 0;
  int64_t max_size = INT64_MAX;
  std::optional<Formula> formula;                // replaces the rule's formula
  std::optional<std::map<Payer, Ratio>> payers;  // replaces the rule's payer shares
};

enum class Combine { kLesser, kGreater };

struct ContributionRule {
  std::string name;  // unique within a version: "hourly"
  Formula formula;
  std::optional<Formula> alternative;  // with `combine`: lesser-of / greater-of two formulas
  Combine combine = Combine::kGreater;
  std::map<Payer, Ratio> payers;  // shares of the amount; sum <= 100% (less when waived)
  std::vector<SizeTier> tiers;    // by hiring entity size; first match wins
  Money min_per_report;           // zero: none
  Money min_per_job;              // zero: none
  std::vector<Cap> caps;
  std::vector<Classification> classifications;  // empty: all
  std::vector<std::string> sectors;             // empty: all
  // Benefit → weight. Weights are either percents summing to 100% or per-unit amounts summing
  // to the rate; either way they are proportions and the parts are allocated exactly.
  std::vector<std::pair<std::string, int64_t>> split;
};

struct AccrualRule {
  std::string benefit;     // a leave benefit: "sick_leave"
  Hours per_hours_worked;  // 30
  Hours credit;            // 1 (hour of leave per per_hours_worked)
  std::optional<Hours> year_cap;
  std::optional<Hours> carryover_cap;
  std::vector<Classification> classifications;
  std::vector<std::string> sectors;
};

// Eligibility: whether the work counted in a period qualifies a worker for a benefit in a month.
// Work is pooled across every hiring entity (scope kWorker) unless the rule counts each entity
// alone (kWorkerEntity: one entity must reach the threshold by itself).

// A threshold step. Either `minimum` (in the rule's basis: Hours or Money units per period) or,
// for hours counted over a quarter, `hours_per_week` averaged over the quarter's 13 weeks (the
// threshold is then hours_per_week x 13, compared exactly, never by dividing).
inline constexpr int kWeeksPerQuarter = 13;

struct EligibilityTier {
  std::string name;  // "full_time"; empty for a rule's single unnamed threshold
  int64_t minimum = 0;
  std::optional<Hours> hours_per_week;  // at most 168

  // The threshold in the basis's units per period.
  int64_t Threshold() const {
    return hours_per_week ? hours_per_week->units() * kWeeksPerQuarter : minimum;
  }
};

// A building-trades hour bank: hours worked are credited each month, a month of coverage draws
// `monthly_draw`, the bank keeps at most `cap` after the draw, and after `forfeit_after_months`
// consecutive months without work what is left is forfeited.
struct HourBank {
  Hours monthly_draw;
  std::optional<Hours> cap;
  int forfeit_after_months = 0;  // 0: never forfeited
};

inline constexpr int kMaxLagMonths = 24;

struct EligibilityRule {
  std::string benefit;
  Basis basis = Basis::kHours;  // kHours or kEarnings (before tips)
  Period per = Period::kMonth;  // kMonth or kQuarter
  // Coverage in month M is decided by the latest period that ends no later than M - lag_months.
  int lag_months = 0;
  CapScope scope = CapScope::kWorker;
  std::vector<EligibilityTier> tiers;  // rising thresholds; the first is the eligibility threshold
  std::optional<HourBank> bank;        // instead of tiers (hours, per month, pooled)
};

// How a leave benefit's accrued hours are drawn as pay, and what an hour is worth in cash.
enum class LeaveCash {
  kAverageEarnings,  // hours x the worker's gross earnings / hours worked over the lookback
  kLeaveAccount,     // hours x the leave account's money / its hours (its cash, pro rata)
};
const char* LeaveCashName(LeaveCash c);  // "average_earnings", "leave_account"

inline constexpr int kMaxWaitingDays = 3660;
inline constexpr int kMaxLookbackDays = 730;

struct LeaveRule {
  std::string benefit;  // a leave benefit
  // Days after the worker's first accrual of the benefit before any of it may be used.
  int waiting_days = 0;
  Hours minimum_unit;     // requests are whole multiples of it; zero: any amount
  int lookback_days = 0;  // for kAverageEarnings: the days before the leave's first day
  LeaveCash cash = LeaveCash::kLeaveAccount;
};

// What may be claimed or withdrawn from a money benefit, and by whom.
struct ClaimRule {
  std::string benefit;
  std::vector<std::string> uses;  // permitted uses ("medical", "rollover"); empty: any
  int minimum_age = 0;            // whole years on the day of the claim
  // A fixed-unit benefit pays `fixed_amount` per `unit` claimed ("120.00" per "day").
  std::optional<Money> fixed_amount;
  std::string unit;
};

// A government match of a worker's voluntary contributions (consent withholding and one-off
// contributions) to a money benefit, settled per calendar year and paid by the pack's
// jurisdiction: `rate` of the contributions (at most `counts_up_to` of them, when given), at
// most `year_cap` (when given), in whole cents rounded down. A worker whose reported earnings
// across every hiring entity in the year are at or above `income_limit` gets none; from
// `phase_out_from` up to the limit the rate falls in a straight line to zero.
struct MatchRule {
  std::string benefit;
  Ratio rate;
  std::optional<Money> counts_up_to;
  std::optional<Money> year_cap;
  std::optional<Money> income_limit;
  std::optional<Money> phase_out_from;
};

enum class Stacking { kAdd, kMax };

struct PolicyVersion {
  Date effective_from;
  Date effective_to;  // inclusive; the day before the next version, or the pack's end
  Stacking stacking = Stacking::kAdd;
  std::vector<ContributionRule> contributions;
  std::vector<AccrualRule> accruals;
  std::vector<EligibilityRule> eligibility;  // at most one per benefit
  std::vector<LeaveRule> leave;              // at most one per benefit
  std::vector<ClaimRule> claims;             // at most one per benefit
  std::vector<MatchRule> matches;            // at most one per benefit
  std::string notes;

  const LeaveRule* LeaveFor(std::string_view benefit) const;
  const ClaimRule* ClaimFor(std::string_view benefit) const;
  const MatchRule* MatchFor(std::string_view benefit) const;
};

enum class PackKind { kJurisdiction, kSectorFund, kVoluntary };
const char* PackKindName(PackKind k);

// One running total a pack test starts from: the named rule's (or leave benefit's) totals in
// every cap period before the test report.
struct PackTestCase {
  std::string name;
  WorkReport report;  // entity "test", worker a fixed valid number
  int64_t entity_size = 0;
  std::string entity_sector;
  std::map<std::string, std::string> before;  // "hourly.amount" = "10.00", "sick_leave.worked"
  std::map<std::string, std::string> expect;  // "hiring_entity.health" = "1.20", "sick_leave" ...
  std::optional<std::string> expect_total;    // total money
  int line = 0;
};

struct PolicyPack {
  std::string id;  // "us-wa-seattle-portable"
  std::string name;
  PackKind kind = PackKind::kJurisdiction;
  std::string jurisdiction;          // where it applies (with every jurisdiction below it)
  std::vector<std::string> sectors;  // sector funds: the sectors covered
  std::string entity;                // voluntary: the hiring entity
  Date starts;
  std::optional<Date> ends;  // inclusive; none: open-ended
  std::string source;        // citation
  std::string file;          // where it was loaded from
  std::string text;          // the TOML as loaded (stored with the ledger for explanations)
  std::vector<PolicyVersion> versions;  // sorted, contiguous
  std::vector<PackTestCase> tests;

  // The version in force on `d`, or null outside the program.
  const PolicyVersion* VersionOn(Date d) const;
};

using PackPtr = std::shared_ptr<const PolicyPack>;

}  // namespace accrue
