// Shared by the contributions module's sources.
#pragma once

#include <string>
#include <vector>

#include "contributions/contributions.h"

namespace accrue::contributions::internal {

inline int64_t AccountKey(AccountNumber a) { return static_cast<int64_t>(a.value()); }

// Refuses a benefit that is not a money benefit of the list, naming it.
Status CheckVoluntaryBenefit(const std::vector<BenefitType>& benefits, const std::string& name);
// NotFound unless the account belongs to a worker.
Status CheckWorker(Store& store, AccountNumber account);

}  // namespace accrue::contributions::internal
