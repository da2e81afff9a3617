// load_bench: the HTTP API under load, against `accrue serve` on 127.0.0.1.
//
// Contract:
//   - Seeds a store (SQLite in --dir, or a throwaway PostgreSQL server with --engine postgres)
//     with the example packs, one hiring entity and --workers workers, issues an entity key and
//     --sessions worker sessions, then starts the `accrue` binary beside this one as
//     `accrue serve --port 0 --quiet --threads N` (--server-threads, 4) on that store. Only
//     127.0.0.1 is ever contacted.
//   - Phase "batch": --batch-connections clients post work-report CSV batches of --batch-size
//     reports until --batch-reports are recorded; prints reports/s.
//   - Phase "single": --connections clients post one report per request for --seconds;
//     prints requests/s and p50/p99 latency.
//   - Phase "healthz": the same for GET /healthz, the floor set by the HTTP stack and this client.
//   - Phase "balance": --connections clients GET /v1/workers/{account} of random workers (each
//     with its own session) for --seconds; prints requests/s and p50/p99 latency.
//   - "single", "healthz" and "balance" run their connections from --client-threads threads
//     with epoll (bench/event_client.h); "batch" uses one blocking client per connection.
//   - Every answer must be a success; a failure is counted and printed, and fails the run.
//   - The server's peak RSS (VmHWM) is read from /proc before it is stopped.
//
// Usage:
//   load_bench [--engine sqlite|postgres] [--workers N] [--sessions N] [--connections N]
//              [--client-threads N] [--server-threads N] [--seconds S] [--batch-reports N]
//              [--batch-size N]
//              [--batch-connections N]
//              [--dir D] [--policies D] [--json]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "auth/auth.h"
#include "csv/csv_reader.h"
#include "event_client.h"
#include "ingest/registry_csv.h"
#include "registry/registry.h"
#include "store/store.h"
#include "testing/http_client.h"
#include "testing/postgres_server.h"

namespace accrue {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string engine = "sqlite";
  int64_t workers = 1'000'000;
  int64_t sessions = 2'000;
  int connections = 64;
  int client_threads = 2;
  int server_threads = 4;
  int seconds = 10;
  int64_t batch_reports = 500'000;
  int64_t batch_size = 10'000;
  int batch_connections = 4;
  std::string dir = "/tmp/accrue-load-bench";
  std::string policies = "policies";
  bool json = false;
};

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "load_bench: " << what << "\n";
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const std::string& what) {
  if (!r.ok()) Die(what + ": " + r.status().message());
  return std::move(r).value();
}
void Must(const Status& s, const std::string& what) {
  if (!s.ok()) Die(what + ": " + s.message());
}

struct Seeded {
  std::string entity_token;
  std::vector<AccountNumber> workers;
  std::vector<std::pair<AccountNumber, std::string>> sessions;  // worker, token
};

Seeded Seed(Store& store, const Args& args) {
  auto reader = Must(CsvReader::Open(args.policies + "/jurisdictions.csv"), "jurisdictions");
  auto jurisdictions = Must(ReadJurisdictionsCsv(&reader), "jurisdictions");
  std::vector<Jurisdiction> list;
  for (auto& e : jurisdictions.entries) list.push_back(e.value);
  Must(store.AddJurisdictions(list), "jurisdictions");
  Must(LoadPoliciesIntoStore(store, args.policies), "policies");
  Must(store.AddEntities({{"benchco", "BenchCo", "rideshare", 5000}}), "entity");
  Seeded out;
  const Date birth = *Date::Parse("1990-01-01");
  for (int64_t first = 1; first <= args.workers; first += 100'000) {
    std::vector<Worker> chunk;
    for (int64_t s = first; s < first + 100'000 && s <= args.workers; ++s) {
      chunk.push_back(
          {AccountNumber::FromSerial(static_cast<uint64_t>(s)), "W", birth, "US-WA-SEATTLE"});
    }
    for (Worker& w : Must(store.AddWorkers(std::move(chunk)), "workers")) {
      out.workers.push_back(w.account);
    }
  }
  Must(MigrateAuth(store.sql()), "auth schema");
  Credentials c(store.sql());
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  out.entity_token = Must(c.IssueKey(Role::kEntity, "benchco", "bench", now), "key").token;
  std::mt19937_64 rng(7);
  for (int64_t i = 0; i < args.sessions; ++i) {
    const AccountNumber w = out.workers[rng() % out.workers.size()];
    out.sessions.emplace_back(w, Must(c.CreateSession(w, now, 3600), "session").token);
  }
  return out;
}

struct Server {
  pid_t pid = -1;
  uint16_t port = 0;
};

Server StartServer(const std::vector<std::string>& store_args, const std::string& dir,
                   int threads) {
  const std::string binary = (fs::read_symlink("/proc/self/exe").parent_path() / "accrue").string();
  std::vector<std::string> args = {
      binary, "serve", "--port", "0", "--quiet", "--threads", std::to_string(threads)};
  args.insert(args.end(), store_args.begin(), store_args.end());
  const std::string out = dir + "/serve.out";
  Server s;
  s.pid = fork();
  if (s.pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    freopen(out.c_str(), "w", stdout);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  static const std::regex kServing("serving on http://127\\.0\\.0\\.1:([0-9]+)/");
  for (int i = 0; i < 3000 && s.port == 0; ++i) {
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (std::regex_search(text, m, kServing)) s.port = static_cast<uint16_t>(std::stoi(m[1]));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (s.port == 0) Die("the server did not start; see " + out);
  return s;
}

int64_t PeakRssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

struct PhaseResult {
  std::string name;
  int64_t ok = 0;
  int64_t failed = 0;
  int64_t reports = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double server_cpu_us = 0;  // the server's CPU time (user + system) per request
};

// The process's CPU time so far (user + system), in microseconds.
double CpuMicros(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; fields >> f && i <= 15; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(f);  // utime, stime
  }
  return ticks * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Runs a phase and charges it the server's CPU time.
template <typename Phase>
PhaseResult Measured(pid_t server, Phase phase) {
  const double before = CpuMicros(server);
  PhaseResult r = phase();
  const int64_t n = r.ok + r.failed;
  if (n > 0) r.server_cpu_us = (CpuMicros(server) - before) / static_cast<double>(n);
  return r;
}

// Runs `connections` clients, each calling `one(client, thread, i)` until `deadline` or until
// it returns false; `one` returns the latency-relevant success.
template <typename One>
PhaseResult RunPhase(const std::string& name, uint16_t port, int connections,
                     Clock::duration length, One one) {
  std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
  std::atomic<int64_t> ok{0}, failed{0};
  const auto start = Clock::now();
  const auto deadline = start + length;
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      testing::HttpClient client(port);
      for (int64_t i = 0; Clock::now() < deadline; ++i) {
        const auto before = Clock::now();
        const int status = one(client, t, i);
        if (status < 0) break;
        latencies[static_cast<size_t>(t)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - before).count());
        if (status >= 200 && status < 300) {
          ok++;
        } else if (failed++ < 3) {
          std::cerr << name << ": HTTP " << status << "\n";
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  PhaseResult r;
  r.name = name;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.ok = ok;
  r.failed = failed;
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  if (!all.empty()) {
    r.p50_ms = all[all.size() / 2];
    r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return r;
}

// A phase of short requests, from the event-driven client.
PhaseResult RunShortPhase(const std::string& name, uint16_t port, const Args& args,
                          const bench::MakeRequest& make) {
  bench::EventPhaseResult e = bench::RunEventPhase(port, args.connections, args.client_threads,
                                                   std::chrono::seconds(args.seconds), make);
  PhaseResult r;
  r.name = name;
  r.ok = e.ok;
  r.failed = e.failed;
  r.seconds = e.seconds;
  std::sort(e.latencies_ms.begin(), e.latencies_ms.end());
  if (!e.latencies_ms.empty()) {
    const size_t n = e.latencies_ms.size();
    r.p50_ms = e.latencies_ms[n / 2];
    r.p99_ms = e.latencies_ms[std::min(n - 1, n * 99 / 100)];
  }
  if (r.failed > 0) std::cerr << name << ": " << r.failed << " failed answers\n";
  return r;
}

std::string ReportJson(const std::string& id, AccountNumber w, int day) {
  return R"({"report_id":")" + id + R"(","worker":")" + w.ToString() +
         R"(","work_date":"2026-09-)" + (day < 10 ? "0" : "") + std::to_string(day) +
         R"(","jurisdiction":"US-WA-SEATTLE","hours":"0.5","earnings":"12.00","jobs":1,)"
         R"("classification":"1099"})";
}

int Run(const Args& args) {
  fs::remove_all(args.dir);
  fs::create_directories(args.dir);
  std::vector<std::string> store_args;
  std::unique_ptr<testing::PostgresServer> pg_holder;
  std::string url;
  if (args.engine == "postgres") {
    auto& pg = testing::PostgresServer::Shared();
    if (!pg.ok()) Die(pg.error());
    url = pg.NewDatabase();
    store_args = {"--postgres", url};
  } else {
    store_args = {"--db", args.dir + "/bench.db"};
  }
  const auto seed_start = Clock::now();
  Seeded seeded;
  {
    auto store = args.engine == "postgres" ? OpenPostgresStore(url)
                                           : OpenSqliteStore(args.dir + "/bench.db");
    seeded = Seed(*Must(std::move(store), "store"), args);
  }
  const double seed_seconds = std::chrono::duration<double>(Clock::now() - seed_start).count();
  std::cerr << "seeded " << seeded.workers.size() << " workers in " << seed_seconds << " s\n";
  Server server = StartServer(store_args, args.dir, args.server_threads);
  std::vector<PhaseResult> results;

  // Batches: each client its own workers and days, so no worker's day passes 24 hours.
  std::atomic<int64_t> batch_no{0};
  const int64_t batches = args.batch_reports / args.batch_size;
  PhaseResult batch = Measured(server.pid, [&] {
    return RunPhase(
        "batch", server.port, args.batch_connections, std::chrono::hours(1),
        [&](testing::HttpClient& c, int, int64_t) {
          const int64_t b = batch_no++;
          if (b >= batches) return -1;
          std::string csv =
              "report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
              "classification\n";
          for (int64_t k = 0; k < args.batch_size; ++k) {
            const int64_t n = b * args.batch_size + k;
            const AccountNumber w = seeded.workers[static_cast<size_t>(n) % seeded.workers.size()];
            const int64_t round = n / static_cast<int64_t>(seeded.workers.size());
            csv += "b" + std::to_string(n) + ",benchco," + w.ToString() + ",2026-08-" +
                   (round % 28 < 9 ? "0" : "") + std::to_string(1 + round % 28) +
                   ",US-WA-SEATTLE,0.5,12.00,,1,1099\n";
          }
          auto r =
              c.Send("POST", "/v1/entities/benchco/batches", csv, seeded.entity_token, "text/csv");
          return r.status;
        });
  });
  batch.reports = batch.ok * args.batch_size;
  if (batch.reports > 0) {  // per report, not per request
    batch.server_cpu_us *=
        static_cast<double>(batch.ok + batch.failed) / static_cast<double>(batch.reports);
  }
  results.push_back(batch);

  std::atomic<int64_t> single_no{0};
  results.push_back(Measured(server.pid, [&] {
    return RunShortPhase("single", server.port, args, [&](int, int64_t) {
      const int64_t n = single_no++;
      const AccountNumber w = seeded.workers[static_cast<size_t>(n) % seeded.workers.size()];
      const int day = 1 + static_cast<int>((n / static_cast<int64_t>(seeded.workers.size())) % 28);
      return bench::HttpRequestBytes("POST", "/v1/entities/benchco/reports", seeded.entity_token,
                                     ReportJson("s" + std::to_string(n), w, day));
    });
  }));
  results.back().reports = results.back().ok;

  // The floor: the HTTP stack and this client on this machine, with no work behind the route.
  results.push_back(Measured(server.pid, [&] {
    return RunShortPhase("healthz", server.port, args, [](int, int64_t) {
      return bench::HttpRequestBytes("GET", "/healthz", "");
    });
  }));

  results.push_back(Measured(server.pid, [&] {
    return RunShortPhase("balance", server.port, args, [&](int t, int64_t i) {
      const auto& [w, token] =
          seeded.sessions[static_cast<size_t>(t * 7919 + i * 104729) % seeded.sessions.size()];
      return bench::HttpRequestBytes("GET", "/v1/workers/" + w.ToString(), token);
    });
  }));

  const int64_t rss = PeakRssKb(server.pid);
  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);

  nlohmann::json out = {{"engine", args.engine},
                        {"workers", seeded.workers.size()},
                        {"server_peak_rss_mb", rss / 1024},
                        {"phases", nlohmann::json::array()}};
  int64_t failures = 0;
  std::printf("%-8s %12s %12s %10s %10s %14s %8s\n", "phase", "requests/s", "reports/s", "p50 ms",
              "p99 ms", "server CPU/unit", "failed");
  for (const PhaseResult& r : results) {
    const double rps = static_cast<double>(r.ok) / r.seconds;
    const double reps = static_cast<double>(r.reports) / r.seconds;
    std::printf("%-8s %12.0f %12.0f %10.2f %10.2f %11.1f us %8lld\n", r.name.c_str(), rps, reps,
                r.p50_ms, r.p99_ms, r.server_cpu_us, static_cast<long long>(r.failed));
    out["phases"].push_back({{"name", r.name},
                             {"requests_per_second", rps},
                             {"reports_per_second", reps},
                             {"p50_ms", r.p50_ms},
                             {"p99_ms", r.p99_ms},
                             {"server_cpu_us_per_request", r.server_cpu_us},
                             {"failed", r.failed}});
    failures += r.failed;
  }
  std::printf("engine %s, %zu workers, server peak RSS %lld MB\n", args.engine.c_str(),
              seeded.workers.size(), static_cast<long long>(rss / 1024));
  if (args.json) std::cout << out.dump(2) << "\n";
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace accrue

int main(int argc, char** argv) {
  accrue::Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) accrue::Die(k + " needs a value");
      return argv[++i];
    };
    if (k == "--engine")
      a.engine = next();
    else if (k == "--workers")
      a.workers = std::stoll(next());
    else if (k == "--sessions")
      a.sessions = std::stoll(next());
    else if (k == "--server-threads")
      a.server_threads = std::stoi(next());
    else if (k == "--client-threads")
      a.client_threads = std::stoi(next());
    else if (k == "--connections")
      a.connections = std::stoi(next());
    else if (k == "--seconds")
      a.seconds = std::stoi(next());
    else if (k == "--batch-reports")
      a.batch_reports = std::stoll(next());
    else if (k == "--batch-size")
      a.batch_size = std::stoll(next());
    else if (k == "--batch-connections")
      a.batch_connections = std::stoi(next());
    else if (k == "--dir")
      a.dir = next();
    else if (k == "--policies")
      a.policies = next();
    else if (k == "--json")
      a.json = true;
    else
      accrue::Die("unknown option " + k);
  }
  if (a.engine != "sqlite" && a.engine != "postgres") accrue::Die("--engine sqlite|postgres");
  return accrue::Run(a);
}
