// The JSON API under /v1: routes, who may call each, and what each does.
//
// Contract:
// - Every route declares the roles that may call it and, for a route about one party (an
//   entity's reports, a worker's account), the path parameter that must be the caller's own
//   party. The dispatcher enforces both before a handler runs: no credentials or a bad,
//   expired or revoked token → 401; a role the route does not admit, or another party's
//   resource → 403. Handlers never see a request they may not serve.
// - Errors are RFC 9457 problem documents with a stable `code` and the field paths at fault.
//   Bodies, batches, strings and numbers are bounded (ApiLimits); each API key is rate
//   limited (429 with Retry-After).
// - Reads use a pool of store connections, one per concurrent request; report intake goes
//   through the group-commit writer (intake.h), answered once durable.
// - The route table is data (Routes()), so the OpenAPI document and the authorization
//   matrix are checked against the very routes the server has.
// - No clock inside handlers: time comes from ApiOptions::clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/http.h"
#include "api/intake.h"
#include "auth/auth.h"
#include "store/store.h"

namespace accrue::api {

struct ApiLimits {
  size_t max_body_bytes = 16 << 20;
  size_t max_batch_reports = 10'000;
  size_t max_page = 1'000;
  size_t max_string_bytes = 200;
};

struct ApiOptions {
  ApiLimits limits;
  int64_t session_seconds = int64_t{12} * 3600;
  // Requests per second per API key or session, with a burst of twice that; 0: no limit.
  int64_t rate_per_second = 0;
  // How long a verified token is trusted before it is looked up again (a revocation made on
  // another node takes effect within this time; on this node at once).
  std::chrono::seconds token_cache{5};
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

class Api;
struct Call;
// Returns the response, or nullopt when it will answer later through call.respond.
using Handler = std::function<std::optional<HttpResponse>(Api&, Call&)>;

struct Route {
  std::string method;
  std::string pattern;  // "/v1/entities/{entity}/reports"; a parameter is one segment
  unsigned roles = 0;   // Role bits that may call it; 0: public
  std::string owner;    // the path parameter that must be the caller's party, or ""
  std::string summary;
  Handler handler;
  // Answered from a few indexed reads (or handed to the intake writer), never from a scan, a
  // password hash or a rendering: the server may run it on the I/O thread that read it.
  bool quick = false;
};

// One request on its way through a handler.
struct Call {
  const HttpRequest& request;
  std::optional<Principal> principal;
  std::unordered_map<std::string, std::string> params;  // path parameters, decoded
  Responder respond;                   // copy it to answer after the handler returns
  std::shared_ptr<std::string> route;  // the pattern matched, for metrics
  const std::string& Param(const std::string& name) const { return params.at(name); }
};

class Metrics;

class Api {
 public:
  using StoreFactory = std::function<Result<std::unique_ptr<Store>>()>;

  // Opens a first connection (migrating the API's tables), loads the registry and starts the
  // intake writer.
  static Result<std::unique_ptr<Api>> Create(StoreFactory open, ApiOptions options);
  ~Api();

  // Serves one request; `respond` is called exactly once, maybe from another thread.
  void Handle(const HttpRequest& request, Responder respond);
  // Stops taking reports (503 from then on) after recording every one already received.
  void Drain();
  bool draining() const;

  static const std::vector<Route>& Routes();
  // The route a request names, or nullptr (none, or a method the path does not allow); on a
  // match `params` holds the path parameters.
  static const Route* Find(const std::string& method, std::string_view path,
                           std::unordered_map<std::string, std::string>* params,
                           bool* path_known = nullptr);

  // For handlers.
  const ApiOptions& options() const { return options_; }
  int64_t Now() const;  // seconds since the epoch
  Date Today() const;   // the civil date in UTC, from the same clock
  SharedRegistry& registry() { return registry_; }
  Intake& intake() { return *intake_; }
  Metrics& metrics() { return *metrics_; }
  // A store connection for this request, returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(Api* api, std::unique_ptr<Store> s) : api_(api), store_(std::move(s)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Store& operator*() { return *store_; }
    Store* operator->() { return store_.get(); }

   private:
    Api* api_;
    std::unique_ptr<Store> store_;
  };
  Result<Lease> Connection();
  // Forgets cached verifications of a credential (after a revocation or logout).
  void ForgetCredential(const std::string& id);

 private:
  Api(StoreFactory open, ApiOptions options);
  std::optional<HttpResponse> Dispatch(Call& call);
  // Who the request speaks for: nullopt without credentials; a 401 response for bad ones.
  Result<std::optional<Principal>> Authenticate(const HttpRequest& request, HttpResponse* refusal);
  bool TakeToken(const std::string& credential, int64_t* retry_after);

  StoreFactory open_;
  ApiOptions options_;
  SharedRegistry registry_;
  std::unique_ptr<Intake> intake_;
  std::unique_ptr<Metrics> metrics_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Store>> pool_;

  struct CachedToken {
    Principal principal;
    std::chrono::steady_clock::time_point until;
    int64_t expires_at = 0;  // a session's own expiry; 0 for keys
  };
  std::mutex auth_mu_;
  std::unordered_map<std::string, CachedToken> tokens_;  // by token hash

  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };
  std::mutex rate_mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::atomic<bool> draining_{false};
};

// Route handlers, by the role they serve (routes_*.cc).
void AddHealthRoutes(std::vector<Route>* routes);
void AddWorkerRoutes(std::vector<Route>* routes);
void AddEntityRoutes(std::vector<Route>* routes);
void AddAdminRoutes(std::vector<Route>* routes);
void AddBenefitsRoutes(std::vector<Route>* routes);
void AddClaimsRoutes(std::vector<Route>* routes);
void AddContributionsRoutes(std::vector<Route>* routes);
void AddStatementRoutes(std::vector<Route>* routes);

// Helpers shared by the handlers.
// The {account} path parameter of a route whose owner it is (parsed by the dispatcher).
AccountNumber PathAccount(const Call& call);
HttpResponse FromStatus(const Status& st);  // an expected failure as its problem document
// Parses the body as a JSON object or array; a problem response otherwise.
Result<nlohmann::json> ParseJsonBody(const HttpRequest& request, HttpResponse* problem);
// "limit" (1..max, default `fallback`) from the query; a 400 problem when malformed.
std::optional<size_t> PageLimit(const Call& call, size_t fallback, size_t max,
                                HttpResponse* problem);

// `ASSIGN_OR_RETURN_RESPONSE(auto x, F())` in a handler: binds the value or returns the
// error's problem response.
#define ASSIGN_OR_RETURN_RESPONSE(lhs, expr) \
  ASSIGN_OR_RETURN_RESPONSE_IMPL(ACCRUE_CONCAT(_response_, __LINE__), lhs, expr)
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSIGN_OR_RETURN_RESPONSE_IMPL(tmp, lhs, expr)           \
  auto tmp = (expr);                                             \
  if (!tmp.ok()) return ::accrue::api::FromStatus(tmp.status()); \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

// The OpenAPI 3 document (docs/openapi.json, compiled in).
const std::string& OpenApiDocument();

}  // namespace accrue::api
