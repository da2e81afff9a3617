// Contribution aggregates for regulators: the money credited to workers by month of work,
// jurisdiction, program, benefit and payer.
//
// Contract:
//  - Derived from the ledger and kept in the module's own table (store/sql.h). Every read first
//    folds in the entries committed since the last fold, in ledger order, in transactions of
//    at most kFoldStep entries under the module's lock row; so a read costs what was recorded
//    since the previous one, not the whole range, and several servers never fold an entry twice.
//  - A correction's reversal counts in the month and jurisdiction of the report it reverses,
//    its own legs in its own. Payouts (money out) and one-offs (no program) are not counted;
//    a match counts under its program, paid by the government.
//  - Sums are exact (Money units, kept as decimal text so no column can overflow).
//  - Recompute() scans the whole ledger instead, for checking the folded table against.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/date.h"
#include "base/decimal.h"
#include "base/status.h"
#include "nlohmann/json.hpp"
#include "store/store.h"

namespace accrue::aggregates {

inline constexpr int64_t kFoldStep = 10'000;

struct Row {
  std::string month;  // "2026-09"
  std::string jurisdiction, program, benefit, payer;
  MoneySum amount;
  friend bool operator==(const Row&, const Row&) = default;
};

// Folds in the entries committed since the last fold, `step` at a time (each step one
// transaction); Contributions() does this first.
Status Fold(Store& store, int64_t step = kFoldStep);

// Rows for the months `from`..`to` ("YYYY-MM", inclusive), in key order; rows that net to zero
// are left out.
Result<std::vector<Row>> Contributions(Store& store, const std::string& from,
                                       const std::string& to);
Result<std::vector<Row>> Recompute(Store& store, const std::string& from, const std::string& to);

// The JSON form the CLI's --json and the API share: {"from", "to", "rows": [{"month",
// "jurisdiction", "program", "benefit", "payer", "amount"}]}, amounts in dollars and cents.
nlohmann::json ToJson(const std::string& from, const std::string& to, const std::vector<Row>& rows);

}  // namespace accrue::aggregates
