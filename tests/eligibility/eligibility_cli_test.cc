// `accrue eligibility` on a small store: the shipped Seattle pack's health rule (80 hours in a
// month, pooled across hiring entities, coverage the month after), reports from three entities,
// and corrections that replace a report or move it to another worker.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/account_number.h"
#include "testing/cli_runner.h"

namespace accrue {
namespace {

using testing::AccrueDb;
using testing::CliResult;

const std::string kHeader =
    "report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
    "classification,sector,replaces";

std::string Ann() { return AccountNumber::FromSerial(20001).ToString(); }
std::string Bob() { return AccountNumber::FromSerial(20002).ToString(); }

// A Seattle report of `hours` (1099).
std::string Row(const std::string& id, const std::string& entity, const std::string& worker,
                const std::string& date, const std::string& hours,
                const std::string& replaces = "") {
  return id + "," + entity + "," + worker + "," + date + ",US-WA-SEATTLE," + hours +
         ",100.00,,0,1099,," + replaces;
}

class EligibilityCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Init();
    db_.Import("entities",
               "id,name,sector,size\n"
               "rideco,RideCo,rideshare,5000\n"
               "cafe,Corner Cafe,food_service,30\n"
               "cleanco,CleanCo,cleaning,12\n");
    db_.Import("workers",
               "name,birth_date,home_jurisdiction,account\n"
               "Ann,1990-04-01,US-WA-SEATTLE," +
                   Ann() + "\nBob,1985-09-12,US-WA-SEATTLE," + Bob() + "\n");
  }

  void Ingest(const std::string& file, const std::vector<std::string>& rows) {
    std::string csv = kHeader + "\n";
    for (const std::string& r : rows) csv += r + "\n";
    AccrueDb::Must(db_.Ingest(file, csv), "ingest " + file);
  }

  // Ann's (or Bob's) health months from April to May 2026, as JSON.
  nlohmann::json Months(const std::string& account) {
    const CliResult r =
        db_.Run({"eligibility", account, "--as-of", "2026-04", "--months", "2", "--json"});
    const nlohmann::json j = AccrueDb::ParseJson(AccrueDb::Must(r, "eligibility"));
    EXPECT_EQ(j.at("from"), "2026-04");
    EXPECT_EQ(j.at("to"), "2026-05");
    for (const auto& p : j.at("programs")) {
      if (p.at("program") == "us-wa-seattle-portable") return p.at("months");
    }
    ADD_FAILURE() << "no Seattle program in " << j.dump();
    return nlohmann::json::array();
  }

  AccrueDb db_;
};

TEST_F(EligibilityCliTest, PoolsThreeEntitiesAndShowsWhatIsStillNeeded) {
  // March: 30 + 25 + 25.5 = 80.5 h >= 80, so April is covered; no entity has 80 h alone.
  // April: no work, so May needs all 80 h, by the end of April.
  Ingest("march.csv", {Row("r1", "rideco", Ann(), "2026-03-02", "10"),
                       Row("r2", "rideco", Ann(), "2026-03-09", "20"),
                       Row("c1", "cafe", Ann(), "2026-03-10", "12"),
                       Row("c2", "cafe", Ann(), "2026-03-11", "13"),
                       Row("k1", "cleanco", Ann(), "2026-03-20", "24"),
                       Row("k2", "cleanco", Ann(), "2026-03-21", "1.5")});
  const nlohmann::json months = Months(Ann());
  ASSERT_EQ(months.size(), 2u) << months.dump();
  EXPECT_EQ(months[0].at("benefit"), "health");
  EXPECT_EQ(months[0].at("month"), "2026-04");
  EXPECT_EQ(months[0].at("eligible"), true);
  EXPECT_EQ(months[0].at("unit"), "hours");
  EXPECT_EQ(months[0].at("counted"), "80.5");
  EXPECT_EQ(months[0].at("still_needed"), "0");
  EXPECT_EQ(months[0].at("deadline"), "2026-03");
  EXPECT_EQ(months[1].at("month"), "2026-05");
  EXPECT_EQ(months[1].at("eligible"), false);
  EXPECT_EQ(months[1].at("counted"), "0");
  EXPECT_EQ(months[1].at("still_needed"), "80");
  EXPECT_EQ(months[1].at("deadline"), "2026-04");

  // The table says the same to people.
  const CliResult table = AccrueDb::Must(
      db_.Run({"eligibility", Ann(), "--as-of", "2026-04", "--months", "2"}), "eligibility");
  const auto lines = testing::Lines(table.out);
  ASSERT_EQ(lines.size(), 5u) << table.out;
  EXPECT_NE(lines[0].find("Account " + Ann() + "  Ann  (2026-04 to 2026-05)"), std::string::npos);
  EXPECT_EQ(lines[2].substr(0, 7), "Program");
  EXPECT_NE(lines[3].find("us-wa-seattle-portable  health   2026-04  yes"), std::string::npos)
      << table.out;
  EXPECT_NE(lines[3].find("80.5 h"), std::string::npos) << table.out;
  EXPECT_NE(lines[4].find("2026-05  no"), std::string::npos) << table.out;
  const size_t needed = lines[4].find("0 h      80 h");
  ASSERT_NE(needed, std::string::npos) << table.out;
  const size_t toward = lines[4].find("eligibility", needed);
  ASSERT_NE(toward, std::string::npos) << table.out;
  EXPECT_NE(lines[4].find("2026-04", toward), std::string::npos) << table.out;
}

TEST_F(EligibilityCliTest, CorrectionsReplaceReportsAndMovedReportsLeave) {
  // Ann: rideco 15 + 15, cafe 12.5 + 12.5, cleanco 20 + 5: 80 h, April covered.
  Ingest("march.csv", {Row("r1", "rideco", Ann(), "2026-03-02", "15"),
                       Row("r2", "rideco", Ann(), "2026-03-03", "15"),
                       Row("c1", "cafe", Ann(), "2026-03-10", "12.5"),
                       Row("c2", "cafe", Ann(), "2026-03-11", "12.5"),
                       Row("k1", "cleanco", Ann(), "2026-03-20", "20"),
                       Row("k2", "cleanco", Ann(), "2026-03-21", "5")});
  EXPECT_EQ(Months(Ann())[0].at("eligible"), true);
  // c1 is corrected to 7.5 h (still Ann's); k1 turns out to be Bob's work.
  // Ann: 30 + 7.5 + 12.5 + 5 = 55 h, 80 - 55 = 25 h short for April. Bob: 20 h, 60 h short.
  Ingest("fix.csv", {Row("c1-fix", "cafe", Ann(), "2026-03-10", "7.5", "c1"),
                     Row("k1-fix", "cleanco", Bob(), "2026-03-20", "20", "k1")});
  const nlohmann::json ann = Months(Ann());
  ASSERT_EQ(ann.size(), 2u);
  EXPECT_EQ(ann[0].at("eligible"), false);
  EXPECT_EQ(ann[0].at("counted"), "55");
  EXPECT_EQ(ann[0].at("still_needed"), "25");
  const nlohmann::json bob = Months(Bob());
  ASSERT_EQ(bob.size(), 2u);
  EXPECT_EQ(bob[0].at("counted"), "20");
  EXPECT_EQ(bob[0].at("still_needed"), "60");
}

TEST_F(EligibilityCliTest, RefusesBadArguments) {
  const CliResult unknown = db_.Run({"eligibility", AccountNumber::FromSerial(20099).ToString()});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no worker has account number"), std::string::npos) << unknown.err;
  const CliResult month = db_.Run({"eligibility", Ann(), "--as-of", "2026-13"});
  EXPECT_EQ(month.exit_code, 1);
  EXPECT_NE(month.err.find("--as-of: '2026-13' is not a month such as 2026-11"), std::string::npos)
      << month.err;
}

}  // namespace
}  // namespace accrue
