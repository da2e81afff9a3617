#include "csv/header.h"

#include <algorithm>
#include <ostream>

namespace accrue {
namespace {

std::string Normalized(std::string_view raw) {
  const size_t first = raw.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  const size_t last = raw.find_last_not_of(" \t");
  std::string name(raw.substr(first, last - first + 1));
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return name;
}

// Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`: the optimal
// string alignment distance.
size_t EditDistance(std::string_view a, std::string_view b) {
  const size_t width = b.size() + 1;
  std::vector<size_t> d((a.size() + 1) * width);
  for (size_t i = 0; i <= a.size(); ++i) d[i * width] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t replace = d[(i - 1) * width + j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      size_t best = std::min({d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1, replace});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        best = std::min(best, d[(i - 2) * width + j - 2] + 1);
      }
      d[i * width + j] = best;
    }
  }
  return d.back();
}

// How many edits a misspelling of a name this long may plausibly hold.
size_t EditBudget(size_t length) { return length <= 4 ? 1 : length <= 8 ? 2 : 3; }

std::string Position(int zero_based) { return std::to_string(zero_based + 1); }

}  // namespace

std::string FieldError::ToString() const { return "row " + std::to_string(row) + ": " + message; }

std::ostream& operator<<(std::ostream& os, const FieldError& error) {
  return os << "{" << error.row << ", " << error.field << ", " << error.message << "}";
}

std::string JoinColumnNames(std::span<const CsvColumn> columns) {
  std::string joined;
  for (const CsvColumn& column : columns) {
    if (!joined.empty()) joined += ',';
    joined += column.name;
  }
  return joined;
}

std::string_view ClosestColumnName(std::string_view name, std::span<const CsvColumn> columns) {
  std::string_view best;
  size_t best_distance = EditBudget(name.size()) + 1;
  for (const CsvColumn& column : columns) {
    const size_t distance = EditDistance(name, column.name);
    if (distance < best_distance) {
      best = column.name;
      best_distance = distance;
    }
  }
  if (!best.empty() || name.size() < 3) return best;
  for (const CsvColumn& column : columns) {  // "date" for "work_date", "entity" for ...
    if (column.name.find(name) != std::string_view::npos ||
        name.find(column.name) != std::string_view::npos) {
      return column.name;
    }
  }
  return best;
}

Result<CsvHeader> CsvHeader::Map(const CsvRecord& header, std::span<const CsvColumn> columns) {
  CsvHeader mapped;
  mapped.positions_.assign(columns.size(), -1);
  std::vector<std::string> problems;
  std::vector<std::string> unknown;
  for (size_t i = 0; i < header.size(); ++i) {
    const int position = static_cast<int>(i);
    const std::string name = Normalized(header[i]);
    const auto it = std::find_if(columns.begin(), columns.end(),
                                 [&](const CsvColumn& c) { return c.name == name; });
    if (name.empty()) {
      problems.push_back("column " + Position(position) + " has no name");
    } else if (it == columns.end()) {
      unknown.push_back(std::string(header[i]));
    } else if (int& known = mapped.positions_[static_cast<size_t>(it - columns.begin())];
               known >= 0) {
      problems.push_back("duplicate column '" + name + "' (columns " + Position(known) + " and " +
                         Position(position) + ")");
    } else {
      known = position;
    }
    mapped.names_.push_back(name);
  }
  std::vector<bool> explained(columns.size(), false);
  for (const std::string& name : unknown) {
    const std::string_view guess = ClosestColumnName(Normalized(name), columns);
    if (guess.empty()) {
      problems.push_back("unknown column " + QuoteValue(name) + " (the columns are " +
                         JoinColumnNames(columns) + ")");
      continue;
    }
    problems.push_back("unknown column " + QuoteValue(name) + " (did you mean '" +
                       std::string(guess) + "'?)");
    for (size_t j = 0; j < columns.size(); ++j) {
      if (columns[j].name == guess) explained[j] = true;
    }
  }
  for (size_t j = 0; j < columns.size(); ++j) {
    if (columns[j].required && mapped.positions_[j] < 0 && !explained[j]) {
      problems.push_back("missing column '" + std::string(columns[j].name) + "'");
    }
  }
  if (problems.empty()) return mapped;
  std::string message = "row " + std::to_string(header.row) + " (the header): ";
  for (size_t i = 0; i < problems.size(); ++i) message += (i > 0 ? "; " : "") + problems[i];
  return Status::Invalid(message);
}

Result<CsvHeader> CsvHeader::Read(CsvReader* reader, std::span<const CsvColumn> columns) {
  CsvRecord header;
  ASSIGN_OR_RETURN(const CsvRead read, reader->Next(&header));
  if (read == CsvRead::kEnd) {
    return Status::Invalid("the file is empty: expected a header row with the columns " +
                           JoinColumnNames(columns));
  }
  if (read == CsvRead::kBadRecord) {
    return Status::Invalid(reader->error().ToString() + " (in the header)");
  }
  return Map(header, columns);
}

std::optional<FieldError> CsvHeader::CheckWidth(const CsvRecord& record) const {
  if (record.size() == width()) return std::nullopt;
  return FieldError{record.row, "",
                    "the row has " + std::to_string(record.size()) + " field" +
                        (record.size() == 1 ? "" : "s") + " but the header has " +
                        std::to_string(width())};
}

FieldError CsvHeader::ToFieldError(const CsvError& error) const {
  const bool named = error.column > 0 && static_cast<size_t>(error.column) <= names_.size();
  return FieldError{error.row, named ? names_[static_cast<size_t>(error.column - 1)] : "",
                    error.message};
}

bool RowErrors::Check(std::string_view field, const Status& status) {
  if (status.ok()) return true;
  const std::string& message = status.message();
  const bool named = message.size() > field.size() && message.starts_with(field) &&
                     (message[field.size()] == ' ' || message[field.size()] == ':');
  Add(field, named ? message : std::string(field) + " " + message);
  return false;
}

void RowErrors::Add(std::string_view field, std::string message) {
  errors_->push_back(FieldError{row_, std::string(field), std::move(message)});
  ++count_;
}

std::string QuoteValue(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  if (text.size() <= kMaxShown) return "'" + std::string(text) + "'";
  size_t cut = kMaxShown;  // back off to the start of a UTF-8 sequence
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(text.substr(0, cut)) + "...'";
}

Result<int64_t> ParseCount(std::string_view field, std::string_view text, int64_t max) {
  const std::string name(field);
  if (text.empty()) return Status::Invalid(name + " is empty");
  const bool negative = text[0] == '-';
  const std::string_view digits = negative ? text.substr(1) : text;
  int64_t value = 0;
  bool whole = !digits.empty() && digits.size() <= 18;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      whole = false;
      break;
    }
    value = value * 10 + (c - '0');
  }
  if (!whole) return Status::Invalid(name + " " + QuoteValue(text) + " is not a whole number");
  if (negative && value != 0) {
    return Status::Invalid(name + " " + QuoteValue(text) + " must not be negative");
  }
  if (value > max) {
    return Status::Invalid(name + " " + QuoteValue(text) + " is more than " + std::to_string(max));
  }
  return value;
}

Status ValidateText(std::string_view field, std::string_view text, size_t max_bytes) {
  const std::string name(field);
  if (text.find_first_not_of(' ') == std::string_view::npos) {
    return Status::Invalid(name + " is empty");
  }
  if (text.size() > max_bytes) {
    return Status::Invalid(name + " " + QuoteValue(text) + " is longer than " +
                           std::to_string(max_bytes) + " bytes");
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return Status::Invalid(name + " " + QuoteValue(text) +
                             " holds a control character (such as a line break or tab)");
    }
  }
  return Status::Ok();
}

}  // namespace accrue
