// Ingesting a work-report CSV into the ledger: the `accrue ingest` command's engine, shared
// with the benchmark and the tests.
//
// Good rows are recorded in batches of `batch_rows` (one transaction and one hash-chained
// batch each, acknowledged once durable); refused rows are reported with their row number,
// field and reason and leave no trace. With `all_or_nothing` the whole file is one batch that
// is committed only if no row was refused.
//
// Given a reader (a second connection to the same store), each batch is written in the
// background while the next is evaluated (Ingestor, pipelined batches); its rows are counted,
// and refused rows reported, once it is durable. Should another connection write to the store
// meanwhile, the batches not yet durable are evaluated again and the next ones are recorded
// one at a time until the others have been quiet for two batches, so the outcome is the same as
// without a reader.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "csv/csv_reader.h"
#include "ingest/ingestor.h"
#include "registry/registry.h"
#include "store/store.h"

namespace accrue {

struct CsvIngestOptions {
  bool all_or_nothing = false;
  // On a disk, fewer and larger commits write fewer WAL pages per report (a page a batch
  // touches is written whole, however many of its rows changed): 1,000,000 reports went in
  // 1.13x as fast in batches of 50,000 as of 20,000, for about 200 MB more peak memory.
  size_t batch_rows = 50000;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  std::string source = "csv";
  // A second connection to the same store, for pipelined batches (not with all_or_nothing).
  Store* reader = nullptr;
  // Called once with the file's columns in file order (for a rejects file's header).
  std::function<void(const std::vector<std::string>& columns)> on_header;
  // Called for each refused row with its errors and original fields.
  std::function<void(const std::vector<FieldError>&, std::span<const std::string_view>)> on_reject;
  // Called after each durable batch with the bytes read so far and the file's size (or -1).
  std::function<void(int64_t bytes, int64_t total, int64_t recorded)> on_progress;
};

struct CsvIngestSummary {
  int64_t rows = 0;
  int64_t recorded = 0;
  int64_t corrected = 0;
  int64_t already_recorded = 0;
  int64_t rejected = 0;
  int64_t batches = 0;
  int64_t background_batches = 0;  // of those, written by the background writer
  bool committed = true;           // false: all-or-nothing and something was refused
};

// Fails on a header error or a store failure (with nothing of the open batch kept).
Result<CsvIngestSummary> IngestCsv(Store& store, const Registry& registry, CsvReader reader,
                                   const CsvIngestOptions& options);

}  // namespace accrue
