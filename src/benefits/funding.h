// Funding: invoices per hiring entity and period, remittances against them, delinquency, and
// the funded money each provider holds for its members.
//
// Contract:
//  - What an entity owes comes from the ledger: the E/<entity>/<YYYY-MM>/employer|withheld
//    accounts, and per worker the legs they paid for. An invoice for a period bills everything
//    recorded for months up to the period's end that no earlier invoice billed (so a late
//    report or correction of an invoiced month lands on the next invoice), in whole cents; the
//    sub-cent remainder is carried to the entity's next invoice, never dropped.
//  - Money received is kept in the module's own double-entry fund journal, in cents: every
//    transaction sums to zero and an entity's money comes in as `received/<entity>`, one leg
//    per remittance. A remittance pays the entity's oldest invoice first (principal, then late
//    charges); what is left is held as the entity's credit and applied to its next invoice.
//    Principal paid is funded money: it is split across the invoice's workers in proportion to
//    what each was billed for (largest remainder, so the parts sum exactly) and held by each
//    worker's provider (`provider/<id>`, per account). A transfer moves a member's funded money
//    between providers.
//  - Cash also moves with the worker: a one-off contribution is received (`paid-in`) and held
//    by the member's provider at once; an approved payout is paid by the provider
//    (`paid-out/<id>`) from what it holds for the member. When that is less than the payout
//    (the member's entities have not paid yet), the provider advances the rest from its
//    reserves: the member's funded money goes below zero and the next funding repays it.
//  - VerifyFunds checks these invariants; `accrue verify` runs it beside the ledger's audit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/account_number.h"
#include "base/date.h"
#include "base/decimal.h"
#include "base/status.h"
#include "store/store.h"

namespace accrue::benefits {

inline constexpr int64_t kCentUnits = Money::kOne / 100;  // Money units in one cent

// A billing period: "2026-11" (monthly) or "2026-Q4" (quarterly).
struct Period {
  std::string key;
  Date first, last;
  static Result<Period> Parse(std::string_view text);
};

struct Invoice {
  int64_t id = 0;
  std::string entity;
  std::string period;
  Date issued, due;
  int64_t owed_units = 0;        // new obligations billed, Money units (1e-10 dollar)
  int64_t carried_in_units = 0;  // sub-cent remainder brought from the previous invoice
  int64_t amount_cents = 0;      // principal due: floor((owed + carried in) / cent), >= 0
  int64_t carried_out_units = 0;
  int64_t charges_cents = 0;  // late fee and interest assessed
  int64_t paid_principal_cents = 0;
  int64_t paid_charges_cents = 0;
  int64_t workers = 0;  // billed workers (lines)

  int64_t unpaid_cents() const {
    return amount_cents + charges_cents - paid_principal_cents - paid_charges_cents;
  }
};

struct IssueResult {
  std::vector<Invoice> issued;
  int64_t already_issued = 0;  // entities that had this period's invoice already
};

// Issues every hiring entity's invoice for `period` on `date` (after the period's end). An
// entity with nothing new to bill and no remainder gets none; issuing the same period again
// changes nothing. An entity's credit is applied to the new invoice at once.
Result<IssueResult> IssueInvoices(Store& store, const std::string& period, Date date);
// `entity` empty: every entity's.
Result<std::vector<Invoice>> ListInvoices(Store& store, const std::string& entity = "");

struct Remittance {
  int64_t id = 0;
  std::string entity;
  Date received;
  int64_t amount_cents = 0;
  std::string reference;
};
struct RemittanceResult {
  Remittance remittance;
  struct Applied {
    int64_t invoice = 0;
    std::string period;
    int64_t principal_cents = 0, charges_cents = 0;
  };
  std::vector<Applied> applied;  // oldest invoice first
  int64_t credit_cents = 0;      // of this remittance, held as credit
};
// Records `amount` (whole cents, positive) received from `entity` on `date`. A non-empty
// reference identifies the payment: the same reference again is refused.
Result<RemittanceResult> RecordRemittance(Store& store, const std::string& entity, Money amount,
                                          Date date, const std::string& reference);
Result<int64_t> EntityCredit(Store& store, const std::string& entity);  // cents

// ---- Delinquency ----

struct Delinquent {
  Invoice invoice;
  int64_t days_late = 0;
};
// Invoices unpaid past their due date as of `date`, oldest first.
Result<std::vector<Delinquent>> ListDelinquent(Store& store, Date date);
// Assesses the program's late charges as of `date` on every invoice past due with principal
// unpaid: the late fee once per invoice, and simple interest on the unpaid principal for the
// days since the last assessment (or the due date), rounded half to even to the cent (a charge
// that rounds to nothing waits for the next assessment). Returns cents assessed.
Result<int64_t> AssessLateCharges(Store& store, Date date);

// ---- What is earned and what is funded ----

struct WorkerFunding {
  AccountNumber account;
  std::string provider, plan;  // empty if not enrolled
  Money earned;                // the worker's money balances in the ledger
  Money invoiced;              // billed to hiring entities for this worker
  int64_t funded_cents = 0;    // received and held by the provider for this worker, >= 0
  int64_t advanced_cents = 0;  // paid out to the worker ahead of funding, >= 0
};
Result<WorkerFunding> FundingOf(Store& store, AccountNumber account);

struct ProviderReserve {
  std::string provider;
  int64_t members = 0;
  Money earned;              // members' money balances in the ledger
  int64_t funded_cents = 0;  // held for them, less what it advanced (may be below zero)
  Ratio ratio;               // funded / earned (0 when nothing is earned)
  Ratio required;
  bool meets = false;
};
Result<std::vector<ProviderReserve>> Reserves(Store& store);

// ---- Cash paid in and out for a worker ----
// Both are called inside the open ledger batch that posts the money, so the ledger and the
// fund journal commit together; `amount` is in whole cents (a bug otherwise).

// A worker's one-off contribution: received and held at once by the member's provider (the
// program's default provider if the account has none; with no default named, held for the
// account until it has one).
Status FundOneOff(Store& store, AccountNumber account, Money amount, const std::string& reference,
                  Date date);
// An approved payout by `provider`, the member's provider, drawn on what it holds for them.
Status DrawPayout(Store& store, AccountNumber account, const std::string& provider, Money amount,
                  const std::string& reference, Date date);

// ---- Audit ----

// Checks the fund journal and invoices: every transaction balances, money came in only as
// recorded remittances and the ledger's one-off contributions, went out only as the ledger's
// payouts, credits are never negative, no invoice is paid beyond what it asks, each invoice's
// remainder carries into the next, and each member's funded money sits with their current
// provider. Empty: everything holds.
Result<std::vector<std::string>> VerifyFunds(Store& store);

}  // namespace accrue::benefits
