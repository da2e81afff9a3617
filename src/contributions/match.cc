// Government matches of voluntary contributions, settled per calendar year.
#include <algorithm>
#include <map>
#include <set>

#include "contributions/contributions.h"
#include "contributions/internal.h"
#include "eligibility/worker_work.h"

namespace accrue::contributions {
namespace {

constexpr int64_t kCent = Money::kOne / 100;

Money FloorCents(int64_t units) {
  return Money::FromUnits(units < 0 ? -((-units + kCent - 1) / kCent * kCent)
                                    : units / kCent * kCent);
}

bool IsConsentRule(const std::string& rule) {
  return rule.rfind(std::string(kConsentPack) + "@", 0) == 0;
}

// Whether the leg is a voluntary contribution: a one-off, or consent withholding (and its
// reversals).
bool IsVoluntary(const StoredEntry& e, const Leg& leg) {
  if (e.entry.kind == EntryKind::kContribution) return true;
  return IsWorkEntry(e.entry.kind) && IsConsentRule(leg.rule);
}

struct Program {
  const PolicyPack* pack = nullptr;
  const PolicyVersion* version = nullptr;
  const MatchRule* rule = nullptr;
};

// The match rules of the jurisdiction packs along the worker's home chain, in force on `day`.
std::vector<Program> ProgramsFor(const Registry& registry, const Worker& worker, Date day) {
  std::vector<Program> out;
  if (worker.home_jurisdiction.empty()) return out;
  const std::vector<std::string> chain = registry.Chain(worker.home_jurisdiction);
  for (const std::string& code : chain) {
    for (const PackPtr& pack : registry.policies().packs()) {
      if (pack->kind != PackKind::kJurisdiction || pack->jurisdiction != code) continue;
      const PolicyVersion* v = pack->VersionOn(day);
      if (v == nullptr) continue;
      for (const MatchRule& rule : v->matches) out.push_back({pack.get(), v, &rule});
    }
  }
  return out;
}

// The day a settlement for `year` on `day` is dated.
Date SettlementDay(int year, Date day) { return std::min(day, Date::FromYmd(year, 12, 31)); }

Status CheckYear(int year, Date day) {
  if (year < 2000 || year > 9998) {
    return Status::Invalid("year must be between 2000 and 9998 (got " + std::to_string(year) + ")");
  }
  if (day < Date::FromYmd(year, 1, 1)) {
    return Status::Invalid(std::to_string(year) + " has not begun on " + day.ToString());
  }
  return Status::Ok();
}

// The worker's lines for `year` as of `as_of`, from the ledger.
Result<std::vector<MatchLine>> Lines(Store& store, const Registry& registry, const Worker& worker,
                                     int year, Date as_of) {
  std::vector<MatchLine> out;
  const std::vector<Program> programs = ProgramsFor(registry, worker, as_of);
  if (programs.empty()) return out;
  ASSIGN_OR_RETURN(auto entries, store.WorkerEntries(worker.account));
  ASSIGN_OR_RETURN(auto reports, CurrentWorkReports(store, worker.account));
  Money earnings;
  for (const WorkReport& r : reports) {
    if (r.work_date.year() == year) earnings += r.earnings;
  }
  // A correction's first legs reverse the report it replaced: they count in that report's year.
  std::map<std::pair<std::string, std::string>, Date> dated;
  for (const StoredEntry& e : entries) {
    if (IsWorkEntry(e.entry.kind)) {
      dated[{e.entry.report.entity, e.entry.report.report_id}] = e.entry.report.work_date;
    }
  }
  auto leg_day = [&](const StoredEntry& e, size_t i) {
    const WorkReport& r = e.entry.report;
    if (i < e.entry.reversed_legs && !r.replaces.empty()) {
      if (auto it = dated.find({r.entity, r.replaces}); it != dated.end()) return it->second;
    }
    return r.work_date;
  };
  for (const Program& p : programs) {
    MatchLine line;
    line.account = worker.account;
    line.benefit = p.rule->benefit;
    line.program = p.pack->id;
    line.jurisdiction = p.pack->jurisdiction;
    line.rule = RuleUid(*p.pack, *p.version, "match." + p.rule->benefit);
    line.earnings = earnings;
    const std::string key = WorkerAccount(worker.account, line.benefit, Unit::kMoney);
    const std::string posted_prefix = p.pack->id + "@";
    for (const StoredEntry& e : entries) {
      for (size_t i = 0; i < e.entry.legs.size(); ++i) {
        const Leg& leg = e.entry.legs[i];
        if (leg.account != key || leg_day(e, i).year() != year) continue;
        if (IsVoluntary(e, leg)) line.contributions += Money::FromUnits(leg.amount);
        if (e.entry.kind == EntryKind::kMatch && leg.rule.rfind(posted_prefix, 0) == 0) {
          line.posted += Money::FromUnits(leg.amount);
        }
      }
    }
    const MatchRule& rule = *p.rule;
    line.counted = std::max(Money(), line.contributions);
    std::string basis = "contributions " + line.contributions.ToString(2);
    if (rule.counts_up_to && line.counted > *rule.counts_up_to) {
      line.counted = *rule.counts_up_to;
      basis += ", counted up to " + rule.counts_up_to->ToString(2);
    }
    line.rate = rule.rate;
    if (rule.income_limit && earnings >= *rule.income_limit) {
      line.rate = Ratio();
      basis += "; earnings " + earnings.ToString(2) + " at or above the limit " +
               rule.income_limit->ToString(2);
    } else if (rule.phase_out_from && earnings > *rule.phase_out_from) {
      // The rate falls in a straight line from the phase-out's start to the income limit.
      ASSIGN_OR_RETURN(int64_t units,
                       MulDiv(rule.rate.units(), (*rule.income_limit - earnings).units(),
                              (*rule.income_limit - *rule.phase_out_from).units()));
      line.rate = Ratio::FromUnits(units);
      basis += "; earnings " + earnings.ToString(2) + " in the phase-out from " +
               rule.phase_out_from->ToString(2) + " to " + rule.income_limit->ToString(2);
    }
    ASSIGN_OR_RETURN(Money due, Times(line.counted, line.rate));
    basis += " x " + FormatPercent(line.rate);
    due = FloorCents(due.units());
    if (rule.year_cap && due > *rule.year_cap) {
      due = *rule.year_cap;
      basis += ", capped at " + rule.year_cap->ToString(2) + " a year";
    }
    line.due = due;
    line.adjustment = line.due - line.posted;
    line.basis = basis + " = " + due.ToString(2);
    out.push_back(std::move(line));
  }
  return out;
}

// The workers with voluntary contributions or match postings dated in `year`.
Result<std::vector<AccountNumber>> WorkersOf(Store& store, int year) {
  std::set<uint64_t> seen;
  RETURN_IF_ERROR(store.ScanEntries(
      Date::FromYmd(year, 1, 1), Date::FromYmd(year, 12, 31), [&](const StoredEntry& e) {
        for (const Leg& leg : e.entry.legs) {
          if ((IsVoluntary(e, leg) || e.entry.kind == EntryKind::kMatch) &&
              WorkerOfAccount(leg.account).valid()) {
            seen.insert(WorkerOfAccount(leg.account).value());
          }
        }
        return Status::Ok();
      }));
  std::vector<AccountNumber> out;
  for (uint64_t v : seen) out.push_back(AccountNumber::FromValue(v));
  return out;
}

// Takes back no more than the worker's account holds now (less what this settlement already
// takes from it): money paid out is gone, and a balance never goes below zero.
Status LimitTakeBack(Store& store, MatchLine* line, std::map<std::string, Money>* taken) {
  const std::string key = WorkerAccount(line->account, line->benefit, Unit::kMoney);
  ASSIGN_OR_RETURN(int64_t balance, store.Balance(key));
  const Money held = std::max(Money(), Money::FromUnits(balance) + (*taken)[key]);
  if (-line->adjustment > held) {
    line->not_taken_back = -line->adjustment - held;
    line->adjustment = -held;
  }
  (*taken)[key] += line->adjustment;
  return Status::Ok();
}

}  // namespace

Result<std::vector<MatchLine>> EstimateMatch(Store& store, const Registry& registry,
                                             AccountNumber account, int year, Date day) {
  RETURN_IF_ERROR(CheckYear(year, day));
  ASSIGN_OR_RETURN(auto worker, store.FindWorker(account));
  if (!worker) return Status::NotFound("no worker has account number " + account.ToString());
  return Lines(store, registry, *worker, year, SettlementDay(year, day));
}

Result<Settlement> SettleMatch(Store& store, const Registry& registry, int year, Date day) {
  RETURN_IF_ERROR(CheckYear(year, day));
  Settlement out;
  out.year = year;
  out.day = SettlementDay(year, day);
  RETURN_IF_ERROR(store.Begin());
  // Read and post under the write lock, so two settlements cannot both post the same match.
  auto settle = [&]() -> Status {
    ASSIGN_OR_RETURN(auto workers, WorkersOf(store, year));
    std::vector<Entry> entries;
    std::map<std::string, Money> taken;  // by account: negative adjustments staged so far
    for (AccountNumber account : workers) {
      ASSIGN_OR_RETURN(auto worker, store.FindWorker(account));
      if (!worker) continue;
      ASSIGN_OR_RETURN(auto lines, Lines(store, registry, *worker, year, out.day));
      int64_t n = 0;
      ASSIGN_OR_RETURN(auto stored, store.WorkerEntries(account));
      for (const StoredEntry& e : stored) {
        if (e.entry.kind == EntryKind::kMatch && e.entry.report.work_date.year() == year) ++n;
      }
      for (MatchLine& line : lines) {
        if (line.adjustment.is_negative()) RETURN_IF_ERROR(LimitTakeBack(store, &line, &taken));
        if (!line.adjustment.is_zero()) {
          Credit c;
          c.kind = EntryKind::kMatch;
          c.worker = account;
          c.reference =
              AccountDigits(account) + ":" + std::to_string(year) + ":" + std::to_string(++n);
          c.day = out.day;
          c.benefit = line.benefit;
          c.amount = line.adjustment;
          c.jurisdiction = line.jurisdiction;
          c.rule = line.rule;
          c.rate = FormatPercent(line.rate);
          c.note = std::to_string(year) + " match: " + line.basis +
                   (line.posted.is_zero() ? "" : ", less " + line.posted.ToString(2) + " posted") +
                   (line.not_taken_back.is_zero()
                        ? ""
                        : "; " + line.not_taken_back.ToString(2) +
                              " not taken back: the account no longer holds it");
          entries.push_back(BuildCredit(c));
          ++out.entries;
          out.posted += line.adjustment;
        }
        out.lines.push_back(std::move(line));
      }
    }
    if (!entries.empty()) RETURN_IF_ERROR(store.Append(entries));
    return Status::Ok();
  };
  Status st = settle();
  if (!st.ok()) {
    store.Rollback();
    return st;
  }
  if (out.entries == 0) {
    store.Rollback();
    return out;
  }
  auto receipt = store.Commit("match " + std::to_string(year));
  if (!receipt.ok()) return receipt.status();
  return out;
}

nlohmann::json ToJson(const MatchLine& l) {
  return {{"account", l.account.ToString()},
          {"benefit", l.benefit},
          {"program", l.program},
          {"jurisdiction", l.jurisdiction},
          {"rule", l.rule},
          {"contributions", l.contributions.ToString(2)},
          {"counted", l.counted.ToString(2)},
          {"earnings", l.earnings.ToString(2)},
          {"rate", FormatPercent(l.rate)},
          {"due", l.due.ToString(2)},
          {"posted", l.posted.ToString(2)},
          {"adjustment", l.adjustment.ToString(2)},
          {"not_taken_back", l.not_taken_back.ToString(2)},
          {"basis", l.basis}};
}

nlohmann::json ToJson(const Settlement& s) {
  nlohmann::json lines = nlohmann::json::array();
  for (const MatchLine& l : s.lines) lines.push_back(ToJson(l));
  return {{"year", s.year},
          {"day", s.day.ToString()},
          {"entries", s.entries},
          {"posted", s.posted.ToString(2)},
          {"lines", lines}};
}

}  // namespace accrue::contributions
