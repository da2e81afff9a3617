// Recording reports that arrive over HTTP: one writer thread, group commit.
//
// Every intake request (one report, a batch) becomes a job on a queue. The writer takes all
// the jobs waiting, records them in one ledger batch — one transaction, one fsync — and only
// then answers each: a report is acknowledged only once it is durable, and many concurrent
// single-report requests share one commit. Jobs stay independent: a refused report stages
// nothing, and an all-or-nothing batch is recorded in a batch of its own, rolled back whole
// if any of its reports is refused.
//
// Idempotency keys are checked and recorded by the writer inside the same transaction, under
// the store's write lock, so that a key answers the same response on every node and is never
// half-recorded. The writer answers every job exactly once, also when the store fails (the
// job's render function decides the response; a failed commit becomes a 503 problem).
//
// On an engine that can tell whether another connection wrote (SQLite), groups are pipelined
// as bulk CSV ingest is (ingest/ingestor.h): while one group is written on a background
// thread, the next is evaluated against a reader's snapshot plus the group in flight, and a
// group is answered once the next is handed over, or at once when none is waiting. Only groups
// of many reports (batches) are worth it: for a few single reports, the hand-over costs more
// than the overlap saves, so they are recorded in the foreground. So is a group with an
// idempotency key, or one naming an entity or place the registry lacks, once the group in
// flight is confirmed. When another connection wrote meanwhile (or the background write failed
// otherwise), the groups not confirmed durable are recorded again, serially, and so are the
// next ones until a quiet spell (QuietSpell) shows that nobody else writes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/http.h"
#include "ingest/ingestor.h"
#include "registry/registry.h"
#include "store/store.h"

namespace accrue::api {

// The registry snapshot every request reads; replaced whole when an administrator changes a
// registry or loads a pack, or when a report names something another node has just added.
class SharedRegistry {
 public:
  std::shared_ptr<const Registry> Get() const;
  Status Reload(Store& store);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Registry> registry_;
};

struct IntakeJob {
  std::vector<IncomingReport> reports;
  bool atomic = true;  // all-or-nothing
  // Set for a batch sent with an Idempotency-Key.
  std::string idempotency_entity;
  std::string idempotency_key;
  std::string request_hash;
  // Turns the results into the response; `committed` is false when an all-or-nothing job
  // was rolled back.
  std::function<HttpResponse(const std::vector<ReportResult>&, bool committed)> render;
  Responder respond;
};

// Counted before the jobs concerned are answered, so that a client that has its answer finds
// its group counted.
struct IntakeStats {
  int64_t batches = 0;     // groups taken from the queue
  int64_t jobs = 0;        // jobs taken from the queue
  int64_t foreground = 0;  // groups recorded by the intake's own thread
  int64_t background = 0;  // groups handed over to be written in the background
  int64_t redone = 0;      // groups recorded again after a failed background write
};

class Intake {
 public:
  using StoreFactory = std::function<Result<std::unique_ptr<Store>>()>;
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Groups of at least this many reports may be written in the background.
  static constexpr size_t kBackgroundReports = 1000;

  // Opens the writer's own store connection and starts the writer.
  static Result<std::unique_ptr<Intake>> Start(const StoreFactory& open, SharedRegistry& registry,
                                               Clock clock,
                                               size_t background_reports = kBackgroundReports);
  ~Intake();  // Stop()s

  void Submit(IntakeJob job);
  // Answers every job already submitted, then stops the writer; later jobs get a 503.
  void Stop();
  IntakeStats stats() const;

 private:
  // A group written, or being written, in the background, with what the ingestor said of it.
  struct Flight {
    std::vector<IntakeJob> jobs;
    std::vector<std::vector<ReportResult>> results;
  };
  struct Pipe;

  Intake(std::unique_ptr<Store> store, std::unique_ptr<Store> reader, SharedRegistry& registry,
         Clock clock, size_t background_reports);
  void Run();
  // Records a group in the background if it may be, else in the foreground (Record).
  void Dispatch(std::vector<IntakeJob>& group);
  bool Pipelinable(const std::vector<IntakeJob>& group, const Registry& registry) const;
  void RecordPipelined(std::vector<IntakeJob>& group);
  // Confirms the group in flight (answering it, or recording it again), and closes the pipe.
  void Settle();
  // With no group in flight, lets go of the snapshots the connections hold (Store::Idle).
  void Idle();
  // After a failed hand-over or drain: `before` (in flight) and `group` (not yet handed over)
  // are recorded again in the foreground.
  void Recover(std::optional<Flight> before, std::vector<IntakeJob>* group);
  void AnswerDurable(Flight& flight);
  // Takes the next group of jobs: every queued job, except that an all-or-nothing batch of
  // more than one report goes alone.
  std::vector<IntakeJob> NextGroup(std::unique_lock<std::mutex>& lock);
  void Record(std::vector<IntakeJob>& group);
  // The stored answer to a job's idempotency key, if the key was used before.
  Result<std::optional<HttpResponse>> Replay(const IntakeJob& job);
  Status Remember(const IntakeJob& job, const HttpResponse& response);
  std::shared_ptr<const Registry> RegistryFor(const std::vector<IntakeJob>& group);
  // Renders and sends answers on the answering thread, so that the writer goes on to the next
  // group at once (rendering a report's legs as JSON costs about as much as recording it).
  void Answer(std::function<void()> send);
  void RunAnswers();

  std::unique_ptr<Store> store_;
  std::unique_ptr<Store> reader_;  // null: groups are never pipelined
  std::unique_ptr<Pipe> pipe_;     // the open pipelined ingestor, if any
  size_t background_reports_;
  QuietSpell spell_;  // foreground only since a conflict, until it ends
  SharedRegistry& registry_;
  Clock clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<IntakeJob> queue_;
  bool stopping_ = false;
  IntakeStats stats_;
  std::thread writer_;
  std::mutex answers_mu_;
  std::condition_variable answers_cv_;
  std::deque<std::function<void()>> answers_;
  bool answers_stopping_ = false;
  std::thread answerer_;
};

// Creates the idempotency-key table on first use.
Status MigrateIntake(SqlConn& sql);

}  // namespace accrue::api
