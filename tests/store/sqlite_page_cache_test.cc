// The page cache wrapper drops exactly the pages a truncate asks it to — a few one by one, many
// by pcache1, pinned or not, including a page parked past the end by a rekey — and a database
// whose commits rebalance B-trees reads back what was committed.
#include "store/sqlite_page_cache.h"

#include <gtest/gtest.h>

#include <random>

#include "store/sqlite_db.h"
#include "testing/temp_dir.h"

namespace accrue {
namespace {

constexpr unsigned kParked = 262'145;  // where a rebalance parks a page (the lock-byte page)

// A cache driven through the wrapper's methods, as SQLite drives it.
class DirectCache {
 public:
  DirectCache() : m_(SqlitePageCacheMethods()), cache_(m_.xCreate(4096, 64, 1)) {
    m_.xCachesize(cache_, 2000);
  }
  ~DirectCache() { m_.xDestroy(cache_); }

  // Creates page `key` and leaves it pinned.
  sqlite3_pcache_page* Pin(unsigned key) { return m_.xFetch(cache_, key, 1); }
  // Creates page `key` and unpins it, as a page SQLite has finished with.
  void Add(unsigned key) { m_.xUnpin(cache_, Pin(key), 0); }
  bool Holds(unsigned key) {
    sqlite3_pcache_page* page = m_.xFetch(cache_, key, 0);
    if (page != nullptr) m_.xUnpin(cache_, page, 0);
    return page != nullptr;
  }
  int Pages() { return m_.xPagecount(cache_); }
  void Rekey(sqlite3_pcache_page* page, unsigned from, unsigned to) {
    m_.xRekey(cache_, page, from, to);
  }
  void Truncate(unsigned limit) { m_.xTruncate(cache_, limit); }

 private:
  const sqlite3_pcache_methods2& m_;
  sqlite3_pcache* cache_;
};

class SqlitePageCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = SqliteDb::Open(dir_ / "cache.db");
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(SqlitePageCacheInstalled());
    ASSERT_TRUE(db_->Exec("PRAGMA journal_mode=WAL; PRAGMA cache_size=-65536;"
                          "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);")
                    .ok());
    ASSERT_TRUE(Insert(1, 100, 'c').ok());
  }

  // Rows [from, from + n), each about one page of `fill`.
  Status Insert(int from, int n, char fill) {
    auto stmt = db_->Prepare("INSERT INTO t(id, v) VALUES(?, ?)");
    if (!stmt.ok()) return stmt.status();
    for (int i = from; i < from + n; ++i) {
      RETURN_IF_ERROR((*stmt)->Reset().Bind(1, i).Bind(2, std::string(3000, fill)).Run());
    }
    return Status::Ok();
  }

  void ExpectCommittedRows(int rows, char last_fill) {
    auto stmt = db_->Prepare("SELECT count(*), max(substr(v, 1, 1)) FROM t WHERE id >= 1000");
    ASSERT_TRUE(stmt.ok());
    ASSERT_TRUE(*(*stmt)->Step());
    EXPECT_EQ((*stmt)->Int(0), rows);
    if (rows > 0) {
      EXPECT_EQ((*stmt)->Text(1), std::string(1, last_fill));
    }
    db_->ResetAll();
    auto check = db_->Prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.ok());
    ASSERT_TRUE(*(*check)->Step());
    EXPECT_EQ((*check)->Text(0), "ok");
    db_->ResetAll();
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteDb> db_;
};

TEST_F(SqlitePageCacheTest, AFewPagesAtOrPastTheLimitAreDroppedOneByOne) {
  DirectCache cache;
  for (unsigned key = 1; key <= 10; ++key) cache.Add(key);
  cache.Add(kParked);
  const SqlitePageCacheStats before = GetSqlitePageCacheStats();
  cache.Truncate(6);
  EXPECT_EQ(GetSqlitePageCacheStats().by_page, before.by_page + 1);
  EXPECT_EQ(GetSqlitePageCacheStats().passed_on, before.passed_on);
  EXPECT_EQ(cache.Pages(), 5);
  EXPECT_TRUE(cache.Holds(5));
  EXPECT_FALSE(cache.Holds(6));
  EXPECT_FALSE(cache.Holds(kParked));
}

TEST_F(SqlitePageCacheTest, APinnedPageAndARekeyedOneAreDroppedToo) {
  DirectCache cache;
  for (unsigned key = 1; key <= 4; ++key) cache.Add(key);
  sqlite3_pcache_page* pinned = cache.Pin(5);
  ASSERT_NE(pinned, nullptr);
  sqlite3_pcache_page* moved = cache.Pin(3);
  ASSERT_NE(moved, nullptr);
  cache.Rekey(moved, 3, kParked);
  cache.Truncate(5);  // SQLite no longer holds either: a truncate unpins what it drops
  EXPECT_EQ(cache.Pages(), 3);
  EXPECT_FALSE(cache.Holds(5));
  EXPECT_FALSE(cache.Holds(kParked));
  EXPECT_FALSE(cache.Holds(3));
  EXPECT_TRUE(cache.Holds(4));
}

TEST_F(SqlitePageCacheTest, ManyPagesArePassedToSqlite) {
  DirectCache cache;
  for (unsigned key = 1; key <= 300; ++key) cache.Add(key);
  const SqlitePageCacheStats before = GetSqlitePageCacheStats();
  cache.Truncate(11);
  EXPECT_EQ(GetSqlitePageCacheStats().passed_on, before.passed_on + 1);
  EXPECT_EQ(cache.Pages(), 10);
  EXPECT_FALSE(cache.Holds(200));
  // Pages created again after the truncate are tracked again.
  for (unsigned key = 11; key <= 20; ++key) cache.Add(key);
  cache.Truncate(15);
  EXPECT_EQ(cache.Pages(), 14);
}

TEST_F(SqlitePageCacheTest, CommitsThatRebalanceReadBackWhatWasCommitted) {
  // Rows in random order make B-tree rebalances that park pages past the end of the file.
  const SqlitePageCacheStats before = GetSqlitePageCacheStats();
  std::mt19937 random(7);
  for (int txn = 0; txn < 5; ++txn) {
    ASSERT_TRUE(db_->Exec("BEGIN").ok());
    auto stmt = db_->Prepare("INSERT INTO t(id, v) VALUES(?, ?)");
    ASSERT_TRUE(stmt.ok());
    for (int i = 0; i < 400; ++i) {
      const int64_t id = 1000 + static_cast<int64_t>(random() % 1'000'000'000);
      ASSERT_TRUE((*stmt)->Reset().Bind(1, id).Bind(2, std::string(300, 'r')).Run().ok());
    }
    ASSERT_TRUE(db_->Exec("COMMIT").ok());
  }
  EXPECT_GT(GetSqlitePageCacheStats().by_page, before.by_page);
  ExpectCommittedRows(2000, 'r');
}

TEST_F(SqlitePageCacheTest, RolledBackRowsLeaveNoTrace) {
  ASSERT_TRUE(db_->Exec("BEGIN").ok());
  ASSERT_TRUE(Insert(1000, 500, 'x').ok());
  ASSERT_TRUE(db_->Exec("ROLLBACK").ok());
  ExpectCommittedRows(0, 'x');
  ASSERT_TRUE(db_->Exec("BEGIN").ok());
  ASSERT_TRUE(Insert(1000, 30, 'z').ok());
  ASSERT_TRUE(db_->Exec("COMMIT").ok());
  ExpectCommittedRows(30, 'z');
}

}  // namespace
}  // namespace accrue
