// The registries' records and the work report: plain values that every module shares.
//
// A work report is the unit of reported work. Its identity is (hiring entity, report id), so a
// resend is recognised; its date is the civil date at the work location (the jurisdiction
// names the time zone). Content equality (SameContent) decides "already recorded" versus
// "different report under a used id".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/account_number.h"
#include "base/date.h"
#include "base/decimal.h"

namespace accrue {

struct Jurisdiction {
  std::string code;       // "US-WA-SEATTLE"
  std::string name;       // "Seattle"
  std::string parent;     // "US-WA"; empty for a root
  std::string time_zone;  // IANA zone, "America/Los_Angeles"
};

struct HiringEntity {
  std::string id;  // chosen by the entity or the administrator: "rideco"
  std::string name;
  std::string sector;  // "rideshare", "delivery", "cleaning", ...
  int64_t size = 0;    // workers engaged; size tiers in policy depend on it
};

struct Worker {
  AccountNumber account;
  std::string name;
  Date birth_date;
  std::string home_jurisdiction;
};

enum class Classification { kContractor1099, kEmployeeW2 };
const char* ClassificationName(Classification c);  // "1099" / "W2"
std::optional<Classification> ParseClassification(std::string_view text);

// Bounds on one report, so that no valid report can overflow an amount.
inline constexpr int64_t kMaxReportHours = 24;
inline constexpr int64_t kMaxReportEarnings = 1'000'000;  // dollars
inline constexpr int64_t kMaxReportJobs = 10'000;

struct WorkReport {
  std::string entity;  // hiring entity id
  std::string report_id;
  AccountNumber worker;
  Date work_date;
  std::string jurisdiction;
  Hours hours;
  Money earnings;  // gross, before tips
  Money tips;
  int64_t jobs = 0;
  Classification classification = Classification::kContractor1099;
  std::string sector;    // empty: the entity's sector
  std::string replaces;  // earlier report id of the same entity, or empty

  bool SameContent(const WorkReport& o) const;
  // A stable one-line text of every field, used for hashing and for content comparison.
  std::string Canonical() const;
};

}  // namespace accrue
