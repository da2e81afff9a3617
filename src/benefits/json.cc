#include "benefits/json.h"

namespace accrue::benefits {

std::string CentsJson(int64_t cents) { return Money::FromUnits(cents * kCentUnits).ToFixed(2); }

nlohmann::json ToJson(const Provider& p) {
  return {{"id", p.id},
          {"name", p.name},
          {"status", ProviderStatusName(p.status)},
          {"nonprofit", p.nonprofit},
          {"reserve_ratio", FormatPercent(p.reserve_ratio)},
          {"fidelity_bond", p.fidelity_bond.ToFixed(2)},
          {"conflict_of_interest_attested", p.conflict_of_interest_attested},
          {"registered", p.registered.ToString()}};
}

nlohmann::json ToJson(const Plan& p) {
  return {{"provider", p.provider},
          {"plan", p.id},
          {"name", p.name},
          {"mandatory", p.mandatory},
          {"optional", p.optional},
          {"monthly_fee", p.monthly_fee.ToFixed(2)},
          {"contribution_fee", FormatPercent(p.contribution_fee)}};
}

nlohmann::json ToJson(const Invoice& i) {
  return {{"invoice", i.id},
          {"entity", i.entity},
          {"period", i.period},
          {"issued", i.issued.ToString()},
          {"due", i.due.ToString()},
          {"billed", Money::FromUnits(i.owed_units).ToString(2)},
          {"carried_in", Money::FromUnits(i.carried_in_units).ToString(2)},
          {"amount", CentsJson(i.amount_cents)},
          {"carried_out", Money::FromUnits(i.carried_out_units).ToString(2)},
          {"charges", CentsJson(i.charges_cents)},
          {"paid", CentsJson(i.paid_principal_cents + i.paid_charges_cents)},
          {"unpaid", CentsJson(i.unpaid_cents())},
          {"workers", i.workers}};
}

nlohmann::json ToJson(const ProviderReserve& r) {
  return {{"provider", r.provider},
          {"members", r.members},
          {"earned", r.earned.ToString(2)},
          {"funded", CentsJson(r.funded_cents)},
          {"ratio", FormatPercent(r.ratio)},
          {"required", FormatPercent(r.required)},
          {"meets", r.meets}};
}

nlohmann::json ToJson(const WorkerFunding& f) {
  return {{"account", f.account.ToString()},
          {"provider", f.provider},
          {"plan", f.plan},
          {"earned", f.earned.ToString(2)},
          {"invoiced", f.invoiced.ToString(2)},
          {"funded", CentsJson(f.funded_cents)},
          {"advanced", CentsJson(f.advanced_cents)}};
}

nlohmann::json ToJson(const ExchangeRow& r, const std::vector<ProviderReserve>& reserves) {
  nlohmann::json j = ToJson(r.plan);
  j["provider_name"] = r.provider.name;
  j["members"] = r.members;
  j["default"] = r.is_default;
  for (const ProviderReserve& res : reserves) {
    if (res.provider != r.provider.id) continue;
    j["reserve_ratio"] = FormatPercent(res.ratio);
    j["required_reserve_ratio"] = FormatPercent(res.required);
  }
  return j;
}

nlohmann::json EnrollmentJson(AccountNumber account, const std::optional<Enrollment>& current,
                              const std::optional<Election>& pending,
                              const std::vector<EnrollmentEvent>& history) {
  nlohmann::json j = {{"account", account.ToString()}, {"history", nlohmann::json::array()}};
  if (current) {
    j["provider"] = current->provider;
    j["plan"] = current->plan;
    j["choices"] = current->choices;
    j["since"] = current->since.ToString();
    j["how"] = current->how;
  }
  if (pending) {
    j["election"] = {{"provider", pending->provider},
                     {"plan", pending->plan},
                     {"effective", pending->effective.ToString()}};
  }
  for (const EnrollmentEvent& e : history) {
    nlohmann::json balances = nlohmann::json::array();
    for (const BalanceSnapshot& b : e.balances) {
      balances.push_back(
          {{"account", b.ledger_account},
           {"amount", b.unit == Unit::kHours ? Hours::FromUnits(b.amount).ToString() + " h"
                                             : Money::FromUnits(b.amount).ToString(2)}});
    }
    j["history"].push_back(
        {{"date", e.date.ToString()},
         {"event", e.event},
         {"from", e.from_provider.empty() ? "" : e.from_provider + "/" + e.from_plan},
         {"to", e.to_provider + (e.to_plan.empty() ? "" : "/" + e.to_plan)},
         {"funded_moved", CentsJson(e.funded_moved_cents)},
         {"balances", balances}});
  }
  return j;
}

}  // namespace accrue::benefits
