#include "sim/population.h"

#include <algorithm>
#include <charconv>
#include <numeric>

#include "csv/csv_reader.h"
#include "ingest/report_csv.h"
#include "workload/workload.h"

namespace accrue::sim {
namespace {

uint64_t Mix(uint64_t x) { return SplitMix64(x); }

// A number in [0, n) drawn from (seed, stream, a, b): every draw has its own coordinates, so
// one worker's draws never depend on another's or on the order they are made in.
uint64_t Draw(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b, uint64_t n) {
  return Mix(seed ^ Mix(stream * 0x100000001b3ULL ^ Mix(a * 0x9e3779b97f4a7c15ULL + b))) % n;
}

int Weighted(const std::vector<std::pair<std::string, int>>& items, uint64_t r) {
  int64_t total = 0;
  for (const auto& [name, w] : items) total += w;
  int64_t x = static_cast<int64_t>(r % static_cast<uint64_t>(total));
  for (size_t i = 0; i < items.size(); ++i) {
    if (x < items[i].second) return static_cast<int>(i);
    x -= items[i].second;
  }
  return static_cast<int>(items.size()) - 1;
}

// Account serials: a bijection of the worker index over [1, 10^11) (as in workload.cc, with a
// different stride so the two generators' numbers do not coincide).
AccountNumber AccountFor(uint64_t seed, int64_t i) {
  constexpr uint64_t kSpace = 100'000'000'000ULL;
  constexpr uint64_t kStride = 61'803'398'873ULL;  // coprime with 10^11 - 1
  const uint64_t serial =
      (static_cast<unsigned __int128>(i + 1) * kStride + seed) % (kSpace - 1) + 1;
  return AccountNumber::FromSerial(serial);
}

Date AddMonths(Date d, int months) {
  int y = d.year();
  int m = static_cast<int>(d.month()) - 1 + months;
  y += m / 12;
  m %= 12;
  return Date::FromYmd(y, static_cast<unsigned>(m + 1), 1);
}

// One worker's engagement with one entity.
struct Engagement {
  int entity = 0;
  int64_t hours_per_week_e4 = 0;  // hours × 10^4
  int64_t pay_cents = 0;          // per hour
};

// Emits the reports of `jobs` from `first` (inclusive) to `end` (exclusive), in date order.
// Weekly mode: one report per engagement and week on the week's first day, split over
// consecutive days when over 24 hours; daily mode: working days of at most 8 hours.
void EmitMonthly(const std::vector<SimEntity>& entities, const std::vector<Engagement>& jobs,
                 AccountNumber account, uint64_t seed, int64_t worker, Date first, int months,
                 std::vector<WorkReport>* out) {
  out->clear();
  for (int m = 0; m < months; ++m) {
    const int mm = static_cast<int>(first.month()) - 1 + m;
    const Date day = Date::FromYmd(first.year() + mm / 12, static_cast<unsigned>(mm % 12 + 1), 1);
    for (size_t j = 0; j < jobs.size(); ++j) {
      // About 4.35 weeks a month, varying 75% to 125% as the weekly mode does.
      const int64_t h = jobs[j].hours_per_week_e4 * 435 / 100 *
                        (75 + static_cast<int64_t>(Draw(seed, 21, static_cast<uint64_t>(worker),
                                                        static_cast<uint64_t>(m) * 16 + j, 51))) /
                        100;
      if (h <= 0) continue;
      const SimEntity& e = entities[static_cast<size_t>(jobs[j].entity)];
      WorkReport& r = out->emplace_back();
      r.entity = e.id;
      r.worker = account;
      r.work_date = day;
      r.jurisdiction = e.jurisdiction;
      r.hours = Hours::FromUnits(h * 100);
      r.earnings = Money::FromUnits(h * jobs[j].pay_cents / 100 * 1'000'000);
      r.jobs = e.one_job_per_report ? 1 + h / 30000 : 1 + h / 10000;
      r.classification = e.classification;
    }
  }
}

void EmitReports(const std::vector<SimEntity>& entities, const std::vector<Engagement>& jobs,
                 AccountNumber account, uint64_t seed, int64_t worker, bool daily, bool vary,
                 Date first, Date end, std::vector<WorkReport>* out) {
  out->clear();
  const int32_t days = end.days() - first.days();
  if (days <= 0) return;
  // Per engagement and week: the hours that week, and how they spread over days.
  struct Week {
    int64_t parts = 0;
    int64_t hours_e4 = 0;
  };
  std::vector<Week> week(jobs.size());
  for (int32_t d = 0; d < days; ++d) {
    const int32_t w = d / 7;
    const int32_t day_in_week = d % 7;
    if (day_in_week == 0) {
      for (size_t j = 0; j < jobs.size(); ++j) {
        int64_t h = jobs[j].hours_per_week_e4;
        // Weeks vary: 75% to 125% of the usual hours, exactly (1e-4 h).
        if (vary) {
          h = h *
              (75 + static_cast<int64_t>(Draw(seed, 20, static_cast<uint64_t>(worker),
                                              static_cast<uint64_t>(w) * 16 + j, 51))) /
              100;
        }
        const int64_t per_part = daily ? 80000 : 240000;
        week[j] = {std::max<int64_t>(1, (h + per_part - 1) / per_part), h};
        if (week[j].parts > 7) week[j].parts = 7;
      }
    }
    for (size_t j = 0; j < jobs.size(); ++j) {
      const Week& wk = week[j];
      // Entity j works days (j*2 + k) % 7 of the week for k < parts.
      const int32_t slot = (day_in_week - static_cast<int32_t>(j) * 2 % 7 + 7) % 7;
      if (slot >= wk.parts || wk.hours_e4 <= 0) continue;
      int64_t h = wk.hours_e4 / wk.parts;
      if (slot < wk.hours_e4 % wk.parts) h += 1;
      if (h <= 0) continue;
      const SimEntity& e = entities[static_cast<size_t>(jobs[j].entity)];
      WorkReport& r = out->emplace_back();
      r.entity = e.id;
      r.worker = account;
      r.work_date = first.AddDays(d);
      r.jurisdiction = e.jurisdiction;
      r.hours = Hours::FromUnits(h * 100);
      const int64_t earnings_e4 = h * jobs[j].pay_cents / 100;  // dollars × 10^4
      r.earnings = Money::FromUnits(earnings_e4 * 1'000'000);
      r.jobs = e.one_job_per_report ? 1 : 1 + h / 10000;
      r.classification = e.classification;
    }
  }
}

class SyntheticPopulation : public Population {
 public:
  explicit SyntheticPopulation(SyntheticSpec spec) : spec_(std::move(spec)) {
    const uint64_t s = spec_.seed;
    for (int64_t i = 0; i < spec_.entities; ++i) {
      SimEntity e;
      const auto& sector = spec_.sectors[Weighted(spec_.sectors, Draw(s, 1, i, 0, 1u << 30))];
      e.sector = sector.first;
      e.id = e.sector + "-" + std::to_string(i + 1);
      e.jurisdiction =
          spec_.jurisdictions[Weighted(spec_.jurisdictions, Draw(s, 2, i, 0, 1u << 30))].first;
      // Sizes from a household (1) to a national platform (10^5), log-uniform.
      int64_t size = 1;
      for (uint64_t k = Draw(s, 3, i, 0, 6); k > 0; --k) size *= 10;
      e.size = size + static_cast<int64_t>(Draw(s, 4, i, 0, static_cast<uint64_t>(size)));
      e.classification = static_cast<int>(Draw(s, 5, i, 0, 100)) < spec_.independent_percent
                             ? Classification::kContractor1099
                             : Classification::kEmployeeW2;
      e.one_job_per_report = e.sector == "cleaning";
      entities_.push_back(std::move(e));
    }
  }

  int64_t workers() const override { return spec_.workers; }
  const std::vector<SimEntity>& entities() const override { return entities_; }
  AccountNumber Account(int64_t i) const override { return AccountFor(spec_.seed, i); }
  std::string Describe() const override {
    return "synthetic population, seed " + std::to_string(spec_.seed) + ", " +
           std::to_string(spec_.workers) + " workers, " + std::to_string(spec_.entities) +
           " hiring entities";
  }

  void WorkerReports(int64_t i, Date first_day, int months,
                     std::vector<WorkReport>* out) const override {
    const uint64_t s = spec_.seed;
    const uint64_t w = static_cast<uint64_t>(i);
    int n = 1;
    if (static_cast<int>(Draw(s, 10, w, 0, 100)) < spec_.multi_entity_percent) {
      n = 2 + static_cast<int>(Draw(s, 11, w, 0, static_cast<uint64_t>(spec_.max_entities - 1)));
    }
    n = static_cast<int>(std::min<int64_t>(n, spec_.entities));
    std::vector<Engagement> jobs;
    for (int k = 0; k < n; ++k) {
      int e = static_cast<int>(Draw(s, 12, w, k, static_cast<uint64_t>(spec_.entities)));
      // Distinct entities: probe forward past ones already taken.
      while (std::any_of(jobs.begin(), jobs.end(),
                         [&](const Engagement& j) { return j.entity == e; })) {
        e = (e + 1) % static_cast<int>(spec_.entities);
      }
      const int band = static_cast<int>(Draw(s, 13, w, k, 100));
      int64_t lo = 10000, hi = 100000;  // 1 to 10 h
      if (band >= spec_.under_10_hours_percent + spec_.from_10_to_30_hours_percent) {
        lo = 300000, hi = 400000;
      } else if (band >= spec_.under_10_hours_percent) {
        lo = 100000, hi = 300000;
      }
      const int64_t hours = lo + static_cast<int64_t>(Draw(s, 14, w, k, hi - lo));
      const int64_t pay =
          spec_.min_pay_cents +
          static_cast<int64_t>(Draw(
              s, 15, w, k, static_cast<uint64_t>(spec_.max_pay_cents - spec_.min_pay_cents + 1)));
      jobs.push_back({e, hours, pay});
    }
    if (spec_.report_period == SyntheticSpec::ReportPeriod::kMonth) {
      EmitMonthly(entities_, jobs, Account(i), s, i, first_day, months, out);
      return;
    }
    EmitReports(entities_, jobs, Account(i), s, i,
                spec_.report_period == SyntheticSpec::ReportPeriod::kDay, true, first_day,
                AddMonths(first_day, months), out);
  }

 private:
  SyntheticSpec spec_;
  std::vector<SimEntity> entities_;
};

class CohortPopulation : public Population {
 public:
  CohortPopulation(std::vector<Cohort> cohorts, uint64_t seed, std::string name)
      : cohorts_(std::move(cohorts)), seed_(seed), name_(std::move(name)) {
    for (const Cohort& c : cohorts_) {
      first_worker_.push_back(total_);
      total_ += c.count;
      // Each cohort has its own entities, one per engagement, of a nominal size 100.
      first_entity_.push_back(static_cast<int>(entities_.size()));
      for (int k = 0; k < c.entities; ++k) {
        SimEntity e;
        e.id = "cohort" + std::to_string(first_worker_.size()) + "-" + std::to_string(k + 1);
        e.sector = c.sector;
        e.size = 100;
        e.jurisdiction = c.jurisdiction;
        e.classification = c.classification;
        e.one_job_per_report = c.sector == "cleaning";
        entities_.push_back(std::move(e));
      }
    }
  }
  int64_t workers() const override { return total_; }
  const std::vector<SimEntity>& entities() const override { return entities_; }
  AccountNumber Account(int64_t i) const override { return AccountFor(seed_, i); }
  std::string Describe() const override {
    return "aggregate table " + name_ + ", " + std::to_string(total_) + " workers";
  }
  void WorkerReports(int64_t i, Date first_day, int months,
                     std::vector<WorkReport>* out) const override {
    const size_t c =
        static_cast<size_t>(std::upper_bound(first_worker_.begin(), first_worker_.end(), i) -
                            first_worker_.begin() - 1);
    const Cohort& cohort = cohorts_[c];
    std::vector<Engagement> jobs;
    const int64_t pay_cents = cohort.pay_per_hour.units() / (Money::kOne / 100);
    for (int k = 0; k < cohort.entities; ++k) {
      jobs.push_back({first_entity_[c] + k, cohort.hours_per_week.units() / 100, pay_cents});
    }
    EmitReports(entities_, jobs, Account(i), seed_, i, false, false, first_day,
                AddMonths(first_day, months), out);
  }

 private:
  std::vector<Cohort> cohorts_;
  uint64_t seed_;
  std::string name_;
  std::vector<int64_t> first_worker_;
  std::vector<int> first_entity_;
  std::vector<SimEntity> entities_;
  int64_t total_ = 0;
};

class ReportPopulation : public Population {
 public:
  ReportPopulation(std::vector<WorkReport> reports, std::vector<SimEntity> entities,
                   std::string name)
      : reports_(std::move(reports)), entities_(std::move(entities)), name_(std::move(name)) {
    std::stable_sort(reports_.begin(), reports_.end(),
                     [](const WorkReport& a, const WorkReport& b) {
                       if (a.worker != b.worker) return a.worker < b.worker;
                       return a.work_date < b.work_date;
                     });
    for (size_t i = 0; i < reports_.size(); ++i) {
      if (i == 0 || reports_[i].worker != reports_[i - 1].worker) starts_.push_back(i);
    }
    starts_.push_back(reports_.size());
  }
  int64_t workers() const override { return static_cast<int64_t>(starts_.size()) - 1; }
  const std::vector<SimEntity>& entities() const override { return entities_; }
  AccountNumber Account(int64_t i) const override {
    return reports_[starts_[static_cast<size_t>(i)]].worker;
  }
  std::string Describe() const override {
    return "work reports " + name_ + ", " + std::to_string(reports_.size()) + " reports, " +
           std::to_string(workers()) + " workers";
  }
  void WorkerReports(int64_t i, Date first_day, int months,
                     std::vector<WorkReport>* out) const override {
    out->clear();
    const Date end = AddMonths(first_day, months);
    for (size_t k = starts_[static_cast<size_t>(i)]; k < starts_[static_cast<size_t>(i) + 1]; ++k) {
      const WorkReport& r = reports_[k];
      if (r.work_date >= first_day && r.work_date < end) out->push_back(r);
    }
  }

 private:
  std::vector<WorkReport> reports_;
  std::vector<SimEntity> entities_;
  std::string name_;
  std::vector<size_t> starts_;
};

Result<int64_t> ParseInt(std::string_view text, const std::string& what) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) {
    return Status::Invalid(what + " '" + std::string(text) + "' is not a whole number");
  }
  return v;
}

}  // namespace

Result<std::vector<std::pair<std::string, int>>> ParseWeights(const std::string& text) {
  std::vector<std::pair<std::string, int>> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    const size_t colon = item.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return Status::Invalid("'" + item + "' is not NAME:WEIGHT");
    }
    ASSIGN_OR_RETURN(int64_t w, ParseInt(std::string_view(item).substr(colon + 1),
                                         "weight of " + item.substr(0, colon)));
    if (w <= 0 || w > 1'000'000) {
      return Status::Invalid("weight of " + item.substr(0, colon) + " must be 1 to 1000000");
    }
    out.emplace_back(item.substr(0, colon), static_cast<int>(w));
    start = comma + 1;
  }
  return out;
}

Result<std::unique_ptr<Population>> MakeSyntheticPopulation(const SyntheticSpec& spec) {
  auto percent = [](int v, const char* what) -> Status {
    if (v < 0 || v > 100) return Status::Invalid(std::string(what) + " must be 0 to 100");
    return Status::Ok();
  };
  RETURN_IF_ERROR(percent(spec.multi_entity_percent, "multi-entity percent"));
  RETURN_IF_ERROR(percent(spec.independent_percent, "independent percent"));
  RETURN_IF_ERROR(percent(spec.under_10_hours_percent + spec.from_10_to_30_hours_percent,
                          "hours bands under 30 hours"));
  if (spec.workers < 0) return Status::Invalid("workers must not be negative");
  if (spec.entities < 1 || spec.entities > 1'000'000) {
    return Status::Invalid("entities must be 1 to 1000000");
  }
  if (spec.max_entities < 2 || spec.max_entities > 7) {
    return Status::Invalid("max entities per worker must be 2 to 7");
  }
  if (spec.min_pay_cents < 0 || spec.max_pay_cents < spec.min_pay_cents ||
      spec.max_pay_cents > 100'000) {
    return Status::Invalid("pay per hour must satisfy 0 <= min <= max <= 1000.00");
  }
  if (spec.jurisdictions.empty() || spec.sectors.empty()) {
    return Status::Invalid("jurisdictions and sectors must not be empty");
  }
  return std::unique_ptr<Population>(new SyntheticPopulation(spec));
}

Result<std::unique_ptr<Population>> CohortPopulationFromString(const std::string& text,
                                                               const std::string& name,
                                                               int64_t max_workers, uint64_t seed) {
  CsvReader reader = CsvReader::FromString(text);
  CsvRecord rec;
  static const std::vector<std::string> kColumns = {
      "count",  "hours_per_week", "entities",      "pay_per_hour",
      "sector", "jurisdiction",   "classification"};
  std::vector<int> col(kColumns.size(), -1);
  std::vector<Cohort> cohorts;
  int64_t total = 0;
  bool header = true;
  for (;;) {
    ASSIGN_OR_RETURN(CsvRead step, reader.Next(&rec));
    if (step == CsvRead::kEnd) break;
    if (step == CsvRead::kBadRecord)
      return Status::Invalid(name + ": " + reader.error().ToString());
    if (header) {
      for (size_t i = 0; i < rec.size(); ++i) {
        auto it = std::find(kColumns.begin(), kColumns.end(), std::string(rec[i]));
        if (it == kColumns.end()) {
          return Status::Invalid(name + ": unknown column '" + std::string(rec[i]) + "'");
        }
        col[static_cast<size_t>(it - kColumns.begin())] = static_cast<int>(i);
      }
      for (size_t i = 0; i < kColumns.size(); ++i) {
        if (col[i] < 0) return Status::Invalid(name + ": missing column " + kColumns[i]);
      }
      header = false;
      continue;
    }
    const std::string where = name + ": row " + std::to_string(rec.row) + ": ";
    if (rec.size() != kColumns.size()) return Status::Invalid(where + "wrong number of fields");
    auto field = [&](int c) { return rec[static_cast<size_t>(col[static_cast<size_t>(c)])]; };
    Cohort c;
    auto count = ParseInt(field(0), "count");
    if (!count.ok() || *count < 0)
      return Status::Invalid(where + "count must be a whole number >= 0");
    c.count = *count;
    auto hours = Hours::Parse(field(1), 4);
    if (!hours.ok() || hours->is_negative() || *hours > Hours::Whole(int64_t{24} * 7)) {
      return Status::Invalid(where + "hours_per_week must be 0 to 168 with at most 4 decimals");
    }
    c.hours_per_week = *hours;
    auto entities = ParseInt(field(2), "entities");
    if (!entities.ok() || *entities < 1 || *entities > 7) {
      return Status::Invalid(where + "entities must be 1 to 7");
    }
    c.entities = static_cast<int>(*entities);
    auto pay = Money::Parse(field(3), 2);
    if (!pay.ok() || pay->is_negative() || *pay > Money::Whole(1000)) {
      return Status::Invalid(where + "pay_per_hour must be 0 to 1000 with at most 2 decimals");
    }
    c.pay_per_hour = *pay;
    c.sector = std::string(field(4));
    c.jurisdiction = std::string(field(5));
    auto cls = ParseClassification(field(6));
    if (!cls) return Status::Invalid(where + "classification must be 1099 or W2");
    c.classification = *cls;
    if (c.sector.empty() || c.jurisdiction.empty()) {
      return Status::Invalid(where + "sector and jurisdiction must not be empty");
    }
    total += c.count;
    if (total > max_workers) {
      return Status::Invalid(name + ": more than " + std::to_string(max_workers) + " workers");
    }
    cohorts.push_back(std::move(c));
  }
  if (header) return Status::Invalid(name + ": empty file");
  return std::unique_ptr<Population>(new CohortPopulation(std::move(cohorts), seed, name));
}

Result<std::unique_ptr<Population>> LoadCohortPopulation(const std::string& path,
                                                         int64_t max_workers, uint64_t seed) {
  std::string text;
  {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return Status::Io("cannot open " + path);
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  return CohortPopulationFromString(text, path, max_workers, seed);
}

Result<std::unique_ptr<Population>> LoadReportPopulation(
    const std::string& path, int64_t max_workers, const std::map<std::string, SimEntity>& known) {
  ASSIGN_OR_RETURN(CsvReader csv, CsvReader::Open(path));
  ASSIGN_OR_RETURN(ReportCsvReader reader, ReportCsvReader::Open(std::move(csv)));
  std::vector<WorkReport> reports;
  std::map<std::string, SimEntity> entities;
  std::vector<uint64_t> accounts;
  WorkReport r;
  for (;;) {
    ASSIGN_OR_RETURN(ReportCsvReader::Step step, reader.Next(&r));
    if (step == ReportCsvReader::Step::kEnd) break;
    if (step == ReportCsvReader::Step::kRejected) {
      return Status::Invalid(path + ": " + reader.errors().front().ToString());
    }
    if (!r.replaces.empty()) {
      return Status::Invalid(path + ": row " + std::to_string(reader.row()) +
                             ": corrections (replaces) are not simulated; give final reports");
    }
    if (entities.count(r.entity) == 0) {
      auto it = known.find(r.entity);
      SimEntity e;
      if (it != known.end()) {
        e = it->second;
      } else {
        e.id = r.entity;
        e.sector = r.sector;
      }
      entities.emplace(r.entity, std::move(e));
    }
    accounts.push_back(r.worker.value());
    reports.push_back(r);
  }
  std::sort(accounts.begin(), accounts.end());
  const int64_t workers = std::unique(accounts.begin(), accounts.end()) - accounts.begin();
  if (workers > max_workers) {
    return Status::Invalid(path + ": " + std::to_string(workers) + " workers, more than the " +
                           std::to_string(max_workers) + " allowed");
  }
  std::vector<SimEntity> list;
  for (auto& [id, e] : entities) list.push_back(std::move(e));
  return std::unique_ptr<Population>(
      new ReportPopulation(std::move(reports), std::move(list), path));
}

}  // namespace accrue::sim
