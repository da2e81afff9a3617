// The PostgreSQL engine of the Store interface; postgres_store.h states its contract.
#include "store/postgres_store.h"

#include <sodium.h>

#include <algorithm>
#include <cassert>
#include <functional>
#include <map>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "store/ledger_audit.h"
#include "store/postgres_db.h"

namespace accrue {
namespace {

// Versioned migrations; each runs once, in order, in its own transaction. Keys and names
// compare bytewise (COLLATE "C"), as in SQLite, whatever the database's default collation.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE jurisdictions(code text COLLATE "C" PRIMARY KEY, name text NOT NULL,
  parent text COLLATE "C" NOT NULL, time_zone text NOT NULL);
CREATE TABLE entities(id text COLLATE "C" PRIMARY KEY, name text NOT NULL,
  sector text COLLATE "C" NOT NULL, size bigint NOT NULL);
CREATE TABLE workers(account bigint PRIMARY KEY, name text NOT NULL, birth_date bigint NOT NULL,
  home_jurisdiction text COLLATE "C" NOT NULL);
CREATE TABLE packs(id text COLLATE "C" NOT NULL, revision bigint NOT NULL, file text NOT NULL,
  text text NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY(id, revision));
CREATE TABLE batches(id bigint PRIMARY KEY, prev_hash bytea NOT NULL, hash bytea NOT NULL,
  first_seq bigint NOT NULL, entries bigint NOT NULL, source text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE entries(seq bigint PRIMARY KEY, batch bigint NOT NULL,
  entity text COLLATE "C" NOT NULL, report_id text COLLATE "C" NOT NULL, worker bigint NOT NULL,
  work_date bigint NOT NULL, jurisdiction text COLLATE "C" NOT NULL, hours bigint NOT NULL,
  earnings bigint NOT NULL, tips bigint NOT NULL, jobs bigint NOT NULL,
  classification bigint NOT NULL, sector text COLLATE "C" NOT NULL,
  replaces text COLLATE "C" NOT NULL, legs bytea NOT NULL);
CREATE UNIQUE INDEX entries_by_report ON entries(entity, report_id);
CREATE INDEX entries_by_worker ON entries(worker, work_date, entity);
CREATE INDEX entries_by_replaces ON entries(entity, replaces) WHERE replaces <> '';
CREATE TABLE accounts(id bigint PRIMARY KEY, key text COLLATE "C" NOT NULL UNIQUE,
  unit bigint NOT NULL, worker bigint, balance bigint NOT NULL, batch bigint NOT NULL);
CREATE INDEX accounts_by_worker ON accounts(worker, key) WHERE worker IS NOT NULL;
CREATE TABLE strings(id bigint PRIMARY KEY, text text COLLATE "C" NOT NULL UNIQUE,
  batch bigint NOT NULL);
CREATE TABLE totals(id bigint PRIMARY KEY, key text COLLATE "C" NOT NULL UNIQUE,
  basis bigint NOT NULL, amount bigint NOT NULL, batch bigint NOT NULL);
)sql",
    // Derived, like accounts: what a worker's balance shows by payer (AddPayerSums).
    R"sql(
CREATE TABLE worker_payers(worker bigint NOT NULL, entity text COLLATE "C" NOT NULL,
  payer bigint NOT NULL, money bigint NOT NULL, PRIMARY KEY(worker, entity, payer));
)sql",
    // Derived: how many work reports each worker has (AddReportCount), filled here from the
    // entries (the reserved entities are ledger.h's kPayoutEntity, kContributionEntity and
    // kMatchEntity).
    R"sql(
CREATE TABLE worker_reports(worker bigint PRIMARY KEY, reports bigint NOT NULL);
INSERT INTO worker_reports(worker, reports) SELECT worker, count(*) FROM entries
  WHERE entity NOT IN ('@payout', '@worker', '@match') GROUP BY worker;
)sql",
};
// The migration that adds worker_payers, which existing entries then fill.
constexpr int64_t kPayerSumsSchema = 2;

constexpr const char* kEntryColumns =
    "seq,batch,entity,report_id,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
    "classification,sector,replaces,legs";
constexpr int kLegsColumn = 14;

std::string_view HashBytes(const Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

bool ToHash(std::string_view bytes, Hash* out) {
  if (bytes.size() != out->size()) return false;
  std::copy(bytes.begin(), bytes.end(), out->begin());
  return true;
}

// Reads an entry from row `row` of a result selecting kEntryColumns.
Result<StoredEntry> ReadEntry(const PgResult& r, int row, const Dictionary& dict,
                              LegDetail detail = LegDetail::kAll) {
  StoredEntry out;
  out.seq = r.Int(row, 0);
  out.batch = r.Int(row, 1);
  WorkReport& w = out.entry.report;
  w.entity = r.Text(row, 2);
  w.report_id = r.Text(row, 3);
  w.worker = AccountNumber::FromValue(static_cast<uint64_t>(r.Int(row, 4)));
  w.work_date = Date::FromDays(static_cast<int32_t>(r.Int(row, 5)));
  w.jurisdiction = r.Text(row, 6);
  w.hours = Hours::FromUnits(r.Int(row, 7));
  w.earnings = Money::FromUnits(r.Int(row, 8));
  w.tips = Money::FromUnits(r.Int(row, 9));
  w.jobs = r.Int(row, 10);
  w.classification = static_cast<Classification>(r.Int(row, 11));
  w.sector = r.Text(row, 12);
  w.replaces = r.Text(row, 13);
  out.entry.kind = EntryKindOf(w);
  RETURN_IF_ERROR(DecodeLegs(r.Bytes(row, kLegsColumn), dict, &out.entry, detail));
  return out;
}

// Rows a dictionary keeps for decoding, per table, before it starts over.
constexpr size_t kMaxRowsCached = size_t{1} << 18;
// Keys a dictionary keeps ids for, per table, before it starts over at a commit: a server's
// writer meets every worker's accounts and every week's running totals, without end.
constexpr size_t kMaxKeysCached = size_t{1} << 21;

// Interns strings to ids for the ledger encoding, as SqliteDictionary does: new rows are
// pending until the batch commits, and a rollback forgets them. Ids are assigned only under
// the ledger lock (next = max(id) + 1 read after taking it), so no two processes can hand out
// the same id; what is cached is only ever committed (or this batch's own) rows, which never
// change.
class PgDictionary : public Dictionary {
 public:
  explicit PgDictionary(PgDb* db) : db_(db) {}

  // Under the ledger lock: reads where new ids start.
  Status BeginBatch();
  // Looks up, with one query per table, every key the entries use that is neither cached nor
  // known to be absent, so that encoding them costs no further round trips.
  Status Prefetch(const std::vector<Entry>& entries);
  // Reads, in one round trip, the rows of those accounts not cached yet, so that decoding a
  // page of entries does not ask the database once per leg.
  Status LoadAccounts(std::vector<uint64_t> ids);
  // Writes the rows interned since the last flush (binary COPY). A new account or running
  // total starts at the amount `balances` or `totals` holds for it, and leaves that map, so
  // that only rows that already existed need an UPDATE.
  Status Flush(int64_t batch, DeltaSums* sums);
  void KnownAccount(const std::string& key, uint64_t id) { accounts_.ids.emplace(key, id); }
  void KnownTotal(const std::string& key, uint64_t id) { totals_.ids.emplace(key, id); }
  // An account row read by the caller (a worker's balances), so that decoding the worker's
  // entries finds its accounts without asking the database once per leg.
  void SeenAccount(uint64_t id, std::string key, int unit) {
    Remember(accounts_, id, std::make_pair(std::move(key), unit));
  }
  void AbsentAccount(const std::string& key) { accounts_.absent.insert(key); }
  void AbsentTotal(const std::string& key) { totals_.absent.insert(key); }
  uint64_t CachedAccountId(const std::string& key) const { return Cached(accounts_, key); }
  uint64_t CachedTotalsId(const std::string& key) const { return Cached(totals_, key); }
  // Feeds every row the open batch created to its chain hash, table by table in id order.
  void HashCreated(ChainHasher* hasher);
  void Committed();
  void Forget();
  // The first database error an interning look-up met since the last call (Dictionary's
  // methods cannot return one).
  Status TakeError() {
    Status st = error_;
    error_ = Status::Ok();
    return st;
  }

  uint64_t AccountId(const std::string& key, Unit unit) override {
    return Intern(accounts_, key, static_cast<int>(unit));
  }
  uint64_t StringId(const std::string& text) override { return Intern(strings_, text, 0); }
  uint64_t TotalsId(const std::string& key) override { return Intern(totals_, key, 0); }
  Result<std::string> Account(uint64_t id) const override { return Lookup(accounts_, id); }
  Result<Unit> AccountUnit(uint64_t id) const override {
    ASSIGN_OR_RETURN(auto v, Load(accounts_, id));
    return static_cast<Unit>(v.second);
  }
  Result<std::string> String(uint64_t id) const override { return Lookup(strings_, id); }
  Result<std::string> TotalsKey(uint64_t id) const override { return Lookup(totals_, id); }

 private:
  struct Table {
    const char* name;
    char tag;
    const char* by_key;   // SELECT id FROM <table> WHERE <key> = $1
    const char* by_keys;  // SELECT id, <key> FROM <table> WHERE <key> = ANY($1)
    const char* by_id;    // SELECT <key>, unit FROM <table> WHERE id = $1
    std::unordered_map<std::string, uint64_t> ids;
    mutable std::unordered_map<uint64_t, std::pair<std::string, int>> by_id_cache;
    uint64_t next = 1;
    std::vector<std::pair<uint64_t, std::string>> pending;  // interned, not yet written
    std::vector<std::pair<uint64_t, std::string>> flushed;  // written by the open batch
    std::unordered_set<std::string> absent;  // known to have no row, in the open transaction
  };
  uint64_t Intern(Table& t, const std::string& text, int unit);
  // Keeps an id's row for later decoding. The cache is bounded: past kMaxRowsCached it starts
  // over, so that a server reading a million workers' accounts does not keep them all.
  static void Remember(const Table& t, uint64_t id, std::pair<std::string, int> row) {
    if (t.by_id_cache.size() >= kMaxRowsCached) t.by_id_cache.clear();
    t.by_id_cache.emplace(id, std::move(row));
  }
  static uint64_t Cached(const Table& t, const std::string& key) {
    auto it = t.ids.find(key);
    return it == t.ids.end() ? 0 : it->second;
  }
  Status PrefetchTable(Table& t, std::vector<std::string> keys);
  Result<std::string> Lookup(const Table& t, uint64_t id) const {
    ASSIGN_OR_RETURN(auto v, Load(t, id));
    return v.first;
  }
  Result<std::pair<std::string, int>> Load(const Table& t, uint64_t id) const;

  PgDb* db_;
  Status error_;
  std::vector<std::tuple<char, uint64_t, std::string>> created_;  // by the open batch
  Table accounts_{"accounts", 'A', "SELECT id FROM accounts WHERE key = $1",
                  "SELECT id, key FROM accounts WHERE key = ANY($1)",
                  "SELECT key, unit FROM accounts WHERE id = $1"};
  Table strings_{"strings", 'S', "SELECT id FROM strings WHERE text = $1",
                 "SELECT id, text FROM strings WHERE text = ANY($1)",
                 "SELECT text, 0 FROM strings WHERE id = $1"};
  Table totals_{"totals", 'T', "SELECT id FROM totals WHERE key = $1",
                "SELECT id, key FROM totals WHERE key = ANY($1)",
                "SELECT key, 0 FROM totals WHERE id = $1"};
  std::unordered_map<uint64_t, int> pending_units_;
};

Status PgDictionary::BeginBatch() {
  ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT (SELECT coalesce(max(id), 0) FROM accounts), "
                                          "(SELECT coalesce(max(id), 0) FROM strings), "
                                          "(SELECT coalesce(max(id), 0) FROM totals)"));
  int col = 0;
  for (Table* t : {&accounts_, &strings_, &totals_}) {
    t->next = static_cast<uint64_t>(r.Int(0, col++)) + 1;
    t->pending.clear();
    t->absent.clear();
  }
  pending_units_.clear();
  error_ = Status::Ok();
  return Status::Ok();
}

uint64_t PgDictionary::Intern(Table& t, const std::string& text, int unit) {
  auto it = t.ids.find(text);
  if (it != t.ids.end()) return it->second;
  bool exists = false;
  uint64_t id = 0;
  if (auto a = t.absent.find(text); a != t.absent.end()) {
    t.absent.erase(a);  // about to be created
  } else {
    // Another process may have written it since we cached: ask the database.
    auto r = db_->Query(t.by_key, PgParams().Text(text));
    if (!r.ok()) {
      if (error_.ok()) error_ = r.status();
      return 0;
    }
    exists = r->rows() > 0;
    if (exists) id = static_cast<uint64_t>(r->Int(0, 0));
  }
  if (!exists) {
    id = t.next++;
    t.pending.emplace_back(id, text);
    if (t.tag == 'A') pending_units_[id] = unit;
  }
  t.ids.emplace(text, id);
  return id;
}

Status PgDictionary::PrefetchTable(Table& t, std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::erase_if(keys, [&](const std::string& k) { return t.ids.count(k) || t.absent.count(k); });
  if (keys.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(PgResult r, db_->Query(t.by_keys, PgParams().TextArray(keys)));
  std::unordered_set<std::string> found;
  for (int i = 0; i < r.rows(); ++i) {
    std::string key = r.Text(i, 1);
    t.ids.emplace(key, static_cast<uint64_t>(r.Int(i, 0)));
    found.insert(std::move(key));
  }
  // Under the ledger lock no other process can add them before this transaction ends.
  for (std::string& k : keys) {
    if (!found.count(k)) t.absent.insert(std::move(k));
  }
  return Status::Ok();
}

Status PgDictionary::Prefetch(const std::vector<Entry>& entries) {
  std::vector<std::string> accounts, strings, totals;
  for (const Entry& e : entries) {
    for (const Leg& leg : e.legs) {
      if (!accounts_.ids.count(leg.account)) accounts.push_back(leg.account);
      for (const std::string* s : {&leg.rule, &leg.rate, &leg.note}) {
        if (!s->empty() && !strings_.ids.count(*s)) strings.push_back(*s);
      }
    }
    for (const TotalsDelta& d : e.deltas) {
      if (!totals_.ids.count(d.key)) totals.push_back(d.key);
    }
  }
  RETURN_IF_ERROR(PrefetchTable(accounts_, std::move(accounts)));
  RETURN_IF_ERROR(PrefetchTable(strings_, std::move(strings)));
  return PrefetchTable(totals_, std::move(totals));
}

Status PgDictionary::LoadAccounts(std::vector<uint64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::erase_if(ids, [&](uint64_t id) { return accounts_.by_id_cache.contains(id); });
  if (ids.empty()) return Status::Ok();
  if (ids.size() > kMaxRowsCached / 2) ids.resize(kMaxRowsCached / 2);
  // Room for them all, so that none is forgotten before the page is decoded.
  if (accounts_.by_id_cache.size() + ids.size() > kMaxRowsCached) accounts_.by_id_cache.clear();
  ASSIGN_OR_RETURN(PgResult r,
                   db_->Query("SELECT id, key, unit FROM accounts WHERE id = ANY($1)",
                              PgParams().IntArray(std::vector<int64_t>(ids.begin(), ids.end()))));
  for (int i = 0; i < r.rows(); ++i) {
    accounts_.by_id_cache.emplace(static_cast<uint64_t>(r.Int(i, 0)),
                                  std::make_pair(r.Text(i, 1), static_cast<int>(r.Int(i, 2))));
  }
  return Status::Ok();
}

Result<std::pair<std::string, int>> PgDictionary::Load(const Table& t, uint64_t id) const {
  auto it = t.by_id_cache.find(id);
  if (it != t.by_id_cache.end()) return it->second;
  for (const auto& [pid, text] : t.pending) {
    if (pid == id) {
      auto u = pending_units_.find(id);
      return std::make_pair(text, u == pending_units_.end() ? 0 : u->second);
    }
  }
  ASSIGN_OR_RETURN(PgResult r, db_->Query(t.by_id, PgParams().Int(static_cast<int64_t>(id))));
  if (r.rows() == 0) {
    return Status::Corruption(std::string(t.name) + " id " + std::to_string(id) + " is missing");
  }
  auto value = std::make_pair(r.Text(0, 0), static_cast<int>(r.Int(0, 1)));
  Remember(t, id, value);
  return value;
}

void PgDictionary::HashCreated(ChainHasher* hasher) {
  // In place: the rows are only ever hashed, and a large batch creates many thousands.
  std::sort(created_.begin(), created_.end());
  for (const auto& [table, id, text] : created_) hasher->AddDictionaryRow(table, id, text);
}

Status PgDictionary::Flush(int64_t batch, DeltaSums* sums) {
  auto* balances = &sums->balances;
  auto* totals = &sums->totals;
  if (!accounts_.pending.empty()) {
    PgCopyRows rows;
    for (const auto& [id, key] : accounts_.pending) {
      int64_t balance = 0;
      if (auto it = balances->find(id); it != balances->end()) {
        balance = it->second;
        balances->erase(it);
      }
      const int unit = pending_units_[id];
      rows.Row(6).Int(static_cast<int64_t>(id)).Text(key).Int(unit);
      const AccountNumber worker = WorkerOfAccount(key);
      if (worker.valid()) {
        rows.Int(static_cast<int64_t>(worker.value()));
      } else {
        rows.Null();
      }
      rows.Int(balance).Int(batch);
      created_.emplace_back('A', id, key + "#" + std::to_string(unit));
    }
    RETURN_IF_ERROR(db_->CopyIn(
        "COPY accounts(id, key, unit, worker, balance, batch) FROM STDIN (FORMAT binary)", rows));
  }
  if (!strings_.pending.empty()) {
    PgCopyRows rows;
    for (const auto& [id, text] : strings_.pending) {
      rows.Row(3).Int(static_cast<int64_t>(id)).Text(text).Int(batch);
      created_.emplace_back('S', id, text);
    }
    RETURN_IF_ERROR(db_->CopyIn("COPY strings(id, text, batch) FROM STDIN (FORMAT binary)", rows));
  }
  if (!totals_.pending.empty()) {
    PgCopyRows rows;
    for (const auto& [id, key] : totals_.pending) {
      RunningTotal start;
      if (auto it = totals->find(id); it != totals->end()) {
        start = it->second;
        totals->erase(it);
      }
      rows.Row(5).Int(static_cast<int64_t>(id)).Text(key).Int(start.basis).Int(start.amount);
      rows.Int(batch);
      created_.emplace_back('T', id, key);
    }
    RETURN_IF_ERROR(
        db_->CopyIn("COPY totals(id, key, basis, amount, batch) FROM STDIN (FORMAT binary)", rows));
  }
  for (Table* t : {&accounts_, &strings_, &totals_}) {
    t->flushed.insert(t->flushed.end(), t->pending.begin(), t->pending.end());
    t->pending.clear();
  }
  return Status::Ok();
}

void PgDictionary::Committed() {
  created_.clear();
  for (Table* t : {&accounts_, &strings_, &totals_}) {
    t->flushed.clear();
    t->absent.clear();
    if (t->ids.size() > kMaxKeysCached) t->ids.clear();  // asked of the database again
  }
  pending_units_.clear();
}

void PgDictionary::Forget() {
  for (Table* t : {&accounts_, &strings_, &totals_}) {
    for (const auto& [id, text] : t->pending) t->ids.erase(text);
    for (const auto& [id, text] : t->flushed) {
      t->ids.erase(text);
      t->by_id_cache.erase(id);
    }
    t->pending.clear();
    t->flushed.clear();
    t->absent.clear();
  }
  pending_units_.clear();
  created_.clear();
  error_ = Status::Ok();
}

// Verify's own view of the dictionary: the tables as read from its snapshot, so that nothing
// cached (or interned) can hide what is stored.
class SnapshotDictionary : public Dictionary {
 public:
  std::unordered_map<uint64_t, std::pair<std::string, int>> accounts;
  std::unordered_map<uint64_t, std::string> strings;
  std::unordered_map<uint64_t, std::string> totals;

  uint64_t AccountId(const std::string&, Unit) override { return 0; }
  uint64_t StringId(const std::string&) override { return 0; }
  uint64_t TotalsId(const std::string&) override { return 0; }
  Result<std::string> Account(uint64_t id) const override {
    auto it = accounts.find(id);
    if (it == accounts.end()) return Missing("accounts", id);
    return it->second.first;
  }
  Result<Unit> AccountUnit(uint64_t id) const override {
    auto it = accounts.find(id);
    if (it == accounts.end()) return Missing("accounts", id);
    return static_cast<Unit>(it->second.second);
  }
  Result<std::string> String(uint64_t id) const override { return Find(strings, "strings", id); }
  Result<std::string> TotalsKey(uint64_t id) const override { return Find(totals, "totals", id); }

 private:
  static Status Missing(const char* table, uint64_t id) {
    return Status::Corruption(std::string(table) + " id " + std::to_string(id) + " is missing");
  }
  static Result<std::string> Find(const std::unordered_map<uint64_t, std::string>& m,
                                  const char* table, uint64_t id) {
    auto it = m.find(id);
    if (it == m.end()) return Missing(table, id);
    return it->second;
  }
};

// Rows of a query read through a cursor, a chunk at a time, inside an open transaction.
class Cursor {
 public:
  Cursor(PgDb* db, std::string name) : db_(db), name_(std::move(name)) {}
  Status Open(const std::string& sql) {
    return db_->Exec("DECLARE " + name_ + " NO SCROLL CURSOR FOR " + sql);
  }
  // Moves to the next row: true with a row, false at the end.
  Result<bool> Next() {
    if (chunk_ && ++row_ < chunk_->rows()) return true;
    if (done_) return false;
    ASSIGN_OR_RETURN(PgResult r, db_->QueryOnce("FETCH 10000 FROM " + name_));
    done_ = r.rows() < 10000;
    chunk_.emplace(std::move(r));
    row_ = 0;
    return chunk_->rows() > 0;
  }
  const PgResult& result() const { return *chunk_; }
  int row() const { return row_; }

 private:
  PgDb* db_;
  std::string name_;
  std::optional<PgResult> chunk_;
  int row_ = 0;
  bool done_ = false;
};

class PostgresStore : public Store {
 public:
  explicit PostgresStore(std::unique_ptr<PgDb> db) : db_(std::move(db)), dict_(db_.get()) {}
  Status Migrate();

  Status AddJurisdictions(const std::vector<Jurisdiction>& list) override;
  Result<std::vector<Jurisdiction>> ListJurisdictions() override;
  Status AddEntities(const std::vector<HiringEntity>& list) override;
  Result<std::vector<HiringEntity>> ListEntities() override;
  Result<std::vector<Worker>> AddWorkers(std::vector<Worker> list) override;
  Result<std::optional<Worker>> FindWorker(AccountNumber account) override;
  Result<int64_t> PutPack(const std::string& id, const std::string& file,
                          const std::string& text) override;
  Result<std::vector<StoredPack>> LatestPacks() override;

  Status Begin() override;
  Status Append(const std::vector<Entry>& entries) override;
  Result<BatchReceipt> Commit(const std::string& source) override;
  void Rollback() override;

  Result<std::optional<StoredEntry>> FindReport(const std::string& entity,
                                                const std::string& report_id) override;
  Result<std::optional<std::string>> ReplacedBy(const std::string& entity,
                                                const std::string& report_id) override;
  Result<int64_t> HoursOnDay(AccountNumber worker, const std::string& entity, Date day) override;
  Result<std::vector<std::optional<StoredEntry>>> FindReports(
      std::span<const ReportRef> keys) override;
  Result<std::vector<int64_t>> HoursOnDays(std::span<const DayRef> days) override;
  Result<RunningTotal> Total(const std::string& key) override;
  Result<int64_t> Balance(const std::string& account) override;
  Result<std::vector<AccountBalance>> WorkerBalances(AccountNumber worker) override;
  Result<std::vector<StoredEntry>> WorkerEntries(AccountNumber worker) override;
  Result<std::vector<PayerSum>> WorkerPayerSums(AccountNumber worker) override;
  Result<int64_t> CountWorkerReports(AccountNumber worker) override;
  Result<WorkerState> ReadWorkerState(AccountNumber account) override;
  Result<std::vector<StoredEntry>> EntityEntries(const std::string& entity,
                                                 const std::string& after_report_id,
                                                 int64_t limit) override;
  SqlConn& sql() override { return sql_; }
  bool InTransaction() override { return in_batch_; }
  Status BeginReadTransaction() override;
  void EndReadTransaction() override;
  Status ScanEntries(Date from, Date to,
                     const std::function<Status(const StoredEntry&)>& fn) override;
  Result<std::vector<StoredEntry>> EntriesAfter(int64_t after_seq, int64_t limit) override;
  Result<int64_t> CountEntries() override { return Count("SELECT count(*) FROM entries"); }
  using Store::Verify;
  Result<VerifyResult> Verify(const VerifyProgress& progress) override;

 private:
  // Outside a batch, re-establishes a lost connection before an operation.
  Status Connected();
  Result<int64_t> Count(const std::string& sql);
  // Runs `fn` in a transaction of its own (for registry writes).
  Status InTransaction(const std::function<Status()>& fn);
  Status ReadChainHead();
  // Sums every entry's legs by account and its deltas by running total, so that each touched
  // row is written once.
  Status ApplyDeltas(const DeltaSums& sums);
  Status WriteEntries(const std::vector<Entry>& entries, const std::vector<std::string>& blobs);
  Status ApplyPayerSums(const std::vector<Entry>& entries);
  Status ApplyReportCounts(const std::vector<Entry>& entries);
  Result<VerifyResult> VerifySnapshot(const VerifyProgress& progress);

  std::unique_ptr<PgDb> db_;
  PgDictionary dict_;
  PgSql sql_{db_.get()};
  bool in_batch_ = false;
  // The open batch.
  std::unique_ptr<ChainHasher> hasher_;
  Hash prev_{};
  int64_t batch_ = 0;
  int64_t first_seq_ = 0;
  int64_t batch_entries_ = 0;
};

Status PostgresStore::Migrate() {
  const int64_t known = static_cast<int64_t>(std::size(kMigrations));
  for (;;) {
    RETURN_IF_ERROR(db_->Exec("BEGIN"));
    int64_t version = 0;
    Status st = [&]() -> Status {
      ASSIGN_OR_RETURN(PgResult lock, db_->Query("SELECT pg_advisory_xact_lock($1)",
                                                 PgParams().Int(kPostgresMigrationLock)));
      RETURN_IF_ERROR(
          db_->Exec("CREATE TABLE IF NOT EXISTS meta(key text PRIMARY KEY, "
                    "value text NOT NULL)"));
      ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT value FROM meta WHERE key = 'schema'"));
      version = r.rows() == 0 ? 0 : std::stoll(r.Text(0, 0));
      if (version > known) {
        return Status::Precondition("the database has schema " + std::to_string(version) +
                                    ", newer than this accrue (" + std::to_string(known) + ")");
      }
      if (version == known) return Status::Ok();
      RETURN_IF_ERROR(
          db_->Exec(kMigrations[version]).WithContext("migration " + std::to_string(version + 1)));
      if (version + 1 == kPayerSumsSchema) RETURN_IF_ERROR(BackfillPayerSums(*this));
      ASSIGN_OR_RETURN(PgResult set, db_->Query("INSERT INTO meta(key, value) VALUES('schema', "
                                                "$1) ON CONFLICT (key) DO UPDATE SET value = "
                                                "excluded.value",
                                                PgParams().Text(std::to_string(version + 1))));
      return Status::Ok();
    }();
    if (st.ok()) st = db_->Commit();
    if (!st.ok()) {
      (void)db_->Exec("ROLLBACK");
      return st;
    }
    if (version >= known) return Status::Ok();
  }
}

Status PostgresStore::Connected() {
  if (in_batch_ || db_->healthy()) return Status::Ok();
  return db_->Reconnect();
}

Status PostgresStore::BeginReadTransaction() {
  RETURN_IF_ERROR(Connected());
  return db_->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

void PostgresStore::EndReadTransaction() {
  (void)db_->Exec("COMMIT");  // read-only: nothing to lose if the connection is gone
}

Result<int64_t> PostgresStore::Count(const std::string& sql) {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r, db_->Query(sql));
  return r.rows() == 0 ? 0 : r.Int(0, 0);
}

Status PostgresStore::InTransaction(const std::function<Status()>& fn) {
  if (in_batch_) return Status::Precondition("a ledger batch is open");
  RETURN_IF_ERROR(Connected());
  RETURN_IF_ERROR(db_->Exec("BEGIN"));
  Status st = fn();
  if (st.ok()) st = db_->Commit();
  if (!st.ok()) (void)db_->Exec("ROLLBACK");
  return st;
}

// Registry rows are inserted with ON CONFLICT DO NOTHING, so that two processes adding the same
// record at once both succeed; a row that was there already is then compared.
Status PostgresStore::AddJurisdictions(const std::vector<Jurisdiction>& list) {
  return InTransaction([&]() -> Status {
    for (const Jurisdiction& j : list) {
      if (!j.parent.empty()) {
        ASSIGN_OR_RETURN(PgResult p, db_->Query("SELECT 1 FROM jurisdictions WHERE code = $1",
                                                PgParams().Text(j.parent)));
        if (p.rows() == 0) {
          return Status::NotFound("jurisdiction " + j.code + ": parent " + j.parent +
                                  " is not registered");
        }
      }
      ASSIGN_OR_RETURN(
          PgResult ins,
          db_->Query("INSERT INTO jurisdictions(code, name, parent, time_zone) "
                     "VALUES($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING "
                     "RETURNING 1",
                     PgParams().Text(j.code).Text(j.name).Text(j.parent).Text(j.time_zone)));
      if (ins.rows() > 0) continue;
      ASSIGN_OR_RETURN(PgResult q, db_->Query("SELECT name, parent, time_zone FROM jurisdictions "
                                              "WHERE code = $1",
                                              PgParams().Text(j.code)));
      if (q.rows() == 0 || q.Text(0, 0) != j.name || q.Text(0, 1) != j.parent ||
          q.Text(0, 2) != j.time_zone) {
        return Status::Conflict("jurisdiction " + j.code + " already exists with other details");
      }
    }
    return Status::Ok();
  });
}

Result<std::vector<Jurisdiction>> PostgresStore::ListJurisdictions() {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT code, name, parent, time_zone FROM "
                                          "jurisdictions ORDER BY code"));
  std::vector<Jurisdiction> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3)});
  }
  return out;
}

Status PostgresStore::AddEntities(const std::vector<HiringEntity>& list) {
  return InTransaction([&]() -> Status {
    for (const HiringEntity& e : list) {
      ASSIGN_OR_RETURN(PgResult ins,
                       db_->Query("INSERT INTO entities(id, name, sector, size) VALUES($1, $2, "
                                  "$3, $4) ON CONFLICT (id) DO NOTHING RETURNING 1",
                                  PgParams().Text(e.id).Text(e.name).Text(e.sector).Int(e.size)));
      if (ins.rows() > 0) continue;
      ASSIGN_OR_RETURN(PgResult q, db_->Query("SELECT name, sector, size FROM entities WHERE "
                                              "id = $1",
                                              PgParams().Text(e.id)));
      if (q.rows() == 0 || q.Text(0, 0) != e.name || q.Text(0, 1) != e.sector ||
          q.Int(0, 2) != e.size) {
        return Status::Conflict("hiring entity " + e.id + " already exists with other details");
      }
    }
    return Status::Ok();
  });
}

Result<std::vector<HiringEntity>> PostgresStore::ListEntities() {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r,
                   db_->Query("SELECT id, name, sector, size FROM entities ORDER BY id"));
  std::vector<HiringEntity> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), r.Int(i, 3)});
  }
  return out;
}

// Workers go in a few thousand at a time with one INSERT ... ON CONFLICT DO NOTHING RETURNING
// each; a worker whose row did not go in either asked for a taken account number (a conflict)
// or drew one (drawn again, in the next round).
Result<std::vector<Worker>> PostgresStore::AddWorkers(std::vector<Worker> list) {
  constexpr size_t kChunk = 5000;
  Status st = InTransaction([&]() -> Status {
    std::vector<bool> issue(list.size());
    for (size_t i = 0; i < list.size(); ++i) issue[i] = !list[i].account.valid();
    for (size_t begin = 0; begin < list.size(); begin += kChunk) {
      const size_t end = std::min(list.size(), begin + kChunk);
      std::vector<size_t> todo;
      for (size_t i = begin; i < end; ++i) todo.push_back(i);
      for (int round = 0; !todo.empty(); ++round) {
        if (round > 20) return Status::Io("could not issue a free account number");
        std::vector<int64_t> accounts, births;
        std::vector<std::string> names, homes;
        for (size_t i : todo) {
          Worker& w = list[i];
          if (issue[i]) {
            // A random serial: account numbers carry no information and cannot be guessed in
            // sequence.
            uint64_t serial = 0;
            while (serial == 0) {
              serial = uint64_t{randombytes_uniform(100'000)} * 1'000'000 +
                       randombytes_uniform(1'000'000);
            }
            w.account = AccountNumber::FromSerial(serial);
          }
          accounts.push_back(static_cast<int64_t>(w.account.value()));
          names.push_back(w.name);
          births.push_back(w.birth_date.days());
          homes.push_back(w.home_jurisdiction);
        }
        ASSIGN_OR_RETURN(
            PgResult r,
            db_->Query(
                "INSERT INTO workers(account, name, birth_date, home_jurisdiction) "
                "SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) "
                "ON CONFLICT (account) DO NOTHING RETURNING account",
                PgParams().IntArray(accounts).TextArray(names).IntArray(births).TextArray(homes)));
        std::unordered_multiset<int64_t> inserted;
        for (int i = 0; i < r.rows(); ++i) inserted.insert(r.Int(i, 0));
        std::vector<size_t> again;
        for (size_t i : todo) {
          auto it = inserted.find(static_cast<int64_t>(list[i].account.value()));
          if (it != inserted.end()) {
            inserted.erase(it);
          } else if (issue[i]) {
            again.push_back(i);
          } else {
            return Status::Conflict("account " + list[i].account.ToString() + " already exists");
          }
        }
        todo = std::move(again);
      }
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return list;
}

Result<std::optional<Worker>> PostgresStore::FindWorker(AccountNumber account) {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT name, birth_date, home_jurisdiction FROM "
                                          "workers WHERE account = $1",
                                          PgParams().Int(static_cast<int64_t>(account.value()))));
  if (r.rows() == 0) return std::optional<Worker>();
  return std::optional<Worker>(Worker{
      account, r.Text(0, 0), Date::FromDays(static_cast<int32_t>(r.Int(0, 1))), r.Text(0, 2)});
}

// Pack revisions are max + 1 under an advisory lock of their own, so two processes loading the
// same packs at once neither collide nor add a revision twice.
Result<int64_t> PostgresStore::PutPack(const std::string& id, const std::string& file,
                                       const std::string& text) {
  int64_t revision = 0;
  Status st = InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(PgResult lock, db_->Query("SELECT pg_advisory_xact_lock($1)",
                                               PgParams().Int(kPostgresPackLock)));
    ASSIGN_OR_RETURN(PgResult q, db_->Query("SELECT revision, text FROM packs WHERE id = $1 "
                                            "ORDER BY revision DESC LIMIT 1",
                                            PgParams().Text(id)));
    if (q.rows() > 0 && q.Bytes(0, 1) == text) {
      revision = q.Int(0, 0);
      return Status::Ok();
    }
    revision = q.rows() > 0 ? q.Int(0, 0) + 1 : 1;
    ASSIGN_OR_RETURN(PgResult ins,
                     db_->Query("INSERT INTO packs(id, revision, file, text) "
                                "VALUES($1, $2, $3, $4)",
                                PgParams().Text(id).Int(revision).Text(file).Text(text)));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return revision;
}

Result<std::vector<StoredPack>> PostgresStore::LatestPacks() {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT DISTINCT ON (id) id, revision, file, text "
                                          "FROM packs ORDER BY id, revision DESC"));
  std::vector<StoredPack> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.Text(i, 0), r.Int(i, 1), r.Text(i, 2), r.Text(i, 3)});
  }
  return out;
}

Status PostgresStore::Begin() {
  if (in_batch_) return Status::Precondition("a ledger batch is already open");
  RETURN_IF_ERROR(Connected());
  RETURN_IF_ERROR(db_->Exec("BEGIN"));
  Status st;
  {
    auto lock = db_->Query("SELECT pg_advisory_xact_lock($1)", PgParams().Int(kPostgresLedgerLock));
    st = lock.status();
  }
  if (st.ok()) st = dict_.BeginBatch();
  if (st.ok()) st = ReadChainHead();
  if (!st.ok()) {
    (void)db_->Exec("ROLLBACK");
    dict_.Forget();
    return st;
  }
  hasher_ = std::make_unique<ChainHasher>(prev_, batch_);
  batch_entries_ = 0;
  in_batch_ = true;
  return Status::Ok();
}

Status PostgresStore::ReadChainHead() {
  ASSIGN_OR_RETURN(PgResult r,
                   db_->Query("SELECT (SELECT coalesce(max(seq), 0) + 1 FROM entries), b.id, "
                              "b.hash FROM (SELECT 1) one LEFT JOIN (SELECT id, hash FROM batches "
                              "ORDER BY id DESC LIMIT 1) b ON true"));
  first_seq_ = r.Int(0, 0);
  prev_ = Hash{};
  batch_ = 1;
  if (!r.IsNull(0, 1)) {
    batch_ = r.Int(0, 1) + 1;
    if (!ToHash(r.Bytes(0, 2), &prev_)) {
      return Status::Corruption("the last batch's hash is malformed");
    }
  }
  return Status::Ok();
}

void PostgresStore::Rollback() {
  if (!in_batch_) return;
  (void)db_->Exec("ROLLBACK");
  dict_.Forget();
  in_batch_ = false;
}

// Adds the summed legs to the existing accounts' balances and the deltas to the existing
// running totals (new rows were inserted with their sums): one UPDATE per table, joined to the
// changes passed as arrays, in id order.
Status PostgresStore::ApplyDeltas(const DeltaSums& sums) {
  std::map<int64_t, int64_t> by_account;
  for (const auto& [id, amount] : sums.balances) {
    if (amount != 0) by_account.emplace(static_cast<int64_t>(id), amount);
  }
  if (!by_account.empty()) {
    std::vector<int64_t> ids, amounts;
    for (const auto& [id, amount] : by_account) {
      ids.push_back(id);
      amounts.push_back(amount);
    }
    ASSIGN_OR_RETURN(PgResult r, db_->Query("UPDATE accounts a SET balance = a.balance + v.d "
                                            "FROM unnest($1::bigint[], $2::bigint[]) AS v(id, d) "
                                            "WHERE a.id = v.id",
                                            PgParams().IntArray(ids).IntArray(amounts)));
  }
  std::map<int64_t, RunningTotal> by_total;
  for (const auto& [id, t] : sums.totals) {
    if (t.basis != 0 || t.amount != 0) by_total.emplace(static_cast<int64_t>(id), t);
  }
  if (!by_total.empty()) {
    std::vector<int64_t> ids, bases, amounts;
    for (const auto& [id, t] : by_total) {
      ids.push_back(id);
      bases.push_back(t.basis);
      amounts.push_back(t.amount);
    }
    ASSIGN_OR_RETURN(PgResult r,
                     db_->Query("UPDATE totals t SET basis = t.basis + v.b, amount = t.amount + "
                                "v.a FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS "
                                "v(id, b, a) WHERE t.id = v.id",
                                PgParams().IntArray(ids).IntArray(bases).IntArray(amounts)));
  }
  return Status::Ok();
}

Status PostgresStore::WriteEntries(const std::vector<Entry>& entries,
                                   const std::vector<std::string>& blobs) {
  PgCopyRows rows;
  const int64_t seq = first_seq_ + batch_entries_;
  for (size_t i = 0; i < entries.size(); ++i) {
    const WorkReport& r = entries[i].report;
    rows.Row(15).Int(seq + static_cast<int64_t>(i)).Int(batch_).Text(r.entity).Text(r.report_id);
    rows.Int(static_cast<int64_t>(r.worker.value())).Int(r.work_date.days()).Text(r.jurisdiction);
    rows.Int(r.hours.units()).Int(r.earnings.units()).Int(r.tips.units()).Int(r.jobs);
    rows.Int(static_cast<int64_t>(r.classification)).Text(r.sector).Text(r.replaces);
    rows.Text(blobs[i]);
  }
  Status st = db_->CopyIn(
      std::string("COPY entries(") + kEntryColumns + ") FROM STDIN (FORMAT binary)", rows);
  if (st.code() == Code::kConflict) {
    return Status::Conflict("a report of the batch is already recorded: " + st.message());
  }
  return st;
}

// One upsert for the batch, its rows passed as arrays.
Status PostgresStore::ApplyPayerSums(const std::vector<Entry>& entries) {
  PayerSums sums;
  for (const Entry& e : entries) AddPayerSums(e, &sums);
  std::vector<int64_t> workers, payers, amounts;
  std::vector<std::string> entities;
  for (const auto& [key, money] : sums) {
    if (money == 0) continue;
    const auto& [worker, entity, payer] = key;
    workers.push_back(static_cast<int64_t>(worker));
    entities.push_back(entity);
    payers.push_back(static_cast<int64_t>(payer));
    amounts.push_back(money);
  }
  if (workers.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(
      PgResult r,
      db_->Query(
          "INSERT INTO worker_payers(worker, entity, payer, money) SELECT * FROM "
          "unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[]) ON CONFLICT "
          "(worker, entity, payer) DO UPDATE SET money = worker_payers.money + "
          "excluded.money",
          PgParams().IntArray(workers).TextArray(entities).IntArray(payers).IntArray(amounts)));
  return Status::Ok();
}

Status PostgresStore::ApplyReportCounts(const std::vector<Entry>& entries) {
  ReportCounts counts;
  for (const Entry& e : entries) AddReportCount(e, &counts);
  if (counts.empty()) return Status::Ok();
  std::vector<int64_t> workers, reports;
  for (const auto& [worker, n] : counts) {
    workers.push_back(static_cast<int64_t>(worker));
    reports.push_back(n);
  }
  ASSIGN_OR_RETURN(PgResult r, db_->Query("INSERT INTO worker_reports(worker, reports) SELECT * "
                                          "FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT "
                                          "(worker) DO UPDATE SET reports = "
                                          "worker_reports.reports + excluded.reports",
                                          PgParams().IntArray(workers).IntArray(reports)));
  return Status::Ok();
}

Status PostgresStore::Append(const std::vector<Entry>& entries) {
  if (!in_batch_) return Status::Precondition("no ledger batch is open");
  if (entries.empty()) return Status::Ok();
  Status st;
  for (const Entry& e : entries) {
    st = CheckBalanced(e);
    if (!st.ok()) break;
  }
  if (st.ok()) st = dict_.Prefetch(entries);
  std::vector<std::string> blobs;
  DeltaSums sums;
  if (st.ok()) {
    blobs.reserve(entries.size());
    for (const Entry& e : entries) blobs.push_back(EncodeLegs(e, dict_, &sums));
    st = dict_.TakeError();
  }
  if (st.ok()) st = dict_.Flush(batch_, &sums);
  if (st.ok()) st = WriteEntries(entries, blobs);
  if (st.ok()) st = ApplyDeltas(sums);
  if (st.ok()) st = ApplyPayerSums(entries);
  if (st.ok()) st = ApplyReportCounts(entries);
  if (!st.ok()) {
    Rollback();
    return st;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    hasher_->AddEntry(EntryCanonical(entries[i]), blobs[i]);
  }
  batch_entries_ += static_cast<int64_t>(entries.size());
  return Status::Ok();
}

Result<BatchReceipt> PostgresStore::Commit(const std::string& source) {
  if (!in_batch_) return Status::Precondition("no ledger batch is open");
  if (batch_entries_ == 0) {
    // Nothing to seal (no empty batches in the chain), but what modules wrote in the same
    // transaction — an idempotency key whose batch was all resends — is kept.
    const Status st = db_->Exec("COMMIT");
    if (!st.ok()) {
      Rollback();
      return st;
    }
    in_batch_ = false;
    dict_.Committed();
    return BatchReceipt{0, prev_, 0};
  }
  dict_.HashCreated(hasher_.get());
  const Hash hash = hasher_->Finish();
  Status st = db_->Query(
                     "INSERT INTO batches(id, prev_hash, hash, first_seq, entries, source) "
                     "VALUES($1, $2, $3, $4, $5, $6)",
                     PgParams()
                         .Int(batch_)
                         .Bytea(HashBytes(prev_))
                         .Bytea(HashBytes(hash))
                         .Int(first_seq_)
                         .Int(batch_entries_)
                         .Text(source))
                  .status();
  if (st.ok()) st = db_->Commit();
  if (!st.ok()) {
    Rollback();
    return st;
  }
  in_batch_ = false;
  dict_.Committed();
  return BatchReceipt{batch_, hash, batch_entries_};
}

Result<std::optional<StoredEntry>> PostgresStore::FindReport(const std::string& entity,
                                                             const std::string& report_id) {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r, db_->Query(std::string("SELECT ") + kEntryColumns +
                                              " FROM entries WHERE entity = $1 AND "
                                              "report_id = $2",
                                          PgParams().Text(entity).Text(report_id)));
  if (r.rows() == 0) return std::optional<StoredEntry>();
  ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(r, 0, dict_));
  return std::optional<StoredEntry>(std::move(e));
}

Result<std::optional<std::string>> PostgresStore::ReplacedBy(const std::string& entity,
                                                             const std::string& report_id) {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT report_id FROM entries WHERE entity = $1 AND "
                                          "replaces = $2 AND replaces <> '' LIMIT 1",
                                          PgParams().Text(entity).Text(report_id)));
  if (r.rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(r.Text(0, 0));
}

Result<int64_t> PostgresStore::HoursOnDay(AccountNumber worker, const std::string& entity,
                                          Date day) {
  RETURN_IF_ERROR(Connected());
  // Reports that a later correction replaced no longer count.
  ASSIGN_OR_RETURN(
      PgResult r,
      db_->Query(
          "SELECT coalesce(sum(hours), 0)::bigint FROM entries e WHERE worker = $1 AND "
          "work_date = $2 AND entity = $3 AND NOT EXISTS (SELECT 1 FROM entries c WHERE "
          "c.entity = e.entity AND c.replaces = e.report_id AND c.replaces <> '')",
          PgParams().Int(static_cast<int64_t>(worker.value())).Int(day.days()).Text(entity)));
  return r.rows() == 0 ? 0 : r.Int(0, 0);
}

// One query for the chunk: the keys as arrays, joined to the entries; each found row carries its
// key's position.
Result<std::vector<std::optional<StoredEntry>>> PostgresStore::FindReports(
    std::span<const ReportRef> keys) {
  RETURN_IF_ERROR(Connected());
  std::vector<std::optional<StoredEntry>> out(keys.size());
  if (keys.empty()) return out;
  static const std::string kSql = [] {
    std::string cols = kEntryColumns, qualified;
    size_t start = 0;
    for (size_t i = 0; i <= cols.size(); ++i) {
      if (i == cols.size() || cols[i] == ',') {
        qualified +=
            std::string(qualified.empty() ? "" : ",") + "e." + cols.substr(start, i - start);
        start = i + 1;
      }
    }
    return "SELECT " + qualified +
           ", k.i FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(entity, report_id, i) "
           "JOIN entries e ON e.entity = k.entity AND e.report_id = k.report_id";
  }();
  std::vector<std::string> entities, ids;
  entities.reserve(keys.size());
  ids.reserve(keys.size());
  for (const ReportRef& k : keys) {
    entities.push_back(k.entity);
    ids.push_back(k.report_id);
  }
  ASSIGN_OR_RETURN(PgResult r, db_->Query(kSql, PgParams().TextArray(entities).TextArray(ids)));
  for (int row = 0; row < r.rows(); ++row) {
    const int64_t i = r.Int(row, kLegsColumn + 1) - 1;
    if (i < 0 || i >= static_cast<int64_t>(keys.size())) {
      return Status::Corruption("report look-up returned an unknown key position");
    }
    ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(r, row, dict_));
    out[static_cast<size_t>(i)] = std::move(e);
  }
  return out;
}

Result<std::vector<int64_t>> PostgresStore::HoursOnDays(std::span<const DayRef> days) {
  RETURN_IF_ERROR(Connected());
  std::vector<int64_t> out(days.size(), 0);
  if (days.empty()) return out;
  std::vector<int64_t> workers, dates;
  std::vector<std::string> entities;
  workers.reserve(days.size());
  dates.reserve(days.size());
  entities.reserve(days.size());
  for (const DayRef& d : days) {
    workers.push_back(static_cast<int64_t>(d.worker.value()));
    dates.push_back(d.day.days());
    entities.push_back(d.entity);
  }
  // Reports that a later correction replaced no longer count.
  ASSIGN_OR_RETURN(
      PgResult r,
      db_->Query("SELECT k.i, (SELECT coalesce(sum(e.hours), 0)::bigint FROM entries e WHERE "
                 "e.worker = k.w AND e.work_date = k.d AND e.entity = k.ent AND NOT EXISTS "
                 "(SELECT 1 FROM entries c WHERE c.entity = e.entity AND c.replaces = e.report_id "
                 "AND c.replaces <> '')) FROM unnest($1::bigint[], $2::bigint[], $3::text[]) "
                 "WITH ORDINALITY AS k(w, d, ent, i)",
                 PgParams().IntArray(workers).IntArray(dates).TextArray(entities)));
  for (int row = 0; row < r.rows(); ++row) {
    const int64_t i = r.Int(row, 0) - 1;
    if (i < 0 || i >= static_cast<int64_t>(days.size())) {
      return Status::Corruption("hours look-up returned an unknown key position");
    }
    out[static_cast<size_t>(i)] = r.Int(row, 1);
  }
  return out;
}

// A key whose id the dictionary holds (ids never change) is read by id; otherwise by key, and
// inside a batch what was found (or not) saves the dictionary its own look-up.
Result<RunningTotal> PostgresStore::Total(const std::string& key) {
  RETURN_IF_ERROR(Connected());
  if (const uint64_t id = dict_.CachedTotalsId(key); id != 0) {
    ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT basis, amount FROM totals WHERE id = $1",
                                            PgParams().Int(static_cast<int64_t>(id))));
    if (r.rows() == 0) return RunningTotal{};
    return RunningTotal{r.Int(0, 0), r.Int(0, 1)};
  }
  ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT basis, amount, id FROM totals WHERE key = $1",
                                          PgParams().Text(key)));
  if (r.rows() == 0) {
    if (in_batch_) dict_.AbsentTotal(key);
    return RunningTotal{};
  }
  dict_.KnownTotal(key, static_cast<uint64_t>(r.Int(0, 2)));
  return RunningTotal{r.Int(0, 0), r.Int(0, 1)};
}

Result<int64_t> PostgresStore::Balance(const std::string& account) {
  RETURN_IF_ERROR(Connected());
  if (const uint64_t id = dict_.CachedAccountId(account); id != 0) {
    ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT balance FROM accounts WHERE id = $1",
                                            PgParams().Int(static_cast<int64_t>(id))));
    return r.rows() == 0 ? 0 : r.Int(0, 0);
  }
  ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT balance, id FROM accounts WHERE key = $1",
                                          PgParams().Text(account)));
  if (r.rows() == 0) {
    if (in_batch_) dict_.AbsentAccount(account);
    return 0;
  }
  dict_.KnownAccount(account, static_cast<uint64_t>(r.Int(0, 1)));
  return r.Int(0, 0);
}

Result<std::vector<AccountBalance>> PostgresStore::WorkerBalances(AccountNumber worker) {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT key, unit, balance, id FROM accounts WHERE "
                                          "worker = $1 ORDER BY key",
                                          PgParams().Int(static_cast<int64_t>(worker.value()))));
  std::vector<AccountBalance> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.Text(i, 0), static_cast<Unit>(r.Int(i, 1)), r.Int(i, 2)});
    dict_.SeenAccount(static_cast<uint64_t>(r.Int(i, 3)), out.back().account,
                      static_cast<int>(r.Int(i, 1)));
  }
  return out;
}

Result<std::vector<StoredEntry>> PostgresStore::WorkerEntries(AccountNumber worker) {
  RETURN_IF_ERROR(Connected());
  // The worker's own reports, and corrections that moved a report of theirs to someone else
  // (whose reversal legs land on this worker's accounts).
  ASSIGN_OR_RETURN(PgResult r,
                   db_->Query(std::string("SELECT ") + kEntryColumns +
                                  " FROM entries WHERE seq IN (SELECT seq FROM entries WHERE "
                                  "worker = $1 UNION SELECT c.seq FROM entries o JOIN entries c "
                                  "ON c.entity = o.entity AND c.replaces = o.report_id AND "
                                  "c.replaces <> '' WHERE o.worker = $1) ORDER BY seq",
                              PgParams().Int(static_cast<int64_t>(worker.value()))));
  std::vector<StoredEntry> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(r, i, dict_));
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<PayerSum>> PostgresStore::WorkerPayerSums(AccountNumber worker) {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT entity, payer, money FROM worker_payers WHERE "
                                          "worker = $1 ORDER BY entity, payer",
                                          PgParams().Int(static_cast<int64_t>(worker.value()))));
  std::vector<PayerSum> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({r.Text(i, 0), static_cast<Payer>(r.Int(i, 1)), r.Int(i, 2)});
  }
  return out;
}

Result<int64_t> PostgresStore::CountWorkerReports(AccountNumber worker) {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r, db_->Query("SELECT reports FROM worker_reports WHERE worker = $1",
                                          PgParams().Int(static_cast<int64_t>(worker.value()))));
  return r.rows() == 0 ? 0 : r.Int(0, 0);
}

// One statement, so one snapshot and one round trip: each part's rows tagged by the first
// column, in the order the separate reads give them.
Result<WorkerState> PostgresStore::ReadWorkerState(AccountNumber account) {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(
      PgResult r,
      db_->Query("SELECT 0 AS part, name COLLATE \"C\" AS text, birth_date AS a, 0::bigint AS b, "
                 "0::bigint AS c, home_jurisdiction AS home FROM workers WHERE account = $1 "
                 "UNION ALL SELECT 1, key, unit, balance, id, '' FROM accounts "
                 "WHERE worker = $1 "
                 "UNION ALL SELECT 2, entity, payer, money, 0, '' FROM worker_payers "
                 "WHERE worker = $1 "
                 "UNION ALL SELECT 3, '', reports, 0, 0, '' FROM worker_reports WHERE worker = $1 "
                 "ORDER BY 1, 2, 3",
                 PgParams().Int(static_cast<int64_t>(account.value()))));
  WorkerState out;
  for (int i = 0; i < r.rows(); ++i) {
    switch (r.Int(i, 0)) {
      case 0:
        out.worker = Worker{account, r.Text(i, 1),
                            Date::FromDays(static_cast<int32_t>(r.Int(i, 2))), r.Text(i, 5)};
        break;
      case 1:
        out.balances.push_back({r.Text(i, 1), static_cast<Unit>(r.Int(i, 2)), r.Int(i, 3)});
        dict_.SeenAccount(static_cast<uint64_t>(r.Int(i, 4)), out.balances.back().account,
                          static_cast<int>(r.Int(i, 2)));
        break;
      case 2:
        out.payer_sums.push_back({r.Text(i, 1), static_cast<Payer>(r.Int(i, 2)), r.Int(i, 3)});
        break;
      case 3:
        out.reports = r.Int(i, 2);
        break;
      default:
        assert(false && "a part ReadWorkerState's statement does not have");
    }
  }
  if (!out.worker) return WorkerState{};  // with no worker, nothing else
  return out;
}

Result<std::vector<StoredEntry>> PostgresStore::EntityEntries(const std::string& entity,
                                                              const std::string& after_report_id,
                                                              int64_t limit) {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r,
                   db_->Query(std::string("SELECT ") + kEntryColumns +
                                  " FROM entries WHERE entity = $1 AND report_id > "
                                  "$2 ORDER BY report_id LIMIT $3",
                              PgParams().Text(entity).Text(after_report_id).Int(limit)));
  std::vector<StoredEntry> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(r, i, dict_));
    out.push_back(std::move(e));
  }
  return out;
}

Status PostgresStore::ScanEntries(Date from, Date to,
                                  const std::function<Status(const StoredEntry&)>& fn) {
  RETURN_IF_ERROR(Connected());
  int64_t after = 0;
  for (;;) {
    ASSIGN_OR_RETURN(PgResult r, db_->Query(std::string("SELECT ") + kEntryColumns +
                                                " FROM entries WHERE seq > $1 AND work_date "
                                                "BETWEEN $2 AND $3 ORDER BY seq LIMIT 10000",
                                            PgParams().Int(after).Int(from.days()).Int(to.days())));
    if (r.rows() == 0) return Status::Ok();
    for (int i = 0; i < r.rows(); ++i) {
      ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(r, i, dict_));
      RETURN_IF_ERROR(fn(e));
      after = e.seq;
    }
  }
}

Result<std::vector<StoredEntry>> PostgresStore::EntriesAfter(int64_t after_seq, int64_t limit) {
  RETURN_IF_ERROR(Connected());
  ASSIGN_OR_RETURN(PgResult r, db_->Query(std::string("SELECT ") + kEntryColumns +
                                              " FROM entries WHERE seq > $1 ORDER BY seq LIMIT $2",
                                          PgParams().Int(after_seq).Int(limit)));
  // The page's accounts in one round trip, then each entry's legs from them.
  std::vector<uint64_t> accounts;
  for (int i = 0; i < r.rows(); ++i) AddLegAccountIds(r.Bytes(i, kLegsColumn), &accounts);
  RETURN_IF_ERROR(dict_.LoadAccounts(std::move(accounts)));
  std::vector<StoredEntry> out;
  for (int i = 0; i < r.rows(); ++i) {
    ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(r, i, dict_, LegDetail::kMoneyLegs));
    out.push_back(std::move(e));
  }
  return out;
}

Result<VerifyResult> PostgresStore::Verify(const VerifyProgress& progress) {
  if (in_batch_) return Status::Precondition("a ledger batch is open");
  RETURN_IF_ERROR(Connected());
  // One snapshot for everything, so that batches committed meanwhile are simply not seen.
  RETURN_IF_ERROR(db_->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  auto out = VerifySnapshot(progress);
  (void)db_->Exec("ROLLBACK");
  return out;
}

Result<VerifyResult> PostgresStore::VerifySnapshot(const VerifyProgress& progress) {
  LedgerAudit audit;
  SnapshotDictionary dict;
  {
    Cursor c(db_.get(), "verify_accounts");
    RETURN_IF_ERROR(c.Open("SELECT id, key, unit, balance, batch FROM accounts ORDER BY id"));
    for (;;) {
      ASSIGN_OR_RETURN(bool more, c.Next());
      if (!more) break;
      const PgResult& r = c.result();
      const int i = c.row();
      const auto id = static_cast<uint64_t>(r.Int(i, 0));
      const int unit = static_cast<int>(r.Int(i, 2));
      std::string key = r.Text(i, 1);
      audit.StoredAccount(id, key, unit, r.Int(i, 3), r.Int(i, 4));
      dict.accounts.emplace(id, std::make_pair(std::move(key), unit));
    }
  }
  {
    ASSIGN_OR_RETURN(PgResult r, db_->QueryOnce("SELECT id, text, batch FROM strings ORDER BY id"));
    for (int i = 0; i < r.rows(); ++i) {
      const auto id = static_cast<uint64_t>(r.Int(i, 0));
      audit.StoredString(id, r.Text(i, 1), r.Int(i, 2));
      dict.strings.emplace(id, r.Text(i, 1));
    }
  }
  {
    ASSIGN_OR_RETURN(PgResult r, db_->QueryOnce("SELECT id, key, basis, amount, batch FROM totals "
                                                "ORDER BY id"));
    for (int i = 0; i < r.rows(); ++i) {
      const auto id = static_cast<uint64_t>(r.Int(i, 0));
      audit.StoredTotal(id, r.Text(i, 1), RunningTotal{r.Int(i, 2), r.Int(i, 3)}, r.Int(i, 4));
      dict.totals.emplace(id, r.Text(i, 1));
    }
  }
  {
    Cursor c(db_.get(), "verify_payers");
    RETURN_IF_ERROR(c.Open("SELECT worker, entity, payer, money FROM worker_payers"));
    for (;;) {
      ASSIGN_OR_RETURN(bool more, c.Next());
      if (!more) break;
      const PgResult& r = c.result();
      const int i = c.row();
      audit.StoredPayerSum(
          {static_cast<uint64_t>(r.Int(i, 0)), r.Text(i, 1), static_cast<Payer>(r.Int(i, 2))},
          r.Int(i, 3));
    }
  }
  {
    Cursor c(db_.get(), "verify_reports");
    RETURN_IF_ERROR(c.Open("SELECT worker, reports FROM worker_reports"));
    for (;;) {
      ASSIGN_OR_RETURN(bool more, c.Next());
      if (!more) break;
      audit.StoredReportCount(static_cast<uint64_t>(c.result().Int(c.row(), 0)),
                              c.result().Int(c.row(), 1));
    }
  }
  ASSIGN_OR_RETURN(PgResult batches, db_->QueryOnce("SELECT id, prev_hash, hash, first_seq, "
                                                    "entries FROM batches ORDER BY id"));
  // Entries are read once, in seq order, beside the batches that claim their ranges.
  Cursor entries(db_.get(), "verify_entries");
  RETURN_IF_ERROR(
      entries.Open(std::string("SELECT ") + kEntryColumns + " FROM entries ORDER BY seq"));
  // `have`: positioned on a row (or the error that moving there met).
  Result<bool> have = entries.Next();
  int64_t orphans = 0;
  int64_t total = 0;
  for (int b = 0; b < batches.rows(); ++b) total += batches.Int(b, 4);
  for (int b = 0; b < batches.rows(); ++b) {
    Hash prev{}, hash{};
    ToHash(batches.Bytes(b, 1), &prev);
    ToHash(batches.Bytes(b, 2), &hash);
    const int64_t first_seq = batches.Int(b, 3);
    const int64_t count = batches.Int(b, 4);
    audit.BeginBatch(batches.Int(b, 0), prev, hash, first_seq, count);
    for (;; have = entries.Next()) {
      if (!have.ok()) return have.status();
      if (!*have) break;
      const PgResult& r = entries.result();
      const int row = entries.row();
      const int64_t seq = r.Int(row, 0);
      if (seq >= first_seq + count) break;
      if (seq < first_seq) {
        ++orphans;
        continue;
      }
      audit.AddEntry(ReadEntry(r, row, dict), r.Bytes(row, kLegsColumn));
    }
    audit.EndBatch();
    if (progress) progress(audit.entries(), total);
  }
  for (;; have = entries.Next()) {
    if (!have.ok()) return have.status();
    if (!*have) break;
    ++orphans;
  }
  audit.AddOrphans(orphans);
  return audit.Finish();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url) {
  if (sodium_init() < 0) return Status::Io("libsodium failed to initialise");
  ASSIGN_OR_RETURN(auto db, PgDb::Open(url));
  auto store = std::make_unique<PostgresStore>(std::move(db));
  RETURN_IF_ERROR(store->Migrate());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace accrue
