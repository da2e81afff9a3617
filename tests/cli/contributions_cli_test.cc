// Voluntary contributions through the real `accrue` binary: a consent recorded from the command
// line withholds from the next report and lands on the hiring entity's invoice; a one-off
// contribution is recorded once; bad input is refused and writes nothing; the match settles
// (no shipped match is in force in 2026, so it posts nothing); `accrue verify` stays clean.
//
// The ledger: one Seattle report of 7.5 h and 150.00 for rideco on 2026-11-03: 2.00/h from
// rideco = 15.00, and 5% of 150.00 = 7.50 withheld into retirement. rideco's November invoice:
// 15.00 + 7.50 = 22.50.
#include <gtest/gtest.h>

#include <sstream>

#include "testing/cli_runner.h"

namespace accrue {
namespace {

using testing::AccrueDb;
using testing::CliResult;

class ContributionsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Init();
    Must({"entity", "add", "--id", "rideco", "--name", "RideCo", "--sector", "rideshare", "--size",
          "10"});
    std::istringstream out(Must({"worker", "add", "--name", "Maria", "--birth-date", "1990-01-01",
                                 "--home", "US-WA-SEATTLE"})
                               .out);
    out >> maria_;
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

TEST_F(ContributionsCliTest, ConsentWithholdsAndTheEntityIsInvoicedForIt) {
  const nlohmann::json consent =
      Json({"consent", "add", maria_, "--benefit", "retirement", "--percent", "5%", "--wording",
            "consent-v1", "--effective", "2026-11-01", "--date", "2026-11-01"});
  EXPECT_EQ(consent.at("id"), 1);
  EXPECT_EQ(consent.at("recorded_by"), "cli");
  // Bad input: named, and nothing written.
  CliResult bad = db_.Run({"consent", "add", maria_, "--benefit", "retirement", "--percent", "30%",
                           "--date", "2026-11-01"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("at most 25% (got 30%)"), std::string::npos) << bad.Describe();
  bad = db_.Run({"consent", "add", maria_, "--benefit", "sick_leave", "--percent", "1%", "--date",
                 "2026-11-01"});
  EXPECT_NE(bad.err.find("'sick_leave' is a leave benefit"), std::string::npos) << bad.Describe();
  EXPECT_EQ(Json({"consent", "list", maria_}).size(), 1u);

  const CliResult ingest =
      db_.Ingest("r.csv",
                 "report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
                 "classification,sector,replaces\nr1,rideco," +
                     maria_ + ",2026-11-03,US-WA-SEATTLE,7.5,150.00,0,3,1099,,\n");
  ASSERT_EQ(ingest.exit_code, 0) << ingest.Describe();
  const nlohmann::json explain = Json({"explain", maria_, "--benefit", "retirement"});
  bool withheld = false;
  for (const auto& line : explain) {
    if (line.at("program") == "consent") {
      withheld = true;
      EXPECT_EQ(line.at("amount"), "7.50");
      EXPECT_EQ(line.at("payer"), "worker");
    }
  }
  EXPECT_TRUE(withheld) << explain.dump();
  Must({"provider", "add", "cascade", "--name", "Cascade", "--nonprofit", "--reserve-ratio", "25%",
        "--bond", "50000.00", "--coi-attested", "--date", "2026-01-05"});
  Must({"provider", "certify", "cascade", "--date", "2026-01-06"});
  Must({"plan", "add", "cascade", "basic", "--name", "Basic", "--mandatory",
        "health,disability,workers_comp", "--optional", "retirement"});
  Must({"terms", "set", "--default-provider", "cascade", "--default-plan", "basic"});
  const nlohmann::json issued =
      Json({"invoice", "issue", "--period", "2026-11", "--date", "2026-12-01"});
  ASSERT_EQ(issued.at("issued").size(), 1u);
  EXPECT_EQ(issued["issued"][0].at("amount"), "22.50");

  const nlohmann::json revoked =
      Json({"consent", "revoke", maria_, "1", "--effective", "2026-11-20", "--date", "2026-11-10"});
  EXPECT_EQ(revoked.at("ends"), "2026-11-20");

  const nlohmann::json paid =
      Json({"contribute", maria_, "--benefit", "retirement", "--amount", "300.00", "--reference",
            "chk-1", "--day", "2026-11-04", "--date", "2026-11-05"});
  EXPECT_EQ(paid.at("outcome"), "recorded");
  EXPECT_EQ(Json({"contribute", maria_, "--benefit", "retirement", "--amount", "300.00",
                  "--reference", "chk-1", "--day", "2026-11-04", "--date", "2026-11-05"})
                .at("outcome"),
            "already recorded");
  bad = db_.Run({"contribute", maria_, "--benefit", "retirement", "--amount", "0.001",
                 "--reference", "chk-2"});
  EXPECT_EQ(bad.exit_code, 1);
  const nlohmann::json settled =
      Json({"match", "settle", "--year", "2026", "--date", "2026-12-01"});
  EXPECT_EQ(settled.at("entries"), 0);
  const nlohmann::json verify = db_.Verify();
  EXPECT_EQ(verify.at("ok"), true) << verify.dump();
  // 2.00/h x 7.5 h x 0.40/2.00 to retirement = 3.00, + 7.50 withheld + 300.00 paid in.
  const nlohmann::json balance = db_.Balance(maria_);
  std::string retirement;
  for (const auto& b : balance.at("benefits")) {
    if (b.at("benefit") == "retirement") retirement = b.at("money");
  }
  EXPECT_EQ(retirement, "310.50") << balance.dump();
}

}  // namespace
}  // namespace accrue
