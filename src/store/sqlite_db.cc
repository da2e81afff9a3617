#include "store/sqlite_db.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "store/sqlite_page_cache.h"
#include "store/store.h"

namespace accrue {

// One thread and one connection per database file, woken by the commits of every connection
// that asked for it. The wake-ups of a burst of commits fold into one checkpoint.
//
// The WAL starts over from its beginning only when a write transaction begins with every frame
// copied and no reader reading from the WAL (a reader that begins after a whole copy reads the
// file alone). A writer that begins again at once races the thread, and a pipelined ingest's
// reader always holds a snapshot, so the WAL would grow without end. A commit that leaves it at
// kWalRestartPages or more therefore waits until every frame is copied, which happens once the
// readers have let go of the snapshots that needed them; the readers and the writer that begin
// next then let the WAL start over. A reader that holds on longer than kPatience costs one
// commit that wait, and the WAL grows on as under SQLite's own checkpoint.
//
// Once nobody has committed for kQuietSpell, the thread also copies what the last commits left
// below the threshold. A reader that begins with every frame copied reads the file alone; one
// that begins with frames left looks up each page it reads in the WAL's index first.
class WalCheckpointer {
 public:
  // The checkpointer of the file, opened on first use and closed with its last user.
  static Result<std::shared_ptr<WalCheckpointer>> ForFile(const std::string& path) {
    static std::mutex mu;
    static std::map<std::string, std::weak_ptr<WalCheckpointer>> open;
    std::lock_guard<std::mutex> lock(mu);
    std::erase_if(open, [](const auto& kv) { return kv.second.expired(); });
    std::weak_ptr<WalCheckpointer>& slot = open[path];
    if (auto existing = slot.lock()) return existing;
    sqlite3* db = nullptr;
    // A connection finds the WAL with its first read; until then a checkpoint does nothing.
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
            SQLITE_OK ||
        sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) !=
            SQLITE_OK) {
      std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      return Status::Io("cannot open database '" + path + "' to checkpoint it: " + msg);
    }
    auto made = std::shared_ptr<WalCheckpointer>(new WalCheckpointer(db));
    slot = made;
    return made;
  }
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;
  ~WalCheckpointer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    sqlite3_close(db_);  // the file's last connection checkpoints and removes the WAL
  }

  void ReadStats(WalStats* out) {
    std::lock_guard<std::mutex> lock(mu_);
    out->pages = wal_pages_.load(std::memory_order_relaxed);
    out->checkpoints = done_.load(std::memory_order_relaxed);
    out->commits_waited = waited_;
    out->waits_given_up = gave_up_;
  }

  // sqlite3_wal_hook's callback, run by the committing thread once the commit is durable and
  // its locks are released: `self` is the checkpointer.
  static int OnCommit(void* self, sqlite3* /*db*/, const char* /*schema*/, int wal_pages) {
    auto* checkpointer = static_cast<WalCheckpointer*>(self);
    checkpointer->commits_.fetch_add(1, std::memory_order_relaxed);
    checkpointer->wal_pages_.store(wal_pages, std::memory_order_relaxed);
    if (wal_pages >= kWalCheckpointPages) checkpointer->Request(wal_pages);
    return SQLITE_OK;
  }

 private:
  // How long a commit waits for every frame to be copied before it gives up.
  static constexpr auto kPatience = std::chrono::milliseconds(250);
  // How long the thread waits without a commit before it copies the frames left.
  static constexpr auto kQuietSpell = std::chrono::milliseconds(100);

  explicit WalCheckpointer(sqlite3* db) : db_(db), thread_([this] { Run(); }) {}

  // Asks for a checkpoint that starts after this call. From wait_at_ pages on, waits until the
  // thread has copied every frame, retrying while a reader's snapshot still needs some (a
  // reader that began before the copy would keep the WAL from starting over).
  void Request(int wal_pages) {
    std::unique_lock<std::mutex> lock(mu_);
    if (wal_pages < kWalRestartPages) wait_at_ = kWalRestartPages;  // it started over
    const bool whole = wal_pages >= wait_at_;
    const uint64_t ticket = ++requested_;
    whole_ = whole_ || whole;
    wake_.notify_one();
    if (!whole) return;
    finished_cv_.wait(lock, [&] { return finished_ >= ticket || stopping_; });
    ++waited_;
    // A reader held on past kPatience (a long query): the commits after this one go on without
    // waiting until the WAL has grown by as much again, so that reader stalls one commit only.
    if (!copied_all_) {
      ++gave_up_;
      wait_at_ = wal_pages + kWalRestartPages;
    }
  }

  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    uint64_t seen = 0;  // commits counted when the thread last woke
    for (;;) {
      if (!wake_.wait_for(lock, kQuietSpell, [&] { return stopping_ || requested_ > finished_; })) {
        CopyWhatIsLeftWhenQuiet(lock, &seen);
        continue;
      }
      if (stopping_) return;
      const uint64_t serving = requested_;
      const bool whole = std::exchange(whole_, false);
      lock.unlock();
      const uint64_t commits = commits_.load(std::memory_order_relaxed);
      const auto give_up = std::chrono::steady_clock::now() + kPatience;
      bool all = Checkpoint();
      while (!all && whole && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        all = Checkpoint();
      }
      lock.lock();
      if (all) copied_through_ = std::max(copied_through_, commits);
      copied_all_ = all;
      finished_ = serving;
      finished_cv_.notify_all();
    }
  }

  // Called each kQuietSpell without a request: copies the frames of commits not yet copied
  // whole, once none has come since the last call. A reader still on an older snapshot keeps
  // some frames; the next quiet spell tries again.
  void CopyWhatIsLeftWhenQuiet(std::unique_lock<std::mutex>& lock, uint64_t* seen) {
    const uint64_t commits = commits_.load(std::memory_order_relaxed);
    const bool quiet = commits == std::exchange(*seen, commits);
    if (!quiet || commits == copied_through_) return;
    lock.unlock();
    const bool all = Checkpoint();
    lock.lock();
    if (all) copied_through_ = commits;
  }

  // One passive checkpoint: it copies what no reader still needs and waits for nobody. True if
  // it copied every frame; false if a reader still needs some, or another checkpoint (another
  // process's) was running.
  bool Checkpoint() {
    int frames = 0;
    int copied = 0;
    if (sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_PASSIVE, &frames, &copied) !=
        SQLITE_OK) {
      return false;
    }
    done_.fetch_add(1, std::memory_order_relaxed);
    return copied >= frames;
  }

  sqlite3* const db_;
  std::mutex mu_;
  std::condition_variable wake_;         // requests for the thread
  std::condition_variable finished_cv_;  // checkpoints finished, for waiting commits
  uint64_t requested_ = 0;               // guarded by mu_
  uint64_t finished_ = 0;                // the last request served; guarded by mu_
  bool whole_ = false;                   // a waiting commit wants every frame; guarded by mu_
  bool copied_all_ = false;              // by the last checkpoint served; guarded by mu_
  int wait_at_ = kWalRestartPages;       // WAL pages from which a commit waits; guarded by mu_
  bool stopping_ = false;                // guarded by mu_
  int64_t waited_ = 0;                   // commits that waited; guarded by mu_
  int64_t gave_up_ = 0;                  // ... and found frames left; guarded by mu_
  uint64_t copied_through_ = 0;          // commits counted before the last whole copy
  std::atomic<uint64_t> commits_{0};     // by every connection to the file, in WAL mode
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> wal_pages_{0};  // after the last commit
  std::thread thread_;                 // last, so it starts after the rest is set
};

SqliteStmt& SqliteStmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}

SqliteStmt& SqliteStmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

SqliteStmt& SqliteStmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStmt& SqliteStmt::BindBlob(int i, std::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStmt& SqliteStmt::BindView(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

SqliteStmt& SqliteStmt::BindBlobView(int i, std::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

SqliteStmt& SqliteStmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> SqliteStmt::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    if (busy_ != nullptr && !listed_) {
      busy_->push_back(this);
      listed_ = true;
    }
    return true;
  }
  if (rc == SQLITE_DONE) return false;
  const int ext = sqlite3_extended_errcode(db_);
  std::string msg = std::string("database: ") + sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Status::Conflict(msg);
  }
  return Status::Io(msg);
}

Status SqliteStmt::Run() {
  for (;;) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

std::string SqliteStmt::Text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
}

std::string_view SqliteStmt::TextView(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);  // before the size, as SQLite asks
  const int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(p), n);
}

std::string_view SqliteStmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(p), n);
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  // Memory statistics put every allocation of every connection behind one global mutex,
  // which the server's threads then queue on; nothing here reads them. The page cache is
  // pcache1 with a cheaper truncate (store/sqlite_page_cache.h). Both must precede the
  // library's initialization, so they are set once before the first open (and are a harmless
  // no-op if something initialized SQLite earlier).
  static std::once_flag configured;
  std::call_once(configured, [] {
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)InstallSqlitePageCache();
  });
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::Io("cannot open database '" + path + "': " + msg);
  }
  sqlite3_busy_timeout(db, 30000);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db));
}

SqliteDb::~SqliteDb() {
  cache_.clear();
  sqlite3_close(db_);
}

Status SqliteDb::CheckpointInBackground() {
  const char* file = sqlite3_db_filename(db_, "main");
  if (file == nullptr || *file == '\0' || checkpointer_ != nullptr) return Status::Ok();
  ASSIGN_OR_RETURN(checkpointer_, WalCheckpointer::ForFile(file));
  // Replaces the automatic checkpoint, which is itself a WAL hook.
  sqlite3_wal_hook(db_, &WalCheckpointer::OnCommit, checkpointer_.get());
  return Status::Ok();
}

bool SqliteDb::ReadWalStats(WalStats* out) const {
  if (checkpointer_ == nullptr) return false;
  checkpointer_->ReadStats(out);
  return true;
}

Status SqliteDb::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Io("database: " + msg);
  }
  return Status::Ok();
}

void SqliteDb::ResetAll() {
  // Only statements that stepped onto a row can hold a read transaction open.
  for (SqliteStmt* stmt : busy_) {
    sqlite3_reset(stmt->stmt_);
    stmt->listed_ = false;
  }
  busy_.clear();
}

Result<SqliteStmt*> SqliteDb::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK) {
      return Status::Io(std::string("database: ") + sqlite3_errmsg(db_) +
                        " in: " + std::string(sql));
    }
    it = cache_.emplace(std::string(sql), std::make_unique<SqliteStmt>(db_, stmt, &busy_)).first;
  }
  return &it->second->Reset();
}

}  // namespace accrue

namespace accrue {

Result<std::vector<SqlRow>> SqliteSql::Query(std::string_view sql,
                                             const std::vector<SqlValue>& params) {
  db_->ResetAll();
  auto it = translated_.find(std::string(sql));
  if (it == translated_.end()) {
    std::string text(sql);
    for (char& c : text) {
      if (c == '$') c = '?';
    }
    it = translated_.emplace(std::string(sql), std::move(text)).first;
  }
  ASSIGN_OR_RETURN(SqliteStmt * s, db_->Prepare(it->second));
  for (size_t i = 0; i < params.size(); ++i) {
    const int at = static_cast<int>(i) + 1;
    if (const auto* n = std::get_if<int64_t>(&params[i])) {
      s->Bind(at, *n);
    } else if (const auto* t = std::get_if<std::string>(&params[i])) {
      s->Bind(at, std::string_view(*t));
    } else {
      s->BindNull(at);
    }
  }
  std::vector<SqlRow> rows;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    SqlRow r;
    const int n = sqlite3_column_count(s->stmt_);
    r.values.reserve(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(s->stmt_, c)) {
        case SQLITE_NULL:
          r.values.emplace_back(std::monostate());
          break;
        case SQLITE_INTEGER:
          r.values.emplace_back(s->Int(c));
          break;
        default:
          r.values.emplace_back(s->Text(c));
      }
    }
    rows.push_back(std::move(r));
  }
  db_->ResetAll();
  return rows;
}

Status SqliteSql::Exec(const std::string& sql) {
  db_->ResetAll();
  return db_->Exec(sql);
}

Status SqliteSql::Begin() { return Exec("BEGIN IMMEDIATE"); }
Status SqliteSql::Commit() { return Exec("COMMIT"); }
void SqliteSql::Rollback() { (void)Exec("ROLLBACK"); }

}  // namespace accrue
