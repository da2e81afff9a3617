// Voluntary worker contributions and government matches.
//
// Contract:
//  - Consents: a worker's recorded, revocable opt-in to have a percent (more than 0, at most
//    25%, up to 4 decimals) of each report's gross earnings (tips not included) withheld by the
//    hiring entity into one money benefit. A consent applies to work dated from its effective
//    day up to (not including) its revocation's effective day. Neither may be in the past: a
//    consent is never backdated and a revocation never reaches work already withheld. Rows are
//    never deleted; a revocation only adds its day, time and author. At most one consent per
//    (worker, benefit) applies on any day: a second whose days would overlap is refused.
//  - Withholding: the ingestor asks ConsentPrograms for the consents of each chunk's workers
//    (one query per chunk, none when nobody has a consent) and evaluates each consent as a
//    voluntary program version of its own — pack "consent", rule "consent-<id>", payer worker,
//    100% to the benefit — so the line is booked, explained, invoiced (E/<entity>/<month>/
//    withheld), corrected and verified exactly like any worker-paid premium.
//  - One-off contributions: an amount (whole cents, at most 100,000.00) the worker paid in on a
//    day, under a reference unique for the worker. The entry (ledger.h: kContribution) moves it
//    from V/<account>/<YYYY-MM> — the worker's own money, received — to the benefit: it is
//    recorded once received and never invoiced (not yet in the benefits module's fund journal).
//    The same reference with the same content again is "already recorded"; with other content
//    it is a conflict.
//  - Matches ([[version.match]] in a jurisdiction pack of the worker's home chain, in force on
//    the settlement day): settled per calendar year from the ledger — the worker's voluntary
//    contributions to the benefit that year (consent withholding and one-offs, corrections
//    included) and reported earnings across all hiring entities (tips not included) — and
//    posted from G/<jurisdiction>/<YYYY-MM> as the difference between the match due and what
//    was already posted for the year, so settling again posts nothing and settling after a
//    correction posts exactly the adjustment (negative ones too).
//  - Bad input is refused (Invalid/NotFound/Precondition/Conflict, with a message for a
//    person) before anything is written. No clock inside: days and times are arguments.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/account_number.h"
#include "base/date.h"
#include "base/decimal.h"
#include "base/status.h"
#include "ingest/voluntary.h"
#include "nlohmann/json.hpp"
#include "policy/policy.h"
#include "registry/registry.h"
#include "store/store.h"

namespace accrue::contributions {

Status EnsureSchema(Store& store);

inline constexpr const char* kConsentPack = "consent";
inline constexpr Ratio kMaxConsentPercent = Ratio::FromUnits(Ratio::kOne / 4);  // 25%
inline constexpr int64_t kMaxOneOffDollars = 100'000;

struct Consent {
  int64_t id = 0;
  AccountNumber account;
  std::string benefit;
  Ratio percent;
  Date effective;            // first work day withheld
  std::optional<Date> ends;  // the revocation's effective day: work from it on is not withheld
  std::string wording;       // the version of the consent text the worker agreed to
  std::string recorded_by;   // "worker" or "admin <party>" or "cli"
  int64_t recorded_at = 0;   // seconds since the epoch
  std::string revoked_by;
  int64_t revoked_at = 0;  // 0: not revoked
  bool AppliesOn(Date day) const { return day >= effective && (!ends || day < *ends); }
};

struct ConsentAsk {
  AccountNumber account;
  std::string benefit;
  Ratio percent;
  Date effective;
  std::string wording;
  std::string recorded_by;
};

Result<Consent> RecordConsent(Store& store, const std::vector<BenefitType>& benefits,
                              const ConsentAsk& ask, Date today, int64_t now);
// Revokes the worker's consent `id` from `effective` (today or later).
Result<Consent> RevokeConsent(Store& store, AccountNumber account, int64_t id, Date effective,
                              const std::string& by, Date today, int64_t now);
// The worker's consents, oldest first, revoked ones included.
Result<std::vector<Consent>> ListConsents(Store& store, AccountNumber account);

// The consents of the workers an ingest chunk names, as voluntary program versions.
std::unique_ptr<VoluntaryPrograms> MakeConsentPrograms(Store& store);

struct OneOff {
  AccountNumber account;
  std::string benefit;
  Money amount;
  Date day;
  std::string reference;
  std::string recorded_by;
};

struct Recorded {
  bool already = false;  // the same contribution was recorded before
  Entry entry;
};

Result<Recorded> RecordOneOff(Store& store, const std::vector<BenefitType>& benefits,
                              const OneOff& c, Date today);

// One worker's match under one rule for a year.
struct MatchLine {
  AccountNumber account;
  std::string benefit;
  std::string program;       // pack id
  std::string jurisdiction;  // who pays
  std::string rule;          // "<pack>@<version>/match.<benefit>"
  Money contributions;       // voluntary contributions to the benefit in the year
  Money counted;             // of them, what the rule counts
  Money earnings;            // reported earnings in the year, all hiring entities
  Ratio rate;                // after any phase-out
  Money due;
  Money posted;      // already posted for the year
  Money adjustment;  // due - posted: what settling now posts
  // Settling only: the part of a negative adjustment the worker's account no longer holds
  // (paid out meanwhile). A balance never goes below zero; the next settlement tries again.
  Money not_taken_back;
  std::string basis;
};

// What the worker's matches for `year` come to as of `day` (nothing is posted).
Result<std::vector<MatchLine>> EstimateMatch(Store& store, const Registry& registry,
                                             AccountNumber account, int year, Date day);

struct Settlement {
  int year = 0;
  Date day;  // the day the entries are dated: the settlement day, at most the year's last
  std::vector<MatchLine> lines;  // every worker considered, adjustments zero included
  int64_t entries = 0;           // entries posted
  Money posted;                  // their sum
};

// Settles every worker's matches for `year` on `day` (on or after the year's first day), in
// one ledger batch.
Result<Settlement> SettleMatch(Store& store, const Registry& registry, int year, Date day);

nlohmann::json ToJson(const Consent& consent);
nlohmann::json ToJson(const MatchLine& line);
nlohmann::json ToJson(const Settlement& settlement);

}  // namespace accrue::contributions
