#include "sim/simulator.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <map>
#include <memory>
#include <thread>
#include <unordered_map>

#include "engine/engine.h"
#include "policy/library.h"

namespace accrue::sim {
namespace {

constexpr int kPercentiles[] = {10, 25, 50, 75, 90, 99};

// The running totals of one worker: every key the engine asks for is scoped to the worker, so
// the map is cleared between workers.
class WorkerTotals : public TotalsSource {
 public:
  RunningTotal Total(const std::string& key) const override {
    auto it = totals_.find(key);
    return it == totals_.end() ? RunningTotal{} : it->second;
  }
  Hours LeaveBalance(AccountNumber, const std::string& benefit) const override {
    auto it = leave_.find(benefit);
    return it == leave_.end() ? Hours() : Hours::FromUnits(it->second);
  }
  void Apply(const Evaluation& e) {
    for (const TotalsDelta& d : e.deltas) {
      RunningTotal& t = totals_[d.key];
      t.basis += d.delta.basis;
      t.amount += d.delta.amount;
    }
    for (const AccrualLine& a : e.accruals) leave_[a.benefit] += a.hours.units();
  }
  void Clear() {
    totals_.clear();
    leave_.clear();
  }

 private:
  std::unordered_map<std::string, RunningTotal> totals_;
  std::unordered_map<std::string, int64_t> leave_;
};

int PeriodIndex(Period p, Date first, Date d) {
  switch (p) {
    case Period::kQuarter:
      return (d.year() * 4 + static_cast<int>(d.quarter())) -
             (first.year() * 4 + static_cast<int>(first.quarter()));
    case Period::kYear:
      return d.year() - first.year();
    default:
      return (d.year() * 12 + static_cast<int>(d.month())) -
             (first.year() * 12 + static_cast<int>(first.month()));
  }
}

Date EndOf(Date first, int months) {
  int m = static_cast<int>(first.month()) - 1 + months;
  return Date::FromYmd(first.year() + m / 12, static_cast<unsigned>(m % 12 + 1), 1);
}

// Sums over one shard of workers for one scenario.
struct Acc {
  int64_t reports = 0, covered = 0, hours = 0, jobs = 0;
  MoneySum earnings, contributions, entity_cost;
  std::vector<PayerBenefitTotal> by_payer_benefit;
  std::vector<SectorCost> sectors;
  std::vector<ThresholdOutcome> thresholds;
  std::vector<FundOutcome> funds;
  std::vector<MonthOutcome> months;

  MoneySum& PayerBenefit(Payer p, const std::string& b) {
    for (auto& x : by_payer_benefit) {
      if (x.payer == p && x.benefit == b) return x.amount;
    }
    by_payer_benefit.push_back({p, b, {}});
    return by_payer_benefit.back().amount;
  }
  SectorCost& Sector(const std::string& s) {
    for (auto& x : sectors) {
      if (x.sector == s) return x;
    }
    sectors.push_back({s});
    return sectors.back();
  }
  FundOutcome& Fund(const std::string& b) {
    for (auto& x : funds) {
      if (x.benefit == b) return x;
    }
    funds.push_back({b});
    return funds.back();
  }
  void Merge(const Acc& o) {
    reports += o.reports;
    covered += o.covered;
    hours += o.hours;
    jobs += o.jobs;
    earnings.Add(o.earnings);
    contributions.Add(o.contributions);
    entity_cost.Add(o.entity_cost);
    for (const auto& x : o.by_payer_benefit) PayerBenefit(x.payer, x.benefit).Add(x.amount);
    for (const auto& x : o.sectors) {
      SectorCost& s = Sector(x.sector);
      s.hours += x.hours;
      s.jobs += x.jobs;
      s.reports += x.reports;
      s.earnings.Add(x.earnings);
      s.entity_cost.Add(x.entity_cost);
      s.contributions.Add(x.contributions);
    }
    for (size_t i = 0; i < o.thresholds.size(); ++i) {
      thresholds[i].worker_periods += o.thresholds[i].worker_periods;
      thresholds[i].reached += o.thresholds[i].reached;
      thresholds[i].workers_always += o.thresholds[i].workers_always;
      thresholds[i].shortfall += o.thresholds[i].shortfall;
    }
    for (const auto& x : o.funds) {
      FundOutcome& f = Fund(x.benefit);
      f.contributions.Add(x.contributions);
      f.leave_hours += x.leave_hours;
      f.leave_liability.Add(x.leave_liability);
      f.reserve_needed.Add(x.reserve_needed);
    }
    for (size_t i = 0; i < o.months.size(); ++i) {
      months[i].hours += o.months[i].hours;
      months[i].contributions.Add(o.months[i].contributions);
      months[i].entity_cost.Add(o.months[i].entity_cost);
      months[i].leave_hours += o.months[i].leave_hours;
    }
  }
};

// One worker's figures under one scenario, reset per worker.
struct WorkerState {
  __int128 balance = 0;
  int64_t leave = 0;
  std::vector<std::pair<std::string, int64_t>> leave_by_benefit;
  std::vector<std::pair<std::string, __int128>> money_by_benefit;
  std::vector<std::vector<int64_t>> threshold_values;  // [threshold][period]
};

class Runner {
 public:
  explicit Runner(const SimulationRequest& req) : req_(req) {}

  Status Prepare() {
    for (const Jurisdiction& j : req_.jurisdictions) parent_[j.code] = j.parent;
    for (const Jurisdiction& j : req_.jurisdictions) RETURN_IF_ERROR(Chain(j.code).status());
    for (const BenefitType& b : req_.benefits) {
      if (b.kind == BenefitKind::kLeave) leave_benefits_.push_back(b.name);
    }
    for (const Scenario& s : req_.scenarios) {
      auto lib = std::make_unique<PolicyLibrary>();
      for (const PackPtr& p : s.packs) {
        RETURN_IF_ERROR(lib->Add(p).WithContext("scenario " + s.name));
      }
      libraries_.push_back(std::move(lib));
    }
    for (const SimEntity& e : req_.population->entities()) {
      entity_index_.emplace(e.id, &e);
      RETURN_IF_ERROR(Chain(e.jurisdiction).status());
    }
    end_ = EndOf(req_.first_day, req_.months);
    for (const Threshold& t : req_.thresholds) {
      periods_.push_back(PeriodIndex(t.period, req_.first_day, end_.AddDays(-1)) + 1);
    }
    const size_t n = static_cast<size_t>(req_.population->workers());
    balances_.assign(req_.scenarios.size(), std::vector<int64_t>(n));
    leave_.assign(req_.scenarios.size(), std::vector<int64_t>(n));
    return Status::Ok();
  }

  Result<const std::vector<std::string>*> Chain(const std::string& code) {
    auto it = chains_.find(code);
    if (it != chains_.end()) return &it->second;
    std::vector<std::string> chain;
    std::string c = code;
    while (!c.empty()) {
      auto p = parent_.find(c);
      if (p == parent_.end()) {
        return Status::Invalid("work location " + code + " is not a known jurisdiction");
      }
      chain.insert(chain.begin(), c);
      c = p->second;
      if (chain.size() > 16) return Status::Invalid("jurisdiction chain too deep at " + code);
    }
    return &chains_.emplace(code, std::move(chain)).first->second;
  }

  Acc NewAcc() const {
    Acc a;
    for (const Threshold& t : req_.thresholds) a.thresholds.push_back({t});
    for (int m = 0; m < req_.months; ++m) {
      int mm = static_cast<int>(req_.first_day.month()) - 1 + m;
      a.months.push_back(
          {Date::FromYmd(req_.first_day.year() + mm / 12, static_cast<unsigned>(mm % 12 + 1), 1)
               .MonthKey()});
    }
    return a;
  }

  Status RunShards(int threads) {
    const int64_t workers = req_.population->workers();
    constexpr int64_t kChunk = 512;
    std::atomic<int64_t> next{0};
    std::vector<std::vector<Acc>> accs(static_cast<size_t>(threads));
    std::vector<Status> errors(static_cast<size_t>(threads));
    auto work = [&](int t) {
      std::vector<Acc>& mine = accs[static_cast<size_t>(t)];
      for (size_t s = 0; s < req_.scenarios.size(); ++s) mine.push_back(NewAcc());
      std::vector<WorkReport> reports;
      WorkerTotals totals;
      WorkerState state;
      for (;;) {
        const int64_t begin = next.fetch_add(kChunk);
        if (begin >= workers) break;
        const int64_t end = std::min(workers, begin + kChunk);
        for (int64_t w = begin; w < end; ++w) {
          req_.population->WorkerReports(w, req_.first_day, req_.months, &reports);
          for (size_t s = 0; s < req_.scenarios.size(); ++s) {
            Status st = RunWorker(s, w, reports, &totals, &state, &mine[s]);
            if (!st.ok()) {
              errors[static_cast<size_t>(t)] = st;
              next.store(workers);
              return;
            }
          }
        }
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    for (const Status& st : errors) RETURN_IF_ERROR(st);
    totals_.clear();
    for (size_t s = 0; s < req_.scenarios.size(); ++s) totals_.push_back(NewAcc());
    for (const auto& per_thread : accs) {
      for (size_t s = 0; s < per_thread.size(); ++s) totals_[s].Merge(per_thread[s]);
    }
    return Status::Ok();
  }

  SimulationResult Finish() {
    SimulationResult out;
    out.population = req_.population->Describe();
    out.workers = req_.population->workers();
    out.first_day = req_.first_day;
    out.months = req_.months;
    for (size_t s = 0; s < req_.scenarios.size(); ++s) {
      Acc& a = totals_[s];
      ScenarioResult r;
      r.name = req_.scenarios[s].name;
      for (const PackPtr& p : req_.scenarios[s].packs) r.packs.push_back(p->id);
      r.reports = a.reports;
      r.reports_covered = a.covered;
      r.hours = a.hours;
      r.jobs = a.jobs;
      r.earnings = a.earnings;
      r.contributions = a.contributions;
      r.entity_cost = a.entity_cost;
      r.by_payer_benefit = std::move(a.by_payer_benefit);
      std::sort(r.by_payer_benefit.begin(), r.by_payer_benefit.end(),
                [](const auto& x, const auto& y) {
                  return std::make_pair(static_cast<int>(x.payer), x.benefit) <
                         std::make_pair(static_cast<int>(y.payer), y.benefit);
                });
      r.sectors = std::move(a.sectors);
      std::sort(r.sectors.begin(), r.sectors.end(),
                [](const auto& x, const auto& y) { return x.sector < y.sector; });
      r.balances = Distribute(&balances_[s]);
      r.leave = Distribute(&leave_[s]);
      r.thresholds = std::move(a.thresholds);
      r.funds = std::move(a.funds);
      for (FundOutcome& f : r.funds) {
        f.leave = std::find(leave_benefits_.begin(), leave_benefits_.end(), f.benefit) !=
                  leave_benefits_.end();
      }
      std::sort(r.funds.begin(), r.funds.end(),
                [](const auto& x, const auto& y) { return x.benefit < y.benefit; });
      r.months = std::move(a.months);
      out.scenarios.push_back(std::move(r));
    }
    return out;
  }

 private:
  static Distribution Distribute(std::vector<int64_t>* values) {
    Distribution d;
    d.count = static_cast<int64_t>(values->size());
    if (values->empty()) return d;
    for (int64_t v : *values) d.sum += v;
    std::sort(values->begin(), values->end());
    for (int p : kPercentiles) {
      // Nearest rank: the smallest value with at least p% of workers at or below it.
      const size_t rank =
          static_cast<size_t>((static_cast<int64_t>(values->size()) * p + 99) / 100);
      d.percentiles.emplace_back(p, (*values)[std::max<size_t>(rank, 1) - 1]);
    }
    d.max = values->back();
    std::vector<int64_t>().swap(*values);
    return d;
  }

  Status RunWorker(size_t s, int64_t w, const std::vector<WorkReport>& reports,
                   WorkerTotals* totals, WorkerState* state, Acc* acc) {
    const PolicyLibrary& lib = *libraries_[s];
    totals->Clear();
    state->balance = 0;
    state->leave = 0;
    state->leave_by_benefit.clear();
    state->money_by_benefit.clear();
    state->threshold_values.resize(req_.thresholds.size());
    for (size_t t = 0; t < req_.thresholds.size(); ++t) {
      state->threshold_values[t].assign(static_cast<size_t>(periods_[t]), 0);
    }
    int64_t worker_hours = 0;
    __int128 worker_earnings = 0;
    for (const WorkReport& r : reports) {
      auto ent = entity_index_.find(r.entity);
      static const SimEntity kUnknown;
      const SimEntity& e = ent == entity_index_.end() ? kUnknown : *ent->second;
      const std::string& sector = r.sector.empty() ? e.sector : r.sector;
      auto chain = chains_.find(r.jurisdiction);
      if (chain == chains_.end()) {
        return Status::Invalid("work location " + r.jurisdiction + " is not a known jurisdiction");
      }
      const std::vector<Applicable> applicable =
          lib.Select(chain->second, sector, r.entity, r.work_date);
      // With no program in force the engine books nothing (it only notes why), so the call is
      // skipped; the report still counts toward hours, earnings and thresholds.
      Evaluation ev;
      if (!applicable.empty()) {
        ASSIGN_OR_RETURN(ev, Evaluate(r, EntityFacts{e.size, e.sector}, applicable, *totals));
        totals->Apply(ev);
      }
      const int month = PeriodIndex(Period::kMonth, req_.first_day, r.work_date);
      MonthOutcome& mo = acc->months[static_cast<size_t>(month)];
      SectorCost& sc = acc->Sector(sector);
      acc->reports++;
      if (!ev.NothingApplied()) acc->covered++;
      acc->hours += r.hours.units();
      acc->jobs += r.jobs;
      acc->earnings.Add(r.earnings);
      sc.hours += r.hours.units();
      sc.jobs += r.jobs;
      sc.reports++;
      sc.earnings.Add(r.earnings);
      mo.hours += r.hours.units();
      worker_hours += r.hours.units();
      worker_earnings += r.earnings.units();
      for (const ContributionLine& c : ev.contributions) {
        acc->PayerBenefit(c.payer, c.benefit).Add(c.amount);
        acc->contributions.Add(c.amount);
        acc->Fund(c.benefit).contributions.Add(c.amount);
        sc.contributions.Add(c.amount);
        mo.contributions.Add(c.amount);
        if (c.payer == Payer::kHiringEntity) {
          acc->entity_cost.Add(c.amount);
          sc.entity_cost.Add(c.amount);
          mo.entity_cost.Add(c.amount);
        }
        state->balance += c.amount.units();
        AddTo(&state->money_by_benefit, c.benefit, c.amount.units());
      }
      for (const AccrualLine& a : ev.accruals) {
        state->leave += a.hours.units();
        mo.leave_hours += a.hours.units();
        AddTo(&state->leave_by_benefit, a.benefit, a.hours.units());
      }
      for (size_t t = 0; t < req_.thresholds.size(); ++t) {
        const Threshold& th = req_.thresholds[t];
        int64_t add = 0;
        if (th.dollars) {
          for (const ContributionLine& c : ev.contributions) {
            if (c.benefit == th.benefit) add += c.amount.units();
          }
        } else {
          add = r.hours.units();
        }
        state->threshold_values[t][static_cast<size_t>(
            PeriodIndex(th.period, req_.first_day, r.work_date))] += add;
      }
    }
    // Per-worker outcomes.
    balances_[s][static_cast<size_t>(w)] = static_cast<int64_t>(state->balance);
    leave_[s][static_cast<size_t>(w)] = state->leave;
    for (size_t t = 0; t < req_.thresholds.size(); ++t) {
      ThresholdOutcome& o = acc->thresholds[t];
      bool always = true;
      for (int64_t v : state->threshold_values[t]) {
        o.worker_periods++;
        if (v >= req_.thresholds[t].amount) {
          o.reached++;
        } else {
          always = false;
          o.shortfall += req_.thresholds[t].amount - v;
        }
      }
      if (always) o.workers_always++;
    }
    for (const auto& [benefit, hours] : state->leave_by_benefit) {
      FundOutcome& f = acc->Fund(benefit);
      f.leave_hours += hours;
      // Accrued hours valued at the worker's average pay, rounded half up to 1e-10.
      __int128 liability = 0;
      if (worker_hours > 0 && hours > 0) {
        const __int128 num = worker_earnings * hours;
        liability = (num + worker_hours / 2) / worker_hours;
      }
      f.leave_liability.Add(Money::FromUnits(static_cast<int64_t>(liability)));
      __int128 cash = 0;
      for (const auto& [b, m] : state->money_by_benefit) {
        if (b == benefit) cash = m;
      }
      if (liability > cash) {
        f.reserve_needed.Add(Money::FromUnits(static_cast<int64_t>(liability - cash)));
      }
    }
    return Status::Ok();
  }

  template <typename T>
  static void AddTo(std::vector<std::pair<std::string, T>>* v, const std::string& k, int64_t x) {
    for (auto& [key, value] : *v) {
      if (key == k) {
        value += x;
        return;
      }
    }
    v->emplace_back(k, x);
  }

  const SimulationRequest& req_;
  std::map<std::string, std::string> parent_;
  std::map<std::string, std::vector<std::string>> chains_;  // filled before the threads start
  std::vector<std::string> leave_benefits_;
  std::vector<std::unique_ptr<PolicyLibrary>> libraries_;
  std::unordered_map<std::string, const SimEntity*> entity_index_;
  Date end_;
  std::vector<int> periods_;
  std::vector<std::vector<int64_t>> balances_;
  std::vector<std::vector<int64_t>> leave_;
  std::vector<Acc> totals_;
};

}  // namespace

std::string Threshold::Text() const {
  return benefit + ":" + (dollars ? "dollars" : "hours") + ":" +
         (dollars ? Money::FromUnits(amount).ToString() : Hours::FromUnits(amount).ToString()) +
         ":" + PeriodName(period);
}

Result<Threshold> ParseThreshold(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ':') {
      parts.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  const std::string quoted = "threshold '" + std::string(text) + "'";
  if (parts.size() != 4) {
    return Status::Invalid(quoted + " is not BENEFIT:hours|dollars:AMOUNT:month|quarter|year");
  }
  Threshold t;
  t.benefit = parts[0];
  if (t.benefit.empty()) return Status::Invalid(quoted + ": the benefit is empty");
  if (parts[1] == "hours") {
    auto h = Hours::Parse(parts[2], 4);
    if (!h.ok() || !(*h > Hours())) {
      return Status::Invalid(quoted + ": hours must be a positive number with at most 4 decimals");
    }
    t.amount = h->units();
  } else if (parts[1] == "dollars") {
    t.dollars = true;
    auto m = Money::Parse(parts[2], 4);
    if (!m.ok() || !(*m > Money())) {
      return Status::Invalid(quoted +
                             ": dollars must be a positive amount with at most 4 decimals");
    }
    t.amount = m->units();
  } else {
    return Status::Invalid(quoted + ": the kind must be hours or dollars, not '" + parts[1] + "'");
  }
  if (parts[3] == "month") {
    t.period = Period::kMonth;
  } else if (parts[3] == "quarter") {
    t.period = Period::kQuarter;
  } else if (parts[3] == "year") {
    t.period = Period::kYear;
  } else {
    return Status::Invalid(quoted + ": the period must be month, quarter or year, not '" +
                           parts[3] + "'");
  }
  return t;
}

Result<SimulationResult> RunSimulation(const SimulationRequest& req) {
  if (req.population == nullptr) return Status::Invalid("no population");
  if (req.scenarios.empty()) return Status::Invalid("no policy pack to simulate");
  if (static_cast<int>(req.scenarios.size()) > req.limits.max_scenarios) {
    return Status::Invalid("at most " + std::to_string(req.limits.max_scenarios) +
                           " scenarios can be compared");
  }
  for (const Scenario& s : req.scenarios) {
    if (s.packs.empty()) return Status::Invalid("scenario " + s.name + " has no policy pack");
  }
  if (req.months < 1 || req.months > req.limits.max_months) {
    return Status::Invalid("months must be 1 to " + std::to_string(req.limits.max_months) +
                           ", not " + std::to_string(req.months));
  }
  if (req.population->workers() > req.limits.max_workers) {
    return Status::Invalid("the population has " + std::to_string(req.population->workers()) +
                           " workers; at most " + std::to_string(req.limits.max_workers) +
                           " can be simulated");
  }
  if (static_cast<int>(req.thresholds.size()) > req.limits.max_thresholds) {
    return Status::Invalid("at most " + std::to_string(req.limits.max_thresholds) + " thresholds");
  }
  if (req.first_day.day() != 1) {
    return Status::Invalid("the simulation starts on the first day of a month, not " +
                           req.first_day.ToString());
  }
  Runner runner(req);
  RETURN_IF_ERROR(runner.Prepare());
  int threads = req.threads > 0
                    ? req.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, 64);
  RETURN_IF_ERROR(runner.RunShards(threads));
  return runner.Finish();
}

std::string Exact(const MoneySum& m) {
  std::string s = m.ToFixed(-1);
  const size_t point = s.find('.');
  if (point == std::string::npos) return s + ".00";
  if (s.size() - point - 1 < 2) s.append(2 - (s.size() - point - 1), '0');
  return s;
}

std::string Exact(Money m) {
  MoneySum s;
  s.Add(m);
  return Exact(s);
}

std::string PerUnit(const MoneySum& money, int64_t quantity, int64_t quantity_scale) {
  if (quantity <= 0) return "0.0000";
  // money (1e-10 $) × scale / quantity → 1e-10 $ per unit, then rounded to 4 decimals.
  const __int128 num = money.units() * quantity_scale;
  __int128 q = num / quantity;
  const __int128 rem = num % quantity;
  if (2 * (rem < 0 ? -rem : rem) >= quantity) q += num < 0 ? -1 : 1;
  MoneySum out;
  // MoneySum holds units; build it through Money pieces to stay within int64 per piece.
  while (q > INT64_MAX) {
    out.Add(Money::FromUnits(INT64_MAX));
    q -= INT64_MAX;
  }
  out.Add(Money::FromUnits(static_cast<int64_t>(q)));
  return out.ToFixed(4);
}

}  // namespace accrue::sim
