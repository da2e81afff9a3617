// Work reports in the API's JSON: reading a report object (with exactly the checks and
// messages of the work-report CSV, so both intake paths refuse the same things the same way)
// and writing reports, outcomes and the legs behind them.
//
// Decimal fields (hours, earnings, tips) are JSON strings ("3.25") or numbers; a number is
// read back from its shortest round-trip form, which is the decimal as written for any value
// with at most 15 significant digits, so 84.5 is exactly 84.5 — never a binary approximation.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "api/http.h"
#include "csv/header.h"
#include "ingest/ingestor.h"
#include "nlohmann/json.hpp"

namespace accrue::api {

// A JSON object laid out as a row of a CSV format with `columns`, so that the format's own
// row parser checks it: every key must be a column (an unknown key is an error naming the
// closest column), every value a string, a number or null (empty). `cells` holds the text the
// record's fields point into. Errors are appended with `row` as their row.
struct JsonRecord {
  std::vector<std::string> cells;
  CsvRecord record;
};
bool ReadJsonRecord(const nlohmann::json& j, std::span<const CsvColumn> columns, int64_t row,
                    JsonRecord* out, std::vector<FieldError>* errors);
// A header listing `columns` in their own order, for reading JsonRecords.
CsvHeader CanonicalHeader(std::span<const CsvColumn> columns);

// Reads one report sent by hiring entity `entity` (the caller's party; a `hiring_entity` in
// the object must name it). `index` is its position in a batch (-1 for a single report);
// errors name the JSON pointer `pointer_prefix` + "/" + field.
IncomingReport ReportFromJson(const nlohmann::json& j, const std::string& entity, int64_t index);

nlohmann::json ReportToJson(const WorkReport& r);
nlohmann::json LegsToJson(const Entry& e);
// A report's outcome as JSON text: the report, its outcome, notes, and the legs behind it (the
// object ReportToJson and LegsToJson make, written directly: it is every single report's
// answer).
std::string ResultJson(const ReportResult& r);
nlohmann::json StoredEntryToJson(const StoredEntry& e);
// The answer to a batch that was recorded, as JSON text: how many reports had each outcome, each
// report's outcome, id and notes (by its index in a JSON batch, or its row in a CSV one), and
// the refused reports' problems. Written directly: a tree per report was a tenth of the
// server's work beside the batch's writes.
std::string BatchJson(const std::vector<ReportResult>& results, bool from_csv,
                      const std::vector<FieldProblem>& refused);

// Field errors of report `index` ("/field" or "/reports/3/field") as problems.
std::vector<FieldProblem> ToProblems(const std::vector<FieldError>& errors, int64_t index,
                                     bool from_csv);

}  // namespace accrue::api
