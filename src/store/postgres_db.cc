#include "store/postgres_db.h"

#include <algorithm>
#include <cstring>

namespace accrue {
namespace {

// Type OIDs (pg_type.dat); stable across PostgreSQL versions.
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kTextArrayOid = 1009;
constexpr Oid kInt8ArrayOid = 1016;

void PutBig(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetBig(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// The binary form of a one-dimensional array without NULLs.
template <typename T, typename F>
std::string BinaryArray(Oid element, const std::vector<T>& items, F put) {
  std::string out;
  PutBig(&out, items.empty() ? 0 : 1, 4);  // dimensions
  PutBig(&out, 0, 4);                      // has NULLs
  PutBig(&out, element, 4);
  if (!items.empty()) {
    PutBig(&out, items.size(), 4);  // length of the dimension
    PutBig(&out, 1, 4);             // lower bound
  }
  for (const T& item : items) put(&out, item);
  return out;
}

void NoNotices(void*, const char*) {}

}  // namespace

PgParams& PgParams::Add(Oid type, std::string bytes, bool null) {
  types_.push_back(type);
  values_.push_back(std::move(bytes));
  null_.push_back(null);
  return *this;
}

PgParams& PgParams::Int(int64_t v) {
  std::string b;
  PutBig(&b, static_cast<uint64_t>(v), 8);
  return Add(kInt8Oid, std::move(b));
}

PgParams& PgParams::Text(std::string_view v) { return Add(kTextOid, std::string(v)); }
PgParams& PgParams::Bytea(std::string_view v) { return Add(kByteaOid, std::string(v)); }
PgParams& PgParams::NullInt() { return Add(kInt8Oid, std::string(), true); }

PgParams& PgParams::IntArray(const std::vector<int64_t>& v) {
  return Add(kInt8ArrayOid, BinaryArray(kInt8Oid, v, [](std::string* out, int64_t x) {
               PutBig(out, 8, 4);
               PutBig(out, static_cast<uint64_t>(x), 8);
             }));
}

PgParams& PgParams::TextArray(const std::vector<std::string>& v) {
  return Add(kTextArrayOid, BinaryArray(kTextOid, v, [](std::string* out, const std::string& s) {
               PutBig(out, s.size(), 4);
               out->append(s);
             }));
}

int64_t PgResult::Int(int row, int col) const {
  const char* p = PQgetvalue(r_.get(), row, col);
  switch (PQgetlength(r_.get(), row, col)) {
    case 8:
      return static_cast<int64_t>(GetBig(p, 8));
    case 4:
      return static_cast<int32_t>(GetBig(p, 4));
    case 2:
      return static_cast<int16_t>(GetBig(p, 2));
    case 1:
      return static_cast<uint8_t>(p[0]);
    default:
      return 0;
  }
}

PgCopyRows::PgCopyRows() {
  buf_.append("PGCOPY\n\377\r\n\0", 11);
  PutBig(&buf_, 0, 4);  // flags
  PutBig(&buf_, 0, 4);  // header extension length
}

PgCopyRows& PgCopyRows::Row(int fields) {
  PutBig(&buf_, static_cast<uint64_t>(fields), 2);
  ++rows_;
  return *this;
}

PgCopyRows& PgCopyRows::Int(int64_t v) {
  PutBig(&buf_, 8, 4);
  PutBig(&buf_, static_cast<uint64_t>(v), 8);
  return *this;
}

PgCopyRows& PgCopyRows::Text(std::string_view v) {
  PutBig(&buf_, v.size(), 4);
  buf_.append(v);
  return *this;
}

PgCopyRows& PgCopyRows::Null() {
  PutBig(&buf_, 0xffffffffu, 4);
  return *this;
}

const std::string& PgCopyRows::Finish() {
  PutBig(&buf_, 0xffff, 2);
  return buf_;
}

Result<std::unique_ptr<PgDb>> PgDb::Open(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return Status::Io("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQfinish(conn);
    return Status::Io("cannot connect to PostgreSQL: " + msg);
  }
  PQsetNoticeProcessor(conn, &NoNotices, nullptr);
  auto db = std::unique_ptr<PgDb>(new PgDb(conn));
  RETURN_IF_ERROR(db->Exec("SET client_encoding = 'UTF8'"));
  return db;
}

PgDb::~PgDb() { PQfinish(conn_); }

Status PgDb::Reconnect() {
  PQreset(conn_);
  prepared_.clear();
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Status::Io(std::string("cannot reconnect to PostgreSQL: ") + PQerrorMessage(conn_));
  }
  return Exec("SET client_encoding = 'UTF8'");
}

Status PgDb::Check(PGresult* r, const char* what) {
  if (r == nullptr) {
    return Status::Io(std::string("database: ") + what + ": " + PQerrorMessage(conn_));
  }
  const ExecStatusType s = PQresultStatus(r);
  if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_COPY_IN) return Status::Ok();
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
  std::string msg = std::string("database: ") + (primary ? primary : PQresultErrorMessage(r));
  if (detail != nullptr) msg += std::string(" (") + detail + ")";
  if (state != nullptr && std::strcmp(state, "23505") == 0) return Status::Conflict(msg);
  return Status::Io(msg);
}

Status PgDb::Exec(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  Status st = Check(r, "exec");
  PQclear(r);
  return st;
}

Result<PgResult> PgDb::Query(const std::string& sql, const PgParams& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "accrue_" + std::to_string(prepared_.size() + 1);
    PGresult* r = PQprepare(conn_, name.c_str(), sql.c_str(), params.size(), params.types_.data());
    Status st = Check(r, "prepare");
    PQclear(r);
    if (!st.ok()) return st.WithContext(sql);
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  const int n = params.size();
  std::vector<const char*> values(n);
  std::vector<int> lengths(n);
  std::vector<int> formats(n, 1);
  for (int i = 0; i < n; ++i) {
    values[i] = params.null_[i] ? nullptr : params.values_[i].data();
    lengths[i] = static_cast<int>(params.values_[i].size());
  }
  PGresult* r = PQexecPrepared(conn_, it->second.c_str(), n, values.data(), lengths.data(),
                               formats.data(), /*resultFormat=*/1);
  Status st = Check(r, "query");
  if (!st.ok()) {
    PQclear(r);
    return st;
  }
  return PgResult(r);
}

Result<PgResult> PgDb::QueryOnce(const std::string& sql) {
  PGresult* r = PQexecParams(conn_, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                             /*resultFormat=*/1);
  Status st = Check(r, "query");
  if (!st.ok()) {
    PQclear(r);
    return st;
  }
  return PgResult(r);
}

Status PgDb::Commit() {
  PGresult* r = PQexec(conn_, "COMMIT");
  Status st = Check(r, "commit");
  if (st.ok() && std::strcmp(PQcmdStatus(r), "COMMIT") != 0) {
    st = Status::Io("database: the transaction was rolled back, not committed");
  }
  PQclear(r);
  return st;
}

Status PgDb::CopyIn(const std::string& copy_sql, PgCopyRows& rows) {
  const std::string& data = rows.Finish();
  PGresult* r = PQexec(conn_, copy_sql.c_str());
  Status st = Check(r, "copy");
  const bool copying = r != nullptr && PQresultStatus(r) == PGRES_COPY_IN;
  PQclear(r);
  if (!st.ok()) return st;
  if (!copying) return Status::Io("database: " + copy_sql + " did not start a copy");
  // Sent in pieces so that libpq never holds a second copy of a large body.
  constexpr size_t kChunk = 1 << 20;
  for (size_t at = 0; at < data.size() && st.ok(); at += kChunk) {
    const size_t n = std::min(kChunk, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) {
      st = Status::Io(std::string("database: copy: ") + PQerrorMessage(conn_));
    }
  }
  if (PQputCopyEnd(conn_, st.ok() ? nullptr : "aborted") != 1 && st.ok()) {
    st = Status::Io(std::string("database: copy: ") + PQerrorMessage(conn_));
  }
  // Drain every result; the first error wins.
  while (PGresult* end = PQgetResult(conn_)) {
    Status s = Check(end, "copy");
    if (st.ok()) st = s;
    PQclear(end);
  }
  return st;
}

}  // namespace accrue

namespace accrue {

Result<std::vector<SqlRow>> PgSql::Query(std::string_view sql,
                                         const std::vector<SqlValue>& params) {
  PgParams p;
  for (const SqlValue& v : params) {
    if (const auto* n = std::get_if<int64_t>(&v)) {
      p.Int(*n);
    } else if (const auto* t = std::get_if<std::string>(&v)) {
      p.Text(*t);
    } else {
      p.NullInt();
    }
  }
  ASSIGN_OR_RETURN(PgResult r, db_->Query(std::string(sql), p));
  constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23;
  std::vector<SqlRow> rows(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    SqlRow& row = rows[static_cast<size_t>(i)];
    row.values.reserve(static_cast<size_t>(r.columns()));
    for (int c = 0; c < r.columns(); ++c) {
      if (r.IsNull(i, c)) {
        row.values.emplace_back(std::monostate());
        continue;
      }
      const Oid type = r.Type(c);
      if (type == kBool || type == kInt8 || type == kInt2 || type == kInt4) {
        row.values.emplace_back(r.Int(i, c));
      } else {
        row.values.emplace_back(r.Text(i, c));
      }
    }
  }
  return rows;
}

}  // namespace accrue
