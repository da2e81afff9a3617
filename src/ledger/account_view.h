// What a worker's account holds and why: the views behind `accrue balance`, `accrue explain`
// and the worker's API, computed from the store's balances and the worker's entries.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "nlohmann/json.hpp"
#include "store/store.h"

namespace accrue {

struct BenefitBalance {
  std::string benefit;
  Money money;
  Hours leave_hours;
};

struct PayerTotal {
  std::string entity;
  Payer payer = Payer::kHiringEntity;
  Money money;
};

struct AccountSummary {
  Worker worker;
  std::vector<BenefitBalance> benefits;  // by benefit name
  std::vector<PayerTotal> by_payer;      // by entity, then payer
  Money total;
  Money paid_out;  // approved leave pay, claims and withdrawals, already out of `total`
  int64_t reports = 0;
};

// One credited (or reversed, or paid out) line on the worker's account, with everything
// behind it. A payout's line has no entity; its report id is the request's reference.
struct ExplainLine {
  bool payout = false;
  Date work_date;
  std::string entity;
  std::string report_id;
  std::string replaces;
  std::string benefit;
  Unit unit = Unit::kMoney;
  int64_t amount = 0;
  std::string pack;     // program id
  std::string version;  // effective date of the version
  std::string rule;
  Payer payer = Payer::kHiringEntity;
  int64_t quantity = 0;  // basis counted (hours worked for accruals)
  std::string rate;
  std::string note;
};

Result<AccountSummary> SummarizeAccount(Store& store, AccountNumber account);
// Every line behind the balance, oldest first; `benefit` empty for all benefits.
Result<std::vector<ExplainLine>> ExplainAccount(Store& store, AccountNumber account,
                                                const std::string& benefit);

// The JSON forms the CLI's --json and the API share. Money as exact decimal strings.
nlohmann::json ToJson(const AccountSummary& summary);
// ToJson(summary) as text, exactly as its dump() gives it, written without building the
// document: the balance route answers with it, and it is the most frequent answer there is.
std::string SummaryJson(const AccountSummary& summary);
nlohmann::json ToJson(const ExplainLine& line);

}  // namespace accrue
