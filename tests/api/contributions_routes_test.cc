// Voluntary contributions through the API: a worker consents to withholding and rideco's next
// report withholds it; the worker revokes; one-off contributions by the worker and by the
// administrator; the match estimate and settlement. Every bad input is refused with its
// message and writes nothing; other parties and roles are refused.
#include "api/api.h"
#include "api/api_fixture.h"
#include "contributions/contributions.h"

namespace accrue {
namespace {

using testing::ApiTest;

class ContributionsRoutesTest : public ApiTest {
 protected:
  std::string Base() const { return "/v1/workers/" + ana_.ToString(); }

  int64_t Consents() {
    auto r = Send("GET", Base() + "/consents", "", ana_token_);
    EXPECT_EQ(r.status, 200) << r.body;
    return static_cast<int64_t>(Json(r)["consents"].size());
  }

  Money Balance(const std::string& account) {
    auto s = OpenSqliteStore(db_);
    return Money::FromUnits((*s)->Balance(account).value());
  }

  void ExpectRefused(const std::string& path, const std::string& body, const std::string& token,
                     int status, const std::string& message) {
    auto r = Send("POST", path, body, token);
    EXPECT_EQ(r.status, status) << body << ": " << r.body;
    EXPECT_NE(r.body.find(message), std::string::npos) << body << ": " << r.body;
  }
};

TEST_F(ContributionsRoutesTest, AConsentWithholdsFromTheNextReportUntilRevoked) {
  auto added =
      Send("POST", Base() + "/consents",
           R"({"benefit":"retirement","percent":"5%","wording":"consent-text-v1"})", ana_token_);
  ASSERT_EQ(added.status, 201) << added.body;
  const auto consent = Json(added);
  EXPECT_EQ(consent["id"], 1);
  EXPECT_EQ(consent["percent"], "5%");
  EXPECT_EQ(consent["effective"], "2026-10-14");
  EXPECT_EQ(consent["recorded_by"], "worker");
  EXPECT_EQ(consent["recorded_at"], kStart);
  EXPECT_EQ(consent["active"], true);

  // 5% of 240.00 = 12.00, withheld by rideco.
  const std::string report = R"({"report_id":"w-1","worker":")" + ana_.ToString() +
                             R"(","work_date":"2026-10-14","jurisdiction":"US-WA-SEATTLE",)"
                             R"("hours":"8","earnings":"240.00","classification":"1099"})";
  ASSERT_EQ(Send("POST", "/v1/entities/rideco/reports", report, rideco_).status, 201);
  EXPECT_EQ(Balance("E/rideco/2026-10/withheld"), *Money::Parse("-12.00"));

  auto revoked =
      Send("POST", Base() + "/consents/1/revoke", R"({"effective":"2026-10-15"})", ana_token_);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(Json(revoked)["ends"], "2026-10-15");
  EXPECT_EQ(Json(revoked)["active"], false);
  ExpectRefused(Base() + "/consents/1/revoke", "{}", ana_token_, 409, "was already revoked");
  ExpectRefused(Base() + "/consents/9/revoke", "{}", ana_token_, 404, "has no consent 9");
  EXPECT_EQ(Consents(), 1);
  // Another worker, the entity and the administrator cannot touch Ana's consents.
  EXPECT_EQ(
      Send("POST", Base() + "/consents", R"({"benefit":"retirement","percent":"5%"})", ben_token_)
          .status,
      403);
  EXPECT_EQ(Send("GET", Base() + "/consents", "", rideco_).status, 403);
  EXPECT_EQ(Send("GET", Base() + "/consents", "", admin_).status, 403);
}

TEST_F(ContributionsRoutesTest, BadConsentsAreRefusedAndNothingIsWritten) {
  const std::string path = Base() + "/consents";
  ExpectRefused(path, R"({"benefit":"pension","percent":"5%","wording":"v1"})", ana_token_, 422,
                "unknown benefit 'pension'");
  ExpectRefused(path, R"({"benefit":"sick_leave","percent":"5%","wording":"v1"})", ana_token_, 422,
                "benefit 'sick_leave' is a leave benefit");
  ExpectRefused(path, R"({"percent":"5%","wording":"v1"})", ana_token_, 422, "benefit is required");
  ExpectRefused(path, R"({"benefit":"retirement","percent":"30%","wording":"v1"})", ana_token_, 422,
                "percent must be more than 0% and at most 25% (got 30%)");
  ExpectRefused(path, R"({"benefit":"retirement","percent":"five","wording":"v1"})", ana_token_,
                422, "percent: ");
  ExpectRefused(
      path, R"({"benefit":"retirement","percent":"5%","wording":"v1","effective":"2026-10-01"})",
      ana_token_, 422, "effective 2026-10-01 is in the past");
  ExpectRefused(path, R"({"benefit":"retirement","percent":"5%"})", ana_token_, 422,
                "wording is required");
  ExpectRefused(path, R"({"benefit":"retirement","percent":"5%","wording":"v1","x":1})", ana_token_,
                422, "unknown field");
  EXPECT_EQ(Consents(), 0);
  ASSERT_EQ(
      Send("POST", path, R"({"benefit":"retirement","percent":"5%","wording":"v1"})", ana_token_)
          .status,
      201);
  ExpectRefused(path, R"({"benefit":"retirement","percent":"2%","wording":"v1"})", ana_token_, 409,
                "already has consent 1");
  EXPECT_EQ(Consents(), 1);
}

TEST_F(ContributionsRoutesTest, OneOffContributionsByTheWorkerAndTheAdministrator) {
  const std::string path = Base() + "/contributions";
  const int64_t before = Entries();
  auto paid = Send("POST", path, R"({"benefit":"retirement","amount":"300.00","reference":"c1"})",
                   ana_token_);
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_EQ(Json(paid)["outcome"], "recorded");
  EXPECT_EQ(Json(paid)["day"], "2026-10-14");
  auto again = Send("POST", path, R"({"benefit":"retirement","amount":"300.00","reference":"c1"})",
                    ana_token_);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Json(again)["outcome"], "already recorded");
  ExpectRefused(path, R"({"benefit":"retirement","amount":"30.00","reference":"c1"})", ana_token_,
                409, "was already used for a different contribution");
  ExpectRefused(path, R"({"benefit":"retirement","amount":"0","reference":"c2"})", ana_token_, 422,
                "amount must be more than 0");
  ExpectRefused(path, R"({"benefit":"retirement","amount":"1.234","reference":"c2"})", ana_token_,
                422, "amount: ");
  ExpectRefused(path, R"({"benefit":"retirement","amount":"100000.01","reference":"c2"})",
                ana_token_, 422, "is more than the 100000.00");
  ExpectRefused(path,
                R"({"benefit":"retirement","amount":"1.00","reference":"c2","day":"2026-10-15"})",
                ana_token_, 422, "day 2026-10-15 is in the future");
  ExpectRefused(path, R"({"benefit":"vacation","amount":"1.00","reference":"c2"})", ana_token_, 422,
                "benefit 'vacation' is a leave benefit");
  ExpectRefused(path, R"({"benefit":"retirement","amount":"1.00"})", ana_token_, 422, "reference");
  ExpectRefused(path, R"({"benefit":"retirement","amount":"1.00","reference":"c2","account":"x"})",
                ana_token_, 422, "unknown field");
  EXPECT_EQ(Entries(), before + 1);
  EXPECT_EQ(Balance(WorkerAccount(ana_, "retirement", Unit::kMoney)), *Money::Parse("300.00"));

  // The administrator records for a worker named in the body.
  ExpectRefused("/v1/contributions", R"({"benefit":"retirement","amount":"1.00","reference":"a"})",
                admin_, 422, "account: ");
  auto admin = Send("POST", "/v1/contributions",
                    R"({"account":")" + ben_.ToString() +
                        R"(","benefit":"retirement","amount":"50.00","reference":"a1"})",
                    admin_);
  ASSERT_EQ(admin.status, 201) << admin.body;
  EXPECT_EQ(Entries(), before + 2);
  // Others cannot pay into Ana's account through her route, nor use the administrator's.
  EXPECT_EQ(
      Send("POST", path, R"({"benefit":"retirement","amount":"1.00","reference":"z"})", ben_token_)
          .status,
      403);
  EXPECT_EQ(Send("POST", "/v1/contributions", "{}", ana_token_).status, 403);
  EXPECT_EQ(Send("POST", "/v1/contributions", "{}", rideco_).status, 403);
}

TEST_F(ContributionsRoutesTest, TheAdministratorRecordsListsAndRevokesForAWorker) {
  const std::string ben = ben_.ToString();
  ExpectRefused("/v1/consents", R"({"benefit":"retirement","percent":"5%","wording":"paper-v1"})",
                admin_, 422, "account: ");
  ExpectRefused("/v1/consents",
                R"({"account":")" + ben + R"(","benefit":"health","percent":"0%","wording":"p"})",
                admin_, 422, "percent must be more than 0%");
  auto added = Send("POST", "/v1/consents",
                    R"({"account":")" + ben +
                        R"(","benefit":"unemployment","percent":"1.5%","wording":"paper-v1"})",
                    admin_);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(Json(added)["recorded_by"], "admin");
  EXPECT_EQ(Json(added)["account"], ben);
  auto listed = Send("GET", "/v1/consents?account=" + ben, "", admin_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Json(listed)["consents"].size(), 1u);
  EXPECT_EQ(Send("GET", "/v1/consents?account=12", "", admin_).status, 422);
  // The consent is Ben's: revoking it as Ana's is not found.
  ExpectRefused("/v1/consents/1/revoke", R"({"account":")" + ana_.ToString() + R"("})", admin_, 404,
                "has no consent 1");
  auto revoked = Send("POST", "/v1/consents/1/revoke",
                      R"({"account":")" + ben + R"(","effective":"2026-10-20"})", admin_);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(Json(revoked)["revoked_by"], "admin");
  auto estimate = Send("GET", "/v1/matches?account=" + ben + "&year=2026", "", admin_);
  ASSERT_EQ(estimate.status, 200) << estimate.body;
  EXPECT_TRUE(Json(estimate)["lines"].empty());
  // Workers, entities and providers have none of these.
  EXPECT_EQ(Send("GET", "/v1/consents?account=" + ben, "", ben_token_).status, 403);
  EXPECT_EQ(Send("POST", "/v1/consents", "{}", rideco_).status, 403);
  EXPECT_EQ(Send("GET", "/v1/matches?account=" + ben, "", ben_token_).status, 403);
}

TEST_F(ContributionsRoutesTest, MatchEstimateAndSettlement) {
  // The shipped packs have no match in force in 2026: the estimate is empty, settling posts
  // nothing.
  auto estimate = Send("GET", Base() + "/match?year=2026", "", ana_token_);
  ASSERT_EQ(estimate.status, 200) << estimate.body;
  EXPECT_EQ(Json(estimate)["year"], 2026);
  EXPECT_TRUE(Json(estimate)["lines"].empty());
  ExpectRefused("/v1/matches/settle", "{}", admin_, 422, "year is required");
  ExpectRefused("/v1/matches/settle", R"({"year":"20x6"})", admin_, 422, "must be YYYY");
  ExpectRefused("/v1/matches/settle", R"({"year":2027})", admin_, 422, "2027 has not begun");
  ExpectRefused("/v1/matches/settle", R"({"year":2026,"date":"2026-10-15"})", admin_, 422,
                "is in the future");
  const int64_t before = Entries();
  auto settled = Send("POST", "/v1/matches/settle", R"({"year":2026})", admin_);
  ASSERT_EQ(settled.status, 200) << settled.body;
  EXPECT_EQ(Json(settled)["entries"], 0);
  EXPECT_EQ(Entries(), before);
  EXPECT_EQ(Send("POST", "/v1/matches/settle", R"({"year":2026})", ana_token_).status, 403);
  EXPECT_EQ(Send("GET", Base() + "/match", "", ben_token_).status, 403);
  EXPECT_EQ(Send("GET", Base() + "/match?year=26", "", ana_token_).status, 422);
}

}  // namespace
}  // namespace accrue
