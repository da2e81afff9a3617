#include "claims/claims.h"

#include <algorithm>

#include "base/ids.h"
#include "benefits/benefits.h"
#include "benefits/funding.h"
#include "benefits/internal.h"
#include "claims/internal.h"
#include "ledger/ledger.h"

namespace accrue::claims {
namespace {

using internal::AccountKey;

constexpr int64_t kCent = Money::kOne / 100;
constexpr int kMaxLeaveDays = 366;
constexpr int64_t kMaxUnits = 366;

constexpr const char* kColumns =
    "id, kind, account, provider, benefit, asked, first_day, last_day, hours, purpose, units, "
    "value, amount, average, rule, basis, status, decided, reason, reference";

Request FromRow(const SqlRow& row) {
  Request r;
  r.id = row.Int(0);
  r.kind = row.Text(1) == "claim" ? RequestKind::kClaim : RequestKind::kLeave;
  r.account = AccountNumber::FromValue(static_cast<uint64_t>(row.Int(2)));
  r.provider = row.Text(3);
  r.benefit = row.Text(4);
  r.asked = Date::FromDays(static_cast<int32_t>(row.Int(5)));
  r.first = Date::FromDays(static_cast<int32_t>(row.Int(6)));
  r.last = Date::FromDays(static_cast<int32_t>(row.Int(7)));
  r.hours = Hours::FromUnits(row.Int(8));
  r.use = row.Text(9);
  r.units = row.Int(10);
  r.value = Money::FromUnits(row.Int(11));
  r.amount = Money::FromUnits(row.Int(12));
  r.average = Money::FromUnits(row.Int(13));
  r.rule = row.Text(14);
  r.basis = row.Text(15);
  const std::string& status = row.Text(16);
  r.status = status == "approved" ? RequestStatus::kApproved
             : status == "denied" ? RequestStatus::kDenied
                                  : RequestStatus::kPending;
  r.decided = Date::FromDays(static_cast<int32_t>(row.Int(17)));
  r.reason = row.Text(18);
  r.reference = row.Text(19);
  return r;
}

Status Insert(SqlConn& sql, Request* r) {
  ASSIGN_OR_RETURN(auto next, sql.Query("SELECT coalesce(max(id), 0) + 1 FROM benefit_requests"));
  r->id = next.at(0).Int(0);
  return sql
      .Query(std::string("INSERT INTO benefit_requests(") + kColumns +
                 ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
                 "'pending', 0, '', '')",
             {r->id, std::string(RequestKindName(r->kind)), AccountKey(r->account), r->provider,
              r->benefit, int64_t{r->asked.days()}, int64_t{r->first.days()},
              int64_t{r->last.days()}, r->hours.units(), r->use, r->units, r->value.units(),
              r->amount.units(), r->average.units(), r->rule, r->basis})
      .status();
}

// Runs `fn` in one transaction of the store's SQL connection under the module's lock row.
template <typename Fn>
Status Locked(Store& store, Fn&& fn) {
  RETURN_IF_ERROR(EnsureSchema(store));
  SqlConn& sql = store.sql();
  return InSqlTransaction(sql, [&]() -> Status {
    RETURN_IF_ERROR(sql.Query("UPDATE claim_lock SET n = n + 1 WHERE id = 1").status());
    return fn(sql);
  });
}

// The worker and the provider who decides for them.
Status ReadMember(Store& store, AccountNumber account, Worker* worker, std::string* provider) {
  ASSIGN_OR_RETURN(auto found, store.FindWorker(account));
  if (!found) return Status::NotFound("no worker has account number " + account.ToString());
  *worker = *found;
  ASSIGN_OR_RETURN(auto enrollment, benefits::FindEnrollment(store, account));
  if (!enrollment) {
    return Status::Precondition("account " + account.ToString() +
                                " has no benefit provider to decide the request; choose one first");
  }
  *provider = enrollment->provider;
  return Status::Ok();
}

// The version of the program that last credited the benefit, in force on `day`.
Result<std::pair<const PolicyPack*, const PolicyVersion*>> ProgramOn(const PolicyLibrary& policies,
                                                                     const internal::Credit& credit,
                                                                     Date day) {
  const PolicyPack* pack = policies.Find(credit.pack);
  if (pack == nullptr) return Status::Precondition("program " + credit.pack + " is not loaded");
  const PolicyVersion* version = pack->VersionOn(day);
  if (version == nullptr) {
    return Status::Precondition("program " + credit.pack + " is not in force on " + day.ToString());
  }
  return std::make_pair(pack, version);
}

Status CheckLeaveShape(const LeaveAsk& ask) {
  RETURN_IF_ERROR(ValidateName("benefit", ask.benefit));
  if (ask.hours <= Hours()) {
    return Status::Invalid("hours must be more than 0 (got " + ask.hours.ToString() + ")");
  }
  if (ask.last < ask.first) {
    return Status::Invalid("last day " + ask.last.ToString() + " is before the first day " +
                           ask.first.ToString());
  }
  const int64_t days = ask.last.days() - ask.first.days() + 1;
  if (days > kMaxLeaveDays) {
    return Status::Invalid("a request covers at most " + std::to_string(kMaxLeaveDays) +
                           " days (got " + std::to_string(days) + ")");
  }
  if (ask.hours > Hours::Whole(24 * days)) {
    return Status::Invalid("hours " + ask.hours.ToString() + " are more than 24 a day over " +
                           std::to_string(days) + " day" + (days == 1 ? "" : "s"));
  }
  return Status::Ok();
}

Status CheckLeaveRule(const LeaveRule& rule, const internal::Credit& credit, const LeaveAsk& ask) {
  const Date usable = credit.first->AddDays(rule.waiting_days);
  if (ask.first < usable) {
    return Status::Precondition(ask.benefit + " may be used from " + usable.ToString() + ", " +
                                std::to_string(rule.waiting_days) +
                                " days after it first accrued on " + credit.first->ToString());
  }
  if (!rule.minimum_unit.is_zero() && ask.hours.units() % rule.minimum_unit.units() != 0) {
    return Status::Invalid("hours " + ask.hours.ToString() +
                           " must be a whole multiple of the minimum unit of " +
                           rule.minimum_unit.ToString() + " h");
  }
  return Status::Ok();
}

Status CheckClaimShape(const ClaimAsk& ask) {
  RETURN_IF_ERROR(ValidateName("benefit", ask.benefit));
  if (!ask.use.empty()) RETURN_IF_ERROR(ValidateName("use", ask.use));
  if (ask.units < 0 || ask.units > kMaxUnits) {
    return Status::Invalid("units must be between 1 and " + std::to_string(kMaxUnits));
  }
  if (ask.amount < Money()) return Status::Invalid("amount must not be negative");
  if (ask.amount.units() % kCent != 0) {
    return Status::Invalid("amount " + ask.amount.ToString() + " must be in whole cents");
  }
  if ((ask.units == 0) == ask.amount.is_zero()) {
    return Status::Invalid("give either an amount or a number of units");
  }
  return Status::Ok();
}

Status CheckClaimRule(const ClaimRule& rule, const Worker& worker, const ClaimAsk& ask, Date today,
                      Request* r) {
  if (!rule.uses.empty() &&
      std::find(rule.uses.begin(), rule.uses.end(), ask.use) == rule.uses.end()) {
    std::string names;
    for (const std::string& u : rule.uses) names += (names.empty() ? "" : ", ") + u;
    return Status::Invalid("use '" + ask.use + "' is not permitted for " + ask.benefit +
                           " (permitted: " + names + ")");
  }
  const int age = internal::AgeOn(worker.birth_date, today);
  if (age < rule.minimum_age) {
    return Status::Precondition(ask.benefit + " may be claimed from age " +
                                std::to_string(rule.minimum_age) + "; the worker is " +
                                std::to_string(age));
  }
  if (rule.fixed_amount) {
    if (ask.units == 0) {
      return Status::Invalid(ask.benefit + " pays " + rule.fixed_amount->ToString(2) + " per " +
                             rule.unit + ": give the number of " + rule.unit + "s, not an amount");
    }
    ASSIGN_OR_RETURN(r->value, Times(*rule.fixed_amount, ask.units));
    r->basis = std::to_string(ask.units) + " " + rule.unit + (ask.units == 1 ? "" : "s") + " x " +
               rule.fixed_amount->ToString(2);
  } else {
    if (ask.units != 0) {
      return Status::Invalid(ask.benefit + " has no fixed unit: give an amount, not units");
    }
    r->value = ask.amount;
    r->basis = "amount asked";
  }
  r->amount = r->value;
  return Status::Ok();
}

Status CheckPending(const Request& r, const std::string& provider) {
  const std::string name = "request " + std::to_string(r.id);
  if (r.provider != provider) return Status::NotFound("provider " + provider + " has no " + name);
  if (r.status != RequestStatus::kPending) {
    return Status::Precondition(name + " was already " + RequestStatusName(r.status) + " on " +
                                r.decided.ToString());
  }
  return Status::Ok();
}

Result<std::optional<Request>> ReadRequest(SqlConn& sql, int64_t id) {
  ASSIGN_OR_RETURN(
      auto rows,
      sql.Query(std::string("SELECT ") + kColumns + " FROM benefit_requests WHERE id = $1", {id}));
  if (rows.empty()) return std::optional<Request>();
  return std::optional<Request>(FromRow(rows[0]));
}

std::string Hrs(Hours h) { return h.ToString() + " h"; }

// Inside the open ledger batch: the balance must still cover the payout.
Status CheckStillCovered(Store& store, const Request& r) {
  ASSIGN_OR_RETURN(int64_t hours, store.Balance(WorkerAccount(r.account, r.benefit, Unit::kHours)));
  ASSIGN_OR_RETURN(int64_t money, store.Balance(WorkerAccount(r.account, r.benefit, Unit::kMoney)));
  if (r.hours.units() > hours) {
    return Status::Precondition("request " + std::to_string(r.id) + " draws " + Hrs(r.hours) +
                                " but the account now holds only " + Hrs(Hours::FromUnits(hours)) +
                                " of " + r.benefit);
  }
  if (r.amount.units() > money) {
    return Status::Precondition("request " + std::to_string(r.id) + " pays " +
                                r.amount.ToString(2) + " but the account now holds only " +
                                Money::FromUnits(money).ToString(2) + " of " + r.benefit);
  }
  return Status::Ok();
}

Payout PayoutOf(const Request& r, Date today) {
  Payout p;
  p.worker = r.account;
  p.reference = "request-" + std::to_string(r.id);
  p.paid = today;
  p.provider = r.provider;
  p.benefit = r.benefit;
  p.hours = r.hours;
  p.money = r.amount;
  p.rule = r.rule;
  p.rate =
      r.kind == RequestKind::kLeave && !r.average.is_zero() ? r.average.ToString(2) + "/h" : "";
  p.note = std::string(r.kind == RequestKind::kLeave
                           ? "leave pay " + r.first.ToString() + " to " + r.last.ToString()
                           : "claim" + (r.use.empty() ? "" : " for " + r.use)) +
           ", approved by " + r.provider + ": " + r.basis;
  return p;
}

}  // namespace

const char* RequestKindName(RequestKind k) { return k == RequestKind::kClaim ? "claim" : "leave"; }

const char* RequestStatusName(RequestStatus s) {
  switch (s) {
    case RequestStatus::kApproved:
      return "approved";
    case RequestStatus::kDenied:
      return "denied";
    case RequestStatus::kPending:
      break;
  }
  return "pending";
}

Status EnsureSchema(Store& store) {
  RETURN_IF_ERROR(benefits::EnsureSchema(store));
  return MigrateModule(
      store.sql(), "claims",
      {{1,
        "CREATE TABLE claim_lock(id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
        "INSERT INTO claim_lock(id, n) VALUES(1, 0);"
        "CREATE TABLE benefit_requests(id BIGINT PRIMARY KEY, kind TEXT NOT NULL,"
        " account BIGINT NOT NULL, provider TEXT NOT NULL, benefit TEXT NOT NULL,"
        " asked BIGINT NOT NULL, first_day BIGINT NOT NULL, last_day BIGINT NOT NULL,"
        " hours BIGINT NOT NULL, purpose TEXT NOT NULL, units BIGINT NOT NULL,"
        " value BIGINT NOT NULL, amount BIGINT NOT NULL, average BIGINT NOT NULL,"
        " rule TEXT NOT NULL, basis TEXT NOT NULL, status TEXT NOT NULL,"
        " decided BIGINT NOT NULL, reason TEXT NOT NULL, reference TEXT NOT NULL);"
        "CREATE INDEX benefit_requests_by_account ON benefit_requests(account, benefit, status);"
        "CREATE INDEX benefit_requests_by_provider ON benefit_requests(provider, status, id);"}});
}

Result<Request> AskLeave(Store& store, const PolicyLibrary& policies, const LeaveAsk& ask,
                         Date today) {
  RETURN_IF_ERROR(CheckLeaveShape(ask));
  RETURN_IF_ERROR(EnsureSchema(store));
  Worker worker;
  Request r;
  RETURN_IF_ERROR(ReadMember(store, ask.account, &worker, &r.provider));
  ASSIGN_OR_RETURN(auto credit,
                   internal::LastCredit(store, ask.account, ask.benefit, Unit::kHours));
  if (credit.pack.empty()) {
    return Status::Precondition("no " + ask.benefit + " hours have accrued to account " +
                                ask.account.ToString());
  }
  ASSIGN_OR_RETURN(auto program, ProgramOn(policies, credit, ask.first));
  const LeaveRule* found = program.second->LeaveFor(ask.benefit);
  const LeaveRule rule = found != nullptr ? *found : LeaveRule{ask.benefit};
  RETURN_IF_ERROR(CheckLeaveRule(rule, credit, ask));
  r.kind = RequestKind::kLeave;
  r.account = ask.account;
  r.benefit = ask.benefit;
  r.asked = today;
  r.first = ask.first;
  r.last = ask.last;
  r.hours = ask.hours;
  r.rule = RuleUid(*program.first, *program.second, "leave." + ask.benefit);
  Status st = Locked(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(auto held, internal::Available(store, ask.account, ask.benefit));
    RETURN_IF_ERROR(internal::ValueLeave(store, rule, held, &r));
    return Insert(sql, &r);
  });
  if (!st.ok()) return st;
  return r;
}

Result<Request> AskClaim(Store& store, const PolicyLibrary& policies, const ClaimAsk& ask,
                         Date today) {
  RETURN_IF_ERROR(CheckClaimShape(ask));
  RETURN_IF_ERROR(EnsureSchema(store));
  Worker worker;
  Request r;
  RETURN_IF_ERROR(ReadMember(store, ask.account, &worker, &r.provider));
  ASSIGN_OR_RETURN(auto credit,
                   internal::LastCredit(store, ask.account, ask.benefit, Unit::kMoney));
  if (credit.pack.empty()) {
    return Status::Precondition("account " + ask.account.ToString() + " has never been credited " +
                                ask.benefit + " money");
  }
  ASSIGN_OR_RETURN(auto program, ProgramOn(policies, credit, today));
  const ClaimRule* rule = program.second->ClaimFor(ask.benefit);
  if (rule == nullptr) {
    return Status::Precondition("program " + credit.pack + " does not let " + ask.benefit +
                                " be claimed");
  }
  RETURN_IF_ERROR(CheckClaimRule(*rule, worker, ask, today, &r));
  r.kind = RequestKind::kClaim;
  r.account = ask.account;
  r.benefit = ask.benefit;
  r.asked = r.first = r.last = today;
  r.use = ask.use;
  r.units = ask.units;
  r.rule = RuleUid(*program.first, *program.second, "claim." + ask.benefit);
  Status st = Locked(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(auto held, internal::Available(store, ask.account, ask.benefit));
    const Money free = held.money_balance - held.money_held;
    if (r.amount > free) {
      return Status::Precondition("only " + internal::FloorCents(free.units()).ToString(2) +
                                  " of " + ask.benefit + " is available (" +
                                  held.money_balance.ToString(2) + " in the account, " +
                                  held.money_held.ToString(2) + " held by pending requests); " +
                                  r.amount.ToString(2) + " was asked for");
    }
    return Insert(sql, &r);
  });
  if (!st.ok()) return st;
  return r;
}

Result<Request> Approve(Store& store, const std::string& provider, int64_t id, Date today) {
  RETURN_IF_ERROR(EnsureSchema(store));
  RETURN_IF_ERROR(store.Begin());
  // Everything below is one ledger batch: the payout and the status change commit together.
  auto decide = [&]() -> Result<Request> {
    SqlConn& sql = store.sql();
    RETURN_IF_ERROR(sql.Query("UPDATE claim_lock SET n = n + 1 WHERE id = 1").status());
    ASSIGN_OR_RETURN(auto found, ReadRequest(sql, id));
    if (!found)
      return Status::NotFound("provider " + provider + " has no request " + std::to_string(id));
    Request r = *found;
    RETURN_IF_ERROR(CheckPending(r, provider));
    ASSIGN_OR_RETURN(auto enrollment, benefits::internal::ReadEnrollment(sql, r.account));
    if (!enrollment || enrollment->provider != provider) {
      return Status::Precondition("account " + r.account.ToString() + " is no longer a member of " +
                                  provider + "; its new provider must be asked");
    }
    RETURN_IF_ERROR(CheckStillCovered(store, r));
    const Payout payout = PayoutOf(r, today);
    RETURN_IF_ERROR(store.Append({BuildPayout(payout)}));
    RETURN_IF_ERROR(
        benefits::DrawPayout(store, r.account, provider, payout.money, payout.reference, today));
    RETURN_IF_ERROR(sql.Query("UPDATE benefit_requests SET status = 'approved', decided = $2, "
                              "reference = $3 WHERE id = $1",
                              {id, int64_t{today.days()}, payout.reference})
                        .status());
    r.status = RequestStatus::kApproved;
    r.decided = today;
    r.reference = payout.reference;
    return r;
  };
  auto decided = decide();
  if (!decided.ok()) {
    store.Rollback();
    return decided.status();
  }
  auto receipt = store.Commit("payout " + decided->reference);
  if (!receipt.ok()) return receipt.status();
  return decided;
}

Result<Request> Deny(Store& store, const std::string& provider, int64_t id,
                     const std::string& reason, Date today) {
  if (reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::Invalid("a denial needs a reason for the worker");
  }
  if (reason.size() > 1000) return Status::Invalid("the reason is longer than 1000 characters");
  Request r;
  Status st = Locked(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(auto found, ReadRequest(sql, id));
    if (!found)
      return Status::NotFound("provider " + provider + " has no request " + std::to_string(id));
    r = *found;
    RETURN_IF_ERROR(CheckPending(r, provider));
    r.status = RequestStatus::kDenied;
    r.decided = today;
    r.reason = reason;
    return sql
        .Query(
            "UPDATE benefit_requests SET status = 'denied', decided = $2, reason = $3 WHERE "
            "id = $1",
            {id, int64_t{today.days()}, reason})
        .status();
  });
  if (!st.ok()) return st;
  return r;
}

Result<std::optional<Request>> FindRequest(Store& store, int64_t id) {
  RETURN_IF_ERROR(EnsureSchema(store));
  return ReadRequest(store.sql(), id);
}

Result<std::vector<Request>> WorkerRequests(Store& store, AccountNumber account) {
  RETURN_IF_ERROR(EnsureSchema(store));
  ASSIGN_OR_RETURN(auto rows, store.sql().Query(std::string("SELECT ") + kColumns +
                                                    " FROM benefit_requests WHERE account = $1 "
                                                    "ORDER BY id DESC",
                                                {AccountKey(account)}));
  std::vector<Request> out;
  for (const SqlRow& row : rows) out.push_back(FromRow(row));
  return out;
}

Result<std::vector<RequestFacts>> ProviderQueue(Store& store, const std::string& provider,
                                                bool pending_only) {
  RETURN_IF_ERROR(EnsureSchema(store));
  ASSIGN_OR_RETURN(auto rows,
                   store.sql().Query(std::string("SELECT ") + kColumns +
                                         " FROM benefit_requests WHERE provider = $1 AND (status "
                                         "= 'pending' OR $2 = 0) ORDER BY id",
                                     {provider, int64_t{pending_only ? 1 : 0}}));
  std::vector<RequestFacts> out;
  for (const SqlRow& row : rows) {
    RequestFacts f;
    f.request = FromRow(row);
    ASSIGN_OR_RETURN(auto held, internal::Available(store, f.request.account, f.request.benefit));
    f.hours_balance = held.hours_balance;
    f.money_balance = held.money_balance;
    const bool pending = f.request.status == RequestStatus::kPending;
    // What the others hold: this request's own hold is not against itself.
    f.hours_held = held.hours_held - (pending ? f.request.hours : Hours());
    f.money_held = held.money_held - (pending ? f.request.amount : Money());
    f.covered = f.request.hours <= f.hours_balance - f.hours_held &&
                f.request.amount <= f.money_balance - f.money_held;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace accrue::claims
