// Leave through the API: a worker with accrued sick leave asks for an hour of leave pay, the
// provider sees it in its queue with the facts and approves it, and the payout leaves the
// worker's account; a second request for the same hour is refused; another provider cannot
// decide it; a denial needs a reason.
#include "api/api.h"
#include "api/api_fixture.h"

namespace accrue {
namespace {

using testing::ApiTest;

class ClaimsRoutesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    for (const char* id : {"cascade", "other"}) {
      auto r = Send("POST", "/v1/providers",
                    std::string(R"({"id":")") + id +
                        R"(","name":"P","nonprofit":true,"reserve_ratio":"25%",)"
                        R"("fidelity_bond":"50000.00","conflict_of_interest_attested":true})",
                    admin_);
      ASSERT_EQ(r.status, 201) << r.body;
      ASSERT_EQ(Send("POST", std::string("/v1/providers/") + id + "/certify", "", admin_).status,
                200);
      ASSERT_EQ(Send("POST", std::string("/v1/providers/") + id + "/plans",
                     R"({"id":"basic","name":"Basic","mandatory":["health","disability",)"
                     R"("workers_comp"],"optional":["retirement"]})",
                     admin_)
                    .status,
                201);
      tokens_[id] =
          Json(Send("POST", std::string("/v1/providers/") + id + "/keys", "", admin_))["token"];
    }
    ASSERT_EQ(Send("POST", "/v1/workers/" + ana_.ToString() + "/enrollment",
                   R"({"provider":"cascade","plan":"basic"})", ana_token_)
                  .status,
              201);
    // 30 hours in June earn 1 hour of Seattle sick leave, past its waiting period by October.
    for (int day = 1; day <= 3; ++day) {
      const std::string body = R"({"report_id":"j-)" + std::to_string(day) + R"(","worker":")" +
                               ana_.ToString() + R"(","work_date":"2026-06-0)" +
                               std::to_string(day) +
                               R"(","jurisdiction":"US-WA-SEATTLE","hours":"10",)"
                               R"("earnings":"250.00","classification":"1099"})";
      ASSERT_EQ(Send("POST", "/v1/entities/rideco/reports", body, rideco_).status, 201);
    }
    // Recent work, for the trailing average that values leave pay.
    ASSERT_EQ(Send("POST", "/v1/entities/rideco/reports", Report("j-9", "2"), rideco_).status, 201);
  }
  std::map<std::string, std::string> tokens_;
};

TEST_F(ClaimsRoutesTest, LeaveIsAskedApprovedAndPaidOutOnce) {
  const std::string base = "/v1/workers/" + ana_.ToString();
  auto asked = Send("POST", base + "/leave-requests",
                    R"({"benefit":"sick_leave","first":"2026-10-13","hours":"1"})", ana_token_);
  ASSERT_EQ(asked.status, 201) << asked.body;
  const auto request = Json(asked);
  EXPECT_EQ(request["status"], "pending") << asked.body;
  const std::string id = request["id"].dump();

  auto twice = Send("POST", base + "/leave-requests",
                    R"({"benefit":"sick_leave","first":"2026-10-13","hours":"1"})", ana_token_);
  EXPECT_GE(twice.status, 400) << twice.body;  // the hour is held by the first request
  EXPECT_LT(twice.status, 500) << twice.body;

  auto queue = Json(Send("GET", "/v1/providers/cascade/requests", "", tokens_["cascade"]));
  ASSERT_EQ(queue["requests"].size(), 1u) << queue;
  EXPECT_EQ(Send("GET", "/v1/providers/cascade/requests", "", tokens_["other"]).status, 403);
  EXPECT_GE(
      Send("POST", "/v1/providers/other/requests/" + id + "/approve", "", tokens_["other"]).status,
      400);
  auto denied_without =
      Send("POST", "/v1/providers/cascade/requests/" + id + "/deny", "", tokens_["cascade"]);
  EXPECT_EQ(denied_without.status, 422) << denied_without.body;

  auto paid_in = [&] {
    MoneySum sum;
    const auto rows = Json(
        Send("GET", "/v1/aggregates/contributions?from=2026-06&to=2026-10", "", admin_))["rows"];
    for (const auto& row : rows) sum.Add(*Money::Parse(row["amount"].get<std::string>()));
    return sum.ToFixed(2);
  };
  const std::string contributions = paid_in();
  auto before = Json(Send("GET", base, "", ana_token_));
  auto approved =
      Send("POST", "/v1/providers/cascade/requests/" + id + "/approve", "", tokens_["cascade"]);
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(Json(approved)["status"], "approved");
  auto after = Json(Send("GET", base, "", ana_token_));
  std::string hours_before, hours_after;
  for (const auto& b : before["benefits"]) {
    if (b["benefit"] == "sick_leave") hours_before = b["leave_hours"];
  }
  for (const auto& b : after["benefits"]) {
    if (b["benefit"] == "sick_leave") hours_after = b["leave_hours"];
  }
  EXPECT_EQ(*Hours::Parse(hours_before) - *Hours::Parse(hours_after), Hours::Whole(1))
      << before << "\n"
      << after;
  EXPECT_EQ(paid_in(), contributions) << "a payout is money out, not a contribution";
  auto mine = Json(Send("GET", base + "/requests", "", ana_token_));
  ASSERT_EQ(mine["requests"].size(), 1u);
  EXPECT_EQ(mine["requests"][0]["status"], "approved");
  EXPECT_EQ(
      Send("POST", "/v1/providers/cascade/requests/" + id + "/approve", "", tokens_["cascade"])
          .status,
      409);
  auto bad =
      Send("POST", base + "/leave-requests", R"({"first":"2026-02-30","hours":"x"})", ana_token_);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Json(Send("GET", base + "/requests", "", ana_token_))["requests"].size(), 1u);
}

}  // namespace
}  // namespace accrue
