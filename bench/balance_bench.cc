// balance_bench: what reading a worker's balance costs as their history grows.
//
// Contract:
//   - For each history length H in --histories (default 10,100,1000): a fresh SQLite store in
//     --dir, seeded as `accrue demo` does, with --workers workers (default 100) who each have
//     exactly H reports spread over the two years to 2026-11-30 (MakeWorkload/ReportStream),
//     recorded through the ingestor in durable batches of 10,000.
//   - Then, from one connection, --reads (default 20,000) timed calls on random workers of:
//     "balance" — SummarizeAccount, what `accrue balance` and GET /v1/workers/{account} show;
//     "replay" — the worker's entries read and decoded (Store::WorkerEntries), what explain,
//     statements and the history read, and what the balance's split by payer used to need.
//   - Prints per H and read: reads/s and p50/p99 latency in microseconds. The balance should
//     not grow with H; the replay does, as the contrast. Exit status 1 on any failure.
//
// Usage:
//   balance_bench [--workers N] [--histories H,H,…] [--reads N] [--dir D] [--policies D]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/ingestor.h"
#include "ledger/account_view.h"
#include "registry/registry.h"
#include "seed.h"
#include "store/store.h"
#include "workload/workload.h"

namespace accrue {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Args {
  int64_t workers = 100;
  std::vector<int64_t> histories = {10, 100, 1000};
  int64_t reads = 20'000;
  std::string dir = "/tmp/accrue-balance-bench";
  std::string policies = "policies";
};

struct Timing {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
};

// Records the workload's reports in batches; every one must be recorded.
Status Record(Store& store, const Registry& registry, const Workload& w) {
  // "Now" is after the two years, so no work date lies in the future.
  const auto now = std::chrono::sys_days(std::chrono::year{2026} / 12 / 1);
  ReportStream stream(w);
  WorkReport report;
  bool more = true;
  int64_t row = 0;
  while (more) {
    Ingestor ingestor(store, registry, now);
    RETURN_IF_ERROR(ingestor.Begin());
    for (int i = 0; i < 10'000 && (more = stream.Next(&report)); ++i) {
      ReportResult r = ingestor.Add(IncomingReport{++row, report, {}});
      if (r.outcome != Outcome::kRecorded) {
        return Status::Invalid("report " + report.report_id + " was not recorded" +
                               (r.errors.empty() ? "" : ": " + r.errors[0].message));
      }
    }
    ASSIGN_OR_RETURN(auto receipt, ingestor.Commit("balance_bench"));
    (void)receipt;
  }
  return Status::Ok();
}

// Times `read` on random workers; `read` fails the run by returning an error.
template <typename Read>
Result<Timing> Time(const Workload& w, int64_t reads, Read read) {
  std::mt19937_64 rng(7);
  std::vector<double> us;
  us.reserve(static_cast<size_t>(reads));
  const auto start = Clock::now();
  for (int64_t i = 0; i < reads; ++i) {
    const Worker& worker = w.workers[rng() % w.workers.size()];
    const auto t = Clock::now();
    RETURN_IF_ERROR(read(worker.account));
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[static_cast<size_t>(q * static_cast<double>(us.size() - 1))];
  };
  return Timing{static_cast<double>(reads) / seconds, at(0.50), at(0.99)};
}

Status RunHistory(const Args& a, int64_t history) {
  WorkloadSpec spec;
  spec.workers = a.workers;
  spec.entities = 12;
  spec.reports = a.workers * history;
  spec.first_day = Date::FromYmd(2024, 12, 1);
  spec.days = 730;
  const Workload w = MakeWorkload(spec);
  const fs::path db = fs::path(a.dir) / ("history-" + std::to_string(history) + ".db");
  ASSIGN_OR_RETURN(auto store, OpenSqliteStore(db.string()));
  RETURN_IF_ERROR(bench::Seed(*store, a.policies, w).WithContext("seeding the store"));
  ASSIGN_OR_RETURN(auto registry, Registry::Load(*store));
  RETURN_IF_ERROR(Record(*store, *registry, w).WithContext("recording the history"));
  RETURN_IF_ERROR(store->TuneForReads());
  ASSIGN_OR_RETURN(Timing balance, Time(w, a.reads, [&](AccountNumber account) -> Status {
                     return SummarizeAccount(*store, account).status();
                   }));
  ASSIGN_OR_RETURN(Timing replay, Time(w, a.reads, [&](AccountNumber account) -> Status {
                     return store->WorkerEntries(account).status();
                   }));
  for (const auto& [name, t] : {std::pair{"balance", balance}, std::pair{"replay", replay}}) {
    std::printf("%8lld %-8s %12.0f %10.1f %10.1f\n", static_cast<long long>(history), name,
                t.per_second, t.p50_us, t.p99_us);
  }
  return Status::Ok();
}

Status Run(const Args& a) {
  fs::remove_all(a.dir);
  fs::create_directories(a.dir);
  std::printf("balance_bench: %lld workers, %lld reads per measure, SQLite\n",
              static_cast<long long>(a.workers), static_cast<long long>(a.reads));
  std::printf("%8s %-8s %12s %10s %10s\n", "history", "read", "reads/s", "p50 us", "p99 us");
  for (int64_t h : a.histories) RETURN_IF_ERROR(RunHistory(a, h));
  fs::remove_all(a.dir);
  return Status::Ok();
}

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "balance_bench: " << what << "\n";
  std::exit(1);
}

int64_t Positive(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    const int64_t v = std::stoll(text, &used);
    if (used == text.size() && v > 0 && v <= 100'000'000) return v;
  } catch (const std::exception&) {
  }
  Die(flag + " wants a whole number from 1 to 100000000, not '" + text + "'");
}

}  // namespace
}  // namespace accrue

int main(int argc, char** argv) {
  accrue::Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) accrue::Die("unknown option or missing value: " + k);
    const std::string v = argv[++i];
    if (k == "--workers") {
      a.workers = accrue::Positive(k, v);
    } else if (k == "--reads") {
      a.reads = accrue::Positive(k, v);
    } else if (k == "--histories") {
      a.histories.clear();
      std::stringstream list(v);
      for (std::string h; std::getline(list, h, ',');)
        a.histories.push_back(accrue::Positive(k, h));
    } else if (k == "--dir") {
      a.dir = v;
    } else if (k == "--policies") {
      a.policies = v;
    } else {
      accrue::Die("unknown option " + k);
    }
  }
  const accrue::Status st = accrue::Run(a);
  if (!st.ok()) accrue::Die(st.message());
  return 0;
}
