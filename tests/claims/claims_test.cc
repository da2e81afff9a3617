// Leave pay, claims and withdrawals over both engines, with worked examples computed by hand.
//
// Ana (born 1990-04-01) drives for rideco in Seattle (us-wa-seattle-portable: 2.00 an hour,
// 0.25 of it to her sick-leave fund, 1 h of sick leave per 30 h worked, leave usable 90 days
// after it first accrues, in whole hours, paid at her average hourly earnings over 90 days):
//   six weeks from Monday 2026-01-05, Monday to Thursday, 10 h and 200.00 a day: 240 h, 4,800.00
//   2026-04-01: 5 h, 150.00
// So she has worked 245 h: floor6(245 / 30) = 8.166666 h of sick leave, and a sick-leave fund
// of 245 x 0.25 = 61.25. Her first accrual is 2026-01-05, so leave is usable from 2026-04-05.
// Leave from 2026-04-13 looks back over 2026-01-13 to 2026-04-12: every day but the four of
// the first week and 2026-01-12, i.e. 19 days (190 h, 3,800.00) and 2026-04-01 (5 h, 150.00):
// 195 h for 3,950.00, an average of 20.2564102564.../h.
//   2 h: 2 x 3,950.00 / 195 = 40.5128... → 40.51
//   6 h: 121.5384... → 121.53, more than the fund's 61.25 → 61.25
//
// Cleo (born 1960-02-01) cleans for cleanco (us-cleaning-alia: 5.00 a cleaning, 3.00 of it to
// vacation, which she may claim as days off at 120.00 a day): 50 cleanings give 150.00.
// She is also credited 10.00 of retirement under the Seattle pack (claimable from age 59).
#include "claims/claims.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <tuple>

#include "benefits/benefits.h"
#include "benefits/funding.h"
#include "ingest/ingestor.h"
#include "ledger/account_view.h"
#include "registry/registry.h"
#include "store/store.h"
#include "testing/engine_store.h"
#include "testing/temp_dir.h"

namespace accrue::claims {
namespace {

Date D(const char* text) { return *Date::Parse(text); }
Money Dollars(const char* text) { return *Money::Parse(text); }
Hours H(const char* text) { return *Hours::Parse(text); }

class ClaimsTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    Store& st = *store_;
    ASSERT_TRUE(testing::SeedJurisdictionsAndPolicies(st));
    ASSERT_TRUE(st.AddEntities({{"rideco", "RideCo", "rideshare", 5000},
                                {"cleanco", "CleanCo", "cleaning", 3}})
                    .ok());
    auto workers = st.AddWorkers({{AccountNumber(), "Ana", D("1990-04-01"), "US-WA-SEATTLE"},
                                  {AccountNumber(), "Cleo", D("1960-02-01"), "US-WA-SEATTLE"}});
    ASSERT_TRUE(workers.ok()) << workers.status().message();
    ana_ = workers->at(0).account;
    cleo_ = workers->at(1).account;
    auto registry = Registry::Load(st);
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = std::move(*registry);

    for (const char* id : {"cascade", "evergreen"}) {
      benefits::Provider p{id, id, true, *ParsePercent("25%"), Dollars("50000.00"), true};
      ASSERT_TRUE(benefits::RegisterProvider(st, p, D("2026-01-02")).ok());
      ASSERT_TRUE(benefits::CertifyProvider(st, id, D("2026-01-02")).ok());
      ASSERT_TRUE(benefits::AddPlan(st, {id,
                                         "basic",
                                         "Basic",
                                         {"health", "disability", "workers_comp"},
                                         {"retirement", "vacation"},
                                         Money(),
                                         Ratio()})
                      .ok());
    }
    benefits::Terms t;
    t.default_provider = "cascade";
    t.default_plan = "basic";
    ASSERT_TRUE(benefits::SetTerms(st, t).ok());
    ASSERT_TRUE(benefits::Choose(st, ana_, "cascade", "basic", {}, D("2026-01-03")).ok());
    ASSERT_TRUE(benefits::Choose(st, cleo_, "evergreen", "basic", {}, D("2026-01-03")).ok());
  }

  std::unique_ptr<Store> Open() {
    return testing::OpenEngineStore(GetParam(), dir_, &url_, "c.db");
  }

  WorkReport Report(const std::string& entity, const std::string& id, AccountNumber worker,
                    Date day, const char* hours, const char* earnings, int64_t jobs = 1) {
    WorkReport r;
    r.entity = entity;
    r.report_id = id;
    r.worker = worker;
    r.work_date = day;
    r.jurisdiction = "US-WA-SEATTLE";
    r.hours = H(hours);
    r.earnings = Dollars(earnings);
    r.jobs = jobs;
    return r;
  }

  void Ingest(const std::vector<WorkReport>& reports) {
    Ingestor ingestor(*store_, *registry_, std::chrono::system_clock::now());
    ASSERT_TRUE(ingestor.Begin().ok());
    int64_t row = 1;
    for (const WorkReport& r : reports) {
      auto result = ingestor.Add(IncomingReport{row++, r, {}});
      ASSERT_TRUE(result.outcome == Outcome::kRecorded || result.outcome == Outcome::kCorrected)
          << r.report_id;
    }
    ASSERT_TRUE(ingestor.Commit("test").ok());
  }

  void RecordAnasWork() {
    std::vector<WorkReport> reports;
    for (int week = 0; week < 6; ++week) {
      for (int day = 0; day < 4; ++day) {
        reports.push_back(Report("rideco", "a" + std::to_string(week * 4 + day), ana_,
                                 D("2026-01-05").AddDays(7 * week + day), "10", "200.00"));
      }
    }
    reports.push_back(Report("rideco", "a-apr", ana_, D("2026-04-01"), "5", "150.00"));
    Ingest(reports);
  }

  // Ana's work, then 8 h of her sick leave paid out: all the account's cash.
  void PayOutAnasSickLeave() {
    RecordAnasWork();
    auto leave = AskLeave(*store_, registry_->policies(), Leave("2026-04-13", "2026-04-14", "8"),
                          D("2026-04-10"));
    ASSERT_TRUE(leave.ok()) << leave.status().message();
    ASSERT_TRUE(Approve(*store_, "cascade", leave->id, D("2026-04-14")).ok());
  }

  // A correction of Ana's first day that would take 2.25 back from that paid-out account, 20 h
  // of new work on 4 May, and 5 more hours on that day.
  std::tuple<WorkReport, WorkReport, WorkReport> MayReports() {
    WorkReport fix = Report("rideco", "a0-fix", ana_, D("2026-01-05"), "1", "20.00");
    fix.replaces = "a0";
    return {fix, Report("rideco", "may-1", ana_, D("2026-05-04"), "20", "300.00"),
            Report("rideco", "may-2", ana_, D("2026-05-04"), "5", "60.00")};
  }

  void RecordCleosWork() {
    WorkReport r = Report("cleanco", "c1", cleo_, D("2026-02-02"), "20", "1200.00", 50);
    r.jurisdiction = "US-WA";
    Ingest({r});
    // Retirement money under the Seattle pack, as a hand-built entry (a withheld contribution).
    Entry e;
    e.report = Report("rideco", "c-ret", cleo_, D("2026-02-03"), "1", "10.00");
    const int64_t ten = Dollars("10.00").units();
    e.legs.push_back({WorkerAccount(cleo_, "retirement", Unit::kMoney), Unit::kMoney, ten,
                      "us-wa-seattle-portable@2026-01-01/hourly", Payer::kWorker});
    e.legs.push_back({"E/rideco/2026-02/withheld", Unit::kMoney, -ten});
    ASSERT_TRUE(store_->Begin().ok());
    ASSERT_TRUE(store_->Append({e}).ok());
    ASSERT_TRUE(store_->Commit("test").ok());
  }

  int64_t BalanceUnits(AccountNumber a, const std::string& benefit, Unit unit) {
    auto b = store_->Balance(WorkerAccount(a, benefit, unit));
    EXPECT_TRUE(b.ok());
    return b.ok() ? *b : -1;
  }
  std::string MoneyOf(AccountNumber a, const std::string& benefit) {
    return Money::FromUnits(BalanceUnits(a, benefit, Unit::kMoney)).ToString(2);
  }
  std::string HoursOf(AccountNumber a, const std::string& benefit) {
    return Hours::FromUnits(BalanceUnits(a, benefit, Unit::kHours)).ToString();
  }

  int64_t Requests() {
    auto rows = store_->sql().Query("SELECT count(*) FROM benefit_requests");
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->at(0).Int(0) : -1;
  }

  // Money is only ever moved: the ledger verifies and so does the fund journal.
  void ExpectVerifies() {
    auto v = store_->Verify();
    ASSERT_TRUE(v.ok()) << v.status().message();
    EXPECT_TRUE(v->problems.empty()) << v->problems.front();
    auto f = benefits::VerifyFunds(*store_);
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_TRUE(f->empty()) << f->front();
  }

  benefits::WorkerFunding FundingOf(AccountNumber a) {
    auto f = benefits::FundingOf(*store_, a);
    EXPECT_TRUE(f.ok()) << f.status().message();
    return f.ok() ? *f : benefits::WorkerFunding{};
  }
  int64_t HeldBy(const std::string& provider) {
    auto reserves = benefits::Reserves(*store_);
    EXPECT_TRUE(reserves.ok()) << reserves.status().message();
    for (const auto& r : *reserves) {
      if (r.provider == provider) return r.funded_cents;
    }
    ADD_FAILURE() << "no reserve line for " << provider;
    return 0;
  }

  LeaveAsk Leave(const char* first, const char* last, const char* hours) {
    return LeaveAsk{ana_, "sick_leave", D(first), D(last), H(hours)};
  }

  // Refused with `message`, and nothing written.
  template <typename T>
  void ExpectRefused(const Result<T>& r, Code code, const std::string& message) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), code) << r.status().message();
    EXPECT_EQ(r.status().message(), message);
  }

  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
  AccountNumber ana_, cleo_;
};

TEST_P(ClaimsTest, LeavePaysTheTrailingAverageHourlyEarnings) {
  RecordAnasWork();
  EXPECT_EQ(HoursOf(ana_, "sick_leave"), "8.166666");
  EXPECT_EQ(MoneyOf(ana_, "sick_leave"), "61.25");
  auto r = AskLeave(*store_, registry_->policies(), Leave("2026-04-13", "2026-04-13", "2"),
                    D("2026-04-10"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->value.ToString(2), "40.51");
  EXPECT_EQ(r->amount.ToString(2), "40.51");
  EXPECT_EQ(r->average.ToString(), "20.2564102564");
  EXPECT_EQ(r->provider, "cascade");
  EXPECT_EQ(r->rule, "us-wa-seattle-portable@2026-01-01/leave.sick_leave");
  EXPECT_EQ(r->basis,
            "2 h x 20.2564102564/h (3950.00 earned over 195 h in the 90 days 2026-01-13 to "
            "2026-04-12)");
  // Nothing moves until the provider approves.
  EXPECT_EQ(HoursOf(ana_, "sick_leave"), "8.166666");

  auto queue = ProviderQueue(*store_, "cascade", true);
  ASSERT_TRUE(queue.ok()) << queue.status().message();
  ASSERT_EQ(queue->size(), 1u);
  EXPECT_TRUE(queue->at(0).covered);
  EXPECT_EQ(queue->at(0).hours_balance.ToString(), "8.166666");
  EXPECT_TRUE(ProviderQueue(*store_, "evergreen", true)->empty());

  auto approved = Approve(*store_, "cascade", r->id, D("2026-04-14"));
  ASSERT_TRUE(approved.ok()) << approved.status().message();
  EXPECT_EQ(approved->status, RequestStatus::kApproved);
  EXPECT_EQ(approved->reference, "request-1");
  EXPECT_EQ(HoursOf(ana_, "sick_leave"), "6.166666");
  EXPECT_EQ(MoneyOf(ana_, "sick_leave"), "20.74");  // 61.25 - 40.51
  EXPECT_EQ(*store_->Balance("P/cascade/sick_leave"), Dollars("40.51").units());
  EXPECT_EQ(*store_->Balance("P/cascade/sick_leave/h"), H("2").units());
  ExpectVerifies();

  // The worker's history explains the payout; the hiring entity never sees it.
  auto lines = ExplainAccount(*store_, ana_, "sick_leave");
  ASSERT_TRUE(lines.ok());
  int payouts = 0;
  for (const ExplainLine& l : *lines) {
    if (!l.payout) continue;
    ++payouts;
    EXPECT_EQ(l.report_id, "request-1");
    EXPECT_EQ(l.rule, "leave.sick_leave");
    EXPECT_NE(l.note.find("leave pay 2026-04-13 to 2026-04-13, approved by cascade"),
              std::string::npos)
        << l.note;
  }
  EXPECT_EQ(payouts, 2);  // hours and money
  auto summary = SummarizeAccount(*store_, ana_);
  EXPECT_EQ(summary->paid_out.ToString(2), "40.51");
  EXPECT_EQ(summary->reports, 25);
  auto entity = store_->EntityEntries("rideco", "", 1000);
  for (const StoredEntry& e : *entity) EXPECT_NE(e.entry.kind, EntryKind::kPayout);

  // Approving again pays nothing more.
  ExpectRefused(Approve(*store_, "cascade", r->id, D("2026-04-15")), Code::kPrecondition,
                "request 1 was already approved on 2026-04-14");
  EXPECT_EQ(HoursOf(ana_, "sick_leave"), "6.166666");
}

// A payout is cash the provider pays: it draws on what the provider holds for the member, and
// what is not funded yet the provider advances until the member's hiring entity pays.
//   Leave pay of 40.51 before rideco has paid anything: Ana's funded money is 0.00, 40.51 is
//   advanced, and cascade holds -40.51. rideco's January invoice bills Ana's 16 days x 10 h x
//   2.00 = 320.00; once it is paid, her funded money is 320.00 - 40.51 = 279.49. A second
//   leave pay takes the rest of her sick-leave cash, 61.25 - 40.51 = 20.74: 279.49 - 20.74 =
//   258.75 is left.
TEST_P(ClaimsTest, APayoutDrawsOnTheFundsItsProviderHoldsAndAdvancesTheRest) {
  RecordAnasWork();
  auto first = AskLeave(*store_, registry_->policies(), Leave("2026-04-13", "2026-04-13", "2"),
                        D("2026-04-10"));
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_TRUE(Approve(*store_, "cascade", first->id, D("2026-04-14")).ok());
  EXPECT_EQ(FundingOf(ana_).funded_cents, 0);
  EXPECT_EQ(FundingOf(ana_).advanced_cents, 4051);
  EXPECT_EQ(HeldBy("cascade"), -4051);
  ExpectVerifies();

  auto jan = benefits::IssueInvoices(*store_, "2026-01", D("2026-02-01"));
  ASSERT_TRUE(jan.ok()) << jan.status().message();
  ASSERT_EQ(jan->issued.size(), 1u);
  EXPECT_EQ(jan->issued[0].entity, "rideco");
  EXPECT_EQ(jan->issued[0].amount_cents, 32000);
  ASSERT_TRUE(
      benefits::RecordRemittance(*store_, "rideco", Dollars("320.00"), D("2026-02-10"), "jan")
          .ok());
  EXPECT_EQ(FundingOf(ana_).funded_cents, 27949);
  EXPECT_EQ(FundingOf(ana_).advanced_cents, 0);
  EXPECT_EQ(HeldBy("cascade"), 27949);

  auto second = AskLeave(*store_, registry_->policies(), Leave("2026-04-20", "2026-04-20", "6"),
                         D("2026-04-15"));
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->amount.ToString(2), "20.74");
  ASSERT_TRUE(Approve(*store_, "cascade", second->id, D("2026-04-21")).ok());
  EXPECT_EQ(FundingOf(ana_).funded_cents, 25875);
  EXPECT_EQ(HeldBy("cascade"), 25875);
  EXPECT_EQ(HeldBy("evergreen"), 0);
  ExpectVerifies();

  // A payout missing from the fund journal, or moving other cash there, is found.
  ASSERT_TRUE(store_->sql()
                  .Query("UPDATE benefit_fund_legs SET cents = cents * 2 WHERE txn IN (SELECT txn "
                         "FROM benefit_fund_txns WHERE ref = 'request-1')")
                  .ok());
  auto tampered = benefits::VerifyFunds(*store_);
  ASSERT_TRUE(tampered.ok());
  ASSERT_FALSE(tampered->empty());
  EXPECT_EQ(tampered->front(),
            "payout request-1 moved 8102 cents in the fund journal and 4051 in the ledger");
  ASSERT_TRUE(store_->sql()
                  .Query("DELETE FROM benefit_fund_legs WHERE txn IN (SELECT txn FROM "
                         "benefit_fund_txns WHERE ref = 'request-2')")
                  .ok());
  tampered = benefits::VerifyFunds(*store_);
  ASSERT_TRUE(tampered.ok());
  EXPECT_NE(std::find(tampered->begin(), tampered->end(),
                      "payout request-2 is in the ledger but not in the fund journal"),
            tampered->end());
}

// A correction never takes an account below zero: what was already paid out stays paid and
// the payer keeps owing it.
//   Ana takes 8 h of sick leave, paid 61.25 (all her sick-leave cash; 8 x 20.2564 = 162.05 is
//   more): 0.00 and 0.166666 h are left. rideco then corrects her first day, a0 (10 h, 200.00),
//   to 1 h and 20.00. Her sick-leave cash would go back by 10 x 0.25 - 1 x 0.25 = 2.25, but the
//   account holds nothing: the 2.25 is kept and rideco owes it, so January's bill is
//   (160 - 10 + 1) x 2.00 + 2.25 = 304.25. Her hours would fall by more than 0.166666: they stop
//   at 0. Correcting back to 10 h undoes the kept part with the rest: rideco owes 320.00 again.
TEST_P(ClaimsTest, ACorrectionNeverTakesBackWhatWasPaidOut) {
  RecordAnasWork();
  auto leave = AskLeave(*store_, registry_->policies(), Leave("2026-04-13", "2026-04-14", "8"),
                        D("2026-04-10"));
  ASSERT_TRUE(leave.ok()) << leave.status().message();
  EXPECT_EQ(leave->amount.ToString(2), "61.25");
  ASSERT_TRUE(Approve(*store_, "cascade", leave->id, D("2026-04-14")).ok());
  EXPECT_EQ(MoneyOf(ana_, "sick_leave"), "0.00");
  EXPECT_EQ(HoursOf(ana_, "sick_leave"), "0.166666");
  const int64_t health_before = BalanceUnits(ana_, "health", Unit::kMoney);

  WorkReport fix = Report("rideco", "a0-fix", ana_, D("2026-01-05"), "1", "20.00");
  fix.replaces = "a0";
  Ingest({fix});
  EXPECT_EQ(BalanceUnits(ana_, "sick_leave", Unit::kMoney), 0);
  EXPECT_EQ(BalanceUnits(ana_, "sick_leave", Unit::kHours), 0);
  EXPECT_LT(BalanceUnits(ana_, "health", Unit::kMoney), health_before);  // nothing paid out
  EXPECT_EQ(*store_->Balance("E/rideco/2026-01/employer"), -Dollars("304.25").units());
  auto found = store_->FindReport("rideco", "a0-fix");
  ASSERT_TRUE(found.ok() && *found);
  int kept = 0;
  for (const Leg& l : (*found)->entry.legs) {
    if (l.note.starts_with("kept: ")) {
      ++kept;
      EXPECT_EQ(l.account, WorkerAccount(ana_, "sick_leave", l.unit));
      EXPECT_EQ(l.rule, "us-wa-seattle-portable@2026-01-01/" +
                            std::string(l.unit == Unit::kHours ? "accrual.sick_leave" : "hourly"));
    }
  }
  EXPECT_EQ(kept, 2);  // money and hours
  ExpectVerifies();

  WorkReport back = Report("rideco", "a0-back", ana_, D("2026-01-05"), "10", "200.00");
  back.replaces = "a0-fix";
  Ingest({back});
  EXPECT_EQ(*store_->Balance("E/rideco/2026-01/employer"), -Dollars("320.00").units());
  EXPECT_EQ(BalanceUnits(ana_, "sick_leave", Unit::kMoney), 0);
  EXPECT_GE(BalanceUnits(ana_, "sick_leave", Unit::kHours), 0);
  EXPECT_EQ(BalanceUnits(ana_, "health", Unit::kMoney), health_before);
  ExpectVerifies();
}

// Reading an account's balance mid-chunk flushes what the chunk staged: a resend and the
// 24-hour day are still judged against everything before them.
TEST_P(ClaimsTest, AChunkThatKeepsPaidOutMoneyStillSeesItsOwnReports) {
  ASSERT_NO_FATAL_FAILURE(PayOutAnasSickLeave());
  const auto [fix, extra, over] = MayReports();
  const std::vector<IncomingReport> chunk = {
      {1, extra, {}}, {2, fix, {}}, {3, extra, {}}, {4, over, {}}};
  Ingestor ingestor(*store_, *registry_, std::chrono::system_clock::now());
  ASSERT_TRUE(ingestor.Begin().ok());
  auto results = ingestor.AddChunk(chunk);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].outcome, Outcome::kRecorded);
  EXPECT_EQ(results[1].outcome, Outcome::kCorrected);
  EXPECT_EQ(results[2].outcome, Outcome::kAlreadyRecorded);
  ASSERT_EQ(results[3].outcome, Outcome::kRejected);
  EXPECT_EQ(results[3].errors.at(0).field, "hours");
  ASSERT_TRUE(ingestor.Commit("test").ok());
  auto may = store_->HoursOnDay(ana_, "rideco", D("2026-05-04"));
  ASSERT_TRUE(may.ok());
  EXPECT_EQ(*may, H("20").units());
  // May's 20 x 0.25 = 5.00, staged before the correction, covers its 2.25: nothing is kept.
  EXPECT_EQ(BalanceUnits(ana_, "sick_leave", Unit::kMoney), Dollars("2.75").units());
  ExpectVerifies();
}

// Pipelined, the batch still being written counts as if it were in the store: May's report,
// handed over before the correction is read, covers what the correction takes back, and the
// resend and the 24-hour day are judged against it.
TEST_P(ClaimsTest, ABatchInFlightCoversACorrectionInTheNext) {
  if (std::string(GetParam()) != "sqlite") GTEST_SKIP() << "batches are pipelined on SQLite";
  ASSERT_NO_FATAL_FAILURE(PayOutAnasSickLeave());
  const auto [fix, extra, over] = MayReports();
  std::unique_ptr<Store> reader = Open();
  ASSERT_NE(reader, nullptr);
  Ingestor ingestor(*store_, *registry_, std::chrono::system_clock::now(), reader.get());
  ASSERT_TRUE(ingestor.Begin().ok());
  const std::vector<IncomingReport> first = {{1, extra, {}}};
  EXPECT_EQ(ingestor.AddChunk(first).at(0).outcome, Outcome::kRecorded);
  ASSERT_TRUE(ingestor.Handoff("test").ok());
  const std::vector<IncomingReport> second = {{2, fix, {}}, {3, extra, {}}, {4, over, {}}};
  auto results = ingestor.AddChunk(second);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].outcome, Outcome::kCorrected);
  EXPECT_EQ(results[1].outcome, Outcome::kAlreadyRecorded);
  ASSERT_EQ(results[2].outcome, Outcome::kRejected);
  EXPECT_EQ(results[2].errors.at(0).field, "hours");
  ASSERT_TRUE(ingestor.Handoff("test").ok());
  ASSERT_TRUE(ingestor.Drain().ok());
  auto may = store_->HoursOnDay(ana_, "rideco", D("2026-05-04"));
  ASSERT_TRUE(may.ok());
  EXPECT_EQ(*may, H("20").units());
  EXPECT_EQ(BalanceUnits(ana_, "sick_leave", Unit::kMoney), Dollars("2.75").units());
  ExpectVerifies();
}

TEST_P(ClaimsTest, LeavePayIsAtMostTheCashTheLeaveAccountHolds) {
  RecordAnasWork();
  auto r = AskLeave(*store_, registry_->policies(), Leave("2026-04-13", "2026-04-14", "6"),
                    D("2026-04-10"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->value.ToString(2), "121.53");
  EXPECT_EQ(r->amount.ToString(2), "61.25");
  ASSERT_TRUE(Approve(*store_, "cascade", r->id, D("2026-04-14")).ok());
  EXPECT_EQ(MoneyOf(ana_, "sick_leave"), "0.00");
  EXPECT_EQ(HoursOf(ana_, "sick_leave"), "2.166666");
  ExpectVerifies();
}

TEST_P(ClaimsTest, BadLeaveRequestsAreRefusedAndWriteNothing) {
  RecordAnasWork();
  const PolicyLibrary& p = registry_->policies();
  const Date today = D("2026-04-10");
  ExpectRefused(AskLeave(*store_, p, Leave("2026-04-04", "2026-04-04", "2"), today),
                Code::kPrecondition,
                "sick_leave may be used from 2026-04-05, 90 days after it first accrued on "
                "2026-01-05");
  ExpectRefused(AskLeave(*store_, p, Leave("2026-04-13", "2026-04-13", "1.5"), today),
                Code::kInvalid, "hours 1.5 must be a whole multiple of the minimum unit of 1 h");
  ExpectRefused(AskLeave(*store_, p, Leave("2026-04-13", "2026-04-13", "0"), today), Code::kInvalid,
                "hours must be more than 0 (got 0)");
  ExpectRefused(AskLeave(*store_, p, Leave("2026-04-13", "2026-04-12", "2"), today), Code::kInvalid,
                "last day 2026-04-12 is before the first day 2026-04-13");
  ExpectRefused(AskLeave(*store_, p, Leave("2026-04-13", "2026-04-13", "25"), today),
                Code::kInvalid, "hours 25 are more than 24 a day over 1 day");
  ExpectRefused(AskLeave(*store_, p, Leave("2026-04-13", "2026-04-14", "9"), today),
                Code::kPrecondition,
                "only 8.166666 h of sick_leave are available (8.166666 h accrued, 0 h held by "
                "pending requests); 9 h were asked for");
  LeaveAsk vacation = Leave("2026-04-13", "2026-04-13", "1");
  vacation.benefit = "vacation";
  ExpectRefused(AskLeave(*store_, p, vacation, today), Code::kPrecondition,
                "no vacation hours have accrued to account " + ana_.ToString());
  LeaveAsk stranger = Leave("2026-04-13", "2026-04-13", "1");
  stranger.account = AccountNumber::FromSerial(777);
  ExpectRefused(AskLeave(*store_, p, stranger, today), Code::kNotFound,
                "no worker has account number " + stranger.account.ToString());
  // Work after the lookback's first day only: none in the 90 days before a leave in 2027.
  ExpectRefused(AskLeave(*store_, p, Leave("2027-06-01", "2027-06-01", "1"), today),
                Code::kPrecondition,
                "no work is recorded in the 90 days 2027-03-03 to 2027-05-31, so there are no "
                "earnings to average");
  EXPECT_EQ(Requests(), 0);
  EXPECT_EQ(HoursOf(ana_, "sick_leave"), "8.166666");
  ExpectVerifies();
}

TEST_P(ClaimsTest, ConcurrentLeaveRequestsNeverHoldTheSameHours) {
  RecordAnasWork();
  // 8.166666 h: two requests for 5 h each, at once on two connections. One must fail.
  std::vector<std::unique_ptr<Store>> stores;
  stores.push_back(Open());
  stores.push_back(Open());
  std::vector<Result<Request>> results(2, Status::Io("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      results[i] = AskLeave(*stores[i], registry_->policies(),
                            Leave("2026-04-13", "2026-04-13", "5"), D("2026-04-10"));
    });
  }
  for (auto& t : threads) t.join();
  const int ok = results[0].ok() + results[1].ok();
  ASSERT_EQ(ok, 1) << (results[0].ok() ? "" : results[0].status().message()) << " / "
                   << (results[1].ok() ? "" : results[1].status().message());
  const auto& refused = results[0].ok() ? results[1] : results[0];
  EXPECT_EQ(refused.status().message(),
            "only 3.166666 h of sick_leave are available (8.166666 h accrued, 5 h held by pending "
            "requests); 5 h were asked for");
  const int64_t id = results[0].ok() ? results[0]->id : results[1]->id;

  // Two approvals of it at once: exactly one pays.
  std::vector<Result<Request>> approvals(2, Status::Io("not run"));
  threads.clear();
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back(
        [&, i] { approvals[i] = Approve(*stores[i], "cascade", id, D("2026-04-14")); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(approvals[0].ok() + approvals[1].ok(), 1);
  EXPECT_EQ(HoursOf(ana_, "sick_leave"), "3.166666");
  ExpectVerifies();
}

TEST_P(ClaimsTest, ApprovalRechecksTheBalanceInsideTheBatch) {
  RecordAnasWork();
  auto r = AskLeave(*store_, registry_->policies(), Leave("2026-04-13", "2026-04-13", "8"),
                    D("2026-04-10"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  // rideco corrects 2026-01-05 to 0 hours: its 0.333333 h are reversed, leaving 7.833333 h.
  WorkReport fix = Report("rideco", "a0-fix", ana_, D("2026-01-05"), "0", "0.00");
  fix.replaces = "a0";
  Ingest({fix});
  EXPECT_EQ(HoursOf(ana_, "sick_leave"), "7.833333");
  ExpectRefused(Approve(*store_, "cascade", r->id, D("2026-04-14")), Code::kPrecondition,
                "request 1 draws 8 h but the account now holds only 7.833333 h of sick_leave");
  EXPECT_EQ(FindRequest(*store_, r->id)->value().status, RequestStatus::kPending);
  EXPECT_EQ(HoursOf(ana_, "sick_leave"), "7.833333");
  ExpectVerifies();
}

TEST_P(ClaimsTest, DenialNeedsAReasonAndOnlyTheMembersProviderDecides) {
  RecordAnasWork();
  auto r = AskLeave(*store_, registry_->policies(), Leave("2026-04-13", "2026-04-13", "2"),
                    D("2026-04-10"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ExpectRefused(Approve(*store_, "evergreen", r->id, D("2026-04-14")), Code::kNotFound,
                "provider evergreen has no request 1");
  ExpectRefused(Deny(*store_, "evergreen", r->id, "no", D("2026-04-14")), Code::kNotFound,
                "provider evergreen has no request 1");
  ExpectRefused(Deny(*store_, "cascade", r->id, "  ", D("2026-04-14")), Code::kInvalid,
                "a denial needs a reason for the worker");
  ExpectRefused(Approve(*store_, "cascade", 99, D("2026-04-14")), Code::kNotFound,
                "provider cascade has no request 99");
  auto denied = Deny(*store_, "cascade", r->id, "no medical certificate", D("2026-04-14"));
  ASSERT_TRUE(denied.ok()) << denied.status().message();
  EXPECT_EQ(denied->status, RequestStatus::kDenied);
  ExpectRefused(Approve(*store_, "cascade", r->id, D("2026-04-15")), Code::kPrecondition,
                "request 1 was already denied on 2026-04-14");
  auto mine = WorkerRequests(*store_, ana_);
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(mine->at(0).reason, "no medical certificate");
  EXPECT_EQ(HoursOf(ana_, "sick_leave"), "8.166666");
  // A denied request holds nothing.
  EXPECT_TRUE(AskLeave(*store_, registry_->policies(), Leave("2026-04-13", "2026-04-13", "8"),
                       D("2026-04-10"))
                  .ok());
  ExpectVerifies();
}

TEST_P(ClaimsTest, FixedUnitClaimsPayPerDayOff) {
  RecordCleosWork();
  EXPECT_EQ(MoneyOf(cleo_, "vacation"), "150.00");  // 50 x 3.00
  const PolicyLibrary& p = registry_->policies();
  auto r =
      AskClaim(*store_, p, {cleo_, "vacation", "day_off", ::accrue::Money(), 1}, D("2026-03-02"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->amount.ToString(2), "120.00");
  EXPECT_EQ(r->basis, "1 day x 120.00");
  EXPECT_EQ(r->provider, "evergreen");
  // The 120.00 is held: a second day does not fit in the 30.00 left.
  ExpectRefused(
      AskClaim(*store_, p, {cleo_, "vacation", "day_off", ::accrue::Money(), 1}, D("2026-03-02")),
      Code::kPrecondition,
      "only 30.00 of vacation is available (150.00 in the account, 120.00 held by "
      "pending requests); 120.00 was asked for");
  ASSERT_TRUE(Approve(*store_, "evergreen", r->id, D("2026-03-03")).ok());
  EXPECT_EQ(MoneyOf(cleo_, "vacation"), "30.00");
  EXPECT_EQ(*store_->Balance("P/evergreen/vacation"), Dollars("120.00").units());
  ExpectVerifies();
}

TEST_P(ClaimsTest, ClaimRulesPermittedUsesAndMinimumAge) {
  RecordCleosWork();
  RecordAnasWork();
  const PolicyLibrary& p = registry_->policies();
  const Date today = D("2026-03-02");
  ExpectRefused(AskClaim(*store_, p, {cleo_, "vacation", "party", ::accrue::Money(), 1}, today),
                Code::kInvalid, "use 'party' is not permitted for vacation (permitted: day_off)");
  ExpectRefused(AskClaim(*store_, p, {cleo_, "vacation", "day_off", Dollars("50.00"), 0}, today),
                Code::kInvalid,
                "vacation pays 120.00 per day: give the number of days, not an amount");
  ExpectRefused(AskClaim(*store_, p, {cleo_, "vacation", "day_off", Dollars("5.00"), 1}, today),
                Code::kInvalid, "give either an amount or a number of units");
  ExpectRefused(AskClaim(*store_, p, {cleo_, "vacation", "day_off", Dollars("0.001"), 0}, today),
                Code::kInvalid, "amount 0.001 must be in whole cents");
  ExpectRefused(AskClaim(*store_, p, {cleo_, "health", "", Dollars("1.00"), 0}, today),
                Code::kPrecondition,
                "account " + cleo_.ToString() + " has never been credited health money");
  ExpectRefused(AskClaim(*store_, p, {ana_, "health", "", Dollars("1.00"), 0}, today),
                Code::kPrecondition,
                "program us-wa-seattle-portable does not let health be claimed");
  ExpectRefused(AskClaim(*store_, p, {ana_, "retirement", "withdrawal", Dollars("1.00"), 0}, today),
                Code::kPrecondition, "retirement may be claimed from age 59; the worker is 35");
  ExpectRefused(
      AskClaim(*store_, p, {cleo_, "retirement", "withdrawal", Dollars("10.01"), 0}, today),
      Code::kPrecondition,
      "only 10.00 of retirement is available (10.00 in the account, 0.00 held by "
      "pending requests); 10.01 was asked for");
  EXPECT_EQ(Requests(), 0);
  auto ok = AskClaim(*store_, p, {cleo_, "retirement", "rollover", Dollars("10.00"), 0}, today);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  ASSERT_TRUE(Approve(*store_, "evergreen", ok->id, today).ok());
  EXPECT_EQ(MoneyOf(cleo_, "retirement"), "0.00");
  ExpectVerifies();
}

INSTANTIATE_TEST_SUITE_P(Engines, ClaimsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace accrue::claims
