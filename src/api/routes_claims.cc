// Leave pay, claims and withdrawals over the API: a worker asks and follows their requests;
// the worker's provider sees its queue with the facts needed to decide, and approves (which
// posts the payout) or denies with a reason. Hiring entities have no route here.
#include "api/api.h"
#include "claims/claims.h"

namespace accrue::api {
namespace {

constexpr unsigned kWorker = static_cast<unsigned>(Role::kWorker);
constexpr unsigned kProvider = static_cast<unsigned>(Role::kProvider);

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
      (*out)[key] = value.get<std::string>().substr(0, 200);
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

std::optional<HttpResponse> AskLeave(Api& api, Call& call) {
  std::map<std::string, std::string> f;
  if (auto refused = Fields(call, {"benefit", "first", "last", "hours"}, &f)) return refused;
  claims::LeaveAsk ask;
  ask.account = PathAccount(call);
  ask.benefit = f.count("benefit") != 0 ? f["benefit"] : "sick_leave";
  auto first = Date::Parse(f["first"]);
  if (!first.ok()) return Refused("first", Status::Invalid("first: " + first.status().message()));
  auto last = f.count("last") != 0 ? Date::Parse(f["last"]) : first;
  if (!last.ok()) return Refused("last", Status::Invalid("last: " + last.status().message()));
  auto hours = Hours::Parse(f["hours"], 4);
  if (!hours.ok()) return Refused("hours", Status::Invalid("hours: " + hours.status().message()));
  ask.first = *first;
  ask.last = *last;
  ask.hours = *hours;
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  auto r = claims::AskLeave(*conn, api.registry().Get()->policies(), ask, api.Today());
  if (!r.ok()) return Refused("", r.status());
  return JsonResponse(201, claims::ToJson(*r));
}

std::optional<HttpResponse> AskClaim(Api& api, Call& call) {
  std::map<std::string, std::string> f;
  if (auto refused = Fields(call, {"benefit", "use", "amount", "units"}, &f)) return refused;
  claims::ClaimAsk ask;
  ask.account = PathAccount(call);
  ask.benefit = f["benefit"];
  ask.use = f["use"];
  if (f.count("amount") != 0) {
    auto amount = Money::Parse(f["amount"], 2);
    if (!amount.ok()) {
      return Refused("amount", Status::Invalid("amount: " + amount.status().message()));
    }
    ask.amount = *amount;
  }
  if (f.count("units") != 0) {
    const std::string& u = f["units"];
    if (u.empty() || u.size() > 4 || u.find_first_not_of("0123456789") != std::string::npos) {
      return Refused("units", Status::Invalid("units must be a whole number up to 9999"));
    }
    ask.units = std::stoll(u);
  }
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  auto r = claims::AskClaim(*conn, api.registry().Get()->policies(), ask, api.Today());
  if (!r.ok()) return Refused("", r.status());
  return JsonResponse(201, claims::ToJson(*r));
}

std::optional<HttpResponse> WorkerRequests(Api& api, Call& call) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto list, claims::WorkerRequests(*conn, PathAccount(call)));
  nlohmann::json out = nlohmann::json::array();
  for (const claims::Request& r : list) out.push_back(claims::ToJson(r));
  return JsonResponse(200, {{"requests", out}});
}

std::optional<HttpResponse> Queue(Api& api, Call& call) {
  const bool all = call.request.Query("all") == "true";
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto list, claims::ProviderQueue(*conn, call.Param("provider"), !all));
  nlohmann::json out = nlohmann::json::array();
  for (const claims::RequestFacts& f : list) out.push_back(claims::ToJson(f));
  return JsonResponse(200, {{"requests", out}});
}

std::optional<HttpResponse> Decide(Api& api, Call& call, bool approve) {
  const std::string& id_text = call.Param("id");
  if (id_text.empty() || id_text.size() > 18 ||
      id_text.find_first_not_of("0123456789") != std::string::npos) {
    return Problem(404, "not_found", "no request '" + id_text.substr(0, 20) + "'");
  }
  std::map<std::string, std::string> f;
  if (!call.request.body.empty()) {
    if (auto refused = Fields(call, {"reason"}, &f)) return refused;
  }
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  const int64_t id = std::stoll(id_text);
  auto r = approve ? claims::Approve(*conn, call.Param("provider"), id, api.Today())
                   : claims::Deny(*conn, call.Param("provider"), id, f["reason"], api.Today());
  if (!r.ok()) return Refused(approve ? "" : "reason", r.status());
  return JsonResponse(200, claims::ToJson(*r));
}

}  // namespace

void AddClaimsRoutes(std::vector<Route>* routes) {
  routes->push_back({"POST", "/v1/workers/{account}/leave-requests", kWorker, "account",
                     "Ask for leave pay for days and hours", AskLeave});
  routes->push_back({"POST", "/v1/workers/{account}/claims", kWorker, "account",
                     "Ask for a claim or withdrawal from a benefit's money", AskClaim});
  routes->push_back({"GET", "/v1/workers/{account}/requests", kWorker, "account",
                     "The worker's leave requests and claims, newest first", WorkerRequests});
  routes->push_back({"GET", "/v1/providers/{provider}/requests", kProvider, "provider",
                     "The provider's requests to decide, with the facts", Queue});
  routes->push_back({"POST", "/v1/providers/{provider}/requests/{id}/approve", kProvider,
                     "provider", "Approve a request: the payout is posted",
                     [](Api& api, Call& call) { return Decide(api, call, true); }});
  routes->push_back({"POST", "/v1/providers/{provider}/requests/{id}/deny", kProvider, "provider",
                     "Deny a request, with a reason",
                     [](Api& api, Call& call) { return Decide(api, call, false); }});
}

}  // namespace accrue::api
