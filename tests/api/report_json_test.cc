#include "api/report_json.h"

#include <gtest/gtest.h>

namespace accrue::api {
namespace {

// The outcome as a generic JSON document, from the tree builders the report listings use:
// what ResultJson must write, byte for byte.
std::string AsDocument(const ReportResult& r) {
  nlohmann::json j = {{"outcome", OutcomeName(r.outcome)}};
  if (r.outcome != Outcome::kRejected) {
    j["report"] = ReportToJson(r.entry.report);
    j["legs"] = LegsToJson(r.entry);
  }
  j["notes"] = r.notes;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ReportResult Recorded() {
  ReportResult r;
  r.outcome = Outcome::kRecorded;
  WorkReport& w = r.entry.report;
  w.entity = "rideco";
  w.report_id = "r-1";
  w.worker = AccountNumber::FromSerial(4242);
  w.work_date = *Date::Parse("2026-03-02");
  w.jurisdiction = "US-WA-SEATTLE";
  w.hours = *Hours::Parse("1.6667", 4);
  w.earnings = *Money::Parse("41.25", 4);
  w.tips = *Money::Parse("3.1", 4);
  w.jobs = 1234567890123;
  w.classification = Classification::kEmployeeW2;
  w.sector = "rideshare";
  w.replaces = "r-0";
  Leg credit{"W/000000042428/health",
             Unit::kMoney,
             3'333'400,
             "us-wa-seattle@2026-01-01/hourly",
             Payer::kWorker,
             0,
             "2.00/h",
             "capped at 40 h a week"};
  Leg hours{"W/000000042428/sick_leave/h",
            Unit::kHours,
            555'567,
            "us-wa-seattle@2026-01-01/sick",
            Payer::kHiringEntity,
            0,
            "1 h per 30 h worked",
            ""};
  Leg debit{"E/rideco/obligation", Unit::kMoney, -3'333'400, "", Payer::kHiringEntity, 0, "", ""};
  r.entry.legs = {credit, hours, debit};
  r.notes = {"no program covers US-TX", "a \"quoted\" note\twith a tab"};
  return r;
}

TEST(ResultJsonTest, ARecordedReportIsWrittenAsTheDocumentWouldBe) {
  const ReportResult r = Recorded();
  EXPECT_EQ(ResultJson(r), AsDocument(r));
  EXPECT_NE(ResultJson(r).find("\"jobs\":1234567890123,"), std::string::npos);
}

TEST(ResultJsonTest, TextThatNeedsEscapingIsEscapedTheSameWay) {
  ReportResult r = Recorded();
  r.outcome = Outcome::kCorrected;
  r.notes = {"ctl \x01\x1f\b\f\n\r end", "back\\slash", "café", "bad \xff\xfe byte", ""};
  r.entry.legs[0].note = "\"\\/\x7f";
  r.entry.report.sector.clear();
  r.entry.report.replaces.clear();
  EXPECT_EQ(ResultJson(r), AsDocument(r));
  EXPECT_NE(ResultJson(r).find("\\u0001\\u001f\\b\\f\\n\\r"), std::string::npos);
  EXPECT_NE(ResultJson(r).find("bad \xef\xbf\xbd\xef\xbf\xbd byte"), std::string::npos);
}

TEST(ResultJsonTest, ARefusedReportHasOnlyItsOutcomeAndNotes) {
  ReportResult r = Recorded();
  r.outcome = Outcome::kRejected;
  EXPECT_EQ(ResultJson(r), AsDocument(r));
  r.notes.clear();
  EXPECT_EQ(ResultJson(r), "{\"notes\":[],\"outcome\":\"rejected\"}");
}

TEST(ResultJsonTest, AReportAlreadyRecordedWithoutLegsOrNotes) {
  ReportResult r = Recorded();
  r.outcome = Outcome::kAlreadyRecorded;
  r.entry.legs.clear();
  r.notes.clear();
  EXPECT_EQ(ResultJson(r), AsDocument(r));
  EXPECT_EQ(ResultJson(r).rfind("{\"legs\":[],\"notes\":[],\"outcome\":\"already recorded\",", 0),
            0u);
}

}  // namespace
}  // namespace accrue::api
