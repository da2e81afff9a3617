// Contribution aggregates over both engines, with sums worked by hand.
//
// Ana drives for rideco in Seattle (us-wa-seattle-portable: 2.00 an hour, all of it the hiring
// entity's; she is 1099, so no other program applies):
//   s1: 2026-09-14, 10 h → 20.00 in September;  s2: 2026-10-05, 5 h → 10.00 in October.
//   s1 corrected to 2026-11-02, 4 h → September nets to nothing, November has 8.00.
//   A one-off of 50.00 names no program and a payout is money out: neither counts.
#include "aggregates/aggregates.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "contributions/contributions.h"
#include "ingest/ingestor.h"
#include "registry/registry.h"
#include "store/sqlite_db.h"
#include "testing/engine_store.h"
#include "testing/temp_dir.h"
#include "testing/wal_checkpoint.h"

namespace accrue::aggregates {
namespace {

Date D(const char* text) { return *Date::Parse(text); }

class AggregatesTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(testing::SeedJurisdictionsAndPolicies(*store_));
    ASSERT_TRUE(store_->AddEntities({{"rideco", "RideCo", "rideshare", 5000}}).ok());
    auto workers = store_->AddWorkers({{AccountNumber(), "Ana", D("1990-04-01"), "US-WA-SEATTLE"}});
    ASSERT_TRUE(workers.ok()) << workers.status().message();
    ana_ = workers->at(0).account;
    auto registry = Registry::Load(*store_);
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = std::move(*registry);
  }

  std::unique_ptr<Store> Open() {
    return testing::OpenEngineStore(GetParam(), dir_, &url_, "a.db");
  }

  WorkReport Report(const std::string& id, const char* day, int64_t hours,
                    const std::string& replaces = "") {
    WorkReport r;
    r.entity = "rideco";
    r.report_id = id;
    r.worker = ana_;
    r.work_date = D(day);
    r.jurisdiction = "US-WA-SEATTLE";
    r.hours = Hours::Whole(hours);
    r.earnings = Money::Whole(25 * hours);
    r.jobs = 1;
    r.replaces = replaces;
    return r;
  }

  void Ingest(const std::vector<WorkReport>& reports) {
    Ingestor ingestor(*store_, *registry_, std::chrono::system_clock::now());
    ASSERT_TRUE(ingestor.Begin().ok());
    int64_t row = 1;
    for (const WorkReport& r : reports) {
      auto result = ingestor.Add(IncomingReport{row++, r, {}});
      ASSERT_TRUE(result.outcome == Outcome::kRecorded || result.outcome == Outcome::kCorrected)
          << r.report_id;
    }
    ASSERT_TRUE(ingestor.Commit("test").ok());
  }

  // The program's total per month, summed over benefits, from the folded table; and checks
  // the table against a full recomputation.
  std::map<std::string, std::string> ByMonth() {
    auto rows = Contributions(*store_, "2026-01", "2026-12");
    EXPECT_TRUE(rows.ok()) << rows.status().message();
    auto full = Recompute(*store_, "2026-01", "2026-12");
    EXPECT_TRUE(full.ok()) << full.status().message();
    if (!rows.ok() || !full.ok()) return {};
    EXPECT_EQ(*rows, *full);
    std::map<std::string, MoneySum> sums;
    for (const Row& r : *rows) {
      EXPECT_EQ(r.program, "us-wa-seattle-portable");
      EXPECT_EQ(r.jurisdiction, "US-WA-SEATTLE");
      EXPECT_EQ(r.payer, "hiring_entity");
      sums[r.month].Add(r.amount);
    }
    std::map<std::string, std::string> out;
    for (const auto& [month, sum] : sums) out[month] = sum.ToFixed(2);
    return out;
  }

  // The last entry folded; nothing before the first fold creates the module's tables.
  std::optional<int64_t> Mark() {
    auto rows = store_->sql().Query("SELECT seq FROM aggregate_mark WHERE id = 1");
    if (!rows.ok() || rows->empty()) return std::nullopt;
    return rows->at(0).Int(0);
  }

  int64_t FoldedThrough() {
    auto rows = store_->sql().Query("SELECT seq FROM aggregate_mark WHERE id = 1");
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->at(0).Int(0) : -1;
  }

  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
  AccountNumber ana_;
};

TEST_P(AggregatesTest, SumsByMonthAndACorrectionCountsWhereItsReportWas) {
  Ingest({Report("s1", "2026-09-14", 10), Report("s2", "2026-10-05", 5)});
  using Months = std::map<std::string, std::string>;
  EXPECT_EQ(ByMonth(), (Months{{"2026-09", "20.00"}, {"2026-10", "10.00"}}));
  EXPECT_EQ(FoldedThrough(), 2);

  Ingest({Report("s1b", "2026-11-02", 4, "s1")});
  EXPECT_EQ(ByMonth(), (Months{{"2026-10", "10.00"}, {"2026-11", "8.00"}}));
  EXPECT_EQ(FoldedThrough(), 3);

  // Only the months asked for.
  auto october = Contributions(*store_, "2026-10", "2026-10");
  ASSERT_TRUE(october.ok());
  for (const Row& r : *october) EXPECT_EQ(r.month, "2026-10");
  EXPECT_FALSE(october->empty());

  // A one-off names no program: it is recorded but not counted.
  ASSERT_TRUE(contributions::RecordOneOff(
                  *store_, registry_->benefits(),
                  {ana_, "retirement", Money::Whole(50), D("2026-10-06"), "x1", "worker"},
                  D("2026-10-07"))
                  .ok());
  EXPECT_EQ(ByMonth(), (Months{{"2026-10", "10.00"}, {"2026-11", "8.00"}}));
  EXPECT_EQ(FoldedThrough(), 4);
}

TEST_P(AggregatesTest, FoldsInStepsAndNeverCountsAnEntryTwice) {
  std::vector<WorkReport> reports;
  for (int i = 0; i < 7; ++i) {
    reports.push_back(Report("r" + std::to_string(i), "2026-09-01", 1));
  }
  Ingest(reports);
  const std::atomic<bool> cancelled{true};
  ASSERT_TRUE(Fold(*store_, 3, &cancelled).ok());  // stops before its first step
  EXPECT_EQ(FoldedThrough(), 0);
  ASSERT_TRUE(Fold(*store_, 3).ok());  // three steps: 3, 3, 1
  EXPECT_EQ(FoldedThrough(), 7);
  ASSERT_TRUE(Fold(*store_, 3).ok());  // nothing new
  EXPECT_EQ(FoldedThrough(), 7);
  EXPECT_EQ(ByMonth(), (std::map<std::string, std::string>{{"2026-09", "14.00"}}));

  // Two connections folding at once (two servers) count each entry once.
  reports.clear();
  for (int i = 0; i < 40; ++i) {
    const std::string day =
        "2026-10-" + std::string(i % 20 < 9 ? "0" : "") + std::to_string(i % 20 + 1);
    reports.push_back(Report("t" + std::to_string(i), day.c_str(), 1));
  }
  Ingest(reports);
  auto other = Open();
  ASSERT_NE(other, nullptr);
  Status a, b;
  std::thread t([&] { a = Fold(*other, 2); });
  b = Fold(*store_, 2);
  t.join();
  ASSERT_TRUE(a.ok()) << a.message();
  ASSERT_TRUE(b.ok()) << b.message();
  EXPECT_EQ(FoldedThrough(), 47);
  EXPECT_EQ(ByMonth(),
            (std::map<std::string, std::string>{{"2026-09", "14.00"}, {"2026-10", "80.00"}}));
}

// A step of more entries than one read decodes (they are read a page at a time) sums the same
// as steps of one page each.
TEST_P(AggregatesTest, AStepLargerThanOneReadSumsWhatSmallStepsDo) {
  std::vector<WorkReport> reports;
  for (int i = 0; i < 2'500; ++i) {
    const std::string day = D("2026-01-01").AddDays(i % 300).ToString();
    reports.push_back(Report("p" + std::to_string(i), day.c_str(), 1 + i % 2));
  }
  Ingest(reports);
  ASSERT_TRUE(Fold(*store_, 10'000).ok());
  EXPECT_EQ(FoldedThrough(), 2'500);
  const auto one_step = Contributions(*store_, "2026-01", "2026-12");
  ASSERT_TRUE(one_step.ok()) << one_step.status().message();
  EXPECT_GE(one_step->size(), 10u);  // every month, each benefit

  ASSERT_TRUE(store_->sql().Query("DELETE FROM contribution_aggregates").ok());
  ASSERT_TRUE(store_->sql().Query("UPDATE aggregate_mark SET seq = 0 WHERE id = 1").ok());
  ASSERT_TRUE(Fold(*store_, 400).ok());
  EXPECT_EQ(FoldedThrough(), 2'500);
  const auto small_steps = Contributions(*store_, "2026-01", "2026-12");
  ASSERT_TRUE(small_steps.ok()) << small_steps.status().message();
  EXPECT_EQ(*one_step, *small_steps);
}

// A folder reads its page before it takes the lock row; if another folder took that page
// meanwhile, it finds the mark moved under the lock and drops what it summed.
TEST_P(AggregatesTest, AFolderThatLostTheRaceDropsWhatItRead) {
  Ingest({Report("r1", "2026-09-01", 1)});
  ASSERT_TRUE(Fold(*store_).ok());  // entry 1
  Ingest({Report("r2", "2026-09-02", 3)});
  auto table = [&] {
    auto rows = store_->sql().Query(
        "SELECT month, benefit, units FROM contribution_aggregates ORDER BY month, benefit");
    EXPECT_TRUE(rows.ok());
    std::vector<std::string> out;
    for (const SqlRow& r : rows.ok() ? *rows : std::vector<SqlRow>{}) {
      out.push_back(r.Text(0) + " " + r.Text(1) + " " + r.Text(2));
    }
    return out;
  };
  const std::vector<std::string> before = table();
  ASSERT_FALSE(before.empty());
  // Another folder holds the lock row and takes entry 2: here it only moves the mark, so that
  // a page counted anyway would show in the table.
  auto other = Open();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->sql().Begin().ok());
  ASSERT_TRUE(other->sql().Query("UPDATE aggregate_mark SET seq = 2 WHERE id = 1").ok());
  auto folded = std::async(std::launch::async, [&] { return Fold(*store_); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // reads entry 2, waits for the lock
  ASSERT_TRUE(other->sql().Commit().ok());
  const Status st = folded.get();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(FoldedThrough(), 2);
  EXPECT_EQ(table(), before);
}

// In the background, on a connection of its own, without any read asking for it.
TEST_P(AggregatesTest, PeriodicFoldKeepsUpWithIntake) {
  auto waits_for = [&](int64_t seq) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (Mark() != seq && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Mark() == seq;
  };
  std::vector<std::string> errors;
  std::mutex mu;
  {
    PeriodicFold fold([this]() -> Result<std::unique_ptr<Store>> { return Open(); },
                      std::chrono::milliseconds(20),
                      [&](const Status& st) {
                        std::lock_guard<std::mutex> lock(mu);
                        errors.push_back(st.message());
                      });
    Ingest({Report("s1", "2026-09-14", 10), Report("s2", "2026-10-05", 5)});
    ASSERT_TRUE(waits_for(2));
    Ingest({Report("s1-fix", "2026-11-02", 4, "s1")});
    ASSERT_TRUE(waits_for(3));
    EXPECT_GE(fold.folds(), 2);
  }
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(ByMonth(),
            (std::map<std::string, std::string>{{"2026-10", "10.00"}, {"2026-11", "8.00"}}));
}

// The fold is catch-up work: its thread yields to requests, niced and at idle policy (the
// opener runs on that thread).
TEST_P(AggregatesTest, PeriodicFoldRunsAtLowPriority) {
  const int mine = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  std::atomic<int> nice{-100};
  std::atomic<int> policy{-1};
  {
    PeriodicFold fold(
        [&]() -> Result<std::unique_ptr<Store>> {
          nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
          policy = sched_getscheduler(0);
          return Open();
        },
        std::chrono::milliseconds(10), [](const Status&) {});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (nice == -100 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  EXPECT_EQ(nice.load(), std::max(mine, kFoldNice));
  // At idle policy where the thread may return from it while it holds the write lock.
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NICE, &limit), 0);
  std::ifstream status("/proc/self/status");
  std::string line;
  uint64_t effective = 0;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) effective = std::stoull(line.substr(7), nullptr, 16);
  }
  const bool may_return = limit.rlim_cur >= static_cast<rlim_t>(20 - nice.load()) ||
                          (effective & (uint64_t{1} << 23)) != 0;  // CAP_SYS_NICE
  EXPECT_EQ(policy.load(), may_return ? SCHED_IDLE : SCHED_OTHER);
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), mine);  // only that thread
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
}

// A store it cannot open is reported each period and tried again; nothing is folded.
TEST_P(AggregatesTest, PeriodicFoldReportsWhatFailsAndTriesAgain) {
  Ingest({Report("s1", "2026-09-14", 10)});
  std::atomic<int> failures{0};
  std::string first;
  std::mutex mu;
  {
    PeriodicFold fold(
        []() -> Result<std::unique_ptr<Store>> { return Status::Io("database unreachable"); },
        std::chrono::milliseconds(10),
        [&](const Status& st) {
          std::lock_guard<std::mutex> lock(mu);
          if (first.empty()) first = st.message();
          ++failures;
        });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (failures < 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(fold.folds(), 0);
  }
  EXPECT_GE(failures.load(), 3);
  EXPECT_EQ(first, "database unreachable");
  EXPECT_EQ(Mark(), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Engines, AggregatesTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

class AggregatesSqliteTest : public AggregatesTest {};

// Between folds the fold's connection holds no snapshot: a snapshot left open would keep every
// later WAL frame from being copied into the file, so the WAL would grow as long as the server
// runs.
TEST_P(AggregatesSqliteTest, PeriodicFoldHoldsNoSnapshotBetweenFolds) {
  Ingest({Report("s1", "2026-09-14", 10)});
  store_->Idle();  // the test's own connection
  PeriodicFold fold([this]() -> Result<std::unique_ptr<Store>> { return Open(); },
                    std::chrono::milliseconds(20), [](const Status&) {});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (fold.folds() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(fold.folds(), 2);
  auto other = SqliteDb::Open(dir_ / "a.db");
  ASSERT_TRUE(other.ok()) << other.status().message();
  ASSERT_TRUE((*other)->Exec("CREATE TABLE scratch(v); INSERT INTO scratch VALUES(1)").ok());
  // The fold may be mid-fold when the checkpoint runs: it is tried for a while.
  EXPECT_TRUE(testing::CheckpointCopiesEveryFrame((*other)->raw()));
}

INSTANTIATE_TEST_SUITE_P(Engines, AggregatesSqliteTest, ::testing::Values("sqlite"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace accrue::aggregates
