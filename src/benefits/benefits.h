// Benefits administration: the program's terms, benefit providers and their plans, the
// exchange, and each worker's enrollment.
//
// Contract:
//  - Every operation is a plain function over Store& that runs in one transaction of the
//    store's SQL connection (store/sql.h): it either changes everything it says or, returning
//    an error, nothing. Bad input is Invalid/NotFound/Precondition with a message for a person.
//  - No clock inside: every operation that depends on the date takes it as an argument.
//  - Every worker-owned row is keyed by the account number. The ledger (W/<account>/...) is
//    the worker's and is never touched here: a provider is the custodian of its members'
//    funded money (see funding.h), so a transfer moves custody and funds, never balances.
//  - Writers are serialised by one lock row, so both engines give the same answers under
//    concurrency.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/account_number.h"
#include "base/date.h"
#include "base/decimal.h"
#include "base/status.h"
#include "store/store.h"

namespace accrue::benefits {

// Creates the module's tables once per database; every operation below calls it.
Status EnsureSchema(Store& store);

// ---- The program's terms (registry data set by the program administrator) ----

enum class InvoicePeriod { kMonthly, kQuarterly };
const char* InvoicePeriodName(InvoicePeriod p);  // "monthly" / "quarterly"

// A day of the year, "11-01".
struct MonthDay {
  unsigned month = 1, day = 1;
  static Result<MonthDay> Parse(std::string_view text);  // "MM-DD"; 02-29 refused
  std::string ToString() const;
  Date In(int year) const { return Date::FromYmd(year, month, day); }
  friend auto operator<=>(MonthDay, MonthDay) = default;
};

struct Terms {
  InvoicePeriod invoice_period = InvoicePeriod::kMonthly;
  int64_t due_days = 15;          // invoice due this many days after its period ends
  Money late_fee;                 // once, when an invoice is first found past due (whole cents)
  Ratio annual_interest;          // simple interest a year on unpaid principal past due
  MonthDay window_open{11, 1};    // annual open enrollment, inclusive
  MonthDay window_close{12, 15};  // inclusive; same year as window_open
  MonthDay effective{1, 1};       // transfers take effect on the next such day after close
  std::string default_provider;   // assigned to every account that made no choice
  std::string default_plan;
  std::vector<std::string> pooled{"health", "disability",
                                  "workers_comp"};  // mandatory in every plan
};

// Benefit-name lists as the tables and the command line write them.
std::string JoinNames(const std::vector<std::string>& names);  // "a,b"
std::vector<std::string> SplitNames(const std::string& text);  // "" → {}

Result<Terms> GetTerms(Store& store);
// Validates and stores the terms (the default provider must be certified and offer the plan).
Status SetTerms(Store& store, const Terms& terms);

// The open-enrollment window that contains or follows `day`, and when its transfers take
// effect.
struct Window {
  Date open, close, effective;
  bool Contains(Date d) const { return open <= d && d <= close; }
};
Window WindowFor(const Terms& terms, Date day);

// ---- Providers ----

enum class ProviderStatus { kRegistered, kCertified, kSuspended };
const char* ProviderStatusName(ProviderStatus s);  // "registered", "certified", "suspended"

struct Provider {
  std::string id;  // "cascade-mutual"
  std::string name;
  bool nonprofit = false;
  Ratio reserve_ratio;  // required: funded reserves held / members' earned balances
  Money fidelity_bond;  // whole cents
  bool conflict_of_interest_attested = false;
  ProviderStatus status = ProviderStatus::kRegistered;
  Date registered;
};

struct ProviderEvent {
  std::string provider;
  int64_t seq = 0;
  Date date;
  std::string event;  // "registered", "certified", "suspended", "reinstated"
  std::string reason;
};

Status RegisterProvider(Store& store, const Provider& provider, Date date);
// Certification checks the statutory attributes: nonprofit, a fidelity bond, a conflict-of-
// interest attestation and a reserve ratio; a refusal names every one missing.
Status CertifyProvider(Store& store, const std::string& id, Date date);
// Suspends a certified provider and moves each of its members (with their funds) to the
// default provider; pending elections to it are cancelled. Returns the members moved.
Result<int64_t> SuspendProvider(Store& store, const std::string& id, Date date,
                                const std::string& reason);
Status ReinstateProvider(Store& store, const std::string& id, Date date, const std::string& reason);
Result<std::vector<Provider>> ListProviders(Store& store);
Result<std::vector<ProviderEvent>> ProviderHistory(Store& store, const std::string& id);

// ---- Plans and the exchange ----

struct Plan {
  std::string provider;
  std::string id;  // "gold"
  std::string name;
  std::vector<std::string> mandatory;  // pooled; must include the program's pooled benefits
  std::vector<std::string> optional;   // the worker chooses among these
  Money monthly_fee;                   // whole cents a month
  Ratio contribution_fee;              // share of contributions kept for administration
};

Status AddPlan(Store& store, const Plan& plan);
Result<std::vector<Plan>> ListPlans(Store& store, const std::string& provider = "");

// One row of the exchange: a certified provider's plan beside its standing.
struct ExchangeRow {
  Provider provider;
  Plan plan;
  int64_t members = 0;  // of the plan
  bool is_default = false;
};
Result<std::vector<ExchangeRow>> Exchange(Store& store);

// ---- Enrollment ----

struct Enrollment {
  AccountNumber account;
  std::string provider;
  std::string plan;
  std::vector<std::string> choices;  // optional benefits chosen
  Date since;
  std::string how;  // "chosen", "default", "transfer", "provider suspended"
};

struct Election {
  AccountNumber account;
  std::string provider;
  std::string plan;
  std::vector<std::string> choices;
  Date elected;
  Date effective;
};

// One line of a worker's enrollment history. A move carries the balances as they stood (every
// ledger account, money and leave hours) and the funded money moved with them.
struct BalanceSnapshot {
  std::string ledger_account;
  Unit unit = Unit::kMoney;
  int64_t amount = 0;
};
struct EnrollmentEvent {
  AccountNumber account;
  int64_t seq = 0;
  Date date;
  std::string event;  // "chosen", "default", "elected", "transfer", "provider suspended", ...
  std::string from_provider, from_plan, to_provider, to_plan;
  int64_t funded_moved_cents = 0;
  std::vector<BalanceSnapshot> balances;
};

// What Choose did.
struct ChooseResult {
  bool enrolled_now = false;         // first choice: enrolled at once
  std::optional<Election> election;  // a transfer elected at open enrollment
};

// The worker's choice of provider and plan on `date`. An account with no enrollment (or only
// the default assignment made before it had any money) is enrolled at once; any other change
// is a transfer, accepted only inside the open-enrollment window and effective when the window
// says (a later election in the same window replaces an earlier one).
Result<ChooseResult> Choose(Store& store, AccountNumber account, const std::string& provider,
                            const std::string& plan, const std::vector<std::string>& choices,
                            Date date);
// Carries out every election effective on or before `date`, each atomically: custody of
// every balance and leave hour, and the funded money, move to the new provider. Returns how
// many were carried out.
Result<int64_t> ApplyElections(Store& store, Date date);
// Assigns the default provider and plan to every registered worker with no enrollment.
Result<int64_t> AssignDefaults(Store& store, Date date);

Result<std::optional<Enrollment>> FindEnrollment(Store& store, AccountNumber account);
Result<std::optional<Election>> PendingElection(Store& store, AccountNumber account);
Result<std::vector<EnrollmentEvent>> EnrollmentHistory(Store& store, AccountNumber account);

}  // namespace accrue::benefits
