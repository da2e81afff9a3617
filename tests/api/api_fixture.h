// An in-process API over a fresh SQLite store: the example packs, two hiring entities
// (rideco and cleanco), two workers with passwords, and a key for every role, so route tests
// exchange the same HttpRequest/HttpResponse values the server would, without a network.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "api/api.h"
#include "csv/csv_reader.h"
#include "ingest/registry_csv.h"
#include "registry/registry.h"
#include "testing/temp_dir.h"

namespace accrue::testing {

class ApiTest : public ::testing::Test {
 protected:
  // After every work date used in the tests, so that none lies in the future.
  static constexpr int64_t kStart = 1'792'000'000;  // 2026-10-14 (UTC)

  void SetUp() override { Build(api::ApiOptions()); }

  void Build(api::ApiOptions options) {
    api_.reset();
    db_ = dir_ / ("api-" + std::to_string(++builds_) + ".db");
    {
      auto s = OpenSqliteStore(db_);
      ASSERT_TRUE(s.ok()) << s.status().message();
      Store& store = **s;
      auto reader = CsvReader::Open(std::string(ACCRUE_SOURCE_DIR) + "/policies/jurisdictions.csv");
      ASSERT_TRUE(reader.ok());
      auto csv = ReadJurisdictionsCsv(&*reader);
      ASSERT_TRUE(csv.ok() && csv->errors.empty());
      std::vector<Jurisdiction> list;
      for (const auto& e : csv->entries) list.push_back(e.value);
      ASSERT_TRUE(store.AddJurisdictions(list).ok());
      auto loaded = LoadPoliciesIntoStore(store, std::string(ACCRUE_SOURCE_DIR) + "/policies");
      ASSERT_TRUE(loaded.ok()) << loaded.status().message();
      ASSERT_TRUE(store
                      .AddEntities({{"rideco", "RideCo", "rideshare", 5000},
                                    {"cleanco", "CleanCo", "cleaning", 20}})
                      .ok());
      auto workers = store.AddWorkers({{AccountNumber::FromSerial(5001), "Ana Diaz",
                                        *Date::Parse("1990-04-01"), "US-WA-SEATTLE"},
                                       {AccountNumber::FromSerial(5002), "Ben Ode",
                                        *Date::Parse("1985-01-20"), "US-WA-SEATTLE"}});
      ASSERT_TRUE(workers.ok());
      ana_ = workers->at(0).account;
      ben_ = workers->at(1).account;
      ASSERT_TRUE(MigrateAuth(store.sql()).ok());
      Credentials c(store.sql());
      admin_ = c.IssueKey(Role::kAdmin, "", "test", kStart)->token;
      rideco_ = c.IssueKey(Role::kEntity, "rideco", "test", kStart)->token;
      cleanco_ = c.IssueKey(Role::kEntity, "cleanco", "test", kStart)->token;
      ASSERT_TRUE(c.SetPassword(ana_, "ana-password-1").ok());
      ASSERT_TRUE(c.SetPassword(ben_, "ben-password-1").ok());
      ana_token_ = c.Login(ana_, "ana-password-1", kStart, 3600)->token;
      ben_token_ = c.Login(ben_, "ben-password-1", kStart, 3600)->token;
    }
    now_ = kStart;
    options.clock = [this] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(now_.load()));
    };
    auto api = api::Api::Create([db = db_] { return OpenSqliteStore(db); }, options);
    ASSERT_TRUE(api.ok()) << api.status().message();
    api_ = std::move(*api);
  }

  void TearDown() override { api_.reset(); }

  api::HttpResponse Send(const std::string& method, const std::string& target,
                         const std::string& body = "", const std::string& token = "",
                         const std::string& type = "application/json",
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
    api::HttpRequest req;
    req.method = method;
    const size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.body = body;
    if (!token.empty()) req.headers.emplace_back("authorization", "Bearer " + token);
    if (!body.empty()) req.headers.emplace_back("content-type", type);
    for (auto& h : headers) req.headers.push_back(std::move(h));
    std::promise<api::HttpResponse> answer;
    auto got = answer.get_future();
    api_->Handle(req, [&answer](api::HttpResponse r) { answer.set_value(std::move(r)); });
    return got.get();
  }

  static nlohmann::json Json(const api::HttpResponse& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
  }

  // A report of rideco for Ana in Seattle, as JSON text.
  std::string Report(const std::string& id, const std::string& hours = "3.25",
                     const std::string& extra = "") const {
    return R"({"report_id":")" + id + R"(","worker":")" + ana_.ToString() +
           R"(","work_date":"2026-09-14","jurisdiction":"US-WA-SEATTLE","hours":")" + hours +
           R"(","earnings":"84.50","tips":"12.00","jobs":4,"classification":"1099")" + extra + "}";
  }

  int64_t Entries() {
    auto s = OpenSqliteStore(db_);
    return (*s)->CountEntries().value();
  }

  TempDir dir_;
  std::string db_;
  int builds_ = 0;
  std::atomic<int64_t> now_{kStart};
  std::unique_ptr<api::Api> api_;
  AccountNumber ana_, ben_;
  std::string admin_, rideco_, cleanco_, ana_token_, ben_token_;
};

}  // namespace accrue::testing
