#include "api/report_json.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

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

// A batch's answer as the tree the batch route built before BatchJson: what it must write.
std::string AsBatchDocument(const std::vector<ReportResult>& results, bool csv,
                            const std::vector<FieldProblem>& refused) {
  std::map<std::string, int64_t> counts;
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = 0; i < results.size(); ++i) {
    const ReportResult& r = results[i];
    counts[OutcomeName(r.outcome)]++;
    nlohmann::json item = {{"outcome", OutcomeName(r.outcome)}};
    item[csv ? "row" : "index"] = csv ? r.row : static_cast<int64_t>(i);
    if (r.outcome != Outcome::kRejected) item["report_id"] = r.entry.report.report_id;
    if (!r.notes.empty()) item["notes"] = r.notes;
    items.push_back(std::move(item));
  }
  nlohmann::json out = {
      {"reports", results.size()},        {"recorded", counts["recorded"]},
      {"corrected", counts["corrected"]}, {"already_recorded", counts["already recorded"]},
      {"rejected", counts["rejected"]},   {"results", items},
      {"errors", nlohmann::json::array()}};
  for (const FieldProblem& p : refused) out["errors"].push_back(ToJson(p));
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One of each outcome, with notes that need escaping, and a refused report's problems.
std::vector<ReportResult> MixedBatch() {
  std::vector<ReportResult> out(5, Recorded());
  out[0].row = 2;
  out[1].outcome = Outcome::kCorrected;
  out[1].row = 3;
  out[1].entry.report.report_id = "r-\"2\"";
  out[2].outcome = Outcome::kAlreadyRecorded;
  out[2].row = 5;
  out[2].notes.clear();
  out[3].outcome = Outcome::kRejected;
  out[3].row = 6;
  out[3].notes = {"bad \xff byte"};
  out[3].errors = {{6, "hours", "hours \"x\" is not a number"}, {6, "", "too long"}};
  out[4].row = 7;
  out[4].notes.clear();
  return out;
}

TEST(BatchJsonTest, AJsonBatchIsWrittenAsTheDocumentWouldBe) {
  const std::vector<ReportResult> results = MixedBatch();
  const std::vector<FieldProblem> refused = ToProblems(results[3].errors, 3, false);
  ASSERT_EQ(refused.size(), 2u);
  const std::string text = BatchJson(results, false, refused);
  EXPECT_EQ(text, AsBatchDocument(results, false, refused));
  const auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["recorded"], 2);
  EXPECT_EQ(doc["corrected"], 1);
  EXPECT_EQ(doc["already_recorded"], 1);
  EXPECT_EQ(doc["rejected"], 1);
  EXPECT_EQ(doc["results"][3]["index"], 3);
  EXPECT_FALSE(doc["results"][3].contains("report_id"));
  EXPECT_EQ(doc["errors"][0]["field"], "/reports/3/hours");
}

TEST(BatchJsonTest, ACsvBatchNamesRowsNotIndexes) {
  const std::vector<ReportResult> results = MixedBatch();
  const std::vector<FieldProblem> refused = ToProblems(results[3].errors, -1, true);
  const std::string text = BatchJson(results, true, refused);
  EXPECT_EQ(text, AsBatchDocument(results, true, refused));
  const auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["results"][1]["row"], 3);
  EXPECT_EQ(doc["results"][1]["report_id"], "r-\"2\"");
  EXPECT_FALSE(doc["results"][1].contains("index"));
}

TEST(BatchJsonTest, ABatchWithEveryReportRecorded) {
  std::vector<ReportResult> results = {Recorded()};
  results[0].notes.clear();
  EXPECT_EQ(BatchJson(results, false, {}), AsBatchDocument(results, false, {}));
  EXPECT_EQ(BatchJson(results, false, {}),
            "{\"already_recorded\":0,\"corrected\":0,\"errors\":[],\"recorded\":1,"
            "\"rejected\":0,\"reports\":1,\"results\":[{\"index\":0,\"outcome\":"
            "\"recorded\",\"report_id\":\"r-1\"}]}");
}

}  // namespace
}  // namespace accrue::api
