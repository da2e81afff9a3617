// The double-entry ledger: entries of balanced legs, their encoding and the hash chain.
//
// Every change to what a worker holds is an Entry: a set of legs that sums to zero in each
// unit (money, leave hours). Entries are only ever appended; a correction is a new entry that
// carries the exact reversal of the replaced report's legs plus the new ones. Balances and
// running totals are derived from legs and deltas, so `verify` can recompute them.
//
// A worker's balance never goes below zero. A correction that would take back more than an
// account holds (the money or hours were already paid out) keeps the difference: a held-back
// leg puts it on the worker's account and leaves it owed by the payer (KeepPaidOut).
//
// Account keys (one unit each):
//   W/<account>/<benefit>          a worker's money for a benefit
//   W/<account>/<benefit>/h        a worker's leave hours for a benefit
//   E/<entity>/<YYYY-MM>/employer  what a hiring entity owes for a month, its own share
//   E/<entity>/<YYYY-MM>/withheld  what it withheld from workers' pay and owes on their behalf
//   G/<jurisdiction>/<YYYY-MM>     a government fund's subsidy (or match) for a month
//   V/<account>/<YYYY-MM>          a worker's own money paid in as one-off contributions
//   L/<pack>/<YYYY>                leave hours granted under a program in a year
//   P/<provider>/<benefit>         money a provider paid out of its members' accounts
//   P/<provider>/<benefit>/h       leave hours its members were paid for
//
// A payout (approved leave pay, claim or withdrawal) is an entry of its own kind: it moves
// money or hours from the worker's account to the provider's paid-out account, so nothing is
// created or lost and the worker's balance falls by exactly what was paid. It is stored like a
// report under the reserved entity kPayoutEntity (no hiring entity id can hold '@'), with the
// request's reference as report id, the worker, and the day paid as work date; it reports no
// hours, earnings or jobs. Its hashed text is prefixed so that it can never pass for a report.
//
// Two more kinds follow the same pattern (contributions/contributions.h):
//   kContribution  a worker's one-off voluntary contribution, under kContributionEntity: it
//                  debits V/<account>/<YYYY-MM> (the worker's own money, received) and credits
//                  the worker's benefit account; the reference is the report id.
//   kMatch         a government match settled for a calendar year, under kMatchEntity: it
//                  debits G/<jurisdiction>/<YYYY-MM> and credits the worker's benefit account
//                  (a negative adjustment after a correction does the reverse).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "base/status.h"
#include "domain/domain.h"
#include "engine/engine.h"

namespace accrue {

enum class Unit : uint8_t { kMoney = 0, kHours = 1 };

struct Leg {
  std::string account;
  Unit unit = Unit::kMoney;
  int64_t amount = 0;  // Money or Hours units; positive credits the account
  std::string rule;    // rule uid behind a worker credit; empty on the paying side
  Payer payer = Payer::kHiringEntity;
  int64_t quantity = 0;  // basis counted (hours worked for accruals)
  std::string rate;      // "2.00/h", "1 h per 30 h worked"
  std::string note;      // caps, minimums, reversals
};

enum class EntryKind : uint8_t {
  kReport = 1,
  kCorrection = 2,
  kPayout = 3,
  kContribution = 4,
  kMatch = 5
};

inline constexpr const char* kPayoutEntity = "@payout";
inline constexpr const char* kContributionEntity = "@worker";
inline constexpr const char* kMatchEntity = "@match";

// Whether the entry records reported work (a report or a correction), as opposed to a payout,
// one-off contribution or match stored under a reserved entity.
inline bool IsWorkEntry(EntryKind kind) {
  return kind == EntryKind::kReport || kind == EntryKind::kCorrection;
}

// A correction's first `reversed_legs` legs and `reversed_deltas` deltas undo the report it
// replaces; the rest are its own. Correcting a correction reverses only the latter's own part.
struct Entry {
  EntryKind kind = EntryKind::kReport;
  WorkReport report;
  std::vector<Leg> legs;
  std::vector<TotalsDelta> deltas;
  uint32_t reversed_legs = 0;
  uint32_t reversed_deltas = 0;
};

// The account number as the 12 zero-padded digits used in keys.
std::string AccountDigits(AccountNumber worker);
// "W/<account>/": how every key of the worker's accounts begins.
std::string WorkerAccountPrefix(AccountNumber worker);
// The worker's account key for a benefit.
std::string WorkerAccount(AccountNumber worker, const std::string& benefit, Unit unit);
// The owning worker of a key, or an invalid AccountNumber for a non-worker account.
AccountNumber WorkerOfAccount(std::string_view key);

// Money on workers' accounts by whom it came from: the money legs an entry posts to worker
// accounts, summed by (worker, the entry's entity, the leg's payer). The store keeps these
// sums with every batch, so a worker's balance "by payer" is a lookup rather than a replay of
// their history; verify recomputes them from the entries.
using PayerSumKey = std::tuple<uint64_t, std::string, Payer>;  // worker, entity, payer
using PayerSums = std::map<PayerSumKey, int64_t>;
void AddPayerSums(const Entry& e, PayerSums* sums);
// How many work reports (reports and corrections, not payouts, contributions or matches) each
// worker has, by worker: kept with every batch like the payer sums, so a balance's "reports"
// is a lookup too.
using ReportCounts = std::map<uint64_t, int64_t>;
void AddReportCount(const Entry& e, ReportCounts* counts);

// Legs and deltas for a fresh report from the engine's evaluation.
Entry BuildEntry(const WorkReport& report, const Evaluation& eval);
// The exact reversal of `replaced`'s own legs and deltas (not of what it itself reversed).
Entry BuildReversal(const Entry& replaced);
// The correction entry: `reversal` (from BuildReversal) followed by `fresh`'s legs and deltas.
Entry BuildCorrection(Entry reversal, Entry fresh);
// Keeps `amount` (> 0) on a worker's `account` that `correction` would otherwise take back,
// because it was already paid out: adds a leg crediting the account (with the rule of the
// reversed leg) and one charging the payer — the corrected report's payer account of the same
// unit, or the replaced report's when the corrected report has none. Both go after the
// reversal, so correcting the correction undoes them with the rest of its own part.
void KeepPaidOut(Entry* correction, const std::string& account, Unit unit, int64_t amount);

// One approved payout: `hours` of a leave benefit and/or `money` from a benefit's account.
struct Payout {
  AccountNumber worker;
  std::string reference;  // "request-17": unique among payouts
  Date paid;
  std::string provider;
  std::string benefit;
  Hours hours;       // not negative
  Money money;       // not negative
  std::string rule;  // "<pack>@<version>/leave.sick_leave", or empty
  std::string rate;  // "21.6666/h", "120.00/day", or empty
  std::string note;
};
// The entry that pays `payout`: each nonzero quantity debits the worker's account and credits
// the provider's paid-out account.
Entry BuildPayout(const Payout& payout);
// Money moved into a worker's benefit account from outside any work report: a one-off
// contribution (source V/<account>/<YYYY-MM>) or a match (source G/<jurisdiction>/<YYYY-MM>).
struct Credit {
  EntryKind kind = EntryKind::kContribution;  // kContribution or kMatch
  AccountNumber worker;
  std::string reference;  // unique among entries of its kind
  Date day;
  std::string benefit;
  Money amount;              // positive credits the worker; a negative match takes back
  std::string jurisdiction;  // kMatch: the paying government
  std::string rule;          // kMatch: "<pack>@<version>/match.<benefit>"
  std::string rate;
  std::string note;
};
Entry BuildCredit(const Credit& credit);
// The kind of a stored entry, from what its row holds.
EntryKind EntryKindOf(const WorkReport& report);
// The text an entry contributes to the hash chain (a report's Canonical(); prefixed for payouts).
std::string EntryCanonical(const Entry& entry);

// Fails unless the legs sum to zero in each unit.
Status CheckBalanced(const Entry& entry);

// What the encoding needs to turn strings into small stored ids and back. The store implements
// it; ids are stable once written.
class Dictionary {
 public:
  virtual ~Dictionary() = default;
  virtual uint64_t AccountId(const std::string& key, Unit unit) = 0;
  virtual uint64_t StringId(const std::string& text) = 0;
  virtual uint64_t TotalsId(const std::string& key) = 0;
  virtual Result<std::string> Account(uint64_t id) const = 0;
  virtual Result<Unit> AccountUnit(uint64_t id) const = 0;
  virtual Result<std::string> String(uint64_t id) const = 0;
  virtual Result<std::string> TotalsKey(uint64_t id) const = 0;
};

// What a batch's entries change, by dictionary id. EncodeLegs adds each entry's legs and deltas
// as it interns their keys, so that a store interns each key once and writes each touched row
// once.
struct DeltaSums {
  absl::flat_hash_map<uint64_t, int64_t> balances;     // account id → amount
  absl::flat_hash_map<uint64_t, RunningTotal> totals;  // running-total id → change
};

// Compact binary form of an entry's legs and deltas (varints over dictionary ids); with `sums`,
// also adds the entry's changes to them.
std::string EncodeLegs(const Entry& entry, Dictionary& dict, DeltaSums* sums = nullptr);
// What decoding resolves. kMoneyLegs is what folds of the ledger need: each leg's account,
// unit, amount, rule, payer and quantity, but not its rate and note texts nor the running-total
// deltas (left empty), whose dictionary lookups would be most of the cost.
enum class LegDetail { kAll, kMoneyLegs };
Status DecodeLegs(std::string_view blob, const Dictionary& dict, Entry* entry,
                  LegDetail detail = LegDetail::kAll);
// Appends the account ids the blob's legs name, without looking any up, so that a page of
// entries can have its accounts read at once. A malformed blob adds what it can; decoding it
// reports the corruption.
void AddLegAccountIds(std::string_view blob, std::vector<uint64_t>* ids);

using Hash = std::array<uint8_t, 32>;
std::string HashHex(const Hash& h);

// Accumulates one batch's hash: BLAKE2b-256 over the previous hash, the batch number, and
// every entry's canonical report text and encoded legs, plus the dictionary rows the batch
// created, in order.
class ChainHasher {
 public:
  ChainHasher(const Hash& previous, int64_t batch);
  void AddEntry(const std::string& report_canonical, std::string_view legs_blob);
  void AddDictionaryRow(char table, uint64_t id, std::string_view text);
  Hash Finish();

 private:
  void Update(std::string_view bytes);
  void Drain();
  alignas(64) unsigned char state_[384];
  // Parts not yet hashed. A batch's parts are mostly a few bytes each (a length, an id, a
  // key), and one hash update per part cost the writer as much as hashing their bytes.
  std::string pending_;
};

}  // namespace accrue
