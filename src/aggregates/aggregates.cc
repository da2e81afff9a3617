// Contribution aggregates folded from the ledger into a table of their own.
#include "aggregates/aggregates.h"

#include <linux/capability.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "ledger/ledger.h"
#include "policy/policy.h"
#include "store/sql.h"

namespace accrue::aggregates {
namespace {

struct Key {
  std::string month, jurisdiction, program, benefit, payer;
  auto operator<=>(const Key&) const = default;
};
using Sums = std::map<Key, __int128>;

std::string Int128ToText(__int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : v;
  std::string digits;
  for (; u != 0; u /= 10) digits.insert(digits.begin(), static_cast<char>('0' + (u % 10)));
  return negative ? "-" + digits : digits;
}

Result<__int128> TextToInt128(const std::string& text) {
  size_t i = text.starts_with("-") ? 1 : 0;
  if (i == text.size() || text.size() > 40) return Status::Corruption("aggregate '" + text + "'");
  __int128 v = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return Status::Corruption("aggregate '" + text + "'");
    v = v * 10 + (text[i] - '0');
  }
  return text.starts_with("-") ? -v : v;
}

// Where a leg counts: the work's month and jurisdiction.
struct Place {
  std::string month, jurisdiction;
};

// Adds the money an entry credited to workers under a program.
Status AddEntry(Store& store, const StoredEntry& stored, Sums* sums) {
  const Entry& e = stored.entry;
  if (e.kind == EntryKind::kPayout) return Status::Ok();  // money out, not paid in
  const Place own{e.report.work_date.MonthKey(), e.report.jurisdiction};
  Place reversed = own;
  if (e.reversed_legs > 0 && !e.report.replaces.empty()) {
    ASSIGN_OR_RETURN(auto replaced, store.FindReport(e.report.entity, e.report.replaces));
    if (replaced) {
      const WorkReport& r = replaced->entry.report;
      reversed = {r.work_date.MonthKey(), r.jurisdiction};
    }
  }
  for (size_t i = 0; i < e.legs.size(); ++i) {
    const Leg& leg = e.legs[i];
    // A one-off names no program (no rule); a match names its program and the government.
    if (leg.unit != Unit::kMoney || leg.rule.empty() || !WorkerOfAccount(leg.account).valid()) {
      continue;
    }
    const Place& at = i < e.reversed_legs ? reversed : own;
    (*sums)[{at.month, at.jurisdiction, leg.rule.substr(0, leg.rule.find('@')),
             leg.account.substr(leg.account.find('/', 2) + 1), PayerName(leg.payer)}] += leg.amount;
  }
  return Status::Ok();
}

Status EnsureSchema(Store& store) {
  return MigrateModule(
      store.sql(), "aggregates",
      {{1,
        "CREATE TABLE aggregate_mark(id BIGINT PRIMARY KEY, seq BIGINT NOT NULL);"
        "INSERT INTO aggregate_mark(id, seq) VALUES(1, 0);"
        "CREATE TABLE contribution_aggregates(month TEXT NOT NULL, jurisdiction TEXT NOT NULL,"
        " program TEXT NOT NULL, benefit TEXT NOT NULL, payer TEXT NOT NULL,"
        " units TEXT NOT NULL, PRIMARY KEY(month, jurisdiction, program, benefit, payer));"}});
}

// Adds `sums` to the table's rows.
Status WriteSums(SqlConn& sql, const Sums& sums) {
  for (const auto& [k, units] : sums) {
    const std::vector<SqlValue> key = {k.month, k.jurisdiction, k.program, k.benefit, k.payer};
    ASSIGN_OR_RETURN(auto rows, sql.Query("SELECT units FROM contribution_aggregates WHERE month "
                                          "= $1 AND jurisdiction = $2 AND program = $3 AND "
                                          "benefit = $4 AND payer = $5",
                                          key));
    __int128 total = units;
    if (!rows.empty()) {
      ASSIGN_OR_RETURN(__int128 before, TextToInt128(rows[0].Text(0)));
      total += before;
    }
    std::vector<SqlValue> params = key;
    params.emplace_back(Int128ToText(total));
    RETURN_IF_ERROR(sql.Query(rows.empty() ? "INSERT INTO contribution_aggregates(month, "
                                             "jurisdiction, program, benefit, payer, units) "
                                             "VALUES($1, $2, $3, $4, $5, $6)"
                                           : "UPDATE contribution_aggregates SET units = $6 "
                                             "WHERE month = $1 AND jurisdiction = $2 AND "
                                             "program = $3 AND benefit = $4 AND payer = $5",
                              params)
                        .status());
  }
  return Status::Ok();
}

Result<int64_t> FoldedThrough(SqlConn& sql) {
  ASSIGN_OR_RETURN(auto mark, sql.Query("SELECT seq FROM aggregate_mark WHERE id = 1"));
  return mark.at(0).Int(0);
}

// Entries are decoded this many at a time, so that the memory one read fills is reused by the
// next: decoding 10,000 at once faulted fresh memory in at every step, and a thousand at a time
// took a sixth off a fold of 290,000 entries (4.19 s to 3.53 s).
constexpr int64_t kReadPage = 1'000;

// Sums up to `limit` entries after seq `after`, a read page at a time; returns how many there
// were and `*through`, the last one's seq.
Result<int64_t> SumEntriesAfter(Store& store, int64_t after, int64_t limit, Sums* sums,
                                int64_t* through) {
  int64_t read = 0;
  *through = after;
  while (read < limit) {
    const int64_t want = std::min(kReadPage, limit - read);
    ASSIGN_OR_RETURN(auto page, store.EntriesAfter(*through, want));
    for (const StoredEntry& e : page) RETURN_IF_ERROR(AddEntry(store, e, sums));
    read += static_cast<int64_t>(page.size());
    if (!page.empty()) *through = page.back().seq;
    if (static_cast<int64_t>(page.size()) < want) break;
  }
  return read;
}

// Set on PeriodicFold's thread once it runs under SCHED_IDLE: it reads and sums only when a
// processor is otherwise idle, and takes the write lock at its normal policy (still niced), so
// that a fold starved by requests never holds up intake's commits. Without the right to return
// to the normal policy the thread stays at its niceness alone.
thread_local bool idle_folder = false;

class NormalPolicyWhileLocked {
 public:
  NormalPolicyWhileLocked() { Set(SCHED_OTHER); }
  ~NormalPolicyWhileLocked() { Set(SCHED_IDLE); }
  NormalPolicyWhileLocked(const NormalPolicyWhileLocked&) = delete;
  NormalPolicyWhileLocked& operator=(const NormalPolicyWhileLocked&) = delete;

 private:
  static void Set(int policy) {
    if (!idle_folder) return;
    const sched_param param{};
    (void)sched_setscheduler(0, policy, &param);  // 0: this thread
  }
};

// Whether this thread, at niceness `nice`, may leave SCHED_IDLE again: the kernel asks of that
// what it asks of lowering the niceness to `nice` (RLIMIT_NICE, or CAP_SYS_NICE).
bool CanLeaveIdlePolicy(int nice) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NICE, &limit) == 0 && limit.rlim_cur >= static_cast<rlim_t>(20 - nice)) {
    return true;
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct caps[2] = {};
  return syscall(SYS_capget, &header, caps) == 0 &&
         (caps[CAP_SYS_NICE / 32].effective & (1u << (CAP_SYS_NICE % 32))) != 0;
}

// Folds up to `step` entries committed since the last fold; false once there were none left.
// They are read and summed before the write lock is taken, so intake waits only for the sums
// to be written, not for entries to be decoded. Under the lock the mark is read again: if
// another folder moved it meanwhile, the sums are dropped and the entries read afresh.
Result<bool> FoldStep(Store& store, int64_t step) {
  SqlConn& sql = store.sql();
  ASSIGN_OR_RETURN(const int64_t from, FoldedThrough(sql));
  Sums sums;
  int64_t through = from;
  ASSIGN_OR_RETURN(const int64_t read, SumEntriesAfter(store, from, step, &sums, &through));
  if (read == 0) return false;
  bool raced = false;
  const NormalPolicyWhileLocked normal;
  RETURN_IF_ERROR(InSqlTransaction(sql, [&]() -> Status {
    // The lock row: one folder at a time, so no entry is counted twice.
    RETURN_IF_ERROR(sql.Query("UPDATE aggregate_mark SET seq = seq WHERE id = 1").status());
    ASSIGN_OR_RETURN(const int64_t now, FoldedThrough(sql));
    if (now != from) {
      raced = true;
      return Status::Ok();
    }
    RETURN_IF_ERROR(WriteSums(sql, sums));
    return sql.Query("UPDATE aggregate_mark SET seq = $1 WHERE id = 1", {through}).status();
  }));
  return raced || read == step;
}

std::vector<Row> RowsOf(const Sums& sums) {
  std::vector<Row> out;
  for (const auto& [k, units] : sums) {
    if (units == 0) continue;
    Row r{k.month, k.jurisdiction, k.program, k.benefit, k.payer, {}};
    r.amount = MoneySum::FromUnits(units);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

Status Fold(Store& store, int64_t step, const std::atomic<bool>* cancel) {
  if (step <= 0) throw std::invalid_argument("a fold step must be positive");
  RETURN_IF_ERROR(EnsureSchema(store));
  for (;;) {
    if (cancel != nullptr && cancel->load()) return Status::Ok();
    ASSIGN_OR_RETURN(bool more, FoldStep(store, step));
    if (!more) return Status::Ok();
  }
}

Result<std::vector<Row>> Contributions(Store& store, const std::string& from,
                                       const std::string& to) {
  RETURN_IF_ERROR(Fold(store));
  ASSIGN_OR_RETURN(auto rows, store.sql().Query("SELECT month, jurisdiction, program, benefit, "
                                                "payer, units FROM contribution_aggregates WHERE "
                                                "month BETWEEN $1 AND $2",
                                                {from, to}));
  Sums sums;
  for (const SqlRow& r : rows) {
    ASSIGN_OR_RETURN(__int128 units, TextToInt128(r.Text(5)));
    sums[{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4)}] = units;
  }
  return RowsOf(sums);
}

Result<std::vector<Row>> Recompute(Store& store, const std::string& from, const std::string& to) {
  Sums sums;
  int64_t after = 0;
  for (;;) {
    int64_t through = after;
    ASSIGN_OR_RETURN(const int64_t read, SumEntriesAfter(store, after, kFoldStep, &sums, &through));
    if (read < kFoldStep) break;
    after = through;
  }
  std::erase_if(sums, [&](const auto& kv) { return kv.first.month < from || kv.first.month > to; });
  return RowsOf(sums);
}

PeriodicFold::PeriodicFold(Opener open, std::chrono::milliseconds period,
                           std::function<void(const Status&)> on_error,
                           std::function<void()> on_fold)
    : open_(std::move(open)),
      period_(period),
      on_error_(std::move(on_error)),
      on_fold_(std::move(on_fold)) {
  if (period_.count() <= 0) throw std::invalid_argument("a fold period must be positive");
  thread_ = std::thread([this] { Run(); });
}

PeriodicFold::~PeriodicFold() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PeriodicFold::Run() {
  // Folding is catch-up work: requests come first when the processors are busy. Niceness alone
  // left the fold 15% of the server's processor time under a read load (README).
  const auto self = static_cast<id_t>(gettid());
  setpriority(PRIO_PROCESS, self, std::max(getpriority(PRIO_PROCESS, self), kFoldNice));
  const sched_param param{};
  idle_folder = CanLeaveIdlePolicy(getpriority(PRIO_PROCESS, self)) &&
                sched_setscheduler(0, SCHED_IDLE, &param) == 0;
  std::unique_ptr<Store> store;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (wake_.wait_for(lock, period_, [this] { return stop_.load(); })) return;
    }
    Status st;
    if (store == nullptr) {
      auto opened = open_();
      // A fold reads many entries for each row it writes: on SQLite, mapped reads took a fifth
      // off a fold of 290,000 entries (2.58 s to 2.00 s; the page cache is no longer faulted in).
      st = opened.ok() ? (*opened)->TuneForReads() : opened.status();
      if (st.ok()) store = std::move(*opened);
    }
    if (store != nullptr) {
      st = Fold(*store, kPeriodicFoldStep, &stop_);
      store->Idle();  // it waits a period for the next fold
    }
    if (st.ok()) {
      ++folds_;
      if (on_fold_) on_fold_();
    } else {
      store.reset();
      on_error_(st);
    }
  }
}

nlohmann::json ToJson(const std::string& from, const std::string& to,
                      const std::vector<Row>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const Row& r : rows) {
    out.push_back({{"month", r.month},
                   {"jurisdiction", r.jurisdiction},
                   {"program", r.program},
                   {"benefit", r.benefit},
                   {"payer", r.payer},
                   {"amount", r.amount.ToFixed(2)}});
  }
  return {{"from", from}, {"to", to}, {"rows", out}};
}

}  // namespace accrue::aggregates
