// `accrue serve` as a process over real HTTP: the round trip, graceful shutdown with clients
// still sending (nothing acknowledged is lost), and two server processes on one PostgreSQL
// database giving exactly the balances one process gives.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "ingest/ingestor.h"
#include "ledger/account_view.h"
#include "registry/registry.h"
#include "testing/cli_runner.h"
#include "testing/http_client.h"
#include "testing/postgres_server.h"
#include "testing/serve_process.h"

namespace accrue {
namespace {

using testing::AccrueDb;
using testing::HttpClient;
using testing::ServeProcess;

const std::vector<AccountNumber> kWorkers = {AccountNumber::FromSerial(7001),
                                             AccountNumber::FromSerial(7002),
                                             AccountNumber::FromSerial(7003)};

std::string WorkersCsv() {
  std::string csv = "name,birth_date,home_jurisdiction,account\n";
  for (size_t i = 0; i < kWorkers.size(); ++i) {
    csv += "Worker " + std::to_string(i) + ",1990-01-01,US-WA-SEATTLE," + kWorkers[i].ToString() +
           "\n";
  }
  return csv;
}

// Sets up a database through the CLI (`extra` selects the engine) and returns an entity key.
std::string Prepare(const AccrueDb& db, const std::vector<std::string>& engine) {
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), engine.begin(), engine.end());
    return AccrueDb::Must(testing::RunAccrue(args), args[0]);
  };
  run({"init", "--policies", testing::PoliciesDir()});
  testing::WriteFile(db.File("e.csv"), "id,name,sector,size\nrideco,RideCo,rideshare,5000\n");
  testing::WriteFile(db.File("w.csv"), WorkersCsv());
  run({"import", "entities", db.File("e.csv")});
  run({"import", "workers", db.File("w.csv")});
  auto key =
      AccrueDb::ParseJson(run({"key", "issue", "--role", "entity", "--party", "rideco", "--json"}));
  return key.at("token");
}

std::string Report(const std::string& id, AccountNumber worker, int day, const std::string& hours) {
  return R"({"report_id":")" + id + R"(","worker":")" + worker.ToString() +
         R"(","work_date":"2026-09-)" + (day < 10 ? "0" : "") + std::to_string(day) +
         R"(","jurisdiction":"US-WA-SEATTLE","hours":")" + hours +
         R"(","earnings":"40.00","jobs":2,"classification":"1099"})";
}

TEST(ServeTest, ServesTheApiOverHttp) {
  AccrueDb db;
  const std::string token = Prepare(db, {"--db", db.db()});
  ServeProcess serve(db.dir(), {"--db", db.db()});
  ASSERT_NE(serve.port(), 0) << serve.output();
  HttpClient client(serve.port());
  EXPECT_EQ(client.Send("GET", "/healthz").status, 200);
  auto doc = client.Send("GET", "/v1/openapi.json");
  EXPECT_EQ(doc.status, 200);
  EXPECT_NE(doc.body.find("\"openapi\""), std::string::npos);
  auto r =
      client.Send("POST", "/v1/entities/rideco/reports", Report("h-1", kWorkers[0], 1, "2"), token);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(r.Header("x-request-id").empty());
  auto denied =
      client.Send("POST", "/v1/entities/rideco/reports", Report("h-2", kWorkers[0], 1, "2"));
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.Header("content-type"), "application/problem+json");
  // A body past the limit gets its 413 before anything is read into a report.
  auto big = client.Send("POST", "/v1/entities/rideco/batches", std::string(17 << 20, 'x'), token);
  EXPECT_EQ(big.status, 413);
  // The server allocates through jemalloc (CMakeLists.txt says why), not glibc's malloc.
  EXPECT_NE(testing::ReadFile("/proc/" + std::to_string(serve.pid()) + "/maps").find("libjemalloc"),
            std::string::npos);
  EXPECT_EQ(serve.Stop(), 0);
  EXPECT_EQ(db.Entries(), 1);
}

// Options come from a TOML file unless a flag or variable gives them; a key that is no option
// is refused before anything starts.
TEST(ServeTest, ReadsItsConfigurationFile) {
  AccrueDb db;
  const std::string token = Prepare(db, {"--db", db.db()});
  testing::WriteFile(db.File("accrue.toml"), "[serve]\nrate-limit = 1\nthreads = 2\n");
  ServeProcess serve(db.dir(), {"--db", db.db(), "--config", db.File("accrue.toml")});
  ASSERT_NE(serve.port(), 0) << serve.output();
  HttpClient client(serve.port());
  int limited = 0;
  for (int i = 0; i < 6; ++i) {
    auto r = client.Send("GET", "/v1/entities/rideco/reports", "", token);
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(r.Header("retry-after"), "1");
    }
  }
  EXPECT_GT(limited, 0);
  EXPECT_EQ(serve.Stop(), 0);

  testing::WriteFile(db.File("bad.toml"), "[serve]\nprot = 1\n");
  auto bad = testing::RunAccrue({"serve", "--db", db.db(), "--config", db.File("bad.toml")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown key 'prot'"), std::string::npos) << bad.Describe();
}

// The server folds new entries into the contribution aggregates on its own, every
// --fold-seconds, with no read asking; a period out of range is refused before it starts.
TEST(ServeTest, FoldsAggregatesInTheBackground) {
  AccrueDb db;
  const std::string token = Prepare(db, {"--db", db.db()});
  ServeProcess serve(db.dir(), {"--db", db.db(), "--fold-seconds", "1"});
  ASSERT_NE(serve.port(), 0) << serve.output();
  HttpClient client(serve.port());
  for (int day = 1; day <= 3; ++day) {
    const std::string id = "f-" + std::to_string(day);
    ASSERT_EQ(
        client.Send("POST", "/v1/entities/rideco/reports", Report(id, kWorkers[0], day, "2"), token)
            .status,
        201);
  }
  auto folded = [&]() -> int64_t {
    auto store = OpenSqliteStore(db.db());
    if (!store.ok()) return -1;
    auto rows = (*store)->sql().Query("SELECT seq FROM aggregate_mark WHERE id = 1");
    return rows.ok() && !rows->empty() ? rows->at(0).Int(0) : -1;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (folded() != 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(folded(), 3) << serve.output();
  // Each catch-up is counted, with its time, for an alert on a fold that stopped keeping up.
  const std::string metrics = client.Send("GET", "/metrics", "").body;
  auto value = [&](const std::string& name) -> double {
    const size_t at = metrics.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stod(metrics.substr(at + name.size() + 2));
  };
  EXPECT_GE(value("accrue_aggregate_folds_total"), 1) << metrics;
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GT(value("accrue_aggregate_last_fold_timestamp_seconds"), now - 60) << metrics;
  EXPECT_LE(value("accrue_aggregate_last_fold_timestamp_seconds"), now) << metrics;
  EXPECT_EQ(serve.Stop(), 0);
  EXPECT_EQ(serve.output().find("aggregate fold failed"), std::string::npos) << serve.output();

  auto bad = testing::RunAccrue({"serve", "--db", db.db(), "--fold-seconds", "-1"});
  EXPECT_NE(bad.exit_code, 0) << bad.Describe();
  EXPECT_NE(bad.err.find("--fold-seconds: Value -1 not in range 0 to 86400"), std::string::npos)
      << bad.Describe();
}

// Clients keep posting while the server is told to stop. Every report it acknowledged must be
// in the ledger exactly once, and the ledger must verify.
TEST(ServeTest, ShutdownLosesNothingAcknowledged) {
  AccrueDb db;
  const std::string token = Prepare(db, {"--db", db.db()});
  ServeProcess serve(db.dir(), {"--db", db.db()});
  ASSERT_NE(serve.port(), 0) << serve.output();
  std::mutex mu;
  std::set<std::string> acknowledged;
  std::atomic<int> sent{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(serve.port());
      for (int i = 0; !stop && i < 20000; ++i) {
        const std::string id = "s-" + std::to_string(c) + "-" + std::to_string(i);
        // One worker per client, one report a day, so no day passes 24 hours.
        auto r = client.Send("POST", "/v1/entities/rideco/reports",
                             Report(id, kWorkers[c % 3], 1 + i % 28, "0.01"), token);
        sent++;
        if (r.status == 201) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.insert(id);
        } else if (r.status == 0) {
          client.Close();
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    });
  }
  while (sent < 300) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(serve.Stop(SIGTERM), 0) << serve.output();
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_GE(acknowledged.size(), 300u);
  auto store = OpenSqliteStore(db.db());
  ASSERT_TRUE(store.ok());
  for (const std::string& id : acknowledged) {
    auto found = (*store)->FindReport("rideco", id);
    ASSERT_TRUE(found.ok() && found->has_value()) << id << " was acknowledged but is missing";
  }
  EXPECT_GE((*store)->CountEntries().value(), static_cast<int64_t>(acknowledged.size()));
  auto v = db.Verify();
  EXPECT_TRUE(v.at("ok").get<bool>()) << v.dump();
}

// Two server processes on one PostgreSQL database, clients posting to both for the same
// workers (some reports sent to both at once): every balance equals what one process
// recording the same reports in order gives, and verify is clean.
TEST(ServeTest, TwoServersOnOnePostgresAgreeWithOne) {
  auto& pg = testing::PostgresServer::Shared();
  ASSERT_TRUE(pg.ok()) << pg.error();
  const std::string url = pg.NewDatabase();
  ASSERT_FALSE(url.empty()) << pg.error();
  AccrueDb db;
  const std::string token = Prepare(db, {"--postgres", url});
  ServeProcess a(db.dir(), {"--postgres", url});
  ServeProcess b(db.dir(), {"--postgres", url});
  ASSERT_NE(a.port(), 0) << a.output();
  ASSERT_NE(b.port(), 0) << b.output();

  // 3 workers × 28 days × 3 reports a day, each sent to both servers by two clients.
  std::vector<std::pair<std::string, std::string>> reports;  // id, body
  for (size_t w = 0; w < kWorkers.size(); ++w) {
    for (int day = 1; day <= 28; ++day) {
      for (int k = 0; k < 3; ++k) {
        const std::string id =
            "p-" + std::to_string(w) + "-" + std::to_string(day) + "-" + std::to_string(k);
        reports.emplace_back(id, Report(id, kWorkers[w], day, std::to_string(1 + k) + ".25"));
      }
    }
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(c % 2 == 0 ? a.port() : b.port());
      // Clients 0 and 1 send the first half's reports (each to its own server), 2 and 3 the
      // second half; so every report goes to both servers, nearly at once.
      const size_t half = reports.size() / 2;
      const size_t from = c < 2 ? 0 : half, to = c < 2 ? half : reports.size();
      for (size_t i = from; i < to; ++i) {
        auto r = client.Send("POST", "/v1/entities/rideco/reports", reports[i].second, token);
        if (r.status != 201 && r.status != 200) failures++;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(a.Stop(), 0);
  EXPECT_EQ(b.Stop(), 0);

  // The same reports, recorded in order by one process into a fresh SQLite store.
  AccrueDb one;
  Prepare(one, {"--db", one.db()});
  {
    auto store = OpenSqliteStore(one.db());
    ASSERT_TRUE(store.ok());
    auto registry = Registry::Load(**store);
    ASSERT_TRUE(registry.ok());
    Ingestor ingestor(**store, **registry, std::chrono::system_clock::now());
    ASSERT_TRUE(ingestor.Begin().ok());
    for (const auto& [id, body] : reports) {
      const auto j = nlohmann::json::parse(body);
      WorkReport r;
      r.entity = "rideco";
      r.report_id = id;
      r.worker = *AccountNumber::Parse(j["worker"].get<std::string>());
      r.work_date = *Date::Parse(j["work_date"].get<std::string>());
      r.jurisdiction = "US-WA-SEATTLE";
      r.hours = *Hours::Parse(j["hours"].get<std::string>());
      r.earnings = *Money::Parse("40.00");
      r.jobs = 2;
      IncomingReport in;
      in.report = r;
      ASSERT_EQ(ingestor.Add(in).outcome, Outcome::kRecorded);
    }
    ASSERT_TRUE(ingestor.Commit("expected").ok());
  }
  auto pg_store = OpenPostgresStore(url);
  auto expected_store = OpenSqliteStore(one.db());
  ASSERT_TRUE(pg_store.ok() && expected_store.ok());
  EXPECT_EQ((*pg_store)->CountEntries().value(), static_cast<int64_t>(reports.size()));
  for (AccountNumber w : kWorkers) {
    auto got = (*pg_store)->WorkerBalances(w);
    auto want = (*expected_store)->WorkerBalances(w);
    ASSERT_TRUE(got.ok() && want.ok());
    ASSERT_FALSE(want->empty());
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < want->size(); ++i) {
      EXPECT_EQ((*got)[i].account, (*want)[i].account);
      EXPECT_EQ((*got)[i].amount, (*want)[i].amount) << (*want)[i].account;
    }
  }
  auto verify = testing::RunAccrue({"verify", "--json", "--postgres", url});
  EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
}

}  // namespace
}  // namespace accrue
