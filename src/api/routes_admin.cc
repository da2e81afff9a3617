// The program administrator's (regulator's) routes: jurisdictions, policy packs, hiring
// entities and their API keys. Every change is checked like its CLI counterpart and, once
// stored, replaces the registry snapshot requests are served from.
#include "api/api.h"
#include "api/report_json.h"
#include "ingest/registry_csv.h"
#include "policy/loader.h"
#include "registry/registry.h"

namespace accrue::api {
namespace {

constexpr unsigned kAdmin = static_cast<unsigned>(Role::kAdmin);

// Reads one registry record from a JSON body with the CSV format's own checks.
template <typename T, typename Parse>
std::optional<HttpResponse> ReadRecord(const Call& call, std::span<const CsvColumn> columns,
                                       Parse parse, std::optional<T>* out) {
  HttpResponse problem;
  auto body = ParseJsonBody(call.request, &problem);
  if (!body.ok()) return problem;
  const CsvHeader header = CanonicalHeader(columns);
  std::vector<FieldError> errors;
  JsonRecord rec;
  if (ReadJsonRecord(*body, columns, 0, &rec, &errors)) *out = parse(header, rec.record, &errors);
  if (!errors.empty()) {
    return Problem(422, "invalid", "refused; nothing was stored", ToProblems(errors, -1, false));
  }
  return std::nullopt;
}

// Stores a registry change and refreshes the snapshot.
std::optional<HttpResponse> Stored(Api& api, Store& store, const Status& st, int status,
                                   const nlohmann::json& body) {
  if (!st.ok()) return FromStatus(st);
  Status reload = api.registry().Reload(store);
  if (!reload.ok()) return FromStatus(reload);
  return JsonResponse(status, body);
}

nlohmann::json ToJson(const Jurisdiction& j) {
  return {{"code", j.code}, {"name", j.name}, {"parent", j.parent}, {"time_zone", j.time_zone}};
}

nlohmann::json ToJson(const HiringEntity& e) {
  return {{"id", e.id}, {"name", e.name}, {"sector", e.sector}, {"size", e.size}};
}

nlohmann::json ToJson(const ApiKeyInfo& k) {
  return {
      {"id", k.id},
      {"role", RoleName(k.role)},
      {"party", k.party},
      {"label", k.label},
      {"created_at", k.created_at},
      {"revoked_at", k.revoked_at == 0 ? nlohmann::json(nullptr) : nlohmann::json(k.revoked_at)}};
}

std::optional<HttpResponse> ListJurisdictions(Api& api, Call&) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto list, conn->ListJurisdictions());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& j : list) out.push_back(ToJson(j));
  return JsonResponse(200, {{"jurisdictions", out}});
}

std::optional<HttpResponse> AddJurisdiction(Api& api, Call& call) {
  std::optional<Jurisdiction> j;
  if (auto refused = ReadRecord(call, JurisdictionCsvColumns(), ParseJurisdictionRecord, &j)) {
    return refused;
  }
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  return Stored(api, *conn, conn->AddJurisdictions({*j}), 201, ToJson(*j));
}

std::optional<HttpResponse> ListEntities(Api& api, Call&) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto list, conn->ListEntities());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : list) out.push_back(ToJson(e));
  return JsonResponse(200, {{"entities", out}});
}

std::optional<HttpResponse> AddEntity(Api& api, Call& call) {
  std::optional<HiringEntity> e;
  if (auto refused = ReadRecord(call, EntityCsvColumns(), ParseEntityRecord, &e)) return refused;
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  return Stored(api, *conn, conn->AddEntities({*e}), 201, ToJson(*e));
}

std::optional<HttpResponse> ListPolicies(Api& api, Call&) {
  const auto registry = api.registry().Get();
  nlohmann::json out = nlohmann::json::array();
  for (const PackPtr& p : registry->policies().packs()) {
    nlohmann::json versions = nlohmann::json::array();
    for (const PolicyVersion& v : p->versions) versions.push_back(v.effective_from.ToString());
    out.push_back(
        {{"id", p->id},
         {"name", p->name},
         {"file", p->file},
         {"starts", p->starts.ToString()},
         {"ends", p->ends ? nlohmann::json(p->ends->ToString()) : nlohmann::json(nullptr)},
         {"source", p->source},
         {"versions", versions}});
  }
  return JsonResponse(200, {{"policies", out}});
}

// The body is the pack's TOML text; it is checked against the benefit list and the
// jurisdictions in force, and stored as a new revision when its text changed.
std::optional<HttpResponse> LoadPolicy(Api& api, Call& call) {
  const std::string_view type = call.request.Header("content-type");
  if (type.substr(0, 16) != "application/toml") {
    return Problem(415, "unsupported_media_type",
                   "send the pack as application/toml, not '" + std::string(type) + "'");
  }
  std::string name = call.request.Query("file");
  if (name.empty()) name = "upload.toml";
  if (name.size() > api.options().limits.max_string_bytes) {
    return Problem(400, "bad_query", "file is longer than 200 bytes", {{"file", "too long"}});
  }
  const auto registry = api.registry().Get();
  PackCheck check = CheckPackString(call.request.body, name, registry->benefits());
  if (check.ok()) {
    check.errors = JurisdictionErrors(*check.pack, [&](const std::string& code) {
      return registry->FindJurisdiction(code) != nullptr;
    });
  }
  if (!check.ok()) {
    std::vector<FieldProblem> problems;
    for (const PolicyError& e : check.errors) {
      problems.push_back({e.key, e.ToString(), -1, e.line});
    }
    return Problem(422, "policy_invalid", "the pack has errors; nothing was loaded", problems);
  }
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  auto revision = conn->PutPack(check.pack->id, name, check.pack->text);
  return Stored(api, *conn, revision.status(), 201,
                {{"id", check.pack->id}, {"revision", revision.ok() ? *revision : 0}});
}

std::optional<HttpResponse> IssueEntityKey(Api& api, Call& call) {
  const std::string& entity = call.Param("entity");
  if (api.registry().Get()->FindEntity(entity) == nullptr) {
    Status reload = [&]() -> Status {
      ASSIGN_OR_RETURN(auto conn, api.Connection());
      return api.registry().Reload(*conn);
    }();
    if (!reload.ok()) return FromStatus(reload);
    if (api.registry().Get()->FindEntity(entity) == nullptr) {
      return Problem(404, "not_found", "no hiring entity '" + entity + "'");
    }
  }
  std::string label;
  if (!call.request.body.empty()) {
    HttpResponse problem;
    auto body = ParseJsonBody(call.request, &problem);
    if (!body.ok()) return problem;
    if (body->is_object() && body->contains("label") && (*body)["label"].is_string()) {
      label = (*body)["label"].get<std::string>();
    }
  }
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(
      auto key, Credentials(conn->sql()).IssueKey(Role::kEntity, entity, label, api.Now()));
  return JsonResponse(201, {{"id", key.id}, {"token", key.token}, {"entity", entity}});
}

std::optional<HttpResponse> ListEntityKeys(Api& api, Call& call) {
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto keys,
                            Credentials(conn->sql()).ListKeys(Role::kEntity, call.Param("entity")));
  nlohmann::json out = nlohmann::json::array();
  for (const auto& k : keys) out.push_back(ToJson(k));
  return JsonResponse(200, {{"keys", out}});
}

std::optional<HttpResponse> RotateKey(Api& api, Call& call) {
  const std::string& id = call.Param("key");
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto key, Credentials(conn->sql()).RotateKey(id, api.Now()));
  api.ForgetCredential(id);
  return JsonResponse(201, {{"id", key.id}, {"token", key.token}, {"replaces", id}});
}

std::optional<HttpResponse> RevokeKey(Api& api, Call& call) {
  const std::string& id = call.Param("key");
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  Status st = Credentials(conn->sql()).RevokeKey(id, api.Now());
  if (!st.ok()) return FromStatus(st);
  api.ForgetCredential(id);
  return HttpResponse{204, "", {}, ""};
}

}  // namespace

void AddAdminRoutes(std::vector<Route>* routes) {
  routes->push_back(
      {"GET", "/v1/jurisdictions", kAdmin, "", "Every jurisdiction", ListJurisdictions});
  routes->push_back(
      {"POST", "/v1/jurisdictions", kAdmin, "", "Add a jurisdiction", AddJurisdiction});
  routes->push_back({"GET", "/v1/policies", kAdmin, "", "The policy packs in force", ListPolicies});
  routes->push_back({"POST", "/v1/policies", kAdmin, "",
                     "Load a policy pack (its TOML text as the body)", LoadPolicy});
  routes->push_back({"GET", "/v1/entities", kAdmin, "", "Every hiring entity", ListEntities});
  routes->push_back({"POST", "/v1/entities", kAdmin, "", "Register a hiring entity", AddEntity});
  routes->push_back(
      {"GET", "/v1/entities/{entity}/keys", kAdmin, "", "An entity's API keys", ListEntityKeys});
  routes->push_back({"POST", "/v1/entities/{entity}/keys", kAdmin, "",
                     "Issue an API key for an entity (the token is shown once)", IssueEntityKey});
  routes->push_back({"POST", "/v1/keys/{key}/rotate", kAdmin, "",
                     "Replace a key: a new token, the old one revoked", RotateKey});
  routes->push_back({"DELETE", "/v1/keys/{key}", kAdmin, "", "Revoke a key", RevokeKey});
}

}  // namespace accrue::api
