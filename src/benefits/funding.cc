// Invoices, remittances, delinquency, reserves and the fund journal's audit.
#include "benefits/funding.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "base/ids.h"
#include "benefits/benefits.h"
#include "benefits/internal.h"
#include "ledger/ledger.h"

namespace accrue::benefits {

using internal::AccountKey;
using internal::AccountOfKey;

namespace internal {

Status FundTxn::Post(SqlConn& sql, Date date) {
  if (legs_.empty()) return Status::Ok();
  int64_t sum = 0;
  for (const FundLeg& l : legs_) sum += l.cents;
  if (sum != 0) throw std::logic_error("fund transaction " + kind_ + " does not balance");
  ASSIGN_OR_RETURN(int64_t txn, NextId(sql, "benefit_fund_txns", "txn"));
  RETURN_IF_ERROR(sql.Query("INSERT INTO benefit_fund_txns(txn, day, kind, ref) VALUES($1, $2, "
                            "$3, $4)",
                            {txn, date.ToString(), kind_, ref_})
                      .status());
  int64_t seq = 0;
  for (const FundLeg& l : legs_) {
    RETURN_IF_ERROR(sql.Query("INSERT INTO benefit_fund_legs(txn, seq, fund, account, invoice, "
                              "cents) VALUES($1, $2, $3, $4, $5, $6)",
                              {txn, ++seq, l.fund, l.account, l.invoice, l.cents})
                        .status());
  }
  return Status::Ok();
}

Result<std::vector<std::pair<std::string, int64_t>>> FundedByProvider(SqlConn& sql,
                                                                      int64_t account) {
  ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT fund, CAST(sum(cents) AS BIGINT) FROM "
                                        "benefit_fund_legs WHERE account = $1 AND fund LIKE "
                                        "'provider/%' GROUP BY fund ORDER BY fund",
                                        {account}));
  std::vector<std::pair<std::string, int64_t>> out;
  for (const SqlRow& r : rows) {
    if (r.Int(1) != 0) out.emplace_back(r.Text(0).substr(9), r.Int(1));
  }
  return out;
}

}  // namespace internal

// ---- Periods ----

Result<Period> Period::Parse(std::string_view text) {
  const std::string t(text);
  auto bad = [&] {
    return Status::Invalid("'" + t + "' is not a billing period (YYYY-MM or YYYY-Qn)");
  };
  if (t.size() == 7 && t[5] == 'Q' && t[6] >= '1' && t[6] <= '4') {
    auto first = Date::Parse(t.substr(0, 4) + "-" +
                             std::string(t[6] == '1'   ? "01"
                                         : t[6] == '2' ? "04"
                                         : t[6] == '3' ? "07"
                                                       : "10") +
                             "-01");
    if (!first.ok()) return bad();
    const Date next = first->month() == 10 ? Date::FromYmd(first->year() + 1, 1, 1)
                                           : Date::FromYmd(first->year(), first->month() + 3, 1);
    return Period{t, *first, next.AddDays(-1)};
  }
  auto first = t.size() == 7 ? Date::Parse(t + "-01") : Result<Date>(Status::Invalid(""));
  if (!first.ok()) return bad();
  const Date next = first->month() == 12 ? Date::FromYmd(first->year() + 1, 1, 1)
                                         : Date::FromYmd(first->year(), first->month() + 1, 1);
  return Period{t, *first, next.AddDays(-1)};
}

namespace {

constexpr const char* kInvoiceSelect =
    "SELECT i.id, i.entity, i.period, i.issued, i.due, i.owed, i.carried_in, i.amount_cents, "
    "i.carried_out, "
    "(SELECT CAST(coalesce(sum(c.cents), 0) AS BIGINT) FROM benefit_invoice_charges c WHERE "
    "c.invoice = i.id), "
    "(SELECT CAST(coalesce(sum(f.cents), 0) AS BIGINT) FROM benefit_fund_legs f WHERE f.invoice "
    "= i.id AND f.fund <> 'charges'), "
    "(SELECT CAST(coalesce(sum(f.cents), 0) AS BIGINT) FROM benefit_fund_legs f WHERE f.invoice "
    "= i.id AND f.fund = 'charges'), "
    "(SELECT count(*) FROM benefit_invoice_lines l WHERE l.invoice = i.id) "
    "FROM benefit_invoices i ";

Result<std::vector<Invoice>> ReadInvoices(SqlConn& sql, const std::string& where,
                                          const std::vector<SqlValue>& params) {
  ASSIGN_OR_RETURN(auto rows,
                   sql.Query(std::string(kInvoiceSelect) + where + " ORDER BY i.id", params));
  std::vector<Invoice> out;
  for (const SqlRow& r : rows) {
    auto issued = Date::Parse(r.Text(3)), due = Date::Parse(r.Text(4));
    if (!issued.ok() || !due.ok()) return Status::Corruption("invoice dates");
    Invoice inv;
    inv.id = r.Int(0);
    inv.entity = r.Text(1);
    inv.period = r.Text(2);
    inv.issued = *issued;
    inv.due = *due;
    inv.owed_units = r.Int(5);
    inv.carried_in_units = r.Int(6);
    inv.amount_cents = r.Int(7);
    inv.carried_out_units = r.Int(8);
    inv.charges_cents = r.Int(9);
    inv.paid_principal_cents = r.Int(10);
    inv.paid_charges_cents = r.Int(11);
    inv.workers = r.Int(12);
    out.push_back(std::move(inv));
  }
  return out;
}

Result<bool> EntityExists(Store& store, const std::string& entity) {
  ASSIGN_OR_RETURN(auto entities, store.ListEntities());
  return std::any_of(entities.begin(), entities.end(),
                     [&](const HiringEntity& e) { return e.id == entity; });
}

Result<int64_t> FundBalance(SqlConn& sql, const std::string& fund) {
  ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT CAST(coalesce(sum(cents), 0) AS BIGINT) FROM "
                                        "benefit_fund_legs WHERE fund = $1",
                                        {fund}));
  return rows[0].Int(0);
}

// Applies up to `available` cents to the entity's unpaid invoices, oldest first: each
// invoice's principal (split across its workers, held by their providers), then its late
// charges. Adds the legs to `txn`; returns what is left.
Result<int64_t> PayInvoices(Store& store, SqlConn& sql, const Terms& terms,
                            const std::string& entity, int64_t available, Date date,
                            internal::FundTxn* txn,
                            std::vector<RemittanceResult::Applied>* applied) {
  ASSIGN_OR_RETURN(auto invoices, ReadInvoices(sql, "WHERE i.entity = $1", {entity}));
  for (const Invoice& inv : invoices) {
    if (available == 0) break;
    const int64_t principal =
        std::max<int64_t>(0, std::min(available, inv.amount_cents - inv.paid_principal_cents));
    if (principal > 0) {
      ASSIGN_OR_RETURN(auto lines, sql.Query("SELECT l.account, l.owed, (SELECT "
                                             "CAST(coalesce(sum(f.cents), 0) AS BIGINT) FROM "
                                             "benefit_fund_legs f WHERE f.invoice = l.invoice AND "
                                             "f.account = l.account AND f.fund <> 'charges') FROM "
                                             "benefit_invoice_lines l WHERE l.invoice = $1 ORDER "
                                             "BY l.account",
                                             {inv.id}));
      std::vector<int64_t> weights;
      for (const SqlRow& l : lines) weights.push_back(std::max<int64_t>(0, l.Int(1)));
      if (std::all_of(weights.begin(), weights.end(), [](int64_t w) { return w == 0; })) {
        // Only a carried remainder is billed: no worker's line to fund.
        txn->Add({"unattributed", 0, inv.id, principal});
      } else {
        // The cumulative split of everything paid so far, less what each already has, so
        // partial payments add up to the split of the whole.
        const std::vector<int64_t> target =
            AllocateUnits(inv.paid_principal_cents + principal, weights);
        for (size_t i = 0; i < lines.size(); ++i) {
          const int64_t delta = target[i] - lines[i].Int(2);
          if (delta == 0) continue;
          const AccountNumber worker = AccountOfKey(lines[i].Int(0));
          ASSIGN_OR_RETURN(Enrollment e,
                           internal::EnrollDefaultIfNone(store, sql, terms, worker, date));
          txn->Add({"provider/" + e.provider, lines[i].Int(0), inv.id, delta});
        }
      }
    }
    const int64_t charges =
        std::min(available - principal, inv.charges_cents - inv.paid_charges_cents);
    if (charges > 0) txn->Add({"charges", 0, inv.id, charges});
    if (principal + charges > 0 && applied) {
      applied->push_back({inv.id, inv.period, principal, charges});
    }
    available -= principal + charges;
  }
  return available;
}

// What the ledger says the entity owes for months up to `last_month`, in total and per worker
// (the legs the entity or the worker's withholding paid for).
struct Owed {
  int64_t total = 0;
  std::map<int64_t, int64_t> by_account;
};

Status AddPart(const Entry& e, size_t begin, size_t end, const std::string& prefix,
               const std::string& last_month, Owed* owed) {
  std::string month;
  for (size_t i = begin; i < end; ++i) {
    const std::string& key = e.legs[i].account;
    if (key.compare(0, prefix.size(), prefix) == 0) month = key.substr(prefix.size(), 7);
  }
  if (month.empty() || month > last_month) return Status::Ok();
  int64_t entity_side = 0, worker_side = 0;
  for (size_t i = begin; i < end; ++i) {
    const Leg& leg = e.legs[i];
    if (leg.unit != Unit::kMoney) continue;
    if (leg.account.compare(0, prefix.size(), prefix) == 0) {
      entity_side -= leg.amount;
    } else if (leg.payer != Payer::kGovernment) {
      const AccountNumber w = WorkerOfAccount(leg.account);
      if (!w.valid()) continue;
      owed->by_account[AccountKey(w)] += leg.amount;
      worker_side += leg.amount;
    }
  }
  if (entity_side != worker_side) {
    return Status::Corruption("report " + e.report.entity + "/" + e.report.report_id +
                              ": what the entity owes differs from what its workers were credited");
  }
  owed->total += entity_side;
  return Status::Ok();
}

Result<Owed> OwedThrough(Store& store, const std::string& entity, const std::string& last_month) {
  Owed owed;
  const std::string prefix = "E/" + entity + "/";
  std::string after;
  for (;;) {
    ASSIGN_OR_RETURN(auto entries, store.EntityEntries(entity, after, 1000));
    for (const StoredEntry& s : entries) {
      const Entry& e = s.entry;
      RETURN_IF_ERROR(AddPart(e, 0, e.reversed_legs, prefix, last_month, &owed));
      RETURN_IF_ERROR(AddPart(e, e.reversed_legs, e.legs.size(), prefix, last_month, &owed));
    }
    if (entries.size() < 1000) break;
    after = entries.back().entry.report.report_id;
  }
  return owed;
}

// Issues one entity's invoice; nullopt when it has nothing to bill.
Result<std::optional<Invoice>> IssueOne(Store& store, SqlConn& sql, const Terms& terms,
                                        const std::string& entity, const Period& period,
                                        Date date) {
  ASSIGN_OR_RETURN(auto previous, ReadInvoices(sql, "WHERE i.entity = $1", {entity}));
  int64_t billed = 0, carried_in = 0;
  for (const Invoice& inv : previous) {
    ASSIGN_OR_RETURN(auto p, Period::Parse(inv.period));
    if (p.last > period.last) {
      return Status::Precondition("hiring entity '" + entity + "' already has an invoice for " +
                                  inv.period + ", later than " + period.key);
    }
    billed += inv.owed_units;
    carried_in = inv.carried_out_units;
  }
  ASSIGN_OR_RETURN(Owed owed, OwedThrough(store, entity, period.last.MonthKey()));
  ASSIGN_OR_RETURN(auto prior_rows, sql.Query("SELECT l.account, CAST(sum(l.owed) AS BIGINT) FROM "
                                              "benefit_invoice_lines l JOIN benefit_invoices i ON "
                                              "i.id = l.invoice WHERE i.entity = $1 GROUP BY "
                                              "l.account",
                                              {entity}));
  for (const SqlRow& r : prior_rows) owed.by_account[r.Int(0)] -= r.Int(1);
  const int64_t owed_new = owed.total - billed;
  std::erase_if(owed.by_account, [](const auto& kv) { return kv.second == 0; });
  if (owed_new == 0 && owed.by_account.empty()) return std::optional<Invoice>();

  Invoice inv;
  ASSIGN_OR_RETURN(inv.id, internal::NextId(sql, "benefit_invoices", "id"));
  inv.entity = entity;
  inv.period = period.key;
  inv.issued = date;
  inv.due = period.last.AddDays(static_cast<int32_t>(terms.due_days));
  inv.owed_units = owed_new;
  inv.carried_in_units = carried_in;
  const int64_t total = owed_new + carried_in;
  inv.amount_cents = total > 0 ? total / kCentUnits : 0;
  inv.carried_out_units = total - inv.amount_cents * kCentUnits;
  inv.workers = static_cast<int64_t>(owed.by_account.size());
  RETURN_IF_ERROR(sql.Query("INSERT INTO benefit_invoices(id, entity, period, period_end, issued, "
                            "due, owed, carried_in, amount_cents, carried_out) VALUES($1, $2, $3, "
                            "$4, $5, $6, $7, $8, $9, $10)",
                            {inv.id, entity, period.key, period.last.MonthKey(), date.ToString(),
                             inv.due.ToString(), inv.owed_units, inv.carried_in_units,
                             inv.amount_cents, inv.carried_out_units})
                      .status());
  for (const auto& [account, units] : owed.by_account) {
    RETURN_IF_ERROR(sql.Query("INSERT INTO benefit_invoice_lines(invoice, account, owed) "
                              "VALUES($1, $2, $3)",
                              {inv.id, account, units})
                        .status());
    // Every billed worker is covered by a provider before any money arrives.
    RETURN_IF_ERROR(
        internal::EnrollDefaultIfNone(store, sql, terms, AccountOfKey(account), date).status());
  }
  // Credit the entity holds pays the new invoice at once.
  ASSIGN_OR_RETURN(int64_t credit, FundBalance(sql, "credit/" + entity));
  if (credit > 0) {
    internal::FundTxn txn("credit applied", "invoice " + std::to_string(inv.id));
    ASSIGN_OR_RETURN(int64_t left,
                     PayInvoices(store, sql, terms, entity, credit, date, &txn, nullptr));
    txn.Add({"credit/" + entity, 0, 0, left - credit});
    RETURN_IF_ERROR(txn.Post(sql, date));
  }
  ASSIGN_OR_RETURN(auto stored, ReadInvoices(sql, "WHERE i.id = $1", {inv.id}));
  return std::optional<Invoice>(stored.at(0));
}

}  // namespace

Result<IssueResult> IssueInvoices(Store& store, const std::string& period_text, Date date) {
  ASSIGN_OR_RETURN(Period period, Period::Parse(period_text));
  IssueResult out;
  Status st = internal::Write(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(Terms terms, internal::ReadTerms(sql));
    const bool quarterly = period.key.size() == 7 && period.key[5] == 'Q';
    if (quarterly != (terms.invoice_period == InvoicePeriod::kQuarterly)) {
      return Status::Invalid(
          "the program invoices " + std::string(InvoicePeriodName(terms.invoice_period)) +
          "; give a period such as " + (quarterly ? "2026-11" : "2026-Q4") + ", not " + period.key);
    }
    if (date <= period.last) {
      return Status::Precondition("period " + period.key + " ends " + period.last.ToString() +
                                  "; its invoices can be issued from " +
                                  period.last.AddDays(1).ToString());
    }
    ASSIGN_OR_RETURN(auto entities, store.ListEntities());
    for (const HiringEntity& e : entities) {
      ASSIGN_OR_RETURN(auto existing, sql.Query("SELECT 1 FROM benefit_invoices WHERE entity = "
                                                "$1 AND period = $2",
                                                {e.id, period.key}));
      if (!existing.empty()) {
        ++out.already_issued;
        continue;
      }
      ASSIGN_OR_RETURN(auto inv, IssueOne(store, sql, terms, e.id, period, date));
      if (inv) out.issued.push_back(std::move(*inv));
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<Invoice>> ListInvoices(Store& store, const std::string& entity) {
  RETURN_IF_ERROR(EnsureSchema(store));
  return ReadInvoices(store.sql(), "WHERE $1 = '' OR i.entity = $1", {entity});
}

Result<RemittanceResult> RecordRemittance(Store& store, const std::string& entity, Money amount,
                                          Date date, const std::string& reference) {
  if (amount.units() <= 0 || amount.units() % kCentUnits != 0) {
    return Status::Invalid("a remittance must be a positive amount in whole cents, not " +
                           amount.ToString(2));
  }
  if (!reference.empty()) RETURN_IF_ERROR(ValidateId("remittance reference", reference));
  RemittanceResult out;
  Status st = internal::Write(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(bool exists, EntityExists(store, entity));
    if (!exists) return Status::NotFound("no hiring entity '" + entity + "'");
    if (!reference.empty()) {
      ASSIGN_OR_RETURN(auto dup, sql.Query("SELECT id FROM benefit_remittances WHERE entity = $1 "
                                           "AND reference = $2",
                                           {entity, reference}));
      if (!dup.empty()) {
        return Status::Conflict("remittance '" + reference + "' from '" + entity +
                                "' is already recorded (remittance " +
                                std::to_string(dup[0].Int(0)) + ")");
      }
    }
    ASSIGN_OR_RETURN(Terms terms, internal::ReadTerms(sql));
    Remittance& r = out.remittance;
    ASSIGN_OR_RETURN(r.id, internal::NextId(sql, "benefit_remittances", "id"));
    r.entity = entity;
    r.received = date;
    r.amount_cents = amount.units() / kCentUnits;
    r.reference = reference;
    RETURN_IF_ERROR(sql.Query("INSERT INTO benefit_remittances(id, entity, received, "
                              "amount_cents, reference) VALUES($1, $2, $3, $4, $5)",
                              {r.id, entity, date.ToString(), r.amount_cents, reference})
                        .status());
    internal::FundTxn txn("remittance", "remittance " + std::to_string(r.id));
    txn.Add({"received/" + entity, 0, 0, -r.amount_cents});
    ASSIGN_OR_RETURN(out.credit_cents, PayInvoices(store, sql, terms, entity, r.amount_cents, date,
                                                   &txn, &out.applied));
    txn.Add({"credit/" + entity, 0, 0, out.credit_cents});
    return txn.Post(sql, date);
  });
  if (!st.ok()) return st;
  return out;
}

Result<int64_t> EntityCredit(Store& store, const std::string& entity) {
  RETURN_IF_ERROR(EnsureSchema(store));
  return FundBalance(store.sql(), "credit/" + entity);
}

// ---- Delinquency ----

Result<std::vector<Delinquent>> ListDelinquent(Store& store, Date date) {
  ASSIGN_OR_RETURN(auto invoices, ListInvoices(store));
  std::vector<Delinquent> out;
  for (Invoice& inv : invoices) {
    if (inv.due < date && inv.unpaid_cents() > 0) {
      const int64_t days = date.days() - inv.due.days();
      out.push_back({std::move(inv), days});
    }
  }
  return out;
}

Result<int64_t> AssessLateCharges(Store& store, Date date) {
  int64_t assessed = 0;
  Status st = internal::Write(store, [&](SqlConn& sql) -> Status {
    ASSIGN_OR_RETURN(Terms terms, internal::ReadTerms(sql));
    ASSIGN_OR_RETURN(auto invoices, ReadInvoices(sql, "WHERE i.due < $1", {date.ToString()}));
    for (const Invoice& inv : invoices) {
      const int64_t unpaid = inv.amount_cents - inv.paid_principal_cents;
      if (unpaid <= 0) continue;
      ASSIGN_OR_RETURN(auto charges, sql.Query("SELECT seq, day, kind FROM "
                                               "benefit_invoice_charges WHERE invoice = $1 ORDER "
                                               "BY seq",
                                               {inv.id}));
      bool fee_charged = false;
      Date interest_from = inv.due;
      for (const SqlRow& c : charges) {
        if (c.Text(2) == "late fee") fee_charged = true;
        auto day = Date::Parse(c.Text(1));
        if (!day.ok()) return Status::Corruption("invoice charge date");
        if (c.Text(2) == "interest") interest_from = *day;
      }
      int64_t seq = static_cast<int64_t>(charges.size());
      auto charge = [&](const char* kind, int64_t cents) -> Status {
        assessed += cents;
        return sql
            .Query(
                "INSERT INTO benefit_invoice_charges(invoice, seq, day, kind, cents) "
                "VALUES($1, $2, $3, $4, $5)",
                {inv.id, ++seq, date.ToString(), std::string(kind), cents})
            .status();
      };
      if (!fee_charged && terms.late_fee.units() > 0) {
        RETURN_IF_ERROR(charge("late fee", terms.late_fee.units() / kCentUnits));
      }
      const int64_t days = date.days() - interest_from.days();
      if (terms.annual_interest.units() > 0 && days > 0) {
        // unpaid cents x rate x days / 365, rounded half to even to the cent.
        const __int128 num = static_cast<__int128>(unpaid) * terms.annual_interest.units() * days;
        const __int128 den = static_cast<__int128>(Ratio::kOne) * 365;
        __int128 cents = num / den;
        const __int128 rem = num % den;
        if (2 * rem > den || (2 * rem == den && cents % 2 == 1)) ++cents;
        if (cents > 0) RETURN_IF_ERROR(charge("interest", static_cast<int64_t>(cents)));
      }
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return assessed;
}

// ---- Earned and funded ----

namespace {

Result<Money> EarnedMoney(Store& store, AccountNumber account) {
  ASSIGN_OR_RETURN(auto balances, store.WorkerBalances(account));
  Money sum;
  for (const AccountBalance& b : balances) {
    if (b.unit == Unit::kMoney) sum += Money::FromUnits(b.amount);
  }
  return sum;
}

}  // namespace

Result<WorkerFunding> FundingOf(Store& store, AccountNumber account) {
  RETURN_IF_ERROR(EnsureSchema(store));
  SqlConn& sql = store.sql();
  ASSIGN_OR_RETURN(auto worker, store.FindWorker(account));
  if (!worker) return Status::NotFound("no worker with account " + account.ToString());
  WorkerFunding f;
  f.account = account;
  ASSIGN_OR_RETURN(auto e, internal::ReadEnrollment(sql, account));
  if (e) {
    f.provider = e->provider;
    f.plan = e->plan;
  }
  ASSIGN_OR_RETURN(f.earned, EarnedMoney(store, account));
  ASSIGN_OR_RETURN(auto invoiced, sql.Query("SELECT CAST(coalesce(sum(owed), 0) AS BIGINT) FROM "
                                            "benefit_invoice_lines WHERE account = $1",
                                            {AccountKey(account)}));
  f.invoiced = Money::FromUnits(invoiced[0].Int(0));
  ASSIGN_OR_RETURN(auto held, internal::FundedByProvider(sql, AccountKey(account)));
  int64_t net = 0;
  for (const auto& h : held) net += h.second;
  f.funded_cents = std::max<int64_t>(0, net);
  f.advanced_cents = std::max<int64_t>(0, -net);
  return f;
}

Result<std::vector<ProviderReserve>> Reserves(Store& store) {
  ASSIGN_OR_RETURN(auto providers, ListProviders(store));
  SqlConn& sql = store.sql();
  std::vector<ProviderReserve> out;
  for (const Provider& p : providers) {
    ProviderReserve r;
    r.provider = p.id;
    r.required = p.reserve_ratio;
    ASSIGN_OR_RETURN(r.funded_cents, FundBalance(sql, "provider/" + p.id));
    ASSIGN_OR_RETURN(auto members, sql.Query("SELECT account FROM benefit_enrollments WHERE "
                                             "provider = $1 ORDER BY account",
                                             {p.id}));
    r.members = static_cast<int64_t>(members.size());
    for (const SqlRow& m : members) {
      ASSIGN_OR_RETURN(Money earned, EarnedMoney(store, AccountOfKey(m.Int(0))));
      r.earned += earned;
    }
    const __int128 funded_units = static_cast<__int128>(r.funded_cents) * kCentUnits;
    if (r.earned.units() > 0) {
      r.ratio =
          Ratio::FromUnits(static_cast<int64_t>(funded_units * Ratio::kOne / r.earned.units()));
    }
    r.meets =
        funded_units * Ratio::kOne >= static_cast<__int128>(r.required.units()) * r.earned.units();
    out.push_back(std::move(r));
  }
  return out;
}

// ---- Cash paid in and out for a worker ----

namespace {

int64_t WholeCentsOf(Money amount) {
  if (amount.units() % kCentUnits != 0) {
    throw std::logic_error("cash moves in whole cents, not " + amount.ToString());
  }
  return amount.units() / kCentUnits;
}

}  // namespace

Status FundOneOff(Store& store, AccountNumber account, Money amount, const std::string& reference,
                  Date date) {
  const int64_t cents = WholeCentsOf(amount);
  SqlConn& sql = store.sql();
  RETURN_IF_ERROR(internal::TakeWriteLock(sql));
  ASSIGN_OR_RETURN(Terms terms, internal::ReadTerms(sql));
  ASSIGN_OR_RETURN(auto current, internal::ReadEnrollment(sql, account));
  std::string provider;  // empty: held for the account until it has a provider
  if (current) {
    provider = current->provider;
  } else if (!terms.default_provider.empty()) {
    ASSIGN_OR_RETURN(Enrollment e, internal::EnrollDefaultIfNone(store, sql, terms, account, date));
    provider = e.provider;
  }
  const int64_t key = AccountKey(account);
  internal::FundTxn txn("one-off", reference);
  txn.Add({"paid-in", key, 0, -cents});
  txn.Add({"provider/" + provider, key, 0, cents});
  return txn.Post(sql, date);
}

Status DrawPayout(Store& store, AccountNumber account, const std::string& provider, Money amount,
                  const std::string& reference, Date date) {
  const int64_t cents = WholeCentsOf(amount);
  SqlConn& sql = store.sql();
  RETURN_IF_ERROR(internal::TakeWriteLock(sql));
  const int64_t key = AccountKey(account);
  internal::FundTxn txn("payout", reference);
  txn.Add({"provider/" + provider, key, 0, -cents});
  txn.Add({"paid-out/" + provider, key, 0, cents});
  return txn.Post(sql, date);
}

// ---- Audit ----

namespace {

// Cents per ledger reference of `entity`'s entries: `sign` times their money legs on worker
// accounts (one-offs credit the worker, payouts debit).
Result<std::map<std::string, int64_t>> LedgerCash(Store& store, const std::string& entity,
                                                  int64_t sign) {
  std::map<std::string, int64_t> out;
  std::string after;
  for (;;) {
    ASSIGN_OR_RETURN(auto page, store.EntityEntries(entity, after, 1000));
    for (const StoredEntry& s : page) {
      int64_t units = 0;
      for (const Leg& l : s.entry.legs) {
        if (l.unit == Unit::kMoney && l.account.starts_with("W/")) units += sign * l.amount;
      }
      if (units != 0) out[s.entry.report.report_id] = units / kCentUnits;
    }
    if (page.size() < 1000) break;
    after = page.back().entry.report.report_id;
  }
  return out;
}

// Cents per reference of the fund journal's transactions of `kind` on the providers' side.
Result<std::map<std::string, int64_t>> JournalCash(SqlConn& sql, const std::string& kind,
                                                   int64_t sign) {
  ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT t.ref, CAST(sum(l.cents) AS BIGINT) FROM "
                                        "benefit_fund_txns t JOIN benefit_fund_legs l ON l.txn = "
                                        "t.txn WHERE t.kind = $1 AND l.fund LIKE 'provider/%' "
                                        "GROUP BY t.ref",
                                        {kind}));
  std::map<std::string, int64_t> out;
  for (const SqlRow& r : rows) out[r.Text(0)] = sign * r.Int(1);
  return out;
}

// The one-offs and payouts of the ledger each moved the same cash in the fund journal.
Status CheckCashAgainstLedger(Store& store, std::vector<std::string>* problems) {
  SqlConn& sql = store.sql();
  const struct {
    const char* entity;
    const char* kind;
    int64_t sign;
    const char* what;
  } flows[] = {{kContributionEntity, "one-off", 1, "one-off contribution"},
               {kPayoutEntity, "payout", -1, "payout"}};
  for (const auto& f : flows) {
    ASSIGN_OR_RETURN(auto ledger, LedgerCash(store, f.entity, f.sign));
    ASSIGN_OR_RETURN(auto journal, JournalCash(sql, f.kind, f.sign));
    for (const auto& [ref, cents] : ledger) {
      auto it = journal.find(ref);
      if (it == journal.end()) {
        problems->push_back(std::string(f.what) + " " + ref +
                            " is in the ledger but not in the fund journal");
      } else if (it->second != cents) {
        problems->push_back(std::string(f.what) + " " + ref + " moved " +
                            std::to_string(it->second) + " cents in the fund journal and " +
                            std::to_string(cents) + " in the ledger");
      }
    }
    for (const auto& [ref, cents] : journal) {
      if (!ledger.contains(ref)) {
        problems->push_back(std::string(f.what) + " " + ref +
                            " is in the fund journal but not in the ledger");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> VerifyFunds(Store& store) {
  RETURN_IF_ERROR(EnsureSchema(store));
  SqlConn& sql = store.sql();
  std::vector<std::string> problems;
  ASSIGN_OR_RETURN(auto unbalanced, sql.Query("SELECT txn, CAST(sum(cents) AS BIGINT) FROM "
                                              "benefit_fund_legs GROUP BY txn HAVING sum(cents) "
                                              "<> 0 ORDER BY txn"));
  for (const SqlRow& r : unbalanced) {
    problems.push_back("fund transaction " + std::to_string(r.Int(0)) + " is off by " +
                       std::to_string(r.Int(1)) + " cents");
  }
  // Money enters only as recorded remittances.
  std::map<std::string, int64_t> received, remitted;
  ASSIGN_OR_RETURN(auto funds, sql.Query("SELECT fund, CAST(sum(cents) AS BIGINT) FROM "
                                         "benefit_fund_legs GROUP BY fund ORDER BY fund"));
  for (const SqlRow& r : funds) {
    const std::string& fund = r.Text(0);
    if (fund.starts_with("received/")) {
      received[fund.substr(9)] = -r.Int(1);
    } else if (r.Int(1) < 0 && !fund.starts_with("provider/") && fund != "paid-in") {
      problems.push_back("fund " + fund + " is negative: " + std::to_string(r.Int(1)) + " cents");
    }
  }
  ASSIGN_OR_RETURN(auto remits, sql.Query("SELECT entity, CAST(sum(amount_cents) AS BIGINT) FROM "
                                          "benefit_remittances GROUP BY entity"));
  for (const SqlRow& r : remits) remitted[r.Text(0)] = r.Int(1);
  if (received != remitted) {
    problems.push_back("money received in the fund journal differs from the remittances recorded");
  }
  RETURN_IF_ERROR(CheckCashAgainstLedger(store, &problems));
  // Invoices: paid no more than asked, remainders carried from one to the next.
  ASSIGN_OR_RETURN(auto invoices, ReadInvoices(sql, "", {}));
  std::map<std::string, int64_t> carry;
  for (const Invoice& inv : invoices) {
    const std::string name =
        "invoice " + std::to_string(inv.id) + " (" + inv.entity + " " + inv.period + ")";
    if (inv.paid_principal_cents > inv.amount_cents || inv.paid_charges_cents > inv.charges_cents)
      problems.push_back(name + " is paid beyond what it asks");
    if (inv.carried_in_units != carry[inv.entity])
      problems.push_back(name + " does not carry in the previous invoice's remainder");
    if (inv.amount_cents < 0 || inv.amount_cents * kCentUnits + inv.carried_out_units !=
                                    inv.owed_units + inv.carried_in_units)
      problems.push_back(name + ": amount and remainder do not add up to what it bills");
    carry[inv.entity] = inv.carried_out_units;
    ASSIGN_OR_RETURN(auto lines, sql.Query("SELECT CAST(coalesce(sum(owed), 0) AS BIGINT) FROM "
                                           "benefit_invoice_lines WHERE invoice = $1",
                                           {inv.id}));
    if (lines[0].Int(0) != inv.owed_units)
      problems.push_back(name + ": its workers' lines do not add up to what it bills");
  }
  // Each member's funded money sits with their current provider, below zero by no more than
  // the provider advanced (what was paid out to the member).
  ASSIGN_OR_RETURN(auto paid_rows, sql.Query("SELECT account, CAST(sum(cents) AS BIGINT) FROM "
                                             "benefit_fund_legs WHERE fund LIKE 'paid-out/%' "
                                             "GROUP BY account"));
  std::map<int64_t, int64_t> paid_out;
  for (const SqlRow& r : paid_rows) paid_out[r.Int(0)] = r.Int(1);
  ASSIGN_OR_RETURN(auto held, sql.Query("SELECT f.account, f.fund, CAST(sum(f.cents) AS BIGINT), "
                                        "coalesce(e.provider, '') FROM benefit_fund_legs f LEFT "
                                        "JOIN benefit_enrollments e ON e.account = f.account "
                                        "WHERE f.fund LIKE 'provider/%' GROUP BY f.account, "
                                        "f.fund, e.provider ORDER BY f.account, f.fund"));
  for (const SqlRow& r : held) {
    if (r.Int(2) == 0) continue;
    const std::string who = "account " + AccountOfKey(r.Int(0)).ToString();
    if (-r.Int(2) > paid_out[r.Int(0)])
      problems.push_back(who + ": " + r.Text(1) + " holds " + std::to_string(r.Int(2)) +
                         " cents, less than zero by more than was paid out to the member");
    if ("provider/" + r.Text(3) != r.Text(1))
      problems.push_back(who + ": " + r.Text(1) + " holds money but the member is enrolled with " +
                         (r.Text(3).empty() ? "nobody" : r.Text(3)));
  }
  return problems;
}

}  // namespace accrue::benefits
