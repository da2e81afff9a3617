// Leave pay, claims and withdrawals: a worker asks, the worker's provider approves or denies,
// and an approval posts the payout to the ledger.
//
// Contract:
//  - A request is one row of the module's table; it never changes except from pending to
//    approved or denied, once. Bad input is refused (Invalid/NotFound/Precondition, with a
//    message for a person) before anything is written.
//  - What a request may spend is what the ledger holds for the worker's benefit less what the
//    worker's other pending requests hold: request creation and decisions serialise on the
//    module's lock row, so two concurrent requests can never hold the same hours or dollars.
//  - Approval re-checks the balance inside the ledger batch that posts the payout (under the
//    store's write lock, with the request's status change in the same transaction), so a
//    balance never goes negative even if a correction lowered it meanwhile.
//  - The payout (ledger.h: EntryKind::kPayout) moves the hours and money from the worker's
//    account to the provider's paid-out account: nothing is created or lost, and
//    `accrue verify` replays it with everything else.
//  - Which rules apply: the program (policy pack) that last credited the worker's benefit,
//    in the version in force on the leave's first day (or the claim's day). Leave without a
//    [[version.leave]] rule is drawn with no waiting period, in any amount, at the leave
//    account's cash; a benefit without a [[version.claim]] rule cannot be claimed.
//  - Cash is paid in whole cents, rounded down; the sub-cent rest stays in the account.
//  - Hiring entities have no access to any of this; the provider sees only its members'.
//  - No clock inside: every operation takes the day as an argument.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/account_number.h"
#include "base/date.h"
#include "base/decimal.h"
#include "base/status.h"
#include "nlohmann/json.hpp"
#include "policy/library.h"
#include "store/store.h"

namespace accrue::claims {

Status EnsureSchema(Store& store);

enum class RequestKind { kLeave, kClaim };
enum class RequestStatus { kPending, kApproved, kDenied };
const char* RequestKindName(RequestKind k);      // "leave", "claim"
const char* RequestStatusName(RequestStatus s);  // "pending", "approved", "denied"

// Leave pay for the days `first` to `last` (inclusive), `hours` in all.
struct LeaveAsk {
  AccountNumber account;
  std::string benefit;
  Date first, last;
  Hours hours;
};

// A claim or withdrawal from a benefit's money: `amount` dollars (whole cents), or for a
// fixed-unit benefit `units` of it (the amount is then units x the fixed amount).
struct ClaimAsk {
  AccountNumber account;
  std::string benefit;
  std::string use;
  Money amount;
  int64_t units = 0;
};

struct Request {
  int64_t id = 0;
  RequestKind kind = RequestKind::kLeave;
  AccountNumber account;
  std::string provider;  // the member's provider when asked: the one who decides
  std::string benefit;
  Date asked;
  Date first, last;  // leave: the days; claim: both the day asked
  Hours hours;       // leave hours drawn
  std::string use;   // claim: the permitted use named
  int64_t units = 0;
  Money value;        // leave: what the hours are worth; claim: the amount asked
  Money amount;       // what approval pays (leave: the value, at most the account's cash)
  Money average;      // leave at average earnings: gross earnings per hour over the lookback
  std::string rule;   // "<pack>@<version>/leave.<benefit>" or ".../claim.<benefit>"
  std::string basis;  // how the amount was reached, for people
  RequestStatus status = RequestStatus::kPending;
  Date decided;
  std::string reason;     // why denied
  std::string reference;  // the payout's report id in the ledger, once approved
};

// What the provider sees to decide a request: the request and the account as it stands.
struct RequestFacts {
  Request request;
  Hours hours_balance;  // of the benefit, in the ledger
  Money money_balance;
  Hours hours_held;  // by the worker's other pending requests for the benefit
  Money money_held;
  bool covered = false;  // the balance less what others hold covers this request
};

Result<Request> AskLeave(Store& store, const PolicyLibrary& policies, const LeaveAsk& ask,
                         Date today);
Result<Request> AskClaim(Store& store, const PolicyLibrary& policies, const ClaimAsk& ask,
                         Date today);

// Decisions by `provider`, which must be the one the request names and still the member's.
Result<Request> Approve(Store& store, const std::string& provider, int64_t id, Date today);
Result<Request> Deny(Store& store, const std::string& provider, int64_t id,
                     const std::string& reason, Date today);

Result<std::optional<Request>> FindRequest(Store& store, int64_t id);
// A worker's requests, newest first.
Result<std::vector<Request>> WorkerRequests(Store& store, AccountNumber account);
// A provider's requests (only pending ones when `pending_only`), oldest first, with the facts.
Result<std::vector<RequestFacts>> ProviderQueue(Store& store, const std::string& provider,
                                                bool pending_only);

// The JSON forms the CLI's --json and the API share. Money as exact decimal strings.
nlohmann::json ToJson(const Request& request);
nlohmann::json ToJson(const RequestFacts& facts);

}  // namespace accrue::claims
