#include "ingest/csv_ingest.h"

#include <algorithm>
#include <memory>
#include <string_view>

#include "ingest/report_csv.h"

namespace accrue {
namespace {

// Rows go to the ingestor in chunks (which never straddle a batch), so that its reads of the
// store are batched.
constexpr size_t kChunkRows = 1024;

// A batch's rows and what the ingestor said of them. Pipelined, they are kept until the batch
// is durable: only then are they counted (or refused rows reported), and after a conflict they
// are recorded again.
struct Batch {
  // What a row's ReportResult says that the run needs (its entry and notes it does not).
  struct RowResult {
    Outcome outcome;
    std::vector<FieldError> errors;
  };
  std::vector<IncomingReport> reports;
  std::vector<std::vector<std::string>> fields;  // a refused row's fields, with on_reject only
  std::vector<RowResult> results;
};

class CsvRun {
 public:
  CsvRun(Store& store, const Registry& registry, const CsvIngestOptions& options,
         const ReportCsvReader& rows)
      : store_(store), registry_(registry), options_(options), rows_(rows) {}

  Status Begin() {
    // All or nothing is one batch: there is nothing to overlap.
    if (options_.reader != nullptr && !options_.all_or_nothing && BeginPipelined()) {
      return Status::Ok();
    }
    return BeginSerial();
  }

  Status Add(IncomingReport in, std::span<const std::string_view> fields) {
    ++summary_.rows;
    current_.reports.push_back(std::move(in));
    if (options_.on_reject) current_.fields.emplace_back(fields.begin(), fields.end());
    const size_t unevaluated = current_.reports.size() - current_.results.size();
    if (unevaluated >= kChunkRows || in_batch_ + unevaluated >= batch_rows()) {
      Evaluate();
    }
    return in_batch_ >= batch_rows() ? Seal(/*last=*/false) : Status::Ok();
  }

  Result<CsvIngestSummary> End() {
    Evaluate();
    if (options_.all_or_nothing && summary_.rejected > 0) {
      serial_->Abort();
      summary_.committed = false;
      summary_.recorded = summary_.corrected = 0;
      return summary_;
    }
    RETURN_IF_ERROR(Seal(/*last=*/true));
    return summary_;
  }

 private:
  size_t batch_rows() const { return std::max<size_t>(1, options_.batch_rows); }

  // False if the engine cannot tell whether others wrote.
  bool BeginPipelined() {
    pipelined_ = std::make_unique<Ingestor>(store_, registry_, options_.now, options_.reader);
    pipelined_->set_return_entries(false);
    if (pipelined_->Begin().ok()) return true;
    pipelined_.reset();
    return false;
  }

  // After a conflict, batches go one at a time until a quiet spell (QuietSpell).
  bool ResumePipelining() {
    if (!spell_.paused() || !spell_.Quiet(store_) || !BeginPipelined()) return false;
    spell_.Resume();
    serial_.reset();
    return true;
  }

  Status BeginSerial() {
    serial_ = std::make_unique<Ingestor>(store_, registry_, options_.now);
    serial_->set_return_entries(false);
    return serial_->Begin();
  }

  // Evaluates the rows not evaluated yet, a chunk at a time. Serially, each chunk is counted
  // (and its refused rows reported) at once, as the batch's fate no longer depends on others.
  void Evaluate() {
    Ingestor& ingestor = pipelined_ ? *pipelined_ : *serial_;
    while (current_.results.size() < current_.reports.size()) {
      const size_t from = current_.results.size();
      const size_t n = std::min(kChunkRows, current_.reports.size() - from);
      std::vector<ReportResult> results =
          ingestor.AddChunk(std::span<const IncomingReport>(current_.reports.data() + from, n));
      for (ReportResult& r : results) current_.results.push_back({r.outcome, std::move(r.errors)});
      in_batch_ += n;
    }
    if (!pipelined_) {
      Report(current_);
      current_ = Batch{};
    }
  }

  // Makes the batch durable (serially), or hands it over and confirms the one before.
  Status Seal(bool last) {
    in_batch_ = 0;
    if (!pipelined_) {
      if (options_.all_or_nothing && !last) return serial_->Flush();
      ASSIGN_OR_RETURN(BatchReceipt receipt, serial_->Commit(options_.source));
      if (receipt.entries > 0 || !last) ++summary_.batches;
      Progress();
      if (last || ResumePipelining()) return Status::Ok();
      return serial_->Begin();
    }
    Status st = pipelined_->Handoff(options_.source);
    if (st.code() == Code::kConflict) return RecordSerially(last);
    RETURN_IF_ERROR(st);
    if (in_flight_) Durable(*in_flight_);  // Handoff() confirmed it
    in_flight_ = std::make_unique<Batch>(std::move(current_));
    current_ = Batch{};
    if (!last) return Status::Ok();
    st = pipelined_->Drain();
    if (st.code() == Code::kConflict) return RecordSerially(last);
    RETURN_IF_ERROR(st);
    Durable(*in_flight_);
    in_flight_.reset();
    return Status::Ok();
  }

  // Another connection wrote meanwhile: the batches not yet durable are evaluated again
  // against the store as it is now, and the next ones go one at a time (see ResumePipelining).
  Status RecordSerially(bool last) {
    pipelined_.reset();
    spell_.Pause();
    std::vector<Batch> redo;
    if (in_flight_) redo.push_back(std::move(*in_flight_));
    in_flight_.reset();
    if (!current_.reports.empty() || redo.empty()) redo.push_back(std::move(current_));
    RETURN_IF_ERROR(BeginSerial());
    for (size_t i = 0; i < redo.size(); ++i) {
      current_ = std::move(redo[i]);
      current_.results.clear();
      Evaluate();
      RETURN_IF_ERROR(Seal(last && i + 1 == redo.size()));
    }
    return Status::Ok();
  }

  void Durable(const Batch& batch) {
    const bool wrote = std::any_of(batch.results.begin(), batch.results.end(), [](auto& r) {
      return r.outcome == Outcome::kRecorded || r.outcome == Outcome::kCorrected;
    });
    if (wrote) {
      ++summary_.batches;
      ++summary_.background_batches;
    }
    Report(batch);
    Progress();
  }

  void Progress() {
    if (options_.on_progress) {
      options_.on_progress(rows_.bytes_read(), rows_.total_bytes(),
                           summary_.recorded + summary_.corrected);
    }
  }

  void Report(const Batch& batch) {
    std::vector<std::string_view> views;
    for (size_t i = 0; i < batch.results.size(); ++i) {
      const Batch::RowResult& result = batch.results[i];
      switch (result.outcome) {
        case Outcome::kRecorded:
          ++summary_.recorded;
          break;
        case Outcome::kCorrected:
          ++summary_.corrected;
          break;
        case Outcome::kAlreadyRecorded:
          ++summary_.already_recorded;
          break;
        case Outcome::kRejected:
          ++summary_.rejected;
          if (options_.on_reject) {
            views.assign(batch.fields[i].begin(), batch.fields[i].end());
            options_.on_reject(result.errors, views);
          }
          break;
      }
    }
  }

  Store& store_;
  const Registry& registry_;
  const CsvIngestOptions& options_;
  const ReportCsvReader& rows_;
  std::unique_ptr<Ingestor> pipelined_;
  std::unique_ptr<Ingestor> serial_;
  Batch current_;
  size_t in_batch_ = 0;               // rows evaluated in the open batch
  std::unique_ptr<Batch> in_flight_;  // handed over, not yet confirmed durable
  QuietSpell spell_;                  // serial since a conflict, until it ends
  CsvIngestSummary summary_;
};

}  // namespace

Result<CsvIngestSummary> IngestCsv(Store& store, const Registry& registry, CsvReader reader,
                                   const CsvIngestOptions& options) {
  ASSIGN_OR_RETURN(ReportCsvReader rows, ReportCsvReader::Open(std::move(reader)));
  if (options.on_header) options.on_header(rows.header().names());
  CsvRun run(store, registry, options, rows);
  RETURN_IF_ERROR(run.Begin());
  for (;;) {
    IncomingReport in;
    WorkReport report;
    ASSIGN_OR_RETURN(ReportCsvReader::Step step, rows.Next(&report));
    if (step == ReportCsvReader::Step::kEnd) break;
    in.row = rows.row();
    if (step == ReportCsvReader::Step::kReport) {
      in.report = std::move(report);
    } else {
      in.errors = rows.errors();
    }
    RETURN_IF_ERROR(run.Add(std::move(in), rows.fields()));
  }
  return run.End();
}

}  // namespace accrue
