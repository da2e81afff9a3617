#include "ingest/csv_ingest.h"

#include <algorithm>
#include <string_view>

#include "ingest/report_csv.h"

namespace accrue {

Result<CsvIngestSummary> IngestCsv(Store& store, const Registry& registry, CsvReader reader,
                                   const CsvIngestOptions& options) {
  ASSIGN_OR_RETURN(ReportCsvReader rows, ReportCsvReader::Open(std::move(reader)));
  if (options.on_header) options.on_header(rows.header().names());
  CsvIngestSummary summary;
  Ingestor ingestor(store, registry, options.now);
  ingestor.set_return_entries(false);
  RETURN_IF_ERROR(ingestor.Begin());
  size_t in_batch = 0;
  auto seal = [&]() -> Status {
    if (options.all_or_nothing) return ingestor.Flush();
    ASSIGN_OR_RETURN(BatchReceipt receipt, ingestor.Commit(options.source));
    (void)receipt;
    ++summary.batches;
    if (options.on_progress) {
      options.on_progress(rows.bytes_read(), rows.total_bytes(),
                          summary.recorded + summary.corrected);
    }
    return ingestor.Begin();
  };
  // Rows go to the ingestor in chunks (which never straddle a batch), so that its reads of the
  // store are batched. A refused row's original fields are kept for on_reject until then.
  constexpr size_t kChunkRows = 1024;
  std::vector<IncomingReport> chunk;
  std::vector<std::vector<std::string>> chunk_fields;
  std::vector<std::string_view> views;
  chunk.reserve(kChunkRows);
  auto process = [&]() -> Status {
    if (chunk.empty()) return Status::Ok();
    const std::vector<ReportResult> results = ingestor.AddChunk(chunk);
    for (size_t i = 0; i < results.size(); ++i) {
      const ReportResult& result = results[i];
      switch (result.outcome) {
        case Outcome::kRecorded:
          ++summary.recorded;
          break;
        case Outcome::kCorrected:
          ++summary.corrected;
          break;
        case Outcome::kAlreadyRecorded:
          ++summary.already_recorded;
          break;
        case Outcome::kRejected:
          ++summary.rejected;
          if (options.on_reject) {
            views.assign(chunk_fields[i].begin(), chunk_fields[i].end());
            options.on_reject(result.errors, views);
          }
          break;
      }
    }
    in_batch += chunk.size();
    chunk.clear();
    chunk_fields.clear();
    if (in_batch >= options.batch_rows) {
      in_batch = 0;
      RETURN_IF_ERROR(seal());
    }
    return Status::Ok();
  };
  const size_t batch_rows = std::max<size_t>(1, options.batch_rows);
  for (;;) {
    IncomingReport& in = chunk.emplace_back();
    WorkReport report;
    ASSIGN_OR_RETURN(ReportCsvReader::Step step, rows.Next(&report));
    if (step == ReportCsvReader::Step::kEnd) {
      chunk.pop_back();
      break;
    }
    ++summary.rows;
    in.row = rows.row();
    if (step == ReportCsvReader::Step::kReport) {
      in.report = std::move(report);
    } else {
      in.errors = rows.errors();
    }
    if (options.on_reject) {
      const auto fields = rows.fields();
      chunk_fields.emplace_back(fields.begin(), fields.end());
    }
    if (chunk.size() >= kChunkRows || in_batch + chunk.size() >= batch_rows) {
      RETURN_IF_ERROR(process());
    }
  }
  RETURN_IF_ERROR(process());
  if (options.all_or_nothing && summary.rejected > 0) {
    ingestor.Abort();
    summary.committed = false;
    summary.recorded = summary.corrected = 0;
    return summary;
  }
  ASSIGN_OR_RETURN(BatchReceipt receipt, ingestor.Commit(options.source));
  if (receipt.entries > 0) ++summary.batches;
  if (options.on_progress) {
    options.on_progress(rows.bytes_read(), rows.total_bytes(),
                        summary.recorded + summary.corrected);
  }
  return summary;
}

}  // namespace accrue
