// CSV columns and row errors: what the CSV formats (work reports, registry imports) share.
//
// A format names its columns, some of them optional. CsvHeader maps a file's header row to
// them: the header may list them in any order; a name matches ignoring ASCII case and
// surrounding spaces. A header with a missing required column, an unknown column (with the
// closest expected name suggested), a duplicate or an empty name is refused as a whole, with
// every problem named in one message, since no row of such a file can be read reliably.
//
// Each bad value in a data row becomes a FieldError {row, field, message}. Messages name the
// field and quote the value ("hours '-1' must not be negative"), so they read on their own
// in a rejects file or a log line.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "csv/csv_reader.h"

namespace accrue {

struct CsvColumn {
  std::string_view name;  // lower case, as the header should spell it
  bool required = true;   // an optional column may be absent from the header
};

struct FieldError {
  int64_t row = 0;
  std::string field;    // the column at fault; empty when it is the whole row
  std::string message;  // names the field and the value

  std::string ToString() const;  // "row 7: hours '-1' must not be negative"
  friend bool operator==(const FieldError&, const FieldError&) = default;
};
std::ostream& operator<<(std::ostream& os, const FieldError& error);  // for test failures

class CsvHeader {
 public:
  // Maps `header` (a record read as the header row) to `columns`.
  static Result<CsvHeader> Map(const CsvRecord& header, std::span<const CsvColumn> columns);
  // Reads the first record of `reader` and maps it; an empty input is an error that says
  // which header was expected.
  static Result<CsvHeader> Read(CsvReader* reader, std::span<const CsvColumn> columns);

  // Whether expected column `column` (an index into the `columns` given) is in the file.
  bool has(size_t column) const { return positions_[column] >= 0; }
  // The value of expected column `column` in `record`, or "" when the file lacks the column.
  // The record must have passed CheckWidth.
  std::string_view Get(const CsvRecord& record, size_t column) const {
    const int position = positions_[column];
    return position < 0 ? std::string_view() : record.fields[static_cast<size_t>(position)];
  }
  // The file's columns in file order, spelled as the format spells them.
  const std::vector<std::string>& names() const { return names_; }
  size_t width() const { return names_.size(); }

  // An error unless `record` has one field per header column.
  std::optional<FieldError> CheckWidth(const CsvRecord& record) const;
  // A reader's refusal of a record, with the column at fault named.
  FieldError ToFieldError(const CsvError& error) const;

 private:
  std::vector<int> positions_;      // file position of each expected column, -1 if absent
  std::vector<std::string> names_;  // expected names in file order
};

// The expected column names joined by commas, as a header line would hold them.
std::string JoinColumnNames(std::span<const CsvColumn> columns);

// The expected name closest to `name` (by edit distance, or containing it), or "" when none
// is close enough to be a likely misspelling.
std::string_view ClosestColumnName(std::string_view name, std::span<const CsvColumn> columns);

// Collects the field errors of one row.
class RowErrors {
 public:
  RowErrors(int64_t row, std::vector<FieldError>* errors) : row_(row), errors_(errors) {}

  // Records `status` against `field` if it is an error. A message that does not begin with
  // the field's name gets it as a prefix: "work_date '2026-02-30' is not a real calendar
  // date". Returns status.ok().
  bool Check(std::string_view field, const Status& status);
  void Add(std::string_view field, std::string message);
  bool ok() const { return count_ == 0; }

 private:
  int64_t row_;
  std::vector<FieldError>* errors_;
  int count_ = 0;
};

// The value as messages show it: quoted, cut to 40 bytes: 'abc'.
std::string QuoteValue(std::string_view text);

// A whole number in [0, max] such as a job count: "jobs '1.5' is not a whole number".
Result<int64_t> ParseCount(std::string_view field, std::string_view text, int64_t max);

// Free text such as a person's name: not blank, at most `max_bytes`, no control characters.
Status ValidateText(std::string_view field, std::string_view text, size_t max_bytes);

}  // namespace accrue
