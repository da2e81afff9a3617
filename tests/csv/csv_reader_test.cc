#include "csv/csv_reader.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "csv/header.h"

namespace accrue {
namespace {

// One step of reading: a record's fields, or a refusal.
struct Item {
  int64_t row = 0;
  int64_t line = 0;
  std::vector<std::string> fields;
  bool bad = false;
  int column = 0;
  std::string error;  // CsvError::ToString()
};

std::vector<Item> ReadAll(CsvReader& reader) {
  std::vector<Item> items;
  CsvRecord record;
  for (;;) {
    Result<CsvRead> read = reader.Next(&record);
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    if (!read.ok() || *read == CsvRead::kEnd) break;
    Item item;
    if (*read == CsvRead::kBadRecord) {
      item.bad = true;
      item.row = reader.error().row;
      item.line = reader.error().line;
      item.column = reader.error().column;
      item.error = reader.error().ToString();
    } else {
      item.row = record.row;
      item.line = record.line;
      item.fields.assign(record.fields.begin(), record.fields.end());
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::vector<Item> ReadString(std::string text, CsvOptions options = {}) {
  CsvReader reader = CsvReader::FromString(std::move(text), options);
  return ReadAll(reader);
}

using Fields = std::vector<std::string>;

// A file under the temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("accrue_csv_" + std::to_string(getpid()) + "_" + name)) {}
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }
  void Write(const std::string& text) const {
    std::FILE* f = std::fopen(path().c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(text.data(), 1, text.size(), f), text.size());
    std::fclose(f);
  }

 private:
  std::filesystem::path path_;
};

int64_t PeakRssKiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(CsvReader, ReadsSimpleRecordsNumberingRowsFromTheHeader) {
  const std::vector<Item> items = ReadString("a,b,c\n1,2,3\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ(items[0].row, 1);
  EXPECT_EQ(items[1].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(items[1].row, 2);
  EXPECT_EQ(items[1].line, 2);
}

TEST(CsvReader, KeepsEmptyFieldsAndALastRecordWithoutLineBreak) {
  const std::vector<Item> items = ReadString("a,,\n,\nx,y");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].fields, (Fields{"a", "", ""}));
  EXPECT_EQ(items[1].fields, (Fields{"", ""}));
  EXPECT_EQ(items[2].fields, (Fields{"x", "y"}));
}

TEST(CsvReader, QuotedFieldsHoldCommasQuotesAndSpaces) {
  const std::vector<Item> items =
      ReadString("\"a,b\",\"say \"\"hi\"\"\",\"\",\" padded \",\"\"\"\"\n");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].fields, (Fields{"a,b", "say \"hi\"", "", " padded ", "\""}));
}

TEST(CsvReader, QuotedFieldWithLineBreaksIsOneRow) {
  const std::vector<Item> items = ReadString("h1,h2\n\"line 1\nline 2\r\nline 3\",x\nnext,y\n");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[1].fields, (Fields{"line 1\nline 2\r\nline 3", "x"}));
  EXPECT_EQ(items[1].row, 2);
  EXPECT_EQ(items[1].line, 2);
  EXPECT_EQ(items[2].fields, (Fields{"next", "y"}));
  EXPECT_EQ(items[2].row, 3);
  EXPECT_EQ(items[2].line, 5);
}

TEST(CsvReader, AcceptsCrlfAndLoneCrLineEnds) {
  const std::vector<Item> crlf = ReadString("a,b\r\n1,\"2\"\r\n3,4");
  ASSERT_EQ(crlf.size(), 3u);
  EXPECT_EQ(crlf[1].fields, (Fields{"1", "2"}));
  EXPECT_EQ(crlf[2].fields, (Fields{"3", "4"}));
  EXPECT_EQ(crlf[2].row, 3);
  EXPECT_EQ(crlf[2].line, 3);
  const std::vector<Item> cr = ReadString("a,b\r1,2\r");
  ASSERT_EQ(cr.size(), 2u);
  EXPECT_EQ(cr[1].fields, (Fields{"1", "2"}));
}

TEST(CsvReader, SkipsAByteOrderMark) {
  const std::vector<Item> items = ReadString("\xEF\xBB\xBFreport_id,hours\nr1,8\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].fields, (Fields{"report_id", "hours"}));
}

TEST(CsvReader, SkipsBlankLinesButCountsThemAsRows) {
  const std::vector<Item> items = ReadString("h\n\n1\r\n\r\n2\n\n");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[1].fields, Fields{"1"});
  EXPECT_EQ(items[1].row, 3);
  EXPECT_EQ(items[2].fields, Fields{"2"});
  EXPECT_EQ(items[2].row, 5);
}

TEST(CsvReader, EmptyInputHasNoRecords) {
  EXPECT_TRUE(ReadString("").empty());
  EXPECT_TRUE(ReadString("\xEF\xBB\xBF").empty());
  EXPECT_TRUE(ReadString("\n\r\n").empty());
}

TEST(CsvReader, RefusesAnUnterminatedQuotedFieldAtTheEnd) {
  const std::vector<Item> items = ReadString("h1,h2\nok,1\nr2,\"abc\ndef\n");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[2].bad);
  EXPECT_EQ(items[2].row, 3);
  EXPECT_EQ(items[2].column, 2);
  EXPECT_EQ(items[2].error,
            "row 3: the input ends inside the quoted field in column 2, which opens on line 3 "
            "(is its closing quote missing?)");
}

TEST(CsvReader, RefusesAQuoteInsideAnUnquotedFieldAndGoesOn) {
  const std::vector<Item> items = ReadString("h1,h2\nab,c\"d\nnext,row\n");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[1].bad);
  EXPECT_EQ(items[1].column, 2);
  EXPECT_EQ(items[1].error,
            "row 2: column 2 has a quote inside an unquoted field (quote the whole field and "
            "double each quote inside it)");
  EXPECT_EQ(items[2].fields, (Fields{"next", "row"}));
  EXPECT_EQ(items[2].row, 3);
}

TEST(CsvReader, RefusesTextAfterAClosingQuoteAndGoesOn) {
  const std::vector<Item> items = ReadString("\"ab\"c,d\r\nnext,row\r\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(items[0].bad);
  EXPECT_EQ(items[0].error,
            "row 1: column 1 has text after the closing quote of its quoted field (a quote "
            "inside a quoted field must be doubled)");
  EXPECT_EQ(items[1].fields, (Fields{"next", "row"}));
  EXPECT_EQ(items[1].row, 2);
}

TEST(CsvReader, RefusesInvalidUtf8NamingRowAndColumn) {
  const std::vector<Item> items = ReadString(
      "name,city\nJos\xC3\xA9,Montr\xC3\xA9"
      "al\n\"a\nb\",\"\xFF\"\nok,caf\xE9\nlast,x\n");
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[1].fields, (Fields{"Jos\xC3\xA9",
                                     "Montr\xC3\xA9"
                                     "al"}));
  EXPECT_TRUE(items[2].bad);
  EXPECT_EQ(items[2].column, 2);
  EXPECT_EQ(items[2].error,
            "row 3: column 2 is not valid UTF-8 (byte 0xFF at position 1); save the file as "
            "UTF-8");
  EXPECT_TRUE(items[3].bad);
  EXPECT_EQ(items[3].error,
            "row 4 (line 5): column 2 is not valid UTF-8 (byte 0xE9 at position 4); save the "
            "file as UTF-8");
  EXPECT_EQ(items[4].fields, (Fields{"last", "x"}));
  EXPECT_EQ(items[4].row, 5);
  EXPECT_EQ(items[4].line, 6);
}

TEST(CsvReader, SaysWhenTheFileLooksLikeUtf16) {
  const std::vector<Item> items = ReadString(std::string("\xFF\xFEh\0i\0\n\0", 8));
  ASSERT_FALSE(items.empty());
  EXPECT_TRUE(items[0].bad);
  EXPECT_EQ(items[0].error,
            "row 1: column 1 is not valid UTF-8 (byte 0xFF at position 1); the file looks like "
            "UTF-16: save it as UTF-8");
}

TEST(CsvReader, FindsInvalidUtf8) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("\xE2\x82\xAC \xF0\x9F\x98\x80"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\xC0\xAF"), 2u);         // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xED\xA0\x80"), 0u);       // surrogate
  EXPECT_EQ(FindInvalidUtf8("x\xF4\x90\x80\x80"), 1u);  // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xE2\x82"), 0u);           // truncated
  EXPECT_EQ(FindInvalidUtf8("a\x80"), 1u);              // stray continuation byte
}

TEST(CsvReader, RefusesARecordOverTheLimitAndGoesOn) {
  CsvOptions options;
  options.max_record_bytes = 10;
  const std::vector<Item> items =
      ReadString("0123456789\n\"0123456\"89\n01234,67890\nok\n", options);
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].fields, Fields{"0123456789"});
  EXPECT_TRUE(items[1].bad);  // the quote error comes first
  EXPECT_TRUE(items[2].bad);
  EXPECT_EQ(items[2].column, 0);
  EXPECT_EQ(items[2].error,
            "row 3: the record is 11 bytes long, more than the 10 a record may hold");
  EXPECT_EQ(items[3].fields, Fields{"ok"});
}

TEST(CsvReader, HugeLineInAFileIsSkippedWithBoundedMemory) {
  TempFile file("huge_line.csv");
  constexpr size_t kHuge = 50 << 20;
  {
    std::FILE* f = std::fopen(file.path().c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("h1,h2\n", f);
    std::string chunk(1 << 20, 'x');
    for (size_t i = 0; i < chunk.size(); i += 1000) chunk[i] = ',';
    for (size_t written = 0; written < kHuge; written += chunk.size()) {
      std::fwrite(chunk.data(), 1, chunk.size(), f);
    }
    std::fputs("\ngood,row\n", f);
    std::fclose(f);
  }
  const auto start = std::chrono::steady_clock::now();
  const int64_t peak_before = PeakRssKiB();
  Result<CsvReader> reader = CsvReader::Open(file.path());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const size_t capacity = reader->buffer_capacity();
  const std::vector<Item> items = ReadAll(*reader);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[1].bad);
  EXPECT_EQ(items[1].row, 2);
  EXPECT_EQ(items[1].error, "row 2: the record is " + std::to_string(kHuge) +
                                " bytes long, more than the 65536 a record may hold");
  EXPECT_EQ(items[2].fields, (Fields{"good", "row"}));
  EXPECT_EQ(items[2].row, 3);
  EXPECT_EQ(items[2].line, 3);
  EXPECT_EQ(reader->buffer_capacity(), capacity);
  EXPECT_LT(capacity, size_t{2} << 20);
  EXPECT_LT(PeakRssKiB() - peak_before, 16 * 1024);  // far less than the 50 MB line
  EXPECT_EQ(reader->bytes_read(), reader->total_bytes());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(CsvReader, HugeQuotedFieldSaysAClosingQuoteMayBeMissing) {
  TempFile file("huge_quote.csv");
  std::string text = "h\n\"opened";
  for (int i = 0; i < 20000; ++i) text += "\nrow,with,data";
  text += "\"\nafter\n";
  file.Write(text);
  CsvOptions options;
  options.read_bytes = 4096;
  Result<CsvReader> reader = CsvReader::Open(file.path(), options);
  ASSERT_TRUE(reader.ok());
  const std::vector<Item> items = ReadAll(*reader);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[1].bad);
  EXPECT_EQ(items[1].error,
            "row 2: the record is 280008 bytes long, more than the 65536 a record may hold; a "
            "quoted field in it runs over 20000 line breaks (is a closing quote missing?)");
  EXPECT_EQ(items[2].fields, Fields{"after"});
  EXPECT_EQ(items[2].row, 3);
  EXPECT_EQ(items[2].line, 20003);
}

TEST(CsvReader, HugeLineInAStringIsRefusedToo) {
  const std::vector<Item> items =
      ReadString("h\n" + std::string(100000, 'y') + "\n" + std::string(100000, ',') + "\nok\n");
  ASSERT_EQ(items.size(), 4u);
  EXPECT_TRUE(items[1].bad);
  EXPECT_EQ(items[2].error,
            "row 3: the record is 100000 bytes long, more than the 65536 a record may hold");
  EXPECT_EQ(items[3].fields, Fields{"ok"});
}

// Writes awkward records with AppendCsvRecord and reads them back through a small buffer, so
// that every kind of field straddles a buffer boundary somewhere.
TEST(CsvReader, ReadsBackWhatAppendCsvRecordWritesAcrossBufferBoundaries) {
  const std::vector<std::string> pieces = {"plain",      "",
                                           "a,b",        "say \"hi\"",
                                           "two\nlines", "crlf\r\ninside",
                                           " pad ",      "\xC3\xA9t\xC3\xA9",
                                           "\"",         "\"\"",
                                           ",",          "x"};
  std::vector<Fields> expected;
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    Fields fields;
    for (int j = 0; j < 1 + i % 7; ++j) fields.push_back(pieces[(i * 7 + j * 3) % pieces.size()]);
    if (fields.size() == 1 && fields[0].empty()) fields[0] = "solo";  // a blank line is no row
    std::vector<std::string_view> views(fields.begin(), fields.end());
    AppendCsvRecord(views, &text);
    expected.push_back(fields);
  }
  TempFile file("round_trip.csv");
  file.Write(text);
  CsvOptions options;
  options.read_bytes = 4096;
  options.max_record_bytes = 1000;
  Result<CsvReader> reader = CsvReader::Open(file.path(), options);
  ASSERT_TRUE(reader.ok());
  const std::vector<Item> items = ReadAll(*reader);
  ASSERT_EQ(items.size(), expected.size());
  for (size_t i = 0; i < items.size(); ++i) {
    ASSERT_FALSE(items[i].bad) << items[i].error;
    ASSERT_EQ(items[i].fields, expected[i]) << "record " << i;
    ASSERT_EQ(items[i].row, static_cast<int64_t>(i) + 1);
  }
  EXPECT_EQ(reader->bytes_read(), static_cast<int64_t>(text.size()));
  EXPECT_EQ(ReadString(text).size(), expected.size());
}

TEST(CsvReader, ReadsFromAStream) {
  std::FILE* stream = std::tmpfile();
  ASSERT_NE(stream, nullptr);
  std::fputs("a,b\n1,2\n", stream);
  std::rewind(stream);
  CsvReader reader = CsvReader::FromFile(stream);
  const std::vector<Item> items = ReadAll(reader);
  std::fclose(stream);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].fields, (Fields{"1", "2"}));
}

TEST(CsvReader, OpenNamesAMissingFile) {
  Result<CsvReader> reader = CsvReader::Open("/nonexistent/reports.csv");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), Code::kIo);
  EXPECT_EQ(reader.status().message(),
            "cannot open '/nonexistent/reports.csv': No such file or directory");
}

TEST(CsvReader, AppendCsvFieldQuotesOnlyWhenNeeded) {
  std::string out;
  AppendCsvField("plain", &out);
  out += '|';
  AppendCsvField("a,b", &out);
  out += '|';
  AppendCsvField("say \"hi\"", &out);
  out += '|';
  AppendCsvField("two\nlines", &out);
  out += '|';
  AppendCsvField(" pad", &out);
  EXPECT_EQ(out, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\" pad\"");
}

// Header mapping (csv/header.h).

Result<CsvHeader> MapHeader(std::string line, std::span<const CsvColumn> columns) {
  CsvReader reader = CsvReader::FromString(std::move(line));
  return CsvHeader::Read(&reader, columns);
}

constexpr CsvColumn kColumns[] = {{"report_id"}, {"hours"}, {"tips", false}, {"work_date"}};

TEST(CsvHeader, MapsColumnsInAnyOrderIgnoringCaseAndSpaces) {
  Result<CsvHeader> header = MapHeader(" Hours ,work_date,REPORT_ID\n", kColumns);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_FALSE(header->has(2));
  EXPECT_EQ(header->names(), (std::vector<std::string>{"hours", "work_date", "report_id"}));
  CsvRecord record;
  record.fields = {"8", "2026-01-02", "r1"};
  EXPECT_EQ(header->Get(record, 0), "r1");
  EXPECT_EQ(header->Get(record, 1), "8");
  EXPECT_EQ(header->Get(record, 2), "");
  EXPECT_FALSE(header->CheckWidth(record).has_value());
  record.fields.pop_back();
  record.row = 9;
  EXPECT_EQ(header->CheckWidth(record),
            (FieldError{9, "", "the row has 2 fields but the header has 3"}));
}

TEST(CsvHeader, NamesEveryProblemWithTheHeader) {
  EXPECT_EQ(MapHeader("report_id,houres,work_date\n", kColumns).status().message(),
            "row 1 (the header): unknown column 'houres' (did you mean 'hours'?)");
  EXPECT_EQ(MapHeader("report_id,work_date\n", kColumns).status().message(),
            "row 1 (the header): missing column 'hours'");
  EXPECT_EQ(MapHeader("report_id,hours,work_date,hours\n", kColumns).status().message(),
            "row 1 (the header): duplicate column 'hours' (columns 2 and 4)");
  EXPECT_EQ(MapHeader("report_id,hours,date\n", kColumns).status().message(),
            "row 1 (the header): unknown column 'date' (did you mean 'work_date'?)");
  EXPECT_EQ(MapHeader("report_id,hours,work_date,,colour\n", kColumns).status().message(),
            "row 1 (the header): column 4 has no name; unknown column 'colour' (the columns are "
            "report_id,hours,tips,work_date)");
  EXPECT_EQ(MapHeader("", kColumns).status().message(),
            "the file is empty: expected a header row with the columns "
            "report_id,hours,tips,work_date");
  EXPECT_EQ(MapHeader("report_id,ho\"urs\n", kColumns).status().message(),
            "row 1: column 2 has a quote inside an unquoted field (quote the whole field and "
            "double each quote inside it) (in the header)");
}

}  // namespace
}  // namespace accrue
