// The HTTP server: RESTinio on a pool of I/O threads, handing each request to the API.
//
// This module's .cc is the only translation unit that includes RESTinio (heavy headers, one
// place to compile them). Requests are read whole (bounded by the body limit) and passed to
// Api::Handle, whose answer may come from another thread (report intake answers once its
// batch is durable); the answer is written back on the connection's own strand.
//
// Shutdown is graceful: Stop() first makes the API refuse new reports and records every one
// already received (so nothing acknowledged is lost and nothing received is left unanswered),
// then closes the listener and the connections.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/api.h"
#include "base/status.h"

namespace accrue::server {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see HttpServer::port())
  size_t threads = 2;
  std::string static_dir;  // served at / when not empty (the portal)
  bool access_log = true;  // one JSON line per request on stderr
};

class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> Start(api::Api& api, const ServerOptions& options);
  ~HttpServer();
  uint16_t port() const;
  // Graceful: drain intake, then stop serving. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace accrue::server
