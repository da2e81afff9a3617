// A thin RAII layer over libpq: a connection, statements prepared once and cached by their SQL
// text, parameters and results in PostgreSQL's binary format, and binary COPY for bulk rows.
//
// Everything travels in binary, so nothing is ever quoted or escaped: parameters are typed
// (int8, text, bytea, int8[], text[]) and a result column is read as an integer (int2, int4,
// int8 or bool), as bytes (text, bytea) or tested for NULL. Errors become Status values naming
// PostgreSQL's message; a unique violation (SQLSTATE 23505) is a Conflict, anything else Io.
//
// Not thread-safe: one PgDb per thread, as with a libpq connection.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "store/sql.h"

namespace accrue {

// Parameters for one execution, in order ($1, $2, ...).
class PgParams {
 public:
  PgParams& Int(int64_t v);
  PgParams& Text(std::string_view v);
  PgParams& Bytea(std::string_view v);
  PgParams& NullInt();
  PgParams& IntArray(const std::vector<int64_t>& v);
  PgParams& TextArray(const std::vector<std::string>& v);

  int size() const { return static_cast<int>(types_.size()); }

 private:
  friend class PgDb;
  PgParams& Add(Oid type, std::string bytes, bool null = false);
  std::vector<Oid> types_;
  std::vector<std::string> values_;
  std::vector<bool> null_;
};

// A result set in binary format. Rows and columns start at 0.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  int columns() const { return PQnfields(r_.get()); }
  Oid Type(int col) const { return PQftype(r_.get(), col); }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  // An integer or boolean column; 0 for NULL.
  int64_t Int(int row, int col) const;
  // A text or bytea column's bytes, valid as long as the result.
  std::string_view Bytes(int row, int col) const {
    return std::string_view(PQgetvalue(r_.get(), row, col),
                            static_cast<size_t>(PQgetlength(r_.get(), row, col)));
  }
  std::string Text(int row, int col) const { return std::string(Bytes(row, col)); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

// Builds the body of a `COPY ... FROM STDIN (FORMAT binary)`: call Row() with the number of
// fields, then one value per field.
class PgCopyRows {
 public:
  PgCopyRows();
  PgCopyRows& Row(int fields);
  PgCopyRows& Int(int64_t v);
  PgCopyRows& Text(std::string_view v);  // text and bytea alike
  PgCopyRows& Null();
  int64_t rows() const { return rows_; }
  // The complete body, trailer included. Call once.
  const std::string& Finish();

 private:
  std::string buf_;
  int64_t rows_ = 0;
};

class PgDb {
 public:
  // `url`: a libpq connection string or URI ("postgresql://user@host:port/db").
  static Result<std::unique_ptr<PgDb>> Open(const std::string& url);
  ~PgDb();
  PgDb(const PgDb&) = delete;
  PgDb& operator=(const PgDb&) = delete;

  // Runs one or more statements without parameters (BEGIN, COMMIT, DDL).
  Status Exec(const std::string& sql);
  // Runs one statement, prepared on first use and cached by its text. A statement's parameter
  // types are those of its first execution.
  Result<PgResult> Query(const std::string& sql, const PgParams& params = PgParams());
  // Runs one statement without parameters or preparing it (cursors: FETCH), rows in binary.
  Result<PgResult> QueryOnce(const std::string& sql);
  // Commits the open transaction; fails if it did not commit (PostgreSQL answers COMMIT of a
  // failed transaction with a rollback, not an error).
  Status Commit();
  // Runs `copy_sql` (a COPY ... FROM STDIN (FORMAT binary)) with `rows` as its data.
  Status CopyIn(const std::string& copy_sql, PgCopyRows& rows);
  // True when the connection is usable. After a lost connection, Reconnect() tries once more;
  // prepared statements are prepared again as they are used.
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  Status Reconnect();
  // True while a transaction is open (or failed and not yet rolled back).
  bool InTransaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

 private:
  explicit PgDb(PGconn* conn) : conn_(conn) {}
  // Consumes `r`: Ok for a command or rows, else the error as a Status.
  Status Check(PGresult* r, const char* what);

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text → statement name
};

// The portable SQL connection over a PgDb. A NULL parameter is typed as an integer.
class PgSql : public SqlConn {
 public:
  explicit PgSql(PgDb* db) : db_(db) {}
  Result<std::vector<SqlRow>> Query(std::string_view sql,
                                    const std::vector<SqlValue>& params) override;
  Status Exec(const std::string& sql) override { return db_->Exec(sql); }
  Status Begin() override { return db_->Exec("BEGIN"); }
  Status Commit() override { return db_->Commit(); }
  void Rollback() override { (void)db_->Exec("ROLLBACK"); }

 private:
  PgDb* db_;
};

}  // namespace accrue
