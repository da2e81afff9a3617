#include "ledger/account_view.h"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "base/json_text.h"

namespace accrue {
namespace {

// "W/<account>/<benefit>[/h]" → benefit.
std::string BenefitOf(const std::string& key) {
  const size_t start = key.find('/', 2) + 1;
  const size_t end = key.find('/', start);
  return key.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Appends an object of string fields, in the order given.
void AppendStringObject(
    std::string* out, std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  char separator = '{';
  for (const auto& [key, value] : fields) {
    out->push_back(separator);
    separator = ',';
    AppendJsonString(out, key);
    out->push_back(':');
    AppendJsonString(out, value);
  }
  out->push_back('}');
}

}  // namespace

Result<AccountSummary> SummarizeAccount(Store& store, AccountNumber account) {
  // Balances, sums and count from the same batches.
  ASSIGN_OR_RETURN(WorkerState state, store.ReadWorkerState(account));
  if (!state.worker) return Status::NotFound("no worker has account number " + account.ToString());
  AccountSummary out;
  out.worker = *state.worker;
  std::map<std::string, BenefitBalance> benefits;
  for (const AccountBalance& b : state.balances) {
    BenefitBalance& bb = benefits[BenefitOf(b.account)];
    bb.benefit = BenefitOf(b.account);
    if (b.unit == Unit::kHours) {
      bb.leave_hours += Hours::FromUnits(b.amount);
    } else {
      bb.money += Money::FromUnits(b.amount);
      out.total += Money::FromUnits(b.amount);
    }
  }
  for (auto& [name, b] : benefits) out.benefits.push_back(b);
  // From the sums the store keeps by payer, not from the worker's entries: a balance costs the
  // same after ten years of work as after a day.
  std::map<std::pair<std::string, Payer>, Money> by_payer;
  for (const PayerSum& p : state.payer_sums) {
    if (p.entity == kPayoutEntity) {
      out.paid_out -= Money::FromUnits(p.money);
      continue;
    }
    // A one-off contribution or a match has no hiring entity: the payer says whose it is.
    const bool work = p.entity != kContributionEntity && p.entity != kMatchEntity;
    by_payer[{work ? p.entity : "", p.payer}] += Money::FromUnits(p.money);
  }
  for (const auto& [key, money] : by_payer) {
    if (!money.is_zero()) out.by_payer.push_back({key.first, key.second, money});
  }
  out.reports = state.reports;
  return out;
}

Result<std::vector<ExplainLine>> ExplainAccount(Store& store, AccountNumber account,
                                                const std::string& benefit) {
  ReadSnapshot snapshot(store);
  RETURN_IF_ERROR(snapshot.status());
  ASSIGN_OR_RETURN(auto worker, store.FindWorker(account));
  if (!worker) return Status::NotFound("no worker has account number " + account.ToString());
  ASSIGN_OR_RETURN(auto entries, store.WorkerEntries(account));
  const std::string prefix = WorkerAccountPrefix(account);
  std::vector<ExplainLine> out;
  for (const StoredEntry& e : entries) {
    const WorkReport& r = e.entry.report;
    for (const Leg& leg : e.entry.legs) {
      if (leg.account.rfind(prefix, 0) != 0) continue;
      const bool payout = e.entry.kind == EntryKind::kPayout;
      ExplainLine line{payout,       r.work_date, payout ? "" : r.entity,
                       r.report_id,  r.replaces,  BenefitOf(leg.account),
                       leg.unit,     leg.amount,  "",
                       "",           "",          leg.payer,
                       leg.quantity, leg.rate,    leg.note};
      if (!benefit.empty() && line.benefit != benefit) continue;
      // Rule uid: "<pack>@<version>/<rule>".
      const size_t at = leg.rule.find('@');
      const size_t slash = leg.rule.find('/', at == std::string::npos ? 0 : at);
      if (at != std::string::npos && slash != std::string::npos) {
        line.pack = leg.rule.substr(0, at);
        line.version = leg.rule.substr(at + 1, slash - at - 1);
        line.rule = leg.rule.substr(slash + 1);
      }
      out.push_back(std::move(line));
    }
  }
  return out;
}

std::string SummaryJson(const AccountSummary& s) {
  // Keys in nlohmann::json's (sorted) order, so that the text is the one ToJson's dump gives.
  std::string out;
  out.reserve(256 + 96 * s.benefits.size() + 96 * s.by_payer.size());
  out += "{\"account\":";
  AppendJsonString(&out, s.worker.account.ToString());
  out += ",\"benefits\":[";
  for (size_t i = 0; i < s.benefits.size(); ++i) {
    const BenefitBalance& b = s.benefits[i];
    if (i > 0) out += ',';
    AppendStringObject(&out, {{"benefit", b.benefit},
                              {"leave_hours", b.leave_hours.ToString(2)},
                              {"money", b.money.ToString(2)}});
  }
  out += "],\"by_payer\":[";
  for (size_t i = 0; i < s.by_payer.size(); ++i) {
    const PayerTotal& p = s.by_payer[i];
    if (i > 0) out += ',';
    AppendStringObject(
        &out,
        {{"entity", p.entity}, {"money", p.money.ToString(2)}, {"payer", PayerName(p.payer)}});
  }
  out += "],\"name\":";
  AppendJsonString(&out, s.worker.name);
  AppendJsonField(&out, "paid_out", s.paid_out.ToString(2));
  out += ",\"reports\":";
  AppendJsonInt(&out, s.reports);
  AppendJsonField(&out, "total", s.total.ToString(2));
  out += '}';
  return out;
}

nlohmann::json ToJson(const AccountSummary& s) { return nlohmann::json::parse(SummaryJson(s)); }

nlohmann::json ToJson(const ExplainLine& l) {
  return {{"kind", l.payout ? "payout" : "credit"},
          {"work_date", l.work_date.ToString()},
          {"entity", l.entity},
          {"report_id", l.report_id},
          {"replaces", l.replaces},
          {"benefit", l.benefit},
          {"unit", l.unit == Unit::kHours ? "hours" : "money"},
          {"amount", l.unit == Unit::kHours ? Hours::FromUnits(l.amount).ToString()
                                            : Money::FromUnits(l.amount).ToString(2)},
          {"program", l.pack},
          {"version", l.version},
          {"rule", l.rule},
          {"payer", PayerName(l.payer)},
          {"rate", l.rate},
          {"note", l.note}};
}

}  // namespace accrue
