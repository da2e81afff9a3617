// The JSON forms of the benefits module's records, shared by the CLI's --json and the API.
// Money as decimal strings with two decimals (cents where cash moves); ratios as percents.
#pragma once

#include <optional>
#include <vector>

#include "benefits/benefits.h"
#include "benefits/funding.h"
#include "nlohmann/json.hpp"

namespace accrue::benefits {

nlohmann::json ToJson(const Provider& p);
nlohmann::json ToJson(const Plan& p);
nlohmann::json ToJson(const Invoice& i);
nlohmann::json ToJson(const ProviderReserve& r);
nlohmann::json ToJson(const WorkerFunding& f);
// A plan on the exchange with its provider's members and reserves.
nlohmann::json ToJson(const ExchangeRow& row, const std::vector<ProviderReserve>& reserves);
// Where an account is enrolled, the transfer it elected, and every move with the balances it
// carried.
nlohmann::json EnrollmentJson(AccountNumber account, const std::optional<Enrollment>& current,
                              const std::optional<Election>& pending,
                              const std::vector<EnrollmentEvent>& history);
std::string CentsJson(int64_t cents);

}  // namespace accrue::benefits
