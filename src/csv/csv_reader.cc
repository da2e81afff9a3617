#include "csv/csv_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace accrue {
namespace {

// The bytes a field scanner passes over without a second look. Everything else (the
// delimiters, quotes, line breaks and bytes >= 0x80 that need a UTF-8 check) stops it.
constexpr std::array<bool, 256> PlainBytes(bool quoted) {
  std::array<bool, 256> plain{};
  for (int c = 0; c < 0x80; ++c) plain[c] = true;
  plain['"'] = false;
  plain['\n'] = false;
  if (!quoted) {
    plain[','] = false;
    plain['\r'] = false;
  }
  return plain;
}
constexpr std::array<bool, 256> kUnquotedPlain = PlainBytes(false);
constexpr std::array<bool, 256> kQuotedPlain = PlainBytes(true);

unsigned char Byte(char c) { return static_cast<unsigned char>(c); }

std::string Hex(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

std::string Column(int column) { return "column " + std::to_string(column); }

}  // namespace

std::string CsvError::ToString() const {
  std::string where = "row " + std::to_string(row);
  if (line != row) where += " (line " + std::to_string(line) + ")";
  return where + ": " + message;
}

Result<CsvReader> CsvReader::Open(const std::string& path, CsvOptions options) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Status::Io("cannot open '" + path + "': " + std::strerror(errno));
  CsvReader reader(file, options);
  reader.owned_file_.reset(file);
  return reader;
}

CsvReader CsvReader::FromFile(std::FILE* file, CsvOptions options) {
  return CsvReader(file, options);
}

CsvReader CsvReader::FromString(std::string text, CsvOptions options) {
  return CsvReader(std::move(text), options);
}

CsvReader::CsvReader(std::FILE* file, CsvOptions options) : file_(file), options_(options) {
  options_.read_bytes = std::max<size_t>(options_.read_bytes, 4096);
  buf_.resize(options_.read_bytes + options_.max_record_bytes);
  struct stat st;
  if (fstat(fileno(file), &st) == 0 && S_ISREG(st.st_mode)) total_bytes_ = st.st_size;
}

CsvReader::CsvReader(std::string text, CsvOptions options)
    : options_(options), buf_(std::move(text)) {
  end_ = buf_.size();
  total_bytes_ = static_cast<int64_t>(end_);
  source_done_ = true;
}

// Makes more input available at end_, keeping the record being parsed (from begin_) unless
// it is being skipped. Returns false at the end of the input or on a read error.
bool CsvReader::Fill() {
  if (source_done_) return false;
  if (keep_ && end_ - begin_ > options_.max_record_bytes) keep_ = false;
  const size_t drop = keep_ ? begin_ : pos_;
  if (drop > 0) {
    std::memmove(buf_.data(), buf_.data() + drop, end_ - drop);
    offset_ += drop;
    end_ -= drop;
    pos_ -= drop;
    begin_ -= std::min(begin_, drop);
  }
  const size_t n = std::fread(buf_.data() + end_, 1, buf_.size() - end_, file_);
  if (n == 0) {
    if (std::ferror(file_)) {
      io_error_ = Status::Io(std::string("cannot read the input: ") + std::strerror(errno));
    }
    source_done_ = true;
    return false;
  }
  end_ += n;
  return true;
}

void CsvReader::SkipByteOrderMark() {
  while (end_ < 3 && Fill()) {
  }
  const auto* b = reinterpret_cast<const unsigned char*>(buf_.data());
  if (end_ >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
    pos_ = 3;
  } else if (end_ >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
    utf16_ = true;
  }
}

// Passes over blank lines (counting them as rows) and the LF of a CRLF. Returns whether a
// record starts at pos_.
bool CsvReader::SkipBlankLines() {
  for (;;) {
    begin_ = pos_;
    keep_ = true;
    if (pos_ == end_ && !Fill()) return false;
    const char c = buf_[pos_];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') {
        ++pos_;
        continue;
      }
    }
    if (c != '\n' && c != '\r') return true;
    ++pos_;
    ++row_;
    EndLine(c);
  }
}

Result<CsvRead> CsvReader::Next(CsvRecord* record) {
  record->fields.clear();
  if (!started_) {
    started_ = true;
    SkipByteOrderMark();
  }
  if (finished_ || !SkipBlankLines()) {
    finished_ = true;
    if (!io_error_.ok()) return io_error_;
    return CsvRead::kEnd;
  }
  ++row_;
  record->row = row_;
  record->line = record_line_ = line_;
  record_start_ = offset_ + begin_;
  quoted_breaks_ = 0;
  field_count_ = 0;
  spans_.clear();
  high_ = false;
  const CsvRead result = ParseRecord(record);
  if (!io_error_.ok()) return io_error_;
  return result;
}

CsvRead CsvReader::ParseRecord(CsvRecord* record) {
  for (;;) {
    if (pos_ == end_) Fill();
    const bool quoted = pos_ < end_ && buf_[pos_] == '"';
    switch (quoted ? ParseQuoted() : ParseUnquoted()) {
      case FieldEnd::kComma:
        break;
      case FieldEnd::kLineEnd:
      case FieldEnd::kEof:
        return FinishRecord(record);
      case FieldEnd::kError:
        return CsvRead::kBadRecord;
    }
  }
}

CsvReader::FieldEnd CsvReader::ParseUnquoted() {
  const size_t start = pos_ - begin_;
  for (;;) {
    const char* b = buf_.data();
    const size_t e = end_;
    size_t p = pos_;
    while (p < e && kUnquotedPlain[Byte(b[p])]) ++p;
    pos_ = p;
    if (p == e) {
      if (Fill()) continue;
      PushSpan(start, pos_ - begin_ - start);
      record_end_ = pos_;
      return FieldEnd::kEof;
    }
    const char c = b[p];
    if (Byte(c) >= 0x80) {
      high_ = true;
      ++pos_;
      continue;
    }
    if (c == '"') {
      Refuse(next_column(), Column(next_column()) +
                                " has a quote inside an unquoted field (quote the whole field and "
                                "double each quote inside it)");
      SkipRestOfLine();
      return FieldEnd::kError;
    }
    PushSpan(start, p - begin_ - start);
    return EndField(c);
  }
}

// Reads a quoted field from its opening quote, writing its unescaped text over the input
// from the byte after the opening quote (the text only ever shrinks).
CsvReader::FieldEnd CsvReader::ParseQuoted() {
  const int64_t open_line = line_;
  ++pos_;
  const size_t start = pos_ - begin_;
  size_t out = start;  // where the next unescaped byte goes, from begin_
  for (;;) {
    char* b = buf_.data();
    const size_t e = end_;
    size_t p = pos_;
    if (keep_ && out != p - begin_) {
      char* w = b + begin_ + out;
      while (p < e && kQuotedPlain[Byte(b[p])]) *w++ = b[p++];
      out = static_cast<size_t>(w - (b + begin_));
    } else {
      const size_t from = p;
      while (p < e && kQuotedPlain[Byte(b[p])]) ++p;
      out += p - from;
    }
    pos_ = p;
    if (p == e) {
      if (Fill()) continue;
      finished_ = true;
      Refuse(next_column(), "the input ends inside the quoted field in " + Column(next_column()) +
                                ", which opens on line " + std::to_string(open_line) +
                                " (is its closing quote missing?)");
      return FieldEnd::kError;
    }
    const char c = b[p];
    ++pos_;
    if (c == '"') {
      if (pos_ == end_ && !Fill()) {
        PushSpan(start, out - start);
        record_end_ = pos_;
        return FieldEnd::kEof;
      }
      const char next = buf_[pos_];
      if (next == '"') {
        if (keep_) buf_[begin_ + out] = '"';
        ++out;
        ++pos_;
        continue;
      }
      if (next != ',' && next != '\n' && next != '\r') {
        Refuse(next_column(), Column(next_column()) +
                                  " has text after the closing quote of its quoted field (a quote "
                                  "inside a quoted field must be doubled)");
        SkipRestOfLine();
        return FieldEnd::kError;
      }
      PushSpan(start, out - start);
      return EndField(next);
    }
    if (c == '\n') {
      ++line_;
      ++quoted_breaks_;
    } else {
      high_ = true;
    }
    if (keep_) buf_[begin_ + out] = c;
    ++out;
  }
}

// Consumes the comma or line break at pos_ that ends a field.
CsvReader::FieldEnd CsvReader::EndField(char terminator) {
  record_end_ = pos_;
  ++pos_;
  if (terminator == ',') return FieldEnd::kComma;
  EndLine(terminator);
  return FieldEnd::kLineEnd;
}

void CsvReader::EndLine(char terminator) {
  ++line_;
  after_cr_ = terminator == '\r';
}

void CsvReader::SkipRestOfLine() {
  keep_ = false;
  for (;;) {
    const char* b = buf_.data();
    for (size_t p = pos_; p < end_; ++p) {
      if (b[p] == '\n' || b[p] == '\r') {
        pos_ = p + 1;
        EndLine(b[p]);
        return;
      }
    }
    pos_ = end_;
    if (!Fill()) return;
  }
}

void CsvReader::PushSpan(size_t offset, size_t size) {
  ++field_count_;
  if (!keep_) return;
  // Fill() notices a long record only when it reads more; a string input never does. Stop
  // keeping fields here too, so that a long record of many fields cannot grow spans_.
  if (pos_ - begin_ > options_.max_record_bytes) {
    keep_ = false;
    return;
  }
  spans_.push_back(Span{offset, size});
}

CsvRead CsvReader::Refuse(int column, std::string message) {
  error_.row = row_;
  error_.line = record_line_;
  error_.column = column;
  error_.message = std::move(message);
  return CsvRead::kBadRecord;
}

CsvRead CsvReader::FinishRecord(CsvRecord* record) {
  const uint64_t size = offset_ + record_end_ - record_start_;
  if (!keep_ || size > options_.max_record_bytes) {
    std::string message = "the record is " + std::to_string(size) + " bytes long, more than the " +
                          std::to_string(options_.max_record_bytes) + " a record may hold";
    if (quoted_breaks_ > 0) {
      message += "; a quoted field in it runs over " + std::to_string(quoted_breaks_) +
                 " line breaks (is a closing quote missing?)";
    }
    return Refuse(0, std::move(message));
  }
  const char* base = buf_.data() + begin_;
  if (high_) {
    for (size_t i = 0; i < spans_.size(); ++i) {
      const std::string_view field(base + spans_[i].offset, spans_[i].size);
      const size_t bad = FindInvalidUtf8(field);
      if (bad == std::string_view::npos) continue;
      const int col = static_cast<int>(i) + 1;
      return Refuse(col, Column(col) + " is not valid UTF-8 (byte " + Hex(Byte(field[bad])) +
                             " at position " + std::to_string(bad + 1) + "); " +
                             (utf16_ ? "the file looks like UTF-16: save it as UTF-8"
                                     : "save the file as UTF-8"));
    }
  }
  record->fields.reserve(spans_.size());
  for (const Span& span : spans_) record->fields.emplace_back(base + span.offset, span.size);
  return CsvRead::kRecord;
}

size_t FindInvalidUtf8(std::string_view text) {
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = Byte(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char cont = Byte(text[i + k]);
      if ((cont & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cont & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

void AppendCsvField(std::string_view value, std::string* out) {
  bool quote = !value.empty() && (value.front() == ' ' || value.back() == ' ');
  for (size_t i = 0; i < value.size() && !quote; ++i) {
    const char c = value[i];
    quote = c == ',' || c == '"' || c == '\n' || c == '\r';
  }
  if (!quote) {
    out->append(value);
    return;
  }
  out->push_back('"');
  for (char c : value) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvRecord(std::span<const std::string_view> fields, std::string* out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendCsvField(fields[i], out);
  }
  out->push_back('\n');
}

}  // namespace accrue
