// Recording work reports: validation against the registries and everything already
// recorded, policy evaluation, and staging into one ledger batch.
//
// Data flows one way: a parsed report → checks (entity, account, jurisdiction, date, the
// 24-hour day, idempotency, corrections) → the engine → a balanced entry → the store. Each
// refusal names the field and the reason and stages nothing. A report identical to one
// already recorded under the same (hiring entity, report id) is "already recorded" and changes
// nothing; different content under a used id is refused.
//
// Use: Begin(); Add() each report, or AddChunk() a run of them (Flush() now and then to bound
// memory); Commit() — or
// Abort() to leave the ledger exactly as it was. The caller decides all-or-nothing versus
// partial by whether it commits after a refusal.
//
// A correction never takes a worker's account below zero: what it would take back that was
// already paid out is kept (ledger/ledger.h, KeepPaidOut). To read such an account's balance
// with the batch so far, the staged entries are flushed first.
//
// A worker's withholding consents (contributions/contributions.h) apply to their reports as
// voluntary programs of their own, read once per chunk for the chunk's workers.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "csv/header.h"
#include "domain/domain.h"
#include "engine/engine.h"
#include "ingest/voluntary.h"
#include "ledger/ledger.h"
#include "registry/registry.h"
#include "store/store.h"

namespace accrue {

// A report as received: parsed, or already refused by the parser.
struct IncomingReport {
  int64_t row = 0;  // CSV row number (header = 1) or position in a batch
  std::optional<WorkReport> report;
  std::vector<FieldError> errors;
};

enum class Outcome { kRecorded, kCorrected, kAlreadyRecorded, kRejected };
const char* OutcomeName(Outcome o);  // "recorded", "corrected", "already recorded", "rejected"

struct ReportResult {
  int64_t row = 0;
  Outcome outcome = Outcome::kRejected;
  std::vector<FieldError> errors;
  Entry entry;                     // the legs staged (recorded/corrected) or found (already)
  std::vector<std::string> notes;  // e.g. "no program covers US-TX (delivery) on 2026-03-01"
};

class Ingestor {
 public:
  using Clock = std::chrono::system_clock::time_point;
  Ingestor(Store& store, const Registry& registry, Clock now);
  ~Ingestor();

  Status Begin();
  ReportResult Add(const IncomingReport& in);
  // Adds reports in order, as Add() each would, but reads what the store holds for the whole
  // chunk (existing report ids, hours on each day) in one batched read first.
  std::vector<ReportResult> AddChunk(std::span<const IncomingReport> chunk);
  // Appends staged entries to the open batch. Fails only on a store error (batch rolled back).
  Status Flush();
  Result<BatchReceipt> Commit(const std::string& source);
  void Abort();
  size_t staged() const { return staged_.size(); }
  // Whether results carry the staged entry (the API shows it; bulk CSV ingest does not need it).
  void set_return_entries(bool on) { return_entries_ = on; }

 private:
  class Totals;
  struct Staged {
    Entry entry;
  };
  std::vector<FieldError> Check(int64_t row, const WorkReport& r,
                                std::optional<StoredEntry>* replaced);
  Result<std::optional<Entry>> FindRecorded(const std::string& entity, const std::string& id);
  Result<std::optional<std::string>> FindReplacement(const std::string& entity,
                                                     const std::string& id);
  Result<int64_t> HoursOnDay(const WorkReport& r);
  ReportResult AddOne(const IncomingReport& in);
  // Reads the chunk's reports (and the ones they replace) and days from the store; a failure
  // leaves the per-report reads to ask the store themselves.
  void Prefetch(std::span<const IncomingReport> chunk);
  std::optional<Date> TodayAt(const Jurisdiction& j);
  void Stage(Entry entry);
  // Adds to `correction` what it may not take back from each worker account it lowers.
  Status KeepPaidOut(Entry* correction);

  Store& store_;
  const Registry& registry_;
  Clock now_;
  std::unique_ptr<VoluntaryPrograms> voluntary_;  // workers' withholding consents
  bool open_ = false;
  bool return_entries_ = true;
  std::unique_ptr<Totals> totals_;
  std::vector<Entry> staged_;
  // What this batch has staged but not yet appended, for reads the store cannot answer yet.
  absl::flat_hash_map<std::string, size_t> staged_reports_;        // entity|id → staged_ index
  absl::flat_hash_map<std::string, std::string> staged_replaced_;  // entity|id → replacing id
  absl::flat_hash_map<std::string, int64_t> staged_day_hours_;     // worker|entity|day → hours
  // What the store held when the current chunk began (read under the write lock; valid until
  // the chunk ends, as nothing is appended meanwhile). The staged maps above overlay it.
  absl::flat_hash_map<std::string, std::optional<Entry>> fetched_reports_;  // entity|id
  absl::flat_hash_map<std::string, int64_t> fetched_day_hours_;             // DayKey
  absl::flat_hash_set<uint64_t> known_workers_;
  std::map<std::string, Date> today_;
};

}  // namespace accrue
