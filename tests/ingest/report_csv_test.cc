#include "ingest/report_csv.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace accrue {
namespace {

const std::string kHeader =
    "report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
    "classification,sector,replaces\n";

std::string Account() { return AccountNumber::FromSerial(12345).ToString(); }

// A valid row, by column name, that tests spoil one field at a time.
std::map<std::string, std::string> GoodRow() {
  return {{"report_id", "r-1"},
          {"hiring_entity", "rideco"},
          {"worker", Account()},
          {"work_date", "2026-03-02"},
          {"jurisdiction", "US-WA-SEATTLE"},
          {"hours", "8.5"},
          {"earnings", "120.25"},
          {"tips", "10"},
          {"jobs", "3"},
          {"classification", "1099"},
          {"sector", "rideshare"},
          {"replaces", ""}};
}

std::string Row(const std::map<std::string, std::string>& values) {
  std::vector<std::string_view> fields;
  for (const CsvColumn& column : ReportCsvColumns())
    fields.push_back(values.at(std::string(column.name)));
  std::string out;
  AppendCsvRecord(fields, &out);
  return out;
}

// What reading a file gives: the reports and the errors of the refused rows.
struct Outcome {
  std::vector<WorkReport> reports;
  std::vector<FieldError> errors;
  int rejected_rows = 0;
};

Outcome Read(std::string text) {
  Outcome outcome;
  Result<ReportCsvReader> reader = ReportCsvReader::Open(CsvReader::FromString(std::move(text)));
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return outcome;
  WorkReport report;
  for (;;) {
    Result<ReportCsvReader::Step> step = reader->Next(&report);
    EXPECT_TRUE(step.ok());
    if (!step.ok() || *step == ReportCsvReader::Step::kEnd) break;
    if (*step == ReportCsvReader::Step::kReport) {
      outcome.reports.push_back(report);
    } else {
      ++outcome.rejected_rows;
      outcome.errors.insert(outcome.errors.end(), reader->errors().begin(), reader->errors().end());
    }
  }
  return outcome;
}

// The single error of a file holding the good row with `field` set to `value`.
FieldError ErrorFor(const std::string& field, const std::string& value) {
  std::map<std::string, std::string> values = GoodRow();
  values[field] = value;
  const Outcome outcome = Read(kHeader + Row(GoodRow()) + Row(values));
  EXPECT_EQ(outcome.reports.size(), 1u);
  EXPECT_EQ(outcome.errors.size(), 1u);
  return outcome.errors.empty() ? FieldError{} : outcome.errors[0];
}

Status HeaderError(std::string text) {
  Result<ReportCsvReader> reader = ReportCsvReader::Open(CsvReader::FromString(std::move(text)));
  return reader.status();
}

TEST(ReportCsv, ParsesAGoodRow) {
  const Outcome outcome = Read(kHeader + Row(GoodRow()));
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].ToString();
  ASSERT_EQ(outcome.reports.size(), 1u);
  const WorkReport& r = outcome.reports[0];
  EXPECT_EQ(r.report_id, "r-1");
  EXPECT_EQ(r.entity, "rideco");
  EXPECT_EQ(r.worker, AccountNumber::FromSerial(12345));
  EXPECT_EQ(r.work_date, Date::FromYmd(2026, 3, 2));
  EXPECT_EQ(r.jurisdiction, "US-WA-SEATTLE");
  EXPECT_EQ(r.hours, Hours::Parse("8.5").value());
  EXPECT_EQ(r.earnings, Money::Parse("120.25").value());
  EXPECT_EQ(r.tips, Money::Whole(10));
  EXPECT_EQ(r.jobs, 3);
  EXPECT_EQ(r.classification, Classification::kContractor1099);
  EXPECT_EQ(r.sector, "rideshare");
  EXPECT_EQ(r.replaces, "");
}

TEST(ReportCsv, AcceptsColumnsInAnyOrderAndWithoutTheOptionalOnes) {
  const std::string text =
      "classification,jobs,earnings,hours,jurisdiction,work_date,worker,"
      "hiring_entity,report_id\r\n"
      "W2,,99.5,0.25,US-CA,2026-12-31," +
      Account() + ",acme,a:1\r\n";
  const Outcome outcome = Read(text);
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].ToString();
  ASSERT_EQ(outcome.reports.size(), 1u);
  const WorkReport& r = outcome.reports[0];
  EXPECT_EQ(r.report_id, "a:1");
  EXPECT_EQ(r.classification, Classification::kEmployeeW2);
  EXPECT_EQ(r.jobs, 0);
  EXPECT_EQ(r.tips, Money());
  EXPECT_EQ(r.sector, "");
  EXPECT_EQ(r.hours, Hours::Parse("0.25").value());
}

TEST(ReportCsv, EmptyOptionalFieldsMeanZeroOrNone) {
  std::map<std::string, std::string> values = GoodRow();
  values["tips"] = "";
  values["jobs"] = "";
  values["sector"] = "";
  values["replaces"] = "r-0";
  const Outcome outcome = Read(kHeader + Row(values));
  ASSERT_EQ(outcome.reports.size(), 1u);
  EXPECT_EQ(outcome.reports[0].tips, Money());
  EXPECT_EQ(outcome.reports[0].jobs, 0);
  EXPECT_EQ(outcome.reports[0].sector, "");
  EXPECT_EQ(outcome.reports[0].replaces, "r-0");
}

TEST(ReportCsv, RefusesAnEmptyFile) {
  EXPECT_EQ(HeaderError("").message(),
            "the file is empty: expected a header row with the columns report_id,hiring_entity,"
            "worker,work_date,jurisdiction,hours,earnings,tips,jobs,classification,sector,"
            "replaces");
}

TEST(ReportCsv, HeaderOnlyHasNoRows) {
  const Outcome outcome = Read(kHeader);
  EXPECT_TRUE(outcome.reports.empty());
  EXPECT_TRUE(outcome.errors.empty());
}

TEST(ReportCsv, RefusesAHeaderWithAMissingColumn) {
  EXPECT_EQ(HeaderError("report_id,hiring_entity,worker,work_date,jurisdiction,earnings,jobs,"
                        "classification\n")
                .message(),
            "row 1 (the header): missing column 'hours'");
}

TEST(ReportCsv, RefusesAMisspeltColumnSuggestingTheRightName) {
  EXPECT_EQ(HeaderError("report_id,hiring_entity,worker,work_date,jurisdiction,houres,earnings,"
                        "jobs,classification\n")
                .message(),
            "row 1 (the header): unknown column 'houres' (did you mean 'hours'?)");
}

TEST(ReportCsv, RefusesADuplicateColumn) {
  EXPECT_EQ(HeaderError("report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,"
                        "jobs,classification,worker\n")
                .message(),
            "row 1 (the header): duplicate column 'worker' (columns 3 and 10)");
}

TEST(ReportCsv, NamesTheRowAndFieldOfEachBadValue) {
  struct Case {
    std::string field;
    std::string value;
    std::string message;
  };
  std::string mistyped = Account();
  mistyped[10] = mistyped[10] == '9' ? '0' : static_cast<char>(mistyped[10] + 1);
  const std::vector<Case> cases = {
      {"report_id", "", "report_id is empty"},
      {"report_id", "r 1", "report_id 'r 1' may hold only letters, digits and . _ : -"},
      {"hiring_entity", "-acme", "hiring_entity '-acme' must start with a letter or digit"},
      {"worker", "", "worker is empty (it takes the worker's account number)"},
      {"worker", "1234-5678", "worker account number '1234-5678' must have 12 digits"},
      {"worker", "12345678901x",
       "worker account number '12345678901x' may hold only digits and dashes"},
      {"worker", mistyped,
       "worker account number '" + mistyped +
           "' fails its check digit (a digit is mistyped or two are swapped)"},
      {"work_date", "2026-02-30", "work_date '2026-02-30' is not a real calendar date"},
      {"work_date", "03/02/2026", "work_date '03/02/2026' is not a date in the form YYYY-MM-DD"},
      {"work_date", "", "work_date is empty"},
      {"jurisdiction", "us-wa",
       "jurisdiction 'us-wa' may hold only capital letters, digits and dashes"},
      {"hours", "", "hours is empty"},
      {"hours", "eight", "hours 'eight' is not a decimal number"},
      {"hours", "1.23456", "hours '1.23456' has more than 4 decimals"},
      {"hours", "-1", "hours '-1' must not be negative"},
      {"hours", "24.0001", "hours '24.0001' is more than 24 in one report"},
      {"earnings", "1,000", "earnings '1,000' is not a decimal number"},
      {"earnings", "$12", "earnings '$12' is not a decimal number"},
      {"earnings", "12.34567", "earnings '12.34567' has more than 4 decimals"},
      {"earnings", "-5.00", "earnings '-5.00' must not be negative"},
      {"earnings", "1000000.0001", "earnings '1000000.0001' is more than 1000000 in one report"},
      {"earnings", "99999999999999999999", "earnings '99999999999999999999' is too large"},
      {"tips", "-0.01", "tips '-0.01' must not be negative"},
      {"jobs", "1.5", "jobs '1.5' is not a whole number"},
      {"jobs", "-2", "jobs '-2' must not be negative"},
      {"jobs", "10001", "jobs '10001' is more than 10000"},
      {"classification", "W4", "classification 'W4' must be 1099 or W2"},
      {"classification", "", "classification is empty (it takes 1099 or W2)"},
      {"sector", "Ride Share",
       "sector 'Ride Share' may hold only lower-case letters, digits and _"},
      {"replaces", "r-1", "replaces 'r-1' names the report itself (report_id)"},
      {"replaces", "r/0", "replaces 'r/0' may hold only letters, digits and . _ : -"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field + "=" + c.value);
    EXPECT_EQ(ErrorFor(c.field, c.value), (FieldError{3, c.field, c.message}));
  }
}

TEST(ReportCsv, ReportsEveryBadFieldOfARow) {
  std::map<std::string, std::string> values = GoodRow();
  values["hours"] = "25";
  values["earnings"] = "-1";
  values["work_date"] = "2026-02-30";
  const Outcome outcome = Read(kHeader + Row(values));
  EXPECT_EQ(outcome.rejected_rows, 1);
  ASSERT_EQ(outcome.errors.size(), 3u);
  EXPECT_EQ(outcome.errors[0].field, "work_date");
  EXPECT_EQ(outcome.errors[1].field, "hours");
  EXPECT_EQ(outcome.errors[2].field, "earnings");
  EXPECT_EQ(outcome.errors[1].ToString(), "row 2: hours '25' is more than 24 in one report");
}

TEST(ReportCsv, RefusesARowWithTheWrongNumberOfFields) {
  const Outcome outcome = Read(kHeader + "r-1,rideco\n" + Row(GoodRow()));
  EXPECT_EQ(outcome.reports.size(), 1u);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0], (FieldError{2, "", "the row has 2 fields but the header has 12"}));
}

TEST(ReportCsv, NamesTheColumnOfAMalformedRecordAndGoesOn) {
  std::map<std::string, std::string> values = GoodRow();
  values["sector"] = "caf\xE9";
  const Outcome outcome = Read(kHeader + Row(values) + Row(GoodRow()));
  EXPECT_EQ(outcome.reports.size(), 1u);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0],
            (FieldError{2, "sector",
                        "column 11 is not valid UTF-8 (byte 0xE9 at position 4); save the file "
                        "as UTF-8"}));
}

TEST(ReportCsv, RefusesATruncatedLastRow) {
  std::string text = kHeader + Row(GoodRow());
  text += "r-2,rideco," + Account() + ",2026-03-02,US-WA,1,1,,,1099,\"ride";
  const Outcome outcome = Read(text);
  EXPECT_EQ(outcome.reports.size(), 1u);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].row, 3);
  EXPECT_EQ(outcome.errors[0].field, "sector");
  EXPECT_EQ(outcome.errors[0].message,
            "the input ends inside the quoted field in column 11, which opens on line 3 (is its "
            "closing quote missing?)");
}

TEST(ReportCsv, CountsRowsAsASpreadsheetShowsThem) {
  std::map<std::string, std::string> multiline = GoodRow();
  multiline["report_id"] = "bad\nid";
  std::map<std::string, std::string> bad = GoodRow();
  bad["hours"] = "-3";
  const Outcome outcome = Read(kHeader + Row(multiline) + "\n" + Row(bad));
  ASSERT_EQ(outcome.errors.size(), 2u);
  EXPECT_EQ(outcome.errors[0].row, 2);
  EXPECT_EQ(outcome.errors[1], (FieldError{4, "hours", "hours '-3' must not be negative"}));
}

TEST(ReportCsv, WritesRowsThatReadBackEqual) {
  std::vector<WorkReport> reports(2);
  reports[0].report_id = "r-1";
  reports[0].entity = "rideco";
  reports[0].worker = AccountNumber::FromSerial(99'999'999'999);
  reports[0].work_date = Date::FromYmd(2026, 2, 28);
  reports[0].jurisdiction = "US-WA-SEATTLE";
  reports[0].hours = Hours::Parse("7.1234").value();
  reports[0].earnings = Money::Parse("1000000").value();
  reports[0].tips = Money::Parse("0.0001").value();
  reports[0].jobs = 10000;
  reports[0].classification = Classification::kEmployeeW2;
  reports[0].sector = "delivery";
  reports[0].replaces = "r-0";
  reports[1].report_id = "r-2";
  reports[1].entity = "home.care";
  reports[1].worker = AccountNumber::FromSerial(1);
  reports[1].work_date = Date::FromYmd(2024, 2, 29);
  reports[1].jurisdiction = "US";
  std::string text = ReportCsvHeaderLine();
  for (const WorkReport& r : reports) AppendReportCsvRow(r, &text);
  const Outcome outcome = Read(text);
  ASSERT_TRUE(outcome.errors.empty()) << outcome.errors[0].ToString();
  ASSERT_EQ(outcome.reports.size(), 2u);
  for (size_t i = 0; i < reports.size(); ++i) {
    EXPECT_TRUE(outcome.reports[i].SameContent(reports[i])) << outcome.reports[i].Canonical();
  }
}

TEST(ReportCsv, WritesTheCanonicalRow) {
  WorkReport r;
  r.report_id = "r-1";
  r.entity = "rideco";
  r.worker = AccountNumber::FromSerial(12345);
  r.work_date = Date::FromYmd(2026, 3, 2);
  r.jurisdiction = "US-WA";
  r.hours = Hours::Parse("8.5").value();
  r.earnings = Money::Parse("120").value();
  r.jobs = 2;
  std::string row;
  AppendReportCsvRow(r, &row);
  EXPECT_EQ(row, "r-1,rideco," + Account() + ",2026-03-02,US-WA,8.5,120.00,0.00,2,1099,,\n");
}

TEST(ReportCsv, WritesARejectsFile) {
  std::map<std::string, std::string> values = GoodRow();
  values["hours"] = "-1";
  values["sector"] = "Ride, Share";
  const std::string text = kHeader + Row(values) + "r-9,\"x\"y\n";
  Result<ReportCsvReader> reader = ReportCsvReader::Open(CsvReader::FromString(text));
  ASSERT_TRUE(reader.ok());
  std::string rejects = RejectsCsvHeaderLine(reader->header().names());
  WorkReport report;
  for (;;) {
    Result<ReportCsvReader::Step> step = reader->Next(&report);
    ASSERT_TRUE(step.ok());
    if (*step == ReportCsvReader::Step::kEnd) break;
    ASSERT_EQ(*step, ReportCsvReader::Step::kRejected);
    AppendRejectsCsvRows(reader->errors(), reader->fields(), &rejects);
  }
  const std::string original =
      "r-1,rideco," + Account() + ",2026-03-02,US-WA-SEATTLE,-1,120.25,10,3,1099,\"Ride, Share\",";
  EXPECT_EQ(rejects,
            "row,field,reason," + kHeader + "2,hours,hours '-1' must not be negative," + original +
                "\n" +
                "2,sector,\"sector 'Ride, Share' may hold only lower-case letters, digits and "
                "_\"," +
                original + "\n" +
                "3,hiring_entity,column 2 has text after the closing quote of its quoted field "
                "(a quote inside a quoted field must be doubled)\n");
}

}  // namespace
}  // namespace accrue
