#include "store/sql.h"

#include <algorithm>
#include <cassert>

namespace accrue {

int64_t SqlRow::Int(size_t i) const {
  const SqlValue& v = values.at(i);
  if (std::holds_alternative<std::monostate>(v)) return 0;
  assert(std::holds_alternative<int64_t>(v) && "an integer read from a text column");
  return std::get<int64_t>(v);
}

const std::string& SqlRow::Text(size_t i) const {
  static const std::string kEmpty;
  const SqlValue& v = values.at(i);
  if (std::holds_alternative<std::monostate>(v)) return kEmpty;
  assert(std::holds_alternative<std::string>(v) && "text read from an integer column");
  return std::get<std::string>(v);
}

namespace {

Status MigrateOnce(SqlConn& sql, std::string_view module,
                   std::initializer_list<SqlMigration> migrations, int64_t latest) {
  RETURN_IF_ERROR(sql.Exec(
      "CREATE TABLE IF NOT EXISTS module_schema(module TEXT PRIMARY KEY, version BIGINT NOT "
      "NULL)"));
  // Up to date (every open, and every aggregate read): nothing to write, so no write lock.
  ASSIGN_OR_RETURN(auto current, sql.Query("SELECT version FROM module_schema WHERE module = $1",
                                           {std::string(module)}));
  if (!current.empty() && current[0].Int(0) >= latest) return Status::Ok();
  return InSqlTransaction(sql, [&]() -> Status {
    ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT version FROM module_schema WHERE module = $1",
                                          {std::string(module)}));
    const int64_t have = rows.empty() ? 0 : rows[0].Int(0);
    int64_t now = have;
    for (const SqlMigration& m : migrations) {
      if (m.version <= have) continue;
      RETURN_IF_ERROR(
          sql.Exec(m.statements)
              .WithContext(std::string(module) + " schema " + std::to_string(m.version)));
      now = m.version;
    }
    if (now == have) return Status::Ok();
    return sql
        .Query(
            "INSERT INTO module_schema(module, version) VALUES($1, $2) ON CONFLICT(module) DO "
            "UPDATE SET version = excluded.version",
            {std::string(module), now})
        .status();
  });
}

}  // namespace

Status MigrateModule(SqlConn& sql, std::string_view module,
                     std::initializer_list<SqlMigration> migrations) {
  // Two processes opening a fresh PostgreSQL database at once can race on CREATE TABLE; the
  // loser's transaction fails and a second attempt finds the work done.
  int64_t latest = 0;
  for (const SqlMigration& m : migrations) latest = std::max<int64_t>(latest, m.version);
  if (sql.MigratedVersion(module) >= latest) return Status::Ok();
  Status st;
  for (int attempt = 0; attempt < 3; ++attempt) {
    st = MigrateOnce(sql, module, migrations, latest);
    if (st.ok()) {
      sql.SetMigratedVersion(module, latest);
      return st;
    }
  }
  return st;
}

}  // namespace accrue
