#include "eligibility/worker_work.h"

#include <map>
#include <set>
#include <utility>

namespace accrue {
namespace {

bool HasEligibilityRules(const PolicyPack& pack) {
  for (const PolicyVersion& v : pack.versions) {
    if (!v.eligibility.empty()) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<WorkReport>> CurrentWorkReports(Store& store, AccountNumber worker) {
  ASSIGN_OR_RETURN(std::vector<StoredEntry> entries, store.WorkerEntries(worker));
  // WorkerEntries includes every correction of this worker's reports, even one that moved the
  // report to someone else, so the replaced set is complete.
  std::set<std::pair<std::string, std::string>> replaced;
  for (const StoredEntry& e : entries) {
    const WorkReport& r = e.entry.report;
    if (e.entry.kind == EntryKind::kCorrection && !r.replaces.empty()) {
      replaced.emplace(r.entity, r.replaces);
    }
  }
  std::vector<WorkReport> out;
  for (StoredEntry& e : entries) {
    WorkReport& r = e.entry.report;
    if (!IsWorkEntry(e.entry.kind)) continue;  // a payout, contribution or match: not work
    if (r.worker != worker || replaced.count({r.entity, r.report_id}) != 0) continue;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ProgramWork> WorkByProgram(const Registry& registry,
                                       std::span<const WorkReport> reports) {
  using Key = std::pair<YearMonth, std::string>;  // month, entity
  std::map<const PolicyPack*, std::map<Key, MonthWork>> by_pack;
  for (const WorkReport& r : reports) {
    const HiringEntity* entity = registry.FindEntity(r.entity);
    const std::string sector = !r.sector.empty() || entity == nullptr ? r.sector : entity->sector;
    const auto applicable =
        registry.policies().Select(registry.Chain(r.jurisdiction), sector, r.entity, r.work_date);
    const YearMonth month = YearMonth::Of(r.work_date);
    for (const Applicable& a : applicable) {
      MonthWork& w = by_pack[a.pack][{month, r.entity}];
      w.month = month;
      w.entity = r.entity;
      w.hours += r.hours;
      w.earnings += r.earnings;
    }
  }
  std::vector<ProgramWork> out;
  for (const PackPtr& pack : registry.policies().packs()) {
    auto it = by_pack.find(pack.get());
    if (it == by_pack.end()) continue;
    ProgramWork pw{pack.get(), {}};
    for (auto& [key, w] : it->second) pw.work.push_back(std::move(w));
    out.push_back(std::move(pw));
  }
  return out;
}

Result<std::vector<ProgramEligibility>> WorkerEligibility(Store& store, const Registry& registry,
                                                          AccountNumber worker, YearMonth first,
                                                          YearMonth last) {
  ASSIGN_OR_RETURN(auto found, store.FindWorker(worker));
  if (!found) return Status::NotFound("no worker has account number " + worker.ToString());
  ASSIGN_OR_RETURN(std::vector<WorkReport> reports, CurrentWorkReports(store, worker));
  std::vector<ProgramEligibility> out;
  for (const ProgramWork& pw : WorkByProgram(registry, reports)) {
    if (!HasEligibilityRules(*pw.pack)) continue;
    out.push_back({pw.pack, EvaluateEligibility(*pw.pack, pw.work, first, last)});
  }
  return out;
}

namespace {
std::string UnitName(Basis basis) { return basis == Basis::kHours ? "hours" : "dollars"; }
}  // namespace

nlohmann::json ToJson(const MonthEligibility& m) {
  nlohmann::json j = {{"benefit", m.benefit},
                      {"month", m.month.ToString()},
                      {"eligible", m.eligible},
                      {"tier", m.tier},
                      {"next_tier", m.next_tier},
                      {"unit", UnitName(m.basis)},
                      {"counted", FormatAmount(m.basis, m.counted)},
                      {"still_needed", FormatAmount(m.basis, m.still_needed)},
                      {"period_start", m.period_start.ToString()},
                      {"deadline", m.deadline.ToString()},
                      {"note", m.note}};
  if (!m.best_entity.empty()) j["best_entity"] = m.best_entity;
  if (m.bank_after) j["bank_after"] = m.bank_after->ToString();
  return j;
}

nlohmann::json ToJson(AccountNumber account, YearMonth first, YearMonth last,
                      const std::vector<ProgramEligibility>& programs) {
  nlohmann::json out = {{"account", account.ToString()},
                        {"from", first.ToString()},
                        {"to", last.ToString()},
                        {"programs", nlohmann::json::array()}};
  for (const ProgramEligibility& p : programs) {
    nlohmann::json months = nlohmann::json::array();
    for (const MonthEligibility& m : p.months) months.push_back(ToJson(m));
    out["programs"].push_back(
        {{"program", p.pack->id}, {"name", p.pack->name}, {"months", months}});
  }
  return out;
}

}  // namespace accrue
