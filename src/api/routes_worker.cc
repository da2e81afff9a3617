// A worker's routes: registering, signing in, and reading their own account — balances,
// history, explanations and the export. A worker sees only their own account: legs on other
// accounts (an entity's obligation, another worker's account after a correction moved a
// report) are left out, and another worker's account number is never shown.
#include "api/api.h"
#include "api/report_json.h"
#include "ingest/registry_csv.h"
#include "ledger/account_view.h"

namespace accrue::api {
namespace {

constexpr unsigned kWorker = static_cast<unsigned>(Role::kWorker);

// The entry as its worker may see it.
nlohmann::json WorkerView(const StoredEntry& e, AccountNumber worker) {
  nlohmann::json j = StoredEntryToJson(e);
  nlohmann::json legs = nlohmann::json::array();
  for (const auto& leg : j["legs"]) {
    if (WorkerOfAccount(leg["account"].get<std::string>()) == worker) legs.push_back(leg);
  }
  j["legs"] = std::move(legs);
  if (e.entry.report.worker != worker) {
    j["worker"] = nullptr;
    j["moved_to_another_account"] = true;
  }
  return j;
}

std::optional<HttpResponse> Register(Api& api, Call& call) {
  HttpResponse problem;
  auto body = ParseJsonBody(call.request, &problem);
  if (!body.ok()) return problem;
  nlohmann::json fields = *body;
  std::string password;
  if (fields.is_object() && fields.contains("password")) {
    if (!fields["password"].is_string()) {
      return Problem(422, "invalid", "password must be a string", {{"/password", "not a string"}});
    }
    password = fields["password"].get<std::string>();
    fields.erase("password");
  }
  if (fields.is_object() && fields.contains("account")) {
    return Problem(422, "invalid", "account numbers are issued by Accrue, not chosen",
                   {{"/account", "must not be sent"}});
  }
  static const CsvHeader header = CanonicalHeader(WorkerCsvColumns());
  std::vector<FieldError> errors;
  JsonRecord rec;
  std::optional<Worker> worker;
  if (ReadJsonRecord(fields, WorkerCsvColumns(), 0, &rec, &errors)) {
    worker = ParseWorkerRecord(header, rec.record, &errors);
  }
  if (worker && api.registry().Get()->FindJurisdiction(worker->home_jurisdiction) == nullptr) {
    errors.push_back({0, "home_jurisdiction",
                      "home_jurisdiction " + QuoteValue(worker->home_jurisdiction) +
                          " is not a known jurisdiction"});
  }
  auto hash = HashPassword(password);
  if (!hash.ok()) errors.push_back({0, "password", hash.status().message()});
  if (!errors.empty()) {
    return Problem(422, "invalid", "the registration was refused; nothing was stored",
                   ToProblems(errors, -1, false));
  }
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto added, conn->AddWorkers({*worker}));
  const Worker& w = added.at(0);
  Status st = Credentials(conn->sql()).SetPasswordHash(w.account, *hash);
  if (!st.ok()) return FromStatus(st);
  return JsonResponse(201, {{"account", w.account.ToString()},
                            {"name", w.name},
                            {"birth_date", w.birth_date.ToString()},
                            {"home_jurisdiction", w.home_jurisdiction}});
}

std::optional<HttpResponse> Login(Api& api, Call& call) {
  HttpResponse problem;
  auto body = ParseJsonBody(call.request, &problem);
  if (!body.ok()) return problem;
  const nlohmann::json& j = *body;
  if (!j.is_object() || !j.contains("account") || !j["account"].is_string() ||
      !j.contains("password") || !j["password"].is_string()) {
    return Problem(422, "invalid", "send {\"account\": \"…\", \"password\": \"…\"}");
  }
  auto account = AccountNumber::Parse(j["account"].get<std::string>());
  if (!account.ok()) {
    return Problem(422, "invalid", account.status().message(), {{"/account", "not valid"}});
  }
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  auto token = Credentials(conn->sql())
                   .Login(*account, j["password"].get<std::string>(), api.Now(),
                          api.options().session_seconds);
  if (!token.ok()) {
    if (token.status().code() == Code::kNotFound) {
      return Problem(401, "sign_in_failed", token.status().message());
    }
    return FromStatus(token.status());
  }
  return JsonResponse(201, {{"token", token->token},
                            {"session", token->id},
                            {"account", account->ToString()},
                            {"expires_at", token->expires_at}});
}

std::optional<HttpResponse> Logout(Api& api, Call& call) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  Status st = Credentials(conn->sql()).EndSession(call.principal->credential, api.Now());
  if (!st.ok()) return FromStatus(st);
  api.ForgetCredential(call.principal->credential);
  return HttpResponse{204, "", {}, ""};
}

std::optional<HttpResponse> Summary(Api& api, Call& call) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto summary, SummarizeAccount(*conn, PathAccount(call)));
  return JsonTextResponse(200, SummaryJson(summary));
}

std::optional<HttpResponse> History(Api& api, Call& call) {
  HttpResponse problem;
  auto limit = PageLimit(call, 100, api.options().limits.max_page, &problem);
  if (!limit) return problem;
  int64_t after = 0;
  if (call.request.HasQuery("after")) {
    const std::string text = call.request.Query("after");
    if (text.empty() || text.size() > 18 ||
        text.find_first_not_of("0123456789") != std::string::npos) {
      return Problem(400, "bad_query", "after '" + text.substr(0, 20) + "' must be an entry seq",
                     {{"after", "not a whole number"}});
    }
    after = std::stoll(text);
  }
  const AccountNumber worker = PathAccount(call);
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto entries, conn->WorkerEntries(worker));
  nlohmann::json page = nlohmann::json::array();
  int64_t last = 0;
  for (const StoredEntry& e : entries) {
    if (e.seq <= after) continue;
    if (page.size() == *limit) break;
    page.push_back(WorkerView(e, worker));
    last = e.seq;
  }
  nlohmann::json out = {{"entries", page}};
  out["next"] = page.size() == *limit && entries.back().seq > last ? nlohmann::json(last)
                                                                   : nlohmann::json(nullptr);
  return JsonResponse(200, out);
}

std::optional<HttpResponse> Explain(Api& api, Call& call) {
  const std::string benefit = call.request.Query("benefit");
  const auto registry = api.registry().Get();
  if (!benefit.empty() && std::none_of(registry->benefits().begin(), registry->benefits().end(),
                                       [&](const BenefitType& b) { return b.name == benefit; })) {
    return Problem(400, "bad_query", "benefit " + QuoteValue(benefit) + " is not a benefit type",
                   {{"benefit", "unknown"}});
  }
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto lines, ExplainAccount(*conn, PathAccount(call), benefit));
  nlohmann::json out = nlohmann::json::array();
  for (const ExplainLine& l : lines) out.push_back(ToJson(l));
  return JsonResponse(200, {{"benefit", benefit}, {"lines", out}});
}

std::optional<HttpResponse> Export(Api& api, Call& call) {
  const AccountNumber worker = PathAccount(call);
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto summary, SummarizeAccount(*conn, worker));
  ASSIGN_OR_RETURN_RESPONSE(auto lines, ExplainAccount(*conn, worker, ""));
  ASSIGN_OR_RETURN_RESPONSE(auto entries, conn->WorkerEntries(worker));
  nlohmann::json out = {{"format", "accrue-account-export/1"},
                        {"exported_at", api.Now()},
                        {"account", ToJson(summary)},
                        {"birth_date", summary.worker.birth_date.ToString()},
                        {"home_jurisdiction", summary.worker.home_jurisdiction},
                        {"lines", nlohmann::json::array()},
                        {"entries", nlohmann::json::array()}};
  for (const ExplainLine& l : lines) out["lines"].push_back(ToJson(l));
  for (const StoredEntry& e : entries) out["entries"].push_back(WorkerView(e, worker));
  HttpResponse r = JsonResponse(200, out);
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"accrue-" + AccountDigits(worker) + ".json\"");
  return r;
}

}  // namespace

void AddWorkerRoutes(std::vector<Route>* routes) {
  routes->push_back(
      {"POST", "/v1/workers", 0, "", "Register a worker; returns the account number", Register});
  routes->push_back(
      {"POST", "/v1/sessions", 0, "", "Sign in with account number and password", Login});
  routes->push_back({"DELETE", "/v1/sessions/current", kWorker, "", "Sign out", Logout});
  routes->push_back({"GET", "/v1/workers/{account}", kWorker, "account",
                     "Balances per benefit and per paying entity", Summary, true});
  routes->push_back({"GET", "/v1/workers/{account}/history", kWorker, "account",
                     "Every entry on the account, oldest first, paged", History});
  routes->push_back({"GET", "/v1/workers/{account}/explain", kWorker, "account",
                     "Every report, rate and program behind the balance", Explain});
  routes->push_back({"GET", "/v1/workers/{account}/export", kWorker, "account",
                     "The whole account as one JSON document", Export});
}

}  // namespace accrue::api
