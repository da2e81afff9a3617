// Shared by the benefits module's sources: the write transaction, the fund journal and the
// enrollment moves that both transfers and suspensions make.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "benefits/benefits.h"
#include "store/sql.h"

namespace accrue::benefits::internal {

// Takes the module's write lock inside the transaction already open on `sql` (a ledger batch
// that also writes the fund journal takes it after the ledger's own).
inline Status TakeWriteLock(SqlConn& sql) {
  return sql.Query("UPDATE benefit_lock SET n = n + 1 WHERE id = 1").status();
}

// Runs `fn` in one transaction of the store's SQL connection after taking the module's write
// lock (one row every writer updates first), so writers never interleave on either engine.
template <typename Fn>
Status Write(Store& store, Fn&& fn) {
  RETURN_IF_ERROR(EnsureSchema(store));
  SqlConn& sql = store.sql();
  return InSqlTransaction(sql, [&]() -> Status {
    RETURN_IF_ERROR(TakeWriteLock(sql));
    return fn(sql);
  });
}

// The next id of `table`'s integer `column` (called under the write lock).
Result<int64_t> NextId(SqlConn& sql, const std::string& table, const std::string& column);

int64_t AccountKey(AccountNumber account);  // the rows' account column
AccountNumber AccountOfKey(int64_t key);

// One transaction of the fund journal: legs in cents that must sum to zero.
struct FundLeg {
  std::string fund;     // "received/<entity>", "credit/<entity>", "provider/<id>", "charges", ...
  int64_t account = 0;  // AccountKey of the worker, or 0
  int64_t invoice = 0;  // the invoice paid, or 0
  int64_t cents = 0;
};
class FundTxn {
 public:
  FundTxn(std::string kind, std::string ref) : kind_(std::move(kind)), ref_(std::move(ref)) {}
  void Add(FundLeg leg) {
    if (leg.cents != 0) legs_.push_back(std::move(leg));
  }
  bool empty() const { return legs_.empty(); }
  // Writes the legs; a transaction that does not balance is a bug.
  Status Post(SqlConn& sql, Date date);

 private:
  std::string kind_, ref_;
  std::vector<FundLeg> legs_;
};

// Cents held for a worker by every provider, by provider.
Result<std::vector<std::pair<std::string, int64_t>>> FundedByProvider(SqlConn& sql,
                                                                      int64_t account);

// The next sequence number of a worker's enrollment history.
Result<int64_t> NextHistorySeq(SqlConn& sql, int64_t account);

Result<Terms> ReadTerms(SqlConn& sql);
Result<std::optional<Enrollment>> ReadEnrollment(SqlConn& sql, AccountNumber account);
// Enrolls `account` in the default provider if it has no enrollment; returns the enrollment.
Result<Enrollment> EnrollDefaultIfNone(Store& store, SqlConn& sql, const Terms& terms,
                                       AccountNumber account, Date date);
// Moves `account` from its current enrollment to `to`: custody of every ledger balance
// (snapshotted into the history) and the funded money the worker's providers hold.
Status MoveMember(Store& store, SqlConn& sql, const Enrollment& from, const Enrollment& to,
                  const std::string& event);

}  // namespace accrue::benefits::internal

namespace accrue::benefits::internal {
Result<Provider> ProviderById(SqlConn& sql, const std::string& id);
Result<std::optional<Plan>> PlanById(SqlConn& sql, const std::string& provider,
                                     const std::string& id);
}  // namespace accrue::benefits::internal
