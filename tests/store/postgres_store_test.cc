// The PostgreSQL store, against a real server started for the test process: the same
// behaviours as the SQLite store's tests (batches are atomic, corrections reverse exactly,
// verify catches tampering), and what only a server engine has to show: processes ingesting
// the same workers at once agree with a sum computed independently, and start up together
// without racing over the schema.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "csv/csv_reader.h"
#include "ingest/ingestor.h"
#include "ingest/registry_csv.h"
#include "ledger/account_view.h"
#include "registry/registry.h"
#include "store/postgres_db.h"
#include "store/store.h"
#include "testing/postgres_server.h"
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
    auto reader = CsvReader::Open(std::string(ACCRUE_SOURCE_DIR) + "/policies/jurisdictions.csv");
    ASSERT_TRUE(reader.ok());
    auto csv = ReadJurisdictionsCsv(&*reader);
    ASSERT_TRUE(csv.ok() && csv->errors.empty());
    std::vector<Jurisdiction> jurisdictions;
    for (const auto& e : csv->entries) jurisdictions.push_back(e.value);
    ASSERT_TRUE(store_->AddJurisdictions(jurisdictions).ok());
    auto loaded = LoadPoliciesIntoStore(*store_, std::string(ACCRUE_SOURCE_DIR) + "/policies");
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
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

  Money Balance(const std::string& benefit) {
    auto s = SummarizeAccount(*store_, worker_);
    EXPECT_TRUE(s.ok());
    for (const auto& b : s->benefits) {
      if (b.benefit == benefit) return b.money;
    }
    return Money();
  }

  // Runs SQL on a connection of its own, as someone with direct database access would.
  void Sql(const std::string& sql) {
    auto db = PgDb::Open(url_);
    ASSERT_TRUE(db.ok()) << db.status().message();
    Status st = (*db)->Exec(sql);
    EXPECT_TRUE(st.ok()) << st.message();
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

TEST_F(PostgresStoreTest, RecordsExplainsAndVerifies) {
  auto out = Record({Report("a1", "2026-03-02", "3"), Report("a2", "2026-03-03", "5")});
  ASSERT_EQ(out[0].outcome, Outcome::kRecorded);
  ASSERT_EQ(out[1].outcome, Outcome::kRecorded);
  // Seattle pack: 8 h × 2.00 = 16.00, health share 1.00/2.00 → 8.00.
  EXPECT_EQ(Balance("health").ToString(2), "8.00");
  EXPECT_EQ(*store_->CountEntries(), 2);
  EXPECT_TRUE(Problems().empty());
  auto lines = ExplainAccount(*store_, worker_, "health");
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ((*lines)[0].pack, "us-wa-seattle-portable");
  EXPECT_EQ((*lines)[0].version, "2026-01-01");
  EXPECT_EQ((*lines)[0].rule, "hourly");
  EXPECT_EQ((*lines)[0].rate, "2.00/h");
}

TEST_F(PostgresStoreTest, AResendIsANoOpAndADifferentReportUnderAUsedIdIsRefused) {
  Record({Report("a1", "2026-03-02", "3")});
  auto again = Record({Report("a1", "2026-03-02", "3")});
  EXPECT_EQ(again[0].outcome, Outcome::kAlreadyRecorded);
  auto other = Record({Report("a1", "2026-03-02", "4")});
  ASSERT_EQ(other[0].outcome, Outcome::kRejected);
  EXPECT_EQ(other[0].errors[0].field, "report_id");
  EXPECT_NE(other[0].errors[0].message.find("differs in hours"), std::string::npos)
      << other[0].errors[0].message;
  EXPECT_EQ(*store_->CountEntries(), 1);
  EXPECT_EQ(Balance("health").ToString(2), "3.00");
}

TEST_F(PostgresStoreTest, ACorrectionReversesExactlyAndCannotBeRepeated) {
  Record({Report("a1", "2026-03-02", "3")});
  WorkReport fix = Report("a1-fix", "2026-03-02", "5.5");
  fix.replaces = "a1";
  auto out = Record({fix});
  ASSERT_EQ(out[0].outcome, Outcome::kCorrected);
  EXPECT_EQ(Balance("health").ToString(2), "5.50");
  WorkReport again = Report("a1-fix2", "2026-03-02", "1");
  again.replaces = "a1";
  auto refused = Record({again});
  ASSERT_EQ(refused[0].outcome, Outcome::kRejected);
  // (The wording is the ingestor's; what matters here is what the store told it.)
  EXPECT_EQ(refused[0].errors[0].field, "replaces");
  EXPECT_NE(refused[0].errors[0].message.find("already replaced by 'a1-fix'"), std::string::npos)
      << refused[0].errors[0].message;
  WorkReport unknown = Report("a9", "2026-03-02", "1");
  unknown.replaces = "nope";
  auto none = Record({unknown});
  ASSERT_EQ(none[0].outcome, Outcome::kRejected);
  EXPECT_EQ(none[0].errors[0].field, "replaces");
  EXPECT_NE(none[0].errors[0].message.find("'nope'"), std::string::npos);
  EXPECT_TRUE(Problems().empty());
}

TEST_F(PostgresStoreTest, ACorrectionMovingAReportToAnotherWorkerShowsOnBoth) {
  auto other = store_->AddWorkers(
      {Worker{AccountNumber(), "Bo", *Date::Parse("1991-05-01"), "US-WA-SEATTLE"}});
  ASSERT_TRUE(other.ok());
  const AccountNumber bo = other->at(0).account;
  Record({Report("a1", "2026-03-02", "3")});
  WorkReport fix = Report("a1-fix", "2026-03-02", "5.5", bo);
  fix.replaces = "a1";
  ASSERT_EQ(Record({fix})[0].outcome, Outcome::kCorrected);
  EXPECT_TRUE(Balance("health").is_zero());
  EXPECT_EQ(*store_->Balance(WorkerAccount(bo, "health", Unit::kMoney)),
            Money::Whole(1).units() * 55 / 10);
  auto mine = store_->WorkerEntries(worker_);
  ASSERT_TRUE(mine.ok()) << mine.status().message();
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[1].entry.report.report_id, "a1-fix");
  auto theirs = store_->WorkerEntries(bo);
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(theirs->size(), 1u);
  EXPECT_TRUE(Problems().empty());
}

TEST_F(PostgresStoreTest, TwentyFourHoursADayCountsStoredStagedAndCorrectedReports) {
  Record({Report("d1", "2026-03-02", "10")});
  auto out = Record({Report("d2", "2026-03-02", "10"), Report("d3", "2026-03-02", "4.0001")});
  EXPECT_EQ(out[0].outcome, Outcome::kRecorded);
  ASSERT_EQ(out[1].outcome, Outcome::kRejected);
  EXPECT_EQ(out[1].errors[0].field, "hours");
  EXPECT_NE(out[1].errors[0].message.find("24.0001"), std::string::npos);
  // Replacing the 10 h report with a 2 h one frees 8 hours of that day.
  WorkReport fix = Report("d1-fix", "2026-03-02", "2");
  fix.replaces = "d1";
  EXPECT_EQ(Record({fix, Report("d4", "2026-03-02", "12")})[1].outcome, Outcome::kRecorded);
  EXPECT_TRUE(Problems().empty());
}

TEST_F(PostgresStoreTest, AnAbortedBatchLeavesNothing) {
  Record({Report("a1", "2026-03-02", "3")}, /*commit=*/false);
  EXPECT_EQ(*store_->CountEntries(), 0);
  EXPECT_TRUE(Balance("health").is_zero());
  auto v = store_->Verify();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->batches, 0);
  EXPECT_TRUE(v->problems.empty());
  // The ids the aborted batch had interned are not reused wrongly by the next one.
  auto out = Record({Report("a2", "2026-03-02", "3")});
  EXPECT_EQ(out[0].outcome, Outcome::kRecorded);
  EXPECT_EQ(Balance("health").ToString(2), "3.00");
  EXPECT_TRUE(Problems().empty());
}

TEST_F(PostgresStoreTest, AnUnbalancedEntryIsRefusedAndNothingIsWritten) {
  ASSERT_TRUE(store_->Begin().ok());
  Entry e;
  e.report = Report("u1", "2026-03-02", "1");
  e.legs.push_back(Leg{"W/1/health", Unit::kMoney, 100, "", Payer::kHiringEntity, 0, "", ""});
  Status st = store_->Append({e});
  EXPECT_EQ(st.code(), Code::kCorruption);
  EXPECT_EQ(st.message(), "entry for report rideco/u1 does not balance");
  EXPECT_EQ(*store_->CountEntries(), 0);
  // The batch was rolled back: a new one can begin.
  EXPECT_TRUE(store_->Begin().ok());
  store_->Rollback();
}

TEST_F(PostgresStoreTest, VerifyDetectsAlteredReports) {
  Record({Report("a1", "2026-03-02", "3"), Report("a2", "2026-03-03", "5")});
  Sql("UPDATE entries SET hours = hours + 1000000 WHERE report_id = 'a2'");
  auto problems = Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "batch 1: hash mismatch (its contents were altered)");
}

TEST_F(PostgresStoreTest, VerifyDetectsAlteredBalancesAndLegs) {
  Record({Report("a1", "2026-03-02", "3")});
  Sql("UPDATE accounts SET balance = balance + 1 WHERE key LIKE 'W/%/health'");
  auto problems = Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("stored balance"), std::string::npos);
  EXPECT_NE(problems[0].find("but its legs sum to"), std::string::npos);
}

TEST_F(PostgresStoreTest, VerifyDetectsDeletedEntriesAndBrokenChains) {
  Record({Report("a1", "2026-03-02", "3")});
  Record({Report("a2", "2026-03-03", "3")});
  Record({Report("a3", "2026-03-04", "3")});
  Sql("DELETE FROM entries WHERE report_id = 'a2'");
  auto problems = Problems();
  EXPECT_FALSE(problems.empty());
  bool saw_count = false;
  for (const auto& p : problems) saw_count |= p == "batch 2: holds 0 entries, not 1";
  EXPECT_TRUE(saw_count);
}

TEST_F(PostgresStoreTest, VerifyDetectsARewrittenDictionary) {
  Record({Report("a1", "2026-03-02", "3")});
  Sql("UPDATE strings SET text = '9.99/h' WHERE text = '2.00/h'");
  auto problems = Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "batch 1: hash mismatch (its contents were altered)");
}

TEST_F(PostgresStoreTest, ChangedPackTextGetsANewRevision) {
  auto before = store_->LatestPacks();
  ASSERT_TRUE(before.ok());
  const StoredPack& p = before->front();
  EXPECT_EQ(*store_->PutPack(p.id, p.file, p.text), p.revision);
  EXPECT_EQ(*store_->PutPack(p.id, p.file, p.text + "\n# edited\n"), p.revision + 1);
  auto after = store_->LatestPacks();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), before->size());
}

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
  EXPECT_EQ(*store_->CountWorkers(), 51);
  auto again = store_->AddWorkers({added->front()});
  EXPECT_EQ(again.status().code(), Code::kConflict);
  EXPECT_EQ(*store_->CountWorkers(), 51);
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
  EXPECT_EQ(r->Text(0, 0), "1");
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

// A view made of several reads sees one state of the ledger: a batch another connection
// commits meanwhile appears only once the snapshot ends.
TEST_F(PostgresStoreTest, AReadSnapshotDoesNotSeeBatchesCommittedMeanwhile) {
  Record({Report("r-1", "2026-03-02", "8")});
  ASSERT_TRUE(store_->BeginRead().ok());
  ASSERT_TRUE(store_->BeginRead().ok());  // nested: adds nothing
  EXPECT_EQ(Balance("health").ToString(2), "8.00");
  {
    auto other = OpenPostgresStore(url_);
    ASSERT_TRUE(other.ok()) << other.status().message();
    Ingestor ingestor(**other, *registry_, kNow);
    ASSERT_TRUE(ingestor.Begin().ok());
    EXPECT_EQ(ingestor.Add(IncomingReport{2, Report("r-2", "2026-03-03", "4"), {}}).outcome,
              Outcome::kRecorded);
    ASSERT_TRUE(ingestor.Commit("test").ok());
  }
  EXPECT_EQ(Balance("health").ToString(2), "8.00");
  EXPECT_EQ(store_->WorkerEntries(worker_)->size(), 1U);
  store_->EndRead();
  EXPECT_EQ(Balance("health").ToString(2), "8.00");  // the outer snapshot still holds
  store_->EndRead();
  EXPECT_EQ(Balance("health").ToString(2), "12.00");
  EXPECT_EQ(store_->WorkerEntries(worker_)->size(), 2U);
}
}  // namespace
}  // namespace accrue
