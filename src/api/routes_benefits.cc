// Benefits administration over the API: the exchange, a worker's enrollment, eligibility and
// funding; an entity's invoices; the administrator's providers, plans, invoicing, remittances,
// delinquency, reserves, contribution aggregates and policy simulations; a provider's own
// standing. Each route is a thin adapter over src/benefits, src/eligibility and src/sim: the
// rules live there, with today's date taken from the API's clock.
#include <map>

#include "aggregates/aggregates.h"
#include "api/api.h"
#include "benefits/benefits.h"
#include "benefits/funding.h"
#include "benefits/json.h"
#include "eligibility/worker_work.h"
#include "ledger/ledger.h"
#include "sim/output.h"
#include "sim/simulator.h"

namespace accrue::api {
namespace {

using namespace benefits;  // NOLINT(google-build-using-namespace)

constexpr unsigned kAdmin = static_cast<unsigned>(Role::kAdmin);
constexpr unsigned kEntity = static_cast<unsigned>(Role::kEntity);
constexpr unsigned kWorker = static_cast<unsigned>(Role::kWorker);
constexpr unsigned kProvider = static_cast<unsigned>(Role::kProvider);

// The JSON body as an object; a problem response otherwise.
std::optional<HttpResponse> ObjectBody(const Call& call, nlohmann::json* out,
                                       bool empty_ok = false) {
  if (empty_ok && call.request.body.empty()) {
    *out = nlohmann::json::object();
    return std::nullopt;
  }
  HttpResponse problem;
  auto body = ParseJsonBody(call.request, &problem);
  if (!body.ok()) return problem;
  if (!body->is_object()) return Problem(422, "invalid", "the body must be a JSON object");
  *out = std::move(*body);
  return std::nullopt;
}

// A string field of a body: required unless `fallback` is given.
std::optional<HttpResponse> Field(const nlohmann::json& j, const std::string& name,
                                  std::string* out, std::optional<std::string> fallback = {}) {
  if (!j.contains(name)) {
    if (fallback) {
      *out = *fallback;
      return std::nullopt;
    }
    return Problem(422, "invalid", name + " is required", {{"/" + name, "missing"}});
  }
  if (j[name].is_number()) {
    *out = j[name].dump();
  } else if (j[name].is_string()) {
    *out = j[name].get<std::string>();
  } else {
    return Problem(422, "invalid", name + " must be a string", {{"/" + name, "not a string"}});
  }
  if (out->size() > 200) return Problem(422, "invalid", name + " is longer than 200 bytes");
  return std::nullopt;
}

std::vector<std::string> Names(const nlohmann::json& j, const std::string& name) {
  std::vector<std::string> out;
  if (j.contains(name) && j[name].is_array()) {
    for (const auto& v : j[name]) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

#define OR_RESPOND(expr)                                     \
  do {                                                       \
    if (auto _refused = (expr)) return std::move(*_refused); \
  } while (0)

// ---- worker ----

std::optional<HttpResponse> Eligibility(Api& api, Call& call) {
  int months = 3;
  if (call.request.HasQuery("months")) {
    const std::string t = call.request.Query("months");
    if (t.empty() || t.size() > 3 || t.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(t) < 1 || std::stoi(t) > 24) {
      return Problem(400, "bad_query", "months must be a whole number from 1 to 24",
                     {{"months", "out of range"}});
    }
    months = std::stoi(t);
  }
  YearMonth first = YearMonth::Of(api.Today());  // this month, in UTC
  if (call.request.HasQuery("from")) {
    auto parsed = YearMonth::Parse(call.request.Query("from"));
    if (!parsed.ok()) {
      return Problem(400, "bad_query", "from must be YYYY-MM", {{"from", "not a month"}});
    }
    first = *parsed;
  }
  const YearMonth last = first.Plus(months - 1);
  const AccountNumber account = PathAccount(call);
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  const auto registry = api.registry().Get();
  ASSIGN_OR_RETURN_RESPONSE(auto programs,
                            WorkerEligibility(*conn, *registry, account, first, last));
  return JsonResponse(200, ToJson(account, first, last, programs));
}

std::optional<HttpResponse> GetEnrollment(Api& api, Call& call) {
  const AccountNumber account = PathAccount(call);
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto current, FindEnrollment(*conn, account));
  ASSIGN_OR_RETURN_RESPONSE(auto pending, PendingElection(*conn, account));
  ASSIGN_OR_RETURN_RESPONSE(auto history, EnrollmentHistory(*conn, account));
  ASSIGN_OR_RETURN_RESPONSE(auto terms, GetTerms(*conn));
  nlohmann::json j = EnrollmentJson(account, current, pending, history);
  const Window w = WindowFor(terms, api.Today());
  j["open_enrollment"] = {{"opens", w.open.ToString()},
                          {"closes", w.close.ToString()},
                          {"effective", w.effective.ToString()},
                          {"open_now", w.Contains(api.Today())}};
  return JsonResponse(200, j);
}

std::optional<HttpResponse> Choose(Api& api, Call& call) {
  nlohmann::json body;
  OR_RESPOND(ObjectBody(call, &body));
  std::string provider, plan;
  OR_RESPOND(Field(body, "provider", &provider));
  OR_RESPOND(Field(body, "plan", &plan));
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto r, benefits::Choose(*conn, PathAccount(call), provider, plan,
                                                     Names(body, "choices"), api.Today()));
  nlohmann::json out = {{"enrolled_now", r.enrolled_now}};
  if (r.election) {
    out["election"] = {{"provider", r.election->provider},
                       {"plan", r.election->plan},
                       {"effective", r.election->effective.ToString()}};
  }
  return JsonResponse(201, out);
}

std::optional<HttpResponse> Funding(Api& api, Call& call) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto f, FundingOf(*conn, PathAccount(call)));
  return JsonResponse(200, ToJson(f));
}

std::optional<HttpResponse> ExchangeList(Api& api, Call&) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto rows, Exchange(*conn));
  ASSIGN_OR_RETURN_RESPONSE(auto reserves, Reserves(*conn));
  nlohmann::json out = nlohmann::json::array();
  for (const ExchangeRow& r : rows) out.push_back(ToJson(r, reserves));
  return JsonResponse(200, {{"plans", out}});
}

// ---- entity ----

std::optional<HttpResponse> EntityInvoices(Api& api, Call& call) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto list, ListInvoices(*conn, call.Param("entity")));
  ASSIGN_OR_RETURN_RESPONSE(int64_t credit, EntityCredit(*conn, call.Param("entity")));
  nlohmann::json out = nlohmann::json::array();
  for (const Invoice& i : list) out.push_back(ToJson(i));
  return JsonResponse(200, {{"invoices", out}, {"credit", CentsJson(credit)}});
}

// ---- administrator ----

std::optional<HttpResponse> ListProvidersRoute(Api& api, Call&) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto list, ListProviders(*conn));
  nlohmann::json out = nlohmann::json::array();
  for (const Provider& p : list) out.push_back(ToJson(p));
  return JsonResponse(200, {{"providers", out}});
}

std::optional<HttpResponse> AddProvider(Api& api, Call& call) {
  nlohmann::json body;
  OR_RESPOND(ObjectBody(call, &body));
  Provider p;
  std::string ratio, bond;
  OR_RESPOND(Field(body, "id", &p.id));
  OR_RESPOND(Field(body, "name", &p.name));
  OR_RESPOND(Field(body, "reserve_ratio", &ratio, "0%"));
  OR_RESPOND(Field(body, "fidelity_bond", &bond, "0"));
  p.nonprofit = body.value("nonprofit", false);
  p.conflict_of_interest_attested = body.value("conflict_of_interest_attested", false);
  auto r = ParsePercent(ratio);
  if (!r.ok()) return Problem(422, "invalid", r.status().message(), {{"/reserve_ratio", "bad"}});
  auto b = Money::Parse(bond, 2);
  if (!b.ok()) return Problem(422, "invalid", b.status().message(), {{"/fidelity_bond", "bad"}});
  p.reserve_ratio = *r;
  p.fidelity_bond = *b;
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  Status st = RegisterProvider(*conn, p, api.Today());
  if (!st.ok()) return FromStatus(st);
  p.registered = api.Today();
  return JsonResponse(201, ToJson(p));
}

std::optional<HttpResponse> ProviderAction(Api& api, Call& call, const std::string& action) {
  nlohmann::json body;
  OR_RESPOND(ObjectBody(call, &body, true));
  std::string reason;
  OR_RESPOND(Field(body, "reason", &reason, ""));
  const std::string& id = call.Param("provider");
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  nlohmann::json out = {{"provider", id}, {"action", action}};
  Status st;
  if (action == "certify") {
    st = CertifyProvider(*conn, id, api.Today());
  } else if (action == "reinstate") {
    st = ReinstateProvider(*conn, id, api.Today(), reason);
  } else {
    auto moved = SuspendProvider(*conn, id, api.Today(), reason);
    st = moved.status();
    if (moved.ok()) out["members_moved"] = *moved;
  }
  if (!st.ok()) return FromStatus(st);
  return JsonResponse(200, out);
}

std::optional<HttpResponse> AddPlanRoute(Api& api, Call& call) {
  nlohmann::json body;
  OR_RESPOND(ObjectBody(call, &body));
  Plan plan;
  plan.provider = call.Param("provider");
  std::string fee, share;
  OR_RESPOND(Field(body, "id", &plan.id));
  OR_RESPOND(Field(body, "name", &plan.name));
  OR_RESPOND(Field(body, "monthly_fee", &fee, "0"));
  OR_RESPOND(Field(body, "contribution_fee", &share, "0%"));
  plan.mandatory = Names(body, "mandatory");
  plan.optional = Names(body, "optional");
  auto f = Money::Parse(fee, 2);
  if (!f.ok()) return Problem(422, "invalid", f.status().message(), {{"/monthly_fee", "bad"}});
  auto s = ParsePercent(share);
  if (!s.ok()) {
    return Problem(422, "invalid", s.status().message(), {{"/contribution_fee", "bad"}});
  }
  plan.monthly_fee = *f;
  plan.contribution_fee = *s;
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  Status st = AddPlan(*conn, plan);
  if (!st.ok()) return FromStatus(st);
  return JsonResponse(201, ToJson(plan));
}

std::optional<HttpResponse> IssueProviderKey(Api& api, Call& call) {
  const std::string& id = call.Param("provider");
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto providers, ListProviders(*conn));
  if (std::none_of(providers.begin(), providers.end(),
                   [&](const Provider& p) { return p.id == id; })) {
    return Problem(404, "not_found", "no provider '" + id + "'");
  }
  ASSIGN_OR_RETURN_RESPONSE(auto key,
                            Credentials(conn->sql()).IssueKey(Role::kProvider, id, "", api.Now()));
  return JsonResponse(201, {{"id", key.id}, {"token", key.token}, {"provider", id}});
}

std::optional<HttpResponse> IssueInvoicesRoute(Api& api, Call& call) {
  nlohmann::json body;
  OR_RESPOND(ObjectBody(call, &body));
  std::string period;
  OR_RESPOND(Field(body, "period", &period));
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto r, IssueInvoices(*conn, period, api.Today()));
  nlohmann::json out = {{"issued", nlohmann::json::array()}, {"already_issued", r.already_issued}};
  for (const Invoice& i : r.issued) out["issued"].push_back(ToJson(i));
  return JsonResponse(201, out);
}

std::optional<HttpResponse> AllInvoices(Api& api, Call&) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto list, ListInvoices(*conn));
  nlohmann::json out = nlohmann::json::array();
  for (const Invoice& i : list) out.push_back(ToJson(i));
  return JsonResponse(200, {{"invoices", out}});
}

std::optional<HttpResponse> Remit(Api& api, Call& call) {
  nlohmann::json body;
  OR_RESPOND(ObjectBody(call, &body));
  std::string amount, reference;
  OR_RESPOND(Field(body, "amount", &amount));
  OR_RESPOND(Field(body, "reference", &reference, ""));
  auto money = Money::Parse(amount, 2);
  if (!money.ok()) {
    return Problem(422, "invalid", "amount: " + money.status().message(), {{"/amount", "bad"}});
  }
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(
      auto r, RecordRemittance(*conn, call.Param("entity"), *money, api.Today(), reference));
  nlohmann::json out = {{"remittance", r.remittance.id},
                        {"amount", CentsJson(r.remittance.amount_cents)},
                        {"credit", CentsJson(r.credit_cents)},
                        {"applied", nlohmann::json::array()}};
  for (const auto& x : r.applied) {
    out["applied"].push_back({{"invoice", x.invoice},
                              {"period", x.period},
                              {"principal", CentsJson(x.principal_cents)},
                              {"charges", CentsJson(x.charges_cents)}});
  }
  return JsonResponse(201, out);
}

std::optional<HttpResponse> Delinquencies(Api& api, Call&) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto list, ListDelinquent(*conn, api.Today()));
  nlohmann::json out = nlohmann::json::array();
  for (const Delinquent& d : list) {
    nlohmann::json j = ToJson(d.invoice);
    j["days_late"] = d.days_late;
    out.push_back(std::move(j));
  }
  return JsonResponse(200, {{"delinquent", out}});
}

std::optional<HttpResponse> ReservesRoute(Api& api, Call&) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto list, Reserves(*conn));
  nlohmann::json out = nlohmann::json::array();
  for (const ProviderReserve& r : list) out.push_back(ToJson(r));
  return JsonResponse(200, {{"reserves", out}});
}

// Contributions credited to workers, by month of work, jurisdiction, program, benefit and payer
// (aggregates/aggregates.h: corrections net out, a reversal counting against the month it
// reverses).
std::optional<HttpResponse> Aggregates(Api& api, Call& call) {
  auto month = [&](const std::string& name, YearMonth fallback) -> std::optional<YearMonth> {
    if (!call.request.HasQuery(name)) return fallback;
    auto m = YearMonth::Parse(call.request.Query(name));
    return m.ok() ? std::optional<YearMonth>(*m) : std::nullopt;
  };
  const YearMonth now = YearMonth::Of(api.Today());
  auto to = month("to", now);
  auto from = to ? month("from", to->Plus(-11)) : std::nullopt;
  if (!from || !to || *to < *from || to->Plus(-120) > *from) {
    return Problem(400, "bad_query", "from and to must be months YYYY-MM, from ≤ to, ≤ 10 years",
                   {{"from", "bad range"}});
  }
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto sums,
                            aggregates::Contributions(*conn, from->ToString(), to->ToString()));
  return JsonResponse(200, aggregates::ToJson(from->ToString(), to->ToString(), sums));
}

// A bounded simulation over packs already loaded, on a synthetic population.
std::optional<HttpResponse> Simulate(Api& api, Call& call) {
  nlohmann::json body;
  OR_RESPOND(ObjectBody(call, &body));
  const auto registry = api.registry().Get();
  sim::SimulationRequest req;
  std::vector<FieldProblem> problems;
  auto scenario = [&](const std::string& field) {
    sim::Scenario s;
    for (const std::string& id : Names(body, field)) {
      const PolicyPack* p = registry->policies().Find(id);
      if (p == nullptr) {
        problems.push_back({"/" + field, "no policy pack '" + id + "' is loaded"});
        continue;
      }
      for (const PackPtr& pp : registry->policies().packs()) {
        if (pp.get() == p) s.packs.push_back(pp);
      }
      s.name += (s.name.empty() ? "" : "+") + id;
    }
    return s;
  };
  req.scenarios.push_back(scenario("packs"));
  if (req.scenarios[0].packs.empty() && problems.empty()) {
    problems.push_back({"/packs", "name at least one loaded policy pack"});
  }
  if (body.contains("compare")) req.scenarios.push_back(scenario("compare"));
  sim::SyntheticSpec spec;
  spec.workers = body.value("workers", int64_t{10'000});
  spec.seed = body.value("seed", uint64_t{1});
  req.months = body.value("months", 12);
  if (spec.workers < 1 || spec.workers > 100'000) {
    problems.push_back({"/workers", "workers must be from 1 to 100000 over the API"});
  }
  if (req.months < 1 || req.months > 36) {
    problems.push_back({"/months", "months must be from 1 to 36 over the API"});
  }
  std::string start;
  OR_RESPOND(Field(body, "start", &start, "2026-01"));
  auto first = Date::Parse(start + "-01");
  if (!first.ok()) problems.push_back({"/start", "start must be a month YYYY-MM"});
  for (const std::string& t : Names(body, "thresholds")) {
    auto th = sim::ParseThreshold(t);
    th.ok() ? req.thresholds.push_back(*th)
            : problems.push_back({"/thresholds", th.status().message()});
  }
  if (!problems.empty()) return Problem(422, "invalid", "the simulation was refused", problems);
  req.first_day = *first;
  for (const auto& [code, j] : registry->jurisdictions()) req.jurisdictions.push_back(j);
  req.benefits = registry->benefits();
  req.threads = 2;
  ASSIGN_OR_RETURN_RESPONSE(auto population, sim::MakeSyntheticPopulation(spec));
  req.population = population.get();
  ASSIGN_OR_RETURN_RESPONSE(auto result, sim::RunSimulation(req));
  if (call.request.Query("format") == "svg") {
    HttpResponse r;
    r.content_type = "image/svg+xml";
    r.body = sim::ToSvg(result);
    return r;
  }
  return JsonResponse(200, sim::ToJson(result));
}

// ---- provider ----

std::optional<HttpResponse> ProviderStanding(Api& api, Call& call) {
  const std::string& id = call.Param("provider");
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto providers, ListProviders(*conn));
  auto it = std::find_if(providers.begin(), providers.end(),
                         [&](const Provider& p) { return p.id == id; });
  if (it == providers.end()) return Problem(404, "not_found", "no provider '" + id + "'");
  nlohmann::json out = ToJson(*it);
  ASSIGN_OR_RETURN_RESPONSE(auto reserves, Reserves(*conn));
  for (const ProviderReserve& r : reserves) {
    if (r.provider == id) out["reserves"] = ToJson(r);
  }
  ASSIGN_OR_RETURN_RESPONSE(auto plans, ListPlans(*conn, id));
  out["plans"] = nlohmann::json::array();
  for (const Plan& p : plans) out["plans"].push_back(ToJson(p));
  return JsonResponse(200, out);
}

Handler Action(const std::string& action) {
  return [action](Api& api, Call& call) { return ProviderAction(api, call, action); };
}

}  // namespace

void AddBenefitsRoutes(std::vector<Route>* routes) {
  routes->push_back({"GET", "/v1/exchange", kAdmin | kWorker | kProvider, "",
                     "Certified providers' plans side by side", ExchangeList});
  routes->push_back({"GET", "/v1/workers/{account}/eligibility", kWorker, "account",
                     "Eligibility per benefit and month, and what is still needed", Eligibility});
  routes->push_back({"GET", "/v1/workers/{account}/enrollment", kWorker, "account",
                     "Provider and plan, an elected transfer, every move, the enrollment window",
                     GetEnrollment});
  routes->push_back({"POST", "/v1/workers/{account}/enrollment", kWorker, "account",
                     "Choose a provider and plan (a change takes effect after open enrollment)",
                     Choose});
  routes->push_back({"GET", "/v1/workers/{account}/funding", kWorker, "account",
                     "What is earned, invoiced to hiring entities and funded", Funding});
  routes->push_back({"GET", "/v1/entities/{entity}/invoices", kEntity, "entity",
                     "The entity's invoices and credit", EntityInvoices});
  routes->push_back({"GET", "/v1/providers", kAdmin, "", "Every provider", ListProvidersRoute});
  routes->push_back({"POST", "/v1/providers", kAdmin, "", "Register a provider", AddProvider});
  routes->push_back({"GET", "/v1/providers/{provider}", kProvider, "provider",
                     "The provider's status, reserves and plans", ProviderStanding});
  routes->push_back({"POST", "/v1/providers/{provider}/certify", kAdmin, "", "Certify a provider",
                     Action("certify")});
  routes->push_back({"POST", "/v1/providers/{provider}/suspend", kAdmin, "",
                     "Suspend a provider; its members move to the default provider",
                     Action("suspend")});
  routes->push_back({"POST", "/v1/providers/{provider}/reinstate", kAdmin, "",
                     "Reinstate a suspended provider", Action("reinstate")});
  routes->push_back({"POST", "/v1/providers/{provider}/plans", kAdmin, "",
                     "Add a plan to a provider", AddPlanRoute});
  routes->push_back({"POST", "/v1/providers/{provider}/keys", kAdmin, "",
                     "Issue an API key for a provider (the token is shown once)",
                     IssueProviderKey});
  routes->push_back({"GET", "/v1/invoices", kAdmin, "", "Every invoice", AllInvoices});
  routes->push_back({"POST", "/v1/invoices", kAdmin, "",
                     "Issue the invoices of a period (whole cents, remainder carried)",
                     IssueInvoicesRoute});
  routes->push_back({"POST", "/v1/entities/{entity}/remittances", kAdmin, "",
                     "Record a payment from an entity (oldest invoice first)", Remit});
  routes->push_back(
      {"GET", "/v1/delinquencies", kAdmin, "", "Invoices past due and unpaid", Delinquencies});
  routes->push_back({"GET", "/v1/reserves", kAdmin, "",
                     "Funded money per provider against what members earned", ReservesRoute});
  routes->push_back({"GET", "/v1/aggregates/contributions", kAdmin, "",
                     "Contributions by month, jurisdiction, program, benefit and payer",
                     Aggregates});
  routes->push_back({"POST", "/v1/simulations", kAdmin, "",
                     "Project what policy packs cost and buy workers (bounded)", Simulate});
}

}  // namespace accrue::api
