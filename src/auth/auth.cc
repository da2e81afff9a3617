#include "auth/auth.h"

#include <sodium.h>

#include <array>

#include "ledger/ledger.h"

namespace accrue {
namespace {

constexpr std::string_view kPrefix = "acc_";
constexpr size_t kIdBytes = 8;       // 16 hex characters
constexpr size_t kSecretBytes = 32;  // 256 bits

std::string Hex(const unsigned char* p, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

std::string RandomHex(size_t bytes) {
  std::array<unsigned char, 64> buf{};
  randombytes_buf(buf.data(), bytes);
  return Hex(buf.data(), bytes);
}

std::string SecretHash(std::string_view secret) {
  std::array<unsigned char, 32> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  return Hex(h.data(), h.size());
}

// "acc_k_<id>_<secret>" → kind, id, secret.
bool SplitToken(std::string_view token, char* kind, std::string_view* id,
                std::string_view* secret) {
  if (token.size() != kPrefix.size() + 2 + kIdBytes * 2 + 1 + kSecretBytes * 2) return false;
  if (token.substr(0, kPrefix.size()) != kPrefix) return false;
  token.remove_prefix(kPrefix.size());
  if (token[1] != '_' || token[2 + kIdBytes * 2] != '_') return false;
  *kind = token[0];
  *id = token.substr(2, kIdBytes * 2);
  *secret = token.substr(3 + kIdBytes * 2);
  return true;
}

bool SameHash(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

IssuedToken NewToken(char kind) {
  IssuedToken t;
  t.id = RandomHex(kIdBytes);
  t.token = std::string(kPrefix) + kind + "_" + t.id + "_" + RandomHex(kSecretBytes);
  return t;
}

std::string_view SecretOf(const IssuedToken& t) {
  return std::string_view(t.token).substr(t.token.size() - kSecretBytes * 2);
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kEntity:
      return "entity";
    case Role::kWorker:
      return "worker";
    case Role::kProvider:
      return "provider";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view text) {
  for (Role r : {Role::kAdmin, Role::kEntity, Role::kWorker, Role::kProvider}) {
    if (text == RoleName(r)) return r;
  }
  return std::nullopt;
}

Status MigrateAuth(SqlConn& sql) {
  return MigrateModule(sql, "auth",
                       {{1,
                         "CREATE TABLE api_keys(id TEXT PRIMARY KEY, role TEXT NOT NULL, party "
                         "TEXT NOT NULL, label TEXT NOT NULL, secret_hash TEXT NOT NULL, "
                         "created_at BIGINT NOT NULL, revoked_at BIGINT NOT NULL);"
                         "CREATE INDEX api_keys_by_party ON api_keys(role, party);"
                         "CREATE TABLE worker_passwords(account BIGINT PRIMARY KEY, hash TEXT NOT "
                         "NULL);"
                         "CREATE TABLE sessions(id TEXT PRIMARY KEY, account BIGINT NOT NULL, "
                         "secret_hash TEXT NOT NULL, expires_at BIGINT NOT NULL, ended_at BIGINT "
                         "NOT NULL);"
                         "CREATE INDEX sessions_by_account ON sessions(account);"}});
}

Result<IssuedToken> Credentials::IssueKey(Role role, const std::string& party,
                                          const std::string& label, int64_t now) {
  if (role == Role::kWorker) return Status::Invalid("workers sign in with a password, not a key");
  if ((role == Role::kAdmin) != party.empty()) {
    return Status::Invalid(role == Role::kAdmin ? "an administrator key names no party"
                                                : "a key must name its party");
  }
  if (label.size() > 200) return Status::Invalid("label is longer than 200 bytes");
  IssuedToken t = NewToken('k');
  RETURN_IF_ERROR(
      sql_.Query("INSERT INTO api_keys(id, role, party, label, secret_hash, "
                 "created_at, revoked_at) VALUES($1, $2, $3, $4, $5, $6, 0)",
                 {t.id, std::string(RoleName(role)), party, label, SecretHash(SecretOf(t)), now})
          .status());
  return t;
}

Result<std::optional<ApiKeyInfo>> Credentials::FindKey(const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, sql_.Query("SELECT id, role, party, label, created_at, revoked_at "
                                         "FROM api_keys WHERE id = $1",
                                         {id}));
  if (rows.empty()) return std::optional<ApiKeyInfo>();
  const SqlRow& r = rows[0];
  return std::optional<ApiKeyInfo>(ApiKeyInfo{r.Text(0), ParseRole(r.Text(1)).value(), r.Text(2),
                                              r.Text(3), r.Int(4), r.Int(5)});
}

Result<std::vector<ApiKeyInfo>> Credentials::ListKeys(Role role, const std::string& party) {
  ASSIGN_OR_RETURN(auto rows,
                   sql_.Query("SELECT id, role, party, label, created_at, revoked_at FROM "
                              "api_keys WHERE role = $1 AND (party = $2 OR $2 = '') ORDER BY "
                              "created_at DESC, id",
                              {std::string(RoleName(role)), party}));
  std::vector<ApiKeyInfo> out;
  for (const SqlRow& r : rows) {
    out.push_back(
        {r.Text(0), ParseRole(r.Text(1)).value(), r.Text(2), r.Text(3), r.Int(4), r.Int(5)});
  }
  return out;
}

Status Credentials::RevokeKey(const std::string& id, int64_t now) {
  ASSIGN_OR_RETURN(auto rows,
                   sql_.Query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at "
                              "= 0 RETURNING id",
                              {id, now}));
  if (!rows.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(auto key, FindKey(id));
  return key ? Status::Conflict("key " + id + " is already revoked")
             : Status::NotFound("no key " + id);
}

Result<IssuedToken> Credentials::RotateKey(const std::string& id, int64_t now) {
  IssuedToken fresh;
  Status st = InSqlTransaction(sql_, [&]() -> Status {
    ASSIGN_OR_RETURN(auto key, FindKey(id));
    if (!key) return Status::NotFound("no key " + id);
    if (key->revoked_at != 0) return Status::Conflict("key " + id + " is revoked");
    RETURN_IF_ERROR(RevokeKey(id, now));
    ASSIGN_OR_RETURN(fresh, IssueKey(key->role, key->party, key->label, now));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return fresh;
}

Status Credentials::SetPassword(AccountNumber worker, const std::string& password) {
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  return SetPasswordHash(worker, hash);
}

Status Credentials::SetPasswordHash(AccountNumber worker, const std::string& hash) {
  return sql_
      .Query(
          "INSERT INTO worker_passwords(account, hash) VALUES($1, $2) ON CONFLICT(account) DO "
          "UPDATE SET hash = excluded.hash",
          {static_cast<int64_t>(worker.value()), hash})
      .status();
}

Result<IssuedToken> Credentials::Login(AccountNumber worker, const std::string& password,
                                       int64_t now, int64_t ttl_seconds) {
  static const Status kRefused = Status::NotFound("account number or password is not right");
  ASSIGN_OR_RETURN(auto rows, sql_.Query("SELECT hash FROM worker_passwords WHERE account = $1",
                                         {static_cast<int64_t>(worker.value())}));
  if (rows.empty() || !CheckPassword(rows[0].Text(0), password)) return kRefused;
  return CreateSession(worker, now, ttl_seconds);
}

Result<IssuedToken> Credentials::CreateSession(AccountNumber worker, int64_t now,
                                               int64_t ttl_seconds) {
  IssuedToken t = NewToken('s');
  t.expires_at = now + ttl_seconds;
  RETURN_IF_ERROR(sql_.Query("INSERT INTO sessions(id, account, secret_hash, expires_at, "
                             "ended_at) VALUES($1, $2, $3, $4, 0)",
                             {t.id, static_cast<int64_t>(worker.value()), SecretHash(SecretOf(t)),
                              t.expires_at})
                      .status());
  return t;
}

Status Credentials::EndSession(const std::string& id, int64_t now) {
  return sql_.Query("UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at = 0", {id, now})
      .status();
}

Result<Principal> Credentials::Authenticate(std::string_view token, int64_t now) {
  char kind = 0;
  std::string_view id, secret;
  if (!SplitToken(token, &kind, &id, &secret)) return Status::NotFound("malformed token");
  const std::string hash = SecretHash(secret);
  if (kind == 'k') {
    ASSIGN_OR_RETURN(auto rows, sql_.Query("SELECT role, party, secret_hash, revoked_at FROM "
                                           "api_keys WHERE id = $1",
                                           {std::string(id)}));
    if (rows.empty() || !SameHash(rows[0].Text(2), hash)) return Status::NotFound("unknown key");
    if (rows[0].Int(3) != 0) return Status::NotFound("revoked key");
    return Principal{ParseRole(rows[0].Text(0)).value(), rows[0].Text(1), std::string(id)};
  }
  if (kind == 's') {
    ASSIGN_OR_RETURN(auto rows, sql_.Query("SELECT account, secret_hash, expires_at, ended_at "
                                           "FROM sessions WHERE id = $1",
                                           {std::string(id)}));
    if (rows.empty() || !SameHash(rows[0].Text(1), hash)) {
      return Status::NotFound("unknown session");
    }
    if (rows[0].Int(3) != 0) return Status::NotFound("ended session");
    if (rows[0].Int(2) <= now) return Status::NotFound("expired session");
    const auto account = AccountNumber::FromValue(static_cast<uint64_t>(rows[0].Int(0)));
    return Principal{Role::kWorker, AccountDigits(account), std::string(id)};
  }
  return Status::NotFound("malformed token");
}

Result<std::string> HashPassword(const std::string& password) {
  if (password.size() < 10) return Status::Invalid("password must have at least 10 characters");
  if (password.size() > 128) return Status::Invalid("password must be at most 128 bytes");
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Status::Io("out of memory hashing a password");
  }
  return std::string(out.data());
}

bool CheckPassword(const std::string& stored, const std::string& password) {
  return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

}  // namespace accrue
