#include "eligibility/eligibility.h"

#include <algorithm>
#include <map>

namespace accrue {
namespace {

// The rule for `benefit` in the version of `pack` in force on the first day of `month`.
const EligibilityRule* RuleFor(const PolicyPack& pack, const std::string& benefit,
                               YearMonth month) {
  const PolicyVersion* v = pack.VersionOn(month.FirstDay());
  if (v == nullptr) return nullptr;
  for (const EligibilityRule& rule : v->eligibility) {
    if (rule.benefit == benefit) return &rule;
  }
  return nullptr;
}

// Every benefit with a rule in some version, in the order first written.
std::vector<std::string> BenefitsWithRules(const PolicyPack& pack) {
  std::vector<std::string> out;
  for (const PolicyVersion& v : pack.versions) {
    for (const EligibilityRule& rule : v.eligibility) {
      if (std::find(out.begin(), out.end(), rule.benefit) == out.end()) {
        out.push_back(rule.benefit);
      }
    }
  }
  return out;
}

int64_t Units(Basis basis, const MonthWork& w) {
  return basis == Basis::kHours ? w.hours.units() : w.earnings.units();
}

int64_t CheckedSum(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) ThrowOverflow("eligibility sum overflowed");
  return r;
}

// The basis counted from `from` to `to` (inclusive) for each entity, and pooled.
struct PeriodCount {
  std::map<std::string, int64_t> by_entity;
  int64_t pooled = 0;
};

PeriodCount Count(std::span<const MonthWork> work, Basis basis, YearMonth from, YearMonth to) {
  PeriodCount c;
  for (const MonthWork& w : work) {
    if (w.month < from || w.month > to) continue;
    int64_t& entity = c.by_entity[w.entity];
    entity = CheckedSum(entity, Units(basis, w));
    c.pooled = CheckedSum(c.pooled, Units(basis, w));
  }
  return c;
}

// The deciding period for coverage month `month`: the latest month or calendar quarter that
// ends no later than month - lag.
std::pair<YearMonth, YearMonth> DecidingPeriod(const EligibilityRule& rule, YearMonth month) {
  const YearMonth latest = month.Plus(-rule.lag_months);
  if (rule.per == Period::kMonth) return {latest, latest};
  const YearMonth end = latest.Plus(-static_cast<int>(latest.month() % 3));
  return {end.Plus(-2), end};
}

// Tier reached and what is still needed for the next step, given `counted`.
void ApplyTiers(const EligibilityRule& rule, int64_t counted, MonthEligibility* out) {
  int reached = -1;
  for (size_t i = 0; i < rule.tiers.size(); ++i) {
    if (counted >= rule.tiers[i].Threshold()) reached = static_cast<int>(i);
  }
  out->eligible = reached >= 0;
  if (reached >= 0) out->tier = rule.tiers[reached].name;
  const size_t next = reached < 0 ? 0 : static_cast<size_t>(reached) + 1;
  if (next < rule.tiers.size()) {
    out->next_tier = rule.tiers[next].name;
    out->still_needed = rule.tiers[next].Threshold() - counted;
  }
}

MonthEligibility ThresholdMonth(const EligibilityRule& rule, std::span<const MonthWork> work,
                                YearMonth month) {
  MonthEligibility out;
  out.benefit = rule.benefit;
  out.month = month;
  out.basis = rule.basis;
  std::tie(out.period_start, out.deadline) = DecidingPeriod(rule, month);
  const PeriodCount c = Count(work, rule.basis, out.period_start, out.deadline);
  out.counted = c.pooled;
  if (rule.scope == CapScope::kWorkerEntity) {
    out.counted = 0;
    for (const auto& [entity, units] : c.by_entity) {
      if (units > out.counted) {
        out.counted = units;
        out.best_entity = entity;
      }
    }
  }
  ApplyTiers(rule, out.counted, &out);
  return out;
}

// The hour bank's month-by-month run for `benefit`; months outside [first, last] are computed
// (the balance depends on them) but not returned.
std::vector<MonthEligibility> BankMonths(const PolicyPack& pack, const std::string& benefit,
                                         std::span<const MonthWork> work, YearMonth first,
                                         YearMonth last) {
  std::map<YearMonth, Hours> hours;
  for (const MonthWork& w : work) hours[w.month] += w.hours;
  std::vector<MonthEligibility> out;
  Hours balance;
  int idle = 0;
  // Work month m pays for coverage month m + lag. Start early enough for both the first work
  // and the first month reported; lags can differ between versions, hence the widest.
  YearMonth start = first.Plus(-kMaxLagMonths);
  if (!hours.empty()) start = std::min(start, hours.begin()->first);
  for (YearMonth m = start; m <= last; m = m.Plus(1)) {
    const auto it = hours.find(m);
    const Hours worked = it == hours.end() ? Hours() : it->second;
    idle = worked.is_zero() ? idle + 1 : 0;
    // The rule of the coverage month this work month pays for; the lag is that rule's.
    const EligibilityRule* rule = nullptr;
    for (int lag = 0; lag <= kMaxLagMonths && rule == nullptr; ++lag) {
      const EligibilityRule* r = RuleFor(pack, benefit, m.Plus(lag));
      if (r != nullptr && r->bank && r->lag_months == lag) rule = r;
    }
    if (rule == nullptr) continue;
    const HourBank& bank = *rule->bank;
    MonthEligibility e;
    e.benefit = benefit;
    e.month = m.Plus(rule->lag_months);
    e.basis = Basis::kHours;
    e.period_start = e.deadline = m;
    Hours available = balance + worked;
    if (bank.forfeit_after_months > 0 && idle >= bank.forfeit_after_months &&
        !available.is_zero()) {
      e.note = "bank of " + available.ToString() + " h forfeited after " + std::to_string(idle) +
               " months without work";
      available = Hours();
    }
    e.counted = available.units();
    e.eligible = available >= bank.monthly_draw;
    Hours after = e.eligible ? available - bank.monthly_draw : available;
    if (!e.eligible) e.still_needed = (bank.monthly_draw - available).units();
    if (bank.cap && after > *bank.cap) {
      e.note = "bank capped at " + bank.cap->ToString() + " h; " + (after - *bank.cap).ToString() +
               " h over the cap not kept";
      after = *bank.cap;
    }
    e.bank_after = after;
    balance = after;
    if (e.month >= first && e.month <= last) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

Result<YearMonth> YearMonth::Parse(std::string_view text) {
  auto day = Date::Parse(std::string(text) + "-01");
  if (text.size() != 7 || !day.ok()) {
    return Status::Invalid("'" + std::string(text) + "' is not a month such as 2026-11");
  }
  return Of(*day);
}

std::string YearMonth::ToString() const { return FirstDay().MonthKey(); }

std::vector<MonthEligibility> EvaluateEligibility(const PolicyPack& pack,
                                                  std::span<const MonthWork> work, YearMonth first,
                                                  YearMonth last) {
  std::vector<MonthEligibility> out;
  for (const std::string& benefit : BenefitsWithRules(pack)) {
    std::vector<MonthEligibility> months;
    bool banked = false;
    for (YearMonth m = first; m <= last; m = m.Plus(1)) {
      const EligibilityRule* rule = RuleFor(pack, benefit, m);
      if (rule != nullptr && rule->bank) banked = true;
      if (rule != nullptr && !rule->bank) months.push_back(ThresholdMonth(*rule, work, m));
    }
    if (banked) {
      std::vector<MonthEligibility> bank = BankMonths(pack, benefit, work, first, last);
      months.insert(months.end(), bank.begin(), bank.end());
      std::stable_sort(months.begin(), months.end(),
                       [](const auto& a, const auto& b) { return a.month < b.month; });
    }
    out.insert(out.end(), months.begin(), months.end());
  }
  return out;
}

std::string FormatAmount(Basis basis, int64_t units) {
  return basis == Basis::kHours ? Hours::FromUnits(units).ToString()
                                : Money::FromUnits(units).ToFixed(2);
}

}  // namespace accrue
