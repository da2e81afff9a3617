// terms, provider, plan, exchange, enroll, enrollment, invoice, remit, reserves, funding.
#include <chrono>

#include "benefits/benefits.h"
#include "benefits/funding.h"
#include "benefits/json.h"
#include "cli/commands.h"

namespace accrue::cli {
namespace {

using namespace benefits;  // NOLINT(google-build-using-namespace)

std::string Cents(int64_t cents) { return Dollars(cents * kCentUnits); }

// The day given with --date, or today (UTC) when none is: the only clock in the module's path.
Result<Date> DateArg(const std::string& text) {
  if (text.empty()) return TodayIn("UTC", std::chrono::system_clock::now());
  auto d = Date::Parse(text);
  if (!d.ok()) return d.status().WithContext("--date");
  return d;
}

Result<Money> MoneyArg(const std::string& option, const std::string& text) {
  auto m = Money::Parse(text, 2);
  if (!m.ok()) return m.status().WithContext(option);
  return m;
}

Result<Ratio> PercentArg(const std::string& option, const std::string& text) {
  auto r = ParsePercent(text);
  if (!r.ok()) return r.status().WithContext(option);
  return r;
}

void Done(const Globals& g, const std::string& text, const nlohmann::json& json) {
  if (g.json) {
    PrintJson(json);
  } else {
    std::cout << text << "\n";
  }
}

// ---- terms ----

struct TermsArgs {
  std::string period, due_days, late_fee, interest, window, effective, provider, plan, pooled;
};

int SetTermsCommand(const Globals& g, const TermsArgs& a) {
  return WithStore(g, [&](Store& store) {
    OR_FAIL(Terms t, GetTerms(store));
    if (!a.period.empty()) {
      if (a.period != "monthly" && a.period != "quarterly") {
        return Fail(Status::Invalid("--invoice-period: '" + a.period +
                                    "' is neither monthly nor quarterly"));
      }
      t.invoice_period =
          a.period == "monthly" ? InvoicePeriod::kMonthly : InvoicePeriod::kQuarterly;
    }
    if (!a.due_days.empty()) {
      OR_FAIL(int64_t days, ParseScaled(a.due_days, 0, 0));
      t.due_days = days;
    }
    if (!a.late_fee.empty()) {
      OR_FAIL(t.late_fee, MoneyArg("--late-fee", a.late_fee));
    }
    if (!a.interest.empty()) {
      OR_FAIL(t.annual_interest, PercentArg("--interest", a.interest));
    }
    if (!a.window.empty()) {
      const size_t dots = a.window.find("..");
      if (dots == std::string::npos) {
        return Fail(
            Status::Invalid("--open-enrollment: give MM-DD..MM-DD, not '" + a.window + "'"));
      }
      OR_FAIL(t.window_open, MonthDay::Parse(a.window.substr(0, dots)));
      OR_FAIL(t.window_close, MonthDay::Parse(a.window.substr(dots + 2)));
    }
    if (!a.effective.empty()) {
      OR_FAIL(t.effective, MonthDay::Parse(a.effective));
    }
    if (!a.provider.empty()) t.default_provider = a.provider;
    if (!a.plan.empty()) t.default_plan = a.plan;
    if (!a.pooled.empty()) t.pooled = SplitNames(a.pooled);
    Status st = SetTerms(store, t);
    if (!st.ok()) return Fail(st);
    return 0;
  });
}

int ShowTerms(const Globals& g) {
  return WithStore(g, [&](Store& store) {
    OR_FAIL(Terms t, GetTerms(store));
    const std::string window = t.window_open.ToString() + ".." + t.window_close.ToString();
    nlohmann::json j = {{"invoice_period", InvoicePeriodName(t.invoice_period)},
                        {"due_days", t.due_days},
                        {"late_fee", t.late_fee.ToFixed(2)},
                        {"annual_interest", FormatPercent(t.annual_interest)},
                        {"open_enrollment", window},
                        {"effective", t.effective.ToString()},
                        {"default_provider", t.default_provider},
                        {"default_plan", t.default_plan},
                        {"pooled", JoinNames(t.pooled)}};
    if (g.json) {
      PrintJson(j);
      return 0;
    }
    Table table({"Term", "Value"});
    for (const auto& [k, v] : j.items())
      table.Add({k, v.is_string() ? v.get<std::string>() : v.dump()});
    table.Print(std::cout);
    return 0;
  });
}

// ---- providers and plans ----

struct ProviderArgs {
  std::string id, name, reserve_ratio = "0", bond = "0", date, reason;
  bool nonprofit = false, coi = false;
};

int AddProviderCommand(const Globals& g, const ProviderArgs& a) {
  OR_FAIL(Date date, DateArg(a.date));
  OR_FAIL(Ratio ratio, PercentArg("--reserve-ratio", a.reserve_ratio));
  OR_FAIL(Money bond, MoneyArg("--bond", a.bond));
  Provider p{a.id, a.name, a.nonprofit, ratio, bond, a.coi};
  return WithStore(g, [&](Store& store) {
    Status st = RegisterProvider(store, p, date);
    if (!st.ok()) return Fail(st);
    Done(g, "registered provider " + a.id, {{"provider", a.id}, {"status", "registered"}});
    return 0;
  });
}

int ProviderStatusCommand(const Globals& g, const std::string& action, const ProviderArgs& a) {
  OR_FAIL(Date date, DateArg(a.date));
  return WithStore(g, [&](Store& store) {
    int64_t moved = 0;
    if (action == "certify") {
      Status st = CertifyProvider(store, a.id, date);
      if (!st.ok()) return Fail(st);
    } else if (action == "reinstate") {
      Status st = ReinstateProvider(store, a.id, date, a.reason);
      if (!st.ok()) return Fail(st);
    } else {
      OR_FAIL(moved, SuspendProvider(store, a.id, date, a.reason));
    }
    const std::string status = action == "suspend" ? "suspended" : "certified";
    Done(g,
         "provider " + a.id + " " + status +
             (action == "suspend"
                  ? "; " + Counted(moved, "member", "members") + " moved to the default provider"
                  : ""),
         {{"provider", a.id}, {"status", status}, {"members_moved", moved}});
    return 0;
  });
}

int ListProvidersCommand(const Globals& g) {
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto list, ListProviders(store));
    if (g.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const Provider& p : list) out.push_back(ToJson(p));
      PrintJson(out);
      return 0;
    }
    Table t({"Provider", "Name", "Status", "Nonprofit", "Reserve ratio", "Fidelity bond",
             "COI attested"});
    for (const Provider& p : list) {
      t.Add({p.id, p.name, ProviderStatusName(p.status), p.nonprofit ? "yes" : "no",
             FormatPercent(p.reserve_ratio), Dollars(p.fidelity_bond.units()),
             p.conflict_of_interest_attested ? "yes" : "no"});
    }
    t.Print(std::cout);
    return 0;
  });
}

struct PlanArgs {
  std::string provider, id, name, mandatory, optional, monthly_fee = "0", contribution_fee = "0";
};

int AddPlanCommand(const Globals& g, const PlanArgs& a) {
  OR_FAIL(Money fee, MoneyArg("--monthly-fee", a.monthly_fee));
  OR_FAIL(Ratio share, PercentArg("--contribution-fee", a.contribution_fee));
  Plan plan{a.provider, a.id, a.name, SplitNames(a.mandatory), SplitNames(a.optional), fee, share};
  return WithStore(g, [&](Store& store) {
    Status st = AddPlan(store, plan);
    if (!st.ok()) return Fail(st);
    Done(g, "added plan " + a.id + " of " + a.provider, ToJson(plan));
    return 0;
  });
}

int ListPlansCommand(const Globals& g, const std::string& provider) {
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto plans, ListPlans(store, provider));
    if (g.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const Plan& p : plans) out.push_back(ToJson(p));
      PrintJson(out);
      return 0;
    }
    Table t({"Provider", "Plan", "Name", "Mandatory (pooled)", "Optional", "Monthly fee",
             "Contribution fee"});
    for (const Plan& p : plans) {
      t.Add({p.provider, p.id, p.name, JoinNames(p.mandatory), JoinNames(p.optional),
             Dollars(p.monthly_fee.units()), FormatPercent(p.contribution_fee)});
    }
    t.Print(std::cout);
    return 0;
  });
}

int ExchangeCommand(const Globals& g) {
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto rows, Exchange(store));
    OR_FAIL(auto reserves, Reserves(store));
    auto reserve_of = [&](const std::string& id) {
      for (const auto& r : reserves) {
        if (r.provider == id) return r;
      }
      return ProviderReserve{};
    };
    if (g.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const ExchangeRow& r : rows) out.push_back(ToJson(r, reserves));
      PrintJson(out);
      return 0;
    }
    Table t({"Provider", "Plan", "Mandatory (pooled)", "Optional", "Monthly fee",
             "Contribution fee", "Members", "Reserves", "Required", "Default"});
    for (const ExchangeRow& r : rows) {
      const ProviderReserve res = reserve_of(r.provider.id);
      t.Add({r.provider.name, r.plan.name, JoinNames(r.plan.mandatory), JoinNames(r.plan.optional),
             Dollars(r.plan.monthly_fee.units()), FormatPercent(r.plan.contribution_fee),
             std::to_string(r.members), FormatPercent(res.ratio), FormatPercent(res.required),
             r.is_default ? "default" : ""});
    }
    t.Print(std::cout);
    return 0;
  });
}

// ---- enrollment ----

struct EnrollArgs {
  std::string account, provider, plan, choose, date;
};

int EnrollCommand(const Globals& g, const EnrollArgs& a) {
  OR_FAIL(AccountNumber account, AccountNumber::Parse(a.account));
  OR_FAIL(Date date, DateArg(a.date));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto r, Choose(store, account, a.provider, a.plan, SplitNames(a.choose), date));
    nlohmann::json j = {{"account", account.ToString()},
                        {"provider", a.provider},
                        {"plan", a.plan},
                        {"enrolled", r.enrolled_now}};
    if (r.election) j["effective"] = r.election->effective.ToString();
    Done(g,
         r.enrolled_now
             ? "enrolled " + account.ToString() + " in " + a.provider + " plan " + a.plan
             : "transfer of " + account.ToString() + " to " + a.provider + " plan " + a.plan +
                   " elected; it takes effect " + r.election->effective.ToString(),
         j);
    return 0;
  });
}

int ApplyCommand(const Globals& g, const std::string& date_text, bool defaults) {
  OR_FAIL(Date date, DateArg(date_text));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(int64_t n, defaults ? AssignDefaults(store, date) : ApplyElections(store, date));
    Done(g,
         defaults ? Counted(n, "account", "accounts") + " assigned the default provider"
                  : Counted(n, "transfer", "transfers") + " carried out",
         {{defaults ? "assigned" : "transferred", n}});
    return 0;
  });
}

int ShowEnrollment(const Globals& g, const std::string& account_text) {
  OR_FAIL(AccountNumber account, AccountNumber::Parse(account_text));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto current, FindEnrollment(store, account));
    OR_FAIL(auto pending, PendingElection(store, account));
    OR_FAIL(auto history, EnrollmentHistory(store, account));
    nlohmann::json j = EnrollmentJson(account, current, pending, history);
    if (g.json) {
      PrintJson(j);
      return 0;
    }
    std::cout << "Account " << account.ToString() << ": "
              << (current ? "enrolled with " + current->provider + " plan " + current->plan +
                                " since " + current->since.ToString() + " (" + current->how + ")"
                          : std::string("not enrolled; the default provider will be assigned"))
              << "\n";
    if (pending) {
      std::cout << "Elected: " << pending->provider << " plan " << pending->plan << ", effective "
                << pending->effective.ToString() << "\n";
    }
    std::cout << "\n";
    Table t({"Date", "Event", "From", "To", "Funded moved", "Balances moved"});
    for (const auto& e : j["history"]) {
      std::string moved;
      for (const auto& b : e["balances"]) {
        moved += (moved.empty() ? "" : "; ") + b["account"].get<std::string>() + " " +
                 b["amount"].get<std::string>();
      }
      t.Add({e["date"], e["event"], e["from"], e["to"], e["funded_moved"], moved});
    }
    t.Print(std::cout);
    return 0;
  });
}

// ---- funding ----

void PrintInvoices(const std::vector<Invoice>& list, std::ostream& out) {
  Table t({"Invoice", "Entity", "Period", "Due", "Workers", "Amount", "Charges", "Paid", "Unpaid",
           "Carried"});
  for (const Invoice& i : list) {
    t.Add({std::to_string(i.id), i.entity, i.period, i.due.ToString(), std::to_string(i.workers),
           Cents(i.amount_cents), Cents(i.charges_cents),
           Cents(i.paid_principal_cents + i.paid_charges_cents), Cents(i.unpaid_cents()),
           Money::FromUnits(i.carried_out_units).ToString(2)});
  }
  t.Print(out);
}

int IssueCommand(const Globals& g, const std::string& period, const std::string& date_text) {
  OR_FAIL(Date date, DateArg(date_text));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto r, IssueInvoices(store, period, date));
    if (g.json) {
      nlohmann::json out = {{"issued", nlohmann::json::array()},
                            {"already_issued", r.already_issued}};
      for (const Invoice& i : r.issued) out["issued"].push_back(ToJson(i));
      PrintJson(out);
      return 0;
    }
    std::cout << Counted(static_cast<int64_t>(r.issued.size()), "invoice", "invoices")
              << " issued for " << period << " (" << r.already_issued << " issued before)\n";
    if (!r.issued.empty()) PrintInvoices(r.issued, std::cout);
    return 0;
  });
}

int ListInvoicesCommand(const Globals& g, const std::string& entity) {
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto list, ListInvoices(store, entity));
    if (g.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const Invoice& i : list) out.push_back(ToJson(i));
      PrintJson(out);
      return 0;
    }
    PrintInvoices(list, std::cout);
    return 0;
  });
}

int LateCommand(const Globals& g, const std::string& date_text, bool assess) {
  OR_FAIL(Date date, DateArg(date_text));
  return WithStore(g, [&](Store& store) {
    int64_t assessed = 0;
    if (assess) {
      OR_FAIL(assessed, AssessLateCharges(store, date));
    }
    OR_FAIL(auto late, ListDelinquent(store, date));
    if (g.json) {
      nlohmann::json out = {{"assessed", CentsJson(assessed)},
                            {"delinquent", nlohmann::json::array()}};
      for (const Delinquent& d : late) {
        nlohmann::json j = ToJson(d.invoice);
        j["days_late"] = d.days_late;
        out["delinquent"].push_back(j);
      }
      PrintJson(out);
      return 0;
    }
    if (assess) std::cout << "late charges assessed: " << Cents(assessed) << "\n";
    Table t({"Invoice", "Entity", "Period", "Due", "Days late", "Unpaid"});
    for (const Delinquent& d : late) {
      t.Add({std::to_string(d.invoice.id), d.invoice.entity, d.invoice.period,
             d.invoice.due.ToString(), std::to_string(d.days_late),
             Cents(d.invoice.unpaid_cents())});
    }
    t.Print(std::cout);
    return 0;
  });
}

struct RemitArgs {
  std::string entity, amount, date, reference;
};

int RemitCommand(const Globals& g, const RemitArgs& a) {
  OR_FAIL(Money amount, MoneyArg("AMOUNT", a.amount));
  OR_FAIL(Date date, DateArg(a.date));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto r, RecordRemittance(store, a.entity, amount, date, a.reference));
    if (g.json) {
      nlohmann::json out = {{"remittance", r.remittance.id},
                            {"entity", a.entity},
                            {"amount", CentsJson(r.remittance.amount_cents)},
                            {"applied", nlohmann::json::array()},
                            {"credit", CentsJson(r.credit_cents)}};
      for (const auto& x : r.applied) {
        out["applied"].push_back({{"invoice", x.invoice},
                                  {"period", x.period},
                                  {"principal", CentsJson(x.principal_cents)},
                                  {"charges", CentsJson(x.charges_cents)}});
      }
      PrintJson(out);
      return 0;
    }
    std::cout << "remittance " << r.remittance.id << " of " << Cents(r.remittance.amount_cents)
              << " from " << a.entity << "\n";
    for (const auto& x : r.applied) {
      std::cout << "  invoice " << x.invoice << " (" << x.period << "): principal "
                << Cents(x.principal_cents) << ", late charges " << Cents(x.charges_cents) << "\n";
    }
    if (r.credit_cents > 0) std::cout << "  held as credit: " << Cents(r.credit_cents) << "\n";
    return 0;
  });
}

int ReservesCommand(const Globals& g) {
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto list, Reserves(store));
    if (g.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const ProviderReserve& r : list) {
        out.push_back(ToJson(r));
      }
      PrintJson(out);
      return 0;
    }
    Table t({"Provider", "Members", "Earned", "Funded", "Reserve ratio", "Required", ""});
    for (const ProviderReserve& r : list) {
      t.Add({r.provider, std::to_string(r.members), Dollars(r.earned.units()),
             Cents(r.funded_cents), FormatPercent(r.ratio), FormatPercent(r.required),
             r.meets ? "meets" : "SHORT"});
    }
    t.Print(std::cout);
    return 0;
  });
}

int FundingCommand(const Globals& g, const std::string& account_text) {
  OR_FAIL(AccountNumber account, AccountNumber::Parse(account_text));
  return WithStore(g, [&](Store& store) {
    OR_FAIL(auto f, FundingOf(store, account));
    nlohmann::json j = ToJson(f);
    if (g.json) {
      PrintJson(j);
      return 0;
    }
    std::cout << "Account " << account.ToString() << "  "
              << (f.provider.empty() ? "not enrolled" : "with " + f.provider + " plan " + f.plan)
              << "\n\n";
    Table t(
        {"Earned", "Invoiced to hiring entities", "Funded (received)", "Advanced by the provider"});
    t.Add({Dollars(f.earned.units()), Dollars(f.invoiced.units()), Cents(f.funded_cents),
           Cents(f.advanced_cents)});
    t.Print(std::cout);
    return 0;
  });
}

}  // namespace

void AddBenefitsCommands(CLI::App& app, Globals& g, int& status) {
  // terms
  static TermsArgs terms;
  auto* tcmd = app.add_subcommand("terms", "The program's funding and enrollment terms")
                   ->require_subcommand(1);
  auto* tset = tcmd->add_subcommand("set", "Change the terms (options not given stay)");
  AddGlobalOptions(tset, g);
  tset->add_option("--invoice-period", terms.period, "monthly or quarterly");
  tset->add_option("--due-days", terms.due_days, "Days after the period's end an invoice is due");
  tset->add_option("--late-fee", terms.late_fee, "Charged once on an invoice past due");
  tset->add_option("--interest", terms.interest, "Annual simple interest on unpaid principal");
  tset->add_option("--open-enrollment", terms.window, "Window MM-DD..MM-DD, e.g. 11-01..12-15");
  tset->add_option("--effective", terms.effective, "Transfers take effect on MM-DD after it");
  tset->add_option("--default-provider", terms.provider, "Provider of accounts with no choice");
  tset->add_option("--default-plan", terms.plan, "Plan of the default provider");
  tset->add_option("--pooled", terms.pooled, "Benefits every plan must pool, comma-separated");
  tset->callback([&g, &status] { status = SetTermsCommand(g, terms); });
  auto* tshow = tcmd->add_subcommand("show", "Print the terms");
  AddGlobalOptions(tshow, g);
  tshow->callback([&g, &status] { status = ShowTerms(g); });

  // provider
  static ProviderArgs prov;
  auto* pcmd = app.add_subcommand("provider", "Benefit providers")->require_subcommand(1);
  auto* padd = pcmd->add_subcommand("add", "Register a provider");
  AddGlobalOptions(padd, g);
  padd->add_option("ID", prov.id, "Provider id")->required();
  padd->add_option("--name", prov.name, "Name")->required();
  padd->add_flag("--nonprofit", prov.nonprofit, "A nonprofit organisation");
  padd->add_option("--reserve-ratio", prov.reserve_ratio, "Required reserve ratio, e.g. 25%");
  padd->add_option("--bond", prov.bond, "Fidelity bond amount");
  padd->add_flag("--coi-attested", prov.coi, "Conflict-of-interest attestation on file");
  padd->add_option("--date", prov.date, "Day of registration (default today)");
  padd->callback([&g, &status] { status = AddProviderCommand(g, prov); });
  for (const char* action : {"certify", "suspend", "reinstate"}) {
    auto* c = pcmd->add_subcommand(action, std::string(action) + " a provider");
    AddGlobalOptions(c, g);
    c->add_option("ID", prov.id, "Provider id")->required();
    c->add_option("--date", prov.date, "Day (default today)");
    if (std::string(action) != "certify") c->add_option("--reason", prov.reason, "Why");
    c->callback([&g, &status, action] { status = ProviderStatusCommand(g, action, prov); });
  }
  auto* plist = pcmd->add_subcommand("list", "List providers");
  AddGlobalOptions(plist, g);
  plist->callback([&g, &status] { status = ListProvidersCommand(g); });

  // plan
  static PlanArgs plan;
  auto* plcmd = app.add_subcommand("plan", "Providers' plans")->require_subcommand(1);
  auto* pladd = plcmd->add_subcommand("add", "Add a plan to a provider");
  AddGlobalOptions(pladd, g);
  pladd->add_option("PROVIDER", plan.provider, "Provider id")->required();
  pladd->add_option("PLAN", plan.id, "Plan id")->required();
  pladd->add_option("--name", plan.name, "Name")->required();
  pladd->add_option("--mandatory", plan.mandatory, "Pooled benefits, comma-separated")->required();
  pladd->add_option("--optional", plan.optional, "Benefits the worker may choose");
  pladd->add_option("--monthly-fee", plan.monthly_fee, "Administration fee a month");
  pladd->add_option("--contribution-fee", plan.contribution_fee,
                    "Share of contributions, e.g. 1.5%");
  pladd->callback([&g, &status] { status = AddPlanCommand(g, plan); });
  static std::string plan_provider;
  auto* pllist = plcmd->add_subcommand("list", "List plans");
  AddGlobalOptions(pllist, g);
  pllist->add_option("--provider", plan_provider, "Only this provider's");
  pllist->callback([&g, &status] { status = ListPlansCommand(g, plan_provider); });

  auto* ex = app.add_subcommand("exchange", "Certified providers' plans side by side");
  AddGlobalOptions(ex, g);
  ex->callback([&g, &status] { status = ExchangeCommand(g); });

  // enrollment
  static EnrollArgs enroll;
  auto* en = app.add_subcommand("enroll", "Choose a provider and plan for an account");
  AddGlobalOptions(en, g);
  en->add_option("ACCOUNT", enroll.account, "Account number")->required();
  en->add_option("--provider", enroll.provider, "Provider id")->required();
  en->add_option("--plan", enroll.plan, "Plan id")->required();
  en->add_option("--choose", enroll.choose, "Optional benefits chosen, comma-separated");
  en->add_option("--date", enroll.date, "Day of the choice (default today)");
  en->callback([&g, &status] { status = EnrollCommand(g, enroll); });
  static std::string enrollment_date, enrollment_account;
  auto* ecmd =
      app.add_subcommand("enrollment", "Transfers, defaults and history")->require_subcommand(1);
  auto* apply = ecmd->add_subcommand("apply", "Carry out the elections effective by --date");
  AddGlobalOptions(apply, g);
  apply->add_option("--date", enrollment_date, "Day (default today)");
  apply->callback([&g, &status] { status = ApplyCommand(g, enrollment_date, false); });
  auto* defaults = ecmd->add_subcommand("defaults", "Assign the default provider to the rest");
  AddGlobalOptions(defaults, g);
  defaults->add_option("--date", enrollment_date, "Day (default today)");
  defaults->callback([&g, &status] { status = ApplyCommand(g, enrollment_date, true); });
  auto* show = ecmd->add_subcommand("show", "An account's enrollment and its history");
  AddGlobalOptions(show, g);
  show->add_option("ACCOUNT", enrollment_account, "Account number")->required();
  show->callback([&g, &status] { status = ShowEnrollment(g, enrollment_account); });

  // invoices
  static std::string period, invoice_date, invoice_entity;
  static bool assess = false;
  auto* inv = app.add_subcommand("invoice", "Hiring entities' invoices")->require_subcommand(1);
  auto* issue = inv->add_subcommand("issue", "Issue every entity's invoice for a period");
  AddGlobalOptions(issue, g);
  issue->add_option("--period", period, "YYYY-MM or YYYY-Qn")->required();
  issue->add_option("--date", invoice_date, "Day of issue (default today)");
  issue->callback([&g, &status] { status = IssueCommand(g, period, invoice_date); });
  auto* ilist = inv->add_subcommand("list", "List invoices");
  AddGlobalOptions(ilist, g);
  ilist->add_option("--entity", invoice_entity, "Only this entity's");
  ilist->callback([&g, &status] { status = ListInvoicesCommand(g, invoice_entity); });
  auto* late = inv->add_subcommand("late", "Invoices past due (and --assess their charges)");
  AddGlobalOptions(late, g);
  late->add_option("--date", invoice_date, "As of (default today)");
  late->add_flag("--assess", assess, "Assess the late fee and interest first");
  late->callback([&g, &status] { status = LateCommand(g, invoice_date, assess); });

  static RemitArgs remit;
  auto* rm = app.add_subcommand("remit", "Record a payment from a hiring entity");
  AddGlobalOptions(rm, g);
  rm->add_option("ENTITY", remit.entity, "Hiring entity id")->required();
  rm->add_option("AMOUNT", remit.amount, "Amount paid, e.g. 1250.00")->required();
  rm->add_option("--date", remit.date, "Day received (default today)");
  rm->add_option("--reference", remit.reference, "The payment's reference; refused if reused");
  rm->callback([&g, &status] { status = RemitCommand(g, remit); });

  auto* res = app.add_subcommand("reserves", "Funded money each provider holds, and its ratio");
  AddGlobalOptions(res, g);
  res->callback([&g, &status] { status = ReservesCommand(g); });

  static std::string funding_account;
  auto* fund = app.add_subcommand("funding", "What a worker earned and what is funded");
  AddGlobalOptions(fund, g);
  fund->add_option("ACCOUNT", funding_account, "Account number")->required();
  fund->callback([&g, &status] { status = FundingCommand(g, funding_account); });
}

}  // namespace accrue::cli
