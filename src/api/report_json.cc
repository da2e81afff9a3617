#include "api/report_json.h"

#include <array>

#include "base/json_text.h"
#include "csv/header.h"
#include "ingest/report_csv.h"
#include "ledger/ledger.h"

namespace accrue::api {
namespace {

// The text a CSV cell would hold for a JSON value, or an error message.
std::optional<std::string> CellText(const nlohmann::json& v, std::string* error) {
  switch (v.type()) {
    case nlohmann::json::value_t::string:
      return v.get<std::string>();
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return v.dump();  // shortest round-trip form
    case nlohmann::json::value_t::null:
      return std::string();
    default:
      *error = "must be a string or a number, not " + std::string(v.type_name());
      return std::nullopt;
  }
}

const CsvHeader& ReportHeader() {
  static const CsvHeader header = CanonicalHeader(ReportCsvColumns());
  return header;
}

}  // namespace

CsvHeader CanonicalHeader(std::span<const CsvColumn> columns) {
  CsvRecord record;
  for (const CsvColumn& c : columns) record.fields.emplace_back(c.name);
  auto mapped = CsvHeader::Map(record, columns);
  assert(mapped.ok());
  return std::move(mapped).value();
}

bool ReadJsonRecord(const nlohmann::json& j, std::span<const CsvColumn> columns, int64_t row,
                    JsonRecord* out, std::vector<FieldError>* errors) {
  if (!j.is_object()) {
    errors->push_back({row, "", "expected a JSON object, not " + std::string(j.type_name())});
    return false;
  }
  const size_t before = errors->size();
  out->cells.assign(columns.size(), std::string());
  for (const auto& [key, value] : j.items()) {
    const std::string& name = key;  // a lambda may not capture a structured binding (C++20)
    const auto it = std::find_if(columns.begin(), columns.end(),
                                 [&](const CsvColumn& c) { return c.name == name; });
    if (it == columns.end()) {
      const std::string_view near = ClosestColumnName(key, columns);
      errors->push_back({row, key.substr(0, 40),
                         "unknown field " + QuoteValue(key) +
                             (near.empty() ? "" : " (did you mean '" + std::string(near) + "'?)")});
      continue;
    }
    std::string error;
    auto text = CellText(value, &error);
    if (!text) {
      errors->push_back({row, key, key + " " + error});
      continue;
    }
    out->cells[static_cast<size_t>(it - columns.begin())] = std::move(*text);
  }
  out->record = CsvRecord();
  out->record.row = row;
  for (const std::string& c : out->cells) out->record.fields.emplace_back(c);
  return errors->size() == before;
}

IncomingReport ReportFromJson(const nlohmann::json& j, const std::string& entity, int64_t index) {
  IncomingReport in;
  in.row = index;
  const int64_t row = index < 0 ? 0 : index;
  JsonRecord rec;
  if (!ReadJsonRecord(j, ReportCsvColumns(), row, &rec, &in.errors)) return in;
  const auto columns = ReportCsvColumns();
  const size_t entity_column = static_cast<size_t>(
      std::find_if(columns.begin(), columns.end(),
                   [](const CsvColumn& c) { return c.name == "hiring_entity"; }) -
      columns.begin());
  std::string& sender = rec.cells[entity_column];
  if (sender.empty()) {
    sender = entity;
    rec.record.fields[entity_column] = sender;
  } else if (sender != entity) {
    in.errors.push_back({row, "hiring_entity",
                         "hiring_entity " + QuoteValue(sender) +
                             " is not the entity this request is for ('" + entity + "')"});
    return in;
  }
  WorkReport report;
  if (ParseReportRow(ReportHeader(), rec.record, &report, &in.errors)) in.report = report;
  return in;
}

nlohmann::json ReportToJson(const WorkReport& r) {
  return {{"report_id", r.report_id},
          {"hiring_entity", r.entity},
          {"worker", r.worker.ToString()},
          {"work_date", r.work_date.ToString()},
          {"jurisdiction", r.jurisdiction},
          {"hours", r.hours.ToString(2)},
          {"earnings", r.earnings.ToString(2)},
          {"tips", r.tips.ToString(2)},
          {"jobs", r.jobs},
          {"classification", ClassificationName(r.classification)},
          {"sector", r.sector},
          {"replaces", r.replaces}};
}

nlohmann::json LegsToJson(const Entry& e) {
  nlohmann::json legs = nlohmann::json::array();
  for (const Leg& l : e.legs) {
    nlohmann::json j = {
        {"account", l.account},
        {"unit", l.unit == Unit::kHours ? "hours" : "money"},
        {"amount", l.unit == Unit::kHours ? Hours::FromUnits(l.amount).ToString(2)
                                          : Money::FromUnits(l.amount).ToString(2)}};
    if (!l.rule.empty()) {
      j["rule"] = l.rule;
      j["payer"] = PayerName(l.payer);
      j["rate"] = l.rate;
    }
    if (!l.note.empty()) j["note"] = l.note;
    legs.push_back(std::move(j));
  }
  return legs;
}

// ResultJson writes the object that ReportToJson, LegsToJson and the outcome make as
// nlohmann::json would dump it: keys in sorted order (its objects are std::maps).
namespace {

void AppendReport(std::string* out, const WorkReport& r) {
  out->push_back('{');
  AppendJsonKey(out, "classification");
  AppendJsonString(out, ClassificationName(r.classification));
  AppendJsonField(out, "earnings", r.earnings.ToString(2));
  AppendJsonField(out, "hiring_entity", r.entity);
  AppendJsonField(out, "hours", r.hours.ToString(2));
  out->push_back(',');
  AppendJsonKey(out, "jobs");
  AppendJsonInt(out, r.jobs);
  AppendJsonField(out, "jurisdiction", r.jurisdiction);
  AppendJsonField(out, "replaces", r.replaces);
  AppendJsonField(out, "report_id", r.report_id);
  AppendJsonField(out, "sector", r.sector);
  AppendJsonField(out, "tips", r.tips.ToString(2));
  AppendJsonField(out, "work_date", r.work_date.ToString());
  AppendJsonField(out, "worker", r.worker.ToString());
  out->push_back('}');
}

void AppendJsonStrings(std::string* out, const std::vector<std::string>& list) {
  out->push_back('[');
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, list[i]);
  }
  out->push_back(']');
}

void AppendLeg(std::string* out, const Leg& l) {
  const bool hours = l.unit == Unit::kHours;
  out->push_back('{');
  AppendJsonKey(out, "account");
  AppendJsonString(out, l.account);
  AppendJsonField(
      out, "amount",
      hours ? Hours::FromUnits(l.amount).ToString(2) : Money::FromUnits(l.amount).ToString(2));
  if (!l.note.empty()) AppendJsonField(out, "note", l.note);
  if (!l.rule.empty()) {
    AppendJsonField(out, "payer", PayerName(l.payer));
    AppendJsonField(out, "rate", l.rate);
    AppendJsonField(out, "rule", l.rule);
  }
  AppendJsonField(out, "unit", hours ? "hours" : "money");
  out->push_back('}');
}

}  // namespace

// Keys in sorted order, as nlohmann::json dumps them.
std::string BatchJson(const std::vector<ReportResult>& results, bool from_csv,
                      const std::vector<FieldProblem>& refused) {
  std::array<int64_t, static_cast<size_t>(Outcome::kRejected) + 1> counts{};  // kRejected is last
  std::string items = "[";
  for (size_t i = 0; i < results.size(); ++i) {
    const ReportResult& r = results[i];
    ++counts[static_cast<size_t>(r.outcome)];
    items += i > 0 ? ",{" : "{";
    if (!from_csv) {
      AppendJsonKey(&items, "index");
      AppendJsonInt(&items, static_cast<int64_t>(i));
      items.push_back(',');
    }
    if (!r.notes.empty()) {
      AppendJsonKey(&items, "notes");
      AppendJsonStrings(&items, r.notes);
      items.push_back(',');
    }
    AppendJsonKey(&items, "outcome");
    AppendJsonString(&items, OutcomeName(r.outcome));
    if (r.outcome != Outcome::kRejected) {
      AppendJsonField(&items, "report_id", r.entry.report.report_id);
    }
    if (from_csv) {
      items.push_back(',');
      AppendJsonKey(&items, "row");
      AppendJsonInt(&items, r.row);
    }
    items.push_back('}');
  }
  items.push_back(']');
  auto count = [&](std::string* out, std::string_view key, Outcome o, bool first = false) {
    if (!first) out->push_back(',');
    AppendJsonKey(out, key);
    AppendJsonInt(out, counts[static_cast<size_t>(o)]);
  };
  std::string out = "{";
  count(&out, "already_recorded", Outcome::kAlreadyRecorded, true);
  count(&out, "corrected", Outcome::kCorrected);
  out += ",\"errors\":[";
  for (size_t i = 0; i < refused.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += ToJson(refused[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  out.push_back(']');
  count(&out, "recorded", Outcome::kRecorded);
  count(&out, "rejected", Outcome::kRejected);
  out += ",\"reports\":";
  AppendJsonInt(&out, static_cast<int64_t>(results.size()));
  out += ",\"results\":";
  out += items;
  out.push_back('}');
  return out;
}

std::string ResultJson(const ReportResult& r) {
  std::string out = "{";
  if (r.outcome != Outcome::kRejected) {
    AppendJsonKey(&out, "legs");
    out.push_back('[');
    for (size_t i = 0; i < r.entry.legs.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendLeg(&out, r.entry.legs[i]);
    }
    out += "],";
  }
  AppendJsonKey(&out, "notes");
  AppendJsonStrings(&out, r.notes);
  out.push_back(',');
  AppendJsonKey(&out, "outcome");
  AppendJsonString(&out, OutcomeName(r.outcome));
  if (r.outcome != Outcome::kRejected) {
    out += ",\"report\":";
    AppendReport(&out, r.entry.report);
  }
  out.push_back('}');
  return out;
}

nlohmann::json StoredEntryToJson(const StoredEntry& e) {
  nlohmann::json j = ReportToJson(e.entry.report);
  j["seq"] = e.seq;
  j["batch"] = e.batch;
  j["kind"] = e.entry.kind == EntryKind::kCorrection     ? "correction"
              : e.entry.kind == EntryKind::kPayout       ? "payout"
              : e.entry.kind == EntryKind::kContribution ? "contribution"
              : e.entry.kind == EntryKind::kMatch        ? "match"
                                                         : "report";
  j["legs"] = LegsToJson(e.entry);
  return j;
}

std::vector<FieldProblem> ToProblems(const std::vector<FieldError>& errors, int64_t index,
                                     bool from_csv) {
  std::vector<FieldProblem> out;
  for (const FieldError& e : errors) {
    FieldProblem p;
    if (from_csv) {
      p.row = e.row;
      p.field = e.field;
    } else {
      p.index = index;
      p.field = (index >= 0 ? "/reports/" + std::to_string(index) : std::string()) +
                (e.field.empty() ? "" : "/" + e.field);
    }
    p.reason = e.message;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace accrue::api
