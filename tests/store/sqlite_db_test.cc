// A connection that checkpoints in the background leaves its commits' WAL to a thread that copies
// it into the database file: the file fills, the WAL is reused rather than growing (even while
// readers hold snapshots), every connection to the file shares the one thread, and what was
// committed reads back. And a cached statement's bindings: cleared by Prepare(), kept by
// Again().
#include "store/sqlite_db.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "testing/temp_dir.h"
#include "testing/wal_checkpoint.h"

namespace accrue {
namespace {

constexpr int kRowBytes = 3000;  // about one 4 KiB page per row
constexpr int kRowsPastThreshold = kWalCheckpointPages + 200;

class SqliteDbCheckpointTest : public ::testing::Test {
 protected:
  // A connection in WAL mode that checkpoints in the background, with table t.
  std::unique_ptr<SqliteDb> OpenWal() {
    auto db = SqliteDb::Open(path_);
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return nullptr;
    EXPECT_TRUE((*db)
                    ->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                           "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT);")
                    .ok());
    EXPECT_TRUE((*db)->CheckpointInBackground().ok());
    return std::move(*db);
  }

  // One transaction of `n` rows of about a page each, from id `from`; `before_commit` runs
  // just before its COMMIT.
  static void Insert(SqliteDb& db, int from, int n,
                     const std::function<void()>& before_commit = nullptr) {
    ASSERT_TRUE(db.Exec("BEGIN IMMEDIATE").ok());
    auto stmt = db.Prepare("INSERT INTO t(id, v) VALUES(?, ?)");
    ASSERT_TRUE(stmt.ok()) << stmt.status().message();
    for (int i = from; i < from + n; ++i) {
      ASSERT_TRUE((*stmt)->Reset().Bind(1, i).Bind(2, std::string(kRowBytes, 'x')).Run().ok());
    }
    db.ResetAll();
    if (before_commit) before_commit();
    ASSERT_TRUE(db.Exec("COMMIT").ok());
  }

  static WalStats Stats(const SqliteDb& db) {
    WalStats stats;
    EXPECT_TRUE(db.ReadWalStats(&stats));
    return stats;
  }

  // Waits (up to 30 s, for a busy machine) until the thread has run `n` checkpoints.
  static bool AwaitCheckpoints(const SqliteDb& db, int64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (Stats(db).checkpoints < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  static int64_t Count(SqliteDb& db) {
    auto stmt = db.Prepare("SELECT count(*) FROM t");
    EXPECT_TRUE(stmt.ok());
    if (!stmt.ok() || !*(*stmt)->Step()) return -1;
    const int64_t n = (*stmt)->Int(0);
    db.ResetAll();
    return n;
  }

  uintmax_t FileBytes() const { return std::filesystem::file_size(path_); }
  uintmax_t WalBytes() const {
    std::error_code ec;
    const uintmax_t n = std::filesystem::file_size(path_ + "-wal", ec);
    return ec ? 0 : n;
  }

  testing::TempDir dir_;
  const std::string path_ = dir_ / "wal.db";
};

TEST_F(SqliteDbCheckpointTest, ALargeCommitIsCopiedIntoTheFileByTheThread) {
  auto db = OpenWal();
  ASSERT_NE(db, nullptr);
  const uintmax_t before = FileBytes();
  Insert(*db, 0, kRowsPastThreshold);
  ASSERT_TRUE(AwaitCheckpoints(*db, 1));
  // The rows live in the database file now, not only in the WAL.
  EXPECT_GE(FileBytes(), before + uintmax_t{kRowsPastThreshold} * kRowBytes);
  EXPECT_EQ(Count(*db), kRowsPastThreshold);
}

TEST_F(SqliteDbCheckpointTest, SmallCommitsAreCopiedOnceNobodyCommits) {
  auto db = OpenWal();
  ASSERT_NE(db, nullptr);
  const uintmax_t before = FileBytes();
  for (int i = 0; i < 10; ++i) Insert(*db, i * 50, 50);
  // Under the threshold no commit wakes the thread, and SQLite's own checkpoint is off ...
  EXPECT_GE(Stats(*db).pages, 500);  // a page or more per row
  EXPECT_LT(Stats(*db).pages, kWalCheckpointPages);
  // ... but once no commit has come for a quiet spell, the thread copies them into the file.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((FileBytes() < before + uintmax_t{500} * kRowBytes || Stats(*db).checkpoints < 1) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(FileBytes(), before + uintmax_t{500} * kRowBytes);
  EXPECT_GE(Stats(*db).checkpoints, 1);
  // Then it has nothing left to copy, and copies nothing while nobody commits.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int64_t copies = Stats(*db).checkpoints;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Stats(*db).checkpoints, copies);
  EXPECT_EQ(Count(*db), 500);
}

TEST_F(SqliteDbCheckpointTest, TheWalIsReusedRatherThanGrowing) {
  auto db = OpenWal();
  ASSERT_NE(db, nullptr);
  constexpr int kCommits = 6;
  for (int c = 0; c < kCommits; ++c) {
    Insert(*db, c * kRowsPastThreshold, kRowsPastThreshold);
    ASSERT_TRUE(AwaitCheckpoints(*db, c + 1));
  }
  // Each commit starts the WAL over once the one before it is in the file: the WAL holds about
  // one commit, where without checkpoints it would hold all six.
  const uintmax_t one_commit = uintmax_t{kRowsPastThreshold} * kRowBytes;
  EXPECT_LT(WalBytes(), 2 * one_commit);
  EXPECT_GE(FileBytes(), kCommits * one_commit);
  EXPECT_EQ(Count(*db), kCommits * kRowsPastThreshold);
}

TEST_F(SqliteDbCheckpointTest, APastRestartCommitWaitsForReadersSoTheWalStartsOver) {
  auto writer = OpenWal();
  auto reader = OpenWal();
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  // The reader's snapshot needs the WAL's frames (they are not copied yet), as a pipelined
  // ingest's reader does while the batch before is committed.
  ASSERT_TRUE(reader->Exec("BEGIN").ok());
  EXPECT_EQ(Count(*reader), 0);
  std::atomic<bool> committing = false;
  std::atomic<bool> released = false;
  std::thread let_go([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!committing && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    released = true;
    EXPECT_TRUE(reader->Exec("COMMIT").ok());
  });
  constexpr int kRows = kWalRestartPages + 200;
  Insert(*writer, 0, kRows, [&] { committing = true; });
  EXPECT_TRUE(released) << "the commit returned while a reader still needed the WAL";
  let_go.join();
  // Every frame was copied before anyone began again: the next commit starts the WAL over.
  Insert(*writer, kRows, 1);
  auto frames = writer->Prepare("PRAGMA wal_checkpoint(PASSIVE)");
  ASSERT_TRUE(frames.ok());
  ASSERT_TRUE(*(*frames)->Step());
  EXPECT_LT((*frames)->Int(1), 100);  // frames in the WAL, where it held over 16,000
  writer->ResetAll();
  EXPECT_EQ(Count(*reader), kRows + 1);
  const WalStats stats = Stats(*writer);
  EXPECT_LT(stats.pages, 100);
  EXPECT_EQ(stats.commits_waited, 1);
  EXPECT_EQ(stats.waits_given_up, 0);
}

TEST_F(SqliteDbCheckpointTest, AReaderThatHoldsOnStallsOneCommitOnly) {
  auto writer = OpenWal();
  auto reader = OpenWal();
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(reader->Exec("BEGIN").ok());  // a long query, holding on past the commits below
  EXPECT_EQ(Count(*reader), 0);
  Insert(*writer, 0, kWalRestartPages + 200);  // waits for the reader, and gives up
  EXPECT_EQ(Stats(*writer).commits_waited, 1);
  EXPECT_EQ(Stats(*writer).waits_given_up, 1);
  // The next commits leave the WAL past the threshold too, but do not wait again.
  for (int i = 0; i < 8; ++i) Insert(*writer, kWalRestartPages + 200 + i, 1);
  const WalStats stats = Stats(*writer);
  EXPECT_EQ(stats.commits_waited, 1);
  EXPECT_EQ(stats.waits_given_up, 1);
  EXPECT_GT(stats.pages, kWalRestartPages);
  ASSERT_TRUE(reader->Exec("COMMIT").ok());
  EXPECT_EQ(Count(*reader), kWalRestartPages + 208);
}

TEST_F(SqliteDbCheckpointTest, ConnectionsToOneFileShareTheThread) {
  auto writer = OpenWal();
  auto other = OpenWal();
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(other, nullptr);
  Insert(*writer, 0, kRowsPastThreshold);
  ASSERT_TRUE(AwaitCheckpoints(*other, 1));  // counted by the one thread both connections use
  Insert(*other, kRowsPastThreshold, kRowsPastThreshold);
  ASSERT_TRUE(AwaitCheckpoints(*writer, 2));
  EXPECT_EQ(Count(*other), 2 * kRowsPastThreshold);
}

TEST_F(SqliteDbCheckpointTest, TheLastConnectionToCloseLeavesNoWal) {
  {
    auto db = OpenWal();
    ASSERT_NE(db, nullptr);
    Insert(*db, 0, 100);
  }
  EXPECT_FALSE(std::filesystem::exists(path_ + "-wal"));
  auto db = OpenWal();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Count(*db), 100);
}

// A store's read that leaves a statement on its row keeps a snapshot, and with it every later
// WAL frame, until the connection's next operation; Store::Idle lets go of it.
TEST_F(SqliteDbCheckpointTest, AnIdleStoreHoldsNoSnapshot) {
  auto store = OpenSqliteStore(path_);
  ASSERT_TRUE(store.ok()) << store.status().message();
  ASSERT_TRUE((*store)->DataVersion().ok());  // one row, read and left
  auto other = OpenWal();
  ASSERT_NE(other, nullptr);
  Insert(*other, 0, 20);
  // A passive checkpoint copies what no snapshot still needs.
  EXPECT_FALSE(testing::CheckpointCopiesEveryFrame(other->raw(), std::chrono::milliseconds(0)));
  (*store)->Idle();
  EXPECT_TRUE(testing::CheckpointCopiesEveryFrame(other->raw(), std::chrono::milliseconds(0)));
}

TEST_F(SqliteDbCheckpointTest, ADatabaseInMemoryKeepsSqlitesOwnCheckpoint) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->CheckpointInBackground().ok());
  WalStats stats;
  EXPECT_FALSE((*db)->ReadWalStats(&stats));
}

// A cached statement comes back from Prepare() with its parameters cleared (an unbound one is
// NULL), so a call site cannot inherit another's values; Again() keeps them, for a loop that
// rebinds every parameter on each row.
// Each row of `sql`'s answer as its first `columns` columns' text, joined by '|'.
std::vector<std::string> Rows(SqliteDb& db, const char* sql, int columns) {
  auto s = db.Prepare(sql);
  EXPECT_TRUE(s.ok());
  std::vector<std::string> rows;
  while (s.ok()) {
    auto row = (*s)->Step();
    EXPECT_TRUE(row.ok());
    if (!row.ok() || !*row) break;
    std::string text = (*s)->Text(0);
    for (int i = 1; i < columns; ++i) text += "|" + (*s)->Text(i);
    rows.push_back(std::move(text));
  }
  return rows;
}

TEST(SqliteStmtTest, PrepareClearsTheBindingsAndAgainKeepsThem) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t(a INTEGER, b TEXT)").ok());
  const char* const kInsert = "INSERT INTO t(a,b) VALUES(?,?)";
  auto s = (*db)->Prepare(kInsert);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Bind(1, 7).Bind(2, "seven").Run().ok());
  ASSERT_TRUE((*s)->Again().Bind(1, 8).Run().ok());  // b kept
  s = (*db)->Prepare(kInsert);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Bind(1, 9).Run().ok());  // b cleared
  EXPECT_EQ(Rows(**db, "SELECT a, coalesce(b, 'null') FROM t ORDER BY a", 2),
            (std::vector<std::string>{"7|seven", "8|seven", "9|null"}));
}

// BindView and BindBlobView read the caller's bytes when the statement steps, not when bound:
// what the writer's loops rely on to skip SQLite's copy, and why their rows must outlive Run().
TEST(SqliteStmtTest, AViewIsReadWhenTheStatementStepsAndBindCopies) {
  auto db = SqliteDb::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t(a INTEGER, b TEXT, c BLOB)").ok());
  auto s = (*db)->Prepare("INSERT INTO t(a,b,c) VALUES(?,?,?)");
  ASSERT_TRUE(s.ok());
  std::string text = "abc";
  std::string bytes = std::string("x\0y", 3);
  (*s)->Bind(1, 1).BindView(2, text).BindBlobView(3, bytes);
  text[0] = 'z';
  bytes[2] = 'w';
  ASSERT_TRUE((*s)->Run().ok());
  text = "def";
  (*s)->Again().Bind(1, 2).Bind(2, text).Bind(3, std::string_view("copied"));
  text[0] = 'q';
  ASSERT_TRUE((*s)->Run().ok());
  EXPECT_EQ(Rows(**db, "SELECT a, b, hex(c) FROM t ORDER BY a", 3),
            (std::vector<std::string>{"1|zbc|780077", "2|def|636F70696564"}));
}

}  // namespace
}  // namespace accrue
