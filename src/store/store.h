// The store: registries, policy texts and the ledger, behind one interface so that the
// embedded engine (SQLite) and the server engine (PostgreSQL) are interchangeable.
//
// Writes to the ledger happen inside a write transaction, one hash-chained batch: Begin()
// takes the store's write lock; the caller reads what it needs (existing reports, running
// totals, balances) and Append()s entries — their legs, balance and total changes become
// visible to its own reads at once — as often as it likes; Commit() seals the batch with its
// chain hash and returns only once it is durable. Rollback() discards everything. A batch with
// no entries is not sealed, but Commit() still keeps what modules wrote inside it.
// Nothing is ever updated in place except the derived balances, running totals and sums by
// payer, which `Verify` recomputes from the entries.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "domain/domain.h"
#include "engine/engine.h"
#include "ledger/ledger.h"
#include "policy/policy.h"
#include "store/sql.h"

namespace accrue {

struct StoredEntry {
  int64_t seq = 0;
  int64_t batch = 0;
  Entry entry;
};

// A report by its key, and a worker's day with one hiring entity: what the batched reads take.
struct ReportRef {
  std::string entity;
  std::string report_id;
};

struct DayRef {
  AccountNumber worker;
  std::string entity;
  Date day;
};

struct AccountBalance {
  std::string account;
  Unit unit = Unit::kMoney;
  int64_t amount = 0;
};

// Money on a worker's accounts from one source: see AddPayerSums.
struct PayerSum {
  std::string entity;  // the entries' entity: a hiring entity, or @payout, @worker or @match
  Payer payer = Payer::kHiringEntity;
  int64_t money = 0;
};

// What a balance reads: the worker's registration (none if no worker has the account), every
// account's balance, the money by entity and payer, and the count of reports, from one snapshot.
struct WorkerState {
  std::optional<Worker> worker;
  std::vector<AccountBalance> balances;
  std::vector<PayerSum> payer_sums;
  int64_t reports = 0;
};

struct StoredPack {
  std::string id;
  int64_t revision = 0;
  std::string file;
  std::string text;
};

struct BatchReceipt {
  int64_t batch = 0;
  Hash hash{};
  int64_t entries = 0;
};

struct VerifyResult {
  int64_t batches = 0;
  int64_t entries = 0;
  int64_t accounts = 0;
  std::vector<std::string> problems;  // empty: the ledger verifies
};

// SQLite's write-ahead log, for monitoring: its length after the last commit, and what the
// process's background checkpoints of the file have done (SqliteDb::CheckpointInBackground).
struct WalStats {
  int64_t pages = 0;           // frames in the WAL after the last commit, since it started over
  int64_t checkpoints = 0;     // passive checkpoints run
  int64_t commits_waited = 0;  // commits past kWalRestartPages that waited for every frame
  int64_t waits_given_up = 0;  // of those, the ones a reader held past the patience
};

// Entries checked so far, and how many the batches hold in all.
using VerifyProgress = std::function<void(int64_t checked, int64_t total)>;

class Store {
 public:
  virtual ~Store() = default;

  // Registries. Adding an identical record again is a no-op; a different one under the same
  // key is a conflict.
  virtual Status AddJurisdictions(const std::vector<Jurisdiction>& list) = 0;
  virtual Result<std::vector<Jurisdiction>> ListJurisdictions() = 0;
  virtual Status AddEntities(const std::vector<HiringEntity>& list) = 0;
  virtual Result<std::vector<HiringEntity>> ListEntities() = 0;
  // Issues account numbers for workers that have none; returns the workers as stored.
  virtual Result<std::vector<Worker>> AddWorkers(std::vector<Worker> list) = 0;
  virtual Result<std::optional<Worker>> FindWorker(AccountNumber account) = 0;

  // Policy packs as loaded (text kept so explanations survive file edits). A pack whose text
  // changed gets a new revision; the same text again changes nothing. Returns the revision.
  virtual Result<int64_t> PutPack(const std::string& id, const std::string& file,
                                  const std::string& text) = 0;
  virtual Result<std::vector<StoredPack>> LatestPacks() = 0;

  // Ledger writes.
  virtual Status Begin() = 0;
  // Fails (and rolls the whole batch back) if an entry does not balance or reuses a report id.
  virtual Status Append(const std::vector<Entry>& entries) = 0;
  virtual Result<BatchReceipt> Commit(const std::string& source) = 0;
  virtual void Rollback() = 0;

  // Ledger reads (inside or outside a write transaction; committed data only).
  virtual Result<std::optional<StoredEntry>> FindReport(const std::string& entity,
                                                        const std::string& report_id) = 0;
  // The id of the report that replaced this one, if any.
  virtual Result<std::optional<std::string>> ReplacedBy(const std::string& entity,
                                                        const std::string& report_id) = 0;
  // Hours already recorded for a worker, entity and day (replaced reports not counted).
  virtual Result<int64_t> HoursOnDay(AccountNumber worker, const std::string& entity, Date day) = 0;
  virtual Result<RunningTotal> Total(const std::string& key) = 0;
  // Batched forms of FindReport and HoursOnDay for a chunk of reports: one answer per key, in
  // the keys' order. The defaults ask one key at a time.
  virtual Result<std::vector<std::optional<StoredEntry>>> FindReports(
      std::span<const ReportRef> keys);
  virtual Result<std::vector<int64_t>> HoursOnDays(std::span<const DayRef> days);
  virtual Result<int64_t> Balance(const std::string& account) = 0;
  virtual Result<std::vector<AccountBalance>> WorkerBalances(AccountNumber worker) = 0;
  virtual Result<std::vector<StoredEntry>> WorkerEntries(AccountNumber worker) = 0;
  // The worker's money by entity and payer, kept with every batch; ordered by entity, payer.
  virtual Result<std::vector<PayerSum>> WorkerPayerSums(AccountNumber worker) = 0;
  // How many reports and corrections name the worker (payouts and credits are not reports).
  virtual Result<int64_t> CountWorkerReports(AccountNumber worker) = 0;
  // FindWorker, WorkerBalances, WorkerPayerSums and CountWorkerReports in one snapshot (with no
  // worker, nothing else is read). Both engines make it one statement: a worker's balance is the
  // most frequent read there is.
  virtual Result<WorkerState> ReadWorkerState(AccountNumber account) = 0;
  // A hiring entity's entries (reports and corrections) in report-id order, after
  // `after_report_id` (empty: from the first), at most `limit`.
  virtual Result<std::vector<StoredEntry>> EntityEntries(const std::string& entity,
                                                         const std::string& after_report_id,
                                                         int64_t limit) = 0;
  virtual Result<int64_t> CountEntries() = 0;

  // Recomputes every balance and running total from the entries, checks that every entry
  // balances and that the hash chain is unbroken. `progress`, if set, hears how many of the
  // batches' entries have been checked, after each batch.
  Result<VerifyResult> Verify() { return Verify(VerifyProgress()); }
  virtual Result<VerifyResult> Verify(const VerifyProgress& progress) = 0;

  // A number that changes when another connection commits to the store (SQLite's
  // data_version; this connection's own commits leave it as it was). A writer that evaluated a
  // batch against an earlier snapshot reads it inside its write transaction to know that nobody
  // else wrote meanwhile. Engines that cannot tell answer nullopt.
  virtual Result<std::optional<int64_t>> DataVersion() { return std::optional<int64_t>(); }
  // The SQLite engine's WAL and its checkpoints; none on PostgreSQL (its server has its own).
  virtual std::optional<WalStats> Wal() { return std::nullopt; }

  // Says that this connection will serve requests that mostly read (the API's pool), so the
  // engine may tune it for that. SQLite maps the database file into memory: reads of a large
  // store then share the OS page cache instead of copying pages into each connection's cache
  // (it is not done for the writer, whose page writes it slows; the aggregate fold, which
  // writes a few rows per thousands of entries read, has it).
  virtual Status TuneForReads() { return Status::Ok(); }

  // Reads made between BeginRead() and EndRead() see one snapshot of the store: a view built
  // from several reads (a balance and the entries behind it) never mixes two batches. On
  // SQLite it is also faster, as each statement outside a transaction takes a snapshot of its
  // own. Nested in another snapshot or in an open ledger batch, it adds nothing. Reads only.
  Status BeginRead();
  void EndRead();
  // For a connection about to sit idle (back in a pool, between intake groups): lets go of
  // the snapshot a finished read may have left open. On SQLite a statement left on its row
  // keeps its read transaction, and while it does no checkpoint can copy the WAL frames
  // committed after it, so the WAL grows and every reader searches it. Inside a ledger batch
  // or a BeginRead() it does nothing.
  void Idle() {
    if (read_depth_ == 0 && !InTransaction()) ReleaseStatements();
  }

  // The store's connection for modules with tables of their own (see store/sql.h). Not to be
  // used while a ledger batch is open unless the module means to write inside it.
  virtual SqlConn& sql() = 0;

  // Calls `fn` for every entry whose work date is in [from, to], in ledger order, reading in
  // pages so memory stays bounded. A full scan: for reports and audits, not for requests on
  // the hot path.
  virtual Status ScanEntries(Date from, Date to,
                             const std::function<Status(const StoredEntry&)>& fn) = 0;
  // At most `limit` entries after ledger position `after_seq`, in ledger order: for modules
  // that fold the ledger into tables of their own a page at a time. Batches commit in ledger
  // order, so an entry committed later never has a smaller seq than one already read. Legs are
  // decoded as LegDetail::kMoneyLegs: no rate or note texts, no running-total deltas.
  virtual Result<std::vector<StoredEntry>> EntriesAfter(int64_t after_seq, int64_t limit) = 0;

 protected:
  // The engine's side of BeginRead(): whether a transaction is open already (a ledger batch:
  // reads inside it see it), and beginning and ending a read-only one. By default an engine
  // takes no snapshots.
  virtual bool InTransaction() { return true; }
  virtual Status BeginReadTransaction() { return Status::Ok(); }
  virtual void EndReadTransaction() {}
  // Idle()'s side: ends whatever statements are still running.
  virtual void ReleaseStatements() {}

 private:
  int read_depth_ = 0;       // BeginRead() calls not yet ended
  bool read_began_ = false;  // whether the outermost one began a transaction
};

// BeginRead() for a scope; ok() says whether the snapshot could be taken.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Store& store) : store_(store), status_(store.BeginRead()) {}
  ~ReadSnapshot() {
    if (status_.ok()) store_.EndRead();
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  const Status& status() const { return status_; }

 private:
  Store& store_;
  Status status_;
};

// For the engines' migrations: fills the worker_payers table from every stored entry, inside
// the migration's transaction, in one pass over the ledger.
Status BackfillPayerSums(Store& store);

// Opens (creating if needed) and migrates the SQLite store at `path`.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);
// Connects to PostgreSQL (libpq connection string or URI) and migrates its schema.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url);

}  // namespace accrue
