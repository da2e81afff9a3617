// The API in-process: report intake (one, batch, CSV, corrections), idempotency, every named
// error status, worker sign-in and account views, administration and keys.
#include "api/api.h"

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "api/api_fixture.h"
#include "store/sqlite_db.h"
#include "testing/wal_checkpoint.h"

namespace accrue {
namespace {

using testing::ApiTest;

// The server asks Find() whether a request may run on its I/O thread.
TEST(ApiRoutes, FindMatchesPatternsDecodesParametersAndTellsAWrongMethodFromAnUnknownPath) {
  std::unordered_map<std::string, std::string> params;
  bool known = false;
  const api::Route* r = api::Api::Find("GET", "/v1/workers/4827-1026-2342", &params, &known);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->pattern, "/v1/workers/{account}");
  EXPECT_EQ(params.at("account"), "4827-1026-2342");
  EXPECT_TRUE(r->quick);

  r = api::Api::Find("GET", "/v1/entities/ride%20co/reports/r-1", &params);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(params.at("entity"), "ride co");
  EXPECT_EQ(params.at("report_id"), "r-1");

  known = false;
  EXPECT_EQ(api::Api::Find("PUT", "/v1/workers/4827-1026-2342", &params, &known), nullptr);
  EXPECT_TRUE(known);
  known = false;
  EXPECT_EQ(api::Api::Find("GET", "/v1/nothing/here", &params, &known), nullptr);
  EXPECT_FALSE(known);

  // Password hashing and scans never run on an I/O thread.
  EXPECT_FALSE(api::Api::Find("POST", "/v1/sessions", &params)->quick);
  EXPECT_FALSE(api::Api::Find("POST", "/v1/workers", &params)->quick);
  EXPECT_FALSE(api::Api::Find("POST", "/v1/entities/rideco/batches", &params)->quick);
}

TEST_F(ApiTest, OneReportIsRecordedOnceAndAResendIsANoOp) {
  auto r = Send("POST", "/v1/entities/rideco/reports", Report("r-1"), rideco_);
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = Json(r);
  EXPECT_EQ(j["outcome"], "recorded");
  EXPECT_EQ(j["report"]["hours"], "3.25");
  EXPECT_FALSE(j["legs"].empty());
  EXPECT_EQ(Entries(), 1);

  auto again = Send("POST", "/v1/entities/rideco/reports", Report("r-1"), rideco_);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Json(again)["outcome"], "already recorded");
  EXPECT_EQ(Json(again)["legs"], j["legs"]);
  EXPECT_EQ(Entries(), 1);

  auto other = Send("POST", "/v1/entities/rideco/reports", Report("r-1", "4"), rideco_);
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(other.content_type, "application/problem+json");
  EXPECT_EQ(Json(other)["code"], "report_id_conflict");
  EXPECT_NE(Json(other)["detail"].get<std::string>().find("differs in hours"), std::string::npos)
      << other.body;
  EXPECT_EQ(Entries(), 1);
}

// Single reports sent at once share the writer's batches; each still gets its own answer: a
// report sent twice at once is recorded once, and a refused one stages nothing.
TEST_F(ApiTest, ConcurrentSingleReportsAreAnsweredOneByOne) {
  constexpr int kReports = 40;
  std::vector<std::string> bodies;
  for (int i = 0; i < kReports; ++i) bodies.push_back(Report("c-" + std::to_string(i), "0.5"));
  bodies.push_back(Report("c-7", "0.5"));   // the same report again
  bodies.push_back(Report("c-bad", "-1"));  // refused
  bodies.push_back(Report("c-9", "0.75"));  // a used id, other content
  std::vector<std::promise<api::HttpResponse>> answers(bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    api::HttpRequest req;
    req.method = "POST";
    req.path = "/v1/entities/rideco/reports";
    req.body = bodies[i];
    req.headers = {{"authorization", "Bearer " + rideco_}, {"content-type", "application/json"}};
    api_->Handle(req, [&answers, i](api::HttpResponse r) { answers[i].set_value(std::move(r)); });
  }
  std::vector<api::HttpResponse> got;
  for (auto& a : answers) got.push_back(a.get_future().get());
  // Requests may reach the writer in any order, so the pairs are checked as pairs.
  std::map<std::string, int> outcomes;
  for (int i = 0; i < kReports; ++i) {
    if (i == 7 || i == 9) continue;
    ASSERT_EQ(got[i].status, 201) << got[i].body;
    outcomes[Json(got[i])["outcome"]] += 1;
  }
  EXPECT_EQ(outcomes["recorded"], kReports - 2);
  std::multiset<int> twice{got[7].status, got[kReports].status};
  EXPECT_EQ(twice, (std::multiset<int>{200, 201})) << got[7].body << got[kReports].body;
  std::multiset<int> conflict{got[9].status, got[kReports + 2].status};
  EXPECT_EQ(conflict, (std::multiset<int>{201, 409})) << got[9].body << got[kReports + 2].body;
  EXPECT_EQ(got[kReports + 1].status, 422) << got[kReports + 1].body;
  EXPECT_NE(got[kReports + 1].body.find("hours"), std::string::npos) << got[kReports + 1].body;
  EXPECT_EQ(Entries(), kReports);
}

TEST_F(ApiTest, NumbersAreReadExactlyAsWritten) {
  std::string body = Report("r-n");
  body.replace(body.find("\"3.25\""), 6, "3.25");
  body.replace(body.find("\"84.50\""), 7, "84.5");
  auto r = Send("POST", "/v1/entities/rideco/reports", body, rideco_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json(r)["report"]["earnings"], "84.50");
  auto bad = Send("POST", "/v1/entities/rideco/reports", Report("r-m", "1.23456"), rideco_);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Json(bad)["errors"][0]["field"], "/hours");
}

TEST_F(ApiTest, ABadReportNamesEachFieldAndRecordsNothing) {
  const std::string bad =
      R"({"report_id":"r-2","worker":")" + ana_.ToString().substr(0, 13) + "9" +
      R"(","work_date":"2026-02-30","jurisdiction":"US-WA-SEATTLE","hours":"-1","earnings":"x",)"
      R"("classification":"1099","hourz":"1"})";
  auto r = Send("POST", "/v1/entities/rideco/reports", bad, rideco_);
  ASSERT_EQ(r.status, 422) << r.body;
  auto j = Json(r);
  EXPECT_EQ(j["code"], "report_refused");
  ASSERT_EQ(j["errors"].size(), 1u) << r.body;  // an unknown field stops before the values
  EXPECT_EQ(j["errors"][0]["field"], "/hourz");
  EXPECT_NE(j["errors"][0]["reason"].get<std::string>().find("did you mean 'hours'"),
            std::string::npos);

  auto r2 = Send("POST", "/v1/entities/rideco/reports", bad.substr(0, bad.find(",\"hourz\"")) + "}",
                 rideco_);
  ASSERT_EQ(r2.status, 422) << r2.body;
  std::set<std::string> fields;
  const auto j2 = Json(r2);
  for (const auto& e : j2["errors"]) fields.insert(e["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"/worker", "/work_date", "/hours", "/earnings"}))
      << r2.body;
  EXPECT_EQ(Entries(), 0);
}

TEST_F(ApiTest, AReportForAnotherEntityInTheBodyIsRefused) {
  auto r = Send("POST", "/v1/entities/rideco/reports",
                Report("r-3", "1", R"(,"hiring_entity":"cleanco")"), rideco_);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(Json(r)["errors"][0]["field"], "/hiring_entity");
  EXPECT_EQ(Entries(), 0);
}

TEST_F(ApiTest, ACorrectionReversesAndReplaces) {
  ASSERT_EQ(Send("POST", "/v1/entities/rideco/reports", Report("r-1", "3"), rideco_).status, 201);
  auto fix =
      Send("POST", "/v1/entities/rideco/reports/r-1/corrections", Report("r-1b", "6"), rideco_);
  ASSERT_EQ(fix.status, 201) << fix.body;
  EXPECT_EQ(Json(fix)["outcome"], "corrected");
  auto got = Send("GET", "/v1/entities/rideco/reports/r-1", "", rideco_);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Json(got)["replaced_by"], "r-1b");
  // Seattle: $2.00 an hour, so 6 hours leave $12.00 in the worker's account in all.
  auto summary = Send("GET", "/v1/workers/" + ana_.ToString(), "", ana_token_);
  ASSERT_EQ(summary.status, 200) << summary.body;
  bool found = false;
  const auto js = Json(summary);
  for (const auto& p : js["by_payer"]) {
    if (p["entity"] == "rideco" && p["payer"] == "hiring_entity") {
      found = true;
      EXPECT_EQ(p["money"], "12.00") << summary.body;
    }
  }
  EXPECT_TRUE(found) << summary.body;
  auto twice =
      Send("POST", "/v1/entities/rideco/reports/r-1/corrections", Report("r-1c", "7"), rideco_);
  EXPECT_EQ(twice.status, 422) << twice.body;
  EXPECT_EQ(Json(twice)["errors"][0]["field"], "/replaces");
}

TEST_F(ApiTest, ABatchIsAllOrNothingUnlessPartial) {
  const std::string batch =
      "[" + Report("b-1") + "," + Report("b-2", "-2") + "," + Report("b-3") + "]";
  auto all = Send("POST", "/v1/entities/rideco/batches", batch, rideco_);
  ASSERT_EQ(all.status, 422) << all.body;
  EXPECT_EQ(Json(all)["code"], "batch_refused");
  EXPECT_EQ(Json(all)["errors"][0]["index"], 1);
  EXPECT_EQ(Json(all)["errors"][0]["field"], "/reports/1/hours");
  EXPECT_EQ(Entries(), 0);

  auto partial = Send("POST", "/v1/entities/rideco/batches?partial=true", batch, rideco_);
  ASSERT_EQ(partial.status, 201) << partial.body;
  auto j = Json(partial);
  EXPECT_EQ(j["recorded"], 2);
  EXPECT_EQ(j["rejected"], 1);
  EXPECT_EQ(j["errors"][0]["index"], 1);
  EXPECT_EQ(Entries(), 2);
}

TEST_F(ApiTest, ABatchMayBeTheWorkReportCsv) {
  const std::string csv =
      "report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
      "classification\n"
      "c-1,rideco," +
      ana_.ToString() +
      ",2026-09-14,US-WA-SEATTLE,2,40.00,,1,1099\n"
      "c-2,rideco," +
      ben_.ToString() + ",2026-09-14,US-WA-NOWHERE,2,40.00,,1,1099\n";
  auto r = Send("POST", "/v1/entities/rideco/batches?partial=true", csv, rideco_, "text/csv");
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = Json(r);
  EXPECT_EQ(j["recorded"], 1);
  EXPECT_EQ(j["errors"][0]["row"], 3);
  EXPECT_EQ(j["errors"][0]["field"], "jurisdiction");
}

TEST_F(ApiTest, AnIdempotencyKeyReplaysTheFirstAnswer) {
  const std::string batch = "[" + Report("i-1") + "]";
  const std::vector<std::pair<std::string, std::string>> key = {{"idempotency-key", "k-1"}};
  auto first = Send("POST", "/v1/entities/rideco/batches", batch, rideco_, "application/json", key);
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = Send("POST", "/v1/entities/rideco/batches", batch, rideco_, "application/json", key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  auto other = Send("POST", "/v1/entities/rideco/batches", "[" + Report("i-2") + "]", rideco_,
                    "application/json", key);
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(Json(other)["code"], "idempotency_key_reused");
  EXPECT_EQ(Entries(), 1);
}

// A batch that records nothing new (every report a resend) still keeps its key's answer.
TEST_F(ApiTest, AnIdempotencyKeyIsKeptWhenItsBatchRecordedNothingNew) {
  const std::string batch = "[" + Report("n-1") + "]";
  ASSERT_EQ(Send("POST", "/v1/entities/rideco/batches", batch, rideco_).status, 201);
  const std::vector<std::pair<std::string, std::string>> key = {{"idempotency-key", "k-2"}};
  auto resend =
      Send("POST", "/v1/entities/rideco/batches", batch, rideco_, "application/json", key);
  ASSERT_EQ(resend.status, 201) << resend.body;
  EXPECT_EQ(Json(resend)["results"][0]["outcome"], "already recorded");
  auto replay =
      Send("POST", "/v1/entities/rideco/batches", batch, rideco_, "application/json", key);
  EXPECT_EQ(replay.body, resend.body);
  EXPECT_NE(std::find(replay.headers.begin(), replay.headers.end(),
                      std::make_pair(std::string("Idempotent-Replayed"), std::string("true"))),
            replay.headers.end());
  auto other = Send("POST", "/v1/entities/rideco/batches", "[" + Report("n-2") + "]", rideco_,
                    "application/json", key);
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(Entries(), 1);
}

TEST_F(ApiTest, LimitsAndMediaTypesAreEnforced) {
  api::ApiOptions o;
  o.limits.max_body_bytes = 4096;
  o.limits.max_batch_reports = 2;
  o.rate_per_second = 5;
  Build(o);
  auto big = Send("POST", "/v1/entities/rideco/batches", std::string(5000, ' '), rideco_);
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Json(big)["code"], "body_too_large");
  auto many = Send("POST", "/v1/entities/rideco/batches",
                   "[" + Report("m-1") + "," + Report("m-2") + "," + Report("m-3") + "]", rideco_);
  EXPECT_EQ(many.status, 413);
  EXPECT_EQ(Json(many)["code"], "batch_too_large");
  auto xml = Send("POST", "/v1/entities/rideco/reports", "<r/>", rideco_, "application/xml");
  EXPECT_EQ(xml.status, 415);
  auto broken = Send("POST", "/v1/entities/rideco/reports", "{\"report_id\":", rideco_);
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(Json(broken)["code"], "malformed_json");
  EXPECT_EQ(Send("GET", "/v1/nowhere", "", rideco_).status, 404);
  auto limit = Send("GET", "/v1/entities/rideco/reports?limit=0", "", rideco_);
  EXPECT_EQ(limit.status, 400);
  EXPECT_EQ(Entries(), 0);
  // The burst is twice the rate: ten more requests at once run out of it.
  int limited = 0;
  std::string retry;
  for (int i = 0; i < 12; ++i) {
    auto r = Send("GET", "/v1/entities/rideco/reports", "", rideco_);
    if (r.status == 429) {
      ++limited;
      for (const auto& [k, v] : r.headers) {
        if (k == "Retry-After") retry = v;
      }
    }
  }
  EXPECT_GT(limited, 0);
  EXPECT_EQ(retry, "1");
  // Another key has its own allowance.
  EXPECT_EQ(Send("GET", "/v1/entities/cleanco/reports", "", cleanco_).status, 200);
}

TEST_F(ApiTest, WorkersRegisterSignInAndSeeOnlyTheirAccount) {
  auto reg = Send("POST", "/v1/workers",
                  R"({"name":"Cy Lee","birth_date":"1999-12-01","home_jurisdiction":"US-WA",)"
                  R"("password":"cy-password-1"})");
  ASSERT_EQ(reg.status, 201) << reg.body;
  const std::string account = Json(reg)["account"];
  EXPECT_TRUE(AccountNumber::Parse(account).ok());

  auto bad = Send("POST", "/v1/workers",
                  R"({"name":"","birth_date":"1999-02-30","home_jurisdiction":"XX-NOPE",)"
                  R"("password":"short"})");
  ASSERT_EQ(bad.status, 422) << bad.body;
  std::set<std::string> fields;
  const auto jb = Json(bad);
  for (const auto& e : jb["errors"]) fields.insert(e["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"/name", "/birth_date", "/password"})) << bad.body;

  auto wrong = Send("POST", "/v1/sessions",
                    R"({"account":")" + account + R"(","password":"not-the-password"})");
  EXPECT_EQ(wrong.status, 401);
  auto login = Send("POST", "/v1/sessions",
                    R"({"account":")" + account + R"(","password":"cy-password-1"})");
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string token = Json(login)["token"];
  EXPECT_EQ(Send("GET", "/v1/workers/" + account, "", token).status, 200);
  EXPECT_EQ(Send("GET", "/v1/workers/" + ana_.ToString(), "", token).status, 403);
  auto admin_only = Send("GET", "/v1/entities", "", token);
  EXPECT_EQ(admin_only.status, 403);
  EXPECT_EQ(Json(admin_only)["detail"], "the worker role may not do this") << admin_only.body;
  EXPECT_EQ(Send("DELETE", "/v1/sessions/current", "", token).status, 204);
  EXPECT_EQ(Send("GET", "/v1/workers/" + account, "", token).status, 401);
}

TEST_F(ApiTest, ASessionExpires) {
  EXPECT_EQ(Send("GET", "/v1/workers/" + ana_.ToString(), "", ana_token_).status, 200);
  now_ += 3601;
  EXPECT_EQ(Send("GET", "/v1/workers/" + ana_.ToString(), "", ana_token_).status, 401);
}

TEST_F(ApiTest, TheWorkerSeesHistoryExplanationAndExport) {
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(Send("POST", "/v1/entities/rideco/reports", Report("h-" + std::to_string(i)), rideco_)
                  .status,
              201);
  }
  const std::string base = "/v1/workers/" + ana_.ToString();
  auto page = Json(Send("GET", base + "/history?limit=2", "", ana_token_));
  ASSERT_EQ(page["entries"].size(), 2u);
  for (const auto& leg : page["entries"][0]["legs"]) {
    EXPECT_EQ(leg["account"].get<std::string>().rfind("W/", 0), 0u) << leg;
  }
  auto rest = Json(Send("GET", base + "/history?after=" + page["next"].dump(), "", ana_token_));
  ASSERT_EQ(rest["entries"].size(), 1u);
  EXPECT_TRUE(rest["next"].is_null());
  auto explain = Json(Send("GET", base + "/explain?benefit=sick_leave", "", ana_token_));
  ASSERT_FALSE(explain["lines"].empty());
  for (const auto& l : explain["lines"]) EXPECT_EQ(l["benefit"], "sick_leave");
  EXPECT_EQ(Send("GET", base + "/explain?benefit=nope", "", ana_token_).status, 400);
  auto exported = Send("GET", base + "/export", "", ana_token_);
  ASSERT_EQ(exported.status, 200);
  auto e = Json(exported);
  EXPECT_EQ(e["entries"].size(), 3u);
  EXPECT_EQ(e["account"]["account"], ana_.ToString());
}

TEST_F(ApiTest, TheEntityListsItsReportsAndWhatItOwes) {
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_EQ(Send("POST", "/v1/entities/rideco/reports", Report(id, "8"), rideco_).status, 201);
  }
  auto page = Json(Send("GET", "/v1/entities/rideco/reports?limit=2", "", rideco_));
  ASSERT_EQ(page["reports"].size(), 2u);
  EXPECT_EQ(page["next"], "b");
  auto rest = Json(Send("GET", "/v1/entities/rideco/reports?after=b", "", rideco_));
  ASSERT_EQ(rest["reports"].size(), 1u);
  EXPECT_EQ(rest["reports"][0]["report_id"], "c");
  EXPECT_EQ(Json(Send("GET", "/v1/entities/cleanco/reports", "", cleanco_))["reports"].size(), 0u);
  // Seattle's $2.00 an hour for 24 hours, plus what other programs in force charge the
  // entity; it owes at least the Seattle part.
  auto owes = Send("GET", "/v1/entities/rideco/obligations?month=2026-09", "", rideco_);
  ASSERT_EQ(owes.status, 200) << owes.body;
  EXPECT_GE(std::stod(Json(owes)["employer_share"].get<std::string>()), 48.0) << owes.body;
  EXPECT_EQ(Send("GET", "/v1/entities/rideco/obligations?month=2026-13", "", rideco_).status, 400);
}

TEST_F(ApiTest, AdministratorsManageRegistriesAndKeys) {
  auto j = Send("POST", "/v1/jurisdictions",
                R"({"code":"US-WA-TACOMA","name":"Tacoma","parent":"US-WA",)"
                R"("time_zone":"America/Los_Angeles"})",
                admin_);
  ASSERT_EQ(j.status, 201) << j.body;
  auto bad =
      Send("POST", "/v1/jurisdictions",
           R"({"code":"US-WA-X","name":"X","parent":"US-WA","time_zone":"Mars/Base"})", admin_);
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(Json(bad)["errors"][0]["field"], "/time_zone");
  auto e = Send("POST", "/v1/entities",
                R"({"id":"dashco","name":"DashCo","sector":"delivery","size":120})", admin_);
  ASSERT_EQ(e.status, 201) << e.body;
  auto key = Send("POST", "/v1/entities/dashco/keys", R"({"label":"payroll"})", admin_);
  ASSERT_EQ(key.status, 201) << key.body;
  const std::string token = Json(key)["token"], id = Json(key)["id"];
  auto report = R"({"report_id":"d-1","worker":")" + ana_.ToString() +
                R"(","work_date":"2026-09-14","jurisdiction":"US-WA-TACOMA","hours":"1",)"
                R"("earnings":"20","classification":"1099"})";
  EXPECT_EQ(Send("POST", "/v1/entities/dashco/reports", report, token).status, 201);

  auto rotated = Send("POST", "/v1/keys/" + id + "/rotate", "", admin_);
  ASSERT_EQ(rotated.status, 201) << rotated.body;
  const std::string fresh = Json(rotated)["token"];
  EXPECT_EQ(Send("GET", "/v1/entities/dashco/reports", "", token).status, 401);
  EXPECT_EQ(Send("GET", "/v1/entities/dashco/reports", "", fresh).status, 200);
  EXPECT_EQ(Send("DELETE", "/v1/keys/" + std::string(Json(rotated)["id"]), "", admin_).status, 204);
  EXPECT_EQ(Send("GET", "/v1/entities/dashco/reports", "", fresh).status, 401);
  EXPECT_EQ(Send("DELETE", "/v1/keys/nope", "", admin_).status, 404);
  auto keys = Json(Send("GET", "/v1/entities/dashco/keys", "", admin_));
  EXPECT_EQ(keys["keys"].size(), 2u);
  EXPECT_EQ(keys["keys"][0].count("token"), 0u);
}

TEST_F(ApiTest, PolicyPacksLoadWithTheirErrorsNamed) {
  auto list = Json(Send("GET", "/v1/policies", "", admin_));
  EXPECT_GE(list["policies"].size(), 5u);
  auto bad = Send("POST", "/v1/policies?file=bad.toml", "id = \"x\"\nrat = 1\n", admin_,
                  "application/toml");
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(Json(bad)["code"], "policy_invalid");
  EXPECT_NE(bad.body.find("bad.toml:"), std::string::npos) << bad.body;
}

// Ready means the store answers and the server is not shutting down; anything else is a 503
// that says which.
TEST_F(ApiTest, ReadinessSaysWhyTheServerCannotTakeRequests) {
  EXPECT_EQ(Send("GET", "/readyz").status, 200);
  auto other = SqliteDb::Open(db_);
  ASSERT_TRUE(other.ok()) << other.status().message();
  ASSERT_TRUE((*other)->Exec("ALTER TABLE workers RENAME TO workers_elsewhere").ok());
  auto gone = Send("GET", "/readyz");
  EXPECT_EQ(gone.status, 503);
  EXPECT_EQ(Json(gone)["code"], "store_unavailable");
  EXPECT_NE(gone.body.find("workers"), std::string::npos) << gone.body;
  ASSERT_TRUE((*other)->Exec("ALTER TABLE workers_elsewhere RENAME TO workers").ok());
  EXPECT_EQ(Send("GET", "/readyz").status, 200);
  api_->Drain();
  auto draining = Send("GET", "/readyz");
  EXPECT_EQ(draining.status, 503);
  EXPECT_EQ(Json(draining)["code"], "shutting_down");
}

TEST_F(ApiTest, HealthAndMetricsArePublic) {
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
  EXPECT_EQ(Send("GET", "/readyz").status, 200);
  Send("POST", "/v1/entities/rideco/reports", Report("x-1"), rideco_);
  auto m = Send("GET", "/metrics");
  EXPECT_NE(m.body.find("accrue_http_requests_total"), std::string::npos);
  EXPECT_NE(m.body.find("accrue_reports_total{outcome=\"recorded\"} 1"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("accrue_http_request_seconds_bucket"), std::string::npos);
  // One report is one group, recorded in the foreground (too few to hand over).
  EXPECT_NE(m.body.find("accrue_intake_groups_total{mode=\"foreground\"} 1\n"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("accrue_intake_groups_total{mode=\"background\"} 0\n"), std::string::npos);
}

// The value of the series `name` (with its labels) in a metrics page, or -1 without it.
double MetricValue(const std::string& metrics, const std::string& name) {
  const size_t at = metrics.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(metrics.substr(at + name.size() + 2));
}

TEST_F(ApiTest, MetricsShowTheWalAndItsCheckpoints) {
  ASSERT_EQ(Send("POST", "/v1/entities/rideco/reports", Report("w-1"), rideco_).status, 201);
  auto m = Send("GET", "/metrics").body;
  EXPECT_GT(MetricValue(m, "accrue_sqlite_wal_pages"), 0) << m;
  // The baseline: the report's few pages may be copied already, once nobody has committed for
  // a moment (the quiet-spell copy), so the count is not asserted here.
  const double copies = MetricValue(m, "accrue_sqlite_wal_checkpoints_total");
  EXPECT_EQ(MetricValue(m, "accrue_sqlite_wal_commit_waits_total{result=\"copied\"}"), 0) << m;
  EXPECT_EQ(MetricValue(m, "accrue_sqlite_wal_commit_waits_total{result=\"gave_up\"}"), 0) << m;
  // A commit of more than kWalCheckpointPages pages, by another connection of this process,
  // has the shared thread copy the WAL into the file.
  auto other = OpenSqliteStore(db_);
  ASSERT_TRUE(other.ok()) << other.status().message();
  ASSERT_TRUE((*other)
                  ->sql()
                  .Exec("CREATE TABLE scratch(v BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION "
                        "ALL SELECT i + 1 FROM n WHERE i < 1500) INSERT INTO scratch SELECT "
                        "randomblob(3000) FROM n")
                  .ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (MetricValue(m, "accrue_sqlite_wal_checkpoints_total") <= copies &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    m = Send("GET", "/metrics").body;
  }
  EXPECT_GT(MetricValue(m, "accrue_sqlite_wal_checkpoints_total"), copies) << m;
  EXPECT_GT(MetricValue(m, "accrue_sqlite_wal_pages"), kWalCheckpointPages) << m;
}

// Every connection the API keeps (the intake's, the pool's, the registry's) lets go of its
// snapshot once it has nothing to do: otherwise no checkpoint could copy the frames committed
// after it, the WAL would grow without end, and every read would search it.
TEST_F(ApiTest, IdleConnectionsHoldNoSnapshot) {
  ASSERT_EQ(Send("POST", "/v1/entities/rideco/reports", Report("w-1"), rideco_).status, 201);
  ASSERT_EQ(Send("GET", "/v1/workers/" + ana_.ToString(), "", ana_token_).status, 200);
  ASSERT_EQ(Send("GET", "/v1/entities/rideco/reports", "", rideco_).status, 200);
  ASSERT_EQ(Send("GET", "/v1/jurisdictions", "", admin_).status, 200);
  {
    auto lease = api_->Connection();  // a pooled connection used for a read of one row
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE((*lease)->DataVersion().ok());
  }
  auto other = SqliteDb::Open(db_);
  ASSERT_TRUE(other.ok()) << other.status().message();
  ASSERT_TRUE((*other)->Exec("CREATE TABLE scratch(v); INSERT INTO scratch VALUES(1)").ok());
  // The intake may answer a moment before its connections are idle: it is tried for a while.
  EXPECT_TRUE(testing::CheckpointCopiesEveryFrame((*other)->raw()));
}

}  // namespace
}  // namespace accrue
