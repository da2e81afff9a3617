// The work-report CSV format: reading rows into WorkReports, writing reports as rows, and the
// rejects file that answers the bad rows of an upload.
//
// Header (any order; tips, sector and replaces may be absent):
//   report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,tips,jobs,
//   classification,sector,replaces
// Fields:
//   report_id, hiring_entity  ids (ValidateId)
//   worker                    account number with a valid check digit, dashes optional
//   work_date                 YYYY-MM-DD, a real calendar date
//   jurisdiction              a jurisdiction code such as US-WA-SEATTLE
//   hours                     0 to 24 (kMaxReportHours), at most 4 decimals
//   earnings, tips            dollars, 0 to kMaxReportEarnings, at most 4 decimals; tips may
//                             be empty (0)
//   jobs                      a whole number, 0 to kMaxReportJobs; empty means 0
//   classification            1099 or W2
//   sector                    empty (the entity's sector) or a sector name
//   replaces                  empty or the report id this one corrects (not its own id)
// A row is accepted whole or refused whole: every bad field of a refused row is reported, each
// as a FieldError naming the row, the column and the value.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "csv/csv_reader.h"
#include "csv/header.h"
#include "domain/domain.h"

namespace accrue {

// The columns in canonical order.
std::span<const CsvColumn> ReportCsvColumns();

// Parses one data row of a file whose header is `header`. Returns true with *report filled
// in, or false after appending one error per bad field to *errors (*report is then partly
// written and must not be used).
bool ParseReportRow(const CsvHeader& header, const CsvRecord& record, WorkReport* report,
                    std::vector<FieldError>* errors);

// Reads a work-report CSV: the header first, then one report or one refusal per row.
class ReportCsvReader {
 public:
  enum class Step {
    kReport,    // the report argument holds the row's report
    kRejected,  // the row was refused: see errors() and fields()
    kEnd,
  };

  // Reads and maps the header; refuses an empty file or a header that does not match.
  static Result<ReportCsvReader> Open(CsvReader reader);

  // Reads the next row. An error Status means the input could not be read.
  Result<Step> Next(WorkReport* report);
  // The errors of the row just refused (at least one).
  const std::vector<FieldError>& errors() const { return errors_; }
  // The fields of the row just read, as in the file; empty if the row could not be split into
  // fields (bad quoting, bad UTF-8, too long). Valid until the next call to Next().
  std::span<const std::string_view> fields() const { return record_.fields; }
  int64_t row() const { return record_.row; }
  const CsvHeader& header() const { return header_; }
  int64_t bytes_read() const { return reader_.bytes_read(); }
  int64_t total_bytes() const { return reader_.total_bytes(); }

 private:
  ReportCsvReader(CsvReader reader, CsvHeader header)
      : reader_(std::move(reader)), header_(std::move(header)) {}

  CsvReader reader_;
  CsvHeader header_;
  CsvRecord record_;
  std::vector<FieldError> errors_;
};

// "report_id,hiring_entity,...,replaces\n"
std::string ReportCsvHeaderLine();
// Appends `report` as one row in canonical column order, ending in LF. Any report that
// ParseReportRow accepted reads back equal.
void AppendReportCsvRow(const WorkReport& report, std::string* out);

// The header of a rejects file: "row,field,reason" and then the input's columns, LF-ended.
std::string RejectsCsvHeaderLine(std::span<const std::string> input_columns);
// Appends one rejects row per error: its row, field and message, then the row's original
// `fields` (none when the row could not be split into fields).
void AppendRejectsCsvRows(std::span<const FieldError> errors,
                          std::span<const std::string_view> fields, std::string* out);

}  // namespace accrue
