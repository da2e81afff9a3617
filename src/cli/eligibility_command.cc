// eligibility ACCOUNT [--months N] [--as-of YYYY-MM]: a worker's eligibility for each benefit.
#include <chrono>

#include "cli/commands.h"
#include "eligibility/worker_work.h"
#include "registry/registry.h"

namespace accrue::cli {
namespace {

struct EligibilityArgs {
  std::string account;
  std::string as_of;  // empty: this month where the worker lives
  int months = 3;
};

// This month in the worker's home time zone (UTC when unknown).
YearMonth ThisMonth(const Registry& registry, const Worker& worker) {
  const Jurisdiction* home = registry.FindJurisdiction(worker.home_jurisdiction);
  auto today = TodayIn(home != nullptr ? home->time_zone : "UTC", std::chrono::system_clock::now());
  return today.ok() ? YearMonth::Of(*today) : YearMonth::Of(Date::FromYmd(1970, 1, 1));
}

std::string AmountText(Basis basis, int64_t units) {
  return basis == Basis::kHours ? Hours::FromUnits(units).ToString() + " h" : Dollars(units);
}

void PrintTable(const std::vector<ProgramEligibility>& programs) {
  Table t({"Program", "Benefit", "Month", "Eligible", "Tier", "Counted", "Still needed", "Toward",
           "Deadline", "Note"});
  for (const ProgramEligibility& p : programs) {
    for (const MonthEligibility& m : p.months) {
      const bool more = m.still_needed > 0;
      std::string note = m.note;
      if (m.bank_after) {
        note = "bank " + m.bank_after->ToString() + " h" + (note.empty() ? "" : "; " + note);
      }
      if (!m.best_entity.empty()) note = "best entity " + m.best_entity;
      t.Add({p.pack->id, m.benefit, m.month.ToString(), m.eligible ? "yes" : "no", m.tier,
             AmountText(m.basis, m.counted), more ? AmountText(m.basis, m.still_needed) : "",
             more ? (m.next_tier.empty() ? "eligibility" : m.next_tier) : "",
             more ? m.deadline.ToString() : "", note});
    }
  }
  t.Print(std::cout);
}

int Eligibility(const Globals& g, const EligibilityArgs& args) {
  auto account = AccountNumber::Parse(args.account);
  if (!account.ok()) return Fail(account.status());
  if (args.months < 1 || args.months > 120) {
    return Fail(Status::Invalid("--months must be between 1 and 120"));
  }
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  auto registry = Registry::Load(**store);
  if (!registry.ok()) return Fail(registry.status());
  auto worker = (*store)->FindWorker(*account);
  if (!worker.ok()) return Fail(worker.status());
  if (!*worker) return Fail(Status::NotFound("no worker has account number " + args.account));
  YearMonth first = ThisMonth(**registry, **worker);
  if (!args.as_of.empty()) {
    auto parsed = YearMonth::Parse(args.as_of);
    if (!parsed.ok()) return Fail(Status::Invalid("--as-of: " + parsed.status().message()));
    first = *parsed;
  }
  const YearMonth last = first.Plus(args.months - 1);
  auto programs = WorkerEligibility(**store, **registry, *account, first, last);
  if (!programs.ok()) return Fail(programs.status());
  if (g.json) {
    nlohmann::json out = ToJson((*worker)->account, first, last, *programs);
    PrintJson(out);
    return 0;
  }
  std::cout << "Account " << (*worker)->account.ToString() << "  " << (*worker)->name << "  ("
            << first.ToString() << " to " << last.ToString() << ")\n\n";
  if (programs->empty()) {
    std::cout << "No program with eligibility rules covers this worker's work.\n";
    return 0;
  }
  PrintTable(*programs);
  return 0;
}

}  // namespace

void AddEligibilityCommand(CLI::App& app, Globals& g, int& status) {
  static EligibilityArgs args;
  auto* cmd = app.add_subcommand(
      "eligibility", "A worker's eligibility for each benefit, month by month, and what is needed");
  AddGlobalOptions(cmd, g);
  cmd->add_option("ACCOUNT", args.account, "Account number")->required();
  cmd->add_option("--months", args.months, "Months to show")->capture_default_str();
  cmd->add_option("--as-of", args.as_of, "First month to show, YYYY-MM (default: this month)");
  cmd->callback([&g, &status] { status = Eligibility(g, args); });
}

}  // namespace accrue::cli
