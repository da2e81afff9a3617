// The HTTP exchange as the API sees it, independent of the server library: the request as
// received and the response to send. The server (src/server) converts to and from these, so
// every route can be tested in-process with the same values the network would carry.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace accrue::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // "/v1/workers/4827-1026-2342/balance", without the query
  std::string query;   // "limit=10&after=3", undecoded
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote;  // peer address, for logs

  // The first header of that (lower-case) name, or "".
  std::string_view Header(std::string_view name) const;
  // A query parameter, percent-decoded, or "" when absent.
  std::string Query(std::string_view name) const;
  bool HasQuery(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Called exactly once per request, possibly from another thread.
using Responder = std::function<void(HttpResponse)>;

HttpResponse JsonResponse(int status, const nlohmann::json& body);
// The same for a body already written as JSON text.
HttpResponse JsonTextResponse(int status, std::string json);

// One problem with a request's content: the JSON pointer of the field ("/reports/3/hours",
// "" for the whole body) and why.
struct FieldProblem {
  std::string field;
  std::string reason;
  int64_t index = -1;  // position in a batch, -1 when not in one
  int64_t row = -1;    // CSV row, -1 when not from a CSV
};

// An RFC 9457 problem document (application/problem+json). `code` is stable and documented;
// `detail` is for people.
HttpResponse Problem(int status, std::string_view code, std::string_view detail,
                     const std::vector<FieldProblem>& errors = {});
nlohmann::json ToJson(const FieldProblem& p);

std::string PercentDecode(std::string_view text);
const char* ReasonPhrase(int status);  // "Unprocessable Content"

}  // namespace accrue::api
