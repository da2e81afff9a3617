// Bad input through the real `accrue ingest`: every refused row is named on stderr (row, field,
// reason) and in the --rejects file, the good rows of the same file are recorded — unless
// --all-or-nothing, which then records nothing and exits non-zero — and the ledger verifies.
// Also: a file whose header cannot be read is refused whole; a 1 GiB line is refused in
// bounded memory; a resend changes nothing; corrections replace, once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "base/account_number.h"
#include "base/date.h"
#include "base/decimal.h"
#include "store/store.h"
#include "testing/cli_runner.h"

namespace accrue {
namespace {

using testing::AccrueDb;
using testing::Benefits;
using testing::CliResult;
using testing::Lines;
using testing::ReadFile;

const std::string kHeader =
    "report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
    "classification,sector,replaces";

std::string Ann() { return AccountNumber::FromSerial(10001).ToString(); }
std::string Bob() { return AccountNumber::FromSerial(10002).ToString(); }
// A well-formed account number (its check digit is right) that was never issued.
std::string Stranger() { return AccountNumber::FromSerial(99'999'001).ToString(); }

// Ann's account number with one digit changed, or two neighbouring digits swapped.
std::string AnnMistyped() {
  std::string s = Ann();
  s[5] = s[5] == '9' ? '0' : static_cast<char>(s[5] + 1);
  return s;
}
std::string AnnSwapped() {
  std::string s = Ann();  // "0000-0100-01xx": swap the last two digits that differ
  for (size_t i = s.size() - 1; i > 0; --i) {
    if (s[i] != s[i - 1] && s[i - 1] != '-') {
      std::swap(s[i], s[i - 1]);
      break;
    }
  }
  return s;
}

// A date a month from now: in the future wherever the work was done.
std::string NextMonth() {
  auto today = TodayIn("America/Los_Angeles", std::chrono::system_clock::now());
  return today.ok() ? today->AddDays(30).ToString() : "2099-01-01";
}

// One work-report row (without its line break). Seattle rideshare, 1099, by default.
std::string Row(const std::string& id, const std::string& worker, const std::string& date,
                const std::string& hours, const std::string& earnings,
                const std::string& entity = "rideco",
                const std::string& jurisdiction = "US-WA-SEATTLE", const std::string& replaces = "",
                const std::string& classification = "1099", const std::string& jobs = "0",
                const std::string& sector = "") {
  return id + "," + entity + "," + worker + "," + date + "," + jurisdiction + "," + hours + "," +
         earnings + ",," + jobs + "," + classification + "," + sector + "," + replaces;
}

// The good rows around the bad one in every case. Ann, Seattle, 8 h at $2.00/h = $16.00:
// health 8 x 1.00 = 8.00, workers_comp 8 x 0.35 = 2.80, retirement 8 x 0.40 = 3.20,
// sick_leave 8 x 0.25 = 2.00; sick leave accrued 8 / 30 = 0.266666 h (floor at 1e-6 h).
std::string AnnGood() { return Row("ann-1", Ann(), "2026-03-02", "8", "168.00"); }
// Bob, Seattle, 4 h: 4 x 2.00 = $8.00; sick leave 4 / 30 = 0.133333 h.
std::string BobGood() { return Row("bob-1", Bob(), "2026-03-02", "4", "84.00"); }

class IngestCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Init();
    db_.Import("entities",
               "id,name,sector,size\n"
               "rideco,RideCo,rideshare,5000\n"
               "cafe,Corner Cafe,food_service,30\n");
    db_.Import("workers",
               "name,birth_date,home_jurisdiction,account\n"
               "Ann,1990-04-01,US-WA-SEATTLE," +
                   Ann() +
                   "\n"
                   "Bob,1985-09-12,US-WA-SEATTLE," +
                   Bob() + "\n");
  }

  // Ingests `rows` (joined by LF after the header) from FILE with the flags.
  CliResult Ingest(const std::string& file, const std::vector<std::string>& rows,
                   std::vector<std::string> flags = {}, bool final_newline = true) {
    std::string csv = kHeader + "\n";
    for (size_t i = 0; i < rows.size(); ++i) {
      csv += rows[i];
      if (i + 1 < rows.size() || final_newline) csv += "\n";
    }
    return db_.Ingest(file, csv, std::move(flags));
  }

  // Asserts the ledger verifies, and returns its entry count.
  int64_t VerifiedEntries() {
    const nlohmann::json v = db_.Verify();
    EXPECT_TRUE(v.at("ok").get<bool>()) << v.dump();
    return v.at("entries").get<int64_t>();
  }

  void ExpectAnnGoodOnly() {
    const nlohmann::json ann = db_.Balance(Ann());
    EXPECT_EQ(ann.at("total"), "16.00");
    EXPECT_EQ(ann.at("reports"), 1);
    auto b = Benefits(ann);
    EXPECT_EQ(b["health"].first, "8.00");
    EXPECT_EQ(b["workers_comp"].first, "2.80");
    EXPECT_EQ(b["retirement"].first, "3.20");
    EXPECT_EQ(b["sick_leave"].first, "2.00");
    EXPECT_EQ(b["sick_leave"].second, "0.266666");
  }
  void ExpectBobGoodOnly() {
    const nlohmann::json bob = db_.Balance(Bob());
    EXPECT_EQ(bob.at("total"), "8.00");
    EXPECT_EQ(Benefits(bob)["sick_leave"].second, "0.133333");
  }
  void ExpectNothingFor(const std::string& account) {
    const nlohmann::json j = db_.Balance(account);
    EXPECT_EQ(j.at("total"), "0.00");
    EXPECT_EQ(j.at("reports"), 0);
  }

  AccrueDb db_;
};

// A file with one bad row among good ones, and what must be said about it.
struct BadRow {
  std::string name;
  std::vector<std::string> before;    // rows recorded by an earlier, successful ingest
  std::string row;                    // the bad row
  std::string field;                  // the column named (empty: the whole row)
  std::string reason;                 // the message, or its essential beginning
  bool last_without_newline = false;  // the bad row ends the file, with no line break
  bool fields_kept = true;  // false: the row could not be split into fields (bad UTF-8, quote)
};
void PrintTo(const BadRow& c, std::ostream* os) { *os << c.name; }

// The stderr line and rejects row for a refused row.
void ExpectRefusal(const CliResult& r, const std::string& file, const std::string& rejects,
                   int64_t row, const std::string& field, const std::string& reason) {
  const std::string prefix = file + ": row " + std::to_string(row) + ": ";
  std::vector<std::string> mine;
  for (const std::string& line : Lines(r.err)) {
    if (line.rfind(prefix, 0) == 0) mine.push_back(line);
  }
  ASSERT_EQ(mine.size(), 1u) << "stderr should name row " << row << " once:\n" << r.err;
  EXPECT_EQ(mine[0].substr(prefix.size(), reason.size()), reason) << mine[0];
  if (!field.empty()) {
    // The line names the column at fault: as the file spells it ("work_date"), in words
    // ("work date") or by position ("column 4").
    std::string words = field;
    std::replace(words.begin(), words.end(), '_', ' ');
    size_t position = 1;
    for (size_t i = 0; i < kHeader.find(field); ++i) position += kHeader[i] == ',' ? 1 : 0;
    const std::string by_position = "column " + std::to_string(position);
    const size_t at = mine[0].find(by_position);
    const size_t after = at + by_position.size();
    const bool named_by_position =
        at != std::string::npos && (after == mine[0].size() || !std::isdigit(mine[0][after]));
    EXPECT_TRUE(mine[0].find(field) != std::string::npos ||
                mine[0].find(words) != std::string::npos || named_by_position)
        << "stderr does not name the field '" << field << "': " << mine[0];
  }
  const std::vector<std::string> lines = Lines(ReadFile(rejects));
  ASSERT_EQ(lines.size(), 2u) << ReadFile(rejects);
  EXPECT_EQ(lines[0], "row,field,reason," + kHeader);
  const std::string want = std::to_string(row) + "," + field + ",";
  EXPECT_EQ(lines[1].substr(0, want.size()), want) << lines[1];
  // The reason, quoted if it holds a comma.
  const std::string rest = lines[1].substr(std::min(want.size(), lines[1].size()));
  const std::string unquoted = !rest.empty() && rest[0] == '"' ? rest.substr(1) : rest;
  EXPECT_EQ(unquoted.substr(0, reason.size()), reason) << lines[1];
}

// The rejects row carries the refused row's fields as they were sent (after row, field and
// reason), or none when the row could not be split into fields.
void ExpectOriginalFields(const std::string& rejects, const BadRow& c) {
  const std::vector<std::string> lines = Lines(ReadFile(rejects));
  ASSERT_EQ(lines.size(), 2u);
  const std::string& line = lines[1];
  if (c.fields_kept) {
    const std::string tail = "," + c.row;
    EXPECT_TRUE(line.size() > tail.size() && line.substr(line.size() - tail.size()) == tail)
        << "the rejects row does not end with the row as sent:\n"
        << line << "\n"
        << c.row;
  } else {
    EXPECT_TRUE(line.substr(line.size() - c.reason.size() - 1) == c.reason + "\"" ||
                line.substr(line.size() - c.reason.size()) == c.reason)
        << line;
  }
}

class BadRowTest : public IngestCliTest, public ::testing::WithParamInterface<BadRow> {};

TEST_P(BadRowTest, RefusedWithRowFieldAndReasonWhileGoodRowsAreRecorded) {
  const BadRow& c = GetParam();
  if (!c.before.empty()) {
    const CliResult before = Ingest("before.csv", c.before);
    ASSERT_EQ(before.exit_code, 0) << before.Describe();
  }
  const int64_t before_entries = VerifiedEntries();
  std::vector<std::string> rows = {AnnGood(), c.row, BobGood()};
  int64_t bad_row = 3;
  if (c.last_without_newline) {
    rows = {AnnGood(), BobGood(), c.row};
    bad_row = 4;
  }
  const std::string file = db_.File("reports.csv");

  // All or nothing: the bad row sinks the file.
  const std::string rejects_all = db_.File("rejects-all.csv");
  const CliResult all = Ingest("reports.csv", rows, {"--all-or-nothing", "--rejects", rejects_all},
                               !c.last_without_newline);
  EXPECT_EQ(all.exit_code, 1) << all.Describe();
  EXPECT_EQ(all.out, "3 rows: 1 refused, so nothing was recorded (--all-or-nothing)\n");
  ExpectRefusal(all, file, rejects_all, bad_row, c.field, c.reason);
  ExpectOriginalFields(rejects_all, c);
  EXPECT_EQ(VerifiedEntries(), before_entries) << "--all-or-nothing recorded something";
  if (c.before.empty()) ExpectNothingFor(Ann());
  ExpectNothingFor(Bob());

  // Partial: the good rows are recorded, the bad one is not.
  const std::string rejects = db_.File("rejects.csv");
  const CliResult partial =
      Ingest("reports.csv", rows, {"--rejects", rejects}, !c.last_without_newline);
  EXPECT_EQ(partial.exit_code, 1) << partial.Describe();
  EXPECT_EQ(partial.out, "3 rows: 2 recorded, 0 corrected, 0 already recorded, 1 refused\n");
  ExpectRefusal(partial, file, rejects, bad_row, c.field, c.reason);
  ExpectOriginalFields(rejects, c);
  EXPECT_EQ(VerifiedEntries(), before_entries + 2);
  if (c.before.empty()) ExpectAnnGoodOnly();
  ExpectBobGoodOnly();
}

std::vector<BadRow> BadRows() {
  const std::string day = "2026-03-03";
  return {
      {"MalformedHours",
       {},
       Row("x", Ann(), day, "8h", "168.00"),
       "hours",
       "hours '8h' is not a decimal number"},
      {"MalformedEarnings",
       {},
       Row("x", Ann(), day, "8", "1.2.3"),
       "earnings",
       "earnings '1.2.3' is not a decimal number"},
      {"ExponentIsNotANumber",
       {},
       Row("x", Ann(), day, "1e1", "10"),
       "hours",
       "hours '1e1' is not a decimal number"},
      {"TooManyDecimalsInHours",
       {},
       Row("x", Ann(), day, "1.00001", "10"),
       "hours",
       "hours '1.00001' has more than 4 decimals"},
      {"TooManyDecimalsInEarnings",
       {},
       Row("x", Ann(), day, "8", "168.00001"),
       "earnings",
       "earnings '168.00001' has more than 4 decimals"},
      {"NegativeHours",
       {},
       Row("x", Ann(), day, "-1", "10"),
       "hours",
       "hours '-1' must not be negative"},
      {"NegativeEarnings",
       {},
       Row("x", Ann(), day, "1", "-168.00"),
       "earnings",
       "earnings '-168.00' must not be negative"},
      {"JobsNotWhole",
       {},
       Row("x", Ann(), day, "1", "10", "rideco", "US-WA-SEATTLE", "", "1099", "1.5"),
       "jobs",
       "jobs '1.5' is not a whole number"},
      {"UnknownClassification",
       {},
       Row("x", Ann(), day, "1", "10", "rideco", "US-WA-SEATTLE", "", "W3"),
       "classification",
       "classification 'W3' must be 1099 or W2"},
      {"MoreThan24HoursInOneRow",
       {},
       Row("x", Ann(), day, "24.0001", "500"),
       "hours",
       "hours '24.0001' is more than 24 in one report"},
      // Ann's 8 h of ann-1 on 2026-03-02 plus 16.0001 h with the same entity that day.
      {"MoreThan24HoursSplitAcrossRows",
       {},
       Row("x", Ann(), "2026-03-02", "16.0001", "300"),
       "hours",
       "would bring " + Ann() + "'s hours for rideco on 2026-03-02 to 24.0001 (more than 24)"},
      // 20 h recorded by an earlier run, 4.0001 h more now.
      {"MoreThan24HoursSplitAcrossRuns",
       {Row("early", Ann(), "2026-03-05", "20", "400")},
       Row("x", Ann(), "2026-03-05", "4.0001", "80"),
       "hours",
       "would bring " + Ann() + "'s hours for rideco on 2026-03-05 to 24.0001 (more than 24)"},
      {"UnknownEntity",
       {},
       Row("x", Ann(), day, "1", "10", "nosuch"),
       "hiring_entity",
       "unknown hiring entity 'nosuch'"},
      {"UnknownAccount",
       {},
       Row("x", Stranger(), day, "1", "10"),
       "worker",
       "no worker has account number " + Stranger()},
      {"MistypedAccountDigit",
       {},
       Row("x", AnnMistyped(), day, "1", "10"),
       "worker",
       "worker account number '" + AnnMistyped() +
           "' fails its check digit (a digit is mistyped or two are swapped)"},
      {"SwappedAccountDigits",
       {},
       Row("x", AnnSwapped(), day, "1", "10"),
       "worker",
       "worker account number '" + AnnSwapped() +
           "' fails its check digit (a digit is mistyped or two are swapped)"},
      {"UnknownJurisdiction",
       {},
       Row("x", Ann(), day, "1", "10", "rideco", "US-WA-TACOMA"),
       "jurisdiction",
       "unknown jurisdiction 'US-WA-TACOMA'"},
      {"ImpossibleDate",
       {},
       Row("x", Ann(), "2026-02-30", "1", "10"),
       "work_date",
       "work_date '2026-02-30' is not a real calendar date"},
      {"FutureDate",
       {},
       Row("x", Ann(), NextMonth(), "1", "10"),
       "work_date",
       "work date " + NextMonth() + " is in the future (today in US-WA-SEATTLE is "},
      // The same id as an earlier run's report, with other hours.
      {"SameIdDifferentContentAcrossRuns",
       {Row("dup", Ann(), "2026-03-04", "5", "100")},
       Row("dup", Ann(), "2026-03-04", "6", "100"),
       "report_id",
       "report id 'dup' of rideco was already used for a different report (differs in hours)"},
      // The same id as the good row above it in the same file, with another date.
      {"SameIdDifferentContentInOneFile",
       {},
       Row("ann-1", Ann(), "2026-03-09", "8", "168.00"),
       "report_id",
       "report id 'ann-1' of rideco was already used for a different report (differs in "
       "work_date)"},
      {"ReplacesUnknownId",
       {},
       Row("x", Ann(), day, "1", "10", "rideco", "US-WA-SEATTLE", "nope"),
       "replaces",
       "replaces 'nope', but rideco has no such report"},
      {"ReplacesItself",
       {},
       Row("x", Ann(), day, "1", "10", "rideco", "US-WA-SEATTLE", "x"),
       "replaces",
       "replaces 'x' names the report itself (report_id)"},
      {"CorrectingAnAlreadyReplacedReport",
       {Row("orig", Ann(), "2026-03-06", "3", "60"),
        Row("fix-1", Ann(), "2026-03-06", "2", "40", "rideco", "US-WA-SEATTLE", "orig")},
       Row("fix-2", Ann(), "2026-03-06", "1", "20", "rideco", "US-WA-SEATTLE", "orig"),
       "replaces",
       "replaces 'orig', which was already replaced by 'fix-1'; correct that one instead"},
      {"TooFewFields",
       {},
       "x,rideco," + Ann() + ",2026-03-03,US-WA-SEATTLE,1,10",
       "",
       "the row has 7 fields but the header has 12"},
      {"TooManyFields",
       {},
       Row("x", Ann(), day, "1", "10") + ",",
       "",
       "the row has 13 fields but the header has 12"},
      {"TruncatedLastLine",
       {},
       "x,rideco," + Ann() + ",2026-03-03,US-WA-SEA",
       "",
       "the row has 5 fields but the header has 12",
       true},
      {"TruncatedInsideAQuotedField",
       {},
       "x,rideco," + Ann() + ",2026-03-03,\"US-WA-SEA",
       "jurisdiction",
       "the input ends inside the quoted field in column 5, which opens on line 4 (is its "
       "closing quote missing?)",
       true,
       false},
      {"NonUtf8Bytes",
       {},
       Row("x", Ann(), day, "1", "10", "rideco", "US-WA-SEATTLE", "", "1099", "0", "caf\xe9"),
       "sector",
       "column 11 is not valid UTF-8 (byte 0xE9 at position 4); save the file as UTF-8",
       false,
       false},
  };
}

INSTANTIATE_TEST_SUITE_P(Cli, BadRowTest, ::testing::ValuesIn(BadRows()),
                         [](const auto& info) { return info.param.name; });

// Exactly 24 hours with one entity on one day is fine, and the limit is per entity.
TEST_F(IngestCliTest, TwentyFourHoursPerWorkerEntityAndDayAreAccepted) {
  const CliResult r =
      Ingest("day.csv",
             {Row("a", Ann(), "2026-03-10", "16", "320"), Row("b", Ann(), "2026-03-10", "8", "160"),
              Row("c", Ann(), "2026-03-10", "8", "160", "cafe", "US-WA-SEATTLE", "", "W2")});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "3 rows: 3 recorded, 0 corrected, 0 already recorded, 0 refused\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(VerifiedEntries(), 3);
}

// Runs `accrue ARGS --db DB` on a terminal of its own (util-linux `script`, a pseudo-terminal),
// where ingest and verify draw their progress; returns what the terminal showed.
CliResult RunOnATerminal(const testing::AccrueDb& db, const std::vector<std::string>& args) {
  std::string command = testing::AccrueBinary();
  for (const std::string& a : args) command += " '" + a + "'";
  command += " --db '" + db.db() + "'";
  testing::RunOptions options;
  options.binary = "/usr/bin/script";
  return testing::RunAccrue({"-qec", command, "/dev/null"}, options);
}

TEST_F(IngestCliTest, OnATerminalIngestAndVerifyShowTheirProgress) {
  const std::string csv = kHeader + "\n" + AnnGood() + "\n" + BobGood() + "\n";
  testing::WriteFile(db_.File("tty.csv"), csv);
  const CliResult ingest = RunOnATerminal(db_, {"ingest", db_.File("tty.csv")});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.Describe();
  EXPECT_NE(ingest.out.find("100%  2 reports recorded"), std::string::npos) << ingest.Describe();
  const CliResult verify = RunOnATerminal(db_, {"verify"});
  ASSERT_EQ(verify.exit_code, 0) << verify.Describe();
  EXPECT_NE(verify.out.find("100%  2 of 2 entries checked"), std::string::npos)
      << verify.Describe();
  EXPECT_NE(verify.out.find("ledger verifies: 1 batch, 2 entries"), std::string::npos)
      << verify.Describe();
  // Off a terminal there is no bar.
  const CliResult piped = db_.Run({"verify"});
  EXPECT_EQ(piped.err.find("entries checked"), std::string::npos) << piped.Describe();
}

// The text balance groups dollars by thousands: 63 weekdays of 8 h at 2.00/h = 1,008.00 (no
// week over 40 h, so no cap applies).
TEST_F(IngestCliTest, TextBalanceGroupsThousands) {
  std::vector<std::string> rows;
  const Date monday = *Date::Parse("2026-01-05");
  for (int i = 0; i < 63; ++i) {
    const Date day = monday.AddDays(i / 5 * 7 + i % 5);
    rows.push_back(Row("d" + std::to_string(i), Ann(), day.ToString(), "8", "168.00"));
  }
  ASSERT_EQ(Ingest("days.csv", rows).exit_code, 0);
  const CliResult r = db_.Run({"balance", Ann()});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("1,008.00"), std::string::npos) << r.out;  // the total
  EXPECT_NE(r.out.find("504.00"), std::string::npos) << r.out;    // health: 63 x 8 x 1.00
  EXPECT_EQ(r.out.find("1008.00"), std::string::npos) << r.out;
}

// A file whose header cannot be read is refused whole, with nothing recorded.
struct BadFile {
  std::string name;
  std::string text;
  std::string error;  // the whole of stderr
};
void PrintTo(const BadFile& c, std::ostream* os) { *os << c.name; }

class BadFileTest : public IngestCliTest, public ::testing::WithParamInterface<BadFile> {};

TEST_P(BadFileTest, RefusedWholeAndNothingIsRecorded) {
  const BadFile& c = GetParam();
  for (const bool all_or_nothing : {true, false}) {
    std::vector<std::string> flags = {"--rejects", db_.File("rejects.csv")};
    if (all_or_nothing) flags.push_back("--all-or-nothing");
    const CliResult r = db_.Ingest("reports.csv", c.text, flags);
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, c.error);
    EXPECT_EQ(VerifiedEntries(), 0);
    ExpectNothingFor(Ann());
  }
}

const std::string kColumns =
    "report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
    "classification,sector,replaces";

INSTANTIATE_TEST_SUITE_P(
    Cli, BadFileTest,
    ::testing::Values(
        BadFile{
            "EmptyFile", "",
            "accrue: the file is empty: expected a header row with the columns " + kColumns + "\n"},
        BadFile{"MissingColumn",
                "report_id,hiring_entity,worker,work_date,jurisdiction,earnings,jobs,"
                "classification\n" +
                    AnnGood() + "\n",
                "accrue: row 1 (the header): missing column 'hours'\n"},
        BadFile{"MisspeltColumn",
                "report_id,hiring_entity,worker,work_date,jurisdiction,hourz,earnings,tips,jobs,"
                "classification,sector,replaces\n" +
                    AnnGood() + "\n",
                "accrue: row 1 (the header): unknown column 'hourz' (did you mean 'hours'?)\n"},
        BadFile{"DuplicateColumn", kHeader + ",hours\n" + AnnGood() + ",8\n",
                "accrue: row 1 (the header): duplicate column 'hours' (columns 6 and 13)\n"}),
    [](const auto& info) { return info.param.name; });

// A file without its header row must not be read as one whose header is its first report.
TEST_F(IngestCliTest, DataWithoutAHeaderIsRefusedWhole) {
  const CliResult r = db_.Ingest("reports.csv", AnnGood() + "\n" + BobGood() + "\n");
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(r.err.rfind("accrue: row 1 (the header): ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("unknown column 'ann-1'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing column 'report_id'"), std::string::npos) << r.err;
  EXPECT_EQ(VerifiedEntries(), 0);
}

TEST_F(IngestCliTest, HeaderOnlyRecordsNothingAndSucceeds) {
  const CliResult r = db_.Ingest("reports.csv", kHeader + "\n");
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "0 rows: 0 recorded, 0 corrected, 0 already recorded, 0 refused\n");
  EXPECT_EQ(VerifiedEntries(), 0);
}

TEST_F(IngestCliTest, MissingFileIsAnIoError) {
  const CliResult r = db_.Run({"ingest", db_.File("nosuch.csv")});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_EQ(r.err,
            "accrue: cannot open '" + db_.File("nosuch.csv") + "': No such file or directory\n");
}

// Sending the same file twice records it once.
TEST_F(IngestCliTest, ResendIsAlreadyRecordedAndChangesNothing) {
  const std::vector<std::string> rows = {AnnGood(), BobGood()};
  const CliResult first = Ingest("reports.csv", rows);
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  EXPECT_EQ(first.out, "2 rows: 2 recorded, 0 corrected, 0 already recorded, 0 refused\n");
  const nlohmann::json ann = db_.Balance(Ann());
  const nlohmann::json bob = db_.Balance(Bob());
  for (int i = 0; i < 2; ++i) {
    const CliResult again = Ingest("reports.csv", rows);
    EXPECT_EQ(again.exit_code, 0) << again.Describe();
    EXPECT_EQ(again.out, "2 rows: 0 recorded, 0 corrected, 2 already recorded, 0 refused\n");
    EXPECT_EQ(again.err, "");
  }
  // Resent inside one file too.
  const CliResult twice = Ingest("twice.csv", {AnnGood(), AnnGood()});
  EXPECT_EQ(twice.out, "2 rows: 0 recorded, 0 corrected, 2 already recorded, 0 refused\n");
  EXPECT_EQ(db_.Balance(Ann()), ann);
  EXPECT_EQ(db_.Balance(Bob()), bob);
  EXPECT_EQ(VerifiedEntries(), 2);
  ExpectAnnGoodOnly();
  ExpectBobGoodOnly();
}

TEST_F(IngestCliTest, DuplicateRowsInOneNewFileAreRecordedOnce) {
  const CliResult r = Ingest("reports.csv", {AnnGood(), AnnGood(), BobGood()});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "3 rows: 2 recorded, 0 corrected, 1 already recorded, 0 refused\n");
  EXPECT_EQ(VerifiedEntries(), 2);
  ExpectAnnGoodOnly();
}

// A correction reverses the old report and records the new one: the balance is exactly what
// the new report alone gives. A replaced report cannot be corrected again.
// `accrue aggregates`: March has Ann's 8 h (16.00) and Bob's 4 h (8.00), health half of each;
// ann-1 corrected to 5 h in April leaves March only Bob's 8.00 and April 10.00. Bad months are
// refused before anything is opened, so no aggregate table is written.
TEST_F(IngestCliTest, AggregatesSumTheProgramByMonthAndRefuseBadMonths) {
  ASSERT_EQ(Ingest("reports.csv", {AnnGood(), BobGood()}).exit_code, 0);
  const CliResult reversed = db_.Run({"aggregates", "--from", "2026-05", "--to", "2026-03"});
  EXPECT_EQ(reversed.exit_code, 1) << reversed.Describe();
  EXPECT_EQ(reversed.err, "accrue: --from 2026-05 is after --to 2026-03\n");
  const CliResult bad = db_.Run({"aggregates", "--to", "2026-13"});
  EXPECT_EQ(bad.exit_code, 1) << bad.Describe();
  EXPECT_EQ(bad.err, "accrue: '2026-13' is not a month such as 2026-11\n");
  {
    auto store = OpenSqliteStore(db_.db());
    ASSERT_TRUE(store.ok());
    auto tables = (*store)->sql().Query(
        "SELECT count(*) FROM sqlite_master WHERE name = 'contribution_aggregates'");
    ASSERT_TRUE(tables.ok());
    EXPECT_EQ(tables->at(0).Int(0), 0);
  }

  auto by_month = [&](const std::string& from, const std::string& to) {
    const CliResult r = db_.Run({"aggregates", "--from", from, "--to", to, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::map<std::string, MoneySum> total, health;
    const nlohmann::json parsed = nlohmann::json::parse(r.out);
    for (const auto& row : parsed.at("rows")) {
      EXPECT_EQ(row.at("program"), "us-wa-seattle-portable");
      EXPECT_EQ(row.at("payer"), "hiring_entity");
      const Money amount = *Money::Parse(row.at("amount").get<std::string>());
      const auto month = row.at("month").get<std::string>();
      total[month].Add(amount);
      if (row.at("benefit") == "health") health[month].Add(amount);
    }
    std::map<std::string, std::string> out;
    for (const auto& [m, sum] : total) out[m] = sum.ToFixed(2) + " health " + health[m].ToFixed(2);
    return out;
  };
  using Months = std::map<std::string, std::string>;
  EXPECT_EQ(by_month("2026-03", "2026-03"), (Months{{"2026-03", "24.00 health 12.00"}}));
  ASSERT_EQ(Ingest("fix.csv", {Row("ann-1-fix", Ann(), "2026-04-01", "5", "105.00", "rideco",
                                   "US-WA-SEATTLE", "ann-1")})
                .exit_code,
            0);
  EXPECT_EQ(by_month("2026-01", "2026-12"),
            (Months{{"2026-03", "8.00 health 4.00"}, {"2026-04", "10.00 health 5.00"}}));
  EXPECT_EQ(by_month("2026-04", "2026-04"), (Months{{"2026-04", "10.00 health 5.00"}}));
}

TEST_F(IngestCliTest, CorrectionLeavesOnlyTheNewReport) {
  ASSERT_EQ(Ingest("reports.csv", {AnnGood(), BobGood()}).exit_code, 0);
  // ann-1 (8 h) becomes 5 h: 5 x 2.00 = 10.00 -> health 5.00, workers_comp 1.75,
  // retirement 2.00, sick_leave 1.25; sick leave 5 / 30 = 0.166666 h (not 0.166667: the
  // correction must not count the replaced 8 h toward the year's hours).
  const CliResult fix = Ingest("fix.csv", {Row("ann-1-fix", Ann(), "2026-03-02", "5", "105.00",
                                               "rideco", "US-WA-SEATTLE", "ann-1")});
  EXPECT_EQ(fix.exit_code, 0) << fix.Describe();
  EXPECT_EQ(fix.out, "1 rows: 0 recorded, 1 corrected, 0 already recorded, 0 refused\n");
  nlohmann::json ann = db_.Balance(Ann());
  EXPECT_EQ(ann.at("total"), "10.00");
  auto b = Benefits(ann);
  EXPECT_EQ(b["health"].first, "5.00");
  EXPECT_EQ(b["workers_comp"].first, "1.75");
  EXPECT_EQ(b["retirement"].first, "2.00");
  EXPECT_EQ(b["sick_leave"].first, "1.25");
  EXPECT_EQ(b["sick_leave"].second, "0.166666");
  ExpectBobGoodOnly();

  // 12.5 h + 12.5 h more: 30 h worked in all is exactly 1 h of sick leave.
  const CliResult more = Ingest("more.csv", {Row("ann-2", Ann(), "2026-03-04", "12.5", "250"),
                                             Row("ann-3", Ann(), "2026-03-05", "12.5", "250")});
  EXPECT_EQ(more.exit_code, 0) << more.Describe();
  EXPECT_EQ(Benefits(db_.Balance(Ann()))["sick_leave"].second, "1.00")
      << "30 h worked must give exactly 1 h of sick leave";

  // The replaced report cannot be corrected again; its replacement can.
  const std::string rejects = db_.File("rejects.csv");
  const CliResult again = Ingest(
      "again.csv",
      {Row("ann-1-fix-b", Ann(), "2026-03-02", "4", "84.00", "rideco", "US-WA-SEATTLE", "ann-1")},
      {"--rejects", rejects});
  EXPECT_EQ(again.exit_code, 1);
  ExpectRefusal(
      again, db_.File("again.csv"), rejects, 2, "replaces",
      "replaces 'ann-1', which was already replaced by 'ann-1-fix'; correct that one instead");
  const CliResult fix2 = Ingest("fix2.csv", {Row("ann-1-fix-2", Ann(), "2026-03-02", "6", "126.00",
                                                 "rideco", "US-WA-SEATTLE", "ann-1-fix")});
  EXPECT_EQ(fix2.exit_code, 0) << fix2.Describe();
  EXPECT_EQ(fix2.out, "1 rows: 0 recorded, 1 corrected, 0 already recorded, 0 refused\n");
  // 6 + 12.5 + 12.5 = 31 h x 2.00 = 62.00 (no week reaches 40 h with rideco). Correcting the
  // correction replaces ann-1-fix only; ann-1 stays reversed.
  EXPECT_EQ(db_.Balance(Ann()).at("total"), "62.00");
  EXPECT_EQ(VerifiedEntries(), 6);  // ann-1, bob-1, two corrections, ann-2, ann-3
}

// A correction may move a report to another worker: the first loses all of it.
TEST_F(IngestCliTest, CorrectionMovesAReportToAnotherWorker) {
  ASSERT_EQ(Ingest("reports.csv", {AnnGood()}).exit_code, 0);
  const CliResult fix = Ingest("fix.csv", {Row("ann-1-was-bob", Bob(), "2026-03-02", "8", "168.00",
                                               "rideco", "US-WA-SEATTLE", "ann-1")});
  EXPECT_EQ(fix.exit_code, 0) << fix.Describe();
  const nlohmann::json ann = db_.Balance(Ann());
  EXPECT_EQ(ann.at("total"), "0.00");
  for (const auto& [benefit, amounts] : Benefits(ann)) {
    EXPECT_EQ(amounts.first, "0.00") << benefit;
    EXPECT_EQ(amounts.second, "0.00") << benefit;
  }
  // Nothing is left to Ann from rideco, and her explanation shows the reversal too.
  EXPECT_EQ(ann.at("by_payer"), nlohmann::json::array()) << ann.dump();
  const CliResult explain = db_.Run({"explain", Ann(), "--json"});
  ASSERT_EQ(explain.exit_code, 0) << explain.Describe();
  Money money;
  Hours hours;
  for (const auto& line : AccrueDb::ParseJson(explain)) {
    const std::string amount = line.at("amount").get<std::string>();
    if (line.at("unit") == "hours") {
      hours += *Hours::Parse(amount);
    } else {
      money += *Money::Parse(amount);
    }
  }
  EXPECT_TRUE(money.is_zero() && hours.is_zero())
      << "Ann's explanation sums to " << money.ToString(2) << " and " << hours.ToString()
      << " h, not to her balance of 0:\n"
      << explain.out;
  const nlohmann::json bob = db_.Balance(Bob());
  EXPECT_EQ(bob.at("total"), "16.00");
  EXPECT_EQ(Benefits(bob)["sick_leave"].second, "0.266666");
  EXPECT_EQ(VerifiedEntries(), 2);
}

// A 1 GiB line is refused without being held in memory, and the rows after it are recorded.
// The line is a hole in a sparse file (no disk is written); reading it takes a few seconds.
TEST_F(IngestCliTest, OneGibLineIsRefusedInBoundedMemory) {
  const std::string path = db_.File("huge.csv");
  constexpr off_t kLine = off_t{1} << 30;
  {
    const std::string head = kHeader + "\n" + AnnGood() + "\nhuge,rideco," + Ann() + ",";
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
    ASSERT_EQ(ftruncate(fd, static_cast<off_t>(head.size()) + kLine), 0);
    ASSERT_EQ(lseek(fd, 0, SEEK_END), static_cast<off_t>(head.size()) + kLine);
    const std::string tail = "x\n" + BobGood() + "\n";
    ASSERT_EQ(write(fd, tail.data(), tail.size()), static_cast<ssize_t>(tail.size()));
    close(fd);
  }
  const std::string rejects = db_.File("rejects.csv");
  testing::RunOptions options;
  options.address_space_limit = rlim_t{512} << 20;  // half the line: it cannot be buffered
  const CliResult r = db_.Run({"ingest", path, "--rejects", rejects}, options);
  std::remove(path.c_str());
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(r.out, "3 rows: 2 recorded, 0 corrected, 0 already recorded, 1 refused\n");
  // The record: "huge,rideco,<account>," (12 + 14 + 1 bytes), the 1 GiB hole and "x".
  const std::string length = std::to_string(12 + 14 + 1 + kLine + 1);
  ExpectRefusal(r, path, rejects, 3, "",
                "the record is " + length + " bytes long, more than the 65536 a record may hold");
  EXPECT_LT(r.max_rss_kb, 64 * 1024) << "peak resident memory " << r.max_rss_kb << " KiB";
  RecordProperty("max_rss_kb", std::to_string(r.max_rss_kb));
  RecordProperty("seconds", std::to_string(r.seconds));
  EXPECT_EQ(VerifiedEntries(), 2);
  ExpectAnnGoodOnly();
  ExpectBobGoodOnly();
}

}  // namespace
}  // namespace accrue
