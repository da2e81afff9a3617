#include "ingest/registry_csv.h"

#include <array>
#include <string>
#include <unordered_map>

#include "base/ids.h"

namespace accrue {
namespace {

constexpr size_t kMaxNameBytes = 200;

constexpr std::array<CsvColumn, 4> kJurisdictionColumns = {{
    {"code"},
    {"name"},
    {"parent", false},
    {"time_zone"},
}};
constexpr std::array<CsvColumn, 4> kEntityColumns = {{
    {"id"},
    {"name"},
    {"sector"},
    {"size"},
}};
constexpr std::array<CsvColumn, 4> kWorkerColumns = {{
    {"name"},
    {"birth_date"},
    {"home_jurisdiction"},
    {"account", false},
}};

// ValidateJurisdictionCode names the field "jurisdiction"; these columns have other names.
Status JurisdictionCode(std::string_view field, std::string_view text) {
  Status status = ValidateJurisdictionCode(text);
  if (status.ok()) return status;
  constexpr std::string_view kPrefix = "jurisdiction";
  std::string message = status.message();
  if (message.starts_with(kPrefix)) message.replace(0, kPrefix.size(), field);
  return Status::Invalid(message);
}

// Each Parse* reads one row into *out, records its errors in *row and returns the row's key
// for the duplicate check (empty for none). Column indexes follow the k*Columns arrays.
std::string ParseJurisdiction(const CsvHeader& header, const CsvRecord& record, RowErrors* row,
                              Jurisdiction* out) {
  enum : size_t { kCode, kName, kParent, kTimeZone };
  const std::string_view code = header.Get(record, kCode);
  if (row->Check("code", JurisdictionCode("code", code))) out->code.assign(code);
  const std::string_view name = header.Get(record, kName);
  if (row->Check("name", ValidateText("name", name, kMaxNameBytes))) out->name.assign(name);
  const std::string_view parent = header.Get(record, kParent);
  if (parent == code && !parent.empty()) {
    row->Add("parent", "parent " + QuoteValue(parent) + " is the jurisdiction itself");
  } else if (parent.empty() || row->Check("parent", JurisdictionCode("parent", parent))) {
    out->parent.assign(parent);
  }
  const std::string time_zone(header.Get(record, kTimeZone));
  if (time_zone.empty()) {
    row->Add("time_zone", "time_zone is empty (it takes an IANA zone such as America/Chicago)");
  } else if (row->Check("time_zone", ValidateTimeZone(time_zone))) {
    out->time_zone = time_zone;
  }
  return out->code;
}

std::string ParseEntity(const CsvHeader& header, const CsvRecord& record, RowErrors* row,
                        HiringEntity* out) {
  enum : size_t { kId, kName, kSector, kSize };
  const std::string_view id = header.Get(record, kId);
  if (row->Check("id", ValidateId("id", id))) out->id.assign(id);
  const std::string_view name = header.Get(record, kName);
  if (row->Check("name", ValidateText("name", name, kMaxNameBytes))) out->name.assign(name);
  const std::string_view sector = header.Get(record, kSector);
  if (row->Check("sector", ValidateName("sector", sector))) out->sector.assign(sector);
  Result<int64_t> size = ParseCount("size", header.Get(record, kSize), kMaxEntitySize);
  if (row->Check("size", size.status())) out->size = *size;
  return out->id;
}

std::string ParseWorker(const CsvHeader& header, const CsvRecord& record, RowErrors* row,
                        Worker* out) {
  enum : size_t { kName, kBirthDate, kHome, kAccount };
  const std::string_view name = header.Get(record, kName);
  if (row->Check("name", ValidateText("name", name, kMaxNameBytes))) out->name.assign(name);
  const std::string_view birth_date = header.Get(record, kBirthDate);
  if (birth_date.empty()) {
    row->Add("birth_date", "birth_date is empty");
  } else if (Result<Date> date = Date::Parse(birth_date); row->Check("birth_date", date.status())) {
    out->birth_date = *date;
  }
  const std::string_view home = header.Get(record, kHome);
  if (row->Check("home_jurisdiction", JurisdictionCode("home_jurisdiction", home))) {
    out->home_jurisdiction.assign(home);
  }
  const std::string_view account = header.Get(record, kAccount);
  if (account.empty()) return "";
  Result<AccountNumber> parsed = AccountNumber::Parse(account);
  if (!row->Check("account", parsed.status())) return "";
  out->account = *parsed;
  return out->account.ToString();
}

// Reads the header, then every row through `parse`, refusing rows whose key repeats.
template <typename T, typename Parse>
Result<RegistryCsv<T>> ReadRegistryCsv(CsvReader* reader, std::span<const CsvColumn> columns,
                                       std::string_view key_field, Parse parse) {
  ASSIGN_OR_RETURN(const CsvHeader header, CsvHeader::Read(reader, columns));
  RegistryCsv<T> result;
  std::unordered_map<std::string, int64_t> first_row_of_key;
  CsvRecord record;
  for (;;) {
    ASSIGN_OR_RETURN(const CsvRead read, reader->Next(&record));
    if (read == CsvRead::kEnd) break;
    if (read == CsvRead::kBadRecord) {
      result.errors.push_back(header.ToFieldError(reader->error()));
      continue;
    }
    if (std::optional<FieldError> width = header.CheckWidth(record)) {
      result.errors.push_back(std::move(*width));
      continue;
    }
    RowErrors row(record.row, &result.errors);
    T value;
    const std::string key = parse(header, record, &row, &value);
    if (!row.ok()) continue;
    if (!key.empty()) {
      const auto [it, inserted] = first_row_of_key.emplace(key, record.row);
      if (!inserted) {
        row.Add(key_field, std::string(key_field) + " " + QuoteValue(key) + " is already on row " +
                               std::to_string(it->second));
        continue;
      }
    }
    result.entries.push_back({record.row, std::move(value)});
  }
  return result;
}

}  // namespace

std::span<const CsvColumn> JurisdictionCsvColumns() { return kJurisdictionColumns; }
std::span<const CsvColumn> EntityCsvColumns() { return kEntityColumns; }
std::span<const CsvColumn> WorkerCsvColumns() { return kWorkerColumns; }

Result<RegistryCsv<Jurisdiction>> ReadJurisdictionsCsv(CsvReader* reader) {
  return ReadRegistryCsv<Jurisdiction>(reader, kJurisdictionColumns, "code", ParseJurisdiction);
}

Result<RegistryCsv<HiringEntity>> ReadEntitiesCsv(CsvReader* reader) {
  return ReadRegistryCsv<HiringEntity>(reader, kEntityColumns, "id", ParseEntity);
}

Result<RegistryCsv<Worker>> ReadWorkersCsv(CsvReader* reader) {
  return ReadRegistryCsv<Worker>(reader, kWorkerColumns, "account", ParseWorker);
}

namespace {

template <typename T, typename Parse>
std::optional<T> ParseOne(const CsvHeader& header, const CsvRecord& record,
                          std::vector<FieldError>* errors, Parse parse) {
  if (std::optional<FieldError> width = header.CheckWidth(record)) {
    errors->push_back(std::move(*width));
    return std::nullopt;
  }
  RowErrors row(record.row, errors);
  T value;
  parse(header, record, &row, &value);
  if (!row.ok()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Jurisdiction> ParseJurisdictionRecord(const CsvHeader& header,
                                                    const CsvRecord& record,
                                                    std::vector<FieldError>* errors) {
  return ParseOne<Jurisdiction>(header, record, errors, ParseJurisdiction);
}

std::optional<HiringEntity> ParseEntityRecord(const CsvHeader& header, const CsvRecord& record,
                                              std::vector<FieldError>* errors) {
  return ParseOne<HiringEntity>(header, record, errors, ParseEntity);
}

std::optional<Worker> ParseWorkerRecord(const CsvHeader& header, const CsvRecord& record,
                                        std::vector<FieldError>* errors) {
  return ParseOne<Worker>(header, record, errors, ParseWorker);
}

}  // namespace accrue
