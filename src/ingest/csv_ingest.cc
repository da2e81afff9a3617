#include "ingest/csv_ingest.h"

#include "ingest/report_csv.h"

namespace accrue {

Result<CsvIngestSummary> IngestCsv(Store& store, Registry& registry, CsvReader reader,
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
  for (;;) {
    IncomingReport in;
    WorkReport report;
    ASSIGN_OR_RETURN(ReportCsvReader::Step step, rows.Next(&report));
    if (step == ReportCsvReader::Step::kEnd) break;
    ++summary.rows;
    in.row = rows.row();
    if (step == ReportCsvReader::Step::kReport) {
      in.report = std::move(report);
    } else {
      in.errors = rows.errors();
    }
    const ReportResult result = ingestor.Add(in);
    switch (result.outcome) {
      case Outcome::kRecorded: ++summary.recorded; break;
      case Outcome::kCorrected: ++summary.corrected; break;
      case Outcome::kAlreadyRecorded: ++summary.already_recorded; break;
      case Outcome::kRejected:
        ++summary.rejected;
        if (options.on_reject) options.on_reject(result.errors, rows.fields());
        break;
    }
    if (++in_batch >= options.batch_rows) {
      in_batch = 0;
      RETURN_IF_ERROR(seal());
    }
  }
  if (options.all_or_nothing && summary.rejected > 0) {
    ingestor.Abort();
    summary.committed = false;
    summary.recorded = summary.corrected = 0;
    return summary;
  }
  ASSIGN_OR_RETURN(BatchReceipt receipt, ingestor.Commit(options.source));
  if (receipt.entries > 0) ++summary.batches;
  if (options.on_progress) {
    options.on_progress(rows.bytes_read(), rows.total_bytes(), summary.recorded + summary.corrected);
  }
  return summary;
}

}  // namespace accrue
