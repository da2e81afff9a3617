// The module's schema, the program's terms, providers, plans and the exchange.
#include <algorithm>
#include <set>

#include "base/ids.h"
#include "benefits/benefits.h"
#include "benefits/funding.h"
#include "benefits/internal.h"

namespace accrue::benefits {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

std::vector<std::string> SplitNames(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

namespace internal {

Result<int64_t> NextId(SqlConn& sql, const std::string& table, const std::string& column) {
  ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT CAST(coalesce(max(" + column +
                                        "), 0) AS BIGINT) "
                                        "FROM " +
                                        table));
  return rows.at(0).Int(0) + 1;
}

int64_t AccountKey(AccountNumber account) { return static_cast<int64_t>(account.value()); }
AccountNumber AccountOfKey(int64_t key) {
  return AccountNumber::FromValue(static_cast<uint64_t>(key));
}

Result<Terms> ReadTerms(SqlConn& sql) {
  ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT invoice_period, due_days, late_fee, interest, "
                                        "window_open, window_close, effective, "
                                        "default_provider, default_plan, pooled FROM "
                                        "benefit_terms WHERE id = 1"));
  Terms t;
  if (rows.empty()) return t;
  const SqlRow& r = rows[0];
  t.invoice_period = r.Text(0) == "quarterly" ? InvoicePeriod::kQuarterly : InvoicePeriod::kMonthly;
  t.due_days = r.Int(1);
  t.late_fee = Money::FromUnits(r.Int(2));
  t.annual_interest = Ratio::FromUnits(r.Int(3));
  auto open = MonthDay::Parse(r.Text(4)), close = MonthDay::Parse(r.Text(5)),
       effective = MonthDay::Parse(r.Text(6));
  if (!open.ok() || !close.ok() || !effective.ok()) {
    return Status::Corruption("stored open-enrollment terms do not parse");
  }
  t.window_open = *open;
  t.window_close = *close;
  t.effective = *effective;
  t.default_provider = r.Text(7);
  t.default_plan = r.Text(8);
  t.pooled = SplitNames(r.Text(9));
  return t;
}

}  // namespace internal

Status EnsureSchema(Store& store) {
  return MigrateModule(
      store.sql(), "benefits",
      {{1,
        "CREATE TABLE benefit_lock(id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
        "INSERT INTO benefit_lock(id, n) VALUES(1, 0);"
        "CREATE TABLE benefit_terms(id BIGINT PRIMARY KEY, invoice_period TEXT NOT NULL,"
        " due_days BIGINT NOT NULL, late_fee BIGINT NOT NULL, interest BIGINT NOT NULL,"
        " window_open TEXT NOT NULL, window_close TEXT NOT NULL, effective TEXT NOT NULL,"
        " default_provider TEXT NOT NULL, default_plan TEXT NOT NULL, pooled TEXT NOT NULL);"
        "CREATE TABLE benefit_providers(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
        " nonprofit BIGINT NOT NULL, reserve_ratio BIGINT NOT NULL, bond BIGINT NOT NULL,"
        " coi_attested BIGINT NOT NULL, status TEXT NOT NULL, registered TEXT NOT NULL);"
        "CREATE TABLE benefit_provider_events(provider TEXT NOT NULL, seq BIGINT NOT NULL,"
        " day TEXT NOT NULL, event TEXT NOT NULL, reason TEXT NOT NULL,"
        " PRIMARY KEY(provider, seq));"
        "CREATE TABLE benefit_plans(provider TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,"
        " mandatory TEXT NOT NULL, optional TEXT NOT NULL, monthly_fee BIGINT NOT NULL,"
        " contribution_fee BIGINT NOT NULL, PRIMARY KEY(provider, id));"
        "CREATE TABLE benefit_enrollments(account BIGINT PRIMARY KEY, provider TEXT NOT NULL,"
        " plan TEXT NOT NULL, choices TEXT NOT NULL, since TEXT NOT NULL, how TEXT NOT NULL);"
        "CREATE INDEX benefit_enrollments_provider ON benefit_enrollments(provider);"
        "CREATE TABLE benefit_elections(account BIGINT PRIMARY KEY, provider TEXT NOT NULL,"
        " plan TEXT NOT NULL, choices TEXT NOT NULL, elected TEXT NOT NULL,"
        " effective TEXT NOT NULL);"
        "CREATE TABLE benefit_enrollment_history(account BIGINT NOT NULL, seq BIGINT NOT NULL,"
        " day TEXT NOT NULL, event TEXT NOT NULL, from_provider TEXT NOT NULL,"
        " from_plan TEXT NOT NULL, to_provider TEXT NOT NULL, to_plan TEXT NOT NULL,"
        " funded_moved BIGINT NOT NULL, PRIMARY KEY(account, seq));"
        "CREATE TABLE benefit_moved_balances(account BIGINT NOT NULL, seq BIGINT NOT NULL,"
        " ledger_account TEXT NOT NULL, unit BIGINT NOT NULL, amount BIGINT NOT NULL,"
        " PRIMARY KEY(account, seq, ledger_account));"
        "CREATE TABLE benefit_invoices(id BIGINT PRIMARY KEY, entity TEXT NOT NULL,"
        " period TEXT NOT NULL, period_end TEXT NOT NULL, issued TEXT NOT NULL,"
        " due TEXT NOT NULL, owed BIGINT NOT NULL, carried_in BIGINT NOT NULL,"
        " amount_cents BIGINT NOT NULL, carried_out BIGINT NOT NULL, UNIQUE(entity, period));"
        "CREATE TABLE benefit_invoice_lines(invoice BIGINT NOT NULL, account BIGINT NOT NULL,"
        " owed BIGINT NOT NULL, PRIMARY KEY(invoice, account));"
        "CREATE INDEX benefit_invoice_lines_account ON benefit_invoice_lines(account);"
        "CREATE TABLE benefit_invoice_charges(invoice BIGINT NOT NULL, seq BIGINT NOT NULL,"
        " day TEXT NOT NULL, kind TEXT NOT NULL, cents BIGINT NOT NULL,"
        " PRIMARY KEY(invoice, seq));"
        "CREATE TABLE benefit_remittances(id BIGINT PRIMARY KEY, entity TEXT NOT NULL,"
        " received TEXT NOT NULL, amount_cents BIGINT NOT NULL, reference TEXT NOT NULL);"
        "CREATE UNIQUE INDEX benefit_remittances_reference ON benefit_remittances(entity,"
        " reference) WHERE reference <> '';"
        "CREATE TABLE benefit_fund_txns(txn BIGINT PRIMARY KEY, day TEXT NOT NULL,"
        " kind TEXT NOT NULL, ref TEXT NOT NULL);"
        "CREATE TABLE benefit_fund_legs(txn BIGINT NOT NULL, seq BIGINT NOT NULL,"
        " fund TEXT NOT NULL, account BIGINT NOT NULL, invoice BIGINT NOT NULL,"
        " cents BIGINT NOT NULL, PRIMARY KEY(txn, seq));"
        "CREATE INDEX benefit_fund_legs_account ON benefit_fund_legs(account);"
        "CREATE INDEX benefit_fund_legs_invoice ON benefit_fund_legs(invoice);"}});
}

// ---- Terms ----

const char* InvoicePeriodName(InvoicePeriod p) {
  return p == InvoicePeriod::kQuarterly ? "quarterly" : "monthly";
}

Result<MonthDay> MonthDay::Parse(std::string_view text) {
  // A non-leap year, so 02-29 (which would skip most years) is refused.
  auto d = text.size() == 5 ? Date::Parse("2001-" + std::string(text))
                            : Result<Date>(Status::Invalid(""));
  if (!d.ok())
    return Status::Invalid("'" + std::string(text) + "' is not a day of the year (MM-DD)");
  return MonthDay{d->month(), d->day()};
}

std::string MonthDay::ToString() const {
  return Date::FromYmd(2001, month, day).ToString().substr(5);
}

Window WindowFor(const Terms& terms, Date day) {
  int year = day.year();
  if (day > terms.window_close.In(year)) ++year;
  Window w{terms.window_open.In(year), terms.window_close.In(year), terms.effective.In(year)};
  if (w.effective <= w.close) w.effective = terms.effective.In(year + 1);
  return w;
}

Result<Terms> GetTerms(Store& store) {
  RETURN_IF_ERROR(EnsureSchema(store));
  return internal::ReadTerms(store.sql());
}

namespace {

bool WholeCents(Money m) { return m.units() % kCentUnits == 0; }

Result<Provider> ReadProvider(SqlConn& sql, const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT id, name, nonprofit, reserve_ratio, bond, "
                                        "coi_attested, status, registered FROM "
                                        "benefit_providers WHERE id = $1",
                                        {id}));
  if (rows.empty()) return Status::NotFound("no provider '" + id + "'");
  const SqlRow& r = rows[0];
  Provider p;
  p.id = r.Text(0);
  p.name = r.Text(1);
  p.nonprofit = r.Int(2) != 0;
  p.reserve_ratio = Ratio::FromUnits(r.Int(3));
  p.fidelity_bond = Money::FromUnits(r.Int(4));
  p.conflict_of_interest_attested = r.Int(5) != 0;
  p.status = r.Text(6) == "certified"   ? ProviderStatus::kCertified
             : r.Text(6) == "suspended" ? ProviderStatus::kSuspended
                                        : ProviderStatus::kRegistered;
  auto registered = Date::Parse(r.Text(7));
  if (!registered.ok()) return Status::Corruption("provider " + id + ": stored date");
  p.registered = *registered;
  return p;
}

Result<std::optional<Plan>> ReadPlan(SqlConn& sql, const std::string& provider,
                                     const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT provider, id, name, mandatory, optional, "
                                        "monthly_fee, contribution_fee FROM benefit_plans "
                                        "WHERE provider = $1 AND id = $2",
                                        {provider, id}));
  if (rows.empty()) return std::optional<Plan>();
  const SqlRow& r = rows[0];
  return std::optional<Plan>(Plan{r.Text(0), r.Text(1), r.Text(2), SplitNames(r.Text(3)),
                                  SplitNames(r.Text(4)), Money::FromUnits(r.Int(5)),
                                  Ratio::FromUnits(r.Int(6))});
}

Status AddEvent(SqlConn& sql, const std::string& provider, Date date, const std::string& event,
                const std::string& reason) {
  ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT CAST(coalesce(max(seq), 0) AS BIGINT) FROM "
                                        "benefit_provider_events WHERE provider = $1",
                                        {provider}));
  return sql
      .Query(
          "INSERT INTO benefit_provider_events(provider, seq, day, event, reason) "
          "VALUES($1, $2, $3, $4, $5)",
          {provider, rows[0].Int(0) + 1, date.ToString(), event, reason})
      .status();
}

Status SetStatus(SqlConn& sql, const std::string& id, const char* status) {
  return sql
      .Query("UPDATE benefit_providers SET status = $2 WHERE id = $1", {id, std::string(status)})
      .status();
}

// The default provider and plan named by the terms, checked to be usable.
Status CheckDefault(SqlConn& sql, const Terms& t) {
  if (t.default_provider.empty()) {
    return t.default_plan.empty() ? Status::Ok()
                                  : Status::Invalid("a default plan needs a default provider");
  }
  ASSIGN_OR_RETURN(Provider p, ReadProvider(sql, t.default_provider));
  if (p.status != ProviderStatus::kCertified) {
    return Status::Precondition("default provider '" + p.id + "' is " +
                                ProviderStatusName(p.status) + ", not certified");
  }
  if (t.default_plan.empty()) return Status::Invalid("the default provider needs a default plan");
  ASSIGN_OR_RETURN(auto plan, ReadPlan(sql, t.default_provider, t.default_plan));
  if (!plan) {
    return Status::NotFound("provider '" + t.default_provider + "' has no plan '" + t.default_plan +
                            "'");
  }
  return Status::Ok();
}

}  // namespace

Status SetTerms(Store& store, const Terms& t) {
  if (t.due_days < 0 || t.due_days > 366) {
    return Status::Invalid("due days must be between 0 and 366, not " + std::to_string(t.due_days));
  }
  if (t.late_fee.is_negative() || !WholeCents(t.late_fee)) {
    return Status::Invalid("late fee must be a non-negative amount in whole cents, not " +
                           t.late_fee.ToString(2));
  }
  if (t.annual_interest.is_negative() || t.annual_interest > Ratio::Whole(1)) {
    return Status::Invalid("annual interest must be between 0% and 100%, not " +
                           FormatPercent(t.annual_interest));
  }
  if (t.window_close < t.window_open) {
    return Status::Invalid("open enrollment closes (" + t.window_close.ToString() +
                           ") before it opens (" + t.window_open.ToString() + ")");
  }
  for (const std::string& b : t.pooled) RETURN_IF_ERROR(ValidateName("pooled benefit", b));
  return internal::Write(store, [&](SqlConn& sql) -> Status {
    RETURN_IF_ERROR(CheckDefault(sql, t));
    return sql
        .Query(
            "INSERT INTO benefit_terms(id, invoice_period, due_days, late_fee, interest, "
            "window_open, window_close, effective, default_provider, default_plan, pooled) "
            "VALUES(1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT(id) DO UPDATE SET "
            "invoice_period = excluded.invoice_period, due_days = excluded.due_days, "
            "late_fee = excluded.late_fee, interest = excluded.interest, "
            "window_open = excluded.window_open, window_close = excluded.window_close, "
            "effective = excluded.effective, default_provider = excluded.default_provider, "
            "default_plan = excluded.default_plan, pooled = excluded.pooled",
            {std::string(InvoicePeriodName(t.invoice_period)), t.due_days, t.late_fee.units(),
             t.annual_interest.units(), t.window_open.ToString(), t.window_close.ToString(),
             t.effective.ToString(), t.default_provider, t.default_plan, JoinNames(t.pooled)})
        .status();
  });
}

// ---- Providers ----

const char* ProviderStatusName(ProviderStatus s) {
  switch (s) {
    case ProviderStatus::kRegistered:
      return "registered";
    case ProviderStatus::kCertified:
      return "certified";
    case ProviderStatus::kSuspended:
      return "suspended";
  }
  return "?";
}

Status RegisterProvider(Store& store, const Provider& p, Date date) {
  RETURN_IF_ERROR(ValidateId("provider id", p.id));
  if (p.name.empty()) return Status::Invalid("provider name is empty");
  if (p.reserve_ratio.is_negative()) {
    return Status::Invalid("reserve ratio must not be negative, not " +
                           FormatPercent(p.reserve_ratio));
  }
  if (p.fidelity_bond.is_negative() || !WholeCents(p.fidelity_bond)) {
    return Status::Invalid("fidelity bond must be a non-negative amount in whole cents, not " +
                           p.fidelity_bond.ToString(2));
  }
  return internal::Write(store, [&](SqlConn& sql) -> Status {
    auto existing = ReadProvider(sql, p.id);
    if (existing.ok()) return Status::Conflict("provider '" + p.id + "' is already registered");
    if (existing.status().code() != Code::kNotFound) return existing.status();
    RETURN_IF_ERROR(sql.Query("INSERT INTO benefit_providers(id, name, nonprofit, reserve_ratio, "
                              "bond, coi_attested, status, registered) VALUES($1, $2, $3, $4, $5, "
                              "$6, 'registered', $7)",
                              {p.id, p.name, int64_t{p.nonprofit}, p.reserve_ratio.units(),
                               p.fidelity_bond.units(), int64_t{p.conflict_of_interest_attested},
                               date.ToString()})
                        .status());
    return AddEvent(sql, p.id, date, "registered", "");
  });
}

Status CertifyProvider(Store& store, const std::string& id, Date date) {
  return internal::Write(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(Provider p, ReadProvider(sql, id));
    if (p.status != ProviderStatus::kRegistered) {
      return Status::Precondition("provider '" + id + "' is " + ProviderStatusName(p.status) +
                                  (p.status == ProviderStatus::kSuspended
                                       ? "; reinstate it instead"
                                       : ", not awaiting certification"));
    }
    std::vector<std::string> missing;
    if (!p.nonprofit) missing.push_back("nonprofit status");
    if (p.reserve_ratio.is_zero()) missing.push_back("a required reserve ratio");
    if (p.fidelity_bond.is_zero()) missing.push_back("a fidelity bond");
    if (!p.conflict_of_interest_attested) missing.push_back("a conflict-of-interest attestation");
    if (!missing.empty()) {
      std::string list;
      for (size_t i = 0; i < missing.size(); ++i) {
        list += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + missing[i];
      }
      return Status::Precondition("provider '" + id + "' cannot be certified: it lacks " + list);
    }
    RETURN_IF_ERROR(SetStatus(sql, id, "certified"));
    return AddEvent(sql, id, date, "certified", "");
  });
}

Status ReinstateProvider(Store& store, const std::string& id, Date date,
                         const std::string& reason) {
  return internal::Write(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(Provider p, ReadProvider(sql, id));
    if (p.status != ProviderStatus::kSuspended) {
      return Status::Precondition("provider '" + id + "' is " + ProviderStatusName(p.status) +
                                  ", not suspended");
    }
    RETURN_IF_ERROR(SetStatus(sql, id, "certified"));
    return AddEvent(sql, id, date, "reinstated", reason);
  });
}

Result<int64_t> SuspendProvider(Store& store, const std::string& id, Date date,
                                const std::string& reason) {
  int64_t moved = 0;
  Status st = internal::Write(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(Provider p, ReadProvider(sql, id));
    if (p.status != ProviderStatus::kCertified) {
      return Status::Precondition("provider '" + id + "' is " + ProviderStatusName(p.status) +
                                  ", not certified");
    }
    ASSIGN_OR_RETURN(Terms terms, internal::ReadTerms(sql));
    if (terms.default_provider == id) {
      return Status::Precondition("provider '" + id +
                                  "' is the program's default provider; name another default "
                                  "before suspending it");
    }
    if (terms.default_provider.empty()) {
      return Status::Precondition("no default provider to move the members of '" + id +
                                  "' to; set one in the program's terms first");
    }
    RETURN_IF_ERROR(SetStatus(sql, id, "suspended"));
    RETURN_IF_ERROR(AddEvent(sql, id, date, "suspended", reason));
    // Members move to the default provider at once: coverage never lapses.
    ASSIGN_OR_RETURN(auto members, sql.Query("SELECT account FROM benefit_enrollments WHERE "
                                             "provider = $1 ORDER BY account",
                                             {id}));
    for (const SqlRow& m : members) {
      ASSIGN_OR_RETURN(auto from, internal::ReadEnrollment(sql, internal::AccountOfKey(m.Int(0))));
      Enrollment to{from->account, terms.default_provider, terms.default_plan, {},
                    date,          "provider suspended"};
      RETURN_IF_ERROR(internal::MoveMember(store, sql, *from, to, "provider suspended"));
      ++moved;
    }
    // Elections to it can no longer be carried out; the worker's history says so.
    ASSIGN_OR_RETURN(auto elections, sql.Query("SELECT account FROM benefit_elections WHERE "
                                               "provider = $1",
                                               {id}));
    for (const SqlRow& e : elections) {
      ASSIGN_OR_RETURN(int64_t seq, internal::NextHistorySeq(sql, e.Int(0)));
      RETURN_IF_ERROR(sql.Query("INSERT INTO benefit_enrollment_history(account, seq, day, event, "
                                "from_provider, from_plan, to_provider, to_plan, funded_moved) "
                                "VALUES($1, $2, $3, 'election cancelled: provider suspended', '', "
                                "'', $4, '', 0)",
                                {e.Int(0), seq, date.ToString(), id})
                          .status());
    }
    return sql.Query("DELETE FROM benefit_elections WHERE provider = $1", {id}).status();
  });
  if (!st.ok()) return st;
  return moved;
}

Result<std::vector<Provider>> ListProviders(Store& store) {
  RETURN_IF_ERROR(EnsureSchema(store));
  ASSIGN_OR_RETURN(auto rows, store.sql().Query("SELECT id FROM benefit_providers ORDER BY id"));
  std::vector<Provider> out;
  for (const SqlRow& r : rows) {
    ASSIGN_OR_RETURN(Provider p, ReadProvider(store.sql(), r.Text(0)));
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<ProviderEvent>> ProviderHistory(Store& store, const std::string& id) {
  RETURN_IF_ERROR(EnsureSchema(store));
  ASSIGN_OR_RETURN(auto rows, store.sql().Query("SELECT provider, seq, day, event, reason FROM "
                                                "benefit_provider_events WHERE provider = $1 "
                                                "ORDER BY seq",
                                                {id}));
  std::vector<ProviderEvent> out;
  for (const SqlRow& r : rows) {
    auto day = Date::Parse(r.Text(2));
    if (!day.ok()) return Status::Corruption("provider event date of " + id);
    out.push_back({r.Text(0), r.Int(1), *day, r.Text(3), r.Text(4)});
  }
  return out;
}

// ---- Plans ----

Status AddPlan(Store& store, const Plan& plan) {
  RETURN_IF_ERROR(ValidateId("plan id", plan.id));
  if (plan.name.empty()) return Status::Invalid("plan name is empty");
  std::set<std::string> seen;
  for (const auto* list : {&plan.mandatory, &plan.optional}) {
    for (const std::string& b : *list) {
      RETURN_IF_ERROR(ValidateName("benefit", b));
      if (!seen.insert(b).second) return Status::Invalid("benefit '" + b + "' is listed twice");
    }
  }
  if (plan.monthly_fee.is_negative() || !WholeCents(plan.monthly_fee)) {
    return Status::Invalid("monthly fee must be a non-negative amount in whole cents, not " +
                           plan.monthly_fee.ToString(2));
  }
  if (plan.contribution_fee.is_negative() || plan.contribution_fee > Ratio::Whole(1)) {
    return Status::Invalid("contribution fee must be between 0% and 100%, not " +
                           FormatPercent(plan.contribution_fee));
  }
  return internal::Write(store, [&](SqlConn& sql) -> Status {
    RETURN_IF_ERROR(ReadProvider(sql, plan.provider).status());
    ASSIGN_OR_RETURN(Terms terms, internal::ReadTerms(sql));
    for (const std::string& b : terms.pooled) {
      if (std::find(plan.mandatory.begin(), plan.mandatory.end(), b) == plan.mandatory.end()) {
        return Status::Invalid("plan '" + plan.id + "' must pool " + b +
                               " (mandatory in every plan: " + JoinNames(terms.pooled) + ")");
      }
    }
    ASSIGN_OR_RETURN(auto existing, ReadPlan(sql, plan.provider, plan.id));
    if (existing) {
      return Status::Conflict("provider '" + plan.provider + "' already has a plan '" + plan.id +
                              "'");
    }
    return sql
        .Query(
            "INSERT INTO benefit_plans(provider, id, name, mandatory, optional, monthly_fee, "
            "contribution_fee) VALUES($1, $2, $3, $4, $5, $6, $7)",
            {plan.provider, plan.id, plan.name, JoinNames(plan.mandatory), JoinNames(plan.optional),
             plan.monthly_fee.units(), plan.contribution_fee.units()})
        .status();
  });
}

Result<std::vector<Plan>> ListPlans(Store& store, const std::string& provider) {
  RETURN_IF_ERROR(EnsureSchema(store));
  ASSIGN_OR_RETURN(auto rows, store.sql().Query("SELECT provider, id FROM benefit_plans WHERE "
                                                "$1 = '' OR provider = $1 ORDER BY provider, id",
                                                {provider}));
  std::vector<Plan> out;
  for (const SqlRow& r : rows) {
    ASSIGN_OR_RETURN(auto plan, ReadPlan(store.sql(), r.Text(0), r.Text(1)));
    out.push_back(std::move(*plan));
  }
  return out;
}

Result<std::vector<ExchangeRow>> Exchange(Store& store) {
  RETURN_IF_ERROR(EnsureSchema(store));
  ASSIGN_OR_RETURN(Terms terms, internal::ReadTerms(store.sql()));
  ASSIGN_OR_RETURN(auto plans, ListPlans(store));
  std::vector<ExchangeRow> out;
  for (Plan& plan : plans) {
    ASSIGN_OR_RETURN(Provider p, ReadProvider(store.sql(), plan.provider));
    if (p.status != ProviderStatus::kCertified) continue;
    ASSIGN_OR_RETURN(auto n, store.sql().Query("SELECT count(*) FROM benefit_enrollments WHERE "
                                               "provider = $1 AND plan = $2",
                                               {plan.provider, plan.id}));
    const bool is_default =
        terms.default_provider == plan.provider && terms.default_plan == plan.id;
    out.push_back({std::move(p), std::move(plan), n[0].Int(0), is_default});
  }
  return out;
}

// Used by enrollment.cc.
namespace internal {
Result<Provider> ProviderById(SqlConn& sql, const std::string& id) { return ReadProvider(sql, id); }
Result<std::optional<Plan>> PlanById(SqlConn& sql, const std::string& provider,
                                     const std::string& id) {
  return ReadPlan(sql, provider, id);
}
}  // namespace internal

}  // namespace accrue::benefits
