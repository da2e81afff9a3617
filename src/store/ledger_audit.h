// The engine-independent half of Store::Verify: given the stored rows, replays every batch's
// chain hash, checks that every entry balances, and recomputes balances, running totals, sums by
// payer and report counts from the legs and deltas. Each engine only reads its tables and feeds
// them in, in order: the dictionary and derived rows (Stored*), then each batch with its entries
// (BeginBatch, AddEntry, EndBatch), then Finish.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "ledger/ledger.h"
#include "store/store.h"

namespace accrue {

class LedgerAudit {
 public:
  void StoredAccount(uint64_t id, const std::string& key, int unit, int64_t balance, int64_t batch);
  void StoredString(uint64_t id, const std::string& text, int64_t batch);
  void StoredTotal(uint64_t id, const std::string& key, RunningTotal total, int64_t batch);
  void StoredPayerSum(const PayerSumKey& key, int64_t money);
  void StoredReportCount(uint64_t worker, int64_t reports);

  void BeginBatch(int64_t id, const Hash& prev, const Hash& hash, int64_t first_seq, int64_t count);
  // An entry of the open batch as read back (or the error reading it), with its stored legs.
  void AddEntry(const Result<StoredEntry>& entry, std::string_view legs_blob);
  void EndBatch();
  // Entries no batch claims.
  void AddOrphans(int64_t n);
  int64_t entries() const { return out_.entries; }
  VerifyResult Finish();

 private:
  void Problem(std::string p);
  void CompareSumsByPayer();
  void CompareReportCounts();

  VerifyResult out_;
  // Dictionary rows by the batch that created them, to replay each batch's hash.
  std::map<int64_t, std::vector<std::tuple<char, uint64_t, std::string>>> created_;
  // Key → stored, summed; hashed, as every leg and delta of the ledger looks one up. Finish
  // reports the mismatches in key order.
  absl::flat_hash_map<std::string, std::pair<int64_t, int64_t>> accounts_;
  absl::flat_hash_map<std::string, std::pair<RunningTotal, RunningTotal>> totals_;
  PayerSums stored_payers_, summed_payers_;
  ReportCounts stored_reports_, counted_reports_;
  // The open batch.
  std::unique_ptr<ChainHasher> hasher_;
  int64_t batch_ = 0, first_seq_ = 0, count_ = 0, seen_ = 0;
  Hash hash_{}, prev_{};
  int64_t expected_batch_ = 1, expected_seq_ = 1;
};

}  // namespace accrue
