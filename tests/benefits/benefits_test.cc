// Benefits administration over both engines, with worked examples computed by hand.
//
// The ledger holds (dollars; the ledger keeps 1e-10):
//   rideco, 2026-11-03, Maria: health 20.0040 + workers_comp 7.0014 (employer),
//                              retirement 1.0003 (withheld), sick leave 0.333333 h
//   rideco, 2026-11-10, Dev:   health 15.0025 (employer), retirement 0.5000 (withheld)
//   rideco, 2026-12-05, Maria: health 10.0020 (employer)            [only where said]
// So rideco owes for November 28.0057 (Maria) + 15.5025 (Dev) = 43.5082: the invoice asks
// 43.50 and carries 0.0082; December's asks 10.0020 + 0.0082 = 10.0102 → 10.01, carrying 0.0002.
//
// Terms: monthly invoices due 15 days after the month (November's: 2026-12-15), late fee
// 25.00, interest 12% a year, open enrollment 11-01 to 12-15 effective 01-01, default
// provider cascade (plan basic). Providers: cascade and evergreen, both certified.
#include "benefits/benefits.h"

#include <gtest/gtest.h>

#include "benefits/funding.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "testing/postgres_server.h"
#include "testing/temp_dir.h"

namespace accrue::benefits {
namespace {

constexpr int64_t kDollar = Money::kOne;
constexpr int64_t kCent = kDollar / 100;
constexpr int64_t kTenThousandth = kDollar / 10'000;

Date D(const char* text) { return *Date::Parse(text); }
Money Dollars(const char* text) { return *Money::Parse(text); }

class BenefitsTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (std::string(GetParam()) == "sqlite") {
      auto s = OpenSqliteStore(dir_ / "b.db");
      ASSERT_TRUE(s.ok()) << s.status().message();
      store_ = std::move(*s);
    } else {
      auto& server = testing::PostgresServer::Shared();
      ASSERT_TRUE(server.ok()) << server.error();
      const std::string url = server.NewDatabase();
      ASSERT_FALSE(url.empty()) << server.error();
      auto s = OpenPostgresStore(url);
      ASSERT_TRUE(s.ok()) << s.status().message();
      store_ = std::move(*s);
    }
    Store& st = *store_;
    ASSERT_TRUE(st.AddJurisdictions({{"US-WA", "Washington", "", "America/Los_Angeles"}}).ok());
    ASSERT_TRUE(st.AddEntities({{"rideco", "RideCo", "rideshare", 10},
                                {"cleanco", "CleanCo", "cleaning", 3}})
                    .ok());
    auto workers = st.AddWorkers({{AccountNumber(), "Maria", D("1990-01-01"), "US-WA"},
                                  {AccountNumber(), "Dev", D("1985-05-05"), "US-WA"}});
    ASSERT_TRUE(workers.ok()) << workers.status().message();
    maria_ = workers->at(0).account;
    dev_ = workers->at(1).account;

    for (const char* id : {"cascade", "evergreen"}) {
      Provider p{id,  std::string(id) + " mutual", true, *ParsePercent("25%"), Dollars("50000.00"),
                 true};
      ASSERT_TRUE(RegisterProvider(st, p, D("2026-01-05")).ok());
      ASSERT_TRUE(CertifyProvider(st, id, D("2026-01-06")).ok());
    }
    ASSERT_TRUE(AddPlan(st, {"cascade",
                             "basic",
                             "Basic",
                             {"health", "disability", "workers_comp"},
                             {"retirement"},
                             Dollars("0"),
                             Ratio()})
                    .ok());
    Status plus = AddPlan(st, {"evergreen",
                               "plus",
                               "Plus",
                               {"health", "disability", "workers_comp"},
                               {"retirement", "vacation"},
                               Dollars("3.50"),
                               *ParsePercent("1.5%")});
    ASSERT_TRUE(plus.ok()) << plus.message();
    Terms t;
    t.late_fee = Dollars("25.00");
    t.annual_interest = *ParsePercent("12%");
    t.default_provider = "cascade";
    t.default_plan = "basic";
    ASSERT_TRUE(SetTerms(st, t).ok());
  }

  // One report's legs: (benefit, dollars, payer) money and optional leave hours.
  struct Credit {
    std::string benefit;
    const char* dollars;
    Payer payer = Payer::kHiringEntity;
  };
  void Record(const std::string& entity, const std::string& id, AccountNumber worker,
              const char* date, const std::vector<Credit>& credits, const char* leave = nullptr) {
    Entry e;
    e.report.entity = entity;
    e.report.report_id = id;
    e.report.worker = worker;
    e.report.work_date = D(date);
    e.report.jurisdiction = "US-WA";
    e.report.hours = *Hours::Parse("8");
    e.report.earnings = Dollars("200");
    std::map<std::string, int64_t> paying;
    for (const Credit& c : credits) {
      const int64_t units = Dollars(c.dollars).units();
      e.legs.push_back({WorkerAccount(worker, c.benefit, Unit::kMoney), Unit::kMoney, units,
                        "test." + c.benefit, c.payer});
      paying["E/" + entity + "/" + D(date).MonthKey() +
             (c.payer == Payer::kWorker ? "/withheld" : "/employer")] -= units;
    }
    for (const auto& [key, amount] : paying) e.legs.push_back({key, Unit::kMoney, amount});
    if (leave) {
      const int64_t h = Hours::Parse(leave)->units();
      e.legs.push_back(
          {WorkerAccount(worker, "sick_leave", Unit::kHours), Unit::kHours, h, "test.sick_leave"});
      e.legs.push_back({"L/test/" + D(date).YearKey(), Unit::kHours, -h});
    }
    ASSERT_TRUE(store_->Begin().ok());
    Status st = store_->Append({e});
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_TRUE(store_->Commit("test").ok());
  }
  void RecordNovember() {
    Record("rideco", "r1", maria_, "2026-11-03",
           {{"health", "20.0040"},
            {"workers_comp", "7.0014"},
            {"retirement", "1.0003", Payer::kWorker}},
           "0.333333");
    Record("rideco", "r2", dev_, "2026-11-10",
           {{"health", "15.0025"}, {"retirement", "0.5000", Payer::kWorker}});
  }

  // Row counts of every table of the module, to prove a refusal wrote nothing.
  std::string Tables() {
    std::string out;
    for (const char* t : {"benefit_terms", "benefit_providers", "benefit_provider_events",
                          "benefit_plans", "benefit_enrollments", "benefit_elections",
                          "benefit_enrollment_history", "benefit_moved_balances",
                          "benefit_invoices", "benefit_invoice_lines", "benefit_invoice_charges",
                          "benefit_remittances", "benefit_fund_txns", "benefit_fund_legs"}) {
      auto rows = store_->sql().Query(std::string("SELECT count(*) FROM ") + t);
      EXPECT_TRUE(rows.ok()) << rows.status().message();
      out += std::string(t) + "=" + std::to_string(rows.ok() ? rows->at(0).Int(0) : -1) + " ";
    }
    return out;
  }

  // Money is only ever moved: the ledger verifies and so does the fund journal.
  void ExpectVerifies() {
    auto v = store_->Verify();
    ASSERT_TRUE(v.ok()) << v.status().message();
    EXPECT_TRUE(v->problems.empty()) << v->problems.front();
    auto f = VerifyFunds(*store_);
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_TRUE(f->empty()) << f->front();
  }

  int64_t Funded(AccountNumber a) {
    auto f = FundingOf(*store_, a);
    EXPECT_TRUE(f.ok()) << f.status().message();
    return f.ok() ? f->funded_cents : -1;
  }

  ProviderReserve ReserveOf(const std::string& provider) {
    auto r = Reserves(*store_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    for (const auto& x : *r) {
      if (x.provider == provider) return x;
    }
    ADD_FAILURE() << "no reserve row for " << provider;
    return {};
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  AccountNumber maria_, dev_;
};

TEST_P(BenefitsTest, InvoicesBillWholeCentsAndCarryTheRemainder) {
  RecordNovember();
  auto nov = IssueInvoices(*store_, "2026-11", D("2026-12-01"));
  ASSERT_TRUE(nov.ok()) << nov.status().message();
  ASSERT_EQ(nov->issued.size(), 1u);  // cleanco owes nothing
  const Invoice& n = nov->issued[0];
  EXPECT_EQ(n.entity, "rideco");
  EXPECT_EQ(n.owed_units, 435'082 * kTenThousandth);
  EXPECT_EQ(n.amount_cents, 4350);
  EXPECT_EQ(n.carried_out_units, 82 * kTenThousandth);
  EXPECT_EQ(n.due, D("2026-12-15"));
  EXPECT_EQ(n.workers, 2);

  // A late report for November would land on December's invoice; here December's own work.
  Record("rideco", "r3", maria_, "2026-12-05", {{"health", "10.0020"}});
  auto dec = IssueInvoices(*store_, "2026-12", D("2027-01-02"));
  ASSERT_TRUE(dec.ok()) << dec.status().message();
  ASSERT_EQ(dec->issued.size(), 1u);
  EXPECT_EQ(dec->issued[0].carried_in_units, 82 * kTenThousandth);
  EXPECT_EQ(dec->issued[0].amount_cents, 1001);
  EXPECT_EQ(dec->issued[0].carried_out_units, 2 * kTenThousandth);

  // Issuing again changes nothing.
  const std::string before = Tables();
  auto again = IssueInvoices(*store_, "2026-12", D("2027-01-03"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->issued.empty());
  EXPECT_EQ(again->already_issued, 1);
  EXPECT_EQ(Tables(), before);
  // Billed workers were given the default provider so their money has a custodian.
  auto e = FindEnrollment(*store_, dev_);
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ((*e)->provider, "cascade");
  EXPECT_EQ((*e)->how, "default");
  ExpectVerifies();
}

TEST_P(BenefitsTest, ALateReportForAnInvoicedMonthLandsOnTheNextInvoice) {
  RecordNovember();
  ASSERT_TRUE(IssueInvoices(*store_, "2026-11", D("2026-12-01")).ok());
  // Reported on 2026-12-03 for work on 2026-11-20: November is billed already.
  Record("rideco", "r5", dev_, "2026-11-20", {{"health", "1.0000"}});
  Record("rideco", "r3", maria_, "2026-12-05", {{"health", "10.0020"}});
  auto dec = IssueInvoices(*store_, "2026-12", D("2027-01-02"));
  ASSERT_TRUE(dec.ok()) << dec.status().message();
  ASSERT_EQ(dec->issued.size(), 1u);
  // 1.0000 + 10.0020 + 0.0082 carried = 11.0102 → 11.01, carrying 0.0002.
  EXPECT_EQ(dec->issued[0].owed_units, 110'020 * kTenThousandth);
  EXPECT_EQ(dec->issued[0].amount_cents, 1101);
  EXPECT_EQ(dec->issued[0].carried_out_units, 2 * kTenThousandth);
  EXPECT_EQ(dec->issued[0].workers, 2);
  auto dev = FundingOf(*store_, dev_);
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev->invoiced.units(), 165'025 * kTenThousandth);  // 15.5025 + 1.0000
  ExpectVerifies();
}

TEST_P(BenefitsTest, ACorrectionThatLowersAnInvoicedMonthLowersTheNextInvoice) {
  RecordNovember();
  ASSERT_TRUE(IssueInvoices(*store_, "2026-11", D("2026-12-01")).ok());
  // Dev's report r2 is replaced by r2b: health 10.0025 instead of 15.0025.
  auto stored = store_->FindReport("rideco", "r2");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  Entry fresh;
  fresh.report = (*stored)->entry.report;
  fresh.report.report_id = "r2b";
  fresh.report.replaces = "r2";
  const int64_t health = Dollars("10.0025").units(), retirement = Dollars("0.5000").units();
  fresh.legs = {{WorkerAccount(dev_, "health", Unit::kMoney), Unit::kMoney, health, "test.health"},
                {WorkerAccount(dev_, "retirement", Unit::kMoney), Unit::kMoney, retirement,
                 "test.retirement", Payer::kWorker},
                {"E/rideco/2026-11/employer", Unit::kMoney, -health},
                {"E/rideco/2026-11/withheld", Unit::kMoney, -retirement}};
  ASSERT_TRUE(store_->Begin().ok());
  Status appended =
      store_->Append({BuildCorrection(BuildReversal((*stored)->entry), std::move(fresh))});
  ASSERT_TRUE(appended.ok()) << appended.message();
  ASSERT_TRUE(store_->Commit("test").ok());
  Record("rideco", "r3", maria_, "2026-12-05", {{"health", "10.0020"}});

  auto dec = IssueInvoices(*store_, "2026-12", D("2027-01-02"));
  ASSERT_TRUE(dec.ok()) << dec.status().message();
  ASSERT_EQ(dec->issued.size(), 1u);
  // -5.0000 (Dev) + 10.0020 (Maria) + 0.0082 carried = 5.0102 → 5.01, carrying 0.0002.
  EXPECT_EQ(dec->issued[0].owed_units, 50'020 * kTenThousandth);
  EXPECT_EQ(dec->issued[0].amount_cents, 501);
  EXPECT_EQ(dec->issued[0].carried_out_units, 2 * kTenThousandth);
  EXPECT_EQ(FundingOf(*store_, dev_)->invoiced.units(), 105'025 * kTenThousandth);
  // 48.51 pays November (split as billed then: Maria 28.00, Dev 15.50) and December (all
  // Maria's). Dev's funding keeps November's split although his earnings fell to 10.5025:
  // an invoice's payment is split by that invoice's lines, and a lowered line funds no one.
  ASSERT_TRUE(RecordRemittance(*store_, "rideco", Dollars("48.51"), D("2027-01-03"), "").ok());
  EXPECT_EQ(Funded(maria_), 2800 + 501);
  EXPECT_EQ(Funded(dev_), 1550);
  EXPECT_EQ(ReserveOf("cascade").funded_cents, 4851);
  ExpectVerifies();
}

TEST_P(BenefitsTest, QuarterlyInvoicesCoverThreeMonths) {
  Terms t = *GetTerms(*store_);
  t.invoice_period = InvoicePeriod::kQuarterly;
  t.due_days = 30;
  ASSERT_TRUE(SetTerms(*store_, t).ok());
  RecordNovember();
  Record("rideco", "r3", maria_, "2026-12-05", {{"health", "10.0020"}});
  Record("rideco", "r6", maria_, "2027-01-02", {{"health", "5.0000"}});  // next quarter
  auto q4 = IssueInvoices(*store_, "2026-Q4", D("2027-01-01"));
  ASSERT_TRUE(q4.ok()) << q4.status().message();
  ASSERT_EQ(q4->issued.size(), 1u);
  // 43.5082 + 10.0020 = 53.5102 → 53.51, carrying 0.0002; due 30 days after 2026-12-31.
  EXPECT_EQ(q4->issued[0].amount_cents, 5351);
  EXPECT_EQ(q4->issued[0].carried_out_units, 2 * kTenThousandth);
  EXPECT_EQ(q4->issued[0].due, D("2027-01-30"));
  EXPECT_EQ(IssueInvoices(*store_, "2026-12", D("2027-01-01")).status().message(),
            "the program invoices quarterly; give a period such as 2026-Q4, not 2026-12");
  ExpectVerifies();
}

TEST_P(BenefitsTest, VerifyFundsCatchesMoneyCreatedOrMisplaced) {
  RecordNovember();
  ASSERT_TRUE(IssueInvoices(*store_, "2026-11", D("2026-12-01")).ok());
  ASSERT_TRUE(RecordRemittance(*store_, "rideco", Dollars("43.50"), D("2026-12-02"), "").ok());
  ExpectVerifies();
  // A leg that credits a provider out of nothing.
  ASSERT_TRUE(store_->sql()
                  .Query("INSERT INTO benefit_fund_legs(txn, seq, fund, account, invoice, cents) "
                         "VALUES(1, 99, 'provider/evergreen', $1, 0, 5)",
                         {static_cast<int64_t>(maria_.value())})
                  .ok());
  auto f = VerifyFunds(*store_);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 2u);
  EXPECT_EQ((*f)[0], "fund transaction 1 is off by 5 cents");
  EXPECT_EQ((*f)[1],
            "account " + maria_.ToString() +
                ": provider/evergreen holds money but the member is enrolled with cascade");
}

TEST_P(BenefitsTest, RemittancesPayOldestFirstPartiallyAndHoldOverpaymentAsCredit) {
  RecordNovember();
  Record("rideco", "r3", maria_, "2026-12-05", {{"health", "10.0020"}});
  ASSERT_TRUE(IssueInvoices(*store_, "2026-11", D("2026-12-01")).ok());
  ASSERT_TRUE(IssueInvoices(*store_, "2026-12", D("2027-01-02")).ok());

  // 30.00 pays November in part, split by what each worker was billed (28.0057 : 15.5025):
  // Maria 3000 x 280057 / 435082 = 1931.06…, Dev 1068.94… → floors 1931 + 1068 = 2999, the
  // last cent to the larger remainder, Dev's.
  auto r1 = RecordRemittance(*store_, "rideco", Dollars("30.00"), D("2027-01-05"), "chk-1");
  ASSERT_TRUE(r1.ok()) << r1.status().message();
  ASSERT_EQ(r1->applied.size(), 1u);
  EXPECT_EQ(r1->applied[0].period, "2026-11");
  EXPECT_EQ(r1->applied[0].principal_cents, 3000);
  EXPECT_EQ(r1->credit_cents, 0);
  EXPECT_EQ(Funded(maria_), 1931);
  EXPECT_EQ(Funded(dev_), 1069);

  // 25.00 completes November (13.50), pays December (10.01) and leaves 1.49 as credit.
  // November's whole 43.50 splits 2800.18… : 1549.81… → Maria 2800, Dev 1550 (the cent
  // again to Dev's larger remainder); December's 10.01 is all Maria's.
  auto r2 = RecordRemittance(*store_, "rideco", Dollars("25.00"), D("2027-01-06"), "chk-2");
  ASSERT_TRUE(r2.ok()) << r2.status().message();
  ASSERT_EQ(r2->applied.size(), 2u);
  EXPECT_EQ(r2->applied[0].principal_cents, 1350);
  EXPECT_EQ(r2->applied[1].period, "2026-12");
  EXPECT_EQ(r2->applied[1].principal_cents, 1001);
  EXPECT_EQ(r2->credit_cents, 149);
  EXPECT_EQ(Funded(maria_), 2800 + 1001);
  EXPECT_EQ(Funded(dev_), 1550);
  auto credit = EntityCredit(*store_, "rideco");
  ASSERT_TRUE(credit.ok());
  EXPECT_EQ(*credit, 149);

  // January's 2.0000 + 0.0002 carried = 2.0002 → 2.00, of which the credit pays 1.49 when
  // the invoice is issued; a further 1.00 pays the other 0.51 and leaves 0.49 as credit.
  Record("rideco", "r4", maria_, "2027-01-04", {{"health", "2.0000"}});
  auto jan = IssueInvoices(*store_, "2027-01", D("2027-02-01"));
  ASSERT_TRUE(jan.ok()) << jan.status().message();
  ASSERT_EQ(jan->issued.size(), 1u);
  EXPECT_EQ(jan->issued[0].amount_cents, 200);
  EXPECT_EQ(jan->issued[0].paid_principal_cents, 149);
  EXPECT_EQ(*EntityCredit(*store_, "rideco"), 0);
  EXPECT_EQ(Funded(maria_), 2800 + 1001 + 149);
  auto r3 = RecordRemittance(*store_, "rideco", Dollars("1.00"), D("2027-02-03"), "chk-3");
  ASSERT_TRUE(r3.ok()) << r3.status().message();
  EXPECT_EQ(r3->applied.at(0).principal_cents, 51);
  EXPECT_EQ(r3->credit_cents, 49);
  EXPECT_EQ(*EntityCredit(*store_, "rideco"), 49);
  EXPECT_EQ(Funded(maria_), 2800 + 1001 + 200);

  // Everything received (56.00) is held: by cascade for its members, or as rideco's credit.
  EXPECT_EQ(ReserveOf("cascade").funded_cents + 49, 5600);
  ExpectVerifies();
}

TEST_P(BenefitsTest, OpenEnrollmentTransferKeepsBalancesIdentical) {
  // Maria chooses cascade in October (her first choice: at once), earns, gets funded.
  auto first = Choose(*store_, maria_, "cascade", "basic", {"retirement"}, D("2026-10-01"));
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->enrolled_now);
  RecordNovember();
  ASSERT_TRUE(IssueInvoices(*store_, "2026-11", D("2026-12-01")).ok());
  ASSERT_TRUE(RecordRemittance(*store_, "rideco", Dollars("43.50"), D("2026-12-02"), "").ok());
  auto before = store_->WorkerBalances(maria_);
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(Funded(maria_), 2800);
  EXPECT_EQ(ReserveOf("cascade").funded_cents, 4350);

  // At open enrollment she elects evergreen; it takes effect on 1 January.
  auto elect = Choose(*store_, maria_, "evergreen", "plus", {"vacation"}, D("2026-11-15"));
  ASSERT_TRUE(elect.ok()) << elect.status().message();
  EXPECT_FALSE(elect->enrolled_now);
  ASSERT_TRUE(elect->election.has_value());
  EXPECT_EQ(elect->election->effective, D("2027-01-01"));
  auto none = ApplyElections(*store_, D("2026-12-31"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  EXPECT_EQ((*FindEnrollment(*store_, maria_))->provider, "cascade");

  auto applied = ApplyElections(*store_, D("2027-01-01"));
  ASSERT_TRUE(applied.ok()) << applied.status().message();
  EXPECT_EQ(*applied, 1);
  auto now = FindEnrollment(*store_, maria_);
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->provider, "evergreen");
  EXPECT_EQ((*now)->plan, "plus");
  EXPECT_EQ((*now)->choices, std::vector<std::string>{"vacation"});
  EXPECT_EQ((*now)->since, D("2027-01-01"));

  // Every balance and leave hour is as it was; her funded 28.00 moved with her.
  auto after = store_->WorkerBalances(maria_);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), before->size());
  for (size_t i = 0; i < after->size(); ++i) {
    EXPECT_EQ((*after)[i].account, (*before)[i].account);
    EXPECT_EQ((*after)[i].amount, (*before)[i].amount);
  }
  EXPECT_EQ(Funded(maria_), 2800);
  EXPECT_EQ(ReserveOf("cascade").funded_cents, 1550);  // Dev's
  EXPECT_EQ(ReserveOf("evergreen").funded_cents, 2800);
  EXPECT_EQ(ReserveOf("evergreen").members, 1);

  // Her history shows the choice, the election and the transfer with what moved.
  auto history = EnrollmentHistory(*store_, maria_);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].event, "chosen");
  EXPECT_EQ((*history)[1].event, "elected, effective 2027-01-01");
  const EnrollmentEvent& t = (*history)[2];
  EXPECT_EQ(t.event, "transfer");
  EXPECT_EQ(t.from_provider, "cascade");
  EXPECT_EQ(t.to_provider, "evergreen");
  EXPECT_EQ(t.funded_moved_cents, 2800);
  ASSERT_EQ(t.balances.size(), before->size());
  for (size_t i = 0; i < t.balances.size(); ++i) {
    EXPECT_EQ(t.balances[i].ledger_account, (*before)[i].account);
    EXPECT_EQ(t.balances[i].amount, (*before)[i].amount);
  }
  // The money of the sick-leave hours and the hours themselves are both there.
  EXPECT_TRUE(std::any_of(t.balances.begin(), t.balances.end(), [](const BalanceSnapshot& b) {
    return b.unit == Unit::kHours && b.amount == 333'333;
  }));
  ExpectVerifies();
}

TEST_P(BenefitsTest, TransferOutsideTheWindowIsRefusedAndWritesNothing) {
  ASSERT_TRUE(Choose(*store_, maria_, "cascade", "basic", {}, D("2026-03-01")).ok());
  const std::string before = Tables();
  auto late = Choose(*store_, maria_, "evergreen", "plus", {}, D("2026-06-10"));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), Code::kPrecondition);
  EXPECT_EQ(late.status().message(),
            "account " + maria_.ToString() +
                " is enrolled with cascade; a change of provider or plan is accepted only at open "
                "enrollment, 2026-11-01 to 2026-12-15 (effective 2027-01-01), and 2026-06-10 is "
                "outside it");
  // The day after the window closes points at next year's.
  auto after_close = Choose(*store_, maria_, "evergreen", "plus", {}, D("2026-12-16"));
  ASSERT_FALSE(after_close.ok());
  EXPECT_NE(after_close.status().message().find("2027-11-01 to 2027-12-15 (effective 2028-01-01)"),
            std::string::npos)
      << after_close.status().message();
  EXPECT_EQ(Tables(), before);
  EXPECT_EQ((*FindEnrollment(*store_, maria_))->provider, "cascade");
  ExpectVerifies();
}

TEST_P(BenefitsTest, DelinquentEntityWorkersStillSeeWhatTheyEarned) {
  RecordNovember();
  ASSERT_TRUE(IssueInvoices(*store_, "2026-11", D("2026-12-01")).ok());
  auto on_time = ListDelinquent(*store_, D("2026-12-15"));
  ASSERT_TRUE(on_time.ok());
  EXPECT_TRUE(on_time->empty());  // due that day, not yet late

  auto late = ListDelinquent(*store_, D("2026-12-20"));
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ((*late)[0].days_late, 5);
  EXPECT_EQ((*late)[0].invoice.unpaid_cents(), 4350);

  // 25.00 late fee, and 12% a year on 43.50 for 5 days: 4350 x 0.12 x 5 / 365 = 7.15 → 7¢.
  auto charged = AssessLateCharges(*store_, D("2026-12-20"));
  ASSERT_TRUE(charged.ok()) << charged.status().message();
  EXPECT_EQ(*charged, 2500 + 7);
  EXPECT_EQ(*AssessLateCharges(*store_, D("2026-12-20")), 0);  // nothing twice
  // 11 more days: 4350 x 0.12 x 11 / 365 = 15.73 → 16¢.
  EXPECT_EQ(*AssessLateCharges(*store_, D("2026-12-31")), 16);

  // Maria sees every cent she earned, and that none of it is funded yet.
  auto maria = FundingOf(*store_, maria_);
  ASSERT_TRUE(maria.ok()) << maria.status().message();
  EXPECT_EQ(maria->earned.units(), 280'057 * kTenThousandth);
  EXPECT_EQ(maria->invoiced.units(), 280'057 * kTenThousandth);
  EXPECT_EQ(maria->funded_cents, 0);
  EXPECT_EQ(maria->provider, "cascade");

  // 50.00 pays the principal first (43.50, funding the workers), then 6.50 of the charges.
  auto paid = RecordRemittance(*store_, "rideco", Dollars("50.00"), D("2026-12-31"), "");
  ASSERT_TRUE(paid.ok()) << paid.status().message();
  ASSERT_EQ(paid->applied.size(), 1u);
  EXPECT_EQ(paid->applied[0].principal_cents, 4350);
  EXPECT_EQ(paid->applied[0].charges_cents, 650);
  EXPECT_EQ(Funded(maria_), 2800);
  auto still = ListDelinquent(*store_, D("2026-12-31"));
  ASSERT_EQ(still->size(), 1u);
  EXPECT_EQ(still->front().invoice.unpaid_cents(), 2523 - 650);
  // Principal is paid, so no more interest accrues.
  EXPECT_EQ(*AssessLateCharges(*store_, D("2027-02-28")), 0);
  ExpectVerifies();
}

TEST_P(BenefitsTest, SuspendedProvidersMembersMoveToTheDefault) {
  ASSERT_TRUE(Choose(*store_, maria_, "evergreen", "plus", {}, D("2026-10-01")).ok());
  RecordNovember();
  ASSERT_TRUE(IssueInvoices(*store_, "2026-11", D("2026-12-01")).ok());
  ASSERT_TRUE(RecordRemittance(*store_, "rideco", Dollars("43.50"), D("2026-12-02"), "").ok());
  ASSERT_EQ(ReserveOf("evergreen").funded_cents, 2800);
  // Dev elects evergreen at open enrollment; the suspension cancels it.
  ASSERT_TRUE(Choose(*store_, dev_, "evergreen", "plus", {}, D("2026-12-03")).ok());

  auto moved = SuspendProvider(*store_, "evergreen", D("2026-12-10"), "bond lapsed");
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(*moved, 1);
  EXPECT_EQ((*FindEnrollment(*store_, maria_))->provider, "cascade");
  EXPECT_EQ((*FindEnrollment(*store_, maria_))->how, "provider suspended");
  EXPECT_EQ(Funded(maria_), 2800);
  EXPECT_EQ(ReserveOf("evergreen").funded_cents, 0);
  EXPECT_EQ(ReserveOf("cascade").funded_cents, 4350);
  EXPECT_FALSE(PendingElection(*store_, dev_)->has_value());
  auto exchange = Exchange(*store_);
  ASSERT_TRUE(exchange.ok());
  ASSERT_EQ(exchange->size(), 1u);  // a suspended provider is not on the exchange
  auto refused = Choose(*store_, maria_, "evergreen", "plus", {}, D("2026-12-11"));
  EXPECT_EQ(refused.status().message(),
            "provider 'evergreen' is suspended, not certified; choose a provider on the exchange");

  ASSERT_TRUE(ReinstateProvider(*store_, "evergreen", D("2027-01-10"), "bond renewed").ok());
  auto history = ProviderHistory(*store_, "evergreen");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[2].event, "suspended");
  EXPECT_EQ((*history)[2].reason, "bond lapsed");
  EXPECT_EQ((*history)[3].event, "reinstated");
  EXPECT_EQ((*FindEnrollment(*store_, maria_))->provider, "cascade");  // members stay put
  auto no_default = SuspendProvider(*store_, "cascade", D("2027-01-11"), "");
  EXPECT_EQ(no_default.status().message(),
            "provider 'cascade' is the program's default provider; name another default before "
            "suspending it");
  ExpectVerifies();
}

TEST_P(BenefitsTest, AccountsWithNoChoiceGetTheDefaultProvider) {
  ASSERT_TRUE(Choose(*store_, maria_, "evergreen", "plus", {}, D("2026-03-01")).ok());
  auto assigned = AssignDefaults(*store_, D("2026-03-02"));
  ASSERT_TRUE(assigned.ok()) << assigned.status().message();
  EXPECT_EQ(*assigned, 1);  // Dev; Maria chose
  auto dev = FindEnrollment(*store_, dev_);
  ASSERT_TRUE(dev.ok() && dev->has_value());
  EXPECT_EQ((*dev)->provider, "cascade");
  EXPECT_EQ((*dev)->plan, "basic");
  EXPECT_EQ((*dev)->how, "default");
  EXPECT_EQ(*AssignDefaults(*store_, D("2026-03-03")), 0);
  // Holding no money yet, Dev may still make a first choice outside the window.
  auto chose = Choose(*store_, dev_, "evergreen", "plus", {"vacation"}, D("2026-04-01"));
  ASSERT_TRUE(chose.ok()) << chose.status().message();
  EXPECT_TRUE(chose->enrolled_now);
  EXPECT_EQ((*FindEnrollment(*store_, dev_))->provider, "evergreen");
  ExpectVerifies();
}

TEST_P(BenefitsTest, ExchangeComparesPlansSideBySide) {
  ASSERT_TRUE(Choose(*store_, maria_, "evergreen", "plus", {"retirement"}, D("2026-10-01")).ok());
  auto rows = Exchange(*store_);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].plan.id, "basic");
  EXPECT_TRUE((*rows)[0].is_default);
  EXPECT_EQ((*rows)[0].members, 0);
  EXPECT_EQ((*rows)[1].plan.optional, (std::vector<std::string>{"retirement", "vacation"}));
  EXPECT_EQ((*rows)[1].plan.monthly_fee, Dollars("3.50"));
  EXPECT_EQ(FormatPercent((*rows)[1].plan.contribution_fee), "1.5%");
  EXPECT_EQ((*rows)[1].members, 1);
}

TEST_P(BenefitsTest, BadInputIsRefusedWithAClearMessageAndWritesNothing) {
  RecordNovember();
  ASSERT_TRUE(IssueInvoices(*store_, "2026-11", D("2026-12-01")).ok());
  ASSERT_TRUE(RecordRemittance(*store_, "rideco", Dollars("1.00"), D("2026-12-02"), "chk-1").ok());
  const std::string before = Tables();
  auto message = [](const Status& s) { return s.message(); };

  EXPECT_EQ(
      message(RecordRemittance(*store_, "rideco", Dollars("-5.00"), D("2026-12-02"), "").status()),
      "a remittance must be a positive amount in whole cents, not -5.00");
  EXPECT_EQ(
      message(RecordRemittance(*store_, "rideco", Dollars("5.001"), D("2026-12-02"), "").status()),
      "a remittance must be a positive amount in whole cents, not 5.001");
  EXPECT_EQ(
      message(RecordRemittance(*store_, "nobody", Dollars("5.00"), D("2026-12-02"), "").status()),
      "no hiring entity 'nobody'");
  auto dup = RecordRemittance(*store_, "rideco", Dollars("1.00"), D("2026-12-03"), "chk-1");
  EXPECT_EQ(dup.status().code(), Code::kConflict);
  EXPECT_EQ(dup.status().message(),
            "remittance 'chk-1' from 'rideco' is already recorded (remittance 1)");
  EXPECT_EQ(message(IssueInvoices(*store_, "2026-Q4", D("2027-01-02")).status()),
            "the program invoices monthly; give a period such as 2026-11, not 2026-Q4");
  EXPECT_EQ(message(IssueInvoices(*store_, "2026-13", D("2027-01-02")).status()),
            "'2026-13' is not a billing period (YYYY-MM or YYYY-Qn)");
  EXPECT_EQ(message(IssueInvoices(*store_, "2026-12", D("2026-12-31")).status()),
            "period 2026-12 ends 2026-12-31; its invoices can be issued from 2027-01-01");
  EXPECT_EQ(message(IssueInvoices(*store_, "2026-10", D("2027-01-02")).status()),
            "hiring entity 'rideco' already has an invoice for 2026-11, later than 2026-10");

  const AccountNumber stranger = AccountNumber::FromSerial(99'999);
  EXPECT_EQ(message(Choose(*store_, stranger, "cascade", "basic", {}, D("2026-11-02")).status()),
            "no worker with account " + stranger.ToString());
  EXPECT_EQ(message(Choose(*store_, dev_, "cascade", "gold", {}, D("2026-11-02")).status()),
            "provider 'cascade' has no plan 'gold'");
  EXPECT_EQ(message(Choose(*store_, dev_, "nope", "basic", {}, D("2026-11-02")).status()),
            "no provider 'nope'");
  EXPECT_EQ(
      message(Choose(*store_, dev_, "cascade", "basic", {"vacation"}, D("2026-11-02")).status()),
      "plan 'basic' of 'cascade' offers no optional benefit 'vacation' (it offers: retirement)");
  EXPECT_EQ(message(Choose(*store_, maria_, "cascade", "basic", {}, D("2026-11-02")).status()),
            "account " + maria_.ToString() + " is already enrolled in cascade plan basic");

  Provider bad{"shady", "Shady Co", false, Ratio(), Money(), false};
  EXPECT_EQ(message(RegisterProvider(*store_, {"", "x"}, D("2026-01-01"))), "provider id is empty");
  EXPECT_EQ(message(RegisterProvider(*store_, {"cascade", "again"}, D("2026-01-01"))),
            "provider 'cascade' is already registered");
  EXPECT_EQ(message(RegisterProvider(*store_, {"x", "X", true, Ratio(), Dollars("0.005")},
                                     D("2026-01-01"))),
            "fidelity bond must be a non-negative amount in whole cents, not 0.005");
  EXPECT_EQ(message(CertifyProvider(*store_, "cascade", D("2026-01-01"))),
            "provider 'cascade' is certified, not awaiting certification");
  EXPECT_EQ(
      message(AddPlan(*store_, {"cascade", "thin", "Thin", {"health"}, {}, Money(), Ratio()})),
      "plan 'thin' must pool disability (mandatory in every plan: "
      "health,disability,workers_comp)");
  EXPECT_EQ(message(AddPlan(*store_, {"cascade",
                                      "dup",
                                      "Dup",
                                      {"health", "disability", "workers_comp"},
                                      {"health"},
                                      Money(),
                                      Ratio()})),
            "benefit 'health' is listed twice");
  EXPECT_EQ(message(AddPlan(*store_, {"cascade",
                                      "basic",
                                      "Basic",
                                      {"health", "disability", "workers_comp"},
                                      {},
                                      Money(),
                                      Ratio()})),
            "provider 'cascade' already has a plan 'basic'");
  EXPECT_EQ(message(ReinstateProvider(*store_, "cascade", D("2026-12-02"), "")),
            "provider 'cascade' is certified, not suspended");
  EXPECT_EQ(message(SuspendProvider(*store_, "nope", D("2026-12-02"), "").status()),
            "no provider 'nope'");
  Terms t;
  t.window_open = {12, 15};
  t.window_close = {11, 1};
  EXPECT_EQ(message(SetTerms(*store_, t)),
            "open enrollment closes (11-01) before it opens (12-15)");
  t = Terms();
  t.default_provider = "nope";
  t.default_plan = "basic";
  EXPECT_EQ(message(SetTerms(*store_, t)), "no provider 'nope'");
  EXPECT_EQ(Tables(), before);

  // The uncertified provider: registered, but certification names all it lacks.
  ASSERT_TRUE(RegisterProvider(*store_, bad, D("2026-01-01")).ok());
  const std::string registered = Tables();
  EXPECT_EQ(message(CertifyProvider(*store_, "shady", D("2026-01-02"))),
            "provider 'shady' cannot be certified: it lacks nonprofit status, a required reserve "
            "ratio, a fidelity bond and a conflict-of-interest attestation");
  EXPECT_EQ(Tables(), registered);
  ExpectVerifies();
}

TEST(BenefitsValues, PeriodsAndWindows) {
  auto q = Period::Parse("2026-Q4");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->first, D("2026-10-01"));
  EXPECT_EQ(q->last, D("2026-12-31"));
  auto feb = Period::Parse("2028-02");
  ASSERT_TRUE(feb.ok());
  EXPECT_EQ(feb->last, D("2028-02-29"));
  EXPECT_FALSE(Period::Parse("2026-Q5").ok());
  EXPECT_FALSE(Period::Parse("2026-1").ok());
  EXPECT_EQ(MonthDay::Parse("02-29").status().message(),
            "'02-29' is not a day of the year (MM-DD)");

  Terms t;
  const Window w = WindowFor(t, D("2026-06-01"));
  EXPECT_EQ(w.open, D("2026-11-01"));
  EXPECT_EQ(w.close, D("2026-12-15"));
  EXPECT_EQ(w.effective, D("2027-01-01"));
  EXPECT_TRUE(WindowFor(t, D("2026-12-15")).Contains(D("2026-12-15")));
  EXPECT_EQ(WindowFor(t, D("2026-12-16")).open, D("2027-11-01"));
}

INSTANTIATE_TEST_SUITE_P(Engines, BenefitsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace accrue::benefits
