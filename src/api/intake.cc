#include "api/intake.h"

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
                                              Clock clock) {
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, open());
  RETURN_IF_ERROR(MigrateIntake(store->sql()));
  std::unique_ptr<Intake> intake(new Intake(std::move(store), registry, std::move(clock)));
  intake->writer_ = std::thread([p = intake.get()] { p->Run(); });
  intake->answerer_ = std::thread([p = intake.get()] { p->RunAnswers(); });
  return intake;
}

Intake::Intake(std::unique_ptr<Store> store, SharedRegistry& registry, Clock clock)
    : store_(std::move(store)), registry_(registry), clock_(std::move(clock)) {}

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
    std::vector<IntakeJob> group = NextGroup(lock);
    if (group.empty()) return;  // stopping, and nothing left
    lock.unlock();
    Record(group);
    lock.lock();
    stats_.batches += 1;
    stats_.jobs += static_cast<int64_t>(group.size());
  }
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

}  // namespace

void Intake::Record(std::vector<IntakeJob>& group) {
  std::shared_ptr<const Registry> registry = RegistryFor(group);
  Ingestor ingestor(*store_, *registry, clock_());
  // A job's answer: rendered already (a replay, or a job whose answer is stored with its
  // idempotency key), or its results, rendered once they are durable.
  std::vector<std::optional<HttpResponse>> responses(group.size());
  std::vector<std::vector<ReportResult>> results(group.size());
  auto fail_all = [&](const Status& st) {
    ingestor.Abort();
    for (IntakeJob& job : group) {
      job.respond(Problem(503, "store_unavailable",
                          "nothing was recorded: " + st.message() + "; send it again"));
    }
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
    bool refused = false;
    for (const ReportResult& r : results[i]) {
      refused |= r.outcome == Outcome::kRejected;
    }
    if (job.atomic && refused && job.reports.size() > 1) {
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
