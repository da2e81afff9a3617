// A worker's work as eligibility counts it, read from the ledger, and the worker's eligibility
// under every program that covers that work.
//
// Only reports that still stand count: a correction replaces the report it names (the
// correction itself is the report that counts, if it stays with this worker), and a correction
// that moved a report to another worker takes it off this worker. Each report counts toward
// every program that covers it (PolicyLibrary::Select on its location, sector, hiring entity and
// date), summed by program, month and hiring entity.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "eligibility/eligibility.h"
#include "nlohmann/json.hpp"
#include "registry/registry.h"
#include "store/store.h"

namespace accrue {

// The worker's reports not replaced by a later correction, oldest entry first.
Result<std::vector<WorkReport>> CurrentWorkReports(Store& store, AccountNumber worker);

// The work under one program.
struct ProgramWork {
  const PolicyPack* pack = nullptr;
  std::vector<MonthWork> work;  // by month, then entity
};

// The reports' work by program (in the registry's pack order), month and hiring entity.
std::vector<ProgramWork> WorkByProgram(const Registry& registry,
                                       std::span<const WorkReport> reports);

struct ProgramEligibility {
  const PolicyPack* pack = nullptr;
  std::vector<MonthEligibility> months;
};

// Eligibility from `first` to `last` under every program that has eligibility rules and covers
// some of the worker's work. Fails with NotFound for an unknown account.
Result<std::vector<ProgramEligibility>> WorkerEligibility(Store& store, const Registry& registry,
                                                          AccountNumber worker, YearMonth first,
                                                          YearMonth last);

// The JSON form the CLI's --json and the API share: per program, per benefit and month,
// eligible or not, the tier, what counted and what is still needed by when.
nlohmann::json ToJson(const MonthEligibility& m);
nlohmann::json ToJson(AccountNumber account, YearMonth first, YearMonth last,
                      const std::vector<ProgramEligibility>& programs);

}  // namespace accrue
