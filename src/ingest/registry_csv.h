// The registry import CSVs: jurisdictions, hiring entities and workers.
//
//   jurisdictions  code,name,parent,time_zone     parent may be empty (a root) or absent
//   entities       id,name,sector,size            size: workers engaged, a whole number
//   workers        name,birth_date,home_jurisdiction,account
//                  account may be empty or absent: the registry issues one
//
// Columns may come in any order. Each reader maps the header (refusing the file as a whole if
// it does not match), then parses every row: a good row becomes an entry carrying its row
// number, a bad row one FieldError per bad field, as in the work-report format. A row that
// repeats the key of an earlier row of the file (code, id, or a given account) is refused.
// The rows are not checked against the registry (whether a parent exists, whether an account
// was issued): that is the importer's job, which can name the row from Entry::row.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "csv/csv_reader.h"
#include "csv/header.h"
#include "domain/domain.h"

namespace accrue {

template <typename T>
struct RegistryCsv {
  struct Entry {
    int64_t row = 0;
    T value;
  };
  std::vector<Entry> entries;
  std::vector<FieldError> errors;
};

// The most workers an entity may declare.
inline constexpr int64_t kMaxEntitySize = 100'000'000;

std::span<const CsvColumn> JurisdictionCsvColumns();
std::span<const CsvColumn> EntityCsvColumns();
std::span<const CsvColumn> WorkerCsvColumns();

// Each returns an error Status only when the file as a whole cannot be used: it cannot be
// read, it is empty or its header does not match.
Result<RegistryCsv<Jurisdiction>> ReadJurisdictionsCsv(CsvReader* reader);
Result<RegistryCsv<HiringEntity>> ReadEntitiesCsv(CsvReader* reader);
// A worker whose account is empty in the file has an invalid (default) AccountNumber.
Result<RegistryCsv<Worker>> ReadWorkersCsv(CsvReader* reader);

// One record read against `header` (a row of a file, or an API's JSON object laid out as a
// row): the value, or nullopt with one FieldError per bad field appended to *errors.
std::optional<Jurisdiction> ParseJurisdictionRecord(const CsvHeader& header,
                                                    const CsvRecord& record,
                                                    std::vector<FieldError>* errors);
std::optional<HiringEntity> ParseEntityRecord(const CsvHeader& header, const CsvRecord& record,
                                              std::vector<FieldError>* errors);
std::optional<Worker> ParseWorkerRecord(const CsvHeader& header, const CsvRecord& record,
                                        std::vector<FieldError>* errors);

}  // namespace accrue
