#include "workload/workload.h"

#include <algorithm>

namespace accrue {
namespace {

uint64_t Mix(uint64_t x) { return SplitMix64(x); }

uint64_t Pick(uint64_t seed, uint64_t a, uint64_t b, uint64_t n) {
  return Mix(seed ^ Mix(a * 0x100000001b3ULL + b)) % n;
}

struct Template {
  const char* id;
  const char* sector;
  const char* jurisdiction;
  Classification classification;
  int64_t size;
  int64_t pay_cents;
  int tips_percent;
  bool one_job;
};

// One per program the example packs define, plus work no program covers (Texas).
constexpr Template kTemplates[] = {
    {"rideshare", "rideshare", "US-WA-SEATTLE", Classification::kContractor1099, 5000, 2600, 15,
     false},
    {"clinic", "healthcare", "US-WA-SEATTLE", Classification::kEmployeeW2, 120, 3400, 0, false},
    {"cafe", "food_service", "US-WA", Classification::kEmployeeW2, 30, 1900, 10, false},
    {"delivery-platform", "delivery", "US-PA-PHILADELPHIA", Classification::kContractor1099, 8000,
     2100, 20, false},
    {"homeclean", "cleaning", "US-CA", Classification::kContractor1099, 40, 2800, 5, true},
    {"blackcar", "black_car", "US-NY-NYC", Classification::kContractor1099, 900, 3000, 12, false},
    {"couriers", "delivery", "US-TX", Classification::kContractor1099, 600, 1800, 15, false},
    {"housekeepers", "cleaning", "US-GA", Classification::kContractor1099, 15, 2200, 0, true},
};

}  // namespace

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Workload MakeWorkload(const WorkloadSpec& spec) {
  Workload w;
  w.spec = spec;
  // At most three reports per worker and day keeps every worker-entity-day within 24 hours.
  w.spec.reports = std::min<int64_t>(spec.reports, 3 * spec.workers * spec.days);
  constexpr int64_t kTemplateCount = static_cast<int64_t>(std::size(kTemplates));
  for (int64_t i = 0; i < spec.entities; ++i) {
    const Template& t = kTemplates[i % kTemplateCount];
    EntityProfile p;
    // The first of each kind keeps its plain id (voluntary packs name entities by id).
    p.entity.id = i < kTemplateCount ? t.id : std::string(t.id) + "-" + std::to_string(i);
    p.entity.name = p.entity.id;
    p.entity.sector = t.sector;
    p.entity.size = t.size;
    p.jurisdiction = t.jurisdiction;
    p.classification = t.classification;
    p.pay_cents_per_hour = t.pay_cents + static_cast<int64_t>(Pick(spec.seed, 1, i, 400));
    p.tips_percent = t.tips_percent;
    p.one_job_per_report = t.one_job;
    w.entities.push_back(std::move(p));
  }
  // Account serials: a bijection of the worker index over [1, 10^11) so numbers look random
  // but never collide.
  constexpr uint64_t kSpace = 100'000'000'000ULL;
  constexpr uint64_t kStride = 48'271'026'191ULL;  // coprime with 10^11
  for (int64_t i = 0; i < spec.workers; ++i) {
    const uint64_t serial =
        (static_cast<unsigned __int128>(i + 1) * kStride + spec.seed) % (kSpace - 1) + 1;
    Worker worker;
    worker.account = AccountNumber::FromSerial(serial);
    worker.name = "Worker " + std::to_string(i + 1);
    worker.birth_date = Date::FromYmd(1960 + static_cast<int>(Pick(spec.seed, 2, i, 45)),
                                      1 + Pick(spec.seed, 3, i, 12), 1 + Pick(spec.seed, 4, i, 28));
    const int first = static_cast<int>(Pick(spec.seed, 5, i, static_cast<uint64_t>(spec.entities)));
    worker.home_jurisdiction = w.entities[first].jurisdiction;
    std::vector<int> mine{first};
    if (static_cast<int>(Pick(spec.seed, 6, i, 100)) < spec.multi_entity_percent) {
      const int extra = 1 + static_cast<int>(Pick(spec.seed, 7, i, 2));
      for (int k = 1; k <= extra && static_cast<int64_t>(mine.size()) < spec.entities; ++k) {
        mine.push_back(static_cast<int>((first + k * 7) % spec.entities));
      }
    }
    w.workers.push_back(std::move(worker));
    w.worker_entities.push_back(std::move(mine));
  }
  return w;
}

bool ReportStream::Next(WorkReport* out) {
  const WorkloadSpec& s = w_.spec;  // reports <= 3 per worker-day (MakeWorkload)
  if (next_ >= s.reports || s.workers == 0) return false;
  const int64_t i = next_++;
  const int64_t worker = i % s.workers;
  const int64_t slot = i / s.workers;
  const int64_t day = slot % s.days;
  const auto& mine = w_.worker_entities[static_cast<size_t>(worker)];
  const EntityProfile& e = w_.entities[static_cast<size_t>(mine[Pick(s.seed, 8, i, mine.size())])];
  out->entity = e.entity.id;
  out->report_id = "r" + std::to_string(i + 1);
  out->worker = w_.workers[static_cast<size_t>(worker)].account;
  out->work_date = s.first_day.AddDays(static_cast<int32_t>(day));
  out->jurisdiction = e.jurisdiction;
  // 0.25 to 8 hours in steps of 0.0001 h.
  const int64_t hours_e4 = 2500 + static_cast<int64_t>(Pick(s.seed, 9, i, 77501));
  out->hours = Hours::FromUnits(hours_e4 * 100);
  const int64_t earnings_e4 = hours_e4 * e.pay_cents_per_hour / 100;  // dollars at 1e-4
  out->earnings = Money::FromUnits(earnings_e4 * 1'000'000);
  const int64_t tips_pct =
      e.tips_percent == 0 ? 0 : static_cast<int64_t>(Pick(s.seed, 10, i, e.tips_percent + 1));
  out->tips = Money::FromUnits(earnings_e4 * tips_pct / 100 * 1'000'000);
  out->jobs = e.one_job_per_report ? 1 : 1 + hours_e4 / 10000;
  out->classification = e.classification;
  out->sector.clear();
  out->replaces.clear();
  return true;
}

}  // namespace accrue
