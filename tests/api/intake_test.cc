// The HTTP writer's pipelined groups: answered only once durable, recorded again (exactly once)
// when another connection writes while a group is in flight, handed over again once nobody else
// has written for a while, and an all-or-nothing batch with a refusal dropped whole while the
// group before it is still being written.
#include "api/intake.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "api/api_fixture.h"

namespace accrue::testing {
namespace {

class IntakeTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    auto store = OpenSqliteStore(db_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(registry_.Reload(**store).ok());
    auto checker = OpenSqliteStore(db_);
    ASSERT_TRUE(checker.ok());
    checker_ = std::move(*checker);
    auto intake = api::Intake::Start(
        [db = db_] { return OpenSqliteStore(db); }, registry_,
        [] { return std::chrono::system_clock::time_point(std::chrono::seconds(kStart)); },
        /*background_reports=*/1);
    ASSERT_TRUE(intake.ok()) << intake.status().message();
    intake_ = std::move(*intake);
    // A first group migrates what the writer's connections use on first sight (which takes the
    // write lock), so that the tests' own hold of the lock delays only the writes they mean to.
    auto warm = Submit({Incoming("w1", 28)});
    ASSERT_EQ(warm.get(), "committed: recorded");
    ASSERT_EQ(Stats().background, 1);
  }

  void TearDown() override {
    intake_.reset();
    ApiTest::TearDown();
  }

  // A report of rideco for Ana on day `day` of September 2026.
  IncomingReport Incoming(const std::string& id, int day, const char* hours = "1") const {
    WorkReport r;
    r.entity = "rideco";
    r.report_id = id;
    r.worker = ana_;
    r.work_date = Date::FromYmd(2026, 9, day);
    r.jurisdiction = "US-WA-SEATTLE";
    r.hours = *Hours::Parse(hours);
    r.earnings = *Money::Parse("20.00");
    r.jobs = 1;
    return IncomingReport{1, std::move(r), {}};
  }

  // Submits an all-or-nothing batch; the answer lists each report's outcome, and a job
  // answered as committed must already be readable through another connection.
  std::future<std::string> Submit(std::vector<IncomingReport> reports) {
    auto answer = std::make_shared<std::promise<std::string>>();
    auto future = answer->get_future();
    api::IntakeJob job;
    job.reports = std::move(reports);
    job.render = [this](const std::vector<ReportResult>& results, bool committed) {
      std::string text = committed ? "committed:" : "rolled back:";
      for (const ReportResult& r : results) {
        text += std::string(" ") + OutcomeName(r.outcome);
        if (committed && r.outcome == Outcome::kRecorded && !Durable(r.entry.report.report_id)) {
          text += " (not yet durable)";
        }
      }
      api::HttpResponse response;
      response.body = text;
      return response;
    };
    job.respond = [answer](const api::HttpResponse& r) { answer->set_value(r.body); };
    intake_->Submit(std::move(job));
    return future;
  }

  bool Durable(const std::string& report_id) {
    std::lock_guard<std::mutex> lock(checker_mu_);
    auto found = checker_->FindReport("rideco", report_id);
    return found.ok() && found->has_value();
  }

  api::IntakeStats Stats() const { return intake_->stats(); }

  // Another connection holding the write lock, so that a group handed over stays in flight.
  std::unique_ptr<Store> HoldWriteLock() {
    auto other = OpenSqliteStore(db_);
    EXPECT_TRUE(other.ok());
    EXPECT_TRUE((*other)->sql().Exec("BEGIN IMMEDIATE").ok());
    return std::move(*other);
  }

  // Until `groups` were handed over in all (the first test group after the warm-up: 2).
  void WaitForBackground(int64_t groups) {
    for (int i = 0; i < 2000 && Stats().background < groups; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(Stats().background, groups) << "the group was never handed over";
  }

  void ExpectVerified(int64_t entries) {
    auto store = OpenSqliteStore(db_);
    ASSERT_TRUE(store.ok());
    auto verified = (*store)->Verify();
    ASSERT_TRUE(verified.ok());
    EXPECT_TRUE(verified->problems.empty()) << verified->problems.front();
    EXPECT_EQ(verified->entries, entries);
  }

  api::SharedRegistry registry_;
  std::unique_ptr<api::Intake> intake_;
  std::mutex checker_mu_;
  std::unique_ptr<Store> checker_;
};

TEST_F(IntakeTest, GroupsAreWrittenInTheBackgroundAndAnsweredOnceDurable) {
  std::vector<std::future<std::string>> answers;
  for (int b = 0; b < 12; ++b) {
    const std::string id = "p" + std::to_string(b) + "-";
    answers.push_back(Submit({Incoming(id + "a", 1 + b), Incoming(id + "b", 1 + b)}));
  }
  for (auto& a : answers) EXPECT_EQ(a.get(), "committed: recorded recorded");
  const api::IntakeStats stats = Stats();
  EXPECT_EQ(stats.batches, 13);
  EXPECT_EQ(stats.jobs, 13);
  EXPECT_EQ(stats.background, 13);  // every group went to the background writer
  EXPECT_EQ(stats.foreground, 0);
  EXPECT_EQ(stats.redone, 0);
  ExpectVerified(25);
}

TEST_F(IntakeTest, AnotherWriterMeanwhileHasTheGroupsRecordedAgainExactlyOnce) {
  // The first group stays in flight until the other connection commits a change of its own.
  std::unique_ptr<Store> other = HoldWriteLock();
  SqlConn& sql = other->sql();
  ASSERT_TRUE(sql.Exec("CREATE TABLE scratch(x INTEGER)").ok());
  auto first = Submit({Incoming("c1", 3), Incoming("c2", 4)});
  auto second = Submit({Incoming("c3", 5), Incoming("c4", 6)});
  WaitForBackground(2);
  ASSERT_TRUE(sql.Exec("COMMIT").ok());

  EXPECT_EQ(first.get(), "committed: recorded recorded");
  EXPECT_EQ(second.get(), "committed: recorded recorded");
  EXPECT_GE(Stats().redone, 1);
  ExpectVerified(5);

  // Sent again, each report is found once.
  EXPECT_EQ(Submit({Incoming("c1", 3), Incoming("c4", 6)}).get(),
            "committed: already recorded already recorded");
  ExpectVerified(5);
}

TEST_F(IntakeTest, AfterAQuietSpellGroupsAreHandedOverAgain) {
  // A conflict, as above; then the groups go to the foreground until two in a row found that
  // nobody else wrote since the one before (QuietSpell): the resend and two new groups.
  std::unique_ptr<Store> other = HoldWriteLock();
  ASSERT_TRUE(other->sql().Exec("CREATE TABLE scratch(x INTEGER)").ok());
  auto first = Submit({Incoming("q1", 3), Incoming("q2", 4)});
  auto second = Submit({Incoming("q3", 5), Incoming("q4", 6)});
  WaitForBackground(2);
  ASSERT_TRUE(other->sql().Exec("COMMIT").ok());
  EXPECT_EQ(first.get(), "committed: recorded recorded");
  EXPECT_EQ(second.get(), "committed: recorded recorded");
  ExpectVerified(5);
  EXPECT_EQ(Submit({Incoming("q1", 3), Incoming("q2", 4)}).get(),
            "committed: already recorded already recorded");
  ExpectVerified(5);
  const int64_t bg = Stats().background;
  int sent = 0;
  while (Stats().background == bg && sent < 6) {
    const std::string id = "s" + std::to_string(sent);
    EXPECT_EQ(Submit({Incoming(id + "a", 10 + sent), Incoming(id + "b", 10 + sent)}).get(),
              "committed: recorded recorded");
    ++sent;
  }
  EXPECT_EQ(Stats().background, bg + 1) << "no group was handed over after " << sent;
}

TEST_F(IntakeTest, ARefusedBatchBehindOneInFlightLeavesThatOneRecorded) {
  // Without a commit of its own, the lock only delays the first group's write.
  std::unique_ptr<Store> other = HoldWriteLock();
  SqlConn& sql = other->sql();
  auto good = Submit({Incoming("g1", 7), Incoming("g2", 8)});
  WaitForBackground(2);
  auto refused = Submit({Incoming("r1", 9), Incoming("r2", 9, "25")});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(sql.Exec("ROLLBACK").ok());

  EXPECT_EQ(good.get(), "committed: recorded recorded");
  EXPECT_EQ(refused.get(), "rolled back: recorded rejected");
  EXPECT_FALSE(Durable("r1"));
  EXPECT_EQ(Stats().redone, 0);
  ExpectVerified(3);
}

TEST_F(IntakeTest, AFewReportsAreRecordedInTheForeground) {
  // With the server's threshold, a group of a few single reports is not worth a hand-over.
  intake_.reset();
  auto intake = api::Intake::Start(
      [db = db_] { return OpenSqliteStore(db); }, registry_,
      [] { return std::chrono::system_clock::time_point(std::chrono::seconds(kStart)); });
  ASSERT_TRUE(intake.ok());
  intake_ = std::move(*intake);
  EXPECT_EQ(Submit({Incoming("f1", 10), Incoming("f2", 11)}).get(), "committed: recorded recorded");
  EXPECT_EQ(Stats().batches, 1);
  EXPECT_EQ(Stats().foreground, 1);
  EXPECT_EQ(Stats().background, 0);
  ExpectVerified(3);
}

}  // namespace
}  // namespace accrue::testing
