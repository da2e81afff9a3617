#include "claims/claims.h"

namespace accrue::claims {

nlohmann::json ToJson(const Request& r) {
  nlohmann::json j = {{"id", r.id},
                      {"kind", RequestKindName(r.kind)},
                      {"account", r.account.ToString()},
                      {"provider", r.provider},
                      {"benefit", r.benefit},
                      {"asked", r.asked.ToString()},
                      {"status", RequestStatusName(r.status)},
                      {"value", r.value.ToString(2)},
                      {"amount", r.amount.ToString(2)},
                      {"rule", r.rule},
                      {"basis", r.basis}};
  if (r.kind == RequestKind::kLeave) {
    j["first_day"] = r.first.ToString();
    j["last_day"] = r.last.ToString();
    j["hours"] = r.hours.ToString();
    j["average_hourly_earnings"] =
        r.average.is_zero() ? nlohmann::json(nullptr) : nlohmann::json(r.average.ToString(2));
  } else {
    j["use"] = r.use;
    j["units"] = r.units;
  }
  if (r.status != RequestStatus::kPending) j["decided"] = r.decided.ToString();
  if (r.status == RequestStatus::kDenied) j["reason"] = r.reason;
  if (r.status == RequestStatus::kApproved) j["payout"] = r.reference;
  return j;
}

nlohmann::json ToJson(const RequestFacts& f) {
  nlohmann::json j = ToJson(f.request);
  j["balance"] = {{"hours", f.hours_balance.ToString()}, {"money", f.money_balance.ToString(2)}};
  j["held_by_other_requests"] = {{"hours", f.hours_held.ToString()},
                                 {"money", f.money_held.ToString(2)}};
  j["covered"] = f.covered;
  return j;
}

}  // namespace accrue::claims
