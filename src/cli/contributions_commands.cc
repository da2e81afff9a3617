// consent, contribute and match: a worker's withholding consents, one-off contributions, and
// the government match settled per year.
#include <chrono>

#include "cli/commands.h"
#include "contributions/contributions.h"
#include "registry/registry.h"

namespace accrue::cli {
namespace {

using namespace contributions;  // NOLINT(google-build-using-namespace)

Result<Date> DateArg(const std::string& option, const std::string& text) {
  if (text.empty()) return TodayIn("UTC", std::chrono::system_clock::now());
  auto d = Date::Parse(text);
  if (!d.ok()) return d.status().WithContext(option);
  return d;
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Summary(const Consent& c) {
  return "consent " + std::to_string(c.id) + ": " + FormatPercent(c.percent) + " of earnings to " +
         c.benefit + " from " + c.effective.ToString() +
         (c.ends ? " until " + c.ends->ToString() + " (revoked by " + c.revoked_by + ")"
                 : " (active)") +
         ", recorded by " + c.recorded_by + ", wording " + c.wording;
}

int PrintConsent(const Globals& g, const Consent& c) {
  if (g.json) {
    PrintJson(ToJson(c));
  } else {
    std::cout << Summary(c) << "\n";
  }
  return 0;
}

struct ConsentArgs {
  std::string account, benefit, percent, effective, wording = "withholding-consent-v1", date, by;
  int64_t id = 0;
};

int AddConsent(const Globals& g, const ConsentArgs& a) {
  OR_FAIL(AccountNumber account, AccountNumber::Parse(a.account));
  auto percent = ParsePercent(a.percent);
  if (!percent.ok()) return Fail(percent.status().WithContext("--percent"));
  OR_FAIL(Date today, DateArg("--date", a.date));
  OR_FAIL(Date effective,
          a.effective.empty() ? Result<Date>(today) : DateArg("--effective", a.effective));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto registry, Registry::Load(store));
    OR_FAIL(Consent c, RecordConsent(store, registry->benefits(),
                                     {account, a.benefit, *percent, effective, a.wording,
                                      a.by.empty() ? "cli" : a.by},
                                     today, NowSeconds()));
    return PrintConsent(g, c);
  });
}

int RevokeCommand(const Globals& g, const ConsentArgs& a) {
  OR_FAIL(AccountNumber account, AccountNumber::Parse(a.account));
  OR_FAIL(Date today, DateArg("--date", a.date));
  OR_FAIL(Date effective,
          a.effective.empty() ? Result<Date>(today) : DateArg("--effective", a.effective));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(Consent c, RevokeConsent(store, account, a.id, effective, a.by.empty() ? "cli" : a.by,
                                     today, NowSeconds()));
    return PrintConsent(g, c);
  });
}

int ListCommand(const Globals& g, const ConsentArgs& a) {
  OR_FAIL(AccountNumber account, AccountNumber::Parse(a.account));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto list, ListConsents(store, account));
    if (g.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const Consent& c : list) out.push_back(ToJson(c));
      PrintJson(out);
      return 0;
    }
    if (list.empty()) std::cout << "no consents\n";
    for (const Consent& c : list) std::cout << Summary(c) << "\n";
    return 0;
  });
}

struct ContributeArgs {
  std::string account, benefit, amount, day, reference, date;
};

int ContributeCommand(const Globals& g, const ContributeArgs& a) {
  OR_FAIL(AccountNumber account, AccountNumber::Parse(a.account));
  auto amount = Money::Parse(a.amount, 2);
  if (!amount.ok()) return Fail(amount.status().WithContext("--amount"));
  OR_FAIL(Date today, DateArg("--date", a.date));
  OR_FAIL(Date day, a.day.empty() ? Result<Date>(today) : DateArg("--day", a.day));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto registry, Registry::Load(store));
    OR_FAIL(Recorded r,
            RecordOneOff(store, registry->benefits(),
                         {account, a.benefit, *amount, day, a.reference, "admin"}, today));
    if (g.json) {
      PrintJson({{"outcome", r.already ? "already recorded" : "recorded"},
                 {"reference", a.reference},
                 {"account", account.ToString()},
                 {"benefit", a.benefit},
                 {"amount", amount->ToString(2)},
                 {"day", day.ToString()}});
    } else {
      std::cout << (r.already ? "already recorded: " : "recorded: ") << amount->ToString(2)
                << " to " << a.benefit << " of " << account.ToString() << " on " << day.ToString()
                << " (" << a.reference << ")\n";
    }
    return 0;
  });
}

struct MatchArgs {
  std::string account, date;
  int year = 0;
};

void PrintLines(const std::vector<MatchLine>& lines) {
  Table t({"account", "benefit", "program", "contributions", "earnings", "rate", "due", "posted",
           "adjustment"});
  for (const MatchLine& l : lines) {
    t.Add({l.account.ToString(), l.benefit, l.program, l.contributions.ToString(2),
           l.earnings.ToString(2), FormatPercent(l.rate), l.due.ToString(2), l.posted.ToString(2),
           l.adjustment.ToString(2)});
  }
  t.Print(std::cout);
  for (const MatchLine& l : lines) {
    if (!l.not_taken_back.is_zero()) {
      std::cout << l.account.ToString() << ": " << l.not_taken_back.ToString(2) << " of "
                << l.benefit << " not taken back (the account no longer holds it)\n";
    }
  }
}

int SettleCommand(const Globals& g, const MatchArgs& a) {
  OR_FAIL(Date day, DateArg("--date", a.date));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto registry, Registry::Load(store));
    OR_FAIL(Settlement s, SettleMatch(store, *registry, a.year, day));
    if (g.json) {
      PrintJson(ToJson(s));
      return 0;
    }
    if (!s.lines.empty()) PrintLines(s.lines);
    std::cout << "settled " << a.year << " on " << s.day.ToString() << ": "
              << Counted(s.entries, "entry", "entries") << ", " << s.posted.ToString(2)
              << " posted\n";
    return 0;
  });
}

int EstimateCommand(const Globals& g, const MatchArgs& a) {
  OR_FAIL(AccountNumber account, AccountNumber::Parse(a.account));
  OR_FAIL(Date day, DateArg("--date", a.date));
  const int year = a.year != 0 ? a.year : day.year();
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto registry, Registry::Load(store));
    OR_FAIL(auto lines, EstimateMatch(store, *registry, account, year, day));
    if (g.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const MatchLine& l : lines) out.push_back(ToJson(l));
      PrintJson({{"year", year}, {"lines", out}});
      return 0;
    }
    if (lines.empty()) {
      std::cout << "no match program covers " << account.ToString() << " in " << year << "\n";
      return 0;
    }
    PrintLines(lines);
    for (const MatchLine& l : lines) std::cout << l.benefit << ": " << l.basis << "\n";
    return 0;
  });
}

}  // namespace

void AddContributionsCommands(CLI::App& app, Globals& g, int& status) {
  auto* consent = app.add_subcommand("consent", "Withholding consents (voluntary contributions)")
                      ->require_subcommand(1);
  static ConsentArgs ca;
  auto* add = consent->add_subcommand("add", "Record a worker's consent to withholding");
  AddGlobalOptions(add, g);
  add->add_option("ACCOUNT", ca.account, "Account number")->required();
  add->add_option("--benefit", ca.benefit, "Money benefit, e.g. retirement")->required();
  add->add_option("--percent", ca.percent, "Percent of earnings, e.g. 5%")->required();
  add->add_option("--effective", ca.effective, "First work day withheld (default today)");
  add->add_option("--wording", ca.wording, "Version of the consent text agreed to");
  add->add_option("--by", ca.by, "Who records it (default cli)");
  add->add_option("--date", ca.date, "Today (default: today in UTC)");
  add->callback([&g, &status] { status = AddConsent(g, ca); });
  auto* revoke = consent->add_subcommand("revoke", "Revoke a consent from a day on");
  AddGlobalOptions(revoke, g);
  revoke->add_option("ACCOUNT", ca.account, "Account number")->required();
  revoke->add_option("ID", ca.id, "Consent id")->required();
  revoke->add_option("--effective", ca.effective, "First work day not withheld (default today)");
  revoke->add_option("--by", ca.by, "Who revokes it (default cli)");
  revoke->add_option("--date", ca.date, "Today (default: today in UTC)");
  revoke->callback([&g, &status] { status = RevokeCommand(g, ca); });
  auto* list = consent->add_subcommand("list", "A worker's consents, revoked ones included");
  AddGlobalOptions(list, g);
  list->add_option("ACCOUNT", ca.account, "Account number")->required();
  list->callback([&g, &status] { status = ListCommand(g, ca); });

  static ContributeArgs co;
  auto* contribute = app.add_subcommand("contribute", "Record a worker's one-off contribution");
  AddGlobalOptions(contribute, g);
  contribute->add_option("ACCOUNT", co.account, "Account number")->required();
  contribute->add_option("--benefit", co.benefit, "Money benefit, e.g. retirement")->required();
  contribute->add_option("--amount", co.amount, "Dollars and cents")->required();
  contribute->add_option("--reference", co.reference, "Unique reference for the worker")
      ->required();
  contribute->add_option("--day", co.day, "Day received (default today)");
  contribute->add_option("--date", co.date, "Today (default: today in UTC)");
  contribute->callback([&g, &status] { status = ContributeCommand(g, co); });

  auto* match = app.add_subcommand("match", "Government match of voluntary contributions")
                    ->require_subcommand(1);
  static MatchArgs ma;
  auto* settle = match->add_subcommand("settle", "Settle every worker's match for a year");
  AddGlobalOptions(settle, g);
  settle->add_option("--year", ma.year, "Calendar year")->required();
  settle->add_option("--date", ma.date, "Settlement day (default today)");
  settle->callback([&g, &status] { status = SettleCommand(g, ma); });
  auto* estimate = match->add_subcommand("estimate", "A worker's match for a year so far");
  AddGlobalOptions(estimate, g);
  estimate->add_option("ACCOUNT", ma.account, "Account number")->required();
  estimate->add_option("--year", ma.year, "Calendar year (default this year)");
  estimate->add_option("--date", ma.date, "As of (default today)");
  estimate->callback([&g, &status] { status = EstimateCommand(g, ma); });
}

}  // namespace accrue::cli
