#include "store/ledger_audit.h"

#include <algorithm>

namespace accrue {

void LedgerAudit::Problem(std::string p) {
  if (out_.problems.size() < 100) out_.problems.push_back(std::move(p));
}

void LedgerAudit::StoredAccount(uint64_t id, const std::string& key, int unit, int64_t balance,
                                int64_t batch) {
  accounts_[key].first = balance;
  ++out_.accounts;
  created_[batch].emplace_back('A', id, key + "#" + std::to_string(unit));
}

void LedgerAudit::StoredString(uint64_t id, const std::string& text, int64_t batch) {
  created_[batch].emplace_back('S', id, text);
}

void LedgerAudit::StoredTotal(uint64_t id, const std::string& key, RunningTotal total,
                              int64_t batch) {
  totals_[key].first = total;
  created_[batch].emplace_back('T', id, key);
}

void LedgerAudit::StoredPayerSum(const PayerSumKey& key, int64_t money) {
  stored_payers_[key] += money;
}

void LedgerAudit::StoredReportCount(uint64_t worker, int64_t reports) {
  stored_reports_[worker] += reports;
}

void LedgerAudit::BeginBatch(int64_t id, const Hash& prev, const Hash& hash, int64_t first_seq,
                             int64_t count) {
  ++out_.batches;
  const std::string name = "batch " + std::to_string(id);
  if (id != expected_batch_) Problem(name + ": expected batch " + std::to_string(expected_batch_));
  if (prev != prev_) Problem(name + ": does not link to the previous batch's hash");
  if (first_seq != expected_seq_) Problem(name + ": entries do not follow the previous batch's");
  hasher_ = std::make_unique<ChainHasher>(prev, id);
  batch_ = id;
  hash_ = hash;
  first_seq_ = first_seq;
  count_ = count;
  seen_ = 0;
}

void LedgerAudit::AddEntry(const Result<StoredEntry>& e, std::string_view legs_blob) {
  const std::string name = "batch " + std::to_string(batch_);
  ++seen_;
  ++out_.entries;
  if (!e.ok()) {
    Problem(name + ": " + e.status().message());
    return;
  }
  if (e->batch != batch_) {
    Problem(name + ": entry " + std::to_string(e->seq) + " names batch " +
            std::to_string(e->batch));
  }
  hasher_->AddEntry(EntryCanonical(e->entry), legs_blob);
  Status balanced = CheckBalanced(e->entry);
  if (!balanced.ok()) Problem(name + ": " + balanced.message());
  for (const Leg& leg : e->entry.legs) accounts_[leg.account].second += leg.amount;
  AddPayerSums(e->entry, &summed_payers_);
  AddReportCount(e->entry, &counted_reports_);
  for (const TotalsDelta& d : e->entry.deltas) {
    RunningTotal& t = totals_[d.key].second;
    t.basis += d.delta.basis;
    t.amount += d.delta.amount;
  }
}

void LedgerAudit::EndBatch() {
  const std::string name = "batch " + std::to_string(batch_);
  auto rows = std::move(created_[batch_]);
  created_.erase(batch_);
  std::sort(rows.begin(), rows.end());
  for (const auto& [table, id, text] : rows) hasher_->AddDictionaryRow(table, id, text);
  if (seen_ != count_) {
    Problem(name + ": holds " + std::to_string(seen_) + " entries, not " + std::to_string(count_));
  }
  if (hasher_->Finish() != hash_) Problem(name + ": hash mismatch (its contents were altered)");
  prev_ = hash_;
  expected_batch_ = batch_ + 1;
  expected_seq_ = first_seq_ + count_;
  hasher_.reset();
}

void LedgerAudit::AddOrphans(int64_t n) {
  if (n > 0) Problem(std::to_string(n) + " entries belong to no batch");
}

namespace {

// The keys of `map` whose stored and summed values (first, second) differ, in order.
template <typename Map>
std::vector<const typename Map::value_type*> Mismatches(const Map& map) {
  std::vector<const typename Map::value_type*> out;
  for (const auto& row : map) {
    if (row.second.first != row.second.second) out.push_back(&row);
  }
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->first < b->first; });
  return out;
}

}  // namespace

VerifyResult LedgerAudit::Finish() {
  for (const auto* row : Mismatches(accounts_)) {
    const auto& [key, sums] = *row;
    Problem("account " + key + ": stored balance " + std::to_string(sums.first) +
            " but its legs sum to " + std::to_string(sums.second));
  }
  for (const auto* row : Mismatches(totals_)) {
    Problem("running total " + row->first + " does not match its entries");
  }
  CompareSumsByPayer();
  CompareReportCounts();
  return std::move(out_);
}

namespace {

// Reports, through `report(key, stored, derived)`, each key whose stored value differs from the
// one derived from the entries. A derived zero may be stored or not: a correction can bring a
// row back to zero.
template <typename Map, typename Report>
void CompareDerived(const Map& stored, const Map& derived, Report report) {
  for (const auto& [key, value] : stored) {
    auto it = derived.find(key);
    const int64_t expected = it == derived.end() ? 0 : it->second;
    if (value != expected) report(key, value, expected);
  }
  for (const auto& [key, expected] : derived) {
    if (expected != 0 && !stored.contains(key)) report(key, 0, expected);
  }
}

}  // namespace

void LedgerAudit::CompareSumsByPayer() {
  CompareDerived(stored_payers_, summed_payers_,
                 [this](const PayerSumKey& key, int64_t stored, int64_t summed) {
                   const auto& [worker, entity, payer] = key;
                   Problem("worker " + AccountDigits(AccountNumber::FromValue(worker)) +
                           ": money from " + entity + " (payer " + PayerName(payer) +
                           ") stored as " + std::to_string(stored) + " but the entries sum to " +
                           std::to_string(summed));
                 });
}

void LedgerAudit::CompareReportCounts() {
  CompareDerived(stored_reports_, counted_reports_,
                 [this](uint64_t worker, int64_t stored, int64_t counted) {
                   Problem("worker " + AccountDigits(AccountNumber::FromValue(worker)) + ": " +
                           std::to_string(stored) + " reports stored but the entries hold " +
                           std::to_string(counted));
                 });
}

}  // namespace accrue
