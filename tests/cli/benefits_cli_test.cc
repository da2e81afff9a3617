// Benefits administration through the real `accrue` binary: providers, plans and terms set up
// as an administrator would, a worker's choice, an invoice and a remittance with credit, a
// transfer refused outside open enrollment and carried out at it with balances unchanged, bad
// amounts refused, and `accrue verify` clean at the end.
//
// The ledger: one Seattle report of 7.5 h for rideco on 2026-11-03 at 2.00/h = 15.00 (health
// 7.50, workers_comp 2.625, retirement 3.00, sick_leave 1.875) and 0.25 h of sick leave.
#include <gtest/gtest.h>

#include <sstream>

#include "testing/cli_runner.h"

namespace accrue {
namespace {

using testing::AccrueDb;
using testing::CliResult;

class BenefitsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Init();
    Must({"entity", "add", "--id", "rideco", "--name", "RideCo", "--sector", "rideshare", "--size",
          "10"});
    std::istringstream out(Must({"worker", "add", "--name", "Maria", "--birth-date", "1990-01-01",
                                 "--home", "US-WA-SEATTLE"})
                               .out);
    out >> maria_;
    const CliResult ingest =
        db_.Ingest("r.csv",
                   "report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
                   "classification,sector,replaces\nr1,rideco," +
                       maria_ + ",2026-11-03,US-WA-SEATTLE,7.5,150.00,0,3,1099,,\n");
    ASSERT_EQ(ingest.exit_code, 0) << ingest.Describe();
    for (const char* id : {"cascade", "evergreen"}) {
      Must({"provider", "add", id, "--name", id, "--nonprofit", "--reserve-ratio", "25%", "--bond",
            "50000.00", "--coi-attested", "--date", "2026-01-05"});
      Must({"provider", "certify", id, "--date", "2026-01-06"});
    }
    Must({"plan", "add", "cascade", "basic", "--name", "Basic", "--mandatory",
          "health,disability,workers_comp", "--optional", "retirement"});
    Must({"plan", "add", "evergreen", "plus", "--name", "Plus", "--mandatory",
          "health,disability,workers_comp", "--optional", "retirement,sick_leave", "--monthly-fee",
          "3.50"});
    Must({"terms", "set", "--default-provider", "cascade", "--default-plan", "basic",
          "--open-enrollment", "11-01..12-15", "--effective", "01-01"});
  }

  CliResult Must(const std::vector<std::string>& args) {
    CliResult r = db_.Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return r;
  }
  nlohmann::json Json(std::vector<std::string> args) {
    args.push_back("--json");
    return AccrueDb::ParseJson(Must(args));
  }

  AccrueDb db_;
  std::string maria_;
};

TEST_F(BenefitsCliTest, InvoiceRemitAndOpenEnrollmentTransfer) {
  EXPECT_EQ(
      Json({"enroll", maria_, "--provider", "cascade", "--plan", "basic", "--date", "2026-10-01"})
          .at("enrolled"),
      true);
  const nlohmann::json issued =
      Json({"invoice", "issue", "--period", "2026-11", "--date", "2026-12-01"});
  ASSERT_EQ(issued.at("issued").size(), 1u);
  EXPECT_EQ(issued["issued"][0].at("amount"), "15.00");
  EXPECT_EQ(issued["issued"][0].at("due"), "2026-12-15");

  // 20.00 pays the 15.00 invoice and leaves 5.00 as credit.
  const nlohmann::json remit =
      Json({"remit", "rideco", "20.00", "--date", "2026-12-02", "--reference", "chk-1"});
  EXPECT_EQ(remit.at("applied")[0].at("principal"), "15.00");
  EXPECT_EQ(remit.at("credit"), "5.00");
  const nlohmann::json before = db_.Balance(maria_);

  // Outside open enrollment: refused, nothing changes.
  const CliResult refused = db_.Run(
      {"enroll", maria_, "--provider", "evergreen", "--plan", "plus", "--date", "2026-06-10"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "accrue: account " + maria_ +
                             " is enrolled with cascade; a change of provider or plan is "
                             "accepted only at open enrollment, 2026-11-01 to 2026-12-15 "
                             "(effective 2027-01-01), and 2026-06-10 is outside it\n");
  EXPECT_EQ(Json({"enrollment", "show", maria_}).at("history").size(), 1u);

  // At open enrollment: elected, then carried out on 1 January.
  const nlohmann::json elected = Json({"enroll", maria_, "--provider", "evergreen", "--plan",
                                       "plus", "--choose", "sick_leave", "--date", "2026-11-20"});
  EXPECT_EQ(elected.at("effective"), "2027-01-01");
  EXPECT_EQ(Json({"enrollment", "apply", "--date", "2027-01-01"}).at("transferred"), 1);
  EXPECT_EQ(db_.Balance(maria_), before);
  const nlohmann::json funding = Json({"funding", maria_});
  EXPECT_EQ(funding.at("provider"), "evergreen");
  EXPECT_EQ(funding.at("earned"), "15.00");
  EXPECT_EQ(funding.at("funded"), "15.00");
  for (const auto& r : Json({"reserves"})) {
    EXPECT_EQ(r.at("funded"), r.at("provider") == "evergreen" ? "15.00" : "0.00");
  }
  const nlohmann::json shown = Json({"enrollment", "show", maria_});
  ASSERT_EQ(shown.at("history").size(), 3u);
  EXPECT_EQ(shown["history"][2].at("event"), "transfer");
  EXPECT_EQ(shown["history"][2].at("funded_moved"), "15.00");

  // Bad amounts: refused with the reason, nothing recorded.
  const CliResult bad = db_.Run({"remit", "rideco", "12.345"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err, "accrue: AMOUNT: '12.345' has more than 2 decimals\n") << bad.err;
  const CliResult zero = db_.Run({"remit", "rideco", "0"});
  EXPECT_EQ(zero.err, "accrue: a remittance must be a positive amount in whole cents, not 0.00\n");
  EXPECT_EQ(Json({"invoice", "list"})[0].at("paid"), "15.00");

  const nlohmann::json verify = db_.Verify();
  EXPECT_EQ(verify.at("ok"), true) << verify.dump();
}

}  // namespace
}  // namespace accrue
