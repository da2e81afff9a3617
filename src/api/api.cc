#include "api/api.h"

#include <sodium.h>

#include "api/metrics.h"

namespace accrue::api {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < path.size()) {
    if (path[at] == '/') {
      ++at;
      continue;
    }
    const size_t end = std::min(path.find('/', at), path.size());
    out.push_back(path.substr(at, end - at));
    at = end;
  }
  return out;
}

// Matches `path` against `pattern`, filling `params`.
bool Match(const std::vector<std::string_view>& want, const std::vector<std::string_view>& have,
           std::unordered_map<std::string, std::string>* params) {
  if (want.size() != have.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    const bool param = want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}';
    if (!param && want[i] != have[i]) return false;
  }
  params->clear();
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{') {
      (*params)[std::string(want[i].substr(1, want[i].size() - 2))] = PercentDecode(have[i]);
    }
  }
  return true;
}

// The route table's patterns, split once (they are matched against every request).
const std::vector<std::vector<std::string_view>>& PatternSegments() {
  static const auto* table = [] {
    auto* t = new std::vector<std::vector<std::string_view>>;
    for (const Route& r : Api::Routes()) t->push_back(Segments(r.pattern));
    return t;
  }();
  return *table;
}

std::string TokenHash(std::string_view token) {
  unsigned char h[16];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(h), sizeof h);
}

// Whether the caller's party owns the resource named by the path parameter.
bool Owns(const Principal& p, const std::string& owner_param, const std::string& value) {
  if (owner_param == "account") {
    auto account = AccountNumber::Parse(value);
    return account.ok() && p.role == Role::kWorker && AccountDigits(*account) == p.party;
  }
  return p.party == value;
}

}  // namespace

Api::Api(StoreFactory open, ApiOptions options)
    : open_(std::move(open)), options_(std::move(options)), metrics_(std::make_unique<Metrics>()) {}

Api::~Api() {
  if (intake_) intake_->Stop();
}

Result<std::unique_ptr<Api>> Api::Create(StoreFactory open, ApiOptions options) {
  std::unique_ptr<Api> api(new Api(std::move(open), std::move(options)));
  ASSIGN_OR_RETURN(std::unique_ptr<Store> first, api->open_());
  RETURN_IF_ERROR(MigrateAuth(first->sql()));
  RETURN_IF_ERROR(MigrateIntake(first->sql()));
  RETURN_IF_ERROR(api->registry_.Reload(*first));
  first->Idle();
  api->pool_.push_back(std::move(first));
  auto clock = api->options_.clock;
  ASSIGN_OR_RETURN(api->intake_, Intake::Start(api->open_, api->registry_, clock));
  return api;
}

int64_t Api::Now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(options_.clock().time_since_epoch())
      .count();
}

Date Api::Today() const {
  auto today = TodayIn("UTC", options_.clock());
  return today.ok() ? *today : Date::FromYmd(1970, 1, 1);
}

AccountNumber PathAccount(const Call& call) {
  return AccountNumber::Parse(call.Param("account")).value();  // checked by the dispatcher
}

Api::Lease::~Lease() {
  if (!store_) return;
  store_->Idle();  // a connection that waits in the pool holds no snapshot
  std::lock_guard<std::mutex> lock(api_->pool_mu_);
  api_->pool_.push_back(std::move(store_));
}

Result<Api::Lease> Api::Connection() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      std::unique_ptr<Store> s = std::move(pool_.back());
      pool_.pop_back();
      return Lease(this, std::move(s));
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Store> s, open_());
  RETURN_IF_ERROR(s->TuneForReads());
  return Lease(this, std::move(s));
}

void Api::Drain() {
  draining_ = true;
  intake_->Stop();
}

bool Api::draining() const { return draining_; }

void Api::ForgetCredential(const std::string& id) {
  std::lock_guard<std::mutex> lock(auth_mu_);
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    it = it->second.principal.credential == id ? tokens_.erase(it) : std::next(it);
  }
}

Result<std::optional<Principal>> Api::Authenticate(const HttpRequest& request,
                                                   HttpResponse* refusal) {
  const std::string_view header = request.Header("authorization");
  if (header.empty()) return std::optional<Principal>();
  constexpr std::string_view kBearer = "Bearer ";
  if (header.substr(0, kBearer.size()) != kBearer) {
    *refusal = Problem(401, "unauthenticated", "send the token as 'Authorization: Bearer TOKEN'");
    return Status::NotFound("not a bearer token");
  }
  const std::string_view token = header.substr(kBearer.size());
  const std::string key = TokenHash(token);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(auth_mu_);
    auto it = tokens_.find(key);
    if (it != tokens_.end() && it->second.until > now &&
        (it->second.expires_at == 0 || it->second.expires_at > Now())) {
      return std::optional<Principal>(it->second.principal);
    }
  }
  ASSIGN_OR_RETURN(Lease conn, Connection());
  Credentials credentials(conn->sql());
  auto principal = credentials.Authenticate(token, Now());
  if (!principal.ok()) {
    if (principal.status().code() != Code::kNotFound) return principal.status();
    *refusal = Problem(401, "unauthenticated",
                       "the token is not valid: it may be mistyped, expired or revoked");
    return principal.status();
  }
  int64_t expires_at = 0;
  if (principal->role == Role::kWorker) {
    auto rows =
        conn->sql().Query("SELECT expires_at FROM sessions WHERE id = $1", {principal->credential});
    if (rows.ok() && !rows->empty()) expires_at = rows->at(0).Int(0);
  }
  std::lock_guard<std::mutex> lock(auth_mu_);
  if (tokens_.size() > 100'000) tokens_.clear();  // bounded; refilled on demand
  tokens_[key] = {*principal, now + options_.token_cache, expires_at};
  return std::optional<Principal>(*principal);
}

bool Api::TakeToken(const std::string& credential, int64_t* retry_after) {
  if (options_.rate_per_second <= 0) return true;
  const auto now = std::chrono::steady_clock::now();
  const double rate = static_cast<double>(options_.rate_per_second);
  std::lock_guard<std::mutex> lock(rate_mu_);
  auto [it, fresh] = buckets_.try_emplace(credential);
  Bucket& b = it->second;
  if (fresh) b = {2 * rate, now};
  b.tokens =
      std::min(2 * rate, b.tokens + rate * std::chrono::duration<double>(now - b.at).count());
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  *retry_after = std::max<int64_t>(1, static_cast<int64_t>((1 - b.tokens) / rate + 0.999));
  return false;
}

void Api::Handle(const HttpRequest& request, Responder respond) {
  const auto started = std::chrono::steady_clock::now();
  auto route = std::make_shared<std::string>("unmatched");
  Call call{request, std::nullopt, {}, nullptr, route};
  call.respond = [this, route, respond = std::move(respond), started,
                  method = request.method](HttpResponse r) {
    metrics_->Request(*route, method, r.status, std::chrono::steady_clock::now() - started);
    respond(std::move(r));
  };
  std::optional<HttpResponse> now;
  try {
    now = Dispatch(call);
  } catch (const std::exception& e) {
    now = Problem(500, "internal", std::string("the server failed: ") + e.what());
  }
  if (now) call.respond(std::move(*now));
}

std::optional<HttpResponse> Api::Dispatch(Call& call) {
  const HttpRequest& req = call.request;
  bool path_known = false;
  const Route* route = Find(req.method, req.path, &call.params, &path_known);
  if (route == nullptr) {
    return path_known ? Problem(405, "method_not_allowed", req.method + " is not allowed here")
                      : Problem(404, "not_found", "no such resource: " + req.path);
  }
  *call.route = route->pattern;
  if (req.body.size() > options_.limits.max_body_bytes) {
    return Problem(413, "body_too_large",
                   "the body is " + std::to_string(req.body.size()) + " bytes; at most " +
                       std::to_string(options_.limits.max_body_bytes) + " are accepted");
  }
  HttpResponse refusal;
  auto principal = Authenticate(req, &refusal);
  if (!principal.ok()) {
    if (principal.status().code() == Code::kNotFound) return refusal;
    return Problem(503, "store_unavailable", principal.status().message());
  }
  call.principal = *principal;
  if (route->roles != 0) {
    if (!call.principal) {
      return Problem(401, "unauthenticated", "this request needs 'Authorization: Bearer TOKEN'");
    }
    if ((route->roles & static_cast<unsigned>(call.principal->role)) == 0) {
      return Problem(
          403, "forbidden",
          std::string("the ") + RoleName(call.principal->role) + " role may not do this");
    }
    if (!route->owner.empty() &&
        !Owns(*call.principal, route->owner, call.params.at(route->owner))) {
      return Problem(403, "forbidden", "this " + route->owner + " is not yours");
    }
    int64_t retry_after = 0;
    if (!TakeToken(call.principal->credential, &retry_after)) {
      HttpResponse r = Problem(429, "rate_limited",
                               "too many requests for this credential; retry after " +
                                   std::to_string(retry_after) + " s");
      r.headers.emplace_back("Retry-After", std::to_string(retry_after));
      return r;
    }
  }
  return route->handler(*this, call);
}

const Route* Api::Find(const std::string& method, std::string_view path,
                       std::unordered_map<std::string, std::string>* params, bool* path_known) {
  const auto have = Segments(path);
  const auto& patterns = PatternSegments();
  for (size_t i = 0; i < patterns.size(); ++i) {
    if (!Match(patterns[i], have, params)) continue;
    if (path_known != nullptr) *path_known = true;
    if (Routes()[i].method == method) return &Routes()[i];
  }
  return nullptr;
}

const std::vector<Route>& Api::Routes() {
  static const std::vector<Route> routes = [] {
    std::vector<Route> r;
    AddHealthRoutes(&r);
    AddWorkerRoutes(&r);
    AddEntityRoutes(&r);
    AddAdminRoutes(&r);
    AddBenefitsRoutes(&r);
    AddClaimsRoutes(&r);
    AddContributionsRoutes(&r);
    AddStatementRoutes(&r);
    return r;
  }();
  return routes;
}

HttpResponse FromStatus(const Status& st) {
  switch (st.code()) {
    case Code::kInvalid:
      return Problem(422, "invalid", st.message());
    case Code::kNotFound:
      return Problem(404, "not_found", st.message());
    case Code::kConflict:
      return Problem(409, "conflict", st.message());
    case Code::kPrecondition:
      return Problem(409, "precondition_failed", st.message());
    default:
      return Problem(503, "store_unavailable", st.message());
  }
}

Result<nlohmann::json> ParseJsonBody(const HttpRequest& request, HttpResponse* problem) {
  const std::string_view type = request.Header("content-type");
  if (type.substr(0, 16) != "application/json") {
    *problem = Problem(415, "unsupported_media_type",
                       "send the body as application/json, not '" + std::string(type) + "'");
    return Status::Invalid("media type");
  }
  nlohmann::json j = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    *problem = Problem(400, "malformed_json", "the body is not well-formed JSON");
    return Status::Invalid("json");
  }
  return j;
}

std::optional<size_t> PageLimit(const Call& call, size_t fallback, size_t max,
                                HttpResponse* problem) {
  if (!call.request.HasQuery("limit")) return fallback;
  const std::string text = call.request.Query("limit");
  size_t n = 0;
  const bool digits = !text.empty() && text.size() <= 6 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
  if (digits) n = std::stoul(text);
  if (!digits || n < 1 || n > max) {
    *problem = Problem(400, "bad_query",
                       "limit '" + text.substr(0, 20) + "' must be a whole number from 1 to " +
                           std::to_string(max),
                       {{"limit", "out of range"}});
    return std::nullopt;
  }
  return n;
}

}  // namespace accrue::api
