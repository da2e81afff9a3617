// Deterministic synthetic work: hiring entities across the example programs' jurisdictions
// and sectors, workers (some with several entities), and a stream of work reports for a span
// of days. The same spec always gives the same data, so the demo, the benchmark and the tests
// can regenerate it instead of shipping files.
//
// Reports are laid out so that no worker exceeds 24 hours with one entity in one day: each
// (worker, day) gets at most three reports of at most 8 hours.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/domain.h"

namespace accrue {

// SplitMix64: a small, well-mixed, portable hash of 64 bits (the same numbers on every
// platform), the basis of every deterministic draw in generated data.
uint64_t SplitMix64(uint64_t x);

struct WorkloadSpec {
  uint64_t seed = 42;
  int64_t workers = 1000;
  int64_t entities = 12;
  int64_t reports = 20000;
  Date first_day = Date::FromYmd(2026, 9, 1);
  int days = 30;
  int multi_entity_percent = 40;  // workers who work for two or three entities
};

// How an entity's work looks: where, under which classification, and what it pays.
struct EntityProfile {
  HiringEntity entity;
  std::string jurisdiction;
  Classification classification = Classification::kContractor1099;
  int64_t pay_cents_per_hour = 2000;
  int tips_percent = 0;  // tips as a share of earnings, at most
  bool one_job_per_report = false;
};

struct Workload {
  WorkloadSpec spec;
  std::vector<EntityProfile> entities;
  std::vector<Worker> workers;
  std::vector<std::vector<int>> worker_entities;  // indexes into entities, per worker
};

Workload MakeWorkload(const WorkloadSpec& spec);

// The reports of a workload, one at a time (report ids "r<n>", unique per entity).
class ReportStream {
 public:
  explicit ReportStream(const Workload& w) : w_(w) {}
  bool Next(WorkReport* out);
  int64_t produced() const { return next_; }

 private:
  const Workload& w_;
  int64_t next_ = 0;
};

}  // namespace accrue
