// A hiring entity's routes: reporting work (one report, a batch as JSON or CSV, a
// correction), reading its own reports back, and what it owes. The entity is the path's
// {entity}, which the dispatcher has checked is the caller's own.
#include <sodium.h>

#include "api/api.h"
#include "api/metrics.h"
#include "api/report_json.h"
#include "csv/csv_reader.h"
#include "ingest/report_csv.h"

namespace accrue::api {
namespace {

constexpr unsigned kEntity = static_cast<unsigned>(Role::kEntity);

bool IsIdConflict(const ReportResult& r) {
  return std::any_of(r.errors.begin(), r.errors.end(), [](const FieldError& e) {
    return e.field == "report_id" && e.message.find("already used") != std::string::npos;
  });
}

void Count(Api& api, const std::vector<ReportResult>& results, bool committed) {
  std::map<std::string, int64_t> by;
  for (const ReportResult& r : results) {
    by[committed || r.outcome == Outcome::kRejected ? OutcomeName(r.outcome) : "rolled back"]++;
  }
  for (const auto& [outcome, n] : by) api.metrics().Reports(outcome, n);
}

// One report, or a correction: answered with its outcome and legs once durable.
std::optional<HttpResponse> SubmitOne(Api& api, Call& call, const std::string& replaces) {
  HttpResponse problem;
  auto body = ParseJsonBody(call.request, &problem);
  if (!body.ok()) return problem;
  if (!replaces.empty() && body->is_object()) {
    if (body->contains("replaces") && (*body)["replaces"] != replaces) {
      return Problem(422, "invalid", "replaces must be the report named in the path",
                     {{"/replaces", "differs from the path"}});
    }
    (*body)["replaces"] = replaces;
  }
  IntakeJob job;
  job.reports.push_back(ReportFromJson(*body, call.Param("entity"), -1));
  api.metrics().Batch(1);
  job.render = [&api](const std::vector<ReportResult>& results, bool committed) {
    Count(api, results, committed);
    const ReportResult& r = results.at(0);
    if (r.outcome == Outcome::kRejected) {
      if (IsIdConflict(r)) {
        return Problem(409, "report_id_conflict", r.errors.at(0).message,
                       ToProblems(r.errors, -1, false));
      }
      return Problem(422, "report_refused", "the report was refused; nothing was recorded",
                     ToProblems(r.errors, -1, false));
    }
    return JsonTextResponse(r.outcome == Outcome::kAlreadyRecorded ? 200 : 201, ResultJson(r));
  };
  job.respond = call.respond;
  api.intake().Submit(std::move(job));
  return std::nullopt;
}

std::optional<HttpResponse> PostReport(Api& api, Call& call) { return SubmitOne(api, call, ""); }

std::optional<HttpResponse> PostCorrection(Api& api, Call& call) {
  return SubmitOne(api, call, call.Param("report_id"));
}

std::string RequestHash(const HttpRequest& req, bool partial) {
  unsigned char h[32];
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, sizeof h);
  const std::string head = std::string(req.Header("content-type")) + (partial ? "|p|" : "|a|");
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(head.data()), head.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(req.body.data()),
                            req.body.size());
  crypto_generichash_final(&st, h, sizeof h);
  std::string hex(65, '\0');
  sodium_bin2hex(hex.data(), hex.size(), h, sizeof h);
  hex.pop_back();
  return hex;
}

// The batch's reports from a CSV body; a problem when the file cannot be read at all.
std::optional<HttpResponse> ReadCsvBatch(const Call& call, size_t max,
                                         std::vector<IncomingReport>* out) {
  auto reader = ReportCsvReader::Open(CsvReader::FromString(call.request.body));
  if (!reader.ok()) return Problem(422, "bad_csv", reader.status().message());
  const std::string& entity = call.Param("entity");
  for (;;) {
    WorkReport report;
    auto step = reader->Next(&report);
    if (!step.ok()) return Problem(422, "bad_csv", step.status().message());
    if (*step == ReportCsvReader::Step::kEnd) return std::nullopt;
    if (out->size() == max) {
      return Problem(413, "batch_too_large",
                     "a batch holds at most " + std::to_string(max) + " reports");
    }
    IncomingReport in;
    in.row = reader->row();
    if (*step == ReportCsvReader::Step::kRejected) {
      in.errors = reader->errors();
    } else if (report.entity != entity) {
      in.errors.push_back({in.row, "hiring_entity",
                           "hiring_entity " + QuoteValue(report.entity) +
                               " is not the entity this request is for ('" + entity + "')"});
    } else {
      in.report = std::move(report);
    }
    out->push_back(std::move(in));
  }
}

std::optional<HttpResponse> ReadJsonBatch(const Call& call, size_t max,
                                          std::vector<IncomingReport>* out) {
  HttpResponse problem;
  auto body = ParseJsonBody(call.request, &problem);
  if (!body.ok()) return problem;
  const nlohmann::json* list = &*body;
  if (body->is_object() && body->contains("reports")) list = &(*body)["reports"];
  if (!list->is_array()) {
    return Problem(422, "invalid", "send a JSON array of reports, or {\"reports\": [...]}");
  }
  if (list->size() > max) {
    return Problem(413, "batch_too_large",
                   "the batch has " + std::to_string(list->size()) + " reports; at most " +
                       std::to_string(max) + " are accepted");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    out->push_back(ReportFromJson((*list)[i], call.Param("entity"), static_cast<int64_t>(i)));
  }
  return std::nullopt;
}

HttpResponse RenderBatch(Api& api, const std::vector<ReportResult>& results, bool committed,
                         bool csv) {
  Count(api, results, committed);
  std::vector<FieldProblem> refused;
  int64_t rejected = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const ReportResult& r = results[i];
    if (r.outcome == Outcome::kRejected) ++rejected;
    if (r.errors.empty()) continue;
    const int64_t index = csv ? -1 : static_cast<int64_t>(i);
    for (FieldProblem& p : ToProblems(r.errors, index, csv)) refused.push_back(std::move(p));
  }
  if (!committed) {
    return Problem(422, "batch_refused",
                   std::to_string(rejected) +
                       " report(s) refused, so nothing was recorded (send ?partial=true to "
                       "record the good ones)",
                   refused);
  }
  return JsonTextResponse(201, BatchJson(results, csv, refused));
}

std::optional<HttpResponse> PostBatch(Api& api, Call& call) {
  const HttpRequest& req = call.request;
  const std::string partial_text = req.Query("partial");
  if (req.HasQuery("partial") && partial_text != "true" && partial_text != "false") {
    return Problem(400, "bad_query", "partial must be true or false", {{"partial", "not a bool"}});
  }
  const bool partial = partial_text == "true";
  const std::string key(req.Header("idempotency-key"));
  if (key.size() > api.options().limits.max_string_bytes) {
    return Problem(400, "bad_header", "Idempotency-Key is longer than 200 bytes");
  }
  const std::string_view type = req.Header("content-type");
  const bool csv = type.substr(0, 8) == "text/csv";
  const size_t max = api.options().limits.max_batch_reports;
  IntakeJob job;
  auto refused =
      csv ? ReadCsvBatch(call, max, &job.reports) : ReadJsonBatch(call, max, &job.reports);
  if (refused) return refused;
  if (job.reports.empty()) return Problem(422, "empty_batch", "the batch holds no reports");
  api.metrics().Batch(job.reports.size());
  job.atomic = !partial;
  if (!key.empty()) {
    job.idempotency_entity = call.Param("entity");
    job.idempotency_key = key;
    job.request_hash = RequestHash(req, partial);
  }
  job.render = [&api, csv](const std::vector<ReportResult>& results, bool committed) {
    return RenderBatch(api, results, committed, csv);
  };
  job.respond = call.respond;
  api.intake().Submit(std::move(job));
  return std::nullopt;
}

std::optional<HttpResponse> ListReports(Api& api, Call& call) {
  HttpResponse problem;
  auto limit = PageLimit(call, 100, api.options().limits.max_page, &problem);
  if (!limit) return problem;
  const std::string after = call.request.Query("after");
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(
      auto entries, conn->EntityEntries(call.Param("entity"), after, static_cast<int64_t>(*limit)));
  nlohmann::json out = {{"reports", nlohmann::json::array()}};
  for (const StoredEntry& e : entries) out["reports"].push_back(StoredEntryToJson(e));
  out["next"] = entries.size() == *limit ? nlohmann::json(entries.back().entry.report.report_id)
                                         : nlohmann::json(nullptr);
  return JsonResponse(200, out);
}

std::optional<HttpResponse> GetReport(Api& api, Call& call) {
  const std::string& entity = call.Param("entity");
  const std::string& id = call.Param("report_id");
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto found, conn->FindReport(entity, id));
  if (!found) return Problem(404, "not_found", "no report '" + id + "' of " + entity);
  ASSIGN_OR_RETURN_RESPONSE(auto replaced_by, conn->ReplacedBy(entity, id));
  nlohmann::json out = StoredEntryToJson(*found);
  out["replaced_by"] = replaced_by ? nlohmann::json(*replaced_by) : nlohmann::json(nullptr);
  return JsonResponse(200, out);
}

std::optional<HttpResponse> Obligations(Api& api, Call& call) {
  std::string month = call.request.Query("month");
  if (month.empty()) month = api.Today().MonthKey();
  auto first = Date::Parse(month + "-01");
  if (month.size() != 7 || !first.ok()) {
    return Problem(400, "bad_query", "month '" + month.substr(0, 20) + "' must be YYYY-MM",
                   {{"month", "not a month"}});
  }
  const std::string base = "E/" + call.Param("entity") + "/" + month + "/";
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(int64_t employer, conn->Balance(base + "employer"));
  ASSIGN_OR_RETURN_RESPONSE(int64_t withheld, conn->Balance(base + "withheld"));
  // The entity's accounts carry what it owes as a debit (negative balance).
  const Money own = Money::FromUnits(-employer), held = Money::FromUnits(-withheld);
  return JsonResponse(200, {{"entity", call.Param("entity")},
                            {"month", month},
                            {"employer_share", own.ToString(2)},
                            {"withheld_from_workers", held.ToString(2)},
                            {"total", (own + held).ToString(2)}});
}

}  // namespace

void AddEntityRoutes(std::vector<Route>* routes) {
  routes->push_back({"POST", "/v1/entities/{entity}/reports", kEntity, "entity",
                     "Submit one work report", PostReport, true});
  routes->push_back({"POST", "/v1/entities/{entity}/batches", kEntity, "entity",
                     "Submit a batch of work reports (JSON array or work-report CSV)", PostBatch});
  routes->push_back({"POST", "/v1/entities/{entity}/reports/{report_id}/corrections", kEntity,
                     "entity", "Correct a report: the new report replaces it", PostCorrection,
                     true});
  routes->push_back({"GET", "/v1/entities/{entity}/reports", kEntity, "entity",
                     "The entity's reports in report-id order, paged", ListReports});
  routes->push_back({"GET", "/v1/entities/{entity}/reports/{report_id}", kEntity, "entity",
                     "One report with the legs it posted", GetReport, true});
  routes->push_back({"GET", "/v1/entities/{entity}/obligations", kEntity, "entity",
                     "What the entity owes for a month so far", Obligations});
}

}  // namespace accrue::api
