// The portable SQL connection behaves the same over both engines: placeholders, integer, text
// and NULL values, unique violations as conflicts, transactions, module migrations applied once.
#include "store/sql.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "store/store.h"
#include "testing/postgres_server.h"
#include "testing/temp_dir.h"

namespace accrue {
namespace {

class SqlTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (std::string(GetParam()) == "sqlite") {
      auto s = OpenSqliteStore(dir_ / "sql.db");
      ASSERT_TRUE(s.ok()) << s.status().message();
      store_ = std::move(*s);
    } else {
      auto& server = testing::PostgresServer::Shared();
      ASSERT_TRUE(server.ok()) << server.error();
      const std::string url = server.NewDatabase();
      ASSERT_FALSE(url.empty()) << server.error();
      url_ = url;
      auto s = OpenPostgresStore(url);
      ASSERT_TRUE(s.ok()) << s.status().message();
      store_ = std::move(*s);
    }
    ASSERT_TRUE(MigrateModule(store_->sql(), "t",
                              {{1, "CREATE TABLE t(k TEXT PRIMARY KEY, n BIGINT, s TEXT)"}})
                    .ok());
  }
  SqlConn& sql() { return store_->sql(); }
  std::unique_ptr<Store> OpenAnother() {
    auto s = std::string(GetParam()) == "sqlite" ? OpenSqliteStore(dir_ / "sql.db")
                                                 : OpenPostgresStore(url_);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(*s) : nullptr;
  }

  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
};

TEST_P(SqlTest, RoundTripsIntegersTextAndNull) {
  ASSERT_TRUE(sql()
                  .Query("INSERT INTO t(k, n, s) VALUES($1, $2, $3)",
                         {std::string("a"), int64_t{-9'000'000'000}, std::string("héllo")})
                  .ok());
  ASSERT_TRUE(sql()
                  .Query("INSERT INTO t(k, n, s) VALUES($1, $2, $3)",
                         {std::string("b"), SqlValue(), std::string("")})
                  .ok());
  auto rows = sql().Query("SELECT k, n, s FROM t ORDER BY k");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->at(0).Text(0), "a");
  EXPECT_EQ(rows->at(0).Int(1), -9'000'000'000);
  EXPECT_EQ(rows->at(0).Text(2), "héllo");
  EXPECT_TRUE(rows->at(1).IsNull(1));
  auto sum = sql().Query("SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM t WHERE k = $1 OR k = $1",
                         {std::string("a")});
  ASSERT_TRUE(sum.ok()) << sum.status().message();
  EXPECT_EQ(sum->at(0).Int(0), -9'000'000'000);
}

TEST_P(SqlTest, UniqueViolationIsAConflictAndRollbackUndoes) {
  ASSERT_TRUE(sql().Query("INSERT INTO t(k) VALUES($1)", {std::string("a")}).ok());
  auto dup = sql().Query("INSERT INTO t(k) VALUES($1)", {std::string("a")});
  EXPECT_EQ(dup.status().code(), Code::kConflict);

  Status st = InSqlTransaction(sql(), [&]() -> Status {
    RETURN_IF_ERROR(sql().Query("INSERT INTO t(k) VALUES($1)", {std::string("b")}).status());
    return Status::Invalid("changed my mind");
  });
  EXPECT_EQ(st.message(), "changed my mind");
  auto rows = sql().Query("SELECT count(*) FROM t");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->at(0).Int(0), 1);
}

TEST_P(SqlTest, MigrationsRunOnceAndAddOnlyNewVersions) {
  // Version 1 ran in SetUp; running it again must not fail on the existing table.
  ASSERT_TRUE(MigrateModule(sql(), "t",
                            {{1, "CREATE TABLE t(k TEXT PRIMARY KEY, n BIGINT, s TEXT)"},
                             {2, "CREATE TABLE t2(x BIGINT)"}})
                  .ok());
  ASSERT_TRUE(MigrateModule(sql(), "t",
                            {{1, "CREATE TABLE t(k TEXT PRIMARY KEY, n BIGINT, s TEXT)"},
                             {2, "CREATE TABLE t2(x BIGINT)"}})
                  .ok());
  auto rows =
      sql().Query("SELECT version FROM module_schema WHERE module = $1", {std::string("t")});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->at(0).Int(0), 2);
  EXPECT_TRUE(sql().Query("INSERT INTO t2(x) VALUES($1)", {int64_t{1}}).ok());
}

// Once a connection has found a module up to date it does not ask again: with the module's
// record gone behind its back, the same version is not run again (its CREATE TABLE would fail),
// while a newer version still is.
TEST_P(SqlTest, AConnectionRemembersAModuleItFoundUpToDate) {
  auto other = OpenAnother();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(
      other->sql().Query("DELETE FROM module_schema WHERE module = $1", {std::string("t")}).ok());
  const SqlMigration v1{1, "CREATE TABLE t(k TEXT PRIMARY KEY, n BIGINT, s TEXT)"};
  EXPECT_TRUE(MigrateModule(sql(), "t", {v1}).ok());
  auto rows =
      sql().Query("SELECT version FROM module_schema WHERE module = $1", {std::string("t")});
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());

  // The other connection never saw version 1 applied, so it tries, and the table is there.
  Status again = MigrateModule(other->sql(), "t", {v1});
  EXPECT_EQ(again.code(), Code::kIo);
  EXPECT_NE(again.message().find("t schema 1"), std::string::npos) << again.message();

  // A newer version is still applied (its record then reads 2 again).
  ASSERT_TRUE(
      other->sql()
          .Query("INSERT INTO module_schema(module, version) VALUES($1, 1)", {std::string("t")})
          .ok());
  EXPECT_TRUE(MigrateModule(sql(), "t", {v1, {2, "CREATE TABLE t2(x BIGINT)"}}).ok());
  rows = sql().Query("SELECT version FROM module_schema WHERE module = $1", {std::string("t")});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).Int(0), 2);
}

// A module already at its latest version writes nothing, so it does not wait for a writer on
// another connection (on SQLite it used to take the write lock, and wait, on every call).
TEST_P(SqlTest, AnUpToDateModuleDoesNotWaitForTheWriteLock) {
  auto other = OpenAnother();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->sql().Begin().ok());
  ASSERT_TRUE(other->sql().Query("INSERT INTO t(k) VALUES('held')").ok());
  auto migrated = std::async(std::launch::async, [&] {
    return MigrateModule(sql(), "t", {{1, "CREATE TABLE t(k TEXT PRIMARY KEY, n BIGINT, s TEXT)"}});
  });
  const bool prompt = migrated.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  ASSERT_TRUE(other->sql().Commit().ok());
  EXPECT_TRUE(prompt);
  EXPECT_TRUE(migrated.get().ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, SqlTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace accrue
