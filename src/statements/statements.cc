#include "statements/statements.h"

#include <map>

#include "ledger/ledger.h"

namespace accrue {
namespace {

// "W/<account>/<benefit>[/h]" → benefit.
std::string BenefitOf(const std::string& key) {
  const size_t start = key.find('/', 2) + 1;
  const size_t end = key.find('/', start);
  return key.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

Result<Worker> FindWorkerOrFail(Store& store, AccountNumber account) {
  ASSIGN_OR_RETURN(auto worker, store.FindWorker(account));
  if (!worker) return Status::NotFound("no worker has account number " + account.ToString());
  return *worker;
}

bool AllDigits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

StatementCell M(Money m) { return {m.ToFixed(2), true}; }
StatementCell H(Hours h) { return {h.ToFixed(2), false}; }
StatementCell T(std::string s) { return {std::move(s), false}; }

// Who a credit came from: the hiring entity, or for a worker's voluntary money and a
// government match, a source of its own.
std::string SourceOf(const StoredEntry& e, const Leg& leg) {
  if (e.entry.kind == EntryKind::kContribution) return "voluntary (one-off)";
  if (e.entry.kind == EntryKind::kMatch) return "match (" + e.entry.report.jurisdiction + ")";
  if (leg.rule.rfind("consent@", 0) == 0) {
    return "voluntary (withheld by " + e.entry.report.entity + ")";
  }
  return e.entry.report.entity;
}

// The hiring entity behind a credit, or the source for money that no entity paid.
std::string EntityOf(const StoredEntry& e, const Leg& leg) {
  return IsWorkEntry(e.entry.kind) ? e.entry.report.entity : SourceOf(e, leg);
}

std::string Party(const Worker& w) { return w.name + ", account " + w.account.ToString(); }

}  // namespace

Result<Date> ParseStatementMonth(const std::string& text) {
  if (text.size() != 7 || text[4] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5))) {
    return Status::Invalid("month '" + text.substr(0, 20) + "' must be YYYY-MM");
  }
  auto date = Date::Parse(text + "-01");
  if (!date.ok() || date->year() < 1900) {
    return Status::Invalid("month '" + text + "' is not a calendar month");
  }
  return *date;
}

Result<int> ParseStatementYear(const std::string& text) {
  if (text.size() != 4 || !AllDigits(text) || std::stoi(text) < 1900) {
    return Status::Invalid("year '" + text.substr(0, 20) + "' must be YYYY (1900 or later)");
  }
  return std::stoi(text);
}

Result<WorkerMonthlyNotice> BuildWorkerMonthlyNotice(Store& store, AccountNumber account,
                                                     const std::string& month) {
  if (auto valid = ParseStatementMonth(month); !valid.ok()) return valid.status();
  ASSIGN_OR_RETURN(Worker worker, FindWorkerOrFail(store, account));
  ASSIGN_OR_RETURN(auto entries, store.WorkerEntries(account));
  WorkerMonthlyNotice out;
  out.worker = worker;
  out.month = month;
  const std::string prefix = WorkerAccountPrefix(account);
  std::map<std::string, NoticeBenefitLine> benefits;
  std::map<std::string, Money> by_entity;
  for (const StoredEntry& e : entries) {
    const Date day = e.entry.report.work_date;
    const std::string key = day.MonthKey();
    if (key > month) continue;
    const bool payout = e.entry.kind == EntryKind::kPayout;
    for (const Leg& leg : e.entry.legs) {
      if (leg.account.rfind(prefix, 0) != 0) continue;
      NoticeBenefitLine& b = benefits[BenefitOf(leg.account)];
      b.benefit = BenefitOf(leg.account);
      if (leg.unit == Unit::kHours) {
        const Hours h = Hours::FromUnits(leg.amount);
        if (key < month) {
          b.opening_hours += h;
        } else if (payout) {
          b.hours_used -= h;
        } else {
          b.hours_credited += h;
        }
        continue;
      }
      const Money m = Money::FromUnits(leg.amount);
      if (key < month) {
        b.opening += m;
      } else if (payout) {
        b.payouts -= m;
      } else {
        b.credits += m;
        by_entity[EntityOf(e, leg)] += m;
      }
    }
  }
  for (auto& [name, b] : benefits) {
    b.closing = b.opening + b.credits - b.payouts;
    b.closing_hours = b.opening_hours + b.hours_credited - b.hours_used;
    out.opening += b.opening;
    out.credits += b.credits;
    out.payouts += b.payouts;
    out.closing += b.closing;
    out.benefits.push_back(b);
  }
  for (const auto& [entity, money] : by_entity) {
    if (!money.is_zero()) out.credits_by_entity.push_back({entity, money});
  }
  return out;
}

Result<WorkerAnnualStatement> BuildWorkerAnnualStatement(Store& store, AccountNumber account,
                                                         int year) {
  ASSIGN_OR_RETURN(Worker worker, FindWorkerOrFail(store, account));
  ASSIGN_OR_RETURN(auto entries, store.WorkerEntries(account));
  WorkerAnnualStatement out;
  out.worker = worker;
  out.year = year;
  const std::string prefix = WorkerAccountPrefix(account);
  std::map<std::string, AnnualBenefitLine> benefits;
  std::map<std::pair<std::string, Payer>, Money> by_source;
  std::map<std::string, Money> by_entity;
  for (const StoredEntry& e : entries) {
    if (e.entry.report.work_date.year() != year) continue;
    const bool payout = e.entry.kind == EntryKind::kPayout;
    for (const Leg& leg : e.entry.legs) {
      if (leg.account.rfind(prefix, 0) != 0) continue;
      AnnualBenefitLine& b = benefits[BenefitOf(leg.account)];
      b.benefit = BenefitOf(leg.account);
      if (leg.unit == Unit::kHours) {
        const Hours h = Hours::FromUnits(leg.amount);
        if (payout) {
          b.hours_used -= h;
        } else {
          b.hours_credited += h;
        }
        continue;
      }
      const Money m = Money::FromUnits(leg.amount);
      if (payout) {
        b.payouts -= m;
        out.payouts -= m;
      } else {
        b.credits += m;
        out.credits += m;
        by_source[{SourceOf(e, leg), leg.payer}] += m;
        by_entity[EntityOf(e, leg)] += m;
      }
    }
  }
  for (const auto& [name, b] : benefits) out.by_benefit.push_back(b);
  for (const auto& [key, money] : by_source) {
    if (!money.is_zero()) out.by_source.push_back({key.first, key.second, money});
  }
  for (const auto& [entity, money] : by_entity) {
    if (!money.is_zero()) out.by_entity.push_back({entity, money});
  }
  return out;
}

Result<EntityAnnualStatement> BuildEntityAnnualStatement(Store& store, const std::string& entity,
                                                         int year) {
  ASSIGN_OR_RETURN(auto entities, store.ListEntities());
  EntityAnnualStatement out;
  bool found = false;
  for (const HiringEntity& h : entities) {
    if (h.id == entity) {
      out.entity = h;
      found = true;
    }
  }
  if (!found) return Status::NotFound("no hiring entity has id '" + entity.substr(0, 60) + "'");
  out.year = year;
  // E/<entity>/<YYYY-MM>/employer|withheld: a leg owed by the entity is a debit there.
  const std::string prefix = "E/" + entity + "/" + std::to_string(year) + "-";
  std::map<std::string, EntityMonthLine> months;
  std::string after;
  constexpr int64_t kPage = 1000;
  while (true) {
    ASSIGN_OR_RETURN(auto page, store.EntityEntries(entity, after, kPage));
    for (const StoredEntry& e : page) {
      for (const Leg& leg : e.entry.legs) {
        if (leg.unit != Unit::kMoney || leg.account.rfind(prefix, 0) != 0) continue;
        const std::string month = leg.account.substr(prefix.size() - 5, 7);
        const std::string kind = leg.account.substr(prefix.size() + 2);
        EntityMonthLine& line = months[month];
        line.month = month;
        const Money owed = -Money::FromUnits(leg.amount);
        if (kind == "/withheld") {
          line.withheld += owed;
        } else {
          line.employer += owed;
        }
        line.total += owed;
      }
    }
    if (static_cast<int64_t>(page.size()) < kPage) break;
    after = page.back().entry.report.report_id;
  }
  for (const auto& [month, line] : months) {
    if (line.employer.is_zero() && line.withheld.is_zero()) continue;
    out.months.push_back(line);
    out.employer += line.employer;
    out.withheld += line.withheld;
    out.total += line.total;
  }
  return out;
}

StatementDocument ToDocument(const WorkerMonthlyNotice& s) {
  StatementDocument d;
  d.title = "Monthly balance notice";
  d.party = Party(s.worker);
  d.period = s.month;
  d.file_stem = "accrue-notice-" + AccountDigits(s.worker.account) + "-" + s.month;
  StatementTable balances{"Balances by benefit",
                          {"Benefit", "Opening", "Credits", "Paid out", "Closing"}};
  StatementTable hours{"Leave hours", {"Benefit", "Opening", "Accrued", "Used", "Closing"}};
  for (const auto& b : s.benefits) {
    balances.rows.push_back({T(b.benefit), M(b.opening), M(b.credits), M(b.payouts), M(b.closing)});
    if (!b.opening_hours.is_zero() || !b.hours_credited.is_zero() || !b.hours_used.is_zero()) {
      hours.rows.push_back({T(b.benefit), H(b.opening_hours), H(b.hours_credited), H(b.hours_used),
                            H(b.closing_hours)});
    }
  }
  balances.total = {T("Total"), M(s.opening), M(s.credits), M(s.payouts), M(s.closing)};
  StatementTable entities{"Credits by hiring entity", {"Hiring entity", "Credits"}};
  for (const auto& e : s.credits_by_entity) entities.rows.push_back({T(e.entity), M(e.money)});
  entities.total = {T("Total"), M(s.credits)};
  d.tables = {balances, entities, hours};
  d.note = "Amounts by work date; corrections are netted. Leave hours in hours.";
  return d;
}

StatementDocument ToDocument(const WorkerAnnualStatement& s) {
  StatementDocument d;
  d.title = "Annual worker statement";
  d.party = Party(s.worker);
  d.period = std::to_string(s.year);
  d.file_stem = "accrue-statement-" + AccountDigits(s.worker.account) + "-" + d.period;
  StatementTable benefits{"By benefit",
                          {"Benefit", "Credits", "Paid out", "Hours accrued", "Hours used"}};
  for (const auto& b : s.by_benefit) {
    benefits.rows.push_back(
        {T(b.benefit), M(b.credits), M(b.payouts), H(b.hours_credited), H(b.hours_used)});
  }
  benefits.total = {T("Total"), M(s.credits), M(s.payouts), T(""), T("")};
  StatementTable sources{"By source", {"Hiring entity", "Payer", "Credits"}};
  for (const auto& p : s.by_source) {
    sources.rows.push_back({T(p.entity), T(PayerName(p.payer)), M(p.money)});
  }
  sources.total = {T("Total"), T(""), M(s.credits)};
  StatementTable entities{"By hiring entity", {"Hiring entity", "Credits"}};
  for (const auto& e : s.by_entity) entities.rows.push_back({T(e.entity), M(e.money)});
  entities.total = {T("Total"), M(s.credits)};
  d.tables = {benefits, sources, entities};
  d.note = "Amounts by work date; corrections are netted.";
  return d;
}

StatementDocument ToDocument(const EntityAnnualStatement& s) {
  StatementDocument d;
  d.title = "Annual contribution statement";
  d.party = s.entity.name + ", hiring entity " + s.entity.id;
  d.period = std::to_string(s.year);
  d.file_stem = "accrue-contributions-" + s.entity.id + "-" + d.period;
  StatementTable months{"Contributions by month",
                        {"Month", "Employer share", "Withheld from workers", "Total"}};
  for (const auto& m : s.months) {
    months.rows.push_back({T(m.month), M(m.employer), M(m.withheld), M(m.total)});
  }
  months.total = {T("Total"), M(s.employer), M(s.withheld), M(s.total)};
  d.tables = {months};
  d.note =
      "Employer share: paid by the hiring entity. Withheld: deducted from workers' pay and "
      "paid on their behalf. Corrections are netted.";
  return d;
}

}  // namespace accrue
