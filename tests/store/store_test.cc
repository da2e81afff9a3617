// Both ledger engines behave alike: batches are atomic and durable, corrections reverse
// exactly, reads in a snapshot see one state, and verify catches every kind of tampering with
// the stored ledger. What only the PostgreSQL engine has to show is in postgres_store_test.cc.
#include "store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "ingest/ingestor.h"
#include "ledger/account_view.h"
#include "registry/registry.h"
#include "store/postgres_db.h"
#include "testing/engine_store.h"
#include "testing/temp_dir.h"

namespace accrue {
namespace {

class StoreTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    store_ = Open();
    ASSERT_NE(store_, nullptr);
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

  bool sqlite() const { return std::string(GetParam()) == "sqlite"; }

  // A new connection to the test's database.
  std::unique_ptr<Store> Open() {
    return testing::OpenEngineStore(GetParam(), dir_, &url_, "ledger.db");
  }

  WorkReport Report(const std::string& id, const std::string& date, const std::string& hours) {
    WorkReport r;
    r.entity = "rideco";
    r.report_id = id;
    r.worker = worker_;
    r.work_date = *Date::Parse(date);
    r.jurisdiction = "US-WA-SEATTLE";
    r.hours = *Hours::Parse(hours, 4);
    r.earnings = Money::Whole(25);
    r.jobs = 1;
    return r;
  }

  // Records reports in one batch; returns each outcome.
  std::vector<ReportResult> Record(const std::vector<WorkReport>& reports, bool commit = true) {
    return RecordIn(*store_, reports, commit);
  }
  std::vector<ReportResult> RecordIn(Store& store, const std::vector<WorkReport>& reports,
                                     bool commit = true) {
    Ingestor ingestor(store, *registry_, std::chrono::system_clock::now());
    EXPECT_TRUE(ingestor.Begin().ok());
    std::vector<ReportResult> out;
    int64_t row = 2;
    for (const auto& r : reports) out.push_back(ingestor.Add(IncomingReport{row++, r, {}}));
    if (commit) {
      EXPECT_TRUE(ingestor.Commit("test").ok());
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
    if (!sqlite()) {
      auto db = PgDb::Open(url_);
      ASSERT_TRUE(db.ok()) << db.status().message();
      Status st = (*db)->Exec(sql);
      EXPECT_TRUE(st.ok()) << st.message();
      return;
    }
    sqlite3* db = nullptr;
    const std::string path = dir_ / "ledger.db";
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  // Adds `n` workers (named prefix0, prefix1, …) through `store` and returns a first report for
  // each: 2 hours on 2026-03-02, id "k-<name>".
  std::vector<WorkReport> NewWorkersFirstReports(Store& store, int n, const std::string& prefix) {
    std::vector<Worker> list;
    for (int i = 0; i < n; ++i) {
      list.push_back(Worker{AccountNumber(), prefix + std::to_string(i), *Date::Parse("1990-01-01"),
                            "US-WA-SEATTLE"});
    }
    auto added = store.AddWorkers(list);
    EXPECT_TRUE(added.ok()) << added.status().message();
    std::vector<WorkReport> out;
    for (const Worker& w : added.ok() ? *added : std::vector<Worker>{}) {
      out.push_back(Report("k-" + w.name, "2026-03-02", "2"));
      out.back().worker = w.account;
    }
    return out;
  }

  // The worker's accounts are those `before` lists (none made twice), each holding `factor`
  // times the money it held then (leave hours accrue on the hours so far, not per report).
  // Adds n workers and records each one's first report through `store`, in one batch.
  std::vector<WorkReport> RecordNewWorkers(Store& store, int n, const std::string& prefix) {
    std::vector<WorkReport> reports = NewWorkersFirstReports(store, n, prefix);
    EXPECT_EQ(reports.size(), static_cast<size_t>(n));
    for (const ReportResult& r : RecordIn(store, reports)) {
      EXPECT_EQ(r.outcome, Outcome::kRecorded) << r.entry.report.report_id;
    }
    return reports;
  }

  void ExpectSameAccountsWithMoneyTimes(AccountNumber worker,
                                        const std::vector<AccountBalance>& before, int factor) {
    auto after = store_->WorkerBalances(worker);
    ASSERT_TRUE(after.ok());
    ASSERT_EQ(after->size(), before.size());
    for (size_t i = 0; i < after->size(); ++i) {
      EXPECT_EQ((*after)[i].account, before[i].account);
      if ((*after)[i].unit == Unit::kMoney) {
        EXPECT_EQ((*after)[i].amount, factor * before[i].amount) << (*after)[i].account;
      }
    }
  }

  std::vector<std::string> Problems() {
    auto v = store_->Verify();
    EXPECT_TRUE(v.ok());
    return v.ok() ? v->problems : std::vector<std::string>{"verify failed"};
  }

  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
  AccountNumber worker_;
};

TEST_P(StoreTest, RecordsExplainsAndVerifies) {
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

TEST_P(StoreTest, AResendIsANoOpAndADifferentReportUnderAUsedIdIsRefused) {
  Record({Report("a1", "2026-03-02", "3")});
  auto again = Record({Report("a1", "2026-03-02", "3")});
  EXPECT_EQ(again[0].outcome, Outcome::kAlreadyRecorded);
  auto other = Record({Report("a1", "2026-03-02", "4")});
  ASSERT_EQ(other[0].outcome, Outcome::kRejected);
  EXPECT_EQ(other[0].errors[0].field, "report_id");
  EXPECT_EQ(other[0].errors[0].message,
            "report id 'a1' of rideco was already used for a different report (differs in hours)");
  EXPECT_EQ(*store_->CountEntries(), 1);
  EXPECT_EQ(Balance("health").ToString(2), "3.00");
}

TEST_P(StoreTest, ACorrectionReversesExactlyAndCannotBeRepeated) {
  Record({Report("a1", "2026-03-02", "3")});
  WorkReport fix = Report("a1-fix", "2026-03-02", "5.5");
  fix.replaces = "a1";
  auto out = Record({fix});
  ASSERT_EQ(out[0].outcome, Outcome::kCorrected);
  EXPECT_EQ(Balance("health").ToString(2), "5.50");
  auto entries = store_->WorkerEntries(worker_);  // the correction once, after the original
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_EQ(entries->size(), 2U);
  EXPECT_EQ((*entries)[0].entry.report.report_id, "a1");
  EXPECT_EQ((*entries)[1].entry.report.report_id, "a1-fix");
  WorkReport again = Report("a1-fix2", "2026-03-02", "1");
  again.replaces = "a1";
  auto refused = Record({again});
  ASSERT_EQ(refused[0].outcome, Outcome::kRejected);
  EXPECT_EQ(refused[0].errors[0].message,
            "replaces 'a1', which was already replaced by 'a1-fix'; correct that one instead");
  WorkReport unknown = Report("a9", "2026-03-02", "1");
  unknown.replaces = "nope";
  EXPECT_EQ(Record({unknown})[0].errors[0].message,
            "replaces 'nope', but rideco has no such report");
  EXPECT_TRUE(Problems().empty());
}

TEST_P(StoreTest, ACorrectionMovingAReportToAnotherWorkerShowsOnBoth) {
  auto other = store_->AddWorkers(
      {Worker{AccountNumber(), "Bo", *Date::Parse("1991-05-01"), "US-WA-SEATTLE"}});
  ASSERT_TRUE(other.ok());
  const AccountNumber bo = other->at(0).account;
  Record({Report("a1", "2026-03-02", "3")});
  WorkReport fix = Report("a1-fix", "2026-03-02", "5.5");
  fix.worker = bo;
  fix.replaces = "a1";
  ASSERT_EQ(Record({fix})[0].outcome, Outcome::kCorrected);
  EXPECT_TRUE(Balance("health").is_zero());
  auto mine = store_->WorkerEntries(worker_);
  ASSERT_TRUE(mine.ok()) << mine.status().message();
  ASSERT_EQ(mine->size(), 2U);
  EXPECT_EQ((*mine)[1].entry.report.report_id, "a1-fix");
  auto theirs = store_->WorkerEntries(bo);
  ASSERT_TRUE(theirs.ok());
  ASSERT_EQ(theirs->size(), 1U);
  EXPECT_EQ((*theirs)[0].entry.report.report_id, "a1-fix");
  EXPECT_EQ(*store_->Balance(WorkerAccount(bo, "health", Unit::kMoney)),
            Money::Whole(1).units() * 55 / 10);
  EXPECT_TRUE(Problems().empty());
}

TEST_P(StoreTest, TwentyFourHoursADayCountsStoredStagedAndCorrectedReports) {
  Record({Report("d1", "2026-03-02", "10")});
  auto out = Record({Report("d2", "2026-03-02", "10"), Report("d3", "2026-03-02", "4.0001")});
  EXPECT_EQ(out[0].outcome, Outcome::kRecorded);
  ASSERT_EQ(out[1].outcome, Outcome::kRejected);
  EXPECT_EQ(out[1].errors[0].field, "hours");
  EXPECT_NE(out[1].errors[0].message.find("to 24.0001 (more than 24)"), std::string::npos);
  // Replacing the 10 h report with a 2 h one frees 8 hours of that day.
  WorkReport fix = Report("d1-fix", "2026-03-02", "2");
  fix.replaces = "d1";
  EXPECT_EQ(Record({fix, Report("d4", "2026-03-02", "12")})[1].outcome, Outcome::kRecorded);
  EXPECT_TRUE(Problems().empty());
}

// Leave that a correction would take back after it was paid out is kept on the worker's
// account, and the rest of the batch sees it there, on top of what the store held. A test
// program in Texas (no shipped one is there): an hour of leave per hour worked, at most 5 h
// carried into a new year.
//   a1 (10 h) accrues 10 h; 9.5 h are paid out, 0.5 h are left.
//   In one batch: a1 is corrected to 2 h, taking back 8 h, of which 7.5 h were paid out and
//   are kept: 0 h are left. a2 (10 h) accrues 10 h. b1, the first report of 2027, forfeits what
//   is above 5 h (5 h) and accrues 1 h: 6 h.
TEST_P(StoreTest, KeptLeaveCountsForTheRestOfTheBatch) {
  testing::TempDir packs;
  std::filesystem::copy_file(std::string(ACCRUE_SOURCE_DIR) + "/policies/benefits.toml",
                             packs / "benefits.toml");
  {
    std::ofstream toml(packs / "test-tx-leave.toml");
    toml << "id = \"test-tx-leave\"\nname = \"Texas test leave\"\nkind = \"jurisdiction\"\n"
            "jurisdiction = \"US-TX\"\nstarts = 2026-01-01\nsource = \"test\"\n\n"
            "[[version]]\neffective = 2026-01-01\n\n"
            "[[version.accrual]]\nbenefit = \"sick_leave\"\nper_hours = \"1\"\ncredit = \"1\"\n"
            "year_cap = \"1000\"\ncarryover_cap = \"5\"\n";
  }
  auto loaded = LoadPoliciesIntoStore(*store_, packs.path().string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  auto registry = Registry::Load(*store_);
  ASSERT_TRUE(registry.ok()) << registry.status().message();
  registry_ = std::move(*registry);
  const auto now = std::chrono::sys_days(std::chrono::year{2027} / 1 / 20);
  auto in_texas = [&](const std::string& id, const std::string& date, const std::string& hours) {
    WorkReport r = Report(id, date, hours);
    r.jurisdiction = "US-TX";
    return r;
  };
  auto record = [&](const std::vector<WorkReport>& reports) {
    Ingestor ingestor(*store_, *registry_, now);
    ASSERT_TRUE(ingestor.Begin().ok());
    int64_t row = 2;
    for (const WorkReport& r : reports) {
      const ReportResult out = ingestor.Add({row++, r, {}});
      ASSERT_TRUE(out.errors.empty()) << r.report_id << ": " << out.errors[0].message;
    }
    ASSERT_TRUE(ingestor.Commit("test").ok());
  };
  const std::string leave = WorkerAccount(worker_, "sick_leave", Unit::kHours);
  ASSERT_NO_FATAL_FAILURE(record({in_texas("a1", "2026-03-02", "10")}));
  ASSERT_EQ(*store_->Balance(leave), Hours::Whole(10).units());
  Payout payout{worker_,   "leave-1",    *Date::Parse("2026-06-01"),
                "cascade", "sick_leave", *Hours::Parse("9.5"),
                Money(),   "",           "",
                ""};
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->Append({BuildPayout(payout)}).ok());
  ASSERT_TRUE(store_->Commit("test").ok());

  WorkReport fix = in_texas("a1-fix", "2026-03-02", "2");
  fix.replaces = "a1";
  ASSERT_NO_FATAL_FAILURE(
      record({fix, in_texas("a2", "2026-03-03", "10"), in_texas("b1", "2027-01-04", "1")}));
  EXPECT_EQ(Hours::FromUnits(*store_->Balance(leave)).ToString(), Hours::Whole(6).ToString());
  EXPECT_TRUE(Problems().empty());
}

TEST_P(StoreTest, AnAbortedBatchLeavesNothing) {
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

TEST_P(StoreTest, AnUnbalancedEntryIsRefusedAndNothingIsWritten) {
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

TEST_P(StoreTest, VerifyDetectsAlteredReports) {
  Record({Report("a1", "2026-03-02", "3"), Report("a2", "2026-03-03", "5")});
  Sql("UPDATE entries SET hours = hours + 1000000 WHERE report_id = 'a2'");
  auto problems = Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "batch 1: hash mismatch (its contents were altered)");
}

TEST_P(StoreTest, VerifyDetectsAlteredBalancesAndLegs) {
  Record({Report("a1", "2026-03-02", "3")});
  Sql("UPDATE accounts SET balance = balance + 1 WHERE key LIKE 'W/%/health'");
  auto problems = Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("stored balance"), std::string::npos);
  EXPECT_NE(problems[0].find("but its legs sum to"), std::string::npos);
}

TEST_P(StoreTest, VerifyNamesEveryAlteredBalanceAndTotalInKeyOrder) {
  Record({Report("a1", "2026-03-02", "3"), Report("a2", "2026-03-09", "5")});
  Sql("UPDATE accounts SET balance = balance + 1");
  Sql("UPDATE totals SET amount = amount + 1");
  auto v = store_->Verify();
  ASSERT_TRUE(v.ok()) << v.status().message();
  std::vector<std::string> accounts, totals;
  for (const std::string& p : v->problems) {
    if (p.starts_with("account ")) {
      EXPECT_TRUE(totals.empty()) << "accounts come before running totals: " << p;
      accounts.push_back(p.substr(8, p.find(':') - 8));
    } else if (p.starts_with("running total ")) {
      totals.push_back(p.substr(14, p.find(" does not match") - 14));
    } else {
      ADD_FAILURE() << "unexpected problem: " << p;
    }
  }
  EXPECT_EQ(static_cast<int64_t>(accounts.size()), v->accounts);
  EXPECT_GT(accounts.size(), 5u);
  EXPECT_TRUE(std::is_sorted(accounts.begin(), accounts.end()));
  EXPECT_FALSE(totals.empty());
  EXPECT_TRUE(std::is_sorted(totals.begin(), totals.end()));
}

TEST_P(StoreTest, VerifyTellsItsProgressBatchByBatch) {
  Record({Report("p1", "2026-03-02", "3"), Report("p2", "2026-03-03", "3")});
  Record({Report("p3", "2026-03-04", "3")});
  Record({Report("p4", "2026-03-05", "3"), Report("p5", "2026-03-06", "3"),
          Report("p6", "2026-03-09", "3")});
  std::vector<std::pair<int64_t, int64_t>> heard;
  auto v =
      store_->Verify([&](int64_t checked, int64_t total) { heard.emplace_back(checked, total); });
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_TRUE(v->problems.empty());
  const std::vector<std::pair<int64_t, int64_t>> expected = {{2, 6}, {3, 6}, {6, 6}};
  EXPECT_EQ(heard, expected);
}

TEST_P(StoreTest, VerifyDetectsDeletedEntriesAndBrokenChains) {
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

TEST_P(StoreTest, VerifyDetectsARewrittenDictionary) {
  Record({Report("a1", "2026-03-02", "3")});
  Sql("UPDATE strings SET text = '9.99/h' WHERE text = '2.00/h'");
  auto problems = Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "batch 1: hash mismatch (its contents were altered)");
}

TEST_P(StoreTest, ChangedPackTextGetsANewRevision) {
  auto before = store_->LatestPacks();
  ASSERT_TRUE(before.ok());
  const StoredPack& p = before->front();
  EXPECT_EQ(*store_->PutPack(p.id, p.file, p.text), p.revision);
  EXPECT_EQ(*store_->PutPack(p.id, p.file, p.text + "\n# edited\n"), p.revision + 1);
  auto after = store_->LatestPacks();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), before->size());
}

// SQLite: a connection that has created many keys creates the next ones without asking whether
// they exist (a filter of the table's keys says they do not). Keys another connection creates
// meanwhile must still be found: its worker's second report lands on the same accounts.
TEST_P(StoreTest, KeysAnotherConnectionCreatedAreFoundAfterManyWereCreatedHere) {
  if (!sqlite()) GTEST_SKIP() << "the key filter is SQLite's dictionary's";
  RecordNewWorkers(*store_, 1500, "W");
  Record({Report("a1", "2026-03-02", "1")});  // this batch's start builds the filter

  std::unique_ptr<Store> other = Open();
  ASSERT_NE(other, nullptr);
  auto zed = other->AddWorkers(
      {Worker{AccountNumber(), "Zed", *Date::Parse("1992-02-02"), "US-WA-SEATTLE"}});
  ASSERT_TRUE(zed.ok());
  const AccountNumber z = zed->at(0).account;
  WorkReport theirs = Report("z1", "2026-03-03", "3");
  theirs.worker = z;
  EXPECT_EQ(RecordIn(*other, {theirs})[0].outcome, Outcome::kRecorded);
  auto before = store_->WorkerBalances(z);
  ASSERT_TRUE(before.ok());
  ASSERT_FALSE(before->empty());

  WorkReport mine = Report("z2", "2026-03-04", "3");
  mine.worker = z;
  ASSERT_EQ(Record({mine})[0].outcome, Outcome::kRecorded);
  ExpectSameAccountsWithMoneyTimes(z, *before, 2);
  EXPECT_TRUE(Problems().empty());
}

// A connection that has asked about many reports and worker-days that had no entries
// answers the next such questions from filters of the entries, without a look-up each. What
// another connection records meanwhile must still be found, and so must what this connection
// recorded.
class EntryFilterTest : public StoreTest {
 protected:
  // `n` reports m0, m1, … of 0.01 hours each, by turns on each day of February 2026.
  std::vector<WorkReport> OverFebruary(int n) {
    std::vector<WorkReport> out;
    for (int i = 0; i < n; ++i) {
      const int day = 1 + i % 28;
      out.push_back(Report("m" + std::to_string(i),
                           (day < 10 ? "2026-02-0" : "2026-02-") + std::to_string(day), "0.01"));
    }
    return out;
  }
  // Enough new report ids (and a day's worth of questions more) for the filters to be due; the
  // next batch builds them.
  void AskAboutManyNewReports() {
    for (const ReportResult& r : Record(OverFebruary(4200))) {
      ASSERT_EQ(r.outcome, Outcome::kRecorded);
    }
    ASSERT_EQ(Record({Report("b1", "2026-03-01", "1")})[0].outcome, Outcome::kRecorded);
  }
  // Records in another connection; the report's seq is the next one.
  void RecordElsewhere(const WorkReport& r) {
    std::unique_ptr<Store> other = Open();
    ASSERT_NE(other, nullptr);
    ASSERT_EQ(RecordIn(*other, {r})[0].outcome, Outcome::kRecorded);
  }
  // The report recorded elsewhere is found here: sent again it is already recorded, and its
  // hours count toward its day's 24.
  void ExpectFound(const WorkReport& theirs) {
    auto found = store_->FindReport(theirs.entity, theirs.report_id);
    ASSERT_TRUE(found.ok());
    EXPECT_TRUE(found->has_value());
    WorkReport more = Report("more", theirs.work_date.ToString(), "5");
    const std::vector<ReportResult> out = Record({theirs, more});
    EXPECT_EQ(out[0].outcome, Outcome::kAlreadyRecorded);
    ASSERT_EQ(out[1].outcome, Outcome::kRejected);
    ASSERT_EQ(out[1].errors.size(), 1u);
    EXPECT_EQ(out[1].errors[0].field, "hours");
    EXPECT_NE(out[1].errors[0].message.find("to 25 (more than 24)"), std::string::npos)
        << out[1].errors[0].message;
    auto count = store_->CountEntries();
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, 4200 + 1 + 1);  // nothing written twice, nothing refused written
    EXPECT_TRUE(Problems().empty());
  }
};

TEST_P(EntryFilterTest, WhatAnotherConnectionRecordedIsFound) {
  AskAboutManyNewReports();
  RecordElsewhere(Report("theirs", "2026-03-05", "20"));
  ExpectFound(Report("theirs", "2026-03-05", "20"));
}

// A batch that read its own entries into the filters and then rolled back must not leave them
// believing those seqs are read: another connection's entries take the same seqs.
TEST_P(EntryFilterTest, EntriesOfABatchRolledBackDoNotHideTheNextOnes) {
  AskAboutManyNewReports();
  {
    Ingestor ingestor(*store_, *registry_, std::chrono::system_clock::now());
    ASSERT_TRUE(ingestor.Begin().ok());
    ASSERT_EQ(ingestor.Add(IncomingReport{2, Report("gone1", "2026-03-06", "1"), {}}).outcome,
              Outcome::kRecorded);
    ASSERT_TRUE(ingestor.Flush().ok());  // written in the open batch: the next add reads it
    ASSERT_EQ(ingestor.Add(IncomingReport{3, Report("gone2", "2026-03-06", "1"), {}}).outcome,
              Outcome::kRecorded);
    ingestor.Abort();
  }
  RecordElsewhere(Report("theirs", "2026-03-07", "20"));
  ExpectFound(Report("theirs", "2026-03-07", "20"));
}

// A store's entries are read into the filters a step at a time; until the filters hold them
// all, questions go to the database. 40,000 entries are more than one step (32,768).
TEST_P(EntryFilterTest, AFilterStillBeingReadInIsNotAsked) {
  const std::vector<WorkReport> many = OverFebruary(40000);
  for (const ReportResult& r : Record(many)) ASSERT_EQ(r.outcome, Outcome::kRecorded);
  // The first step reads the first 32,768 entries; the last ones are asked of the database.
  auto last = store_->FindReport("rideco", "m39999");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->has_value());
  // Whole by now: the resend is found, and the day's 14.29 hours (1,429 reports) count.
  const std::vector<ReportResult> out =
      Record({many.back(), Report("more", many.back().work_date.ToString(), "10")});
  EXPECT_EQ(out[0].outcome, Outcome::kAlreadyRecorded);
  ASSERT_EQ(out[1].outcome, Outcome::kRejected);
  ASSERT_EQ(out[1].errors.size(), 1u);
  EXPECT_NE(out[1].errors[0].message.find("to 24.29 (more than 24)"), std::string::npos)
      << out[1].errors[0].message;
  auto count = store_->CountEntries();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 40000);
}

// The same for the dictionary's key filter: while it is being read in, over several batches,
// keys past the part read are still found rather than created twice. This connection makes
// the filter due (many keys it created); another creates more keys than one step (32,768)
// holds, which this connection has not cached.
TEST_P(EntryFilterTest, AKeyFilterStillBeingReadInIsNotAsked) {
  RecordNewWorkers(*store_, 1500, "A");
  std::unique_ptr<Store> other = Open();
  ASSERT_NE(other, nullptr);
  const std::vector<WorkReport> theirs = RecordNewWorkers(*other, 7000, "B");
  ASSERT_EQ(theirs.size(), 7000u);
  auto accounts = store_->sql().Query("SELECT count(*) FROM accounts");
  ASSERT_TRUE(accounts.ok());
  ASSERT_GT(accounts->at(0).Int(0), 32768 + 1000);  // more than one step past theirs

  const AccountNumber last = theirs.back().worker;
  auto before = store_->WorkerBalances(last);
  ASSERT_TRUE(before.ok());
  for (int round = 1; round <= 2; ++round) {  // the filter is part read, then whole
    WorkReport again = Report("k-again-" + std::to_string(round), "2026-03-03", "2");
    again.worker = last;
    ASSERT_EQ(Record({again})[0].outcome, Outcome::kRecorded);
  }
  ExpectSameAccountsWithMoneyTimes(last, *before, 3);
  EXPECT_TRUE(Problems().empty());
}

// While its filter is read in, a connection that creates more keys per batch than a step reads
// skips its own rows (already in the filter) rather than never catching up; the rows others
// created, before and after its own, are still read, so their keys are found, not created twice.
TEST_P(EntryFilterTest, AKeyFilterSkipsOnlyTheRowsItsConnectionCreated) {
  RecordNewWorkers(*store_, 1500, "A");
  std::unique_ptr<Store> other = Open();
  ASSERT_NE(other, nullptr);
  const std::vector<WorkReport> before_ours = RecordNewWorkers(*other, 7000, "B");
  // One batch of more new keys than a step (32,768), begun with the filter part read.
  const std::vector<WorkReport> ours = RecordNewWorkers(*store_, 8000, "C");
  const std::vector<WorkReport> after_ours = RecordNewWorkers(*other, 300, "D");
  ASSERT_FALSE(HasFailure());

  const std::vector<AccountNumber> workers = {before_ours.back().worker, ours.back().worker,
                                              after_ours.back().worker};
  std::vector<std::vector<AccountBalance>> before;
  for (AccountNumber w : workers) {
    auto balances = store_->WorkerBalances(w);
    ASSERT_TRUE(balances.ok());
    before.push_back(*balances);
  }
  for (int round = 1; round <= 3; ++round) {  // the rest read, then their new rows; then whole
    std::vector<WorkReport> again;
    for (AccountNumber w : workers) {
      again.push_back(
          Report("k-again-" + std::to_string(round) + "-" + w.ToString(), "2026-03-03", "2"));
      again.back().worker = w;
    }
    for (const ReportResult& r : Record(again)) ASSERT_EQ(r.outcome, Outcome::kRecorded);
  }
  for (size_t i = 0; i < workers.size(); ++i) {
    ExpectSameAccountsWithMoneyTimes(workers[i], before[i], 4);
  }
  EXPECT_TRUE(Problems().empty());
}

// A view made of several reads sees one state of the ledger: a batch another connection
// commits meanwhile appears only once the snapshot ends.
TEST_P(StoreTest, AReadSnapshotDoesNotSeeBatchesCommittedMeanwhile) {
  Record({Report("r-1", "2026-03-02", "8")});
  ASSERT_TRUE(store_->BeginRead().ok());
  ASSERT_TRUE(store_->BeginRead().ok());  // nested: adds nothing
  EXPECT_EQ(Balance("health").ToString(2), "8.00");
  {
    std::unique_ptr<Store> other = Open();
    ASSERT_NE(other, nullptr);
    Ingestor ingestor(*other, *registry_, std::chrono::system_clock::now());
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
// The sums by payer the store keeps with every batch: what they must add up to, what a
// correction moving a report and a payout do to them, and that verify checks them.
class PayerSumsTest : public StoreTest {
 protected:
  AccountNumber AddBo() {
    auto other = store_->AddWorkers(
        {Worker{AccountNumber(), "Bo", *Date::Parse("1991-05-01"), "US-WA-SEATTLE"}});
    EXPECT_TRUE(other.ok());
    return other.ok() ? other->at(0).account : AccountNumber();
  }

  std::vector<PayerSum> Sums(AccountNumber worker) {
    auto sums = store_->WorkerPayerSums(worker);
    EXPECT_TRUE(sums.ok()) << sums.status().message();
    return sums.ok() ? *sums : std::vector<PayerSum>{};
  }

  // Every unit of money on a worker's accounts came from somewhere (or left as a payout).
  void ExpectSumsAddUpToTheBalance(AccountNumber worker) {
    int64_t balance = 0, sums = 0;
    auto balances = store_->WorkerBalances(worker);
    ASSERT_TRUE(balances.ok());
    for (const AccountBalance& b : *balances) {
      if (b.unit == Unit::kMoney) balance += b.amount;
    }
    for (const PayerSum& p : Sums(worker)) sums += p.money;
    EXPECT_EQ(sums, balance) << worker.ToString();
  }

  // Ana's a1 (3 h) and a2 (5 h), a1 corrected to 5.5 h for Bo, and 1.00 paid out to Ana; Bo.
  AccountNumber RecordHistory() {
    const AccountNumber bo = AddBo();
    Record({Report("a1", "2026-03-02", "3"), Report("a2", "2026-03-03", "5")});
    WorkReport fix = Report("a1-fix", "2026-03-02", "5.5");
    fix.worker = bo;
    fix.replaces = "a1";
    EXPECT_EQ(Record({fix})[0].outcome, Outcome::kCorrected);
    PayOut("request-1", Money::Whole(1));
    return bo;
  }

  void PayOut(const std::string& reference, Money money) {
    Payout p;
    p.worker = worker_;
    p.reference = reference;
    p.paid = *Date::Parse("2026-03-10");
    p.provider = "care-co";
    p.benefit = "health";
    p.money = money;
    ASSERT_TRUE(store_->Begin().ok());
    ASSERT_TRUE(store_->Append({BuildPayout(p)}).ok());
    ASSERT_TRUE(store_->Commit("payout").ok());
  }
};

TEST_P(PayerSumsTest, FollowReportsCorrectionsAndPayouts) {
  const AccountNumber bo = AddBo();
  Record({Report("a1", "2026-03-02", "3"), Report("a2", "2026-03-03", "5")});
  auto sums = Sums(worker_);
  ASSERT_FALSE(sums.empty());
  for (const PayerSum& p : sums) EXPECT_EQ(p.entity, "rideco");
  ExpectSumsAddUpToTheBalance(worker_);
  WorkReport fix = Report("a1-fix", "2026-03-02", "5.5");
  fix.worker = bo;
  fix.replaces = "a1";
  ASSERT_EQ(Record({fix})[0].outcome, Outcome::kCorrected);
  PayOut("request-1", Money::Whole(1));
  ExpectSumsAddUpToTheBalance(worker_);
  ExpectSumsAddUpToTheBalance(bo);
  EXPECT_EQ(*store_->CountWorkerReports(worker_), 2);  // a1 and a2; a1-fix names Bo
  EXPECT_EQ(*store_->CountWorkerReports(bo), 1);
  auto summary = SummarizeAccount(*store_, worker_);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->reports, 2);
  EXPECT_EQ(summary->paid_out.ToString(2), "1.00");
  // Seattle: 5 h × 1.00 health, less the 1.00 paid out.
  EXPECT_EQ(Balance("health").ToString(2), "4.00");
  Money by_payer;
  for (const PayerTotal& p : summary->by_payer) {
    EXPECT_EQ(p.entity, "rideco");
    by_payer += p.money;
  }
  EXPECT_EQ((by_payer - summary->paid_out).ToString(2), summary->total.ToString(2));
  EXPECT_TRUE(Problems().empty());
}

// The balance's one read gives exactly what the four separate reads give.
TEST_P(PayerSumsTest, WorkerStateIsTheFourReadsInOne) {
  const AccountNumber bo = RecordHistory();
  for (const AccountNumber w : {worker_, bo}) {
    auto state = store_->ReadWorkerState(w);
    ASSERT_TRUE(state.ok()) << state.status().message();
    auto worker = store_->FindWorker(w);
    ASSERT_TRUE(state->worker.has_value());
    EXPECT_EQ(state->worker->name, (*worker)->name);
    EXPECT_EQ(state->worker->birth_date, (*worker)->birth_date);
    EXPECT_EQ(state->worker->home_jurisdiction, (*worker)->home_jurisdiction);
    auto balances = store_->WorkerBalances(w);
    ASSERT_EQ(state->balances.size(), balances->size());
    for (size_t i = 0; i < balances->size(); ++i) {
      EXPECT_EQ(state->balances[i].account, (*balances)[i].account);
      EXPECT_EQ(state->balances[i].unit, (*balances)[i].unit);
      EXPECT_EQ(state->balances[i].amount, (*balances)[i].amount);
    }
    const std::vector<PayerSum> sums = Sums(w);
    ASSERT_EQ(state->payer_sums.size(), sums.size());
    for (size_t i = 0; i < sums.size(); ++i) {
      EXPECT_EQ(state->payer_sums[i].entity, sums[i].entity);
      EXPECT_EQ(state->payer_sums[i].payer, sums[i].payer);
      EXPECT_EQ(state->payer_sums[i].money, sums[i].money);
    }
    EXPECT_EQ(state->reports, *store_->CountWorkerReports(w));
  }
  EXPECT_EQ(store_->ReadWorkerState(worker_)->payer_sums.size(), 2u);  // rideco, the payout
  EXPECT_EQ(store_->ReadWorkerState(bo)->reports, 1);
  auto nobody = store_->ReadWorkerState(AccountNumber::FromSerial(999'999));
  ASSERT_TRUE(nobody.ok());
  EXPECT_FALSE(nobody->worker.has_value());
  EXPECT_TRUE(nobody->balances.empty() && nobody->payer_sums.empty());
  EXPECT_EQ(nobody->reports, 0);
}

TEST_P(PayerSumsTest, VerifyDetectsAlteredAndMissingSums) {
  const AccountNumber bo = AddBo();
  Record({Report("a1", "2026-03-02", "3")});
  WorkReport b1 = Report("b1", "2026-03-02", "2");
  b1.worker = bo;
  Record({b1});
  const std::string bo_key = std::to_string(bo.value());
  Sql("UPDATE worker_payers SET money = money + 1 WHERE worker = " + bo_key + " AND payer = 0");
  auto problems = Problems();
  ASSERT_EQ(problems.size(), 1u);
  const std::string who =
      "worker " + AccountDigits(bo) + ": money from rideco (payer hiring_entity)";
  EXPECT_EQ(problems[0].rfind(who, 0), 0u) << problems[0];
  EXPECT_NE(problems[0].find("but the entries sum to"), std::string::npos);
  Sql("DELETE FROM worker_payers WHERE worker = " + bo_key);
  problems = Problems();
  ASSERT_FALSE(problems.empty());
  for (const auto& p : problems) {
    EXPECT_EQ(p.rfind("worker " + AccountDigits(bo) + ": ", 0), 0u) << p;
    EXPECT_NE(p.find("stored as 0 but the entries sum to"), std::string::npos) << p;
  }
}

// A store made before the sums existed gets them, from its entries, when it is next opened.
TEST_P(PayerSumsTest, AStoreFromBeforeTheSumsIsBackfilledOnOpen) {
  const AccountNumber bo = RecordHistory();
  auto key = [](const std::vector<PayerSum>& v) {
    std::vector<std::tuple<std::string, Payer, int64_t>> out;
    for (const PayerSum& p : v) out.emplace_back(p.entity, p.payer, p.money);
    return out;
  };
  const auto mine = key(Sums(worker_)), theirs = key(Sums(bo));
  ASSERT_FALSE(mine.empty());
  store_.reset();
  Sql("DROP TABLE worker_payers; DROP TABLE worker_reports; "
      "UPDATE meta SET value = '1' WHERE key = 'schema'");
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(key(Sums(worker_)), mine);
  EXPECT_EQ(key(Sums(bo)), theirs);
  EXPECT_EQ(*store_->CountWorkerReports(worker_), 2);
  EXPECT_EQ(*store_->CountWorkerReports(bo), 1);
  EXPECT_TRUE(Problems().empty());
}

// A SQLite store from before a worker's accounts were read as a range of keys (schema 3) loses
// its index by worker when next opened; each worker's balances are the same as before it.
TEST_P(PayerSumsTest, AnOlderStoreDropsItsIndexByWorkerOnOpen) {
  if (!sqlite()) GTEST_SKIP() << "the index by worker was SQLite's";
  const AccountNumber bo = RecordHistory();
  auto balances = [&](AccountNumber w) {
    std::vector<std::tuple<std::string, Unit, int64_t>> out;
    auto read = store_->WorkerBalances(w);
    EXPECT_TRUE(read.ok());
    for (const AccountBalance& b : *read) out.emplace_back(b.account, b.unit, b.amount);
    return out;
  };
  const auto mine = balances(worker_), theirs = balances(bo);
  ASSERT_FALSE(mine.empty());
  ASSERT_FALSE(theirs.empty());
  for (const auto& [key, unit, amount] : mine) EXPECT_EQ(WorkerOfAccount(key), worker_) << key;
  store_.reset();
  Sql("CREATE INDEX accounts_by_worker ON accounts(worker) WHERE worker IS NOT NULL; "
      "UPDATE meta SET value = '3' WHERE key = 'schema'");
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  auto index =
      store_->sql().Query("SELECT count(*) FROM sqlite_master WHERE name = 'accounts_by_worker'");
  ASSERT_TRUE(index.ok()) << index.status().message();
  EXPECT_EQ(index->at(0).Int(0), 0);
  EXPECT_EQ(balances(worker_), mine);
  EXPECT_EQ(balances(bo), theirs);
  EXPECT_EQ(store_->ReadWorkerState(bo)->balances.size(), theirs.size());
  EXPECT_TRUE(Problems().empty());
}

// Each worker's count of reports is kept with every batch: corrections count under the worker
// they name; payouts, one-off contributions and matches do not count.
TEST_P(PayerSumsTest, ReportCountsFollowEachBatch) {
  const AccountNumber bo = AddBo();
  EXPECT_EQ(*store_->CountWorkerReports(worker_), 0);
  Record({Report("a1", "2026-03-02", "3"), Report("a2", "2026-03-03", "5"),
          Report("a3", "2026-03-04", "1")});
  EXPECT_EQ(*store_->CountWorkerReports(worker_), 3);
  WorkReport fix = Report("a2-fix", "2026-03-03", "4");
  fix.replaces = "a2";
  ASSERT_EQ(Record({fix})[0].outcome, Outcome::kCorrected);
  Record({Report("a1", "2026-03-02", "3")});  // sent again: already recorded, not counted
  PayOut("request-1", Money::Whole(1));
  EXPECT_EQ(*store_->CountWorkerReports(worker_), 4);
  EXPECT_EQ(*store_->CountWorkerReports(bo), 0);
  EXPECT_TRUE(Problems().empty());
}

TEST_P(PayerSumsTest, VerifyDetectsAlteredAndMissingReportCounts) {
  const AccountNumber bo = AddBo();
  WorkReport b1 = Report("b1", "2026-03-02", "2");
  b1.worker = bo;
  Record({Report("a1", "2026-03-02", "3"), b1});
  const std::string bo_key = std::to_string(bo.value());
  Sql("UPDATE worker_reports SET reports = 7 WHERE worker = " + bo_key);
  auto problems = Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "worker " + AccountDigits(bo) + ": 7 reports stored but the entries hold 1");
  Sql("DELETE FROM worker_reports WHERE worker = " + bo_key);
  problems = Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "worker " + AccountDigits(bo) + ": 0 reports stored but the entries hold 1");
}

INSTANTIATE_TEST_SUITE_P(Engines, PayerSumsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

INSTANTIATE_TEST_SUITE_P(Engines, StoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

// The entry filters are the SQLite store's.
INSTANTIATE_TEST_SUITE_P(Engines, EntryFilterTest, ::testing::Values("sqlite"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace accrue
