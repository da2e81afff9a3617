#include "api/intake.h"

#include <algorithm>
#include <cassert>

namespace accrue::api {

std::shared_ptr<const Registry> SharedRegistry::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return registry_;
}

Status SharedRegistry::Reload(Store& store) {
  ASSIGN_OR_RETURN(std::unique_ptr<Registry> fresh, Registry::Load(store));
  std::shared_ptr<const Registry> next(std::move(fresh));
  std::lock_guard<std::mutex> lock(mu_);
  registry_ = std::move(next);
  return Status::Ok();
}

Status MigrateIntake(SqlConn& sql) {
  return MigrateModule(sql, "intake",
                       {{1,
                         "CREATE TABLE idempotency_keys(entity TEXT NOT NULL, key TEXT NOT NULL, "
                         "request_hash TEXT NOT NULL, status BIGINT NOT NULL, response TEXT NOT "
                         "NULL, created_at BIGINT NOT NULL, PRIMARY KEY(entity, key))"}});
}

Result<std::unique_ptr<Intake>> Intake::Start(const StoreFactory& open, SharedRegistry& registry,
                                              Clock clock, size_t background_reports) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, open());
  RETURN_IF_ERROR(MigrateIntake(store->sql()));
  // Pipelining needs an engine that tells whether another connection wrote.
  std::unique_ptr<Store> reader;
  ASSIGN_OR_RETURN(std::optional<int64_t> version, store->DataVersion());
  if (version) {
    ASSIGN_OR_RETURN(reader, open());
  }
  std::unique_ptr<Intake> intake(new Intake(std::move(store), std::move(reader), registry,
                                            std::move(clock), background_reports));
  intake->writer_ = std::thread([p = intake.get()] { p->Run(); });
  intake->answerer_ = std::thread([p = intake.get()] { p->RunAnswers(); });
  return intake;
}

struct Intake::Pipe {
  Pipe(Store& store, std::shared_ptr<const Registry> snapshot, Ingestor::Clock now, Store& reader)
      : registry(std::move(snapshot)), ingestor(store, *registry, now, &reader) {}
  std::shared_ptr<const Registry> registry;  // what the ingestor reads; outlives it
  Ingestor ingestor;
  std::optional<Flight> in_flight;
};

Intake::Intake(std::unique_ptr<Store> store, std::unique_ptr<Store> reader,
               SharedRegistry& registry, Clock clock, size_t background_reports)
    : store_(std::move(store)),
      reader_(std::move(reader)),
      background_reports_(background_reports),
      registry_(registry),
      clock_(std::move(clock)) {}

Intake::~Intake() { Stop(); }

void Intake::Submit(IntakeJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  job.respond(Problem(503, "shutting_down", "the server is shutting down; send it again"));
}

void Intake::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard<std::mutex> lock(answers_mu_);
    answers_stopping_ = true;
    answers_cv_.notify_one();
  }
  if (answerer_.joinable()) answerer_.join();
}

void Intake::Answer(std::function<void()> send) {
  std::lock_guard<std::mutex> lock(answers_mu_);
  answers_.push_back(std::move(send));
  answers_cv_.notify_one();
}

// Sends every answer queued, in order, until stopped with none left.
void Intake::RunAnswers() {
  std::unique_lock<std::mutex> lock(answers_mu_);
  for (;;) {
    answers_cv_.wait(lock, [&] { return answers_stopping_ || !answers_.empty(); });
    if (answers_.empty()) return;
    std::function<void()> send = std::move(answers_.front());
    answers_.pop_front();
    lock.unlock();
    send();
    lock.lock();
  }
}

IntakeStats Intake::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::vector<IntakeJob> Intake::NextGroup(std::unique_lock<std::mutex>& lock) {
  cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
  std::vector<IntakeJob> group;
  auto alone = [](const IntakeJob& j) { return j.atomic && j.reports.size() > 1; };
  while (!queue_.empty()) {
    if (!group.empty() && alone(queue_.front())) break;
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
    if (alone(group.back())) break;
  }
  return group;
}

void Intake::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (queue_.empty()) {
      // Nothing to overlap with the group in flight: confirm it now rather than keep it
      // waiting; and let go of the connections' snapshots before waiting for the next job.
      lock.unlock();
      Settle();
      Idle();
      lock.lock();
    }
    std::vector<IntakeJob> group = NextGroup(lock);
    if (group.empty()) return;  // stopping, and nothing left
    stats_.batches += 1;
    stats_.jobs += static_cast<int64_t>(group.size());
    lock.unlock();
    Dispatch(group);
    lock.lock();
  }
}

void Intake::Idle() {
  // With a group in flight the writer thread has the store, and the reader its snapshot.
  if (pipe_ != nullptr) return;
  store_->Idle();
  if (reader_ != nullptr) reader_->Idle();
}

std::shared_ptr<const Registry> Intake::RegistryFor(const std::vector<IntakeJob>& group) {
  std::shared_ptr<const Registry> registry = registry_.Get();
  // A report naming an entity or place this snapshot lacks may follow a change made on
  // another node: look once more before refusing it.
  for (const IntakeJob& job : group) {
    for (const IncomingReport& in : job.reports) {
      if (!in.report) continue;
      if (registry->FindEntity(in.report->entity) == nullptr ||
          registry->FindJurisdiction(in.report->jurisdiction) == nullptr) {
        if (registry_.Reload(*store_).ok()) return registry_.Get();
        return registry;
      }
    }
  }
  return registry;
}

Result<std::optional<HttpResponse>> Intake::Replay(const IntakeJob& job) {
  ASSIGN_OR_RETURN(auto rows, store_->sql().Query("SELECT request_hash, status, response FROM "
                                                  "idempotency_keys WHERE entity = $1 AND key = $2",
                                                  {job.idempotency_entity, job.idempotency_key}));
  if (rows.empty()) return std::optional<HttpResponse>();
  if (rows[0].Text(0) != job.request_hash) {
    return std::optional<HttpResponse>(
        Problem(409, "idempotency_key_reused",
                "Idempotency-Key '" + job.idempotency_key +
                    "' was used for a different request; send a new key for new content"));
  }
  HttpResponse stored;
  stored.status = static_cast<int>(rows[0].Int(1));
  stored.body = rows[0].Text(2);
  stored.headers.emplace_back("Idempotent-Replayed", "true");
  return std::optional<HttpResponse>(std::move(stored));
}

Status Intake::Remember(const IntakeJob& job, const HttpResponse& response) {
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
  return store_->sql()
      .Query(
          "INSERT INTO idempotency_keys(entity, key, request_hash, status, response, "
          "created_at) VALUES($1, $2, $3, $4, $5, $6)",
          {job.idempotency_entity, job.idempotency_key, job.request_hash, int64_t{response.status},
           response.body, now})
      .status();
}

namespace {

// A job whose reports need nothing but recording: no idempotency key to look up or keep, and
// no all-or-nothing batch to roll back alone.
bool Plain(const IntakeJob& job) {
  return job.idempotency_key.empty() && !(job.atomic && job.reports.size() > 1);
}

// The end of the run of plain jobs that starts at `begin` (`begin` itself if it is not plain).
size_t PlainRunEnd(const std::vector<IntakeJob>& group, size_t begin) {
  size_t end = begin;
  while (end < group.size() && Plain(group[end])) ++end;
  return end;
}

void RecordRun(Ingestor& ingestor, const std::vector<IntakeJob>& group, size_t begin, size_t end,
               std::vector<std::vector<ReportResult>>* results) {
  std::vector<IncomingReport> chunk;
  for (size_t i = begin; i < end; ++i) {
    chunk.insert(chunk.end(), group[i].reports.begin(), group[i].reports.end());
  }
  std::vector<ReportResult> all = ingestor.AddChunk(chunk);
  auto next = all.begin();
  for (size_t i = begin; i < end; ++i) {
    const auto n = static_cast<std::ptrdiff_t>(group[i].reports.size());
    (*results)[i].assign(std::make_move_iterator(next), std::make_move_iterator(next + n));
    next += n;
  }
}

// The answer to a job the store could not record.
HttpResponse Unavailable(const Status& st) {
  return Problem(503, "store_unavailable",
                 "nothing was recorded: " + st.message() + "; send it again");
}

bool Refused(const std::vector<ReportResult>& results) {
  return std::any_of(results.begin(), results.end(),
                     [](const ReportResult& r) { return r.outcome == Outcome::kRejected; });
}

}  // namespace

void Intake::Dispatch(std::vector<IntakeJob>& group) {
  std::shared_ptr<const Registry> registry = registry_.Get();
  if (pipe_ != nullptr && pipe_->registry != registry) Settle();  // a registry changed
  if (Pipelinable(group, *registry)) {
    if (pipe_ == nullptr) {
      pipe_ = std::make_unique<Pipe>(*store_, registry, clock_(), *reader_);
      if (!pipe_->ingestor.Begin().ok()) pipe_.reset();  // recorded in the foreground instead
    }
    if (pipe_ != nullptr) return RecordPipelined(group);
  }
  Settle();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.foreground += 1;
  }
  Record(group);
  if (spell_.paused() && spell_.Quiet(*store_)) spell_.Resume();
}

bool Intake::Pipelinable(const std::vector<IntakeJob>& group, const Registry& registry) const {
  if (reader_ == nullptr || spell_.paused()) return false;
  size_t reports = 0;
  for (const IntakeJob& job : group) reports += job.reports.size();
  if (reports < background_reports_) return false;
  for (const IntakeJob& job : group) {
    if (!job.idempotency_key.empty()) return false;
    for (const IncomingReport& in : job.reports) {
      // RegistryFor looks again, through the writer's connection.
      if (in.report && (registry.FindEntity(in.report->entity) == nullptr ||
                        registry.FindJurisdiction(in.report->jurisdiction) == nullptr)) {
        return false;
      }
    }
  }
  return true;
}

void Intake::RecordPipelined(std::vector<IntakeJob>& group) {
  Ingestor& ingestor = pipe_->ingestor;
  ingestor.set_now(clock_());
  std::vector<std::vector<ReportResult>> results(group.size());
  RecordRun(ingestor, group, 0, group.size(), &results);
  if (group.size() == 1 && !Plain(group[0]) && Refused(results[0])) {
    // An all-or-nothing batch with a refusal (it is alone in its group): Drain() drops it.
    Settle();
    group[0].respond(group[0].render(results[0], false));
    return;
  }
  const Status st = ingestor.Handoff("api");
  std::optional<Flight> before = std::move(pipe_->in_flight);
  pipe_->in_flight.reset();
  if (!st.ok()) return Recover(std::move(before), &group);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.background += 1;
  }
  if (before) AnswerDurable(*before);
  pipe_->in_flight = Flight{std::move(group), std::move(results)};
}

void Intake::Settle() {
  if (pipe_ == nullptr) return;
  const Status st = pipe_->ingestor.Drain();
  std::optional<Flight> flight = std::move(pipe_->in_flight);
  if (!st.ok()) return Recover(std::move(flight), nullptr);
  pipe_.reset();
  if (flight) AnswerDurable(*flight);
}

void Intake::Recover(std::optional<Flight> before, std::vector<IntakeJob>* group) {
  // The failure closed the ingestor, and its writer is idle. After a conflict nothing of either
  // group was written. After another failure the group in flight may be durable (the failure
  // was the next snapshot's), so both are recorded again in any case: reports already durable
  // are then "already recorded", and a store still failing answers each job with a 503.
  pipe_.reset();
  spell_.Pause();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.redone += (before ? 1 : 0) + (group != nullptr ? 1 : 0);
  }
  if (before) Record(before->jobs);
  if (group != nullptr) Record(*group);
}

void Intake::AnswerDurable(Flight& flight) {
  for (size_t i = 0; i < flight.jobs.size(); ++i) {
    Answer([job = std::move(flight.jobs[i]), results = std::move(flight.results[i])]() mutable {
      job.respond(job.render(results, true));
    });
  }
}

void Intake::Record(std::vector<IntakeJob>& group) {
  std::shared_ptr<const Registry> registry = RegistryFor(group);
  Ingestor ingestor(*store_, *registry, clock_());
  // A job's answer: rendered already (a replay, or a job whose answer is stored with its
  // idempotency key), or its results, rendered once they are durable.
  std::vector<std::optional<HttpResponse>> responses(group.size());
  std::vector<std::vector<ReportResult>> results(group.size());
  auto fail_all = [&](const Status& st) {
    ingestor.Abort();
    for (IntakeJob& job : group) job.respond(Unavailable(st));
  };
  Status st = ingestor.Begin();
  if (!st.ok()) return fail_all(st);
  for (size_t i = 0; i < group.size(); ++i) {
    IntakeJob& job = group[i];
    if (const size_t end = PlainRunEnd(group, i); end > i + 1) {
      // Consecutive jobs with nothing to decide on their own (typically single reports from
      // many connections) go to the ingestor as one chunk, so its reads of the store are made
      // once for all of them; each report is still recorded or refused on its own.
      RecordRun(ingestor, group, i, end, &results);
      i = end - 1;
      continue;
    }
    if (!job.idempotency_key.empty()) {
      auto replay = Replay(job);
      if (!replay.ok()) return fail_all(replay.status());
      if (*replay) {
        responses[i] = std::move(**replay);
        continue;
      }
    }
    results[i] = ingestor.AddChunk(job.reports);
    if (job.atomic && job.reports.size() > 1 && Refused(results[i])) {
      assert(group.size() == 1 && "an all-or-nothing batch is recorded alone");
      ingestor.Abort();
      job.respond(job.render(results[i], false));
      return;
    }
    if (!job.idempotency_key.empty()) {
      responses[i] = job.render(results[i], true);
      if (responses[i]->status < 500) {
        st = Remember(job, *responses[i]);
        if (!st.ok()) return fail_all(st);
      }
    }
  }
  auto receipt = ingestor.Commit("api");
  if (!receipt.ok()) return fail_all(receipt.status());
  for (size_t i = 0; i < group.size(); ++i) {
    Answer([job = std::move(group[i]), response = std::move(responses[i]),
            results = std::move(results[i])]() mutable {
      job.respond(response ? std::move(*response) : job.render(results, true));
    });
  }
}

}  // namespace accrue::api
