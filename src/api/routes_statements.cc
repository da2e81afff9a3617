// Statements as files: a worker's monthly notice or annual statement, and a hiring entity's
// annual contribution statement, as CSV or PDF attachments.
#include "api/api.h"
#include "statements/statements.h"

namespace accrue::api {
namespace {

constexpr unsigned kWorker = static_cast<unsigned>(Role::kWorker);
constexpr unsigned kEntity = static_cast<unsigned>(Role::kEntity);

// "format" from the query: csv (the default) or pdf; nullopt with a 400 problem otherwise.
std::optional<std::string> Format(const Call& call, HttpResponse* problem) {
  const std::string format = call.request.HasQuery("format") ? call.request.Query("format") : "csv";
  if (format != "csv" && format != "pdf") {
    *problem = Problem(400, "bad_query", "format must be csv or pdf", {{"format", "unknown"}});
    return std::nullopt;
  }
  return format;
}

HttpResponse Attachment(const StatementDocument& doc, const std::string& format) {
  HttpResponse r;
  if (format == "pdf") {
    auto pdf = RenderPdf(doc);
    if (!pdf.ok()) return FromStatus(pdf.status());
    r.content_type = "application/pdf";
    r.body = std::move(*pdf);
  } else {
    r.content_type = "text/csv; charset=utf-8";
    r.body = RenderCsv(doc);
  }
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + doc.file_stem + "." + format + "\"");
  return r;
}

HttpResponse BadQuery(const std::string& field, const Status& st) {
  return Problem(400, "bad_query", st.message(), {{field, "malformed"}});
}

std::optional<HttpResponse> WorkerStatement(Api& api, Call& call) {
  HttpResponse problem;
  auto format = Format(call, &problem);
  if (!format) return problem;
  const bool month = call.request.HasQuery("month");
  const bool year = call.request.HasQuery("year");
  if (month == year) {
    return Problem(400, "bad_query", "give either month=YYYY-MM or year=YYYY",
                   {{month ? "year" : "month", month ? "not with month" : "missing"}});
  }
  const AccountNumber account = AccountNumber::Parse(call.Param("account")).value();
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  if (month) {
    const std::string text = call.request.Query("month");
    if (auto m = ParseStatementMonth(text); !m.ok()) return BadQuery("month", m.status());
    ASSIGN_OR_RETURN_RESPONSE(auto notice, BuildWorkerMonthlyNotice(*conn, account, text));
    return Attachment(ToDocument(notice), *format);
  }
  auto y = ParseStatementYear(call.request.Query("year"));
  if (!y.ok()) return BadQuery("year", y.status());
  ASSIGN_OR_RETURN_RESPONSE(auto statement, BuildWorkerAnnualStatement(*conn, account, *y));
  return Attachment(ToDocument(statement), *format);
}

std::optional<HttpResponse> EntityStatement(Api& api, Call& call) {
  HttpResponse problem;
  auto format = Format(call, &problem);
  if (!format) return problem;
  auto y = ParseStatementYear(call.request.Query("year"));
  if (!y.ok()) return BadQuery("year", y.status());
  ASSIGN_OR_RETURN_RESPONSE(auto conn, api.Connection());
  ASSIGN_OR_RETURN_RESPONSE(auto statement,
                            BuildEntityAnnualStatement(*conn, call.Param("entity"), *y));
  return Attachment(ToDocument(statement), *format);
}

}  // namespace

void AddStatementRoutes(std::vector<Route>* routes) {
  routes->push_back({"GET", "/v1/workers/{account}/statement", kWorker, "account",
                     "Monthly balance notice (month=YYYY-MM) or annual statement (year=YYYY), "
                     "as CSV or PDF",
                     WorkerStatement});
  routes->push_back({"GET", "/v1/entities/{entity}/statement", kEntity, "entity",
                     "Annual contribution statement for a year, as CSV or PDF", EntityStatement});
}

}  // namespace accrue::api
