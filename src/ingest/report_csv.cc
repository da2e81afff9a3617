#include "ingest/report_csv.h"

#include <array>

#include "base/ids.h"

namespace accrue {
namespace {

// Indexes into kColumns.
enum Column : size_t {
  kReportId,
  kHiringEntity,
  kWorker,
  kWorkDate,
  kJurisdiction,
  kHours,
  kEarnings,
  kTips,
  kJobs,
  kClassification,
  kSector,
  kReplaces,
};

constexpr std::array<CsvColumn, 12> kColumns = {{
    {"report_id"},
    {"hiring_entity"},
    {"worker"},
    {"work_date"},
    {"jurisdiction"},
    {"hours"},
    {"earnings"},
    {"tips", false},
    {"jobs"},
    {"classification"},
    {"sector", false},
    {"replaces", false},
}};

std::string_view Name(Column column) { return kColumns[column].name; }

// Parses a non-negative Hours or Money of at most 4 decimals and at most `max` units.
template <typename Amount>
bool ParseAmount(RowErrors* row, Column column, std::string_view text, int64_t max, Amount* out) {
  const std::string name(Name(column));
  if (text.empty()) {
    row->Add(name, name + " is empty");
    return false;
  }
  Result<Amount> amount = Amount::Parse(text, 4);
  if (!row->Check(name, amount.status())) return false;
  if (amount->is_negative()) {
    row->Add(name, name + " " + QuoteValue(text) + " must not be negative");
    return false;
  }
  if (*amount > Amount::Whole(max)) {
    row->Add(name, name + " " + QuoteValue(text) + " is more than " + std::to_string(max) +
                       " in one report");
    return false;
  }
  *out = *amount;
  return true;
}

void ParseIds(const CsvHeader& header, const CsvRecord& record, RowErrors* row,
              WorkReport* report) {
  const std::string_view report_id = header.Get(record, kReportId);
  if (row->Check(Name(kReportId), ValidateId(Name(kReportId), report_id))) {
    report->report_id.assign(report_id);
  }
  const std::string_view entity = header.Get(record, kHiringEntity);
  if (row->Check(Name(kHiringEntity), ValidateId(Name(kHiringEntity), entity))) {
    report->entity.assign(entity);
  }
  const std::string_view replaces = header.Get(record, kReplaces);
  report->replaces.clear();
  if (replaces.empty()) return;
  if (!row->Check(Name(kReplaces), ValidateId(Name(kReplaces), replaces))) return;
  if (replaces == report_id) {
    row->Add(Name(kReplaces),
             "replaces " + QuoteValue(replaces) + " names the report itself (report_id)");
    return;
  }
  report->replaces.assign(replaces);
}

void ParseWhoWhenWhere(const CsvHeader& header, const CsvRecord& record, RowErrors* row,
                       WorkReport* report) {
  const std::string_view worker = header.Get(record, kWorker);
  if (worker.empty()) {
    row->Add(Name(kWorker), "worker is empty (it takes the worker's account number)");
  } else if (Result<AccountNumber> account = AccountNumber::Parse(worker);
             row->Check(Name(kWorker), account.status())) {
    report->worker = *account;
  }
  const std::string_view date = header.Get(record, kWorkDate);
  if (date.empty()) {
    row->Add(Name(kWorkDate), "work_date is empty");
  } else if (Result<Date> parsed = Date::Parse(date);
             row->Check(Name(kWorkDate), parsed.status())) {
    report->work_date = *parsed;
  }
  const std::string_view jurisdiction = header.Get(record, kJurisdiction);
  if (row->Check(Name(kJurisdiction), ValidateJurisdictionCode(jurisdiction))) {
    report->jurisdiction.assign(jurisdiction);
  }
}

void ParseAmounts(const CsvHeader& header, const CsvRecord& record, RowErrors* row,
                  WorkReport* report) {
  ParseAmount(row, kHours, header.Get(record, kHours), kMaxReportHours, &report->hours);
  ParseAmount(row, kEarnings, header.Get(record, kEarnings), kMaxReportEarnings, &report->earnings);
  const std::string_view tips = header.Get(record, kTips);
  report->tips = Money();
  if (!tips.empty()) ParseAmount(row, kTips, tips, kMaxReportEarnings, &report->tips);
  const std::string_view jobs = header.Get(record, kJobs);
  report->jobs = 0;
  if (jobs.empty()) return;
  Result<int64_t> count = ParseCount(Name(kJobs), jobs, kMaxReportJobs);
  if (row->Check(Name(kJobs), count.status())) report->jobs = *count;
}

void ParseKind(const CsvHeader& header, const CsvRecord& record, RowErrors* row,
               WorkReport* report) {
  const std::string_view classification = header.Get(record, kClassification);
  if (const auto parsed = ParseClassification(classification)) {
    report->classification = *parsed;
  } else if (classification.empty()) {
    row->Add(Name(kClassification), "classification is empty (it takes 1099 or W2)");
  } else {
    row->Add(Name(kClassification),
             "classification " + QuoteValue(classification) + " must be 1099 or W2");
  }
  const std::string_view sector = header.Get(record, kSector);
  report->sector.clear();
  if (!sector.empty() && row->Check(Name(kSector), ValidateName(Name(kSector), sector))) {
    report->sector.assign(sector);
  }
}

}  // namespace

std::span<const CsvColumn> ReportCsvColumns() { return kColumns; }

bool ParseReportRow(const CsvHeader& header, const CsvRecord& record, WorkReport* report,
                    std::vector<FieldError>* errors) {
  if (std::optional<FieldError> width = header.CheckWidth(record)) {
    errors->push_back(std::move(*width));
    return false;
  }
  RowErrors row(record.row, errors);
  ParseIds(header, record, &row, report);
  ParseWhoWhenWhere(header, record, &row, report);
  ParseAmounts(header, record, &row, report);
  ParseKind(header, record, &row, report);
  return row.ok();
}

Result<ReportCsvReader> ReportCsvReader::Open(CsvReader reader) {
  ASSIGN_OR_RETURN(CsvHeader header, CsvHeader::Read(&reader, kColumns));
  return ReportCsvReader(std::move(reader), std::move(header));
}

Result<ReportCsvReader::Step> ReportCsvReader::Next(WorkReport* report) {
  errors_.clear();
  ASSIGN_OR_RETURN(const CsvRead read, reader_.Next(&record_));
  switch (read) {
    case CsvRead::kEnd:
      return Step::kEnd;
    case CsvRead::kBadRecord:
      errors_.push_back(header_.ToFieldError(reader_.error()));
      return Step::kRejected;
    case CsvRead::kRecord:
      break;
  }
  return ParseReportRow(header_, record_, report, &errors_) ? Step::kReport : Step::kRejected;
}

std::string ReportCsvHeaderLine() { return JoinColumnNames(kColumns) + "\n"; }

void AppendReportCsvRow(const WorkReport& report, std::string* out) {
  const std::string worker = report.worker.ToString();
  const std::string date = report.work_date.ToString();
  const std::string hours = report.hours.ToString();
  const std::string earnings = report.earnings.ToString(2);
  const std::string tips = report.tips.ToString(2);
  const std::string jobs = std::to_string(report.jobs);
  const std::array<std::string_view, 12> fields = {report.report_id,
                                                   report.entity,
                                                   worker,
                                                   date,
                                                   report.jurisdiction,
                                                   hours,
                                                   earnings,
                                                   tips,
                                                   jobs,
                                                   ClassificationName(report.classification),
                                                   report.sector,
                                                   report.replaces};
  AppendCsvRecord(fields, out);
}

std::string RejectsCsvHeaderLine(std::span<const std::string> input_columns) {
  std::string line = "row,field,reason";
  for (const std::string& column : input_columns) {
    line += ',';
    AppendCsvField(column, &line);
  }
  return line + "\n";
}

void AppendRejectsCsvRows(std::span<const FieldError> errors,
                          std::span<const std::string_view> fields, std::string* out) {
  for (const FieldError& error : errors) {
    *out += std::to_string(error.row);
    out->push_back(',');
    AppendCsvField(error.field, out);
    out->push_back(',');
    AppendCsvField(error.message, out);
    for (std::string_view field : fields) {
      out->push_back(',');
      AppendCsvField(field, out);
    }
    out->push_back('\n');
  }
}

}  // namespace accrue
