// The server's Prometheus metrics: requests by route and status, latency by route, reports
// recorded and refused, batch sizes, how the intake's groups were written (in the foreground,
// in the background, or again after a conflict), the background aggregate fold's catch-ups,
// and the SQLite WAL's length and checkpoints. Rendered in the text exposition format at
// /metrics.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace prometheus {
class Registry;
}

namespace accrue {
struct WalStats;
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
  // Brings the intake's group counters up to the writer's own counts (read at render time).
  void IntakeGroups(int64_t foreground, int64_t background, int64_t redone);
  // The background fold caught up with the ledger at `at` (it runs at idle priority, so an
  // alert on this timestamp's age tells a fold starved or failing).
  void Folded(std::chrono::system_clock::time_point at);
  // Brings the WAL's figures up to the store's (read at render time; SQLite only).
  void Wal(const WalStats& wal);
  std::string Render() const;

 private:
  struct Families;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> f_;
  std::mutex sync_mu_;  // two renders at once must not both add the same difference
};

}  // namespace accrue::api
