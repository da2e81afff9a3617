// Credentials: who may call the API, as which role and for which party.
//
// Contract:
// - A credential is scoped to one role and one party: an administrator (party "" — the
//   program administrator or regulator), a hiring entity (its id), a worker (the account
//   number) or a benefit provider (its id). Nothing grants more than one party.
// - API keys (administrators, hiring entities, providers) and worker sessions are bearer
//   tokens "acc_<kind>_<id>_<secret>": the id finds the row, the 256-bit random secret is
//   stored only as its BLAKE2b-256 hash and compared in constant time. A high-entropy secret
//   needs no slow hash; a worker's password does, and is kept as an argon2id string.
// - Keys can be rotated (a new secret under a new id; the old one revoked) and revoked; a
//   session expires and can be ended. Expired, revoked or unknown tokens all authenticate
//   to nothing, with a reason for the log, never for the caller.
// - Times are passed in (seconds since the Unix epoch); nothing here reads a clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/account_number.h"
#include "base/status.h"
#include "store/sql.h"

namespace accrue {

enum class Role : uint8_t { kAdmin = 1, kEntity = 2, kWorker = 4, kProvider = 8 };
const char* RoleName(Role role);  // "admin", "entity", "worker", "provider"
std::optional<Role> ParseRole(std::string_view text);

struct Principal {
  Role role = Role::kAdmin;
  std::string party;       // entity or provider id, the worker's account digits; "" for admin
  std::string credential;  // key or session id, for logs and rate limits
};

struct IssuedToken {
  std::string id;
  std::string token;       // shown once; only its hash is kept
  int64_t expires_at = 0;  // sessions only
};

struct ApiKeyInfo {
  std::string id;
  Role role = Role::kAdmin;
  std::string party;
  std::string label;
  int64_t created_at = 0;
  int64_t revoked_at = 0;  // 0: in force
};

// Creates the credential tables on first use.
Status MigrateAuth(SqlConn& sql);

class Credentials {
 public:
  explicit Credentials(SqlConn& sql) : sql_(sql) {}

  Result<IssuedToken> IssueKey(Role role, const std::string& party, const std::string& label,
                               int64_t now);
  // Revokes `id` and issues a key for the same role, party and label.
  Result<IssuedToken> RotateKey(const std::string& id, int64_t now);
  Status RevokeKey(const std::string& id, int64_t now);
  Result<std::optional<ApiKeyInfo>> FindKey(const std::string& id);
  // Keys of a party (all parties of a role when `party` is empty), newest first.
  Result<std::vector<ApiKeyInfo>> ListKeys(Role role, const std::string& party);

  // Worker passwords: at least 10 characters, at most 128 bytes.
  Status SetPassword(AccountNumber worker, const std::string& password);
  // Stores a hash made by HashPassword (so a caller can check the password before it
  // writes anything else).
  Status SetPasswordHash(AccountNumber worker, const std::string& hash);
  // A session for the worker if the password matches; NotFound (with one message for an
  // unknown account and a wrong password alike) otherwise.
  Result<IssuedToken> Login(AccountNumber worker, const std::string& password, int64_t now,
                            int64_t ttl_seconds);
  // A session for a worker whose identity the caller has established (Login, after the
  // password; the benchmark, which has no passwords to check).
  Result<IssuedToken> CreateSession(AccountNumber worker, int64_t now, int64_t ttl_seconds);
  Status EndSession(const std::string& id, int64_t now);

  // Who the token speaks for, or NotFound with the reason (unknown, malformed, revoked,
  // expired) for the log.
  Result<Principal> Authenticate(std::string_view token, int64_t now);

 private:
  SqlConn& sql_;
};

// Argon2id (libsodium's interactive limits), and checking against a stored string.
Result<std::string> HashPassword(const std::string& password);
bool CheckPassword(const std::string& stored, const std::string& password);

}  // namespace accrue
