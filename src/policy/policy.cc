#include "policy/policy.h"

namespace accrue {

const char* PayerName(Payer p) {
  switch (p) {
    case Payer::kHiringEntity:
      return "hiring_entity";
    case Payer::kWorker:
      return "worker";
    case Payer::kGovernment:
      return "government";
  }
  return "?";
}

const char* BasisName(Basis b) {
  switch (b) {
    case Basis::kHours:
      return "hours";
    case Basis::kEarnings:
      return "earnings";
    case Basis::kEarningsWithTips:
      return "earnings_with_tips";
    case Basis::kJobs:
      return "jobs";
  }
  return "?";
}

const char* PeriodName(Period p) {
  switch (p) {
    case Period::kReport:
      return "report";
    case Period::kJob:
      return "job";
    case Period::kWeek:
      return "week";
    case Period::kMonth:
      return "month";
    case Period::kQuarter:
      return "quarter";
    case Period::kYear:
      return "year";
  }
  return "?";
}

const char* PackKindName(PackKind k) {
  switch (k) {
    case PackKind::kJurisdiction:
      return "jurisdiction";
    case PackKind::kSectorFund:
      return "sector_fund";
    case PackKind::kVoluntary:
      return "voluntary";
  }
  return "?";
}

std::string Formula::RateText() const {
  switch (basis) {
    case Basis::kHours:
      return per_unit.ToString(2) + "/h";
    case Basis::kJobs:
      return per_unit.ToString(2) + "/job";
    case Basis::kEarnings:
      return FormatPercent(percent) + " of earnings";
    case Basis::kEarningsWithTips:
      return FormatPercent(percent) + " of earnings with tips";
  }
  return "?";
}

const PolicyVersion* PolicyPack::VersionOn(Date d) const {
  if (d < starts || (ends && d > *ends)) return nullptr;
  for (const auto& v : versions) {
    if (d >= v.effective_from && d <= v.effective_to) return &v;
  }
  return nullptr;
}

const char* LeaveCashName(LeaveCash c) {
  return c == LeaveCash::kAverageEarnings ? "average_earnings" : "leave_account";
}

const LeaveRule* PolicyVersion::LeaveFor(std::string_view benefit) const {
  for (const LeaveRule& r : leave) {
    if (r.benefit == benefit) return &r;
  }
  return nullptr;
}

const MatchRule* PolicyVersion::MatchFor(std::string_view benefit) const {
  for (const MatchRule& r : matches) {
    if (r.benefit == benefit) return &r;
  }
  return nullptr;
}

const ClaimRule* PolicyVersion::ClaimFor(std::string_view benefit) const {
  for (const ClaimRule& r : claims) {
    if (r.benefit == benefit) return &r;
  }
  return nullptr;
}

}  // namespace accrue
