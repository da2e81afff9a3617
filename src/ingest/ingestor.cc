#include "ingest/ingestor.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "contributions/contributions.h"

namespace accrue {
namespace {

std::string ReportKey(const std::string& entity, const std::string& id) {
  return entity + '\x1f' + id;
}

std::string DayKey(const WorkReport& r) {
  return std::to_string(r.worker.value()) + '|' + r.entity + '|' +
         std::to_string(r.work_date.days());
}

// Names the fields in which two reports under one id differ.
std::string Differences(const WorkReport& a, const WorkReport& b) {
  std::string out;
  auto diff = [&](const char* name, bool same) {
    if (!same) out += std::string(out.empty() ? "" : ", ") + name;
  };
  diff("worker", a.worker == b.worker);
  diff("work_date", a.work_date == b.work_date);
  diff("jurisdiction", a.jurisdiction == b.jurisdiction);
  diff("hours", a.hours == b.hours);
  diff("earnings", a.earnings == b.earnings);
  diff("tips", a.tips == b.tips);
  diff("jobs", a.jobs == b.jobs);
  diff("classification", a.classification == b.classification);
  diff("sector", a.sector == b.sector);
  diff("replaces", a.replaces == b.replaces);
  return out;
}

}  // namespace

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kRecorded:
      return "recorded";
    case Outcome::kCorrected:
      return "corrected";
    case Outcome::kAlreadyRecorded:
      return "already recorded";
    case Outcome::kRejected:
      return "rejected";
  }
  return "?";
}

// Running totals and leave balances as of everything staged so far: the store's committed
// and appended values plus the staged entries' changes. Pipelined, it outlives a batch: each
// value is stamped with the generation (batch) that last changed it, and once the reader's
// snapshot holds a generation, the values it stamped are forgotten (the store has them).
class Ingestor::Totals : public TotalsSource {
 public:
  explicit Totals(Store& store) : store_(store) {}
  RunningTotal Total(const std::string& key) const override {
    auto it = totals_.find(key);
    if (it != totals_.end()) return it->second.value;
    auto t = store_.Total(key);
    if (!t.ok()) error_ = t.status();
    return totals_[key].value = t.ok() ? *t : RunningTotal{};
  }
  Hours LeaveBalance(AccountNumber worker, const std::string& benefit) const override {
    return Hours::FromUnits(BalanceOf(WorkerAccount(worker, benefit, Unit::kHours)));
  }
  // Adds (sign 1) or takes back (sign -1) an entry's running-total and leave changes.
  void Apply(const Entry& e, int sign = 1) {
    for (const TotalsDelta& d : e.deltas) {
      RunningTotal t = Total(d.key);
      t.basis += sign * d.delta.basis;
      t.amount += sign * d.delta.amount;
      totals_[d.key] = {t, generation_};
    }
    for (const Leg& leg : e.legs) {
      if (leg.unit == Unit::kHours && leg.account[0] == 'W') {
        // Read before the map is indexed: operator[] would insert the zero it then reads.
        const int64_t balance = BalanceOf(leg.account) + sign * leg.amount;
        balances_[leg.account] = {balance, generation_};
      }
    }
  }
  // The snapshot now holds every generation before the current one: their values go, and
  // changes from here on belong to the next.
  void NextGeneration() {
    auto held = [g = generation_](const auto& kv) { return kv.second.generation < g; };
    absl::erase_if(totals_, held);
    absl::erase_if(balances_, held);
    ++generation_;
  }
  Status error() const { return error_; }

 private:
  template <typename T>
  struct Stamped {
    T value{};
    uint64_t generation = 0;  // 0: as read from the store
  };
  int64_t BalanceOf(const std::string& account) const {
    auto it = balances_.find(account);
    if (it != balances_.end()) return it->second.value;
    auto b = store_.Balance(account);
    if (!b.ok()) error_ = b.status();
    return balances_[account].value = b.ok() ? *b : 0;
  }
  Store& store_;
  uint64_t generation_ = 1;
  mutable absl::flat_hash_map<std::string, Stamped<RunningTotal>> totals_;
  mutable absl::flat_hash_map<std::string, Stamped<int64_t>> balances_;
  mutable Status error_;
};

// Writes handed batches on a thread of its own, one at a time, each as one durable batch.
// A failure is kept: every later batch is refused with it.
class Ingestor::Writer {
 public:
  Writer(Store& store, int64_t data_version)
      : store_(store), data_version_(data_version), thread_([this] { Run(); }) {}
  ~Writer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // Needs the writer idle (Wait() returned).
  void Start(std::shared_ptr<const Overlay> batch, std::string source) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch_ = std::move(batch);
      source_ = std::move(source);
    }
    cv_.notify_all();
  }
  // Until the batch handed over is written; its failure, or an earlier one.
  Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return batch_ == nullptr; });
    return failure_;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || batch_ != nullptr; });
      if (batch_ == nullptr) return;
      lock.unlock();
      Status st = failure_.ok() ? Write(*batch_, source_) : failure_;
      lock.lock();
      failure_ = st;
      batch_.reset();
      cv_.notify_all();
    }
  }
  Status Write(const Overlay& batch, const std::string& source) {
    RETURN_IF_ERROR(store_.Begin());
    // Under the write lock: had another connection committed since the ingest began, the
    // batch would have been evaluated against a store that is no more.
    auto version = store_.DataVersion();
    if (!version.ok() || *version != data_version_) {
      store_.Rollback();
      if (!version.ok()) return version.status();
      return Status::Conflict("another connection wrote to the store during the ingest");
    }
    RETURN_IF_ERROR(store_.Append(batch.entries));  // rolled back on failure
    return store_.Commit(source).status();
  }

  Store& store_;
  const int64_t data_version_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const Overlay> batch_;  // being written; guarded by mu_
  std::string source_;
  Status failure_;
  bool stopping_ = false;
  std::thread thread_;
};

Ingestor::Ingestor(Store& store, const Registry& registry, Clock now, Store* reader)
    : store_(store),
      reader_(reader),
      registry_(registry),
      now_(now),
      voluntary_(contributions::MakeConsentPrograms(reader != nullptr ? *reader : store)) {}

Ingestor::~Ingestor() {
  Abort();
  writer_.reset();  // joins the thread before the overlays it reads go
}

Status Ingestor::Begin() {
  if (open_) return Status::Precondition("a batch is already open");
  RETURN_IF_ERROR(voluntary_->Prepare());
  if (reader_ == nullptr) {
    RETURN_IF_ERROR(store_.Begin());
    totals_ = std::make_unique<Totals>(store_);
    open_ = true;
    return Status::Ok();
  }
  if (writer_ == nullptr) {
    // Read before the first snapshot: a commit by anyone else after it is seen by the writer.
    ASSIGN_OR_RETURN(std::optional<int64_t> version, store_.DataVersion());
    if (!version) return Status::Precondition("this store cannot write batches in the background");
    writer_ = std::make_unique<Writer>(store_, *version);
  }
  RETURN_IF_ERROR(TakeSnapshot());
  totals_ = std::make_unique<Totals>(*reader_);
  open_ = true;
  return Status::Ok();
}

Status Ingestor::TakeSnapshot() {
  RETURN_IF_ERROR(reader_->BeginRead());
  snapshot_ = true;
  // A transaction's snapshot begins with its first read, so read now, before the next batch
  // is handed over (any read will do; this one finds nothing).
  if (auto r = reader_->FindReport("", ""); !r.ok()) {
    ReleaseSnapshot();
    return r.status();
  }
  return Status::Ok();
}

void Ingestor::ReleaseSnapshot() {
  if (snapshot_) reader_->EndRead();
  snapshot_ = false;
}

void Ingestor::Close() {
  open_ = false;
  staged_ = Overlay{};
  fetched_reports_.clear();
  fetched_day_hours_.clear();
  totals_.reset();
}

void Ingestor::Abort() {
  if (!open_) return;
  if (reader_ == nullptr) {
    store_.Rollback();
  } else {
    ReleaseSnapshot();
    (void)writer_->Wait();
    in_flight_.reset();
  }
  Close();
}

Status Ingestor::Flush() {
  if (reader_ != nullptr) return Status::Precondition("a pipelined batch is written by Handoff()");
  if (staged_.entries.empty()) return Status::Ok();
  Status st = store_.Append(staged_.entries);
  staged_ = Overlay{};
  // Answers read for a chunk before its staged reports reached the store are stale now.
  fetched_reports_.clear();
  fetched_day_hours_.clear();
  if (!st.ok()) Close();  // the store rolled the batch back
  return st;
}

Result<BatchReceipt> Ingestor::Commit(const std::string& source) {
  if (reader_ != nullptr) return Status::Precondition("a pipelined batch is written by Handoff()");
  RETURN_IF_ERROR(Flush());
  auto receipt = store_.Commit(source);
  open_ = false;
  totals_.reset();
  return receipt;
}

Status Ingestor::Handoff(const std::string& source) {
  if (reader_ == nullptr || !open_) return Status::Precondition("no pipelined batch is open");
  // Let go of the snapshot first, so that the commit being written can checkpoint past it.
  ReleaseSnapshot();
  Status st = writer_->Wait();
  if (st.ok()) st = TakeSnapshot();  // it holds the batch in flight now
  if (st.ok()) st = voluntary_->Prepare();
  if (!st.ok()) {
    in_flight_.reset();
    Close();
    return st;
  }
  totals_->NextGeneration();
  // The batch just written is freed once the writer has the next one: freeing its entries then
  // overlaps the writer's work instead of delaying it.
  const std::shared_ptr<const Overlay> written = std::exchange(in_flight_, nullptr);
  if (!staged_.entries.empty()) {
    in_flight_ = std::make_shared<const Overlay>(std::move(staged_));
    writer_->Start(in_flight_, source);
  }
  staged_ = Overlay{};
  if (in_flight_) staged_.entries.reserve(in_flight_->entries.size());  // batches alike in size
  return Status::Ok();
}

Status Ingestor::Drain() {
  if (reader_ == nullptr || !open_) return Status::Precondition("no pipelined batch is open");
  ReleaseSnapshot();
  Status st = writer_->Wait();
  in_flight_.reset();
  Close();
  return st;
}

std::optional<Date> Ingestor::TodayAt(const Jurisdiction& j) {
  auto it = today_.find(j.code);
  if (it != today_.end()) return it->second;
  auto today = TodayIn(j.time_zone, now_);
  if (!today.ok()) return std::nullopt;
  today_[j.code] = *today;
  return *today;
}

std::array<const Ingestor::Overlay*, 2> Ingestor::Overlays() const {
  static const Overlay kNothing;
  return {&staged_, in_flight_ ? in_flight_.get() : &kNothing};
}

Result<std::optional<Entry>> Ingestor::FindRecorded(const std::string& entity,
                                                    const std::string& id) {
  const std::string key = ReportKey(entity, id);
  for (const Overlay* o : Overlays()) {
    if (auto it = o->reports.find(key); it != o->reports.end()) {
      return std::optional<Entry>(o->entries[it->second]);
    }
  }
  if (auto f = fetched_reports_.find(key); f != fetched_reports_.end()) return f->second;
  ASSIGN_OR_RETURN(auto stored, reads().FindReport(entity, id));
  if (!stored) return std::optional<Entry>();
  return std::optional<Entry>(std::move(stored->entry));
}

Result<std::optional<std::string>> Ingestor::FindReplacement(const std::string& entity,
                                                             const std::string& id) {
  const std::string key = ReportKey(entity, id);
  for (const Overlay* o : Overlays()) {
    if (auto it = o->replaced.find(key); it != o->replaced.end()) {
      return std::optional<std::string>(it->second);
    }
  }
  return reads().ReplacedBy(entity, id);
}

Result<int64_t> Ingestor::HoursOnDay(const WorkReport& r) {
  const std::string key = DayKey(r);
  int64_t hours = 0;
  if (auto f = fetched_day_hours_.find(key); f != fetched_day_hours_.end()) {
    hours = f->second;
  } else {
    ASSIGN_OR_RETURN(hours, reads().HoursOnDay(r.worker, r.entity, r.work_date));
  }
  for (const Overlay* o : Overlays()) {
    if (auto it = o->day_hours.find(key); it != o->day_hours.end()) hours += it->second;
  }
  return hours;
}

Result<int64_t> Ingestor::PendingBalance(const std::string& account) {
  ASSIGN_OR_RETURN(int64_t balance, reads().Balance(account));
  for (const Overlay* o : Overlays()) {
    if (auto it = o->worker_changes.find(account); it != o->worker_changes.end()) {
      balance += it->second;
    }
  }
  return balance;
}

void Ingestor::Prefetch(std::span<const IncomingReport> chunk) {
  std::vector<ReportRef> reports;
  std::vector<std::string> report_keys;
  std::vector<DayRef> days;
  std::vector<std::string> day_keys;
  absl::flat_hash_set<std::string> seen_reports, seen_days;
  auto want_report = [&](const std::string& entity, const std::string& id) {
    std::string key = ReportKey(entity, id);
    const auto overlays = Overlays();
    if (std::any_of(overlays.begin(), overlays.end(),
                    [&](const Overlay* o) { return o->reports.contains(key); }) ||
        !seen_reports.insert(key).second) {
      return;
    }
    reports.push_back({entity, id});
    report_keys.push_back(std::move(key));
  };
  for (const IncomingReport& in : chunk) {
    if (!in.errors.empty() || !in.report) continue;
    const WorkReport& r = *in.report;
    want_report(r.entity, r.report_id);
    if (!r.replaces.empty()) want_report(r.entity, r.replaces);
    std::string key = DayKey(r);
    if (!seen_days.insert(key).second) continue;
    days.push_back({r.worker, r.entity, r.work_date});
    day_keys.push_back(std::move(key));
  }
  auto found = reads().FindReports(reports);
  auto hours = reads().HoursOnDays(days);
  if (!found.ok() || !hours.ok()) return;  // each report asks the store itself
  fetched_reports_.reserve(reports.size());
  for (size_t i = 0; i < reports.size(); ++i) {
    std::optional<Entry> entry;
    if ((*found)[i]) entry = std::move((*found)[i]->entry);
    fetched_reports_.emplace(std::move(report_keys[i]), std::move(entry));
  }
  fetched_day_hours_.reserve(days.size());
  for (size_t i = 0; i < days.size(); ++i) {
    fetched_day_hours_.emplace(std::move(day_keys[i]), (*hours)[i]);
  }
}

ReportResult Ingestor::Add(const IncomingReport& in) {
  return std::move(AddChunk(std::span<const IncomingReport>(&in, 1)).front());
}

std::vector<ReportResult> Ingestor::AddChunk(std::span<const IncomingReport> chunk) {
  std::vector<ReportResult> out;
  out.reserve(chunk.size());
  if (open_) Prefetch(chunk);
  std::vector<AccountNumber> workers;
  for (const IncomingReport& in : chunk) {
    if (in.report) workers.push_back(in.report->worker);
  }
  const Status consents = open_ ? voluntary_->Load(workers) : Status::Ok();
  for (const IncomingReport& in : chunk) {
    if (consents.ok()) {
      out.push_back(AddOne(in));
    } else {
      out.push_back({in.row, Outcome::kRejected, {{in.row, "", consents.message()}}, {}, {}});
    }
  }
  fetched_reports_.clear();
  fetched_day_hours_.clear();
  return out;
}

ReportResult Ingestor::AddOne(const IncomingReport& in) {
  ReportResult out;
  out.row = in.row;
  auto reject = [&](std::vector<FieldError> errors) {
    out.outcome = Outcome::kRejected;
    out.errors = std::move(errors);
    return out;
  };
  if (!open_) return reject({{in.row, "", "no batch is open"}});
  if (!in.errors.empty() || !in.report) return reject(in.errors);
  const WorkReport& r = *in.report;

  // A resend of a recorded report is a no-op; another report under a used id is refused.
  auto recorded = FindRecorded(r.entity, r.report_id);
  if (!recorded.ok()) return reject({{in.row, "", recorded.status().message()}});
  if (*recorded) {
    if ((*recorded)->report.SameContent(r)) {
      out.outcome = Outcome::kAlreadyRecorded;
      out.entry = std::move(**recorded);
      return out;
    }
    return reject({{in.row, "report_id",
                    "report id '" + r.report_id + "' of " + r.entity +
                        " was already used for a different report (differs in " +
                        Differences((*recorded)->report, r) + ")"}});
  }
  std::optional<StoredEntry> replaced;
  std::vector<FieldError> errors = Check(in.row, r, &replaced);
  if (!errors.empty()) return reject(std::move(errors));

  // A correction is evaluated as if the report it replaces had never been: its running totals
  // (caps, accrual) are taken back before the engine sees them.
  Entry reversal;
  if (replaced) {
    reversal = BuildReversal(replaced->entry);
    totals_->Apply(reversal);
  }
  const Jurisdiction* where = registry_.FindJurisdiction(r.jurisdiction);
  const HiringEntity* entity = registry_.FindEntity(r.entity);
  const std::string& sector = r.sector.empty() ? entity->sector : r.sector;
  auto applicable =
      registry_.policies().Select(registry_.Chain(where->code), sector, r.entity, r.work_date);
  voluntary_->Append(r.worker, r.work_date, &applicable);
  auto eval = Evaluate(r, EntityFacts{entity->size, entity->sector}, applicable, *totals_);
  const Status failed = !eval.ok() ? eval.status() : totals_->error();
  if (!failed.ok()) {
    if (replaced) totals_->Apply(reversal, -1);
    return reject({{in.row, "", failed.message()}});
  }
  out.notes = eval->notes;
  Entry entry = BuildEntry(r, *eval);
  totals_->Apply(entry);
  if (replaced) {
    entry = BuildCorrection(std::move(reversal), std::move(entry));
    const size_t applied = entry.legs.size();  // the legs whose changes totals_ holds
    if (Status kept = KeepPaidOut(&entry); !kept.ok()) {
      entry.legs.resize(applied);
      if (totals_) totals_->Apply(entry, -1);  // gone if the flush failed
      return reject({{in.row, "", kept.message()}});
    }
    // What is kept stays on the worker's leave account for the reports after this one too.
    Entry kept;
    kept.legs.assign(entry.legs.begin() + static_cast<std::ptrdiff_t>(applied), entry.legs.end());
    totals_->Apply(kept);
    staged_.replaced[ReportKey(r.entity, r.replaces)] = r.report_id;
    // The replaced report's hours leave its day.
    const WorkReport& old = replaced->entry.report;
    staged_.day_hours[DayKey(old)] -= old.hours.units();
    out.outcome = Outcome::kCorrected;
  } else {
    out.outcome = Outcome::kRecorded;
  }
  staged_.day_hours[DayKey(r)] += r.hours.units();
  if (return_entries_) out.entry = entry;
  Stage(std::move(entry));
  return out;
}

Status Ingestor::KeepPaidOut(Entry* correction) {
  std::map<std::pair<std::string, Unit>, int64_t> change;
  for (const Leg& l : correction->legs) {
    if (WorkerOfAccount(l.account).valid()) change[{l.account, l.unit}] += l.amount;
  }
  bool flushed = false;
  for (const auto& [account, amount] : change) {
    if (amount >= 0) continue;
    if (!flushed && reader_ == nullptr) {
      RETURN_IF_ERROR(Flush());
      flushed = true;
    }
    ASSIGN_OR_RETURN(int64_t balance, PendingBalance(account.first));
    if (balance + amount < 0) {
      accrue::KeepPaidOut(correction, account.first, account.second, -(balance + amount));
    }
  }
  return Status::Ok();
}

// The entry's effect on running totals is already applied.
void Ingestor::Stage(Entry entry) {
  if (reader_ != nullptr) {
    for (const Leg& leg : entry.legs) {
      if (WorkerOfAccount(leg.account).valid()) staged_.worker_changes[leg.account] += leg.amount;
    }
  }
  staged_.reports[ReportKey(entry.report.entity, entry.report.report_id)] = staged_.entries.size();
  staged_.entries.push_back(std::move(entry));
}

std::vector<FieldError> Ingestor::Check(int64_t row, const WorkReport& r,
                                        std::optional<StoredEntry>* replaced) {
  std::vector<FieldError> errors;
  const HiringEntity* entity = registry_.FindEntity(r.entity);
  if (entity == nullptr) {
    errors.push_back({row, "hiring_entity", "unknown hiring entity '" + r.entity + "'"});
  }
  const Jurisdiction* where = registry_.FindJurisdiction(r.jurisdiction);
  if (where == nullptr) {
    errors.push_back({row, "jurisdiction", "unknown jurisdiction '" + r.jurisdiction + "'"});
  } else if (auto today = TodayAt(*where); today && r.work_date > *today) {
    errors.push_back({row, "work_date",
                      "work date " + r.work_date.ToString() + " is in the future (today in " +
                          where->code + " is " + today->ToString() + ")"});
  }
  if (known_workers_.count(r.worker.value()) == 0) {
    auto w = reads().FindWorker(r.worker);
    if (!w.ok()) {
      errors.push_back({row, "worker", w.status().message()});
    } else if (!*w) {
      errors.push_back({row, "worker", "no worker has account number " + r.worker.ToString()});
    } else {
      known_workers_.insert(r.worker.value());
    }
  }
  if (!r.replaces.empty()) {
    if (r.replaces == r.report_id) {
      errors.push_back({row, "replaces", "a report cannot replace itself"});
    } else if (auto old = FindRecorded(r.entity, r.replaces); !old.ok() || !*old) {
      errors.push_back({row, "replaces",
                        "replaces '" + r.replaces + "', but " + r.entity + " has no such report"});
    } else if (auto by = FindReplacement(r.entity, r.replaces); by.ok() && *by) {
      errors.push_back({row, "replaces",
                        "replaces '" + r.replaces + "', which was already replaced by '" + **by +
                            "'; correct that one instead"});
    } else {
      *replaced = StoredEntry{0, 0, std::move(**old)};
    }
  }
  if (errors.empty()) {
    auto day = HoursOnDay(r);
    int64_t total = day.ok() ? *day + r.hours.units() : 0;
    if (*replaced && DayKey((*replaced)->entry.report) == DayKey(r)) {
      total -= (*replaced)->entry.report.hours.units();
    }
    if (!day.ok()) {
      errors.push_back({row, "", day.status().message()});
    } else if (total > Hours::Whole(kMaxReportHours).units()) {
      errors.push_back({row, "hours",
                        "would bring " + r.worker.ToString() + "'s hours for " + r.entity + " on " +
                            r.work_date.ToString() + " to " + Hours::FromUnits(total).ToString() +
                            " (more than 24)"});
    }
  }
  return errors;
}

void QuietSpell::Pause() {
  paused_ = true;
  quiet_ = 0;
  last_version_ = -1;
}

bool QuietSpell::Quiet(Store& store) {
  auto version = store.DataVersion();
  if (!version.ok() || !*version) return false;
  quiet_ = last_version_ == **version ? quiet_ + 1 : 0;
  last_version_ = **version;
  return quiet_ >= kQuietBatches;
}

}  // namespace accrue
