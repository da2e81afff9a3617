// A streaming RFC 4180 CSV reader, and the matching field writer.
//
// Contract:
//   - Fields are separated by commas and records by LF, CRLF or a lone CR. A field may be
//     quoted; a quoted field may hold commas, line breaks and quotes written as "".
//   - An optional UTF-8 byte order mark at the start is skipped. Every field must be valid
//     UTF-8; a record that is not is reported with its row and column.
//   - Blank lines are skipped but counted, so row numbers match what a spreadsheet shows:
//     the header is row 1 and the first data row is row 2. A record whose quoted field holds
//     line breaks is one row; `line` is the physical line on which a record starts.
//   - A malformed record (a quote inside an unquoted field, text after a closing quote, bad
//     UTF-8, more than `max_record_bytes`) is reported as kBadRecord with error() naming the
//     row, and the reader moves on to the next record: the caller may keep reading. A record
//     that is too long is skipped without being buffered, so memory stays bounded by the
//     buffer whatever the input. After a quote error the rest of that physical line is
//     skipped. An unterminated quoted field at end of input is a bad record, then kEnd.
//   - Only I/O failures are returned as a Status error; they end the reading.
//
// The field views of a CsvRecord point into the reader's buffer and are valid until the next
// call to Next(). Unquoted fields are never copied; quoted ones are unescaped in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace accrue {

struct CsvOptions {
  // A record longer than this (in bytes, quotes included, line break excluded) is refused.
  size_t max_record_bytes = size_t{64} * 1024;
  // How much is read from a file at a time. The buffer holds this plus max_record_bytes.
  size_t read_bytes = 1 << 20;
};

struct CsvRecord {
  int64_t row = 0;   // record number as a spreadsheet shows it: the header is row 1
  int64_t line = 0;  // physical line (1-based) on which the record starts
  std::vector<std::string_view> fields;

  size_t size() const { return fields.size(); }
  std::string_view operator[](size_t i) const { return fields[i]; }
};

// Why one record was refused.
struct CsvError {
  int64_t row = 0;
  int64_t line = 0;
  int column = 0;       // 1-based column at fault, or 0 when it is the whole record
  std::string message;  // names the column itself: "column 3 is not valid UTF-8 (...)"

  std::string ToString() const;  // "row 7 (line 9): column 3 is not valid UTF-8 (...)"
};

enum class CsvRead {
  kRecord,     // the record argument holds the next record
  kBadRecord,  // a record was refused (see error()); call Next() again for the following one
  kEnd,        // no more records
};

class CsvReader {
 public:
  // Reads the file at `path`; fails if it cannot be opened.
  static Result<CsvReader> Open(const std::string& path, CsvOptions options = {});
  // Reads from an open stream (such as stdin), which the caller closes after the reader.
  static CsvReader FromFile(std::FILE* file, CsvOptions options = {});
  // Reads an in-memory text, such as an HTTP request body.
  static CsvReader FromString(std::string text, CsvOptions options = {});

  CsvReader(CsvReader&&) noexcept = default;
  CsvReader& operator=(CsvReader&&) noexcept = default;

  // Reads the next record into `record` (whose field storage is reused). An error Status
  // means the input could not be read; it is final.
  Result<CsvRead> Next(CsvRecord* record);
  // The refused record after Next() returned kBadRecord.
  const CsvError& error() const { return error_; }

  // Bytes of input consumed so far, and the total if known (a regular file or a string;
  // otherwise -1): enough for a progress bar.
  int64_t bytes_read() const { return static_cast<int64_t>(offset_ + pos_); }
  int64_t total_bytes() const { return total_bytes_; }
  // The memory the reader holds for input, which no input makes grow.
  size_t buffer_capacity() const { return buf_.capacity(); }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  struct Span {
    size_t offset;  // from the start of the record
    size_t size;
  };
  enum class FieldEnd { kComma, kLineEnd, kEof, kError };

  CsvReader(std::FILE* file, CsvOptions options);
  explicit CsvReader(std::string text, CsvOptions options);

  bool Fill();
  void SkipByteOrderMark();
  bool SkipBlankLines();
  CsvRead ParseRecord(CsvRecord* record);
  FieldEnd ParseUnquoted();
  FieldEnd ParseQuoted();
  FieldEnd EndField(char terminator);
  void EndLine(char terminator);
  void SkipRestOfLine();
  void PushSpan(size_t offset, size_t size);
  int next_column() const { return static_cast<int>(field_count_) + 1; }  // 1-based
  CsvRead Refuse(int column, std::string message);
  CsvRead FinishRecord(CsvRecord* record);

  std::unique_ptr<std::FILE, FileCloser> owned_file_;
  std::FILE* file_ = nullptr;  // null when reading a string
  CsvOptions options_;
  std::string buf_;            // input window; data is [0, end_)
  size_t end_ = 0;             // end of the data in buf_
  size_t pos_ = 0;             // next byte to parse
  size_t begin_ = 0;           // start of the record being parsed
  size_t record_end_ = 0;      // where the last field of the record ended (before its line break)
  uint64_t offset_ = 0;        // input offset of buf_[0]
  uint64_t record_start_ = 0;  // input offset of the record being parsed
  int64_t record_line_ = 0;
  int64_t quoted_breaks_ = 0;  // line breaks inside the quoted fields of the record
  size_t field_count_ = 0;     // fields of the record completed so far
  int64_t total_bytes_ = -1;
  int64_t row_ = 0;   // the last row number given out (blank lines included)
  int64_t line_ = 1;  // the physical line pos_ is on
  bool source_done_ = false;
  bool started_ = false;
  bool finished_ = false;
  bool utf16_ = false;  // the input starts with a UTF-16 byte order mark
  bool after_cr_ = false;
  bool keep_ = true;   // false while skipping a record that is too long
  bool high_ = false;  // the record holds bytes >= 0x80 and needs a UTF-8 check
  std::vector<Span> spans_;
  CsvError error_;
  Status io_error_;
};

// The offset of the first byte of `text` that does not begin a valid UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF are invalid), or npos if all is valid.
size_t FindInvalidUtf8(std::string_view text);

// Appends `value` as one RFC 4180 field: quoted (with quotes doubled) when it holds a comma,
// quote, CR or LF, or starts or ends with a space; as is otherwise.
void AppendCsvField(std::string_view value, std::string* out);
// Appends the fields joined by commas and a terminating LF.
void AppendCsvRecord(std::span<const std::string_view> fields, std::string* out);

}  // namespace accrue
