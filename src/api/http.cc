#include "api/http.h"

namespace accrue::api {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 503:
      return "Service Unavailable";
    default:
      return status >= 500 ? "Internal Server Error" : "Error";
  }
}

namespace {

// The value of `name` in an undecoded query string, or nullopt.
std::optional<std::string_view> FindQuery(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
  }
  return std::nullopt;
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

std::string HttpRequest::Query(std::string_view name) const {
  auto v = FindQuery(query, name);
  return v ? PercentDecode(*v) : std::string();
}

bool HttpRequest::HasQuery(std::string_view name) const {
  return FindQuery(query, name).has_value();
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && std::isxdigit(text[i + 1]) != 0 &&
               std::isxdigit(text[i + 2]) != 0) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse JsonTextResponse(int status, std::string json) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(json);
  return r;
}

nlohmann::json ToJson(const FieldProblem& p) {
  nlohmann::json j = {{"field", p.field}, {"reason", p.reason}};
  if (p.index >= 0) j["index"] = p.index;
  if (p.row >= 0) j["row"] = p.row;
  return j;
}

HttpResponse Problem(int status, std::string_view code, std::string_view detail,
                     const std::vector<FieldProblem>& errors) {
  nlohmann::json j = {{"type", "urn:accrue:problem:" + std::string(code)},
                      {"title", ReasonPhrase(status)},
                      {"status", status},
                      {"code", code},
                      {"detail", detail}};
  if (!errors.empty()) {
    j["errors"] = nlohmann::json::array();
    for (const auto& e : errors) j["errors"].push_back(ToJson(e));
  }
  HttpResponse r = JsonResponse(status, j);
  r.content_type = "application/problem+json";
  return r;
}

}  // namespace accrue::api
