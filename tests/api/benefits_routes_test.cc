// Benefits administration through the API: a provider registered, certified and given a plan;
// a worker choosing it on the exchange and seeing eligibility and funding; invoices, a
// remittance, reserves, contribution aggregates and a simulation for the administrator.
#include "api/api.h"
#include "api/api_fixture.h"

namespace accrue {
namespace {

using testing::ApiTest;

class BenefitsRoutesTest : public ApiTest {
 protected:
  void AddProvider(const std::string& id) {
    auto r = Send("POST", "/v1/providers",
                  R"({"id":")" + id +
                      R"(","name":"Cascade Mutual","nonprofit":true,)"
                      R"("reserve_ratio":"25%","fidelity_bond":"50000.00",)"
                      R"("conflict_of_interest_attested":true})",
                  admin_);
    ASSERT_EQ(r.status, 201) << r.body;
    ASSERT_EQ(Send("POST", "/v1/providers/" + id + "/certify", "", admin_).status, 200);
    auto plan = Send("POST", "/v1/providers/" + id + "/plans",
                     R"({"id":"basic","name":"Basic","mandatory":["health","disability",)"
                     R"("workers_comp"],"optional":["retirement"],"monthly_fee":"3.50"})",
                     admin_);
    ASSERT_EQ(plan.status, 201) << plan.body;
  }
};

TEST_F(BenefitsRoutesTest, AWorkerChoosesAPlanOnTheExchange) {
  AddProvider("cascade");
  auto exchange = Json(Send("GET", "/v1/exchange", "", ana_token_));
  ASSERT_EQ(exchange["plans"].size(), 1u) << exchange;
  EXPECT_EQ(exchange["plans"][0]["provider_name"], "Cascade Mutual");
  const std::string base = "/v1/workers/" + ana_.ToString();
  auto chose =
      Send("POST", base + "/enrollment", R"({"provider":"cascade","plan":"basic"})", ana_token_);
  ASSERT_EQ(chose.status, 201) << chose.body;
  EXPECT_EQ(Json(chose)["enrolled_now"], true);
  auto got = Json(Send("GET", base + "/enrollment", "", ana_token_));
  EXPECT_EQ(got["provider"], "cascade");
  EXPECT_EQ(got["plan"], "basic");
  EXPECT_TRUE(got.contains("open_enrollment"));
  // A change outside open enrollment (the clock says 14 October) is refused, nothing written.
  auto unknown =
      Send("POST", base + "/enrollment", R"({"provider":"nope","plan":"basic"})", ana_token_);
  EXPECT_GE(unknown.status, 400);
  EXPECT_LT(unknown.status, 500);
  EXPECT_EQ(Json(Send("GET", base + "/enrollment", "", ana_token_))["provider"], "cascade");
  auto missing = Send("POST", base + "/enrollment", R"({"plan":"basic"})", ana_token_);
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(Json(missing)["errors"][0]["field"], "/provider");
}

TEST_F(BenefitsRoutesTest, EligibilityShowsWhatIsStillNeeded) {
  ASSERT_EQ(Send("POST", "/v1/entities/rideco/reports", Report("e-1", "8"), rideco_).status, 201);
  auto r = Send("GET", "/v1/workers/" + ana_.ToString() + "/eligibility?from=2026-10&months=1", "",
                ana_token_);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = Json(r);
  ASSERT_FALSE(j["programs"].empty()) << r.body;
  bool health = false;
  for (const auto& m : j["programs"][0]["months"]) {
    if (m["benefit"] != "health") continue;
    health = true;
    // Seattle: 80 hours in September decide October; 8 were worked, so 72 are still needed.
    EXPECT_EQ(m["eligible"], false);
    EXPECT_EQ(m["still_needed"].get<std::string>().rfind("72", 0), 0u) << m;
  }
  EXPECT_TRUE(health) << r.body;
  EXPECT_EQ(Send("GET", "/v1/workers/" + ana_.ToString() + "/eligibility?months=99", "", ana_token_)
                .status,
            400);
}

TEST_F(BenefitsRoutesTest, InvoicesRemittancesReservesAndAggregates) {
  AddProvider("cascade");
  ASSERT_EQ(Send("POST", "/v1/workers/" + ana_.ToString() + "/enrollment",
                 R"({"provider":"cascade","plan":"basic"})", ana_token_)
                .status,
            201);
  ASSERT_EQ(Send("POST", "/v1/entities/rideco/reports", Report("f-1", "5"), rideco_).status, 201);
  auto issued = Send("POST", "/v1/invoices", R"({"period":"2026-09"})", admin_);
  ASSERT_EQ(issued.status, 201) << issued.body;
  ASSERT_EQ(Json(issued)["issued"].size(), 1u) << issued.body;
  const std::string amount = Json(issued)["issued"][0]["amount"];
  auto mine = Json(Send("GET", "/v1/entities/rideco/invoices", "", rideco_));
  ASSERT_EQ(mine["invoices"].size(), 1u);
  EXPECT_EQ(mine["invoices"][0]["unpaid"], amount);
  EXPECT_EQ(Json(Send("GET", "/v1/entities/cleanco/invoices", "", cleanco_))["invoices"].size(),
            0u);
  auto paid = Send("POST", "/v1/entities/rideco/remittances",
                   R"({"amount":")" + amount + R"(","reference":"chk-1"})", admin_);
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_EQ(Json(paid)["applied"][0]["principal"], amount);
  EXPECT_EQ(Json(paid)["credit"], "0.00");
  auto funding = Json(Send("GET", "/v1/workers/" + ana_.ToString() + "/funding", "", ana_token_));
  EXPECT_NE(funding["funded"], "0.00") << funding;
  auto reserves = Json(Send("GET", "/v1/reserves", "", admin_));
  ASSERT_EQ(reserves["reserves"].size(), 1u);
  EXPECT_EQ(reserves["reserves"][0]["provider"], "cascade");
  EXPECT_EQ(Json(Send("GET", "/v1/delinquencies", "", admin_))["delinquent"].size(), 0u);
  auto bad = Send("POST", "/v1/entities/rideco/remittances", R"({"amount":"-5"})", admin_);
  EXPECT_EQ(bad.status, 422) << bad.body;

  // The aggregates add up to what the worker was credited.
  auto agg = Send("GET", "/v1/aggregates/contributions?from=2026-09&to=2026-09", "", admin_);
  ASSERT_EQ(agg.status, 200) << agg.body;
  ASSERT_FALSE(Json(agg)["rows"].empty()) << agg.body;
  MoneySum sum;
  const auto rows = Json(agg)["rows"];
  for (const auto& row : rows) {
    EXPECT_EQ(row["month"], "2026-09");
    EXPECT_EQ(row["jurisdiction"], "US-WA-SEATTLE");
    sum.Add(*Money::Parse(row["amount"].get<std::string>()));
  }
  auto summary = Json(Send("GET", "/v1/workers/" + ana_.ToString(), "", ana_token_));
  EXPECT_EQ(sum.ToFixed(2), Money::Parse(summary["total"].get<std::string>())->ToFixed(2));
  EXPECT_EQ(Send("GET", "/v1/aggregates/contributions?from=2026-13", "", admin_).status, 400);
}

TEST_F(BenefitsRoutesTest, AProviderSeesItsOwnStandingOnly) {
  AddProvider("cascade");
  AddProvider("other");
  auto key = Send("POST", "/v1/providers/cascade/keys", "", admin_);
  ASSERT_EQ(key.status, 201) << key.body;
  const std::string token = Json(key)["token"];
  auto own = Send("GET", "/v1/providers/cascade", "", token);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(Json(own)["plans"].size(), 1u);
  EXPECT_EQ(Send("GET", "/v1/providers/other", "", token).status, 403);
  EXPECT_EQ(Send("GET", "/v1/exchange", "", token).status, 200);
  EXPECT_EQ(Send("POST", "/v1/providers/nope/keys", "", admin_).status, 404);
}

TEST_F(BenefitsRoutesTest, SimulationsRunOverLoadedPacks) {
  auto r = Send(
      "POST", "/v1/simulations",
      R"({"packs":["us-wa-seattle-portable"],"workers":200,"months":2,"start":"2026-01"})", admin_);
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 400);
  EXPECT_FALSE(Json(r).empty());
  auto bad = Send("POST", "/v1/simulations", R"({"packs":["nope"],"workers":1000000})", admin_);
  ASSERT_EQ(bad.status, 422);
  std::set<std::string> fields;
  const auto jb = Json(bad);
  for (const auto& e : jb["errors"]) fields.insert(e["field"].get<std::string>());
  EXPECT_EQ(fields, (std::set<std::string>{"/packs", "/workers"})) << bad.body;
}

}  // namespace
}  // namespace accrue
