// The PostgreSQL store, against a real server started for the test process: what only a server
// engine has to show (the behaviours both engines share are in store_test.cc). Processes
// ingesting the same workers at once agree with a sum computed independently, start up together
// without racing over the schema, and the batches hash exactly as SQLite's.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "ingest/csv_ingest.h"
#include "ingest/ingestor.h"
#include "ingest/report_csv.h"
#include "ledger/account_view.h"
#include "registry/registry.h"
#include "store/postgres_db.h"
#include "store/store.h"
#include "testing/engine_store.h"
#include "testing/temp_dir.h"

namespace accrue {
namespace {

using testing::PostgresServer;

// After every work date used here, so that none lies in the future.
const std::chrono::system_clock::time_point kNow =
    std::chrono::sys_days(std::chrono::year{2026} / 10 / 15);

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PostgresServer& server = PostgresServer::Shared();
    ASSERT_TRUE(server.ok()) << server.error();
    url_ = server.NewDatabase();
    ASSERT_FALSE(url_.empty()) << server.error();
    auto s = OpenPostgresStore(url_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    ASSERT_TRUE(testing::SeedJurisdictionsAndPolicies(*store_));
    ASSERT_TRUE(store_->AddEntities({{"rideco", "RideCo", "rideshare", 5000}}).ok());
    auto workers = store_->AddWorkers({Worker{AccountNumber::FromSerial(5001), "Ana",
                                              *Date::Parse("1990-04-01"), "US-WA-SEATTLE"}});
    ASSERT_TRUE(workers.ok()) << workers.status().message();
    worker_ = workers->at(0).account;
    auto registry = Registry::Load(*store_);
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = std::move(*registry);
  }

  WorkReport Report(const std::string& id, const std::string& date, const std::string& hours,
                    AccountNumber worker = AccountNumber()) {
    WorkReport r;
    r.entity = "rideco";
    r.report_id = id;
    r.worker = worker.valid() ? worker : worker_;
    r.work_date = *Date::Parse(date);
    r.jurisdiction = "US-WA-SEATTLE";
    r.hours = *Hours::Parse(hours, 4);
    r.earnings = Money::Whole(25);
    r.jobs = 1;
    return r;
  }

  // Records reports in one batch; returns each outcome.
  std::vector<ReportResult> Record(const std::vector<WorkReport>& reports, bool commit = true) {
    Ingestor ingestor(*store_, *registry_, kNow);
    EXPECT_TRUE(ingestor.Begin().ok());
    std::vector<ReportResult> out;
    int64_t row = 2;
    for (const auto& r : reports) out.push_back(ingestor.Add(IncomingReport{row++, r, {}}));
    if (commit) {
      auto receipt = ingestor.Commit("test");
      EXPECT_TRUE(receipt.ok()) << receipt.status().message();
    } else {
      ingestor.Abort();
    }
    return out;
  }

  int64_t Workers() {
    auto rows = store_->sql().Query("SELECT count(*) FROM workers");
    EXPECT_TRUE(rows.ok() && rows->size() == 1);
    return rows.ok() && rows->size() == 1 ? rows->at(0).Int(0) : -1;
  }

  std::vector<std::string> Problems() {
    auto v = store_->Verify();
    EXPECT_TRUE(v.ok()) << v.status().message();
    return v.ok() ? v->problems : std::vector<std::string>{"verify failed"};
  }

  std::string url_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
  AccountNumber worker_;
};

// The engines are interchangeable down to the chain: the same batches hash alike in both.
TEST_F(PostgresStoreTest, BatchesHashAsInSqlite) {
  testing::TempDir dir;
  auto opened = OpenSqliteStore(dir / "ledger.db");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  Store& sqlite = **opened;
  auto jurisdictions = store_->ListJurisdictions();
  ASSERT_TRUE(jurisdictions.ok());
  ASSERT_TRUE(sqlite.AddJurisdictions(*jurisdictions).ok());
  ASSERT_TRUE(LoadPoliciesIntoStore(sqlite, std::string(ACCRUE_SOURCE_DIR) + "/policies").ok());
  ASSERT_TRUE(sqlite.AddEntities({{"rideco", "RideCo", "rideshare", 5000}}).ok());
  ASSERT_TRUE(sqlite.AddWorkers({*store_->FindWorker(worker_).value()}).ok());
  auto sqlite_registry = Registry::Load(sqlite);
  ASSERT_TRUE(sqlite_registry.ok());
  WorkReport fix = Report("a1-fix", "2026-03-02", "5.5");
  fix.replaces = "a1";
  const std::vector<std::vector<WorkReport>> batches = {
      {Report("a1", "2026-03-02", "3"), Report("a2", "2026-03-03", "21")},
      {fix, Report("a3", "2026-04-01", "8")}};
  for (const auto& batch : batches) {
    std::vector<Hash> hashes;
    for (auto [store, registry] : {std::pair<Store*, Registry*>{store_.get(), registry_.get()},
                                   {&sqlite, sqlite_registry->get()}}) {
      Ingestor ingestor(*store, *registry, kNow);
      ASSERT_TRUE(ingestor.Begin().ok());
      int64_t row = 2;
      for (const auto& r : batch) {
        ReportResult out = ingestor.Add(IncomingReport{row++, r, {}});
        EXPECT_TRUE(out.errors.empty()) << out.errors[0].message;
      }
      auto receipt = ingestor.Commit("test");
      ASSERT_TRUE(receipt.ok()) << receipt.status().message();
      hashes.push_back(receipt->hash);
    }
    EXPECT_EQ(HashHex(hashes[0]), HashHex(hashes[1]));
  }
  EXPECT_TRUE(Problems().empty());
}

// PostgreSQL cannot say whether another client committed meanwhile, so a background writer
// could not know that its batch still holds: a pipelined ingestor refuses to begin, and a CSV
// ingest given a reader records its batches one at a time.
TEST_F(PostgresStoreTest, BatchesAreNotPipelined) {
  auto reader = OpenPostgresStore(url_);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  Ingestor pipelined(*store_, *registry_, kNow, reader->get());
  const Status begun = pipelined.Begin();
  EXPECT_EQ(begun.code(), Code::kPrecondition);
  EXPECT_EQ(begun.message(), "this store cannot write batches in the background");
  EXPECT_EQ(pipelined.Add({2, Report("p0", "2026-03-02", "1"), {}}).outcome, Outcome::kRejected);

  std::string csv = ReportCsvHeaderLine();
  for (int i = 0; i < 5; ++i) {
    AppendReportCsvRow(Report("p" + std::to_string(i), "2026-03-0" + std::to_string(i + 1), "2"),
                       &csv);
  }
  CsvIngestOptions options;
  options.batch_rows = 2;
  options.now = kNow;
  options.reader = reader->get();
  auto summary = IngestCsv(*store_, *registry_, CsvReader::FromString(csv), options);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->recorded, 5);
  EXPECT_EQ(summary->batches, 3);
  EXPECT_TRUE(Problems().empty());
}

TEST_F(PostgresStoreTest, RegistriesAreIdempotentAndIssueAccountNumbers) {
  EXPECT_TRUE(store_->AddEntities({{"rideco", "RideCo", "rideshare", 5000}}).ok());
  EXPECT_EQ(store_->AddEntities({{"rideco", "RideCo", "delivery", 5000}}).code(), Code::kConflict);
  std::vector<Worker> list(
      50, Worker{AccountNumber(), "W", *Date::Parse("1990-01-01"), "US-WA-SEATTLE"});
  auto added = store_->AddWorkers(list);
  ASSERT_TRUE(added.ok()) << added.status().message();
  std::set<uint64_t> numbers;
  for (const Worker& w : *added) {
    EXPECT_TRUE(w.account.valid());
    numbers.insert(w.account.value());
  }
  EXPECT_EQ(numbers.size(), 50u);
  EXPECT_EQ(Workers(), 51);
  auto again = store_->AddWorkers({added->front()});
  EXPECT_EQ(again.status().code(), Code::kConflict);
  EXPECT_EQ(Workers(), 51);
  auto found = store_->FindWorker(added->back().account);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->home_jurisdiction, "US-WA-SEATTLE");
}

// Processes starting at once on an empty database: the migrations run once, under their lock.
TEST_F(PostgresStoreTest, StoresOpenedTogetherMigrateOnce) {
  const std::string url = PostgresServer::Shared().NewDatabase();
  ASSERT_FALSE(url.empty());
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = OpenPostgresStore(url).status(); });
  }
  for (auto& t : threads) t.join();
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.message();
  auto db = PgDb::Open(url);
  ASSERT_TRUE(db.ok());
  auto r = (*db)->Query("SELECT value FROM meta WHERE key = 'schema'");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->rows(), 1);
  EXPECT_EQ(r->Text(0, 0), "3");  // every migration, each once
}

// Two nodes (each its own connection, registry and ingestor) ingest interleaved batches for
// the same workers: the 40-hour weekly cap, the sick-leave accrual and the 24-hour day all
// depend on what the other node recorded, and the same report sent to both is recorded once.
TEST_F(PostgresStoreTest, TwoNodesIngestingTheSameWorkersAgreeWithAnIndependentSum) {
  constexpr int kWorkers = 10;
  std::vector<Worker> list(
      kWorkers, Worker{AccountNumber(), "W", *Date::Parse("1990-01-01"), "US-WA-SEATTLE"});
  auto added = store_->AddWorkers(list);
  ASSERT_TRUE(added.ok()) << added.status().message();
  std::vector<AccountNumber> workers;
  for (const Worker& w : *added) workers.push_back(w.account);

  struct Sent {
    WorkReport report;
    Outcome outcome;
  };
  auto node = [&](char tag, std::vector<Sent>* outcomes, Status* failure) {
    auto store = OpenPostgresStore(url_);
    if (!store.ok()) {
      *failure = store.status();
      return;
    }
    auto registry = Registry::Load(**store);
    if (!registry.ok()) {
      *failure = registry.status();
      return;
    }
    // Per worker: five 5-hour days (Monday 2 March to Friday 6 March 2026, one week), three
    // 5-hour reports contesting Tuesday's 24 hours, and one report both nodes send.
    std::vector<WorkReport> reports;
    const char* days[] = {"2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"};
    for (int k = 0; k < 9; ++k) {
      for (int w = 0; w < kWorkers; ++w) {
        const std::string id = std::string(1, tag) + "-" + std::to_string(w) + "-";
        if (k < 5) {
          reports.push_back(Report(id + "d" + std::to_string(k), days[k], "5", workers[w]));
        } else if (k < 8) {
          reports.push_back(Report(id + "c" + std::to_string(k), days[1], "5", workers[w]));
        } else {
          reports.push_back(Report("s-" + std::to_string(w), days[4], "2", workers[w]));
        }
      }
    }
    Ingestor ingestor(**store, **registry, kNow);
    for (size_t at = 0; at < reports.size(); at += 7) {
      if (Status st = ingestor.Begin(); !st.ok()) {
        *failure = st;
        return;
      }
      for (size_t i = at; i < std::min(reports.size(), at + 7); ++i) {
        ReportResult r = ingestor.Add(IncomingReport{static_cast<int64_t>(i), reports[i], {}});
        outcomes->push_back({reports[i], r.outcome});
      }
      if (auto receipt = ingestor.Commit(std::string("node ") + tag); !receipt.ok()) {
        *failure = receipt.status();
        return;
      }
    }
  };
  std::vector<Sent> a, b;
  Status fa, fb;
  std::thread ta(node, 'a', &a, &fa), tb(node, 'b', &b, &fb);
  ta.join();
  tb.join();
  ASSERT_TRUE(fa.ok()) << fa.message();
  ASSERT_TRUE(fb.ok()) << fb.message();

  // The independent sum: hours recorded per worker and per worker-day.
  std::map<uint64_t, int64_t> hours;
  std::map<std::pair<uint64_t, int32_t>, int64_t> day_hours;
  std::map<std::string, int> recorded_ids, already_ids;
  int64_t recorded = 0;
  for (const auto* list : {&a, &b}) {
    for (const Sent& o : *list) {
      ASSERT_NE(o.outcome, Outcome::kCorrected);
      if (o.outcome == Outcome::kAlreadyRecorded) ++already_ids[o.report.report_id];
      if (o.outcome != Outcome::kRecorded) continue;
      ++recorded;
      ++recorded_ids[o.report.report_id];
      hours[o.report.worker.value()] += o.report.hours.units();
      day_hours[{o.report.worker.value(), o.report.work_date.days()}] += o.report.hours.units();
    }
  }
  for (const auto& [id, n] : recorded_ids) EXPECT_EQ(n, 1) << id;
  for (int w = 0; w < kWorkers; ++w) {
    EXPECT_EQ(already_ids["s-" + std::to_string(w)], 1);
  }
  for (const auto& [key, h] : day_hours) {
    EXPECT_LE(h, Hours::Whole(24).units()) << "worker " << key.first << " day " << key.second;
  }
  EXPECT_EQ(*store_->CountEntries(), recorded);
  for (AccountNumber w : workers) {
    const int64_t h = hours[w.value()];
    // The 40-hour weekly cap on contributions: health is 1.00 of the 2.00 per hour.
    const int64_t capped = std::min(h, Hours::Whole(40).units());
    auto health = store_->Balance(WorkerAccount(w, "health", Unit::kMoney));
    ASSERT_TRUE(health.ok());
    EXPECT_EQ(*health, Money::Whole(1).units() * capped / Hours::Whole(1).units())
        << w.ToString() << " worked " << Hours::FromUnits(h).ToString() << " h";
    // One hour of sick leave per 30 worked, fractions carried (to the micro-hour).
    auto sick = store_->Balance(WorkerAccount(w, "sick_leave", Unit::kHours));
    ASSERT_TRUE(sick.ok());
    EXPECT_EQ(*sick, std::min(h / 30, Hours::Whole(72).units()))
        << w.ToString() << " worked " << Hours::FromUnits(h).ToString() << " h";
  }
  auto v = store_->Verify();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_TRUE(v->problems.empty()) << v->problems.front();
  EXPECT_EQ(v->entries, recorded);
}

}  // namespace
}  // namespace accrue
