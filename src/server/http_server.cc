#include "server/http_server.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <restinio/all.hpp>
#include <sstream>

namespace accrue::server {
namespace {

using Traits = restinio::traits_t<restinio::asio_timer_manager_t, restinio::null_logger_t>;

constexpr size_t kInlineBodyBytes = 64 * 1024;

api::HttpRequest ToApi(const restinio::request_handle_t& req) {
  api::HttpRequest r;
  r.method = req->header().method().c_str();
  r.path = std::string(req->header().path());
  r.query = std::string(req->header().query());
  req->header().for_each_field([&](const restinio::http_header_field_t& f) {
    std::string name = f.name();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(std::move(name), f.value());
  });
  r.body = req->body();
  r.remote = req->remote_endpoint().address().to_string();
  return r;
}

const char* MediaType(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".json") return "application/json";
  return "application/octet-stream";
}

// A file of the portal, or nullopt when the path is not one.
std::optional<api::HttpResponse> StaticFile(const std::string& dir, const std::string& path) {
  if (dir.empty() || path.find("..") != std::string::npos) return std::nullopt;
  std::filesystem::path file = std::filesystem::path(dir) / path.substr(1);
  if (path == "/" || !file.has_extension()) file = std::filesystem::path(dir) / "index.html";
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  api::HttpResponse r;
  r.content_type = MediaType(file);
  r.body = body.str();
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

struct HttpServer::Impl {
  api::Api& api;
  ServerOptions options;
  asio::thread_pool workers;
  restinio::running_server_handle_t<Traits> server;
  std::atomic<uint16_t> port{0};
  std::atomic<int64_t> in_flight{0};
  std::atomic<uint64_t> next_id{0};
  std::mutex log_mu;
  bool stopped = false;

  Impl(api::Api& a, const ServerOptions& o) : api(a), options(o), workers(o.threads) {}

  void Log(const api::HttpRequest& req, const std::string& id, int status,
           std::chrono::steady_clock::duration took) {
    if (!options.access_log) return;
    const auto now = std::chrono::system_clock::now();
    const double ms = std::chrono::duration<double, std::milli>(took).count();
    std::lock_guard<std::mutex> lock(log_mu);
    std::fprintf(
        stderr,
        "{\"ts\":%lld,\"level\":\"info\",\"msg\":\"request\",\"request_id\":\"%s\","
        "\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,\"ms\":%.3f,\"remote\":\"%s\"}\n",
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()),
        JsonEscape(id).c_str(), req.method.c_str(), JsonEscape(req.path).c_str(), status, ms,
        req.remote.c_str());
  }

  // A quick route with a small body is served on the I/O thread that read it: its handler does
  // a few indexed reads (intake answers later, from the writer thread), and a hop to another
  // thread would cost more than the work. Everything else (scans, password hashing, renderings,
  // batches to parse) goes to the worker pool so that it never holds up the other connections
  // on that I/O thread.
  restinio::request_handling_status_t Handle(restinio::request_handle_t req) {
    in_flight.fetch_add(1);
    std::unordered_map<std::string, std::string> params;
    const api::Route* route =
        api::Api::Find(req->header().method().c_str(), req->header().path(), &params);
    if (route != nullptr && route->quick && req->body().size() <= kInlineBodyBytes) {
      Serve(std::move(req));
    } else {
      asio::post(workers, [this, req = std::move(req)]() mutable { Serve(std::move(req)); });
    }
    return restinio::request_accepted();
  }

  void Serve(restinio::request_handle_t req) {
    const auto started = std::chrono::steady_clock::now();
    auto request = std::make_shared<api::HttpRequest>(ToApi(req));
    std::string id(request->Header("x-request-id").substr(0, 64));
    if (id.empty()) id = "r" + std::to_string(next_id.fetch_add(1) + 1);
    auto respond = [this, req, request, id, started](api::HttpResponse r) {
      Log(*request, id, r.status, std::chrono::steady_clock::now() - started);
      auto resp = req->create_response(restinio::http_status_line_t{
          restinio::http_status_code_t{static_cast<std::uint16_t>(r.status)},
          api::ReasonPhrase(r.status)});
      resp.append_header(restinio::http_field::content_type, r.content_type);
      resp.append_header("X-Request-Id", id);
      for (const auto& [k, v] : r.headers) resp.append_header(k, v);
      if (api.draining()) resp.connection_close();
      resp.set_body(std::move(r.body));
      resp.done();
      in_flight.fetch_sub(1);
    };
    const bool api_path = request->path.starts_with("/v1/") || request->path == "/healthz" ||
                          request->path == "/readyz" || request->path == "/metrics";
    if (!api_path && request->method == "GET") {
      if (auto file = StaticFile(options.static_dir, request->path)) return respond(*file);
    }
    api.Handle(*request, std::move(respond));
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::port() const { return impl_->port.load(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(api::Api& api, const ServerOptions& options) {
  auto impl = std::make_unique<Impl>(api, options);
  Impl* p = impl.get();
  const size_t limit = api.options().limits.max_body_bytes;
  try {
    p->server = restinio::run_async<Traits>(
        restinio::own_io_context(),
        restinio::server_settings_t<Traits>{}
            .address(options.address)
            .port(options.port)
            .max_pipelined_requests(4)
            // A batch is answered once durable, which for 10,000 reports can take longer than
            // RESTinio's default of 10 s.
            .handle_request_timeout(std::chrono::minutes(5))
            // Past the API's own limit (a 413 with a problem document), RESTinio drops the
            // connection instead of buffering an unbounded body.
            .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}.max_body_size(
                static_cast<std::uint64_t>(limit) * 2 + 1024))
            .acceptor_post_bind_hook(
                [p](asio::ip::tcp::acceptor& a) { p->port = a.local_endpoint().port(); })
            .request_handler([p](restinio::request_handle_t req) { return p->Handle(req); }),
        std::max<size_t>(1, options.threads));
  } catch (const std::exception& e) {
    return Status::Io("cannot serve on " + options.address + ":" + std::to_string(options.port) +
                      ": " + e.what());
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->api.Drain();
  // Every request already received is answered before the connections close.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->server->stop();
  impl_->server->wait();
  impl_->workers.join();
}

}  // namespace accrue::server
