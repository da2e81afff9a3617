// Contribution aggregates for regulators: the money credited to workers by month of work,
// jurisdiction, program, benefit and payer.
//
// Contract:
//  - Derived from the ledger and kept in the module's own table (store/sql.h). Every read first
//    folds in the entries committed since the last fold, in ledger order, at most kFoldStep
//    entries at a time; each page's sums are written under the module's lock row, held only
//    for that write. So a read costs what was recorded since the previous one, not the whole
//    range; intake never waits for a page to be read; and several servers never fold an entry
//    twice.
//  - A correction's reversal counts in the month and jurisdiction of the report it reverses,
//    its own legs in its own. Payouts (money out) and one-offs (no program) are not counted;
//    a match counts under its program, paid by the government.
//  - Sums are exact (Money units, kept as decimal text so no column can overflow).
//  - Recompute() scans the whole ledger instead, for checking the folded table against.
//  - PeriodicFold folds in the background (as `accrue serve` does), so a read after a busy day
//    costs what came in since the last fold rather than the day.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/date.h"
#include "base/decimal.h"
#include "base/status.h"
#include "nlohmann/json.hpp"
#include "store/store.h"

namespace accrue::aggregates {

inline constexpr int64_t kFoldStep = 10'000;
// PeriodicFold's step. Each step's commit makes every other connection drop its page cache and
// mapping of the file (SQLite's rule on any change), so the background fold takes fewer, larger
// steps: a step of 100,000 entries reads for about 0.7 s, still read a page at a time.
inline constexpr int64_t kPeriodicFoldStep = 100'000;
// The niceness of PeriodicFold's thread.
inline constexpr int kFoldNice = 10;

struct Row {
  std::string month;  // "2026-09"
  std::string jurisdiction, program, benefit, payer;
  MoneySum amount;
  friend bool operator==(const Row&, const Row&) = default;
};

// Folds in the entries committed since the last fold, `step` at a time (each step one
// transaction); Contributions() does this first. With `cancel`, stops between steps once it is
// true (what is folded stays folded; the rest waits for the next fold).
Status Fold(Store& store, int64_t step = kFoldStep, const std::atomic<bool>* cancel = nullptr);

// Rows for the months `from`..`to` ("YYYY-MM", inclusive), in key order; rows that net to zero
// are left out.
Result<std::vector<Row>> Contributions(Store& store, const std::string& from,
                                       const std::string& to);
Result<std::vector<Row>> Recompute(Store& store, const std::string& from, const std::string& to);

// Folds every `period`, kPeriodicFoldStep entries a step, on a store of its own from `open`, on
// a thread at niceness kFoldNice (or the process's, if higher) and scheduling policy SCHED_IDLE
// except while it holds the write lock, until destroyed (which stops a fold under way after its
// current step). A failed fold or open (a busy or unreachable database) goes to `on_error` and
// is tried again, on a fresh connection, the next period; each fold that caught up calls
// `on_fold` (on the fold's thread), so a server can show when it last did.
class PeriodicFold {
 public:
  using Opener = std::function<Result<std::unique_ptr<Store>>()>;
  PeriodicFold(Opener open, std::chrono::milliseconds period,
               std::function<void(const Status&)> on_error,
               std::function<void()> on_fold = nullptr);
  ~PeriodicFold();
  PeriodicFold(const PeriodicFold&) = delete;
  PeriodicFold& operator=(const PeriodicFold&) = delete;

  int64_t folds() const { return folds_.load(); }  // that returned without error

 private:
  void Run();

  Opener open_;
  std::chrono::milliseconds period_;
  std::function<void(const Status&)> on_error_;
  std::function<void()> on_fold_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};  // set under mu_; a fold under way reads it between steps
  std::atomic<int64_t> folds_{0};
  std::thread thread_;
};

// The JSON form the CLI's --json and the API share: {"from", "to", "rows": [{"month",
// "jurisdiction", "program", "benefit", "payer", "amount"}]}, amounts in dollars and cents.
nlohmann::json ToJson(const std::string& from, const std::string& to, const std::vector<Row>& rows);

}  // namespace accrue::aggregates
