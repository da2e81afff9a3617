// Loading and checking policy packs, the benefit list and the jurisdiction list from files.
//
// The format is documented in docs/policy-format.md. A pack file is checked as a whole and
// every error in it is reported — not just the first — each naming the file, the line and the
// dotted key it concerns ("version[1].contribution[0].split"), so `accrue policy check` can
// print one line per error as "file:line: key: message". A pack with any error is not loaded.
// Unknown keys are errors, so a typo never silently drops a rule.
//
// Exact quantities (rates, amounts, hours, percents) may be written as TOML strings ("2.00",
// "1.13%") or, where no percent sign is needed, as bare numbers (2.00, 30); either way the
// digits as written are used, never a binary float. Dates are TOML dates (2026-01-01) or
// strings of the same form. Array indexes in keys count from 0, as written in the file.
//
// The loader does not know the jurisdiction registry; CheckJurisdictions checks a loaded pack
// against whichever registry the caller has (the database, or policies/jurisdictions.csv).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "domain/domain.h"
#include "policy/policy.h"

namespace accrue {

// One problem in one file. `line` is 1-based (0: the file as a whole); `key` is the dotted path
// of the offending value ("version[0].contribution[1].rate"; empty: the file as a whole).
struct PolicyError {
  std::string file;
  int line = 0;
  std::string key;
  std::string message;

  // "policies/seattle.toml:14: version[0].contribution[0].split: split sums to 1.90, not the
  // rate 2.00"
  std::string ToString() const;
};

// One error per line, as an Invalid status; OK when `errors` is empty.
Status ErrorsToStatus(const std::vector<PolicyError>& errors);

// The outcome of checking one pack: the pack when there is no error, otherwise every error in
// the order of the file's lines.
struct PackCheck {
  PackPtr pack;
  std::vector<PolicyError> errors;
  bool ok() const { return errors.empty(); }
};

// The benefit list (policies/benefits.toml): `[[benefit]]` tables with name, label, kind
// ("money" or "leave") and pooled. Names are unique; the list is not empty.
Result<std::vector<BenefitType>> LoadBenefits(const std::string& path);
Result<std::vector<BenefitType>> LoadBenefitsFromString(std::string_view text,
                                                        const std::string& name);

// Checks the pack in `path` (or in `text`, reported under `name`) against `benefits`. The
// loaded pack keeps the file name and the full text (PolicyPack::file and ::text).
PackCheck CheckPackFile(const std::string& path, const std::vector<BenefitType>& benefits);
PackCheck CheckPackString(std::string_view text, const std::string& name,
                          const std::vector<BenefitType>& benefits);

// As above, with the errors joined into one Status (one "file:line: key: message" a line).
Result<PackPtr> LoadPack(const std::string& path, const std::vector<BenefitType>& benefits);
Result<PackPtr> LoadPackFromString(std::string_view text, const std::string& name,
                                   const std::vector<BenefitType>& benefits);

// Every *.toml file in `dir` except benefits.toml, in file-name order. Fails with every error
// of every file, and on two packs with the same id.
Result<std::vector<PackPtr>> LoadPackDir(const std::string& dir,
                                         const std::vector<BenefitType>& benefits);

// Whether a jurisdiction code is in the caller's registry.
using JurisdictionKnown = std::function<bool(const std::string& code)>;

// The pack's jurisdiction and its test cases' work locations must be known jurisdictions.
// Errors carry the line of the offending key, found in PolicyPack::text.
std::vector<PolicyError> JurisdictionErrors(const PolicyPack& pack, const JurisdictionKnown& known);
// The same, joined into one Status.
Status CheckJurisdictions(const PolicyPack& pack, const JurisdictionKnown& known);

// A jurisdiction list in CSV with the header "code,name,parent,time_zone" (no quoting). Every
// code is valid and unique, every parent appears on an earlier row, every zone is an IANA zone.
Result<std::vector<Jurisdiction>> LoadJurisdictions(const std::string& path);
Result<std::vector<Jurisdiction>> LoadJurisdictionsFromString(std::string_view text,
                                                              const std::string& name);

}  // namespace accrue
