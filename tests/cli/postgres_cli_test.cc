// The CLI against the PostgreSQL engine: the same commands, `--postgres URL` instead of --db.
#include <gtest/gtest.h>

#include "base/account_number.h"
#include "testing/cli_runner.h"
#include "testing/postgres_server.h"

namespace accrue::testing {
namespace {

TEST(PostgresCli, InitIngestBalanceAndVerifyOnAPostgresDatabase) {
  PostgresServer& server = PostgresServer::Shared();
  ASSERT_TRUE(server.ok()) << server.error();
  const std::string url = server.NewDatabase();
  ASSERT_FALSE(url.empty()) << server.error();
  TempDir dir;
  auto run = [&](std::vector<std::string> args) {
    args.push_back("--postgres");
    args.push_back(url);
    return RunAccrue(args);
  };
  ASSERT_EQ(run({"init", "--policies", std::string(ACCRUE_SOURCE_DIR) + "/policies"}).exit_code, 0);
  ASSERT_EQ(run({"entity", "add", "--id", "rideco", "--name", "RideCo", "--sector", "rideshare",
                 "--size", "5000"})
                .exit_code,
            0);
  const std::string ann = AccountNumber::FromSerial(424242).ToString();
  WriteFile(dir / "workers.csv",
            "name,birth_date,home_jurisdiction,account\nAnn,1990-01-01,"
            "US-WA-SEATTLE," +
                ann + "\n");
  ASSERT_EQ(run({"import", "workers", dir / "workers.csv"}).exit_code, 0);
  WriteFile(dir / "r.csv",
            "report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
            "classification,sector,replaces\n"
            "a1,rideco," +
                ann +
                ",2026-03-02,US-WA-SEATTLE,8,200,,1,1099,,\n"
                "a2,rideco," +
                ann + ",2026-03-03,US-WA-SEATTLE,2.5,60,,1,1099,,\n");
  const CliResult ingest = run({"ingest", dir / "r.csv"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.Describe();
  EXPECT_NE(ingest.out.find("2 recorded"), std::string::npos);
  const CliResult balance = run({"balance", ann, "--json"});
  ASSERT_EQ(balance.exit_code, 0) << balance.Describe();
  const auto json = AccrueDb::ParseJson(balance);
  // 10.5 h × $2.00 = $21.00 under the Seattle-style pack.
  EXPECT_EQ(json.at("total").get<std::string>(), "21.00");
  const CliResult verify = run({"verify", "--json"});
  EXPECT_EQ(verify.exit_code, 0) << verify.Describe();
  EXPECT_TRUE(AccrueDb::ParseJson(verify).at("ok").get<bool>());
}

}  // namespace
}  // namespace accrue::testing
