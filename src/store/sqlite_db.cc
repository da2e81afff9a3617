#include "store/sqlite_db.h"

#include <mutex>

#include "store/sqlite_page_cache.h"

namespace accrue {

SqliteStmt& SqliteStmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}

SqliteStmt& SqliteStmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

SqliteStmt& SqliteStmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStmt& SqliteStmt::BindBlob(int i, std::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStmt& SqliteStmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> SqliteStmt::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    if (busy_ != nullptr && !listed_) {
      busy_->push_back(this);
      listed_ = true;
    }
    return true;
  }
  if (rc == SQLITE_DONE) return false;
  const int ext = sqlite3_extended_errcode(db_);
  std::string msg = std::string("database: ") + sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Status::Conflict(msg);
  }
  return Status::Io(msg);
}

Status SqliteStmt::Run() {
  for (;;) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

std::string SqliteStmt::Text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
}

std::string_view SqliteStmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(p), n);
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  // Memory statistics put every allocation of every connection behind one global mutex,
  // which the server's threads then queue on; nothing here reads them. The page cache is
  // pcache1 with a cheaper truncate (store/sqlite_page_cache.h). Both must precede the
  // library's initialization, so they are set once before the first open (and are a harmless
  // no-op if something initialized SQLite earlier).
  static std::once_flag configured;
  std::call_once(configured, [] {
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)InstallSqlitePageCache();
  });
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::Io("cannot open database '" + path + "': " + msg);
  }
  sqlite3_busy_timeout(db, 30000);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db));
}

SqliteDb::~SqliteDb() {
  cache_.clear();
  sqlite3_close(db_);
}

Status SqliteDb::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Io("database: " + msg);
  }
  return Status::Ok();
}

void SqliteDb::ResetAll() {
  // Only statements that stepped onto a row can hold a read transaction open.
  for (SqliteStmt* stmt : busy_) {
    sqlite3_reset(stmt->stmt_);
    stmt->listed_ = false;
  }
  busy_.clear();
}

Result<SqliteStmt*> SqliteDb::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK) {
      return Status::Io(std::string("database: ") + sqlite3_errmsg(db_) +
                        " in: " + std::string(sql));
    }
    it = cache_.emplace(std::string(sql), std::make_unique<SqliteStmt>(db_, stmt, &busy_)).first;
  }
  return &it->second->Reset();
}

}  // namespace accrue

namespace accrue {

Result<std::vector<SqlRow>> SqliteSql::Query(std::string_view sql,
                                             const std::vector<SqlValue>& params) {
  db_->ResetAll();
  auto it = translated_.find(std::string(sql));
  if (it == translated_.end()) {
    std::string text(sql);
    for (char& c : text) {
      if (c == '$') c = '?';
    }
    it = translated_.emplace(std::string(sql), std::move(text)).first;
  }
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(it->second));
  for (size_t i = 0; i < params.size(); ++i) {
    const int at = static_cast<int>(i) + 1;
    if (const auto* n = std::get_if<int64_t>(&params[i])) {
      s->Bind(at, *n);
    } else if (const auto* t = std::get_if<std::string>(&params[i])) {
      s->Bind(at, std::string_view(*t));
    } else {
      s->BindNull(at);
    }
  }
  std::vector<SqlRow> rows;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    SqlRow r;
    const int n = sqlite3_column_count(s->stmt_);
    r.values.reserve(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(s->stmt_, c)) {
        case SQLITE_NULL:
          r.values.emplace_back(std::monostate());
          break;
        case SQLITE_INTEGER:
          r.values.emplace_back(s->Int(c));
          break;
        default:
          r.values.emplace_back(s->Text(c));
      }
    }
    rows.push_back(std::move(r));
  }
  db_->ResetAll();
  return rows;
}

Status SqliteSql::Exec(const std::string& sql) {
  db_->ResetAll();
  return db_->Exec(sql);
}

Status SqliteSql::Begin() { return Exec("BEGIN IMMEDIATE"); }
Status SqliteSql::Commit() { return Exec("COMMIT"); }
void SqliteSql::Rollback() { (void)Exec("ROLLBACK"); }

}  // namespace accrue
