// /healthz, /readyz, /metrics and the OpenAPI document: public, no credentials.
#include "api/api.h"
#include "api/metrics.h"

namespace accrue::api {

void AddHealthRoutes(std::vector<Route>* routes) {
  routes->push_back({"GET", "/healthz", 0, "", "The process is alive",
                     [](Api&, Call&) -> std::optional<HttpResponse> {
                       return JsonResponse(200, {{"status", "ok"}});
                     },
                     true});
  routes->push_back({"GET", "/readyz", 0, "",
                     "The server can take requests: not shutting down, "
                     "and its database answers",
                     [](Api& api, Call&) -> std::optional<HttpResponse> {
                       if (api.draining()) {
                         return Problem(503, "shutting_down", "the server is shutting down");
                       }
                       auto conn = api.Connection();
                       if (!conn.ok())
                         return Problem(503, "store_unavailable", conn.status().message());
                       // One row, not a count: a probe every few seconds must not scan the
                       // workers.
                       auto row = (**conn).sql().Query("SELECT 1 FROM workers LIMIT 1");
                       if (!row.ok()) {
                         return Problem(503, "store_unavailable", row.status().message());
                       }
                       return JsonResponse(200, {{"status", "ready"}});
                     }});
  routes->push_back({"GET", "/metrics", 0, "", "Prometheus metrics",
                     [](Api& api, Call&) -> std::optional<HttpResponse> {
                       HttpResponse r;
                       r.content_type = "text/plain; version=0.0.4";
                       const IntakeStats s = api.intake().stats();
                       api.metrics().IntakeGroups(s.foreground, s.background, s.redone);
                       if (auto conn = api.Connection(); conn.ok()) {
                         if (auto wal = (**conn).Wal()) api.metrics().Wal(*wal);
                       }
                       r.body = api.metrics().Render();
                       return r;
                     }});
  routes->push_back({"GET", "/v1/openapi.json", 0, "", "This API's OpenAPI 3 document",
                     [](Api&, Call&) -> std::optional<HttpResponse> {
                       HttpResponse r;
                       r.body = OpenApiDocument();
                       return r;
                     }});
}

}  // namespace accrue::api
