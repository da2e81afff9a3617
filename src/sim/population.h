// Populations for the policy simulator: who works, for which hiring entities, how much, and
// the work reports that produces — one worker at a time, so a simulation never holds every
// report in memory.
//
// Contract:
// - A Population is a fixed list of workers (indexes 0..workers()-1) and hiring entities.
//   WorkerReports(i, first_day, months, out) fills `out` with worker i's reports in date order;
//   it is const and thread-safe, and gives the same reports for the same arguments every time.
// - Three sources, all deterministic:
//   * Synthetic (SyntheticSpec): a generator whose parameters are documented in
//     docs/simulator.md with their sources; the same spec and seed always give the same
//     workers and reports, a different seed different ones.
//   * Cohorts (an aggregate table, CSV): rows "count,hours_per_week,entities,pay_per_hour,
//     sector,jurisdiction,classification"; each row becomes `count` identical workers.
//   * Reports (the work-report CSV): the file's reports grouped by worker. The file is read
//     whole (its reports are the population), so memory grows with the file, not the horizon.
// - Amounts are exact: hours carry at most 4 decimals and earnings at most 4 decimals, so
//   every report is one the ingest path would accept (at most 24 hours per report).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/date.h"
#include "base/decimal.h"
#include "base/status.h"
#include "domain/domain.h"

namespace accrue::sim {

// A hiring entity as the engine needs it, plus how its work looks.
struct SimEntity {
  std::string id;
  std::string sector;
  int64_t size = 0;
  std::string jurisdiction;
  Classification classification = Classification::kContractor1099;
  bool one_job_per_report = false;  // e.g. a cleaning: one job per visit
};

// Parameters of the synthetic generator; defaults and their sources are in docs/simulator.md.
struct SyntheticSpec {
  uint64_t seed = 1;
  int64_t workers = 10'000;
  // Percent of workers who work for two or more hiring entities (assumed; see the doc).
  int multi_entity_percent = 40;
  int max_entities = 5;  // "they may have five" (the seed)
  // Hours a week with each entity, by band, in percent of worker-entity pairs: under 10 h,
  // 10 to 30 h, 30 to 40 h. Pew Research Center (2021): about four in ten gig workers work
  // under 10 hours in a typical week; about three in ten call it their main job.
  int under_10_hours_percent = 40;
  int from_10_to_30_hours_percent = 30;  // the rest: 30 to 40 hours
  // Percent of work classified 1099 (independent): the seed's one third of the workforce.
  int independent_percent = 33;
  // Pay per hour: uniform between these, in cents (illustrative).
  int64_t min_pay_cents = 1600;
  int64_t max_pay_cents = 3400;
  // Where the work is: jurisdiction codes with weights (default: the example packs' places).
  std::vector<std::pair<std::string, int>> jurisdictions = {
      {"US-WA-SEATTLE", 30},      {"US-WA", 20}, {"US-NY-NYC", 15},
      {"US-PA-PHILADELPHIA", 10}, {"US-CA", 15}, {"US-TX", 10}};
  std::vector<std::pair<std::string, int>> sectors = {{"rideshare", 25},  {"delivery", 30},
                                                      {"cleaning", 15},   {"food_service", 15},
                                                      {"healthcare", 10}, {"black_car", 5}};
  int64_t entities = 200;  // hiring entities drawn from
  // How work is reported. kWeek: one report per worker, entity and week (as platforms that
  // pay weekly report), split over consecutive days so no report exceeds 24 hours. kDay: one
  // report per working day of at most 8 hours. kMonth: one report per worker, entity and month,
  // dated the month's first day — a summary the ingest path would refuse (over 24 hours) and
  // one that sees a whole month in one week, so use it only with packs that have no weekly
  // caps; it exists for the 1,000,000-worker benchmark (see docs/simulator.md).
  enum class ReportPeriod { kDay, kWeek, kMonth };
  ReportPeriod report_period = ReportPeriod::kWeek;
};

// One cohort row of an aggregate table.
struct Cohort {
  int64_t count = 0;
  Hours hours_per_week;  // per entity
  int entities = 1;
  Money pay_per_hour;
  std::string sector;
  std::string jurisdiction;
  Classification classification = Classification::kContractor1099;
};

class Population {
 public:
  virtual ~Population() = default;
  virtual int64_t workers() const = 0;
  virtual const std::vector<SimEntity>& entities() const = 0;
  // Worker i's reports from `first_day` for `months` calendar months, in date order.
  virtual void WorkerReports(int64_t i, Date first_day, int months,
                             std::vector<WorkReport>* out) const = 0;
  // The worker's account number (stable for the population).
  virtual AccountNumber Account(int64_t i) const = 0;
  // A description for the output: "synthetic seed 7, 1000 workers".
  virtual std::string Describe() const = 0;
};

// Parses "US-WA-SEATTLE:30,US-WA:20" into weighted codes.
Result<std::vector<std::pair<std::string, int>>> ParseWeights(const std::string& text);

Result<std::unique_ptr<Population>> MakeSyntheticPopulation(const SyntheticSpec& spec);
// An aggregate table: header "count,hours_per_week,entities,pay_per_hour,sector,jurisdiction,
// classification"; at most `max_workers` workers in all.
Result<std::unique_ptr<Population>> LoadCohortPopulation(const std::string& path,
                                                         int64_t max_workers, uint64_t seed);
Result<std::unique_ptr<Population>> CohortPopulationFromString(const std::string& text,
                                                               const std::string& name,
                                                               int64_t max_workers, uint64_t seed);
// A work-report CSV (the ingest format). Entities' sizes and sectors come from `entities`
// (id → entity) when given; otherwise size 0 and the report's sector. Refuses a file with a
// bad row (naming row and field) or more than `max_workers` workers. Reports outside the
// simulated months are skipped when simulating.
Result<std::unique_ptr<Population>> LoadReportPopulation(
    const std::string& path, int64_t max_workers, const std::map<std::string, SimEntity>& entities);

}  // namespace accrue::sim
