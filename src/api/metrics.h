// The server's Prometheus metrics: requests by route and status, latency by route, reports
// recorded and refused, batch sizes. Rendered in the text exposition format at /metrics.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace prometheus {
class Registry;
}

namespace accrue::api {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  void Request(const std::string& route, const std::string& method, int status,
               std::chrono::steady_clock::duration latency);
  void Reports(const std::string& outcome, int64_t n);
  void Batch(size_t reports);
  std::string Render() const;

 private:
  struct Families;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> f_;
};

}  // namespace accrue::api
