// Voluntary contributions and matches over the API: a worker records and revokes their own
// withholding consents, pays in one-off contributions and reads their match estimate; the
// administrator does the same for a worker named in the body or query (as the CLI does) and
// settles a year's matches. Hiring entities and providers have no route here (an entity sees
// withheld amounts on its invoices).
#include "api/api.h"
#include "contributions/contributions.h"

namespace accrue::api {
namespace {

constexpr unsigned kAdmin = static_cast<unsigned>(Role::kAdmin);
constexpr unsigned kWorker = static_cast<unsigned>(Role::kWorker);

// The body's fields as text (a number as written); unknown fields are refused.
std::optional<HttpResponse> Fields(const Call& call, const std::vector<std::string>& allowed,
                                   std::map<std::string, std::string>* out) {
  HttpResponse problem;
  auto body = ParseJsonBody(call.request, &problem);
  if (!body.ok()) return problem;
  if (!body->is_object()) return Problem(422, "invalid", "the body must be a JSON object");
  std::vector<FieldProblem> problems;
  for (const auto& [key, value] : body->items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      problems.push_back({"/" + key.substr(0, 40), "unknown field"});
    } else if (value.is_string()) {
      (*out)[key] = value.get<std::string>().substr(0, 201);
    } else if (value.is_number()) {
      (*out)[key] = value.dump();
    } else {
      problems.push_back({"/" + key, key + " must be a string or a number"});
    }
  }
  if (!problems.empty()) return Problem(422, "invalid", "the request was refused", problems);
  return std::nullopt;
}

HttpResponse Refused(const std::string& field, const Status& st) {
  if (st.code() == Code::kInvalid) {
    return Problem(422, "invalid", st.message(),
                   {{field.empty() ? "" : "/" + field, st.message()}});
  }
  return FromStatus(st);
}

// A required date field, or today when `optional` and absent.
Result<Date> DateField(std::map<std::string, std::string>& f, const std::string& name,
                       bool optional, Date today) {
  if (f.count(name) == 0) {
    if (optional) return today;
    return Status::Invalid(name + " is required");
  }
  auto d = Date::Parse(f[name]);
  if (!d.ok()) return Status::Invalid(name + ": " + d.status().message());
  return d;
}

// The worker the call is about: the path's {account} for a worker, `account` in the body or
// query for the administrator.
Result<AccountNumber> AccountOf(const Call& call, bool admin, const std::string& text) {
  if (!admin) return PathAccount(call);
  auto account = AccountNumber::Parse(text);
  if (!account.ok()) return Status::Invalid("account: " + account.status().message());
  return account;
}

std::optional<HttpResponse> AddConsent(Api& api, Call& call, bool admin) {
  std::map<std::string, std::string> f;
  std::vector<std::string> allowed = {"benefit", "percent", "effective", "wording"};
  if (admin) allowed.push_back("account");
  if (auto refused = Fields(call, allowed, &f)) return refused;
  contributions::ConsentAsk ask;
  auto account = AccountOf(call, admin, f["account"]);
  if (!account.ok()) return Refused("account", account.status());
  ask.account = *account;
  ask.benefit = f["benefit"];
  if (ask.benefit.empty()) return Refused("benefit", Status::Invalid("benefit is required"));
  auto percent = ParsePercent(f["percent"]);
  if (!percent.ok()) {
    return Refused("percent", Status::Invalid("percent: " + percent.status().message()));
  }
  ask.percent = *percent;
  auto effective = DateField(f, "effective", true, api.Today());
  if (!effective.ok()) return Refused("effective", effective.status());
  ask.effective = *effective;
  ask.wording = f["wording"];
  ask.recorded_by = admin ? "admin" : "worker";
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  auto c = contributions::RecordConsent(*conn, api.registry().Get()->benefits(), ask, api.Today(),
                                        api.Now());
  if (!c.ok()) return Refused("", c.status());
  return JsonResponse(201, contributions::ToJson(*c));
}

std::optional<HttpResponse> RevokeConsent(Api& api, Call& call, bool admin) {
  const std::string& id_text = call.Param("id");
  if (id_text.empty() || id_text.size() > 18 ||
      id_text.find_first_not_of("0123456789") != std::string::npos) {
    return Problem(404, "not_found", "no consent '" + id_text.substr(0, 20) + "'");
  }
  std::map<std::string, std::string> f;
  if (!call.request.body.empty() || admin) {
    std::vector<std::string> allowed = {"effective"};
    if (admin) allowed.push_back("account");
    if (auto refused = Fields(call, allowed, &f)) return refused;
  }
  auto account = AccountOf(call, admin, f["account"]);
  if (!account.ok()) return Refused("account", account.status());
  auto effective = DateField(f, "effective", true, api.Today());
  if (!effective.ok()) return Refused("effective", effective.status());
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  auto c = contributions::RevokeConsent(*conn, *account, std::stoll(id_text), *effective,
                                        admin ? "admin" : "worker", api.Today(), api.Now());
  if (!c.ok()) return Refused("effective", c.status());
  return JsonResponse(200, contributions::ToJson(*c));
}

std::optional<HttpResponse> ListConsents(Api& api, Call& call, bool admin) {
  auto account = AccountOf(call, admin, std::string(call.request.Query("account")));
  if (!account.ok()) return Refused("account", account.status());
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto list, contributions::ListConsents(*conn, *account));
  nlohmann::json out = nlohmann::json::array();
  for (const contributions::Consent& c : list) out.push_back(contributions::ToJson(c));
  return JsonResponse(200, {{"consents", out}});
}

std::optional<HttpResponse> Contribute(Api& api, Call& call, bool admin) {
  std::map<std::string, std::string> f;
  std::vector<std::string> allowed = {"benefit", "amount", "day", "reference"};
  if (admin) allowed.push_back("account");
  if (auto refused = Fields(call, allowed, &f)) return refused;
  contributions::OneOff c;
  if (admin) {
    auto account = AccountNumber::Parse(f["account"]);
    if (!account.ok()) {
      return Refused("account", Status::Invalid("account: " + account.status().message()));
    }
    c.account = *account;
  } else {
    c.account = PathAccount(call);
  }
  c.benefit = f["benefit"];
  if (c.benefit.empty()) return Refused("benefit", Status::Invalid("benefit is required"));
  auto amount = Money::Parse(f["amount"], 2);
  if (!amount.ok()) {
    return Refused("amount", Status::Invalid("amount: " + amount.status().message()));
  }
  c.amount = *amount;
  auto day = DateField(f, "day", true, api.Today());
  if (!day.ok()) return Refused("day", day.status());
  c.day = *day;
  c.reference = f["reference"];
  c.recorded_by = admin ? "admin" : "worker";
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  auto r = contributions::RecordOneOff(*conn, api.registry().Get()->benefits(), c, api.Today());
  if (!r.ok()) return Refused("", r.status());
  return JsonResponse(r->already ? 200 : 201,
                      {{"outcome", r->already ? "already recorded" : "recorded"},
                       {"account", c.account.ToString()},
                       {"reference", c.reference},
                       {"benefit", c.benefit},
                       {"amount", c.amount.ToString(2)},
                       {"day", c.day.ToString()}});
}

// ?year=YYYY, or this year when absent.
Result<int> YearParam(const std::string& text, Date today) {
  if (text.empty()) return today.year();
  if (text.size() != 4 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Invalid("year '" + text.substr(0, 20) + "' must be YYYY");
  }
  return std::stoi(text);
}

std::optional<HttpResponse> Estimate(Api& api, Call& call, bool admin) {
  auto account = AccountOf(call, admin, std::string(call.request.Query("account")));
  if (!account.ok()) return Refused("account", account.status());
  auto year = YearParam(std::string(call.request.Query("year")), api.Today());
  if (!year.ok()) return Refused("year", year.status());
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  auto lines =
      contributions::EstimateMatch(*conn, *api.registry().Get(), *account, *year, api.Today());
  if (!lines.ok()) return Refused("year", lines.status());
  nlohmann::json out = nlohmann::json::array();
  for (const contributions::MatchLine& l : *lines) out.push_back(contributions::ToJson(l));
  return JsonResponse(200, {{"year", *year}, {"lines", out}});
}

std::optional<HttpResponse> Settle(Api& api, Call& call) {
  std::map<std::string, std::string> f;
  if (auto refused = Fields(call, {"year", "date"}, &f)) return refused;
  if (f.count("year") == 0) return Refused("year", Status::Invalid("year is required"));
  auto year = YearParam(f["year"], api.Today());
  if (!year.ok()) return Refused("year", year.status());
  auto day = DateField(f, "date", true, api.Today());
  if (!day.ok()) return Refused("date", day.status());
  if (*day > api.Today()) {
    return Refused("date", Status::Invalid("date " + day->ToString() + " is in the future"));
  }
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  auto s = contributions::SettleMatch(*conn, *api.registry().Get(), *year, *day);
  if (!s.ok()) return Refused("year", s.status());
  return JsonResponse(200, contributions::ToJson(*s));
}

}  // namespace

void AddContributionsRoutes(std::vector<Route>* routes) {
  auto as = [](auto fn, bool admin) {
    return [fn, admin](Api& api, Call& call) { return fn(api, call, admin); };
  };
  routes->push_back({"POST", "/v1/workers/{account}/consents", kWorker, "account",
                     "Consent to withholding a percent of earnings into a benefit",
                     as(AddConsent, false)});
  routes->push_back({"GET", "/v1/workers/{account}/consents", kWorker, "account",
                     "The worker's withholding consents, revoked ones included",
                     as(ListConsents, false)});
  routes->push_back({"POST", "/v1/workers/{account}/consents/{id}/revoke", kWorker, "account",
                     "Revoke a withholding consent from a day on", as(RevokeConsent, false)});
  routes->push_back({"POST", "/v1/workers/{account}/contributions", kWorker, "account",
                     "Pay in a one-off voluntary contribution", as(Contribute, false)});
  routes->push_back({"GET", "/v1/workers/{account}/match", kWorker, "account",
                     "The worker's government match for a year so far", as(Estimate, false)});
  routes->push_back({"POST", "/v1/consents", kAdmin, "",
                     "Record a worker's consent to withholding (the worker named by account)",
                     as(AddConsent, true)});
  routes->push_back({"GET", "/v1/consents", kAdmin, "",
                     "A worker's withholding consents (query account)", as(ListConsents, true)});
  routes->push_back({"POST", "/v1/consents/{id}/revoke", kAdmin, "",
                     "Revoke a worker's withholding consent from a day on",
                     as(RevokeConsent, true)});
  routes->push_back({"POST", "/v1/contributions", kAdmin, "",
                     "Record a one-off voluntary contribution for a worker", as(Contribute, true)});
  routes->push_back({"GET", "/v1/matches", kAdmin, "",
                     "A worker's government match for a year so far (query account, year)",
                     as(Estimate, true)});
  routes->push_back({"POST", "/v1/matches/settle", kAdmin, "",
                     "Settle every worker's government match for a year", Settle});
}

}  // namespace accrue::api
