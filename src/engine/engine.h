// The contribution engine: a pure function from a work report, the program versions that
// apply to it and the running totals its caps need, to contributions and leave accruals.
//
// No I/O and no clock: everything it reads is in its arguments, so the same inputs always give
// the same result (the simulator and the pack tests run exactly this code). Every line carries
// its explanation — pack, version, rule, basis, quantity, rate and any cap or minimum applied —
// and the result lists the running-total changes that the caller must persist with the ledger
// entry (they are reversed with it on correction).
//
// Stacking: jurisdiction programs fold from the root down; a version with stacking "add" adds
// to what its ancestors give, "max" keeps whichever of the two totals is higher (ties: the more
// local program). Sector funds stack the same way onto the jurisdictions' result; voluntary
// packs always add.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/decimal.h"
#include "domain/domain.h"
#include "policy/library.h"
#include "policy/policy.h"

namespace accrue {

// A running total: `basis` in the basis's own units (Hours or Money units, or jobs) and
// `amount` in Money units (for accruals: leave hours credited, in Hours units).
struct RunningTotal {
  int64_t basis = 0;
  int64_t amount = 0;

  friend bool operator==(const RunningTotal&, const RunningTotal&) = default;
};

class TotalsSource {
 public:
  virtual ~TotalsSource() = default;
  virtual RunningTotal Total(const std::string& key) const = 0;
  // The worker's current leave balance for a benefit (for carryover at the year boundary).
  virtual Hours LeaveBalance(AccountNumber worker, const std::string& benefit) const = 0;
};

struct ContributionLine {
  const PolicyPack* pack = nullptr;
  const PolicyVersion* version = nullptr;
  const ContributionRule* rule = nullptr;
  Payer payer = Payer::kHiringEntity;
  std::string benefit;
  Money amount;
  Basis basis = Basis::kHours;
  int64_t quantity = 0;  // the basis counted after basis caps, in its own units
  std::string rate;      // "2.00/h"
  std::string note;      // "year cap 184500 reached", "minimum 1.00 per report", ...
};

struct AccrualLine {
  const PolicyPack* pack = nullptr;
  const PolicyVersion* version = nullptr;
  const AccrualRule* rule = nullptr;
  std::string benefit;
  Hours hours;   // credited (negative: forfeited at carryover)
  Hours worked;  // hours counted toward it
  std::string note;
};

struct TotalsDelta {
  std::string key;
  RunningTotal delta;
};

struct Evaluation {
  std::vector<ContributionLine> contributions;
  std::vector<AccrualLine> accruals;
  std::vector<TotalsDelta> deltas;
  std::vector<std::string> notes;  // e.g. "no program covers US-TX on 2026-03-01"
  Money Total() const;
  bool NothingApplied() const { return contributions.empty() && accruals.empty(); }
};

struct EntityFacts {
  int64_t size = 0;
  std::string sector;
};

// "12.5 h", "3 jobs", "240.00": a basis quantity as people read it.
std::string FormatQuantity(Basis basis, int64_t units);

// The rule's identity in running-total keys and stored explanations: "pack@2026-01-01/hourly".
std::string RuleUid(const PolicyPack& pack, const PolicyVersion& version, const std::string& rule);

// Evaluates `report` under `applicable` (as PolicyLibrary::Select orders them). Fails only on
// arithmetic out of range, which bounded input cannot reach.
Result<Evaluation> Evaluate(const WorkReport& report, const EntityFacts& entity,
                            std::span<const Applicable> applicable, const TotalsSource& totals);

}  // namespace accrue
