// One-off voluntary contributions: the worker's own money paid in, posted to the ledger.
#include "base/ids.h"
#include "benefits/benefits.h"
#include "benefits/funding.h"
#include "contributions/contributions.h"
#include "contributions/internal.h"

namespace accrue::contributions {
namespace {

constexpr int64_t kCent = Money::kOne / 100;
constexpr size_t kMaxReference = 40;

// The ledger's report id for the worker's reference: unique per worker, not across workers.
std::string ReportIdOf(AccountNumber account, const std::string& reference) {
  return AccountDigits(account) + ":" + reference;
}

// Whether the stored entry records the same contribution.
bool SameContribution(const Entry& stored, const Entry& fresh) {
  return stored.report.worker == fresh.report.worker &&
         stored.report.work_date == fresh.report.work_date && !stored.legs.empty() &&
         stored.legs[0].account == fresh.legs[0].account &&
         stored.legs[0].amount == fresh.legs[0].amount;
}

}  // namespace

Result<Recorded> RecordOneOff(Store& store, const std::vector<BenefitType>& benefits,
                              const OneOff& c, Date today) {
  RETURN_IF_ERROR(ValidateId("reference", c.reference));
  if (c.reference.size() > kMaxReference) {
    return Status::Invalid("reference is longer than " + std::to_string(kMaxReference) +
                           " characters");
  }
  RETURN_IF_ERROR(internal::CheckVoluntaryBenefit(benefits, c.benefit));
  if (c.amount <= Money()) {
    return Status::Invalid("amount must be more than 0 (got " + c.amount.ToString(2) + ")");
  }
  if (c.amount.units() % kCent != 0) {
    return Status::Invalid("amount " + c.amount.ToString() + " must be in whole cents");
  }
  if (c.amount > Money::Whole(kMaxOneOffDollars)) {
    return Status::Invalid("amount " + c.amount.ToString(2) + " is more than the " +
                           Money::Whole(kMaxOneOffDollars).ToString(2) +
                           " one contribution may be");
  }
  if (c.day > today) {
    return Status::Invalid("day " + c.day.ToString() + " is in the future (today is " +
                           today.ToString() + ")");
  }
  if (c.recorded_by.empty()) return Status::Invalid("recorded_by is required");
  RETURN_IF_ERROR(internal::CheckWorker(store, c.account));
  RETURN_IF_ERROR(benefits::EnsureSchema(store));

  Credit credit;
  credit.kind = EntryKind::kContribution;
  credit.worker = c.account;
  credit.reference = ReportIdOf(c.account, c.reference);
  credit.day = c.day;
  credit.benefit = c.benefit;
  credit.amount = c.amount;
  credit.note = "one-off contribution " + c.reference + ", recorded by " + c.recorded_by;
  Recorded out;
  out.entry = BuildCredit(credit);

  RETURN_IF_ERROR(store.Begin());
  auto found = store.FindReport(kContributionEntity, credit.reference);
  if (!found.ok()) {
    store.Rollback();
    return found.status();
  }
  if (*found) {
    store.Rollback();
    if (!SameContribution((*found)->entry, out.entry)) {
      return Status::Conflict("reference '" + c.reference + "' of account " + c.account.ToString() +
                              " was already used for a different contribution");
    }
    out.already = true;
    out.entry = std::move((*found)->entry);
    return out;
  }
  Status st = store.Append({out.entry});
  if (st.ok()) st = benefits::FundOneOff(store, c.account, c.amount, credit.reference, c.day);
  if (!st.ok()) {
    store.Rollback();
    return st;
  }
  auto receipt = store.Commit("contribution " + credit.reference);
  if (!receipt.ok()) return receipt.status();
  return out;
}

}  // namespace accrue::contributions
