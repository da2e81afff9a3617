#include <algorithm>

#include "claims/internal.h"
#include "eligibility/worker_work.h"
#include "ledger/ledger.h"

namespace accrue::claims::internal {
namespace {

constexpr int64_t kCent = Money::kOne / 100;

// "<pack>@<version>/<rule>" → pack.
std::string PackOfRule(const std::string& uid) { return uid.substr(0, uid.find('@')); }

std::string Hrs(Hours h) { return h.ToString() + " h"; }

}  // namespace

Money FloorCents(__int128 units) {
  return Money::FromUnits(static_cast<int64_t>(units < 0 ? 0 : units / kCent * kCent));
}

Result<Credit> LastCredit(Store& store, AccountNumber account, const std::string& benefit,
                          Unit unit) {
  ASSIGN_OR_RETURN(auto entries, store.WorkerEntries(account));
  const std::string key = WorkerAccount(account, benefit, unit);
  Credit out;
  for (const StoredEntry& e : entries) {
    // Programs govern claims; workers' own contributions and matches do not.
    if (!IsWorkEntry(e.entry.kind)) continue;
    for (const Leg& leg : e.entry.legs) {
      if (leg.account != key || leg.amount <= 0 || leg.rule.empty()) continue;
      if (leg.rule.rfind("consent@", 0) == 0) continue;
      out.pack = PackOfRule(leg.rule);  // entries come oldest first: the last one wins
      if (!out.first || e.entry.report.work_date < *out.first) out.first = e.entry.report.work_date;
    }
  }
  return out;
}

Result<Held> Available(Store& store, AccountNumber account, const std::string& benefit) {
  Held out;
  ASSIGN_OR_RETURN(int64_t hours, store.Balance(WorkerAccount(account, benefit, Unit::kHours)));
  ASSIGN_OR_RETURN(int64_t money, store.Balance(WorkerAccount(account, benefit, Unit::kMoney)));
  out.hours_balance = Hours::FromUnits(hours);
  out.money_balance = Money::FromUnits(money);
  ASSIGN_OR_RETURN(auto rows,
                   store.sql().Query(
                       "SELECT CAST(coalesce(sum(hours), 0) AS BIGINT), CAST(coalesce(sum(amount), "
                       "0) AS BIGINT) FROM "
                       "benefit_requests WHERE account = $1 AND benefit = $2 AND "
                       "status = 'pending'",
                       {AccountKey(account), benefit}));
  out.hours_held = Hours::FromUnits(rows.at(0).Int(0));
  out.money_held = Money::FromUnits(rows.at(0).Int(1));
  return out;
}

Status ValueLeave(Store& store, const LeaveRule& rule, const Held& held, Request* r) {
  const Hours hours_free = held.hours_balance - held.hours_held;
  const Money money_free = held.money_balance - held.money_held;
  if (r->hours > hours_free) {
    return Status::Precondition("only " + Hrs(hours_free) + " of " + r->benefit +
                                " are available (" + Hrs(held.hours_balance) + " accrued, " +
                                Hrs(held.hours_held) + " held by pending requests); " +
                                Hrs(r->hours) + " were asked for");
  }
  if (rule.cash == LeaveCash::kLeaveAccount) {
    // The account's cash, pro rata to the hours drawn from it.
    r->value = FloorCents(static_cast<__int128>(money_free.units()) * r->hours.units() /
                          hours_free.units());
    r->amount = r->value;
    r->basis = Hrs(r->hours) + " of " + Hrs(hours_free) + " x the " + money_free.ToString(2) +
               " the leave account holds";
    return Status::Ok();
  }
  const Date from = r->first.AddDays(-rule.lookback_days);
  const Date to = r->first.AddDays(-1);
  ASSIGN_OR_RETURN(auto reports, CurrentWorkReports(store, r->account));
  Hours worked;
  Money earned;
  for (const WorkReport& w : reports) {
    if (w.work_date < from || w.work_date > to) continue;
    worked += w.hours;
    earned += w.earnings;
  }
  const std::string window =
      std::to_string(rule.lookback_days) + " days " + from.ToString() + " to " + to.ToString();
  if (worked.is_zero()) {
    return Status::Precondition("no work is recorded in the " + window +
                                ", so there are no earnings to average");
  }
  // Exact until the one rounding down to the cent: earned x hours / worked.
  const __int128 product = static_cast<__int128>(earned.units()) * r->hours.units();
  r->value = FloorCents(product / worked.units());
  r->average = Money::FromUnits(
      static_cast<int64_t>(static_cast<__int128>(earned.units()) * Hours::kOne / worked.units()));
  r->amount = std::min(r->value, FloorCents(std::max<int64_t>(0, money_free.units())));
  r->basis = Hrs(r->hours) + " x " + r->average.ToString(2) + "/h (" + earned.ToString(2) +
             " earned over " + Hrs(worked) + " in the " + window + ")";
  if (r->amount < r->value) {
    r->basis += "; at most the " + r->amount.ToString(2) + " the leave account holds";
  }
  return Status::Ok();
}

int AgeOn(Date birth, Date day) {
  int age = day.year() - birth.year();
  if (day.month() < birth.month() || (day.month() == birth.month() && day.day() < birth.day())) {
    --age;
  }
  return age;
}

}  // namespace accrue::claims::internal
