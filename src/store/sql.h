// A portable SQL connection for the modules whose tables read the same in both engines
// (credentials, idempotency keys, benefits administration): the statement is written once,
// with PostgreSQL's `$1, $2, …` placeholders (the SQLite engine reads them as `?1, ?2, …`),
// in the SQL both engines understand (INTEGER/BIGINT, TEXT, ON CONFLICT, RETURNING).
//
// Values are integers, text or NULL; a text column comes back as text, an integer or boolean
// column as an integer. A unique violation is a Conflict, anything else from the database Io.
// The connection is the store's own: not thread-safe, one per thread, as the store.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace accrue {

using SqlValue = std::variant<std::monostate, int64_t, std::string>;

struct SqlRow {
  std::vector<SqlValue> values;
  bool IsNull(size_t i) const { return std::holds_alternative<std::monostate>(values.at(i)); }
  // 0 for NULL; a text column is a bug in the caller's SQL.
  int64_t Int(size_t i) const;
  // "" for NULL.
  const std::string& Text(size_t i) const;
};

class SqlConn {
 public:
  virtual ~SqlConn() = default;
  // Runs one statement and returns its rows (none for a statement without RETURNING).
  virtual Result<std::vector<SqlRow>> Query(std::string_view sql,
                                            const std::vector<SqlValue>& params = {}) = 0;
  // Runs statements without parameters (DDL, BEGIN, COMMIT).
  virtual Status Exec(const std::string& sql) = 0;
  // A transaction of its own for a module's multi-statement change; Commit returns once the
  // change is durable.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;

  // The schema version MigrateModule last found or left for `module` through this connection,
  // or 0. A module's schema only moves forward, so a later call that needs no newer version
  // asks the database nothing (the HTTP writer prepares the consent module once per batch).
  int64_t MigratedVersion(std::string_view module) const {
    auto it = migrated_.find(module);
    return it == migrated_.end() ? 0 : it->second;
  }
  void SetMigratedVersion(std::string_view module, int64_t version) {
    migrated_[std::string(module)] = version;
  }

 private:
  std::map<std::string, int64_t, std::less<>> migrated_;
};

// Applies a module's schema once per database: `statements` run in one transaction and are
// recorded under `module` and `version` so a later version adds only its own statements.
struct SqlMigration {
  int version;
  std::string statements;  // one or more DDL statements
};
Status MigrateModule(SqlConn& sql, std::string_view module,
                     std::initializer_list<SqlMigration> migrations);

// Runs `fn` in a transaction: commits if it returns Ok, rolls back otherwise.
template <typename Fn>
Status InSqlTransaction(SqlConn& sql, Fn&& fn) {
  RETURN_IF_ERROR(sql.Begin());
  Status st = fn();
  if (!st.ok()) {
    sql.Rollback();
    return st;
  }
  return sql.Commit();
}

}  // namespace accrue
