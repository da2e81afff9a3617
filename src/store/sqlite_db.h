// A thin RAII layer over the SQLite C API: a connection and cached prepared statements.
// Errors become Status values naming the statement's purpose and SQLite's message. A
// connection may hand its WAL checkpoints to a thread of their own (CheckpointInBackground).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "store/sql.h"

namespace accrue {

struct WalStats;  // store.h

class SqliteStmt {
 public:
  // `busy` collects the statements that stepped onto a row, for SqliteDb::ResetAll.
  SqliteStmt(sqlite3* db, sqlite3_stmt* stmt, std::vector<SqliteStmt*>* busy = nullptr)
      : db_(db), stmt_(stmt), busy_(busy) {}
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  ~SqliteStmt() { sqlite3_finalize(stmt_); }

  // Resets the statement for a fresh execution; bind indexes start at 1.
  SqliteStmt& Reset();
  // Resets it for another execution of a loop that binds every parameter each time: keeps the
  // bindings, as clearing them costs about as much as finding the statement by its text.
  SqliteStmt& Again() {
    sqlite3_reset(stmt_);
    return *this;
  }
  SqliteStmt& Bind(int i, int64_t v);
  SqliteStmt& Bind(int i, std::string_view v);
  SqliteStmt& BindBlob(int i, std::string_view v);
  // Bind text or bytes without the copy the two above make (SQLite's own allocation and
  // memcpy for each): `v` must stay valid until the statement's next Step() or Run() has
  // finished. For the writer's loops, whose rows outlive the statement that inserts them.
  SqliteStmt& BindView(int i, std::string_view v);
  SqliteStmt& BindBlobView(int i, std::string_view v);
  SqliteStmt& BindNull(int i);
  // Steps once: true with a row, false when done.
  Result<bool> Step();
  // Runs to completion.
  Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const;
  // The column's text without a copy: valid until the statement steps or is reset.
  std::string_view TextView(int col) const;
  std::string_view Blob(int col) const;

 private:
  friend class SqliteDb;
  friend class SqliteSql;
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::vector<SqliteStmt*>* busy_;
  bool listed_ = false;  // in *busy_
};

class WalCheckpointer;

// A commit that leaves the WAL at this many pages or more asks for a checkpoint (SQLite's own
// default threshold for its automatic one) ...
inline constexpr int kWalCheckpointPages = 1000;
// ... and at this many (64 MiB of 4 KiB pages, the WAL size the store keeps) waits until it has
// copied every frame, so that the next transaction starts the WAL over.
inline constexpr int kWalRestartPages = 16 * kWalCheckpointPages;

class SqliteDb {
 public:
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  Status Exec(const std::string& sql);
  // A prepared statement cached by its SQL text, reset and ready to bind. Looking up a cached
  // statement does not allocate.
  Result<SqliteStmt*> Prepare(std::string_view sql);
  // Resets every cached statement. A statement left on a row holds a read snapshot open,
  // which would hide other processes' commits and make BEGIN IMMEDIATE fail; each store
  // operation therefore starts from a clean slate.
  void ResetAll();
  sqlite3* raw() { return db_; }
  int64_t Changes() const { return sqlite3_changes64(db_); }

  // From now on a commit that leaves the WAL at kWalCheckpointPages or more wakes a thread
  // that copies the WAL into the database file (a passive checkpoint, over a connection of its
  // own, shared by every connection to the file in this process), where SQLite's automatic
  // checkpoint would run inside that commit. Only a commit past kWalRestartPages waits for it.
  // Needs WAL mode; a database without a file (in memory) keeps the automatic checkpoint.
  Status CheckpointInBackground();
  // What the background thread has done for this file, and the WAL's length after the last
  // commit; false (and `out` untouched) without one.
  bool ReadWalStats(WalStats* out) const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::shared_ptr<WalCheckpointer> checkpointer_;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, std::unique_ptr<SqliteStmt>, Hash, std::equal_to<>> cache_;
  std::vector<SqliteStmt*> busy_;  // may have a row pending: what ResetAll must reset
};

// The portable SQL connection over a SqliteDb: `$N` placeholders are read as `?N`.
class SqliteSql : public SqlConn {
 public:
  explicit SqliteSql(SqliteDb* db) : db_(db) {}
  Result<std::vector<SqlRow>> Query(std::string_view sql,
                                    const std::vector<SqlValue>& params) override;
  Status Exec(const std::string& sql) override;
  Status Begin() override;
  Status Commit() override;
  void Rollback() override;

 private:
  SqliteDb* db_;
  std::unordered_map<std::string, std::string> translated_;  // $N text → ?N text
};

}  // namespace accrue
