// leave, claim and request: a worker's leave pay and claims, and the provider's decisions.
#include <chrono>

#include "claims/claims.h"
#include "cli/commands.h"
#include "registry/registry.h"

namespace accrue::cli {
namespace {

using namespace claims;  // NOLINT(google-build-using-namespace)

// The day given with --date, or today (UTC) when none is.
Result<Date> DateArg(const std::string& option, const std::string& text) {
  if (text.empty()) return TodayIn("UTC", std::chrono::system_clock::now());
  auto d = Date::Parse(text);
  if (!d.ok()) return d.status().WithContext(option);
  return d;
}

std::string Summary(const Request& r) {
  std::string what = r.kind == RequestKind::kLeave
                         ? r.hours.ToString() + " h of " + r.benefit + " " + r.first.ToString() +
                               " to " + r.last.ToString()
                         : r.benefit + (r.use.empty() ? "" : " for " + r.use);
  return "request " + std::to_string(r.id) + " (" + RequestKindName(r.kind) + "): " + what + ", " +
         r.amount.ToString(2) + " [" + RequestStatusName(r.status) + "]";
}

int Print(const Globals& g, const Request& r) {
  if (g.json) {
    PrintJson(ToJson(r));
  } else {
    std::cout << Summary(r) << "\n  " << r.basis << "\n";
    if (r.status == RequestStatus::kDenied) std::cout << "  denied: " << r.reason << "\n";
  }
  return 0;
}

struct LeaveArgs {
  std::string account, benefit = "sick_leave", first, last, hours, date;
};

int LeaveCommand(const Globals& g, const LeaveArgs& a) {
  OR_FAIL(AccountNumber account, AccountNumber::Parse(a.account));
  OR_FAIL(Date first, DateArg("--from", a.first));
  OR_FAIL(Date last, a.last.empty() ? Result<Date>(first) : DateArg("--to", a.last));
  auto hours = Hours::Parse(a.hours, Hours::kScaleDigits);
  if (!hours.ok()) return Fail(hours.status().WithContext("--hours"));
  OR_FAIL(Date today, DateArg("--date", a.date));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto registry, Registry::Load(store));
    OR_FAIL(Request r, AskLeave(store, registry->policies(),
                                {account, a.benefit, first, last, *hours}, today));
    return Print(g, r);
  });
}

struct ClaimArgs {
  std::string account, benefit, use, amount, date;
  int64_t units = 0;
};

int ClaimCommand(const Globals& g, const ClaimArgs& a) {
  OR_FAIL(AccountNumber account, AccountNumber::Parse(a.account));
  Money amount;
  if (!a.amount.empty()) {
    auto m = Money::Parse(a.amount);
    if (!m.ok()) return Fail(m.status().WithContext("--amount"));
    amount = *m;
  }
  OR_FAIL(Date today, DateArg("--date", a.date));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto registry, Registry::Load(store));
    OR_FAIL(Request r, AskClaim(store, registry->policies(),
                                {account, a.benefit, a.use, amount, a.units}, today));
    return Print(g, r);
  });
}

struct ListArgs {
  std::string account, provider;
  bool all = false;
};

int ListCommand(const Globals& g, const ListArgs& a) {
  if (a.account.empty() == a.provider.empty()) {
    return Fail(Status::Invalid("give either --account or --provider"));
  }
  return WithStore(g, [&](Store& store) {
    std::vector<RequestFacts> rows;
    if (!a.account.empty()) {
      OR_FAIL(AccountNumber account, AccountNumber::Parse(a.account));
      OR_FAIL(auto mine, WorkerRequests(store, account));
      for (Request& r : mine) rows.push_back({std::move(r)});
    } else {
      OR_FAIL(rows, ProviderQueue(store, a.provider, !a.all));
    }
    if (g.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const RequestFacts& f : rows) {
        out.push_back(a.account.empty() ? ToJson(f) : ToJson(f.request));
      }
      PrintJson(out);
      return 0;
    }
    Table t({"id", "kind", "account", "benefit", "days", "hours", "amount", "status", "basis"});
    for (const RequestFacts& f : rows) {
      const Request& r = f.request;
      t.Add({std::to_string(r.id), RequestKindName(r.kind), r.account.ToString(), r.benefit,
             r.kind == RequestKind::kLeave ? r.first.ToString() + ".." + r.last.ToString() : "",
             r.kind == RequestKind::kLeave ? r.hours.ToString() : "", r.amount.ToString(2),
             std::string(RequestStatusName(r.status)) +
                 (a.provider.empty() || f.covered ? "" : " (not covered)"),
             r.basis});
    }
    t.Print(std::cout);
    return 0;
  });
}

struct DecideArgs {
  int64_t id = 0;
  std::string provider, reason, date;
};

int DecideCommand(const Globals& g, const DecideArgs& a, bool approve) {
  OR_FAIL(Date today, DateArg("--date", a.date));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(Request r, approve ? Approve(store, a.provider, a.id, today)
                               : Deny(store, a.provider, a.id, a.reason, today));
    return Print(g, r);
  });
}

}  // namespace

void AddClaimsCommands(CLI::App& app, Globals& g, int& status) {
  auto* leave = app.add_subcommand("leave", "Leave pay")->require_subcommand(1);
  static LeaveArgs la;
  auto* lreq = leave->add_subcommand("request", "Ask for leave pay from accrued hours");
  AddGlobalOptions(lreq, g);
  lreq->add_option("ACCOUNT", la.account, "Account number")->required();
  lreq->add_option("--benefit", la.benefit, "Leave benefit (default sick_leave)");
  lreq->add_option("--from", la.first, "First day of leave")->required();
  lreq->add_option("--to", la.last, "Last day of leave (default --from)");
  lreq->add_option("--hours", la.hours, "Hours of leave in all")->required();
  lreq->add_option("--date", la.date, "Day asked (default today)");
  lreq->callback([&g, &status] { status = LeaveCommand(g, la); });

  static ClaimArgs ca;
  auto* claim = app.add_subcommand("claim", "Claim or withdraw from a benefit's money");
  AddGlobalOptions(claim, g);
  claim->add_option("ACCOUNT", ca.account, "Account number")->required();
  claim->add_option("--benefit", ca.benefit, "Benefit")->required();
  claim->add_option("--use", ca.use, "Permitted use, e.g. rollover or day_off");
  claim->add_option("--amount", ca.amount, "Amount in dollars and cents");
  claim->add_option("--units", ca.units, "Units of a fixed-unit benefit, e.g. days off");
  claim->add_option("--date", ca.date, "Day asked (default today)");
  claim->callback([&g, &status] { status = ClaimCommand(g, ca); });

  auto* req = app.add_subcommand("request", "Leave and claim requests")->require_subcommand(1);
  static ListArgs list;
  auto* rlist = req->add_subcommand("list", "A worker's requests, or a provider's queue");
  AddGlobalOptions(rlist, g);
  rlist->add_option("--account", list.account, "The worker's requests");
  rlist->add_option("--provider", list.provider, "The provider's pending requests");
  rlist->add_flag("--all", list.all, "With --provider: decided ones too");
  rlist->callback([&g, &status] { status = ListCommand(g, list); });
  static DecideArgs decide;
  for (bool approve : {true, false}) {
    auto* cmd = req->add_subcommand(approve ? "approve" : "deny",
                                    approve ? "Approve and pay out" : "Deny, with a reason");
    AddGlobalOptions(cmd, g);
    cmd->add_option("ID", decide.id, "Request id")->required();
    cmd->add_option("--provider", decide.provider, "The deciding provider")->required();
    if (!approve) cmd->add_option("--reason", decide.reason, "Why")->required();
    cmd->add_option("--date", decide.date, "Day decided (default today)");
    cmd->callback([&g, &status, approve] { status = DecideCommand(g, decide, approve); });
  }
}

}  // namespace accrue::cli
