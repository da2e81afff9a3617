#include "engine/engine.h"

#include <algorithm>

namespace accrue {
namespace {

// One program version's result, kept whole so "max" stacking can keep or drop it.
struct Group {
  std::vector<ContributionLine> contributions;
  std::vector<AccrualLine> accruals;
  std::vector<TotalsDelta> deltas;
  Money total;
  bool Empty() const { return contributions.empty() && accruals.empty(); }
  void Append(Group&& o) {
    for (auto& c : o.contributions) contributions.push_back(std::move(c));
    for (auto& a : o.accruals) accruals.push_back(std::move(a));
    for (auto& d : o.deltas) deltas.push_back(std::move(d));
    total += o.total;
  }
};

struct Context {
  const WorkReport& report;
  const EntityFacts& entity;
  const TotalsSource& totals;
  const std::string& sector;  // the report's, else the entity's
};

template <typename Rule>
bool Covers(const Rule& rule, const Context& ctx) {
  const auto& cls = rule.classifications;
  if (!cls.empty() && std::find(cls.begin(), cls.end(), ctx.report.classification) == cls.end()) {
    return false;
  }
  const auto& sec = rule.sectors;
  return sec.empty() || std::find(sec.begin(), sec.end(), ctx.sector) != sec.end();
}

int64_t Quantity(Basis basis, const WorkReport& r) {
  switch (basis) {
    case Basis::kHours:
      return r.hours.units();
    case Basis::kEarnings:
      return r.earnings.units();
    case Basis::kEarningsWithTips:
      return (r.earnings + r.tips).units();
    case Basis::kJobs:
      return r.jobs;
  }
  return 0;
}

Result<Money> Apply(const Formula& f, int64_t quantity) {
  switch (f.basis) {
    case Basis::kHours:
      return Times(f.per_unit, Hours::FromUnits(quantity));
    case Basis::kJobs:
      return Times(f.per_unit, quantity);
    case Basis::kEarnings:
    case Basis::kEarningsWithTips:
      return Times(Money::FromUnits(quantity), f.percent);
  }
  return Money();
}

int64_t BasisLimit(const Cap& cap, Basis basis) {
  switch (basis) {
    case Basis::kHours:
      return cap.limit_hours.units();
    case Basis::kJobs:
      return cap.limit_jobs;
    default:
      return cap.limit_money.units();
  }
}

std::string PeriodKey(Period p, Date d) {
  switch (p) {
    case Period::kWeek:
      return d.WeekKey();
    case Period::kMonth:
      return d.MonthKey();
    case Period::kQuarter:
      return d.QuarterKey();
    case Period::kYear:
      return d.YearKey();
    default:
      return "";
  }
}

bool IsPerReport(Period p) { return p == Period::kReport || p == Period::kJob; }

std::string CapKey(const std::string& uid, const Cap& cap, const WorkReport& r) {
  std::string key = "cap|" + uid + "|w" + std::to_string(r.worker.value());
  if (cap.scope == CapScope::kWorkerEntity) key += "/e" + r.entity;
  return key + "|" + PeriodKey(cap.per, r.work_date);
}

// The per-report or per-job limit (limit × jobs), or the room left in the period.
int64_t Room(const Cap& cap, int64_t limit, int64_t used_in_period, const WorkReport& r) {
  if (cap.per == Period::kReport) return limit;
  if (cap.per == Period::kJob) return limit * r.jobs;
  return std::max<int64_t>(0, limit - used_in_period);
}

std::string CapNote(const Cap& cap, const std::string& what) {
  return std::string(PeriodName(cap.per)) + " cap on " + what + " reached";
}

// The payers' parts of `amount`: exact when shares total 100%, and when they total less the
// waived share is allocated too and then dropped, so no payer pays more than its share.
std::vector<std::pair<Payer, int64_t>> PayerParts(Money amount,
                                                  const std::map<Payer, Ratio>& payers) {
  std::vector<int64_t> weights;
  int64_t sum = 0;
  for (const auto& [payer, share] : payers) {
    weights.push_back(share.units());
    sum += share.units();
  }
  if (sum < Ratio::kOne) weights.push_back(Ratio::kOne - sum);  // the waived share
  const std::vector<int64_t> parts = AllocateUnits(amount.units(), weights);
  std::vector<std::pair<Payer, int64_t>> out;
  size_t i = 0;
  for (const auto& [payer, share] : payers) out.emplace_back(payer, parts[i++]);
  return out;
}

Status EvaluateRule(const Context& ctx, const PolicyPack& pack, const PolicyVersion& version,
                    const ContributionRule& rule, Group* group) {
  if (!Covers(rule, ctx)) return Status::Ok();
  Formula formula = rule.formula;
  const std::map<Payer, Ratio>* payers = &rule.payers;
  for (const SizeTier& tier : rule.tiers) {
    if (ctx.entity.size >= tier.min_size && ctx.entity.size <= tier.max_size) {
      if (tier.formula) formula = *tier.formula;
      if (tier.payers) payers = &*tier.payers;
      break;
    }
  }
  const std::string uid = RuleUid(pack, version, rule.name);
  const WorkReport& r = ctx.report;
  std::vector<std::string> notes;
  const int64_t reported = Quantity(formula.basis, r);
  int64_t quantity = reported;
  std::map<std::string, RunningTotal> used;  // period caps' running totals, by key
  for (const Cap& cap : rule.caps) {
    if (IsPerReport(cap.per)) continue;
    const std::string key = CapKey(uid, cap, r);
    if (used.count(key) == 0) used[key] = ctx.totals.Total(key);
  }
  for (const Cap& cap : rule.caps) {
    if (cap.on != CapOn::kBasis) continue;
    const int64_t used_basis = IsPerReport(cap.per) ? 0 : used[CapKey(uid, cap, r)].basis;
    const int64_t room = Room(cap, BasisLimit(cap, formula.basis), used_basis, r);
    if (quantity > room) {
      quantity = room;
      notes.push_back(CapNote(cap, BasisName(formula.basis)));
    }
  }
  ASSIGN_OR_RETURN(Money amount, Apply(formula, quantity));
  std::string rate = formula.RateText();
  if (rule.alternative) {
    ASSIGN_OR_RETURN(Money alt, Apply(*rule.alternative, Quantity(rule.alternative->basis, r)));
    const bool take_alt = rule.combine == Combine::kGreater ? alt > amount : alt < amount;
    rate = std::string(rule.combine == Combine::kGreater ? "greater" : "lesser") + " of " + rate +
           " and " + rule.alternative->RateText();
    if (take_alt) amount = alt;
  }
  if (reported > 0 && amount < rule.min_per_report) {
    amount = rule.min_per_report;
    notes.push_back("minimum " + rule.min_per_report.ToString(2) + " per report");
  }
  if (!rule.min_per_job.is_zero()) {
    ASSIGN_OR_RETURN(Money job_min, Times(rule.min_per_job, r.jobs));
    if (amount < job_min) {
      amount = job_min;
      notes.push_back("minimum " + rule.min_per_job.ToString(2) + " per job");
    }
  }
  for (const Cap& cap : rule.caps) {
    if (cap.on != CapOn::kAmount) continue;
    const int64_t used_amount = IsPerReport(cap.per) ? 0 : used[CapKey(uid, cap, r)].amount;
    const int64_t room = Room(cap, cap.limit_money.units(), used_amount, r);
    if (amount.units() > room) {
      amount = Money::FromUnits(room);
      notes.push_back(CapNote(cap, "the amount"));
    }
  }
  for (auto& [key, total] : used) {
    group->deltas.push_back({key, RunningTotal{quantity, amount.units()}});
  }
  if (amount.units() <= 0) return Status::Ok();
  std::string note;
  for (const auto& n : notes) note += (note.empty() ? "" : "; ") + n;
  std::vector<int64_t> split_weights;
  for (const auto& [benefit, weight] : rule.split) split_weights.push_back(weight);
  for (const auto& [payer, part] : PayerParts(amount, *payers)) {
    if (part == 0) continue;
    const std::vector<int64_t> pieces = AllocateUnits(part, split_weights);
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (pieces[i] == 0) continue;
      group->contributions.push_back(
          ContributionLine{&pack, &version, &rule, payer, rule.split[i].first,
                           Money::FromUnits(pieces[i]), formula.basis, quantity, rate, note});
      group->total += Money::FromUnits(pieces[i]);
    }
  }
  return Status::Ok();
}

int64_t FloorDiv(__int128 num, int64_t den) {
  __int128 q = num / den;
  if ((num % den != 0) && ((num < 0) != (den < 0))) q -= 1;
  return static_cast<int64_t>(q);
}

void EvaluateAccrual(const Context& ctx, const PolicyPack& pack, const PolicyVersion& version,
                     const AccrualRule& rule, Group* group) {
  if (!Covers(rule, ctx)) return;
  const WorkReport& r = ctx.report;
  const std::string key = "acc|" + pack.id + "|" + rule.benefit + "|w" +
                          std::to_string(r.worker.value()) + "|" + r.work_date.YearKey();
  const RunningTotal year = ctx.totals.Total(key);
  // Credit on the running year total so fractions of an hour carry from report to report.
  const int64_t n = rule.per_hours_worked.units();
  const __int128 c = rule.credit.units();
  const int64_t before = FloorDiv(c * year.basis, n);
  const int64_t after = FloorDiv(c * (year.basis + r.hours.units()), n);
  int64_t credited = after - before;
  std::string note = "1 h per " + rule.per_hours_worked.ToString() + " h worked";
  if (rule.credit != Hours::Whole(1)) {
    note = rule.credit.ToString() + " h per " + rule.per_hours_worked.ToString() + " h worked";
  }
  if (rule.year_cap && year.amount + credited > rule.year_cap->units()) {
    credited = std::max<int64_t>(0, rule.year_cap->units() - year.amount);
    note += "; year cap " + rule.year_cap->ToString() + " h reached";
  }
  // The first report of a new year carries over at most the carryover cap.
  if (year.basis == 0 && rule.carryover_cap) {
    const Hours balance = ctx.totals.LeaveBalance(r.worker, rule.benefit);
    if (balance > *rule.carryover_cap) {
      group->accruals.push_back(
          AccrualLine{&pack, &version, &rule, rule.benefit, *rule.carryover_cap - balance, Hours(),
                      "carryover above " + rule.carryover_cap->ToString() +
                          " h forfeited at the start of " + r.work_date.YearKey()});
    }
  }
  group->deltas.push_back({key, RunningTotal{r.hours.units(), credited}});
  if (credited != 0) {
    group->accruals.push_back(AccrualLine{&pack, &version, &rule, rule.benefit,
                                          Hours::FromUnits(credited), r.hours, note});
  }
}

Result<Group> EvaluateVersion(const Context& ctx, const Applicable& a) {
  Group g;
  for (const ContributionRule& rule : a.version->contributions) {
    RETURN_IF_ERROR(EvaluateRule(ctx, *a.pack, *a.version, rule, &g));
  }
  for (const AccrualRule& rule : a.version->accruals) {
    EvaluateAccrual(ctx, *a.pack, *a.version, rule, &g);
  }
  return g;
}

// Folds `next` into `acc` by the version's stacking rule.
void Stack(Group* acc, Group&& next, Stacking stacking) {
  if (stacking == Stacking::kMax && !acc->Empty()) {
    if (next.total >= acc->total) *acc = std::move(next);
    return;
  }
  acc->Append(std::move(next));
}

}  // namespace

std::string FormatQuantity(Basis basis, int64_t units) {
  switch (basis) {
    case Basis::kHours:
      return Hours::FromUnits(units).ToString() + " h";
    case Basis::kJobs:
      return std::to_string(units) + " jobs";
    default:
      return Money::FromUnits(units).ToString(2);
  }
}

Money Evaluation::Total() const {
  Money t;
  for (const auto& c : contributions) t += c.amount;
  return t;
}

std::string RuleUid(const PolicyPack& pack, const PolicyVersion& version, const std::string& rule) {
  return pack.id + "@" + version.effective_from.ToString() + "/" + rule;
}

Result<Evaluation> Evaluate(const WorkReport& report, const EntityFacts& entity,
                            std::span<const Applicable> applicable, const TotalsSource& totals) {
  const std::string& sector = report.sector.empty() ? entity.sector : report.sector;
  const Context ctx{report, entity, totals, sector};
  Group jurisdictions;
  Group result;
  bool folded_jurisdictions = false;
  for (const Applicable& a : applicable) {
    ASSIGN_OR_RETURN(Group g, EvaluateVersion(ctx, a));
    if (a.pack->kind == PackKind::kJurisdiction) {
      Stack(&jurisdictions, std::move(g), a.version->stacking);
      continue;
    }
    if (!folded_jurisdictions) {
      result = std::move(jurisdictions);
      folded_jurisdictions = true;
    }
    Stack(&result, std::move(g),
          a.pack->kind == PackKind::kVoluntary ? Stacking::kAdd : a.version->stacking);
  }
  if (!folded_jurisdictions) result = std::move(jurisdictions);

  Evaluation out;
  out.contributions = std::move(result.contributions);
  out.accruals = std::move(result.accruals);
  out.deltas = std::move(result.deltas);
  if (applicable.empty()) {
    out.notes.push_back("no program covers " + report.jurisdiction + " (" + sector + ") on " +
                        report.work_date.ToString());
  } else if (out.NothingApplied()) {
    out.notes.push_back(std::string("the programs in force do not cover this ") +
                        ClassificationName(report.classification) + " " + sector + " report");
  }
  return out;
}

}  // namespace accrue
