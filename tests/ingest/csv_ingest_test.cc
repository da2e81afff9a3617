// Pipelined CSV ingest records exactly what one batch at a time records: the same outcome for
// every row and the same ledger, byte for byte, even when rows resend, correct or add to rows
// of the batch still being written. Another connection writing midway is caught, and the rows
// not yet durable are recorded again against the store as it then is.
#include "ingest/csv_ingest.h"

#include <gtest/gtest.h>

#include <random>

#include "ingest/report_csv.h"
#include "testing/engine_store.h"
#include "testing/temp_dir.h"

namespace accrue {
namespace {

Date D(const char* text) { return *Date::Parse(text); }

std::string Csv(const std::vector<WorkReport>& reports) {
  std::string csv = ReportCsvHeaderLine();
  for (const WorkReport& r : reports) AppendReportCsvRow(r, &csv);
  return csv;
}

class CsvIngestTest : public ::testing::Test {
 protected:
  // A store seeded as every test's is: the shipped packs, two entities and three workers.
  std::unique_ptr<Store> Seeded(const std::string& file) {
    auto store = OpenSqliteStore(dir_ / file);
    EXPECT_TRUE(store.ok()) << store.status().message();
    if (!store.ok()) return nullptr;
    EXPECT_TRUE(testing::SeedJurisdictionsAndPolicies(**store));
    EXPECT_TRUE((*store)
                    ->AddEntities({{"rideco", "RideCo", "rideshare", 5000},
                                   {"cleanco", "CleanCo", "cleaning", 3}})
                    .ok());
    std::vector<Worker> workers;
    for (int i = 1; i <= 3; ++i) {
      workers.push_back({AccountNumber::FromSerial(7000 + i), "Worker " + std::to_string(i),
                         D("1990-04-01"), "US-WA-SEATTLE"});
    }
    EXPECT_TRUE((*store)->AddWorkers(workers).ok());
    return std::move(*store);
  }

  static AccountNumber W(int i) { return AccountNumber::FromSerial(7000 + i); }

  static WorkReport Row(const std::string& id, int worker, const char* day, const char* hours,
                        const char* earnings, const std::string& replaces = "") {
    WorkReport r;
    r.entity = "rideco";
    r.report_id = id;
    r.worker = W(worker);
    r.work_date = D(day);
    r.jurisdiction = "US-WA-SEATTLE";
    r.hours = *Hours::Parse(hours);
    r.earnings = *Money::Parse(earnings);
    r.jobs = 1;
    r.replaces = replaces;
    return r;
  }

  struct Run {
    CsvIngestSummary summary;
    std::vector<std::string> refusals;  // "row N field: message", in the order reported
  };

  // Ingests `csv` into `store`, pipelined when a reader is given.
  Run Ingest(Store& store, const std::string& csv, size_t batch_rows, Store* reader = nullptr,
             std::function<void()> after_first_batch = nullptr) {
    auto registry = Registry::Load(store);
    EXPECT_TRUE(registry.ok());
    Run run;
    CsvIngestOptions options;
    options.batch_rows = batch_rows;
    options.reader = reader;
    options.now = std::chrono::sys_days(std::chrono::year{2026} / 12 / 1);
    options.on_reject = [&](const std::vector<FieldError>& errors, auto) {
      for (const FieldError& e : errors) run.refusals.push_back(e.ToString());
    };
    bool first = true;
    options.on_progress = [&](int64_t, int64_t, int64_t) {
      if (first && after_first_batch) after_first_batch();
      first = false;
    };
    auto summary = IngestCsv(store, **registry, CsvReader::FromString(csv), options);
    EXPECT_TRUE(summary.ok()) << summary.status().message();
    if (summary.ok()) run.summary = *summary;
    return run;
  }

  // Everything the ledger holds that a batch writes, as text.
  static std::string Dump(Store& store) {
    std::string out;
    for (const char* sql :
         {"SELECT seq, batch, entity, report_id, worker, hex(legs) FROM entries ORDER BY seq",
          "SELECT id, entries, first_seq, hex(prev_hash), hex(hash) FROM batches ORDER BY id",
          "SELECT id, key, unit, balance FROM accounts ORDER BY id",
          "SELECT id, key, basis, amount FROM totals ORDER BY id",
          "SELECT id, text FROM strings ORDER BY id",
          "SELECT worker, entity, payer, money FROM worker_payers ORDER BY 1, 2, 3",
          "SELECT worker, reports FROM worker_reports ORDER BY 1"}) {
      auto rows = store.sql().Query(sql);
      EXPECT_TRUE(rows.ok()) << rows.status().message();
      if (!rows.ok()) continue;
      for (const SqlRow& row : *rows) {
        for (const SqlValue& v : row.values) {
          if (const auto* i = std::get_if<int64_t>(&v)) out += std::to_string(*i);
          if (const auto* t = std::get_if<std::string>(&v)) out += *t;
          out += '|';
        }
        out += '\n';
      }
    }
    return out;
  }

  // Ingests `csv` into two stores seeded alike, one batch at a time and pipelined, and expects
  // the same counts, refusals and ledger, one that verifies. Returns the pipelined run.
  Run BothWays(const std::string& csv, size_t batch_rows) {
    auto serial = Seeded("serial.db");
    auto piped = Seeded("piped.db");
    auto reader = OpenSqliteStore(dir_ / "piped.db");
    EXPECT_TRUE(serial && piped && reader.ok());
    if (!serial || !piped || !reader.ok()) return {};
    const Run one = Ingest(*serial, csv, batch_rows);
    Run two = Ingest(*piped, csv, batch_rows, reader->get());
    ExpectSameCounts(one.summary, two.summary);
    EXPECT_EQ(one.refusals, two.refusals);
    EXPECT_EQ(Dump(*serial), Dump(*piped));
    ExpectVerifies(*piped);
    return two;
  }

  // Ingests `rows` pipelined in batches of three into piped.db while, after the first batch is
  // durable, another connection records `theirs`: 23 hours on the day of the row it copies, so
  // that the file's 2 hours for that day must be refused.
  Run IngestWhileAnotherRecords(const std::vector<WorkReport>& rows, WorkReport theirs) {
    theirs.report_id = "elsewhere";
    theirs.hours = Hours::Whole(23);
    piped_ = Seeded("piped.db");
    auto reader = OpenSqliteStore(dir_ / "piped.db");
    auto other = OpenSqliteStore(dir_ / "piped.db");
    EXPECT_TRUE(piped_ && reader.ok() && other.ok());
    if (!piped_ || !reader.ok() || !other.ok()) return {};
    auto registry = Registry::Load(**other);
    EXPECT_TRUE(registry.ok());
    bool wrote = false;
    Run run = Ingest(*piped_, Csv(rows), 3, reader->get(), [&] {
      Ingestor ingestor(**other, **registry, std::chrono::system_clock::now());
      ASSERT_TRUE(ingestor.Begin().ok());
      ASSERT_EQ(ingestor.Add({1, theirs, {}}).outcome, Outcome::kRecorded);
      ASSERT_TRUE(ingestor.Commit("elsewhere").ok());
      wrote = true;
    });
    EXPECT_TRUE(wrote);
    return run;
  }

  // The run refused one row, `row` (e.g. "row 9"), for passing 24 hours, and the store holds
  // `entries` entries and verifies.
  void ExpectOneDayRefusal(const Run& run, const std::string& row, int64_t entries) {
    EXPECT_EQ(run.summary.rejected, 1);
    ASSERT_EQ(run.refusals.size(), 1u);
    EXPECT_EQ(run.refusals[0].rfind(row, 0), 0u) << run.refusals[0];
    EXPECT_NE(run.refusals[0].find("(more than 24)"), std::string::npos) << run.refusals[0];
    auto count = piped_->CountEntries();
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(*count, entries);
    ExpectVerifies(*piped_);
  }

  static void ExpectVerifies(Store& store) {
    auto v = store.Verify();
    ASSERT_TRUE(v.ok()) << v.status().message();
    EXPECT_TRUE(v->problems.empty()) << v->problems.front();
  }

  static void ExpectSameCounts(const CsvIngestSummary& a, const CsvIngestSummary& b) {
    EXPECT_EQ(a.rows, b.rows);
    EXPECT_EQ(a.recorded, b.recorded);
    EXPECT_EQ(a.corrected, b.corrected);
    EXPECT_EQ(a.already_recorded, b.already_recorded);
    EXPECT_EQ(a.rejected, b.rejected);
    EXPECT_EQ(a.batches, b.batches);
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> piped_;  // IngestWhileAnotherRecords' store
};

// Batches of three: every row below leans on a row of the batch before, which is still being
// written when it is read.
TEST_F(CsvIngestTest, RowsThatLeanOnTheBatchInFlightGetTheSerialOutcome) {
  const std::vector<WorkReport> rows = {
      // batch 1
      Row("a1", 1, "2026-03-02", "10", "200.00"),
      Row("a2", 1, "2026-03-03", "8", "150.00"),
      Row("b1", 2, "2026-03-02", "9", "180.00"),
      // batch 2: a resend, a correction and a day over 24 hours, each of batch 1
      Row("a1", 1, "2026-03-02", "10", "200.00"),
      Row("a1-fix", 1, "2026-03-02", "12", "240.00", "a1"),
      Row("a3", 1, "2026-03-02", "13", "100.00"),
      // batch 3: a second correction of a1, a correction of b1, another report under a2's id
      Row("a1-fix2", 1, "2026-03-02", "11", "220.00", "a1"),
      Row("b1-fix", 2, "2026-03-02", "7", "140.00", "b1"),
      Row("a2", 1, "2026-03-03", "9", "150.00"),
      // batch 4: the day that a1-fix left room in
      Row("a4", 1, "2026-03-02", "12", "300.00"),
  };
  WorkReport stranger = Row("x9", 1, "2026-03-04", "1", "10.00");
  stranger.entity = "nobody";
  const std::string csv = Csv(rows) + [&] {
    std::string row;
    AppendReportCsvRow(stranger, &row);
    return row;
  }();
  const Run two = BothWays(csv, 3);
  EXPECT_EQ(two.summary.rows, 11);
  EXPECT_EQ(two.summary.recorded, 4);   // a1, a2, b1, a4
  EXPECT_EQ(two.summary.corrected, 2);  // a1-fix, b1-fix
  EXPECT_EQ(two.summary.already_recorded, 1);
  EXPECT_EQ(two.summary.rejected, 4);
  ASSERT_EQ(two.refusals.size(), 4u);
  EXPECT_NE(two.refusals[0].find("(more than 24)"), std::string::npos) << two.refusals[0];
  EXPECT_NE(two.refusals[1].find("already replaced by 'a1-fix'"), std::string::npos)
      << two.refusals[1];
  EXPECT_NE(two.refusals[2].find("differs in hours"), std::string::npos) << two.refusals[2];
  EXPECT_NE(two.refusals[3].find("unknown hiring entity 'nobody'"), std::string::npos)
      << two.refusals[3];
}

// Many small batches of random work, resends and corrections: running totals (weekly caps,
// accrual) and leave balances carried from batch to batch come out as they do serially.
TEST_F(CsvIngestTest, ManySmallBatchesOfRandomWorkMatchTheSerialLedgerByteForByte) {
  std::mt19937 random(20261206);
  std::vector<WorkReport> rows;
  std::vector<WorkReport> live;  // recorded and not replaced, as far as the file goes
  for (int i = 0; i < 400; ++i) {
    const int pick = static_cast<int>(random() % 10);
    if (pick == 0 && !live.empty()) {
      rows.push_back(live[random() % live.size()]);  // a resend
      continue;
    }
    const std::string day = "2026-03-" + std::string(1, static_cast<char>('0' + random() % 3)) +
                            std::string(1, static_cast<char>('1' + random() % 9));
    const std::string hours = std::to_string(1 + random() % 9);
    const std::string pay = std::to_string(20 + random() % 300) + ".25";
    WorkReport r = Row("r" + std::to_string(i), 1 + static_cast<int>(random() % 3), day.c_str(),
                       hours.c_str(), pay.c_str());
    if (pick <= 2 && !live.empty()) {  // corrects a recent report, often of the last batch
      const size_t back = std::min<size_t>(live.size(), 1 + random() % 12);
      const size_t at = live.size() - back;
      r.replaces = live[at].report_id;
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
    }
    live.push_back(r);
    rows.push_back(r);
  }
  const Run two = BothWays(Csv(rows), 7);
  EXPECT_GT(two.summary.corrected, 50);
  EXPECT_GT(two.summary.already_recorded, 20);
  EXPECT_GT(two.summary.rejected, 0);  // some days pass 24 hours
}

// Someone records 23 hours of a worker's day while the file is being ingested: right after the
// first batch is durable, when the third batch is about to be read against a snapshot from
// before. That batch has 2 more hours for the same day. The background writer sees that the
// store changed under it, the batches not yet durable are read again, and the row is refused
// as the 24-hour day requires.
TEST_F(CsvIngestTest, AnotherWriterMidwayIsCaughtAndTheRestIsReadAgain) {
  std::vector<WorkReport> rows;
  for (int i = 0; i < 12; ++i) {
    const std::string day = "2026-04-0" + std::to_string(1 + i % 9);
    rows.push_back(Row("q" + std::to_string(i), 1 + i % 3, day.c_str(), "2", "50.00"));
  }
  const Run run = IngestWhileAnotherRecords(rows, rows[7]);
  ASSERT_TRUE(piped_);
  EXPECT_EQ(run.summary.rows, 12);
  EXPECT_EQ(run.summary.recorded, 11);
  auto day = piped_->HoursOnDay(rows[7].worker, "rideco", rows[7].work_date);
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(*day, Hours::Whole(23).units());
  ExpectOneDayRefusal(run, "row 9", 12);
}

// The same when the last batch is the one read against a stale snapshot: the second batch only
// resends the first, so nothing is being written when the other connection writes, and it is
// the last batch's write that finds the store changed.
TEST_F(CsvIngestTest, AnotherWriterBeforeTheLastBatchIsCaughtToo) {
  std::vector<WorkReport> rows;
  for (int i = 0; i < 3; ++i) {
    rows.push_back(Row("q" + std::to_string(i), 1, "2026-04-01", "2", "50.00"));
  }
  for (int i = 0; i < 3; ++i) rows.push_back(rows[i]);  // resends only: nothing to write
  for (int i = 3; i < 6; ++i) {
    const std::string day = "2026-04-0" + std::to_string(i - 1);
    rows.push_back(Row("q" + std::to_string(i), 2, day.c_str(), "2", "50.00"));
  }
  const Run run = IngestWhileAnotherRecords(rows, rows.back());
  ASSERT_TRUE(piped_);
  EXPECT_EQ(run.summary.rows, 9);
  EXPECT_EQ(run.summary.recorded, 5);  // q0-q4; q5 would make 25 h
  EXPECT_EQ(run.summary.already_recorded, 3);
  ExpectOneDayRefusal(run, "row 10", 6);
}

// After such a conflict the batches go one at a time, and once nobody else has written for two
// of them, they are pipelined again. Here the other connection registers a worker once, early
// on: the second or third batch is read again, a few go serially, and the rest are written in
// the background; the ledger is the one a serial ingest of the file writes.
TEST_F(CsvIngestTest, AfterAQuietSpellBatchesArePipelinedAgain) {
  std::vector<WorkReport> rows;
  for (int i = 0; i < 36; ++i) {
    const std::string day = "2026-05-" + std::to_string(10 + i % 12);
    rows.push_back(Row("m" + std::to_string(i), 1 + i % 3, day.c_str(), "1.5", "30.00"));
  }
  const std::string csv = Csv(rows);
  auto serial = Seeded("serial.db");
  auto piped = Seeded("piped.db");
  ASSERT_TRUE(serial && piped);
  auto reader = OpenSqliteStore(dir_ / "piped.db");
  auto other = OpenSqliteStore(dir_ / "piped.db");
  ASSERT_TRUE(reader.ok() && other.ok());
  const Run one = Ingest(*serial, csv, 3);
  const Run two = Ingest(*piped, csv, 3, reader->get(), [&] {
    auto added =
        (*other)->AddWorkers({{AccountNumber(), "Newcomer", D("1995-01-01"), "US-WA-SEATTLE"}});
    ASSERT_TRUE(added.ok()) << added.status().message();
  });
  ExpectSameCounts(one.summary, two.summary);
  EXPECT_EQ(two.summary.recorded, 36);
  EXPECT_EQ(two.summary.batches, 12);
  EXPECT_EQ(one.summary.background_batches, 0);
  // The first batch and every batch from the sixth or fifth on; not the ones around the write.
  EXPECT_GE(two.summary.background_batches, 8);
  EXPECT_LE(two.summary.background_batches, 10);
  EXPECT_EQ(Dump(*serial), Dump(*piped));
  ExpectVerifies(*piped);
}

// A serial batch is committed, a pipelined one handed over: the other call is refused, says
// which one to use, and writes nothing.
TEST_F(CsvIngestTest, SerialAndPipelinedCallsAreNotMixed) {
  auto store = Seeded("mixed.db");
  auto reader = OpenSqliteStore(dir_ / "mixed.db");
  ASSERT_TRUE(store && reader.ok());
  auto registry = Registry::Load(*store);
  ASSERT_TRUE(registry.ok());
  const auto now = std::chrono::sys_days(std::chrono::year{2026} / 12 / 1);
  const WorkReport r = Row("x1", 1, "2026-03-02", "2", "40.00");

  Ingestor serial(*store, **registry, now);
  ASSERT_TRUE(serial.Begin().ok());
  ASSERT_EQ(serial.Add({2, r, {}}).outcome, Outcome::kRecorded);
  EXPECT_EQ(serial.Handoff("test").message(), "no pipelined batch is open");
  EXPECT_EQ(serial.Drain().message(), "no pipelined batch is open");
  serial.Abort();

  Ingestor pipelined(*store, **registry, now, reader->get());
  ASSERT_TRUE(pipelined.Begin().ok());
  ASSERT_EQ(pipelined.Add({2, r, {}}).outcome, Outcome::kRecorded);
  EXPECT_EQ(pipelined.Flush().message(), "a pipelined batch is written by Handoff()");
  auto committed = pipelined.Commit("test");
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.status().code(), Code::kPrecondition);
  EXPECT_EQ(committed.status().message(), "a pipelined batch is written by Handoff()");
  pipelined.Abort();
  auto count = store->CountEntries();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
}

}  // namespace
}  // namespace accrue
