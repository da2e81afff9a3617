// Enrollment: choices, open-enrollment elections and transfers, default assignment.
#include <algorithm>

#include "base/ids.h"
#include "benefits/benefits.h"
#include "benefits/internal.h"

namespace accrue::benefits {

using internal::AccountKey;
using internal::AccountOfKey;

namespace internal {

Result<int64_t> NextHistorySeq(SqlConn& sql, int64_t account) {
  ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT CAST(coalesce(max(seq), 0) AS BIGINT) FROM "
                                        "benefit_enrollment_history WHERE account = $1",
                                        {account}));
  return rows[0].Int(0) + 1;
}

namespace {

Status AddHistory(SqlConn& sql, const EnrollmentEvent& e) {
  return sql
      .Query(
          "INSERT INTO benefit_enrollment_history(account, seq, day, event, from_provider, "
          "from_plan, to_provider, to_plan, funded_moved) VALUES($1, $2, $3, $4, $5, $6, $7, "
          "$8, $9)",
          {AccountKey(e.account), e.seq, e.date.ToString(), e.event, e.from_provider, e.from_plan,
           e.to_provider, e.to_plan, e.funded_moved_cents})
      .status();
}

Status PutEnrollment(SqlConn& sql, const Enrollment& e) {
  return sql
      .Query(
          "INSERT INTO benefit_enrollments(account, provider, plan, choices, since, how) "
          "VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT(account) DO UPDATE SET provider = "
          "excluded.provider, plan = excluded.plan, choices = excluded.choices, since = "
          "excluded.since, how = excluded.how",
          {AccountKey(e.account), e.provider, e.plan, JoinNames(e.choices), e.since.ToString(),
           e.how})
      .status();
}

}  // namespace

Result<std::optional<Enrollment>> ReadEnrollment(SqlConn& sql, AccountNumber account) {
  ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT provider, plan, choices, since, how FROM "
                                        "benefit_enrollments WHERE account = $1",
                                        {AccountKey(account)}));
  if (rows.empty()) return std::optional<Enrollment>();
  auto since = Date::Parse(rows[0].Text(3));
  if (!since.ok()) return Status::Corruption("enrollment date of " + account.ToString());
  return std::optional<Enrollment>(Enrollment{account, rows[0].Text(0), rows[0].Text(1),
                                              SplitNames(rows[0].Text(2)), *since,
                                              rows[0].Text(4)});
}

Status MoveMember(Store& store, SqlConn& sql, const Enrollment& from, const Enrollment& to,
                  const std::string& event) {
  const int64_t key = AccountKey(to.account);
  ASSIGN_OR_RETURN(int64_t seq, NextHistorySeq(sql, key));
  // Custody of the funded money: whatever any other provider holds for the worker goes to the
  // new one, in one balanced fund transaction.
  ASSIGN_OR_RETURN(auto held, FundedByProvider(sql, key));
  FundTxn txn("transfer", "account " + to.account.ToString() + " history " + std::to_string(seq));
  int64_t moved = 0;
  for (const auto& [provider, cents] : held) {
    if (provider == to.provider) continue;
    txn.Add({"provider/" + provider, key, 0, -cents});
    moved += cents;
  }
  txn.Add({"provider/" + to.provider, key, 0, moved});
  RETURN_IF_ERROR(txn.Post(sql, to.since));
  // The balances as they stood, so the worker's history shows what moved.
  ASSIGN_OR_RETURN(auto balances, store.WorkerBalances(to.account));
  for (const AccountBalance& b : balances) {
    RETURN_IF_ERROR(sql.Query("INSERT INTO benefit_moved_balances(account, seq, ledger_account, "
                              "unit, amount) VALUES($1, $2, $3, $4, $5)",
                              {key, seq, b.account, int64_t{static_cast<int>(b.unit)}, b.amount})
                        .status());
  }
  RETURN_IF_ERROR(AddHistory(sql, EnrollmentEvent{to.account,
                                                  seq,
                                                  to.since,
                                                  event,
                                                  from.provider,
                                                  from.plan,
                                                  to.provider,
                                                  to.plan,
                                                  moved,
                                                  {}}));
  return PutEnrollment(sql, to);
}

Result<Enrollment> EnrollDefaultIfNone(Store& store, SqlConn& sql, const Terms& terms,
                                       AccountNumber account, Date date) {
  ASSIGN_OR_RETURN(auto current, ReadEnrollment(sql, account));
  if (current) return *current;
  if (terms.default_provider.empty()) {
    return Status::Precondition("account " + account.ToString() +
                                " has no provider and the program names no default provider");
  }
  Enrollment to{account, terms.default_provider, terms.default_plan, {}, date, "default"};
  RETURN_IF_ERROR(MoveMember(store, sql, Enrollment{}, to, "default"));
  return to;
}

}  // namespace internal

namespace {

Result<Election> ReadElection(const SqlRow& r) {
  auto elected = Date::Parse(r.Text(4)), effective = Date::Parse(r.Text(5));
  if (!elected.ok() || !effective.ok()) return Status::Corruption("election dates");
  return Election{AccountOfKey(r.Int(0)), r.Text(1), r.Text(2),
                  SplitNames(r.Text(3)),  *elected,  *effective};
}

constexpr const char* kElectionColumns = "account, provider, plan, choices, elected, effective";

// The provider must be certified and offer the plan; the choices must be the plan's optional
// benefits.
Status CheckChoice(SqlConn& sql, const std::string& provider, const std::string& plan_id,
                   const std::vector<std::string>& choices) {
  ASSIGN_OR_RETURN(Provider p, internal::ProviderById(sql, provider));
  if (p.status != ProviderStatus::kCertified) {
    return Status::Precondition("provider '" + provider + "' is " + ProviderStatusName(p.status) +
                                ", not certified; choose a provider on the exchange");
  }
  ASSIGN_OR_RETURN(auto plan, internal::PlanById(sql, provider, plan_id));
  if (!plan) return Status::NotFound("provider '" + provider + "' has no plan '" + plan_id + "'");
  for (const std::string& c : choices) {
    if (std::find(plan->optional.begin(), plan->optional.end(), c) == plan->optional.end()) {
      return Status::Invalid(
          "plan '" + plan_id + "' of '" + provider + "' offers no optional benefit '" + c +
          "' (it offers: " + (plan->optional.empty() ? "none" : JoinNames(plan->optional)) + ")");
    }
  }
  return Status::Ok();
}

Result<int64_t> FundedCents(SqlConn& sql, AccountNumber account) {
  ASSIGN_OR_RETURN(auto held, internal::FundedByProvider(sql, AccountKey(account)));
  int64_t sum = 0;
  for (const auto& h : held) sum += h.second;
  return sum;
}

}  // namespace

Result<ChooseResult> Choose(Store& store, AccountNumber account, const std::string& provider,
                            const std::string& plan, const std::vector<std::string>& raw_choices,
                            Date date) {
  std::vector<std::string> choices = raw_choices;
  std::sort(choices.begin(), choices.end());
  for (const std::string& c : choices) RETURN_IF_ERROR(ValidateName("chosen benefit", c));
  if (std::adjacent_find(choices.begin(), choices.end()) != choices.end()) {
    return Status::Invalid("a chosen benefit is listed twice");
  }
  ChooseResult out;
  Status st = internal::Write(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(auto worker, store.FindWorker(account));
    if (!worker) return Status::NotFound("no worker with account " + account.ToString());
    RETURN_IF_ERROR(CheckChoice(sql, provider, plan, choices));
    ASSIGN_OR_RETURN(auto current, internal::ReadEnrollment(sql, account));
    Enrollment to{account, provider, plan, choices, date, "chosen"};
    if (current && current->provider == provider && current->plan == plan &&
        current->choices == choices) {
      return Status::Precondition("account " + account.ToString() + " is already enrolled in " +
                                  provider + " plan " + plan);
    }
    // A first choice (or the first after a default assignment that holds no money yet) is
    // an enrollment, not a transfer.
    bool first = !current;
    if (current && current->how == "default") {
      ASSIGN_OR_RETURN(int64_t funded, FundedCents(sql, account));
      first = funded == 0;
    }
    if (first) {
      out.enrolled_now = true;
      return internal::MoveMember(store, sql, current.value_or(Enrollment{}), to, "chosen");
    }
    ASSIGN_OR_RETURN(Terms terms, internal::ReadTerms(sql));
    const Window w = WindowFor(terms, date);
    if (!w.Contains(date)) {
      return Status::Precondition(
          "account " + account.ToString() + " is enrolled with " + current->provider +
          "; a change of provider or plan is accepted only at open enrollment, " +
          w.open.ToString() + " to " + w.close.ToString() + " (effective " +
          w.effective.ToString() + "), and " + date.ToString() + " is outside it");
    }
    Election e{account, provider, plan, choices, date, w.effective};
    RETURN_IF_ERROR(sql.Query("INSERT INTO benefit_elections(account, provider, plan, choices, "
                              "elected, effective) VALUES($1, $2, $3, $4, $5, $6) ON "
                              "CONFLICT(account) DO UPDATE SET provider = excluded.provider, plan "
                              "= excluded.plan, choices = excluded.choices, elected = "
                              "excluded.elected, effective = excluded.effective",
                              {AccountKey(account), provider, plan, JoinNames(choices),
                               date.ToString(), w.effective.ToString()})
                        .status());
    ASSIGN_OR_RETURN(int64_t seq, internal::NextHistorySeq(sql, AccountKey(account)));
    RETURN_IF_ERROR(sql.Query("INSERT INTO benefit_enrollment_history(account, seq, day, event, "
                              "from_provider, from_plan, to_provider, to_plan, funded_moved) "
                              "VALUES($1, $2, $3, $4, $5, $6, $7, $8, 0)",
                              {AccountKey(account), seq, date.ToString(),
                               "elected, effective " + w.effective.ToString(), current->provider,
                               current->plan, provider, plan})
                        .status());
    out.election = e;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<int64_t> ApplyElections(Store& store, Date date) {
  int64_t applied = 0;
  Status st = internal::Write(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(auto rows, sql.Query(std::string("SELECT ") + kElectionColumns +
                                              " FROM benefit_elections WHERE effective <= $1 "
                                              "ORDER BY account",
                                          {date.ToString()}));
    for (const SqlRow& r : rows) {
      ASSIGN_OR_RETURN(Election e, ReadElection(r));
      ASSIGN_OR_RETURN(auto from, internal::ReadEnrollment(sql, e.account));
      Enrollment to{e.account, e.provider, e.plan, e.choices, e.effective, "transfer"};
      RETURN_IF_ERROR(
          internal::MoveMember(store, sql, from.value_or(Enrollment{}), to, "transfer"));
      ++applied;
    }
    return sql.Query("DELETE FROM benefit_elections WHERE effective <= $1", {date.ToString()})
        .status();
  });
  if (!st.ok()) return st;
  return applied;
}

Result<int64_t> AssignDefaults(Store& store, Date date) {
  int64_t assigned = 0;
  Status st = internal::Write(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(Terms terms, internal::ReadTerms(sql));
    if (terms.default_provider.empty()) {
      return Status::Precondition("the program names no default provider; set one in its terms");
    }
    // The store's registry of workers is read directly: both engines name it alike.
    ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT account FROM workers w WHERE NOT EXISTS "
                                          "(SELECT 1 FROM benefit_enrollments e WHERE e.account "
                                          "= w.account) ORDER BY account"));
    for (const SqlRow& r : rows) {
      RETURN_IF_ERROR(
          internal::EnrollDefaultIfNone(store, sql, terms, AccountOfKey(r.Int(0)), date).status());
      ++assigned;
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return assigned;
}

Result<std::optional<Enrollment>> FindEnrollment(Store& store, AccountNumber account) {
  RETURN_IF_ERROR(EnsureSchema(store));
  return internal::ReadEnrollment(store.sql(), account);
}

Result<std::optional<Election>> PendingElection(Store& store, AccountNumber account) {
  RETURN_IF_ERROR(EnsureSchema(store));
  ASSIGN_OR_RETURN(auto rows, store.sql().Query(std::string("SELECT ") + kElectionColumns +
                                                    " FROM benefit_elections WHERE account = $1",
                                                {AccountKey(account)}));
  if (rows.empty()) return std::optional<Election>();
  ASSIGN_OR_RETURN(Election e, ReadElection(rows[0]));
  return std::optional<Election>(std::move(e));
}

Result<std::vector<EnrollmentEvent>> EnrollmentHistory(Store& store, AccountNumber account) {
  RETURN_IF_ERROR(EnsureSchema(store));
  SqlConn& sql = store.sql();
  ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT seq, day, event, from_provider, from_plan, "
                                        "to_provider, to_plan, funded_moved FROM "
                                        "benefit_enrollment_history WHERE account = $1 ORDER BY "
                                        "seq",
                                        {AccountKey(account)}));
  std::vector<EnrollmentEvent> out;
  for (const SqlRow& r : rows) {
    auto day = Date::Parse(r.Text(1));
    if (!day.ok()) return Status::Corruption("enrollment history date of " + account.ToString());
    EnrollmentEvent e{account,   r.Int(0),  *day,      r.Text(2), r.Text(3),
                      r.Text(4), r.Text(5), r.Text(6), r.Int(7),  {}};
    ASSIGN_OR_RETURN(auto balances, sql.Query("SELECT ledger_account, unit, amount FROM "
                                              "benefit_moved_balances WHERE account = $1 AND seq "
                                              "= $2 ORDER BY ledger_account",
                                              {AccountKey(account), e.seq}));
    for (const SqlRow& b : balances) {
      e.balances.push_back({b.Text(0), b.Int(1) == 1 ? Unit::kHours : Unit::kMoney, b.Int(2)});
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace accrue::benefits
