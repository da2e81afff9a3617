// row_shape_bench: what the SQLite writer's rows alone cost a report, as the ledger writes them
// today and in the shapes a redesign of the derived tables could take: the floor under batch
// intake and CSV ingest, whose one writer thread is their bound.
//
// Contract:
//   - For each shape, a fresh store in --dir (the real schema and connection settings: the
//     store is opened once, then written through a connection of its own), and --reports
//     reports of workers drawn at random among --workers, in transactions of --batch. Only
//     rows: no evaluation, no encoding of legs (a fixed 67-byte blob, their mean size in
//     ingest_bench's month), no hash chain, no dictionary look-ups.
//   - Shapes:
//       entries  the entry row and its three indexes, nothing derived;
//       today    the entry; a new worker's accounts (two or three, by key) or else the
//                existing ones' balances updated; the sum by payer and the count of reports
//                (upserts); a running total by key, 8 reports in 10 (new the first time);
//       state    the entry, one row per worker holding balances, sums and count (a 60-byte
//                blob, upserted), and the running total as today;
//       state+totals  the entry and one row per worker that holds the running totals too.
//   - Prints, per shape, µs per report, reports/s and the ratio to "entries".
//
// Usage:
//   row_shape_bench [--workers N] [--reports N] [--batch N] [--dir D]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/sqlite_db.h"
#include "store/store.h"

namespace accrue {
namespace {

namespace fs = std::filesystem;

enum class Shape { kEntries, kToday, kState, kStateAndTotals };

struct Args {
  int64_t workers = 100'000;
  int64_t reports = 200'000;
  int64_t batch = 10'000;
  std::string dir = "/tmp/accrue-row-shape";
};

// What the writer knows between reports: the ids it gave, as its dictionary would.
struct Ids {
  std::unordered_map<uint64_t, std::vector<int64_t>> accounts;  // by worker
  std::unordered_map<std::string, int64_t> totals;              // by key
  int64_t next_account = 1;
  int64_t next_total = 1;
};

constexpr std::string_view kBenefits[] = {"health", "disability", "vacation"};

class Writer {
 public:
  Writer(SqliteDb* db, Shape shape) : db_(db), shape_(shape) {}

  Status Report(int64_t n, uint64_t worker, const std::string& entity, int64_t batch,
                bool touches_total) {
    RETURN_IF_ERROR(Entry(n, worker, entity, batch));
    switch (shape_) {
      case Shape::kEntries:
        return Status::Ok();
      case Shape::kToday:
        RETURN_IF_ERROR(Accounts(worker, batch));
        RETURN_IF_ERROR(
            Run("INSERT INTO worker_payers(worker,entity,payer,money) VALUES(?,?,1,100)"
                " ON CONFLICT(worker,entity,payer) DO UPDATE SET money=money+100",
                worker, entity));
        RETURN_IF_ERROR(
            Run("INSERT INTO worker_reports(worker,reports) VALUES(?,1) "
                "ON CONFLICT(worker) DO UPDATE SET reports=reports+1",
                worker));
        return touches_total ? Total(worker, batch) : Status::Ok();
      case Shape::kState:
        RETURN_IF_ERROR(State(worker));
        return touches_total ? Total(worker, batch) : Status::Ok();
      case Shape::kStateAndTotals:
        return State(worker);
    }
    return Status::Ok();
  }

 private:
  Status Entry(int64_t n, uint64_t worker, const std::string& entity, int64_t batch) {
    ASSIGN_OR_RETURN(SqliteStmt * s,
                     db_->Prepare("INSERT INTO entries(batch,entity,report_id,worker,work_date,"
                                  "jurisdiction,hours,earnings,tips,jobs,classification,sector,"
                                  "replaces,legs) VALUES(?,?,?,?,?,'US-WA-SEATTLE',?,?,0,1,1,"
                                  "'rideshare','',?)"));
    const std::string report_id = "r" + std::to_string(n);
    s->Bind(1, batch).BindView(2, entity).BindView(3, report_id);
    s->Bind(4, static_cast<int64_t>(worker)).Bind(5, 20'700 + n % 30);
    return s->Bind(6, 12'345).Bind(7, 250'000).BindBlobView(8, legs_).Run();
  }

  Status Accounts(uint64_t worker, int64_t batch) {
    std::vector<int64_t>& ids = ids_.accounts[worker];
    if (!ids.empty()) {
      ASSIGN_OR_RETURN(SqliteStmt * s,
                       db_->Prepare("UPDATE accounts SET balance=balance+100 WHERE id=?"));
      for (int64_t id : ids) RETURN_IF_ERROR(s->Again().Bind(1, id).Run());
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(SqliteStmt * s,
                     db_->Prepare("INSERT INTO accounts(id,key,unit,worker,balance,batch) "
                                  "VALUES(?,?,0,?,100,?)"));
    for (size_t b = 0; b < 2 + worker % 2; ++b) {
      const std::string key = "W/" + std::to_string(worker) + "/" + std::string(kBenefits[b]);
      const int64_t id = ids_.next_account++;
      s->Again().Bind(1, id).BindView(2, key).Bind(3, static_cast<int64_t>(worker));
      RETURN_IF_ERROR(s->Bind(4, batch).Run());
      ids.push_back(id);
    }
    return Status::Ok();
  }

  Status Total(uint64_t worker, int64_t batch) {
    const std::string key =
        "acc|us-wa-seattle-portable|sick_leave|w" + std::to_string(worker) + "|2026";
    if (auto it = ids_.totals.find(key); it != ids_.totals.end()) {
      ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("UPDATE totals SET basis=basis+1, "
                                                    "amount=amount+1 WHERE id=?"));
      return s->Bind(1, it->second).Run();
    }
    ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("INSERT INTO totals(id,key,basis,amount,batch)"
                                                  " VALUES(?,?,1,1,?)"));
    const int64_t id = ids_.next_total++;
    RETURN_IF_ERROR(s->Bind(1, id).BindView(2, key).Bind(3, batch).Run());
    ids_.totals.emplace(key, id);
    return Status::Ok();
  }

  Status State(uint64_t worker) {
    return Run(
        "INSERT INTO worker_state(worker,state) VALUES(?,zeroblob(60)) "
        "ON CONFLICT(worker) DO UPDATE SET state=excluded.state",
        worker);
  }

  Status Run(std::string_view sql, uint64_t worker, std::string_view entity = {}) {
    ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(sql));
    s->Bind(1, static_cast<int64_t>(worker));
    if (!entity.empty()) s->BindView(2, entity);
    return s->Run();
  }

  SqliteDb* db_;
  Shape shape_;
  Ids ids_;
  const std::string legs_ = std::string(67, 'x');
};

// Microseconds a report for one shape, on a fresh store.
Result<double> Measure(const Args& a, Shape shape) {
  fs::remove_all(a.dir);
  fs::create_directories(a.dir);
  const std::string path = a.dir + "/shape.db";
  {
    ASSIGN_OR_RETURN(auto store, OpenSqliteStore(path));  // the schema, by its migrations
  }
  ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path));
  // As the store's writer connection is set (SqliteStore::Migrate, OpenSqliteStore).
  RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL; PRAGMA cache_size=-262144;"));
  RETURN_IF_ERROR(db->CheckpointInBackground());
  RETURN_IF_ERROR(
      db->Exec("CREATE TABLE worker_state(worker INTEGER PRIMARY KEY, "
               "state BLOB NOT NULL)"));
  std::mt19937_64 rng(7);
  std::vector<uint64_t> accounts(static_cast<size_t>(a.workers));
  for (uint64_t& account : accounts) account = 100'000'000'000 + rng() % 899'999'999'999;
  Writer writer(db.get(), shape);
  const auto start = std::chrono::steady_clock::now();
  for (int64_t n = 0; n < a.reports; ++n) {
    if (n % a.batch == 0) RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
    const uint64_t worker = accounts[rng() % accounts.size()];
    const std::string entity = "entity-" + std::to_string(rng() % 50);
    RETURN_IF_ERROR(writer.Report(n, worker, entity, n / a.batch, rng() % 10 < 8));
    if (n % a.batch == a.batch - 1 || n + 1 == a.reports) {
      db->ResetAll();
      RETURN_IF_ERROR(db->Exec("COMMIT"));
    }
  }
  const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
  db.reset();
  fs::remove_all(a.dir);
  return took.count() / static_cast<double>(a.reports);
}

Status RunAll(const Args& a) {
  std::printf("row_shape_bench: %lld reports of %lld workers, transactions of %lld\n",
              static_cast<long long>(a.reports), static_cast<long long>(a.workers),
              static_cast<long long>(a.batch));
  std::printf("%-14s %10s %12s %8s\n", "shape", "us/report", "reports/s", "ratio");
  const std::pair<Shape, const char*> shapes[] = {{Shape::kEntries, "entries"},
                                                  {Shape::kToday, "today"},
                                                  {Shape::kState, "state"},
                                                  {Shape::kStateAndTotals, "state+totals"}};
  double floor = 0;
  for (const auto& [shape, name] : shapes) {
    ASSIGN_OR_RETURN(const double us, Measure(a, shape));
    if (shape == Shape::kEntries) floor = us;
    std::printf("%-14s %10.2f %12.0f %8.2f\n", name, us, 1e6 / us, us / floor);
  }
  return Status::Ok();
}

}  // namespace
}  // namespace accrue

int main(int argc, char** argv) {
  accrue::Args a;
  CLI::App app{"What the SQLite writer's rows alone cost a report, by schema shape"};
  app.add_option("--workers", a.workers, "Workers the reports are drawn among")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  app.add_option("--reports", a.reports, "Reports written per shape")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  app.add_option("--batch", a.batch, "Reports per transaction")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}));
  app.add_option("--dir", a.dir, "Directory for the scratch store (emptied)");
  CLI11_PARSE(app, argc, argv);
  const accrue::Status st = accrue::RunAll(a);
  if (!st.ok()) {
    std::cerr << "row_shape_bench: " << st.message() << "\n";
    return 1;
  }
  return 0;
}
