// The embedded SQLite engine of the Store interface.
//
// One database file in WAL mode with synchronous=FULL, so a committed batch survives power
// loss; the WAL is copied into the file by a thread of its own (SqliteDb::CheckpointInBackground).
// Each batch is one IMMEDIATE transaction: concurrent writers (two `accrue ingest` processes)
// serialize on the database's write lock, and every read a batch bases its decisions on happens
// under that lock.
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <sodium.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "store/key_filter.h"
#include "store/key_ids.h"
#include "store/ledger_audit.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace accrue {
namespace {

// Versioned migrations; each runs once, in order, in its own transaction.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE jurisdictions(code TEXT PRIMARY KEY, name TEXT NOT NULL, parent TEXT NOT NULL,
  time_zone TEXT NOT NULL);
CREATE TABLE entities(id TEXT PRIMARY KEY, name TEXT NOT NULL, sector TEXT NOT NULL,
  size INTEGER NOT NULL);
CREATE TABLE workers(account INTEGER PRIMARY KEY, name TEXT NOT NULL, birth_date INTEGER NOT NULL,
  home_jurisdiction TEXT NOT NULL);
CREATE TABLE packs(id TEXT NOT NULL, revision INTEGER NOT NULL, file TEXT NOT NULL,
  text TEXT NOT NULL, loaded_at TEXT NOT NULL, PRIMARY KEY(id, revision));
CREATE TABLE batches(id INTEGER PRIMARY KEY, prev_hash BLOB NOT NULL, hash BLOB NOT NULL,
  first_seq INTEGER NOT NULL, entries INTEGER NOT NULL, source TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE TABLE entries(seq INTEGER PRIMARY KEY, batch INTEGER NOT NULL, entity TEXT NOT NULL,
  report_id TEXT NOT NULL, worker INTEGER NOT NULL, work_date INTEGER NOT NULL,
  jurisdiction TEXT NOT NULL, hours INTEGER NOT NULL, earnings INTEGER NOT NULL,
  tips INTEGER NOT NULL, jobs INTEGER NOT NULL, classification INTEGER NOT NULL,
  sector TEXT NOT NULL, replaces TEXT NOT NULL, legs BLOB NOT NULL);
CREATE UNIQUE INDEX entries_by_report ON entries(entity, report_id);
CREATE INDEX entries_by_worker ON entries(worker, work_date, entity);
CREATE INDEX entries_by_replaces ON entries(entity, replaces) WHERE replaces <> '';
CREATE TABLE accounts(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, unit INTEGER NOT NULL,
  worker INTEGER, balance INTEGER NOT NULL, batch INTEGER NOT NULL);
CREATE INDEX accounts_by_worker ON accounts(worker) WHERE worker IS NOT NULL;
CREATE TABLE strings(id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE, batch INTEGER NOT NULL);
CREATE TABLE totals(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, basis INTEGER NOT NULL,
  amount INTEGER NOT NULL, batch INTEGER NOT NULL);
)sql",
    // Derived, like accounts: what a worker's balance shows by payer (AddPayerSums).
    R"sql(
CREATE TABLE worker_payers(worker INTEGER NOT NULL, entity TEXT NOT NULL, payer INTEGER NOT NULL,
  money INTEGER NOT NULL, PRIMARY KEY(worker, entity, payer)) WITHOUT ROWID;
)sql",
    // Derived: how many work reports each worker has (AddReportCount), filled here from the
    // entries (the reserved entities are ledger.h's kPayoutEntity, kContributionEntity and
    // kMatchEntity).
    R"sql(
CREATE TABLE worker_reports(worker INTEGER PRIMARY KEY, reports INTEGER NOT NULL);
INSERT INTO worker_reports(worker, reports) SELECT worker, count(*) FROM entries
  WHERE entity NOT IN ('@payout', '@worker', '@match') GROUP BY worker;
)sql",
    // A worker's accounts are read as a range of the key index (every key of theirs starts
    // "W/<account>/"), so the index by worker only cost a b-tree insert per new account (about
    // a third of the account row's insert).
    R"sql(
DROP INDEX IF EXISTS accounts_by_worker;
)sql",
};
// The migration that adds worker_payers, which existing entries then fill.
constexpr int64_t kPayerSumsSchema = 2;

// Binds parameters `first` and `first`+1 to the bounds of the worker's account keys: from
// "W/<account>/" up to, not including, "W/<account>0" ('0' follows '/').
void BindWorkerKeys(SqliteStmt* s, int first, AccountNumber worker) {
  std::string prefix = WorkerAccountPrefix(worker);
  s->Bind(first, prefix);
  prefix.back() = '0';
  s->Bind(first + 1, prefix);
}

std::string NowUtc() {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  return std::to_string(secs.count());
}

// Rows a dictionary keeps for decoding, per table, before it starts over.
constexpr size_t kMaxRowsCached = size_t{1} << 18;
// Keys a dictionary keeps ids for, per table, before it starts over at a commit: a server's
// writer meets every worker's accounts and every week's running totals, without end.
constexpr size_t kMaxKeysCached = size_t{1} << 21;
// Look-ups that found no row (a key about to be created) before a table's keys go into a
// filter, and the most rows a filter is built over (read in steps, below: about a second of
// reading in all at this size, once per connection).
constexpr int64_t kFilterAfterMisses = 4096;
constexpr uint64_t kMaxRowsFiltered = uint64_t{1} << 22;
// Rows read into a filter per step (a batch's start, a chunk's questions): a table of millions
// of rows is read over many steps of a few milliseconds each, not in one stall of seconds,
// and the filter is used once it holds every row.
constexpr int64_t kRowsFilteredPerStep = int64_t{1} << 15;

// The most entries the report and worker-day filters are built over (two filters of about
// 20 MB each at this size, read in steps of kRowsFilteredPerStep).
constexpr int64_t kMaxEntriesFiltered = int64_t{1} << 23;

// Says, without a b-tree look-up, that no entry has a given report id or worker-day: a new
// report asked both of the store before it was evaluated (about a fifth of the reading side of
// an ingest). Built once a connection has asked kFilterAfterMisses questions that found
// nothing, and kept whole as the dictionary's key filters are: before each use, the entries
// added since (seq only grows, max+1 under the write lock, and entries are never deleted) are
// read in the same snapshot as the questions, at most kRowsFilteredPerStep of them each time;
// until they hold every entry, the questions go to the database.
class EntryFilter {
 public:
  // Brings the filters a step closer to the snapshot being read (building them when due);
  // true once they hold every entry of it, false while there are none or they hold only part.
  Result<bool> CatchUp(SqliteDb* db);
  bool MayHaveReport(std::string_view entity, std::string_view report_id);
  bool MayHaveDay(AccountNumber worker, Date day, std::string_view entity);
  // Whether CatchUp() will read: then it and the questions must read one snapshot.
  bool Due() const { return reports_ != nullptr || misses_ >= kFilterAfterMisses; }
  // A question the database answered with nothing, while there are no filters.
  void Missed() {
    if (reports_ == nullptr) ++misses_;
  }
  // A write transaction's own entries were read in; if it rolls back, their seqs go to others.
  void TransactionBegan() { at_begin_ = filtered_below_; }
  void TransactionRolledBack() { filtered_below_ = std::min(filtered_below_, at_begin_); }

 private:
  Status Build(SqliteDb* db);
  std::string_view ReportKey(std::string_view entity, std::string_view report_id);
  std::string_view DayKey(uint64_t worker, int32_t day, std::string_view entity);

  std::unique_ptr<KeyFilter> reports_;  // entity, report id
  std::unique_ptr<KeyFilter> days_;     // worker, work date, entity
  int64_t filtered_below_ = 1;          // every entry with a smaller seq is in both
  int64_t at_begin_ = 1;                // filtered_below_ when the write transaction began
  int64_t misses_ = 0;
  std::string key_;  // reused for each key asked
};

Result<bool> EntryFilter::CatchUp(SqliteDb* db) {
  if (reports_ == nullptr && misses_ < kFilterAfterMisses) return false;
  if (reports_ == nullptr || reports_->full() || days_->full()) RETURN_IF_ERROR(Build(db));
  if (reports_ == nullptr) return false;
  ASSIGN_OR_RETURN(SqliteStmt * s, db->Prepare("SELECT seq,entity,report_id,worker,work_date "
                                               "FROM entries WHERE seq>=? ORDER BY seq LIMIT ?"));
  s->Bind(1, filtered_below_).Bind(2, kRowsFilteredPerStep);
  int64_t read = 0;
  for (;; ++read) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    filtered_below_ = s->Int(0) + 1;
    const std::string_view entity = s->TextView(1);
    reports_->Add(ReportKey(entity, s->TextView(2)));
    days_->Add(DayKey(static_cast<uint64_t>(s->Int(3)), static_cast<int32_t>(s->Int(4)), entity));
  }
  return read < kRowsFilteredPerStep;  // else more entries follow, read by the next steps
}

Status EntryFilter::Build(SqliteDb* db) {
  reports_.reset();
  days_.reset();
  misses_ = 0;  // asked again after as many misses, if too big to filter now
  ASSIGN_OR_RETURN(SqliteStmt * s, db->Prepare("SELECT coalesce(max(seq),0) FROM entries"));
  ASSIGN_OR_RETURN(bool row, s->Step());
  const int64_t entries = row ? s->Int(0) : 0;
  s->Reset();
  if (entries > kMaxEntriesFiltered) return Status::Ok();
  const auto capacity = static_cast<size_t>(2 * entries) + (size_t{1} << 20);
  reports_ = std::make_unique<KeyFilter>(capacity);
  days_ = std::make_unique<KeyFilter>(capacity);
  filtered_below_ = 1;
  at_begin_ = 1;
  return Status::Ok();
}

bool EntryFilter::MayHaveReport(std::string_view entity, std::string_view report_id) {
  return reports_->MayContain(ReportKey(entity, report_id));
}

bool EntryFilter::MayHaveDay(AccountNumber worker, Date day, std::string_view entity) {
  return days_->MayContain(DayKey(worker.value(), day.days(), entity));
}

std::string_view EntryFilter::ReportKey(std::string_view entity, std::string_view report_id) {
  key_.assign(entity);
  key_.push_back('\x1f');
  key_.append(report_id);
  return key_;
}

std::string_view EntryFilter::DayKey(uint64_t worker, int32_t day, std::string_view entity) {
  key_.assign(reinterpret_cast<const char*>(&worker), sizeof worker);
  key_.append(reinterpret_cast<const char*>(&day), sizeof day);
  key_.append(entity);
  return key_;
}

// Interns strings to ids for the ledger encoding. New rows are pending until the batch
// commits; a rollback forgets them.
class SqliteDictionary : public Dictionary {
 public:
  explicit SqliteDictionary(SqliteDb* db) : db_(db) {}

  Status BeginBatch();
  // Writes the new rows interned since the last flush. A new account or running total starts
  // at the amount that `sums` holds for its id, and leaves `sums`, so that only rows that
  // already existed need an UPDATE.
  Status Flush(int64_t batch, DeltaSums* sums);
  // What a read under the write lock learned: the key's row id, or that it has no row (which
  // stays true until the open transaction ends, as no other writer can add one meanwhile).
  void KnownAccount(const std::string& key, uint64_t id) { Known(accounts_, key, id); }
  void KnownTotal(const std::string& key, uint64_t id) { Known(totals_, key, id); }
  // An account row read by the caller (a worker's balances), so that decoding the worker's
  // entries finds its accounts without asking the database once per leg.
  void SeenAccount(uint64_t id, std::string key, int unit) {
    Remember(accounts_, id, std::make_pair(std::move(key), unit));
  }
  void AbsentAccount(const std::string& key) { accounts_.absent.insert(key); }
  void AbsentTotal(const std::string& key) { totals_.absent.insert(key); }
  // Reads the rows of those accounts not cached yet, a chunk of ids per statement, so that
  // decoding a page of entries does not ask the database once per leg.
  Status LoadAccounts(std::vector<uint64_t> ids);
  // The id of a key already interned (stored or created by the open batch), or 0.
  uint64_t CachedAccountId(const std::string& key) const { return Cached(accounts_, key); }
  uint64_t CachedTotalsId(const std::string& key) const { return Cached(totals_, key); }
  // Feeds every row the open batch created to its chain hash, table by table in id order.
  void HashCreated(ChainHasher* hasher);
  void Committed();
  void Forget();

  uint64_t AccountId(const std::string& key, Unit unit) override;
  uint64_t StringId(const std::string& text) override { return Intern(strings_, text, 0); }
  uint64_t TotalsId(const std::string& key) override { return Intern(totals_, key, 0); }
  Result<std::string> Account(uint64_t id) const override { return Lookup(accounts_, id); }
  Result<Unit> AccountUnit(uint64_t id) const override;
  Result<std::string> String(uint64_t id) const override { return Lookup(strings_, id); }
  Result<std::string> TotalsKey(uint64_t id) const override { return Lookup(totals_, id); }

 private:
  // A row interned by the open batch: pending until written, then flushed until the commit.
  struct NewRow {
    uint64_t id;
    std::string_view text;  // the key cache's copy, kept until the commit (Committed())
    int unit;               // accounts only
  };
  struct Table {
    const char* name;
    char tag;
    // Flat (open addressing): with 100k workers this holds about a million keys, and a
    // node-based map missed the cache twice per lookup (12% of ingest CPU).
    KeyIds ids;
    mutable std::unordered_map<uint64_t, std::pair<std::string, int>> by_id;  // text, unit
    uint64_t next = 1;
    std::vector<NewRow> pending;              // interned, not yet written
    std::vector<NewRow> flushed;              // written by the open batch, in id order
    absl::flat_hash_set<std::string> absent;  // known to have no row, in the open transaction
    // Every key of the table once this connection has created many (kFilterAfterMisses): then
    // a key the filter has not seen is created without asking. Kept whole by adding the rows
    // this connection creates and, as each batch begins, those others added since: ids only
    // grow (max(id)+1 under the write lock) and rows are never deleted. A large table is read
    // into it over several batches (kRowsFilteredPerStep each), skipping the rows this
    // connection created meanwhile: a writer creating more rows per batch than a step reads
    // would otherwise never catch up.
    std::unique_ptr<KeyFilter> filter;
    uint64_t filtered_below = 0;  // every row with a smaller id is in the filter
    uint64_t own_from = 0;        // and every row in [own_from, own_to), created here,
    uint64_t own_to = 0;          // while the filter was being read in
    uint64_t first_new = 0;       // the first id the open batch creates
    bool whole = false;           // the filter holds every row (it is used only then)
    int64_t misses = 0;           // look-ups that found no row, while there is no filter
  };
  uint64_t Intern(Table& t, const std::string& text, int unit);
  // Builds the table's filter, or reads into it the next step of the rows it lacks (those of
  // a table being read in, or that others created since the last batch); under the write lock.
  Status Filter(Table& t);
  // The id the database holds for a key, or 0 when it has none.
  uint64_t StoredId(Table& t, const std::string& text);
  static void Known(Table& t, const std::string& key, uint64_t id) { t.ids.Put(key, id); }
  // Keeps an id's row for later decoding. The cache is bounded: past kMaxRowsCached it starts
  // over, so that a server reading a million workers' accounts does not keep them all.
  static void Remember(const Table& t, uint64_t id, std::pair<std::string, int> row) {
    if (t.by_id.size() >= kMaxRowsCached) t.by_id.clear();
    t.by_id.emplace(id, std::move(row));
  }
  static uint64_t Cached(const Table& t, const std::string& key) { return t.ids.Find(key); }
  Result<std::string> Lookup(const Table& t, uint64_t id) const;
  Result<std::pair<std::string, int>> Load(const Table& t, uint64_t id) const;

  SqliteDb* db_;
  Table accounts_{"accounts", 'A', {}, {}, 1, {}, {}, {}};
  Table strings_{"strings", 'S', {}, {}, 1, {}, {}, {}};
  Table totals_{"totals", 'T', {}, {}, 1, {}, {}, {}};
};

Status SqliteDictionary::BeginBatch() {
  for (Table* t : {&accounts_, &strings_, &totals_}) {
    ASSIGN_OR_RETURN(SqliteStmt * s,
                     db_->Prepare(t->tag == 'A'   ? "SELECT coalesce(max(id),0)+1 FROM accounts"
                                  : t->tag == 'S' ? "SELECT coalesce(max(id),0)+1 FROM strings"
                                                  : "SELECT coalesce(max(id),0)+1 FROM totals"));
    ASSIGN_OR_RETURN(bool row, s->Step());
    t->next = row ? static_cast<uint64_t>(s->Int(0)) : 1;
    t->first_new = t->next;
    t->pending.clear();
    t->absent.clear();
    if (t->filter != nullptr || t->misses >= kFilterAfterMisses) RETURN_IF_ERROR(Filter(*t));
  }
  return Status::Ok();
}

Status SqliteDictionary::Filter(Table& t) {
  if (t.filter == nullptr || t.filter->full()) {
    t.filter.reset();
    t.whole = false;
    t.misses = 0;                      // asked again after as many misses, if too big to filter now
    const uint64_t rows = t.next - 1;  // ids run from 1 without gaps
    if (rows > kMaxRowsFiltered) return Status::Ok();
    t.filter = std::make_unique<KeyFilter>(2 * rows + 65536);
    t.filtered_below = 1;
    t.own_from = t.own_to = 0;
  }
  if (t.filtered_below < t.next) {
    ASSIGN_OR_RETURN(SqliteStmt * s,
                     db_->Prepare(t.tag == 'A'   ? "SELECT id,key FROM accounts WHERE id>=? AND "
                                                   "id<? ORDER BY id LIMIT ?"
                                  : t.tag == 'S' ? "SELECT id,text FROM strings WHERE id>=? AND "
                                                   "id<? ORDER BY id LIMIT ?"
                                                 : "SELECT id,key FROM totals WHERE id>=? AND "
                                                   "id<? ORDER BY id LIMIT ?"));
    const uint64_t below = t.own_to > t.own_from ? t.own_from : t.next;
    s->Bind(1, static_cast<int64_t>(t.filtered_below)).Bind(2, static_cast<int64_t>(below));
    s->Bind(3, kRowsFilteredPerStep);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      t.filtered_below = static_cast<uint64_t>(s->Int(0)) + 1;
      t.filter->Add(s->TextView(1));
    }
    if (t.own_to > t.own_from && t.filtered_below == t.own_from) {
      t.filtered_below = t.own_to;  // met the rows created here
      t.own_from = t.own_to = 0;
    }
  }
  t.whole = t.filtered_below == t.next;
  return Status::Ok();
}

uint64_t SqliteDictionary::Intern(Table& t, const std::string& text, int unit) {
  // One probe for a key met before and for a new one alike: the slot is claimed at once and
  // filled in below (a new account per leg is the common case on a server with many workers).
  const KeyIds::Claimed claimed = t.ids.Claim(text);
  if (!claimed.added) return *claimed.id;
  uint64_t id = 0;
  if (auto a = t.absent.find(text); a != t.absent.end()) {
    t.absent.erase(a);  // about to be created
  } else if (!t.whole || t.filter->MayContain(text)) {
    // Another process may have written it since we cached: ask the database first.
    id = StoredId(t, text);
    if (id == 0 && t.filter == nullptr) ++t.misses;
  }
  if (id == 0) {
    id = t.next++;
    t.pending.push_back(NewRow{id, claimed.key, unit});
    if (t.filter != nullptr) t.filter->Add(text);
  }
  *claimed.id = id;
  return id;
}

uint64_t SqliteDictionary::StoredId(Table& t, const std::string& text) {
  auto fail = [&](const Status& st) {
    t.ids.Erase(text);  // not left claimed with no id
    throw std::runtime_error(st.ToString());
  };
  auto s = db_->Prepare(t.tag == 'A'   ? "SELECT id FROM accounts WHERE key=?"
                        : t.tag == 'S' ? "SELECT id FROM strings WHERE text=?"
                                       : "SELECT id FROM totals WHERE key=?");
  if (!s.ok()) fail(s.status());
  (*s)->Bind(1, text);
  auto row = (*s)->Step();
  if (!row.ok()) fail(row.status());
  return *row ? static_cast<uint64_t>((*s)->Int(0)) : 0;
}

uint64_t SqliteDictionary::AccountId(const std::string& key, Unit unit) {
  return Intern(accounts_, key, static_cast<int>(unit));
}

Result<std::pair<std::string, int>> SqliteDictionary::Load(const Table& t, uint64_t id) const {
  auto it = t.by_id.find(id);
  if (it != t.by_id.end()) return it->second;
  for (const NewRow& row : t.pending) {
    if (row.id == id) return std::make_pair(std::string(row.text), row.unit);
  }
  const std::string sql = t.tag == 'A'   ? "SELECT key, unit FROM accounts WHERE id=?"
                          : t.tag == 'S' ? "SELECT text, 0 FROM strings WHERE id=?"
                                         : "SELECT key, 0 FROM totals WHERE id=?";
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(sql));
  s->Bind(1, static_cast<int64_t>(id));
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) {
    return Status::Corruption(std::string(t.name) + " id " + std::to_string(id) + " is missing");
  }
  auto value = std::make_pair(s->Text(0), static_cast<int>(s->Int(1)));
  Remember(t, id, value);
  return value;
}

Status SqliteDictionary::LoadAccounts(std::vector<uint64_t> ids) {
  constexpr size_t kChunk = 64;
  static const std::string kSql = [] {
    std::string sql = "SELECT id,key,unit FROM accounts WHERE id IN (?";
    for (size_t i = 1; i < kChunk; ++i) sql += ",?";
    return sql + ")";
  }();
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::erase_if(ids, [&](uint64_t id) { return accounts_.by_id.contains(id); });
  if (ids.size() > kMaxRowsCached / 2) ids.resize(kMaxRowsCached / 2);
  // Room for them all, so that none is forgotten before the page is decoded.
  if (accounts_.by_id.size() + ids.size() > kMaxRowsCached) accounts_.by_id.clear();
  for (size_t at = 0; at < ids.size(); at += kChunk) {
    ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(kSql));
    for (size_t i = 0; i < kChunk; ++i) {
      // Id 0 is never a row: it pads the last chunk.
      s->Bind(static_cast<int>(i) + 1, static_cast<int64_t>(at + i < ids.size() ? ids[at + i] : 0));
    }
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      accounts_.by_id.emplace(static_cast<uint64_t>(s->Int(0)),
                              std::make_pair(s->Text(1), static_cast<int>(s->Int(2))));
    }
  }
  return Status::Ok();
}

Result<std::string> SqliteDictionary::Lookup(const Table& t, uint64_t id) const {
  ASSIGN_OR_RETURN(auto v, Load(t, id));
  return v.first;
}

Result<Unit> SqliteDictionary::AccountUnit(uint64_t id) const {
  ASSIGN_OR_RETURN(auto v, Load(accounts_, id));
  return static_cast<Unit>(v.second);
}

void SqliteDictionary::Committed() {
  for (Table* t : {&accounts_, &strings_, &totals_}) {
    t->flushed.clear();
    t->absent.clear();
    // The batch's new rows are in the filter, and nobody else could add rows meanwhile.
    if (t->whole) {
      t->filtered_below = t->next;
    } else if (t->filter != nullptr && t->next > t->first_new) {
      // Added to the filter as they were created; contiguous with the last batch's unless
      // another connection wrote between them (those earlier rows are then read in again).
      if (t->own_to != t->first_new) t->own_from = t->first_new;
      t->own_to = t->next;
    }
    if (t->ids.size() > kMaxKeysCached) t->ids.Clear();  // asked of the database again
  }
}

void SqliteDictionary::HashCreated(ChainHasher* hasher) {
  // Table by table in tag order, each in id order (as interned), an account with its unit.
  std::string account;
  for (const NewRow& row : accounts_.flushed) {
    account.assign(row.text).append("#").append(std::to_string(row.unit));
    hasher->AddDictionaryRow('A', row.id, account);
  }
  for (const NewRow& row : strings_.flushed) hasher->AddDictionaryRow('S', row.id, row.text);
  for (const NewRow& row : totals_.flushed) hasher->AddDictionaryRow('T', row.id, row.text);
}

Status SqliteDictionary::Flush(int64_t batch, DeltaSums* sums) {
  auto* balances = &sums->balances;
  auto* totals = &sums->totals;
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("INSERT INTO accounts(id,key,unit,worker,balance,"
                                                "batch) VALUES(?,?,?,?,?,?)"));
  for (const auto& [id, key, unit] : accounts_.pending) {
    const AccountNumber worker = WorkerOfAccount(key);
    s->Again();
    int64_t balance = 0;
    if (auto it = balances->find(id); it != balances->end()) {
      balance = it->second;
      balances->erase(it);
    }
    s->Bind(1, static_cast<int64_t>(id)).BindView(2, key).Bind(3, unit);
    s->Bind(5, balance).Bind(6, batch);
    if (worker.valid()) {
      s->Bind(4, static_cast<int64_t>(worker.value()));
    } else {
      s->BindNull(4);
    }
    RETURN_IF_ERROR(s->Run());
  }
  ASSIGN_OR_RETURN(s, db_->Prepare("INSERT INTO strings(id,text,batch) VALUES(?,?,?)"));
  for (const NewRow& row : strings_.pending) {
    s->Again().Bind(1, static_cast<int64_t>(row.id)).BindView(2, row.text);
    RETURN_IF_ERROR(s->Bind(3, batch).Run());
  }
  ASSIGN_OR_RETURN(s, db_->Prepare("INSERT INTO totals(id,key,basis,amount,batch) "
                                   "VALUES(?,?,?,?,?)"));
  for (const NewRow& row : totals_.pending) {
    const uint64_t id = row.id;
    s->Again();
    RunningTotal start;
    if (auto it = totals->find(id); it != totals->end()) {
      start = it->second;
      totals->erase(it);
    }
    s->Bind(1, static_cast<int64_t>(id)).BindView(2, row.text).Bind(3, start.basis);
    s->Bind(4, start.amount);
    RETURN_IF_ERROR(s->Bind(5, batch).Run());
  }
  for (Table* t : {&accounts_, &strings_, &totals_}) {
    t->flushed.insert(t->flushed.end(), std::make_move_iterator(t->pending.begin()),
                      std::make_move_iterator(t->pending.end()));
    t->pending.clear();
  }
  return Status::Ok();
}

void SqliteDictionary::Forget() {
  for (Table* t : {&accounts_, &strings_, &totals_}) {
    for (const NewRow& row : t->pending) t->ids.Erase(row.text);
    for (const NewRow& row : t->flushed) {
      t->ids.Erase(row.text);
      t->by_id.erase(row.id);
    }
    t->pending.clear();
    t->flushed.clear();
    t->absent.clear();
  }
}

class SqliteStore : public Store {
 public:
  explicit SqliteStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)), dict_(db_.get()) {}
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
  Status TuneForReads() override { return db_->Exec("PRAGMA mmap_size=4294967296"); }
  Result<std::optional<int64_t>> DataVersion() override {
    ASSIGN_OR_RETURN(int64_t version, Count("PRAGMA data_version"));
    return std::optional<int64_t>(version);
  }
  std::optional<WalStats> Wal() override {
    WalStats stats;
    if (!db_->ReadWalStats(&stats)) return std::nullopt;
    return stats;
  }
  bool InTransaction() override { return sqlite3_get_autocommit(db_->raw()) == 0; }
  Status BeginReadTransaction() override;
  void EndReadTransaction() override;
  void ReleaseStatements() override { db_->ResetAll(); }
  SqlConn& sql() override { return sql_; }
  Status ScanEntries(Date from, Date to,
                     const std::function<Status(const StoredEntry&)>& fn) override;
  Result<std::vector<StoredEntry>> EntriesAfter(int64_t after_seq, int64_t limit) override;
  Result<int64_t> CountEntries() override {
    db_->ResetAll();
    return Count("SELECT count(*) FROM entries");
  }
  using Store::Verify;
  Result<VerifyResult> Verify(const VerifyProgress& progress) override;

 private:
  Result<int64_t> Count(const std::string& sql);
  // Runs `fn` in a transaction of its own (for registry writes).
  Status InTransaction(const std::function<Status()>& fn);
  // An entry from a row selecting kEntryColumns; ReadReport leaves its legs for the caller.
  Result<StoredEntry> ReadEntry(SqliteStmt* s);
  static StoredEntry ReadReport(SqliteStmt* s);
  // Brings the entry filter up to date for the questions that follow, in `snapshot` (begun
  // here when the filter will read); whether the filter may be asked.
  Result<bool> CatchUpEntryFilter(std::optional<ReadSnapshot>* snapshot);
  Status InsertEntry(SqliteStmt* s, int64_t batch, const Entry& e, const std::string& legs);
  Status ApplyDeltas(const DeltaSums& sums);
  Status ApplyPayerSums(const std::vector<Entry>& entries);
  Status ApplyReportCounts(const std::vector<Entry>& entries);

  Status ReadChainHead();

  std::unique_ptr<SqliteDb> db_;
  SqliteDictionary dict_;
  EntryFilter entry_filter_;
  SqliteSql sql_{db_.get()};
  bool in_batch_ = false;
  // The open batch.
  std::unique_ptr<ChainHasher> hasher_;
  Hash prev_{};
  int64_t batch_ = 0;
  int64_t first_seq_ = 0;
  int64_t batch_entries_ = 0;
};

constexpr const char* kEntryColumns =
    "seq,batch,entity,report_id,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
    "classification,sector,replaces,legs";

Status SqliteStore::Migrate() {
  RETURN_IF_ERROR(
      db_->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                "PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;"
                "PRAGMA journal_size_limit=67108864;"
                "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"));
  RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  auto version = Count("SELECT coalesce((SELECT value FROM meta WHERE key='schema'),0)");
  if (!version.ok()) {
    (void)db_->Exec("ROLLBACK");
    return version.status();
  }
  const int64_t known = static_cast<int64_t>(std::size(kMigrations));
  if (*version > known) {
    (void)db_->Exec("ROLLBACK");
    return Status::Precondition("the database has schema " + std::to_string(*version) +
                                ", newer than this accrue (" + std::to_string(known) + ")");
  }
  for (int64_t v = *version; v < known; ++v) {
    // A statement left on its row (the version's read, a backfill's) makes SQLite refuse to
    // drop an index or table: "database table is locked".
    db_->ResetAll();
    Status st = db_->Exec(kMigrations[v]);
    if (st.ok() && v + 1 == kPayerSumsSchema) st = BackfillPayerSums(*this);
    if (st.ok()) {
      st = db_->Exec("INSERT OR REPLACE INTO meta(key,value) VALUES('schema'," +
                     std::to_string(v + 1) + ")");
    }
    if (!st.ok()) {
      (void)db_->Exec("ROLLBACK");
      return st.WithContext("migration " + std::to_string(v + 1));
    }
  }
  return db_->Exec("COMMIT");
}

Result<int64_t> SqliteStore::Count(const std::string& sql) {
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(sql));
  ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->Int(0) : 0;
}

Status SqliteStore::InTransaction(const std::function<Status()>& fn) {
  if (in_batch_) return Status::Precondition("a ledger batch is open");
  RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  Status st = fn();
  if (st.ok()) st = db_->Exec("COMMIT");
  if (!st.ok()) (void)db_->Exec("ROLLBACK");
  return st;
}

Status SqliteStore::AddJurisdictions(const std::vector<Jurisdiction>& list) {
  db_->ResetAll();
  return InTransaction([&]() -> Status {
    for (const Jurisdiction& j : list) {
      ASSIGN_OR_RETURN(SqliteStmt * q, db_->Prepare("SELECT name,parent,time_zone FROM "
                                                    "jurisdictions WHERE code=?"));
      ASSIGN_OR_RETURN(bool exists, q->Bind(1, j.code).Step());
      if (exists) {
        if (q->Text(0) != j.name || q->Text(1) != j.parent || q->Text(2) != j.time_zone) {
          return Status::Conflict("jurisdiction " + j.code + " already exists with other details");
        }
        continue;
      }
      if (!j.parent.empty()) {
        ASSIGN_OR_RETURN(SqliteStmt * p, db_->Prepare("SELECT 1 FROM jurisdictions WHERE code=?"));
        ASSIGN_OR_RETURN(bool parent_exists, p->Bind(1, j.parent).Step());
        if (!parent_exists) {
          return Status::NotFound("jurisdiction " + j.code + ": parent " + j.parent +
                                  " is not registered");
        }
      }
      ASSIGN_OR_RETURN(SqliteStmt * s,
                       db_->Prepare("INSERT INTO jurisdictions(code,name,parent,time_zone) "
                                    "VALUES(?,?,?,?)"));
      RETURN_IF_ERROR(
          s->Bind(1, j.code).Bind(2, j.name).Bind(3, j.parent).Bind(4, j.time_zone).Run());
    }
    return Status::Ok();
  });
}

Result<std::vector<Jurisdiction>> SqliteStore::ListJurisdictions() {
  db_->ResetAll();
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT code,name,parent,time_zone FROM "
                                                "jurisdictions ORDER BY code"));
  std::vector<Jurisdiction> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back({s->Text(0), s->Text(1), s->Text(2), s->Text(3)});
  }
  return out;
}

Status SqliteStore::AddEntities(const std::vector<HiringEntity>& list) {
  db_->ResetAll();
  return InTransaction([&]() -> Status {
    for (const HiringEntity& e : list) {
      ASSIGN_OR_RETURN(SqliteStmt * q,
                       db_->Prepare("SELECT name,sector,size FROM entities WHERE id=?"));
      ASSIGN_OR_RETURN(bool exists, q->Bind(1, e.id).Step());
      if (exists) {
        if (q->Text(0) != e.name || q->Text(1) != e.sector || q->Int(2) != e.size) {
          return Status::Conflict("hiring entity " + e.id + " already exists with other details");
        }
        continue;
      }
      ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("INSERT INTO entities(id,name,sector,size) "
                                                    "VALUES(?,?,?,?)"));
      RETURN_IF_ERROR(s->Bind(1, e.id).Bind(2, e.name).Bind(3, e.sector).Bind(4, e.size).Run());
    }
    return Status::Ok();
  });
}

Result<std::vector<HiringEntity>> SqliteStore::ListEntities() {
  db_->ResetAll();
  ASSIGN_OR_RETURN(SqliteStmt * s,
                   db_->Prepare("SELECT id,name,sector,size FROM entities ORDER BY id"));
  std::vector<HiringEntity> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back({s->Text(0), s->Text(1), s->Text(2), s->Int(3)});
  }
  return out;
}

Result<std::vector<Worker>> SqliteStore::AddWorkers(std::vector<Worker> list) {
  db_->ResetAll();
  Status st = InTransaction([&]() -> Status {
    for (Worker& w : list) {
      ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("INSERT INTO workers(account,name,birth_date,"
                                                    "home_jurisdiction) VALUES(?,?,?,?)"));
      const bool issue = !w.account.valid();
      for (int attempt = 0;; ++attempt) {
        if (issue) {
          // A random serial: account numbers carry no information and cannot be guessed in
          // sequence. Collisions are retried.
          const uint64_t hi = randombytes_uniform(100'000);
          const uint64_t lo = randombytes_uniform(1'000'000);
          const uint64_t serial = hi * 1'000'000 + lo;
          if (serial == 0) continue;
          w.account = AccountNumber::FromSerial(serial);
        }
        s->Reset();
        s->Bind(1, static_cast<int64_t>(w.account.value())).Bind(2, w.name);
        s->Bind(3, static_cast<int64_t>(w.birth_date.days())).Bind(4, w.home_jurisdiction);
        Status ins = s->Run();
        if (ins.ok()) break;
        if (ins.code() != Code::kConflict || !issue || attempt > 20) {
          return ins.code() == Code::kConflict
                     ? Status::Conflict("account " + w.account.ToString() + " already exists")
                     : ins;
        }
      }
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return list;
}

Result<std::optional<Worker>> SqliteStore::FindWorker(AccountNumber account) {
  db_->ResetAll();
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT name,birth_date,home_jurisdiction FROM "
                                                "workers WHERE account=?"));
  ASSIGN_OR_RETURN(bool row, s->Bind(1, static_cast<int64_t>(account.value())).Step());
  if (!row) return std::optional<Worker>();
  return std::optional<Worker>(
      Worker{account, s->Text(0), Date::FromDays(static_cast<int32_t>(s->Int(1))), s->Text(2)});
}

Result<int64_t> SqliteStore::PutPack(const std::string& id, const std::string& file,
                                     const std::string& text) {
  db_->ResetAll();
  int64_t revision = 0;
  Status st = InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(SqliteStmt * q, db_->Prepare("SELECT revision,text FROM packs WHERE id=? "
                                                  "ORDER BY revision DESC LIMIT 1"));
    ASSIGN_OR_RETURN(bool exists, q->Bind(1, id).Step());
    if (exists && q->Text(1) == text) {
      revision = q->Int(0);
      return Status::Ok();
    }
    revision = exists ? q->Int(0) + 1 : 1;
    ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("INSERT INTO packs(id,revision,file,text,"
                                                  "loaded_at) VALUES(?,?,?,?,?)"));
    return s->Bind(1, id).Bind(2, revision).Bind(3, file).Bind(4, text).Bind(5, NowUtc()).Run();
  });
  if (!st.ok()) return st;
  return revision;
}

Result<std::vector<StoredPack>> SqliteStore::LatestPacks() {
  db_->ResetAll();
  ASSIGN_OR_RETURN(SqliteStmt * s,
                   db_->Prepare("SELECT id,revision,file,text FROM packs p WHERE revision="
                                "(SELECT max(revision) FROM packs q WHERE q.id=p.id) ORDER BY id"));
  std::vector<StoredPack> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back({s->Text(0), s->Int(1), s->Text(2), s->Text(3)});
  }
  return out;
}

Status SqliteStore::Begin() {
  db_->ResetAll();
  if (in_batch_) return Status::Precondition("a ledger batch is already open");
  RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  Status st = dict_.BeginBatch();
  if (st.ok()) st = ReadChainHead();
  if (!st.ok()) {
    (void)db_->Exec("ROLLBACK");
    dict_.Forget();
    return st;
  }
  hasher_ = std::make_unique<ChainHasher>(prev_, batch_);
  batch_entries_ = 0;
  in_batch_ = true;
  entry_filter_.TransactionBegan();
  return Status::Ok();
}

Status SqliteStore::ReadChainHead() {
  prev_ = Hash{};
  batch_ = 1;
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT id, hash FROM batches ORDER BY id DESC "
                                                "LIMIT 1"));
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (row) {
    batch_ = s->Int(0) + 1;
    const std::string_view h = s->Blob(1);
    if (h.size() != prev_.size()) return Status::Corruption("the last batch's hash is malformed");
    std::copy(h.begin(), h.end(), prev_.begin());
  }
  ASSIGN_OR_RETURN(first_seq_, Count("SELECT coalesce(max(seq),0)+1 FROM entries"));
  return Status::Ok();
}

void SqliteStore::Rollback() {
  if (!in_batch_) return;
  (void)db_->Exec("ROLLBACK");
  dict_.Forget();
  entry_filter_.TransactionRolledBack();
  in_batch_ = false;
}

// `s` is the insert statement, bound anew here for each entry.
Status SqliteStore::InsertEntry(SqliteStmt* s, int64_t batch, const Entry& e,
                                const std::string& legs) {
  s->Again();
  const WorkReport& r = e.report;
  s->Bind(1, batch).BindView(2, r.entity).BindView(3, r.report_id);
  s->Bind(4, static_cast<int64_t>(r.worker.value())).Bind(5, r.work_date.days());
  s->BindView(6, r.jurisdiction).Bind(7, r.hours.units()).Bind(8, r.earnings.units());
  s->Bind(9, r.tips.units()).Bind(10, r.jobs).Bind(11, static_cast<int64_t>(r.classification));
  s->BindView(12, r.sector).BindView(13, r.replaces).BindBlobView(14, legs);
  Status st = s->Run();
  if (st.code() == Code::kConflict) {
    return Status::Conflict("report " + r.entity + "/" + r.report_id + " is already recorded");
  }
  return st;
}

// Adds the summed legs to the existing accounts' balances and the deltas to the existing
// running totals (new rows were inserted with their sums).
Status SqliteStore::ApplyDeltas(const DeltaSums& sums) {
  // In id order, so that consecutive updates land on the same or neighbouring pages.
  std::vector<std::pair<uint64_t, int64_t>> balances(sums.balances.begin(), sums.balances.end());
  std::sort(balances.begin(), balances.end());
  ASSIGN_OR_RETURN(SqliteStmt * s,
                   db_->Prepare("UPDATE accounts SET balance=balance+? WHERE id=?"));
  for (const auto& [id, amount] : balances) {
    if (amount == 0) continue;
    RETURN_IF_ERROR(s->Again().Bind(1, amount).Bind(2, static_cast<int64_t>(id)).Run());
  }
  std::vector<std::pair<uint64_t, RunningTotal>> totals(sums.totals.begin(), sums.totals.end());
  std::sort(totals.begin(), totals.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  ASSIGN_OR_RETURN(s, db_->Prepare("UPDATE totals SET basis=basis+?, amount=amount+? WHERE id=?"));
  for (const auto& [id, t] : totals) {
    if (t.basis == 0 && t.amount == 0) continue;
    s->Again().Bind(1, t.basis).Bind(2, t.amount);
    RETURN_IF_ERROR(s->Bind(3, static_cast<int64_t>(id)).Run());
  }
  return Status::Ok();
}

Status SqliteStore::ApplyPayerSums(const std::vector<Entry>& entries) {
  PayerSums sums;
  for (const Entry& e : entries) AddPayerSums(e, &sums);
  ASSIGN_OR_RETURN(SqliteStmt * s,
                   db_->Prepare("INSERT INTO worker_payers(worker,entity,payer,money) "
                                "VALUES(?,?,?,?) ON CONFLICT(worker,entity,payer) DO UPDATE "
                                "SET money=money+excluded.money"));
  for (const auto& [key, money] : sums) {
    if (money == 0) continue;
    const auto& [worker, entity, payer] = key;
    s->Again().Bind(1, static_cast<int64_t>(worker)).BindView(2, entity);
    RETURN_IF_ERROR(s->Bind(3, static_cast<int64_t>(payer)).Bind(4, money).Run());
  }
  return Status::Ok();
}

Status SqliteStore::ApplyReportCounts(const std::vector<Entry>& entries) {
  ReportCounts counts;
  for (const Entry& e : entries) AddReportCount(e, &counts);
  ASSIGN_OR_RETURN(SqliteStmt * s,
                   db_->Prepare("INSERT INTO worker_reports(worker,reports) VALUES(?,?) "
                                "ON CONFLICT(worker) DO UPDATE SET reports=reports+"
                                "excluded.reports"));
  for (const auto& [worker, n] : counts) {
    RETURN_IF_ERROR(s->Again().Bind(1, static_cast<int64_t>(worker)).Bind(2, n).Run());
  }
  return Status::Ok();
}

Status SqliteStore::Append(const std::vector<Entry>& entries) {
  if (!in_batch_) return Status::Precondition("no ledger batch is open");
  std::vector<std::string> blobs;
  blobs.reserve(entries.size());
  Status st;
  DeltaSums sums;
  for (const Entry& e : entries) {
    st = CheckBalanced(e);
    if (!st.ok()) break;
    blobs.push_back(EncodeLegs(e, dict_, &sums));
  }
  if (st.ok()) st = dict_.Flush(batch_, &sums);
  Result<SqliteStmt*> insert = db_->Prepare(
      "INSERT INTO entries(batch,entity,report_id,worker,work_date,jurisdiction,"
      "hours,earnings,tips,jobs,classification,sector,replaces,legs) "
      "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (st.ok() && !insert.ok()) st = insert.status();
  for (size_t i = 0; st.ok() && i < entries.size(); ++i) {
    hasher_->AddEntry(EntryCanonical(entries[i]), blobs[i]);
    st = InsertEntry(*insert, batch_, entries[i], blobs[i]);
  }
  if (st.ok()) st = ApplyDeltas(sums);
  if (st.ok()) st = ApplyPayerSums(entries);
  if (st.ok()) st = ApplyReportCounts(entries);
  if (!st.ok()) {
    Rollback();
    return st;
  }
  batch_entries_ += static_cast<int64_t>(entries.size());
  return Status::Ok();
}

Result<BatchReceipt> SqliteStore::Commit(const std::string& source) {
  if (!in_batch_) return Status::Precondition("no ledger batch is open");
  if (batch_entries_ == 0) {
    // Nothing to seal (no empty batches in the chain), but what modules wrote in the same
    // transaction — an idempotency key whose batch was all resends — is kept.
    db_->ResetAll();
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
  auto bytes = [](const Hash& h) {
    return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
  };
  Status st;
  auto s = db_->Prepare(
      "INSERT INTO batches(id,prev_hash,hash,first_seq,entries,source,"
      "created_at) VALUES(?,?,?,?,?,?,?)");
  if (s.ok()) {
    (*s)->Bind(1, batch_).BindBlob(2, bytes(prev_)).BindBlob(3, bytes(hash));
    (*s)->Bind(4, first_seq_).Bind(5, batch_entries_).Bind(6, source).Bind(7, NowUtc());
    st = (*s)->Run();
  } else {
    st = s.status();
  }
  // A statement still on a row holds a read mark on the WAL, and no checkpoint could then let
  // the WAL restart: it would grow without bound.
  db_->ResetAll();
  if (st.ok()) st = db_->Exec("COMMIT");
  if (!st.ok()) {
    Rollback();
    return st;
  }
  in_batch_ = false;
  dict_.Committed();
  return BatchReceipt{batch_, hash, batch_entries_};
}

StoredEntry SqliteStore::ReadReport(SqliteStmt* s) {
  StoredEntry out;
  out.seq = s->Int(0);
  out.batch = s->Int(1);
  WorkReport& r = out.entry.report;
  r.entity = s->Text(2);
  r.report_id = s->Text(3);
  r.worker = AccountNumber::FromValue(static_cast<uint64_t>(s->Int(4)));
  r.work_date = Date::FromDays(static_cast<int32_t>(s->Int(5)));
  r.jurisdiction = s->Text(6);
  r.hours = Hours::FromUnits(s->Int(7));
  r.earnings = Money::FromUnits(s->Int(8));
  r.tips = Money::FromUnits(s->Int(9));
  r.jobs = s->Int(10);
  r.classification = static_cast<Classification>(s->Int(11));
  r.sector = s->Text(12);
  r.replaces = s->Text(13);
  out.entry.kind = EntryKindOf(r);
  return out;
}

Result<StoredEntry> SqliteStore::ReadEntry(SqliteStmt* s) {
  StoredEntry out = ReadReport(s);
  RETURN_IF_ERROR(DecodeLegs(s->Blob(14), dict_, &out.entry));
  return out;
}

constexpr std::string_view kFindReportSql =
    "SELECT seq,batch,entity,report_id,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
    "classification,sector,replaces,legs FROM entries WHERE entity=? AND report_id=?";

Result<bool> SqliteStore::CatchUpEntryFilter(std::optional<ReadSnapshot>* snapshot) {
  if (entry_filter_.Due()) {
    snapshot->emplace(*this);
    RETURN_IF_ERROR((*snapshot)->status());
  }
  return entry_filter_.CatchUp(db_.get());
}

Result<std::optional<StoredEntry>> SqliteStore::FindReport(const std::string& entity,
                                                           const std::string& report_id) {
  const ReportRef key{entity, report_id};
  ASSIGN_OR_RETURN(auto found, FindReports(std::span<const ReportRef>(&key, 1)));
  return std::move(found[0]);
}

// One prepared statement, stepped once per key the entry filter may hold.
Result<std::vector<std::optional<StoredEntry>>> SqliteStore::FindReports(
    std::span<const ReportRef> keys) {
  db_->ResetAll();
  std::optional<ReadSnapshot> snapshot;
  ASSIGN_OR_RETURN(const bool filtered, CatchUpEntryFilter(&snapshot));
  std::vector<std::optional<StoredEntry>> out(keys.size());
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(kFindReportSql));
  for (size_t i = 0; i < keys.size(); ++i) {
    if (filtered && !entry_filter_.MayHaveReport(keys[i].entity, keys[i].report_id)) continue;
    s->Reset();
    ASSIGN_OR_RETURN(bool row, s->Bind(1, keys[i].entity).Bind(2, keys[i].report_id).Step());
    if (!row) {
      entry_filter_.Missed();
      continue;
    }
    ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(s));
    out[i] = std::move(e);
  }
  s->Reset();
  return out;
}

Result<std::optional<std::string>> SqliteStore::ReplacedBy(const std::string& entity,
                                                           const std::string& report_id) {
  db_->ResetAll();
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT report_id FROM entries WHERE entity=? "
                                                "AND replaces=? AND replaces<>''"));
  ASSIGN_OR_RETURN(bool row, s->Bind(1, entity).Bind(2, report_id).Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(s->Text(0));
}

// Reports that a later correction replaced no longer count.
constexpr std::string_view kHoursOnDaySql =
    "SELECT coalesce(sum(hours),0) FROM entries e WHERE worker=? AND work_date=? AND entity=? "
    "AND NOT EXISTS (SELECT 1 FROM entries c WHERE c.entity=e.entity AND c.replaces=e.report_id "
    "AND c.replaces<>'')";

Result<int64_t> SqliteStore::HoursOnDay(AccountNumber worker, const std::string& entity, Date day) {
  DayRef d{worker, entity, day};
  ASSIGN_OR_RETURN(std::vector<int64_t> hours, HoursOnDays(std::span<const DayRef>(&d, 1)));
  return hours[0];
}

Result<std::vector<int64_t>> SqliteStore::HoursOnDays(std::span<const DayRef> days) {
  db_->ResetAll();
  std::optional<ReadSnapshot> snapshot;
  ASSIGN_OR_RETURN(const bool filtered, CatchUpEntryFilter(&snapshot));
  std::vector<int64_t> out(days.size(), 0);
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(kHoursOnDaySql));
  for (size_t i = 0; i < days.size(); ++i) {
    const DayRef& d = days[i];
    if (filtered && !entry_filter_.MayHaveDay(d.worker, d.day, d.entity)) continue;
    s->Reset();
    s->Bind(1, static_cast<int64_t>(d.worker.value())).Bind(2, d.day.days());
    ASSIGN_OR_RETURN(bool row, s->Bind(3, d.entity).Step());
    if (row) out[i] = s->Int(0);
    if (out[i] == 0) entry_filter_.Missed();
  }
  s->Reset();
  return out;
}

// A key whose id the dictionary holds (ids never change) is read by id; otherwise by key, and
// inside a write transaction what was found (or not) saves the dictionary its own look-up.
Result<RunningTotal> SqliteStore::Total(const std::string& key) {
  db_->ResetAll();
  if (const uint64_t id = dict_.CachedTotalsId(key); id != 0) {
    ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT basis,amount FROM totals WHERE id=?"));
    ASSIGN_OR_RETURN(bool row, s->Bind(1, static_cast<int64_t>(id)).Step());
    if (!row) return RunningTotal{};
    return RunningTotal{s->Int(0), s->Int(1)};
  }
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT basis,amount,id FROM totals WHERE key=?"));
  ASSIGN_OR_RETURN(bool row, s->Bind(1, key).Step());
  if (!row) {
    if (in_batch_) dict_.AbsentTotal(key);
    return RunningTotal{};
  }
  dict_.KnownTotal(key, static_cast<uint64_t>(s->Int(2)));
  return RunningTotal{s->Int(0), s->Int(1)};
}

Result<int64_t> SqliteStore::Balance(const std::string& account) {
  db_->ResetAll();
  if (const uint64_t id = dict_.CachedAccountId(account); id != 0) {
    ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT balance FROM accounts WHERE id=?"));
    ASSIGN_OR_RETURN(bool row, s->Bind(1, static_cast<int64_t>(id)).Step());
    return row ? s->Int(0) : 0;
  }
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT balance,id FROM accounts WHERE key=?"));
  ASSIGN_OR_RETURN(bool row, s->Bind(1, account).Step());
  if (!row) {
    if (in_batch_) dict_.AbsentAccount(account);
    return 0;
  }
  dict_.KnownAccount(account, static_cast<uint64_t>(s->Int(1)));
  return s->Int(0);
}

Status SqliteStore::BeginReadTransaction() {
  db_->ResetAll();
  // Prepared once and kept: sqlite3_exec would compile BEGIN and COMMIT on every request.
  ASSIGN_OR_RETURN(SqliteStmt * begin, db_->Prepare("BEGIN"));
  return begin->Run();
}

void SqliteStore::EndReadTransaction() {
  db_->ResetAll();
  // A read-only transaction cannot fail to end; if it did, the next BEGIN would say so.
  if (auto commit = db_->Prepare("COMMIT"); commit.ok()) (void)(*commit)->Run();
}

Result<std::vector<AccountBalance>> SqliteStore::WorkerBalances(AccountNumber worker) {
  db_->ResetAll();
  // Sorted here, not by SQL: a handful of rows, and ORDER BY would build a temporary b-tree
  // on every call.
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT key,unit,balance,id FROM accounts WHERE "
                                                "key>=?1 AND key<?2"));
  BindWorkerKeys(s, 1, worker);
  std::vector<AccountBalance> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back({s->Text(0), static_cast<Unit>(s->Int(1)), s->Int(2)});
    dict_.SeenAccount(static_cast<uint64_t>(s->Int(3)), out.back().account, s->Int(1));
  }
  std::sort(out.begin(), out.end(),
            [](const AccountBalance& a, const AccountBalance& b) { return a.account < b.account; });
  return out;
}

Result<std::vector<StoredEntry>> SqliteStore::WorkerEntries(AccountNumber worker) {
  db_->ResetAll();
  // The worker's own entries, and corrections that moved a report of theirs to someone else
  // (whose reversal legs land on this worker's accounts). Two queries merged here rather than
  // one UNION ALL … ORDER BY, which would sort both halves in temporary b-trees on every call.
  static const std::string kOwn =
      std::string("SELECT ") + kEntryColumns + " FROM entries WHERE worker=?1";
  static const std::string kMoved = [] {
    std::string own = kEntryColumns, moved;
    size_t start = 0;
    for (size_t i = 0; i <= own.size(); ++i) {
      if (i == own.size() || own[i] == ',') {
        moved += std::string(moved.empty() ? "" : ",") + "c." + own.substr(start, i - start);
        start = i + 1;
      }
    }
    return "SELECT " + moved +
           " FROM entries o JOIN entries c ON c.entity=o.entity AND c.replaces=o.report_id AND "
           "c.replaces<>'' WHERE o.worker=?1 AND c.worker<>?1";
  }();
  std::vector<StoredEntry> out;
  for (const std::string* sql : {&kOwn, &kMoved}) {
    ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(*sql));
    s->Bind(1, static_cast<int64_t>(worker.value()));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(s));
      out.push_back(std::move(e));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const StoredEntry& a, const StoredEntry& b) { return a.seq < b.seq; });
  return out;
}

Result<std::vector<PayerSum>> SqliteStore::WorkerPayerSums(AccountNumber worker) {
  db_->ResetAll();
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT entity,payer,money FROM worker_payers "
                                                "WHERE worker=? ORDER BY entity,payer"));
  s->Bind(1, static_cast<int64_t>(worker.value()));
  std::vector<PayerSum> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back({s->Text(0), static_cast<Payer>(s->Int(1)), s->Int(2)});
  }
  return out;
}

Result<int64_t> SqliteStore::CountWorkerReports(AccountNumber worker) {
  db_->ResetAll();
  ASSIGN_OR_RETURN(SqliteStmt * s,
                   db_->Prepare("SELECT reports FROM worker_reports WHERE worker=?"));
  ASSIGN_OR_RETURN(bool row, s->Bind(1, static_cast<int64_t>(worker.value())).Step());
  return row ? s->Int(0) : 0;
}

// One statement, so one implicit read transaction instead of a BEGIN and COMMIT around four
// statements (the WAL read lock alone was a third of the read's cost): the four reads' parts
// tagged by the first column.
Result<WorkerState> SqliteStore::ReadWorkerState(AccountNumber account) {
  db_->ResetAll();
  ASSIGN_OR_RETURN(
      SqliteStmt * s,
      db_->Prepare("SELECT 0, name, birth_date, 0, home_jurisdiction FROM workers WHERE account=?1 "
                   "UNION ALL SELECT 1, key, unit, balance, '' FROM accounts "
                   "WHERE key>=?2 AND key<?3 "
                   "UNION ALL SELECT 2, entity, payer, money, '' FROM worker_payers "
                   "WHERE worker=?1 "
                   "UNION ALL SELECT 3, '', reports, 0, '' FROM worker_reports WHERE worker=?1"));
  s->Bind(1, static_cast<int64_t>(account.value()));
  BindWorkerKeys(s, 2, account);
  WorkerState out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    switch (s->Int(0)) {
      case 0:
        out.worker = Worker{account, s->Text(1), Date::FromDays(static_cast<int32_t>(s->Int(2))),
                            s->Text(4)};
        break;
      case 1:
        out.balances.push_back({s->Text(1), static_cast<Unit>(s->Int(2)), s->Int(3)});
        break;
      case 2:
        out.payer_sums.push_back({s->Text(1), static_cast<Payer>(s->Int(2)), s->Int(3)});
        break;
      case 3:
        out.reports = s->Int(2);
        break;
      default:
        assert(false && "a part ReadWorkerState's statement does not have");
    }
  }
  db_->ResetAll();
  if (!out.worker) return WorkerState{};  // with no worker, nothing else
  // In the order the separate reads give (a handful of rows; see WorkerBalances).
  std::sort(out.balances.begin(), out.balances.end(),
            [](const AccountBalance& a, const AccountBalance& b) { return a.account < b.account; });
  std::sort(out.payer_sums.begin(), out.payer_sums.end(), [](const PayerSum& a, const PayerSum& b) {
    return std::tie(a.entity, a.payer) < std::tie(b.entity, b.payer);
  });
  return out;
}

Result<std::vector<StoredEntry>> SqliteStore::EntityEntries(const std::string& entity,
                                                            const std::string& after_report_id,
                                                            int64_t limit) {
  db_->ResetAll();
  static const std::string kSql = std::string("SELECT ") + kEntryColumns +
                                  " FROM entries WHERE entity=?1 AND report_id>?2 ORDER BY "
                                  "report_id LIMIT ?3";
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(kSql));
  s->Bind(1, entity).Bind(2, after_report_id).Bind(3, limit);
  std::vector<StoredEntry> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(s));
    out.push_back(std::move(e));
  }
  db_->ResetAll();
  return out;
}

Status SqliteStore::ScanEntries(Date from, Date to,
                                const std::function<Status(const StoredEntry&)>& fn) {
  static const std::string kSql = std::string("SELECT ") + kEntryColumns +
                                  " FROM entries WHERE seq>?1 AND work_date BETWEEN ?2 AND ?3 "
                                  "ORDER BY seq LIMIT 10000";
  int64_t after = 0;
  for (;;) {
    db_->ResetAll();
    std::vector<StoredEntry> page;
    ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(kSql));
    s->Bind(1, after).Bind(2, int64_t{from.days()}).Bind(3, int64_t{to.days()});
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(s));
      page.push_back(std::move(e));
    }
    db_->ResetAll();
    if (page.empty()) return Status::Ok();
    for (const StoredEntry& e : page) RETURN_IF_ERROR(fn(e));
    after = page.back().seq;
  }
}

Result<std::vector<StoredEntry>> SqliteStore::EntriesAfter(int64_t after_seq, int64_t limit) {
  static const std::string kSql =
      std::string("SELECT ") + kEntryColumns + " FROM entries WHERE seq>?1 ORDER BY seq LIMIT ?2";
  db_->ResetAll();
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(kSql));
  s->Bind(1, after_seq).Bind(2, limit);
  std::vector<StoredEntry> out;
  std::vector<std::string> legs;
  std::vector<uint64_t> accounts;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadReport(s));
    legs.emplace_back(s->Blob(14));
    AddLegAccountIds(legs.back(), &accounts);
  }
  db_->ResetAll();
  // The page's accounts at once, then each entry's legs from them.
  RETURN_IF_ERROR(dict_.LoadAccounts(std::move(accounts)));
  for (size_t i = 0; i < out.size(); ++i) {
    RETURN_IF_ERROR(DecodeLegs(legs[i], dict_, &out[i].entry, LegDetail::kMoneyLegs));
  }
  return out;
}

Result<VerifyResult> SqliteStore::Verify(const VerifyProgress& progress) {
  db_->ResetAll();
  ReadSnapshot snapshot(*this);  // batches committed meanwhile are simply not seen
  RETURN_IF_ERROR(snapshot.status());
  LedgerAudit audit;
  {
    ASSIGN_OR_RETURN(SqliteStmt * s,
                     db_->Prepare("SELECT id,key,unit,balance,batch FROM accounts ORDER BY id"));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      audit.StoredAccount(static_cast<uint64_t>(s->Int(0)), s->Text(1), static_cast<int>(s->Int(2)),
                          s->Int(3), s->Int(4));
    }
  }
  {
    ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT id,text,batch FROM strings ORDER BY id"));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      audit.StoredString(static_cast<uint64_t>(s->Int(0)), s->Text(1), s->Int(2));
    }
  }
  {
    ASSIGN_OR_RETURN(SqliteStmt * s,
                     db_->Prepare("SELECT id,key,basis,amount,batch FROM totals ORDER BY id"));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      audit.StoredTotal(static_cast<uint64_t>(s->Int(0)), s->Text(1),
                        RunningTotal{s->Int(2), s->Int(3)}, s->Int(4));
    }
  }
  {
    ASSIGN_OR_RETURN(SqliteStmt * s,
                     db_->Prepare("SELECT worker,entity,payer,money FROM worker_payers"));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      audit.StoredPayerSum(
          {static_cast<uint64_t>(s->Int(0)), s->Text(1), static_cast<Payer>(s->Int(2))}, s->Int(3));
    }
  }
  {
    ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare("SELECT worker,reports FROM worker_reports"));
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      audit.StoredReportCount(static_cast<uint64_t>(s->Int(0)), s->Int(1));
    }
  }
  ASSIGN_OR_RETURN(SqliteStmt * batches, db_->Prepare("SELECT id,prev_hash,hash,first_seq,entries "
                                                      "FROM batches ORDER BY id"));
  std::vector<std::tuple<int64_t, Hash, Hash, int64_t, int64_t>> list;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, batches->Step());
    if (!row) break;
    Hash p{}, h{};
    const auto pb = batches->Blob(1), hb = batches->Blob(2);
    if (pb.size() == 32) std::copy(pb.begin(), pb.end(), p.begin());
    if (hb.size() == 32) std::copy(hb.begin(), hb.end(), h.begin());
    list.emplace_back(batches->Int(0), p, h, batches->Int(3), batches->Int(4));
  }
  int64_t total = 0;
  for (const auto& batch : list) total += std::get<4>(batch);
  ASSIGN_OR_RETURN(SqliteStmt * s,
                   db_->Prepare(std::string("SELECT ") + kEntryColumns +
                                " FROM entries WHERE seq>=? AND seq<? ORDER BY seq"));
  for (const auto& [id, prev, hash, first_seq, count] : list) {
    audit.BeginBatch(id, prev, hash, first_seq, count);
    s->Reset();
    s->Bind(1, first_seq).Bind(2, first_seq + count);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      audit.AddEntry(ReadEntry(s), s->Blob(14));
    }
    audit.EndBatch();
    if (progress) progress(audit.entries(), total);
  }
  ASSIGN_OR_RETURN(int64_t total_entries, CountEntries());
  audit.AddOrphans(total_entries - audit.entries());
  return audit.Finish();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  if (sodium_init() < 0) return Status::Io("libsodium failed to initialise");
  ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path));
  SqliteDb& conn = *db;
  auto store = std::make_unique<SqliteStore>(std::move(db));
  RETURN_IF_ERROR(store->Migrate());
  RETURN_IF_ERROR(conn.CheckpointInBackground());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace accrue
