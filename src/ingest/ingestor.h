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
//
// Pipelined batches: given a reader (a second connection to the same store), the ingestor
// writes each batch on a background thread while the next one is evaluated, so a long file
// keeps both processors busy. Use: Begin(); Add() reports; Handoff() to seal them as one batch
// and go on adding at once; Drain() after the last Handoff(). Reports are then checked and
// evaluated against the reader's snapshot plus the batch in flight and the one staged, which
// together are what the store will hold. That is only true while this ingestor is the store's
// one writer, so the background writer commits a batch only if no other connection has
// committed since the first Begin(); otherwise the batch fails with kConflict and the caller
// records that batch's reports and every later one's again, without a reader.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
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
  // With a `reader`, batches are pipelined (see above): an engine that cannot say whether
  // another connection wrote (Store::DataVersion) makes Begin() fail.
  Ingestor(Store& store, const Registry& registry, Clock now, Store* reader = nullptr);
  ~Ingestor();

  Status Begin();
  ReportResult Add(const IncomingReport& in);
  // Adds reports in order, as Add() each would, but reads what the store holds for the whole
  // chunk (existing report ids, hours on each day) in one batched read first.
  std::vector<ReportResult> AddChunk(std::span<const IncomingReport> chunk);
  // Appends staged entries to the open batch. Fails only on a store error (batch rolled back).
  Status Flush();
  Result<BatchReceipt> Commit(const std::string& source);
  // Leaves the ledger as it was before Begin() (pipelined: before the staged batch; one handed
  // over already is still written).
  void Abort();
  size_t staged() const { return staged_.entries.size(); }

  // Pipelined only. Handoff() first waits for the batch handed over before and returns its
  // failure, if any (the ingestor is then closed, and this batch is not handed over); else it
  // hands the staged entries to the writer as one batch and leaves the ingestor open for the
  // next. Drain() waits until the batch handed over last is durable, returns its failure if it
  // had one, and closes the ingestor (what is staged and not handed over is dropped).
  Status Handoff(const std::string& source);
  Status Drain();
  bool pipelined() const { return reader_ != nullptr; }
  // Sets the time future work dates are judged by, for an ingestor kept open across requests.
  void set_now(Clock now) {
    now_ = now;
    today_.clear();
  }
  // Whether results carry the staged entry (the API shows it; bulk CSV ingest does not need it).
  void set_return_entries(bool on) { return_entries_ = on; }

 private:
  class Totals;
  class Writer;
  // Entries staged for one batch, and what reads must add to the store's answers until the
  // batch is in the store.
  struct Overlay {
    std::vector<Entry> entries;
    absl::flat_hash_map<std::string, size_t> reports;          // entity|id → entries index
    absl::flat_hash_map<std::string, std::string> replaced;    // entity|id → replacing id
    absl::flat_hash_map<std::string, int64_t> day_hours;       // worker|entity|day → hours
    absl::flat_hash_map<std::string, int64_t> worker_changes;  // worker account → amount
  };
  std::vector<FieldError> Check(int64_t row, const WorkReport& r,
                                std::optional<StoredEntry>* replaced);
  Result<std::optional<Entry>> FindRecorded(const std::string& entity, const std::string& id);
  Result<std::optional<std::string>> FindReplacement(const std::string& entity,
                                                     const std::string& id);
  Result<int64_t> HoursOnDay(const WorkReport& r);
  // Where reads go: the reader's snapshot when pipelined, else the write transaction.
  Store& reads() { return reader_ != nullptr ? *reader_ : store_; }
  // The staged batch and the one in flight (an empty one if none), whose effects reads add.
  std::array<const Overlay*, 2> Overlays() const;
  // A worker account's balance with everything staged and in flight.
  Result<int64_t> PendingBalance(const std::string& account);
  // Pipelined: takes a snapshot of the store for the reads of the next batch.
  Status TakeSnapshot();
  void ReleaseSnapshot();
  void Close();
  ReportResult AddOne(const IncomingReport& in);
  // Reads the chunk's reports (and the ones they replace) and days from the store; a failure
  // leaves the per-report reads to ask the store themselves.
  void Prefetch(std::span<const IncomingReport> chunk);
  std::optional<Date> TodayAt(const Jurisdiction& j);
  void Stage(Entry entry);
  // Adds to `correction` what it may not take back from each worker account it lowers.
  Status KeepPaidOut(Entry* correction);

  Store& store_;
  Store* reader_;
  const Registry& registry_;
  Clock now_;
  std::unique_ptr<VoluntaryPrograms> voluntary_;  // workers' withholding consents
  bool open_ = false;
  bool return_entries_ = true;
  std::unique_ptr<Totals> totals_;
  // What this batch has staged but not yet appended, for reads the store cannot answer yet.
  // Pipelined, worker_changes is kept too (for KeepPaidOut), and the batch handed to the
  // writer stays readable until the snapshot includes it.
  Overlay staged_;
  std::shared_ptr<const Overlay> in_flight_;
  std::unique_ptr<Writer> writer_;
  bool snapshot_ = false;  // the reader has a snapshot open
  // What the store held when the current chunk began (read under the write lock; valid until
  // the chunk ends, as nothing is appended meanwhile). The staged maps above overlay it.
  absl::flat_hash_map<std::string, std::optional<Entry>> fetched_reports_;  // entity|id
  absl::flat_hash_map<std::string, int64_t> fetched_day_hours_;             // DayKey
  absl::flat_hash_set<uint64_t> known_workers_;
  std::map<std::string, Date> today_;
};

// After a conflict, a pipelined writer records one batch at a time until kQuietBatches of them
// in a row found that nobody else wrote since the one before (the store's data version did not
// move); then it pipelines again. A busy neighbour thus costs no more than serial ingest.
class QuietSpell {
 public:
  void Pause();
  bool paused() const { return paused_; }
  // After each batch recorded while paused: true once the spell is long enough to resume.
  bool Quiet(Store& store);
  void Resume() { paused_ = false; }

 private:
  static constexpr int kQuietBatches = 2;
  bool paused_ = false;
  int quiet_ = 0;              // batches in a row that nobody else's commit preceded
  int64_t last_version_ = -1;  // the store's data version after the last batch
};

}  // namespace accrue
