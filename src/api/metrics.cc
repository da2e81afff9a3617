#include "api/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "store/store.h"

namespace accrue::api {

struct Metrics::Families {
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& latency;
  prometheus::Family<prometheus::Counter>& reports;
  prometheus::Histogram& batch;
  prometheus::Family<prometheus::Counter>& groups;
  prometheus::Counter& folds;
  prometheus::Gauge& last_fold;
  prometheus::Family<prometheus::Gauge>& wal_pages;
  prometheus::Family<prometheus::Counter>& checkpoints;
  prometheus::Family<prometheus::Counter>& waits;
};

namespace {

// Adds to `c` what it lacks of `count`, a total kept elsewhere.
void CatchUp(prometheus::Counter& c, int64_t count) {
  const double behind = static_cast<double>(count) - c.Value();
  if (behind > 0) c.Increment(behind);
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& requests = prometheus::BuildCounter()
                       .Name("accrue_http_requests_total")
                       .Help("HTTP requests by route, method and status")
                       .Register(*registry_);
  auto& latency = prometheus::BuildHistogram()
                      .Name("accrue_http_request_seconds")
                      .Help("Time from request to response, by route")
                      .Register(*registry_);
  auto& reports = prometheus::BuildCounter()
                      .Name("accrue_reports_total")
                      .Help("Work reports received over the API, by outcome")
                      .Register(*registry_);
  auto& batch = prometheus::BuildHistogram()
                    .Name("accrue_batch_reports")
                    .Help("Reports per intake request")
                    .Register(*registry_)
                    .Add({}, prometheus::Histogram::BucketBoundaries{1, 10, 100, 1000, 10000});
  auto& groups = prometheus::BuildCounter()
                     .Name("accrue_intake_groups_total")
                     .Help(
                         "Groups of intake requests recorded together: in the foreground, in "
                         "the background while the next is evaluated, or again after another "
                         "connection wrote meanwhile")
                     .Register(*registry_);
  auto& folds = prometheus::BuildCounter()
                    .Name("accrue_aggregate_folds_total")
                    .Help("Times the background fold caught up with the ledger")
                    .Register(*registry_)
                    .Add({});
  auto& last_fold = prometheus::BuildGauge()
                        .Name("accrue_aggregate_last_fold_timestamp_seconds")
                        .Help("When the background fold last caught up with the ledger (Unix time)")
                        .Register(*registry_)
                        .Add({});
  auto& wal_pages = prometheus::BuildGauge()
                        .Name("accrue_sqlite_wal_pages")
                        .Help(
                            "Pages in the SQLite write-ahead log after the last commit (it "
                            "starts over once every page is copied into the database file)")
                        .Register(*registry_);
  auto& checkpoints = prometheus::BuildCounter()
                          .Name("accrue_sqlite_wal_checkpoints_total")
                          .Help(
                              "Checkpoints the background thread ran, copying the SQLite "
                              "write-ahead log into the database file")
                          .Register(*registry_);
  auto& waits = prometheus::BuildCounter()
                    .Name("accrue_sqlite_wal_commit_waits_total")
                    .Help(
                        "Commits that waited for the write-ahead log to be copied whole, by "
                        "result: copied, or gave_up when a reader held on past the patience")
                    .Register(*registry_);
  f_ = std::make_unique<Families>(Families{requests, latency, reports, batch, groups, folds,
                                           last_fold, wal_pages, checkpoints, waits});
}

Metrics::~Metrics() = default;

void Metrics::Request(const std::string& route, const std::string& method, int status,
                      std::chrono::steady_clock::duration latency) {
  f_->requests.Add({{"route", route}, {"method", method}, {"status", std::to_string(status)}})
      .Increment();
  static const prometheus::Histogram::BucketBoundaries kBounds{
      0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  f_->latency.Add({{"route", route}}, kBounds)
      .Observe(std::chrono::duration<double>(latency).count());
}

void Metrics::Reports(const std::string& outcome, int64_t n) {
  f_->reports.Add({{"outcome", outcome}}).Increment(static_cast<double>(n));
}

void Metrics::Batch(size_t reports) { f_->batch.Observe(static_cast<double>(reports)); }

void Metrics::IntakeGroups(int64_t foreground, int64_t background, int64_t redone) {
  std::lock_guard<std::mutex> lock(sync_mu_);
  for (const auto& [mode, count] :
       {std::pair{"foreground", foreground}, {"background", background}, {"redone", redone}}) {
    CatchUp(f_->groups.Add({{"mode", mode}}), count);
  }
}

void Metrics::Wal(const WalStats& wal) {
  std::lock_guard<std::mutex> lock(sync_mu_);
  f_->wal_pages.Add({}).Set(static_cast<double>(wal.pages));
  CatchUp(f_->checkpoints.Add({}), wal.checkpoints);
  CatchUp(f_->waits.Add({{"result", "copied"}}), wal.commits_waited - wal.waits_given_up);
  CatchUp(f_->waits.Add({{"result", "gave_up"}}), wal.waits_given_up);
}

void Metrics::Folded(std::chrono::system_clock::time_point at) {
  f_->folds.Increment();
  f_->last_fold.Set(std::chrono::duration<double>(at.time_since_epoch()).count());
}

std::string Metrics::Render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace accrue::api
