// Shared by the claims module's sources: balances and holds, the program behind a benefit, and
// what leave is worth.
#pragma once

#include <optional>
#include <string>

#include "claims/claims.h"

namespace accrue::claims::internal {

inline int64_t AccountKey(AccountNumber a) { return static_cast<int64_t>(a.value()); }

// Rounds a non-negative amount in Money units down to whole cents.
Money FloorCents(__int128 units);

// The program (pack id) that last credited the worker's benefit in `unit`, and the day of the
// first credit; empty pack when nothing was ever credited.
struct Credit {
  std::string pack;
  std::optional<Date> first;
};
Result<Credit> LastCredit(Store& store, AccountNumber account, const std::string& benefit,
                          Unit unit);

// The benefit's ledger balances and what the worker's pending requests hold of them.
struct Held {
  Hours hours_balance;
  Money money_balance;
  Hours hours_held;
  Money money_held;
};
Result<Held> Available(Store& store, AccountNumber account, const std::string& benefit);

// Checks that the leave request's hours are free and sets its value, amount, average and
// basis under `rule`.
Status ValueLeave(Store& store, const LeaveRule& rule, const Held& held, Request* request);

// Whole years from `birth` to `day`.
int AgeOn(Date birth, Date day);

}  // namespace accrue::claims::internal
