// Voluntary contributions and government matches over both engines, with worked examples
// computed by hand.
//
// Ana and Ben live in Seattle and drive for rideco (1099, so Washington's PFML premium does not
// apply; the Seattle pack's 2.00 an hour is all the hiring entity's, none of it withheld).
// A test pack, us-wa-match-test, matches 50% of voluntary retirement contributions, at most
// 500.00 a year, for workers whose reported earnings in the year are below 30,000.00.
//
//   Consent 5% of earnings to retirement: a report of 240.00 withholds 12.00, owed by rideco
//   on E/rideco/<month>/withheld. A correction to 300.00 reverses the 12.00 and withholds 15.00.
//   Match: one-off 300.00 + 10% withheld of 9,000.00 = 900.00 → 1,200.00 voluntary; 50% is
//   600.00, capped at 500.00. Ben earns 31,000.00 (at or above 30,000.00) → 0.00.
//   After Ana's 9,000.00 is corrected to 4,000.00: 300.00 + 400.00 = 700.00 → 350.00, so
//   settling again posts exactly -150.00.
#include "contributions/contributions.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "benefits/benefits.h"
#include "benefits/funding.h"
#include "ingest/ingestor.h"
#include "ledger/account_view.h"
#include "registry/registry.h"
#include "statements/statements.h"
#include "store/store.h"
#include "testing/engine_store.h"
#include "testing/temp_dir.h"

namespace accrue::contributions {
namespace {

Date D(const char* text) { return *Date::Parse(text); }
Money Dollars(const char* text) { return *Money::Parse(text); }
Ratio Pct(const char* text) { return *ParsePercent(text); }

constexpr const char* kMatchPack = R"(
id = "us-wa-match-test"
name = "Test match"
kind = "jurisdiction"
jurisdiction = "US-WA"
starts = 2026-01-01
source = "test: the issue's example, 50% of worker contributions up to 500.00 a year"

[[version]]
effective = 2026-01-01

[[version.match]]
benefit = "retirement"
rate = "50%"
year_cap = "500.00"
income_limit = "30000.00"
)";

class ContributionsTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    store_ = Open();
    ASSERT_NE(store_, nullptr);
    Store& st = *store_;
    ASSERT_TRUE(testing::SeedJurisdictionsAndPolicies(st));
    std::filesystem::copy_file(std::string(ACCRUE_SOURCE_DIR) + "/policies/benefits.toml",
                               packs_ / "benefits.toml");
    std::ofstream(packs_ / "us-wa-match-test.toml") << kMatchPack;
    auto loaded = LoadPoliciesIntoStore(st, packs_.path().string());
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    ASSERT_TRUE(st.AddEntities({{"rideco", "RideCo", "rideshare", 5000}}).ok());
    auto workers = st.AddWorkers({{AccountNumber(), "Ana", D("1990-04-01"), "US-WA-SEATTLE"},
                                  {AccountNumber(), "Ben", D("1985-01-20"), "US-WA-SEATTLE"}});
    ASSERT_TRUE(workers.ok()) << workers.status().message();
    ana_ = workers->at(0).account;
    ben_ = workers->at(1).account;
    auto registry = Registry::Load(st);
    ASSERT_TRUE(registry.ok()) << registry.status().message();
    registry_ = std::move(*registry);
  }

  std::unique_ptr<Store> Open() {
    return testing::OpenEngineStore(GetParam(), dir_, &url_, "c.db");
  }

  WorkReport Report(const std::string& id, AccountNumber worker, Date day, const char* earnings,
                    const std::string& replaces = "") {
    WorkReport r;
    r.entity = "rideco";
    r.report_id = id;
    r.worker = worker;
    r.work_date = day;
    r.jurisdiction = "US-WA-SEATTLE";
    r.hours = Hours::Whole(8);
    r.earnings = Dollars(earnings);
    r.jobs = 1;
    r.replaces = replaces;
    return r;
  }

  // Ingests the reports in one batch; returns their entries.
  std::vector<Entry> Ingest(const std::vector<WorkReport>& reports) {
    std::vector<Entry> out;
    Ingestor ingestor(*store_, *registry_, std::chrono::system_clock::now());
    EXPECT_TRUE(ingestor.Begin().ok());
    int64_t row = 1;
    for (const WorkReport& r : reports) {
      auto result = ingestor.Add(IncomingReport{row++, r, {}});
      EXPECT_TRUE(result.outcome == Outcome::kRecorded || result.outcome == Outcome::kCorrected)
          << r.report_id << ": " << (result.errors.empty() ? "" : result.errors[0].message);
      out.push_back(result.entry);
    }
    EXPECT_TRUE(ingestor.Commit("test").ok());
    return out;
  }

  // The money the entry credits to the worker's benefit under consent rules.
  static Money ConsentMoney(const Entry& e) {
    Money m;
    for (const Leg& leg : e.legs) {
      if (leg.rule.rfind("consent@", 0) == 0) m += Money::FromUnits(leg.amount);
    }
    return m;
  }

  Money BalanceOf(const std::string& account) {
    auto b = store_->Balance(account);
    EXPECT_TRUE(b.ok());
    return Money::FromUnits(b.ok() ? *b : 0);
  }

  Money Retirement(AccountNumber worker) {
    return BalanceOf(WorkerAccount(worker, "retirement", Unit::kMoney));
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

  // Certifies provider cascade with a basic plan and makes it the program's default.
  void AddDefaultProvider(Date day) {
    benefits::Provider p{"cascade", "Cascade", true, Pct("25%"), Dollars("50000.00"), true};
    ASSERT_TRUE(benefits::RegisterProvider(*store_, p, day).ok());
    ASSERT_TRUE(benefits::CertifyProvider(*store_, "cascade", day).ok());
    ASSERT_TRUE(benefits::AddPlan(*store_, {"cascade",
                                            "basic",
                                            "Basic",
                                            {"health", "disability", "workers_comp"},
                                            {"retirement"},
                                            Money(),
                                            Ratio()})
                    .ok());
    benefits::Terms terms;
    terms.default_provider = "cascade";
    terms.default_plan = "basic";
    ASSERT_TRUE(benefits::SetTerms(*store_, terms).ok());
  }

  benefits::WorkerFunding FundingOf(AccountNumber a) {
    auto f = benefits::FundingOf(*store_, a);
    EXPECT_TRUE(f.ok()) << f.status().message();
    return f.ok() ? *f : benefits::WorkerFunding{};
  }

  Consent Consents(AccountNumber worker, const char* percent, Date effective, Date today) {
    auto c = RecordConsent(*store_, registry_->benefits(),
                           {worker, "retirement", Pct(percent), effective, "v1", "worker"}, today,
                           1'780'000'000);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? *c : Consent();
  }

  size_t ConsentCount(AccountNumber worker) {
    auto list = ListConsents(*store_, worker);
    EXPECT_TRUE(list.ok());
    return list.ok() ? list->size() : 0;
  }

  testing::TempDir dir_;
  testing::TempDir packs_;
  std::string url_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Registry> registry_;
  AccountNumber ana_, ben_;
};

TEST_P(ContributionsTest, ConsentWithholdsFromEarningsAndTheEntityOwesIt) {
  const Consent c = Consents(ana_, "5%", D("2026-03-01"), D("2026-03-01"));
  EXPECT_EQ(c.id, 1);
  EXPECT_FALSE(c.ends);
  // Work before the consent's day carries nothing.
  auto before = Ingest({Report("r0", ana_, D("2026-02-27"), "240.00")});
  EXPECT_EQ(ConsentMoney(before[0]), Money());
  auto entries = Ingest({Report("r1", ana_, D("2026-03-02"), "240.00")});
  // 5% x 240.00 = 12.00, paid by the worker, withheld by rideco.
  EXPECT_EQ(ConsentMoney(entries[0]), Dollars("12.00"));
  bool explained = false;
  for (const Leg& leg : entries[0].legs) {
    if (leg.rule != "consent@2026-03-01/consent-1") continue;
    explained = true;
    EXPECT_EQ(leg.payer, Payer::kWorker);
    EXPECT_EQ(leg.rate, "5% of earnings");
    EXPECT_EQ(leg.account, WorkerAccount(ana_, "retirement", Unit::kMoney));
  }
  EXPECT_TRUE(explained);
  EXPECT_EQ(BalanceOf("E/rideco/2026-03/withheld"), Dollars("-12.00"));
  // Seattle: 8 h x 0.40 to retirement from rideco, plus the 12.00 withheld: 3.20 + 12.00, and
  // 3.20 from February.
  EXPECT_EQ(Retirement(ana_), Dollars("18.40"));
  // Ben has no consent: nothing withheld from his work.
  auto bens = Ingest({Report("b1", ben_, D("2026-03-02"), "240.00")});
  EXPECT_EQ(ConsentMoney(bens[0]), Money());
  EXPECT_EQ(BalanceOf("E/rideco/2026-03/withheld"), Dollars("-12.00"));
  // The account's view shows the withheld money as Ana's own.
  auto summary = SummarizeAccount(*store_, ana_);
  ASSERT_TRUE(summary.ok());
  bool own = false;
  for (const PayerTotal& p : summary->by_payer) {
    if (p.payer == Payer::kWorker) {
      own = true;
      EXPECT_EQ(p.money, Dollars("12.00"));
    }
  }
  EXPECT_TRUE(own);
  ExpectVerifies();
}

// The ingestor prepares the consent programs before its batch takes the write lock. A consent
// committed after that, but before the batch reads the programs, applies to the batch.
TEST_P(ContributionsTest, AConsentRecordedAfterPrepareAppliesToTheBatch) {
  auto programs = MakeConsentPrograms(*store_);
  ASSERT_TRUE(programs->Prepare().ok());
  Consents(ana_, "5%", D("2026-03-01"), D("2026-03-01"));
  const std::vector<AccountNumber> workers = {ana_, ben_};
  ASSERT_TRUE(programs->Load(workers).ok());
  std::vector<Applicable> applicable;
  programs->Append(ana_, D("2026-03-02"), &applicable);
  ASSERT_EQ(applicable.size(), 1u);
  EXPECT_EQ(applicable[0].pack->name, "Withholding consent 1");
  applicable.clear();
  programs->Append(ben_, D("2026-03-02"), &applicable);
  EXPECT_TRUE(applicable.empty());
}

TEST_P(ContributionsTest, RevocationStopsWithholdingFromItsDayOnAndCorrectionsRecompute) {
  Consents(ana_, "5%", D("2026-03-01"), D("2026-03-01"));
  auto first = Ingest({Report("r1", ana_, D("2026-03-02"), "240.00"),
                       Report("r2", ana_, D("2026-03-14"), "100.00")});
  EXPECT_EQ(ConsentMoney(first[0]), Dollars("12.00"));
  EXPECT_EQ(ConsentMoney(first[1]), Dollars("5.00"));
  auto revoked =
      RevokeConsent(*store_, ana_, 1, D("2026-03-15"), "worker", D("2026-03-10"), 1'780'000'100);
  ASSERT_TRUE(revoked.ok()) << revoked.status().message();
  EXPECT_EQ(*revoked->ends, D("2026-03-15"));
  EXPECT_EQ(revoked->revoked_at, 1'780'000'100);
  auto after = Ingest({Report("r3", ana_, D("2026-03-14"), "100.00"),
                       Report("r4", ana_, D("2026-03-15"), "100.00"),
                       Report("r5", ana_, D("2026-03-20"), "100.00")});
  EXPECT_EQ(ConsentMoney(after[0]), Dollars("5.00"));  // the day before revocation
  EXPECT_EQ(ConsentMoney(after[1]), Money());
  EXPECT_EQ(ConsentMoney(after[2]), Money());
  // Correcting r1 to 300.00 reverses its 12.00 and withholds 5% x 300.00 = 15.00.
  auto corrected = Ingest({Report("r1b", ana_, D("2026-03-02"), "300.00", "r1")});
  EXPECT_EQ(ConsentMoney(corrected[0]), Dollars("3.00"));  // -12.00 + 15.00
  // Withheld in March: 15.00 + 5.00 + 5.00.
  EXPECT_EQ(BalanceOf("E/rideco/2026-03/withheld"), Dollars("-25.00"));
  // A correction of work after the revocation still carries nothing.
  auto late = Ingest({Report("r5b", ana_, D("2026-03-20"), "200.00", "r5")});
  EXPECT_EQ(ConsentMoney(late[0]), Money());
  // History is kept: the revoked consent is listed, and a new one may start on its end day.
  const Consent again = Consents(ana_, "3%", D("2026-03-15"), D("2026-03-10"));
  EXPECT_EQ(again.id, 2);
  auto list = ListConsents(*store_, ana_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_TRUE((*list)[0].ends.has_value());
  EXPECT_EQ((*list)[0].revoked_by, "worker");
  auto third = Ingest({Report("r6", ana_, D("2026-03-21"), "100.00")});
  EXPECT_EQ(ConsentMoney(third[0]), Dollars("3.00"));
  ExpectVerifies();
}

TEST_P(ContributionsTest, BadConsentsAreRefusedAndNothingIsWritten) {
  const Date today = D("2026-03-01");
  auto refuse = [&](ConsentAsk ask, const std::string& message) {
    auto c = RecordConsent(*store_, registry_->benefits(), ask, today, 1);
    ASSERT_FALSE(c.ok()) << message;
    EXPECT_NE(c.status().message().find(message), std::string::npos) << c.status().message();
  };
  const ConsentAsk good{ana_, "retirement", Pct("5%"), today, "v1", "worker"};
  ConsentAsk a = good;
  a.benefit = "pension";
  refuse(a, "unknown benefit 'pension' (money benefits: ");
  a.benefit = "sick_leave";
  refuse(a, "benefit 'sick_leave' is a leave benefit");
  a = good;
  a.percent = Ratio();
  refuse(a, "percent must be more than 0% and at most 25% (got 0%)");
  a.percent = Pct("25.0001%");
  refuse(a, "(got 25.0001%)");
  a = good;
  a.effective = D("2026-02-28");
  refuse(a, "effective 2026-02-28 is in the past");
  a = good;
  a.wording = " ";
  refuse(a, "wording is required");
  a = good;
  a.account = AccountNumber::FromSerial(999999);
  refuse(a, "no worker has account number");
  EXPECT_EQ(ConsentCount(ana_), 0u);
  // 25% is allowed; a second consent for the same benefit is refused while the first applies.
  a = good;
  a.percent = Pct("25%");
  ASSERT_TRUE(RecordConsent(*store_, registry_->benefits(), a, today, 1).ok());
  a.effective = D("2026-06-01");
  refuse(a, "already has consent 1 to withhold 25% for retirement from 2026-03-01; revoke it");
  EXPECT_EQ(ConsentCount(ana_), 1u);
  // Revocations: unknown, past, before the consent, twice.
  auto revoke = [&](int64_t id, Date effective, const std::string& message) {
    auto r = RevokeConsent(*store_, ana_, id, effective, "worker", today, 2);
    ASSERT_FALSE(r.ok()) << message;
    EXPECT_NE(r.status().message().find(message), std::string::npos) << r.status().message();
  };
  revoke(7, today, "has no consent 7");
  revoke(1, D("2026-02-01"), "effective 2026-02-01 is in the past");
  auto other = RevokeConsent(*store_, ben_, 1, today, "worker", today, 2);
  EXPECT_EQ(other.status().code(), Code::kNotFound);  // not Ben's
  ASSERT_TRUE(RevokeConsent(*store_, ana_, 1, D("2026-04-01"), "worker", today, 2).ok());
  revoke(1, D("2026-05-01"), "was already revoked");
  auto list = ListConsents(*store_, ana_);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list->at(0).ends, D("2026-04-01"));  // the first revocation stands
  // A new consent overlapping the revoked one's days is refused too.
  a = good;
  a.effective = D("2026-03-20");
  refuse(a,
         "already has consent 1 to withhold 25% for retirement from 2026-03-01 until "
         "2026-04-01");
  EXPECT_EQ(ConsentCount(ana_), 1u);
}

TEST_P(ContributionsTest, OneOffContributionsAreIdempotentAndBadOnesChangeNothing) {
  const Date today = D("2026-05-01");
  auto r = RecordOneOff(*store_, registry_->benefits(),
                        {ana_, "retirement", Dollars("300.00"), D("2026-04-30"), "jan-1", "worker"},
                        today);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->already);
  EXPECT_EQ(r->entry.kind, EntryKind::kContribution);
  EXPECT_EQ(Retirement(ana_), Dollars("300.00"));
  EXPECT_EQ(BalanceOf("V/" + AccountDigits(ana_) + "/2026-04"), Dollars("-300.00"));
  // The same again is already recorded; other content under the reference is a conflict.
  auto again = RecordOneOff(
      *store_, registry_->benefits(),
      {ana_, "retirement", Dollars("300.00"), D("2026-04-30"), "jan-1", "worker"}, today);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already);
  auto conflict = RecordOneOff(
      *store_, registry_->benefits(),
      {ana_, "retirement", Dollars("301.00"), D("2026-04-30"), "jan-1", "worker"}, today);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), Code::kConflict);
  EXPECT_NE(conflict.status().message().find("reference 'jan-1' of account"), std::string::npos);
  // Another worker may use the same reference.
  ASSERT_TRUE(RecordOneOff(*store_, registry_->benefits(),
                           {ben_, "retirement", Dollars("10.00"), today, "jan-1", "worker"}, today)
                  .ok());
  auto entries = store_->CountEntries();
  ASSERT_TRUE(entries.ok());
  auto refuse = [&](OneOff c, const std::string& message) {
    auto got = RecordOneOff(*store_, registry_->benefits(), c, today);
    ASSERT_FALSE(got.ok()) << message;
    EXPECT_NE(got.status().message().find(message), std::string::npos) << got.status().message();
  };
  const OneOff good{ana_, "retirement", Dollars("5.00"), today, "x-1", "worker"};
  OneOff c = good;
  c.amount = Money();
  refuse(c, "amount must be more than 0 (got 0.00)");
  c.amount = Dollars("-5.00");
  refuse(c, "amount must be more than 0 (got -5.00)");
  c.amount = Dollars("5.005");
  refuse(c, "amount 5.005 must be in whole cents");
  c.amount = Dollars("100000.01");
  refuse(c, "amount 100000.01 is more than the 100000.00");
  c = good;
  c.day = D("2026-05-02");
  refuse(c, "day 2026-05-02 is in the future (today is 2026-05-01)");
  c = good;
  c.benefit = "vacation";
  refuse(c, "benefit 'vacation' is a leave benefit");
  c.benefit = "pension";
  refuse(c, "unknown benefit 'pension'");
  c = good;
  c.reference = "bad ref";
  refuse(c, "reference");
  c = good;
  c.account = AccountNumber::FromSerial(999999);
  refuse(c, "no worker has account number");
  EXPECT_EQ(store_->CountEntries().value(), *entries);
  EXPECT_EQ(Retirement(ana_), Dollars("300.00"));
  ExpectVerifies();
  // The annual statement lists the one-off under a source of its own.
  auto statement = BuildWorkerAnnualStatement(*store_, ana_, 2026);
  ASSERT_TRUE(statement.ok());
  ASSERT_EQ(statement->by_source.size(), 1u);
  EXPECT_EQ(statement->by_source[0].entity, "voluntary (one-off)");
  EXPECT_EQ(statement->by_source[0].payer, Payer::kWorker);
  EXPECT_EQ(statement->by_source[0].money, Dollars("300.00"));
}

// A one-off is cash the worker pays in: funded at once. Ana pays 300.00 before the program has
// any provider, so it is held for her account and follows her when she chooses cascade; Ben's
// 10.00 after cascade is the default provider enrolls him there. Cascade then holds 310.00
// against 310.00 earned: a ratio of 100%.
TEST_P(ContributionsTest, AOneOffIsFundedAtOnceAndFollowsTheWorkerToAProvider) {
  const Date today = D("2026-05-01");
  ASSERT_TRUE(RecordOneOff(*store_, registry_->benefits(),
                           {ana_, "retirement", Dollars("300.00"), today, "may", "worker"}, today)
                  .ok());
  EXPECT_EQ(FundingOf(ana_).provider, "");
  EXPECT_EQ(FundingOf(ana_).funded_cents, 30000);
  ExpectVerifies();

  AddDefaultProvider(today);
  ASSERT_TRUE(benefits::Choose(*store_, ana_, "cascade", "basic", {}, today).ok());
  EXPECT_EQ(FundingOf(ana_).provider, "cascade");
  EXPECT_EQ(FundingOf(ana_).funded_cents, 30000);

  ASSERT_TRUE(RecordOneOff(*store_, registry_->benefits(),
                           {ben_, "retirement", Dollars("10.00"), today, "may", "worker"}, today)
                  .ok());
  // The same contribution again is already recorded and funds nothing more.
  auto again = RecordOneOff(*store_, registry_->benefits(),
                            {ben_, "retirement", Dollars("10.00"), today, "may", "worker"}, today);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already);
  EXPECT_EQ(FundingOf(ben_).provider, "cascade");
  EXPECT_EQ(FundingOf(ben_).funded_cents, 1000);
  auto reserves = benefits::Reserves(*store_);
  ASSERT_TRUE(reserves.ok());
  ASSERT_EQ(reserves->size(), 1u);
  EXPECT_EQ(reserves->at(0).members, 2);
  EXPECT_EQ(reserves->at(0).funded_cents, 31000);
  EXPECT_EQ(reserves->at(0).earned, Dollars("310.00"));
  EXPECT_EQ(FormatPercent(reserves->at(0).ratio), "100%");
  ExpectVerifies();

  // A one-off missing from the fund journal is found.
  ASSERT_TRUE(store_->sql()
                  .Query("DELETE FROM benefit_fund_legs WHERE txn IN (SELECT txn FROM "
                         "benefit_fund_txns WHERE kind = 'one-off' AND ref = $1)",
                         {AccountDigits(ben_) + ":may"})
                  .ok());
  auto tampered = benefits::VerifyFunds(*store_);
  ASSERT_TRUE(tampered.ok());
  ASSERT_EQ(tampered->size(), 1u);
  EXPECT_EQ(tampered->front(), "one-off contribution " + AccountDigits(ben_) +
                                   ":may is in the ledger but not in the fund journal");
}

TEST_P(ContributionsTest, MatchIsSettledPerYearCappedBelowTheIncomeLimitAndAdjusted) {
  Consents(ana_, "10%", D("2026-02-01"), D("2026-02-01"));
  // Ana: 10% of 9,000.00 withheld = 900.00; Ben: 31,000.00 of earnings, no consent.
  auto work = Ingest({Report("a1", ana_, D("2026-02-02"), "9000.00"),
                      Report("b1", ben_, D("2026-02-02"), "31000.00")});
  EXPECT_EQ(ConsentMoney(work[0]), Dollars("900.00"));
  ASSERT_TRUE(RecordOneOff(*store_, registry_->benefits(),
                           {ana_, "retirement", Dollars("300.00"), D("2026-03-01"), "c1", "worker"},
                           D("2026-03-01"))
                  .ok());
  ASSERT_TRUE(RecordOneOff(*store_, registry_->benefits(),
                           {ben_, "retirement", Dollars("200.00"), D("2026-03-01"), "c1", "worker"},
                           D("2026-03-01"))
                  .ok());
  // The estimate: 1,200.00 voluntary x 50% = 600.00, capped at 500.00.
  auto estimate = EstimateMatch(*store_, *registry_, ana_, 2026, D("2026-06-30"));
  ASSERT_TRUE(estimate.ok()) << estimate.status().message();
  ASSERT_EQ(estimate->size(), 1u);
  EXPECT_EQ((*estimate)[0].contributions, Dollars("1200.00"));
  EXPECT_EQ((*estimate)[0].due, Dollars("500.00"));
  EXPECT_EQ((*estimate)[0].adjustment, Dollars("500.00"));
  EXPECT_EQ((*estimate)[0].rule, "us-wa-match-test@2026-01-01/match.retirement");

  const Money ana_before = Retirement(ana_);
  const Money ben_before = Retirement(ben_);
  auto settled = SettleMatch(*store_, *registry_, 2026, D("2026-06-30"));
  ASSERT_TRUE(settled.ok()) << settled.status().message();
  EXPECT_EQ(settled->entries, 1);
  EXPECT_EQ(settled->posted, Dollars("500.00"));
  ASSERT_EQ(settled->lines.size(), 2u);
  for (const MatchLine& l : settled->lines) {
    if (l.account == ben_) {
      EXPECT_EQ(l.earnings, Dollars("31000.00"));
      EXPECT_EQ(l.contributions, Dollars("200.00"));
      EXPECT_EQ(l.due, Money());
    }
  }
  EXPECT_EQ(Retirement(ana_) - ana_before, Dollars("500.00"));
  EXPECT_EQ(Retirement(ben_), ben_before);
  EXPECT_EQ(BalanceOf("G/US-WA/2026-06"), Dollars("-500.00"));
  ExpectVerifies();

  // Settling again posts nothing.
  auto twice = SettleMatch(*store_, *registry_, 2026, D("2026-07-01"));
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->entries, 0);
  EXPECT_EQ(twice->posted, Money());
  EXPECT_EQ(Retirement(ana_) - ana_before, Dollars("500.00"));

  // Ana's 9,000.00 corrected to 4,000.00: 300.00 + 400.00 = 700.00 → 350.00, so -150.00.
  auto corrected = Ingest({Report("a1b", ana_, D("2026-02-02"), "4000.00", "a1")});
  EXPECT_EQ(ConsentMoney(corrected[0]), Dollars("-500.00"));
  auto adjusted = SettleMatch(*store_, *registry_, 2026, D("2026-07-01"));
  ASSERT_TRUE(adjusted.ok()) << adjusted.status().message();
  EXPECT_EQ(adjusted->entries, 1);
  EXPECT_EQ(adjusted->posted, Dollars("-150.00"));
  EXPECT_EQ(BalanceOf("G/US-WA/2026-06") + BalanceOf("G/US-WA/2026-07"), Dollars("-350.00"));
  auto after = EstimateMatch(*store_, *registry_, ana_, 2026, D("2026-07-01"));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)[0].posted, Dollars("350.00"));
  EXPECT_EQ((*after)[0].adjustment, Money());
  ExpectVerifies();

  // The match is its own source on the statement.
  auto statement = BuildWorkerAnnualStatement(*store_, ana_, 2026);
  ASSERT_TRUE(statement.ok());
  bool match = false;
  for (const SourceAmount& s : statement->by_source) {
    if (s.entity == "match (US-WA)") {
      match = true;
      EXPECT_EQ(s.payer, Payer::kGovernment);
      EXPECT_EQ(s.money, Dollars("350.00"));
    }
  }
  EXPECT_TRUE(match);
  // Bad years.
  EXPECT_FALSE(SettleMatch(*store_, *registry_, 2027, D("2026-07-01")).ok());
  EXPECT_FALSE(EstimateMatch(*store_, *registry_, ana_, 1999, D("2026-07-01")).ok());
}

// A match taken back after the worker withdrew the money takes back only what is left: the
// balance never goes below zero, and the rest is taken back once the account holds it.
TEST_P(ContributionsTest, AMatchIsNeverTakenBackBelowZero) {
  AddDefaultProvider(D("2026-01-02"));
  ASSERT_TRUE(RecordOneOff(*store_, registry_->benefits(),
                           {ana_, "retirement", Dollars("800.00"), D("2026-03-01"), "c1", "worker"},
                           D("2026-03-01"))
                  .ok());
  auto settled = SettleMatch(*store_, *registry_, 2026, D("2026-06-30"));
  ASSERT_TRUE(settled.ok()) << settled.status().message();
  EXPECT_EQ(settled->posted, Dollars("400.00"));  // 50% x 800.00
  // All but 100.00 is withdrawn.
  Payout out;
  out.worker = ana_;
  out.reference = "request-1";
  out.paid = D("2026-07-01");
  out.provider = "cascade";
  out.benefit = "retirement";
  out.money = Retirement(ana_) - Dollars("100.00");
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->Append({BuildPayout(out)}).ok());
  ASSERT_TRUE(
      benefits::DrawPayout(*store_, ana_, "cascade", out.money, out.reference, out.paid).ok());
  ASSERT_TRUE(store_->Commit("test").ok());
  // Then a report shows earnings above the income limit: no match is due, and 400.00 should
  // go back, but the account holds only 100.00 and what the report credited.
  Ingest({Report("late", ana_, D("2026-05-04"), "31000.00")});
  const Money held = Retirement(ana_);
  ASSERT_LT(held, Dollars("400.00"));
  auto back = SettleMatch(*store_, *registry_, 2026, D("2026-07-02"));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->posted, -held);
  ASSERT_EQ(back->lines.size(), 1U);
  EXPECT_EQ(back->lines[0].due, Money());
  EXPECT_EQ(back->lines[0].adjustment, -held);
  EXPECT_EQ(back->lines[0].not_taken_back, Dollars("400.00") - held);
  EXPECT_EQ(Retirement(ana_), Money());
  ExpectVerifies();
  // Nothing left to take: settling again posts nothing and says what is still owed back.
  auto again = SettleMatch(*store_, *registry_, 2026, D("2026-07-03"));
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->entries, 0);
  EXPECT_EQ(again->lines[0].not_taken_back, Dollars("400.00") - held);
  EXPECT_EQ(Retirement(ana_), Money());
}

TEST_P(ContributionsTest, ACorrectionIntoANewYearMovesItsWithholdingThere) {
  // 10% of 1,000.00 withheld on 2025-12-15, corrected to work on 2026-01-05: the reversal of
  // 100.00 counts in 2025, the new 100.00 in 2026, so 2026's match is 50% x 100.00 = 50.00.
  Consents(ana_, "10%", D("2025-12-01"), D("2025-12-01"));
  auto first = Ingest({Report("y1", ana_, D("2025-12-15"), "1000.00")});
  EXPECT_EQ(ConsentMoney(first[0]), Dollars("100.00"));
  auto moved = Ingest({Report("y1b", ana_, D("2026-01-05"), "1000.00", "y1")});
  EXPECT_EQ(ConsentMoney(moved[0]), Money());  // -100.00 + 100.00
  auto estimate = EstimateMatch(*store_, *registry_, ana_, 2026, D("2026-06-30"));
  ASSERT_TRUE(estimate.ok()) << estimate.status().message();
  ASSERT_EQ(estimate->size(), 1u);
  EXPECT_EQ((*estimate)[0].contributions, Dollars("100.00"));
  EXPECT_EQ((*estimate)[0].due, Dollars("50.00"));
  ExpectVerifies();
}

TEST_P(ContributionsTest, MatchPhasesOutInAStraightLine) {
  // A second test pack in Seattle phases its match out from 20,000.00 to 30,000.00:
  // earnings of 25,000.00 halve the 50% rate to 25%; 800.00 contributed → 200.00.
  std::ofstream(packs_ / "us-wa-seattle-phase.toml") << R"(
id = "us-wa-seattle-phase"
name = "Phase-out test"
kind = "jurisdiction"
jurisdiction = "US-WA-SEATTLE"
starts = 2026-01-01
source = "test"

[[version]]
effective = 2026-01-01

[[version.match]]
benefit = "unemployment"
rate = "50%"
counts_up_to = "2000.00"
income_limit = "30000.00"
phase_out_from = "20000.00"
)";
  ASSERT_TRUE(LoadPoliciesIntoStore(*store_, packs_.path().string()).ok());
  auto registry = Registry::Load(*store_);
  ASSERT_TRUE(registry.ok());
  registry_ = std::move(*registry);
  Ingest({Report("a1", ana_, D("2026-02-02"), "25000.00")});
  ASSERT_TRUE(RecordOneOff(*store_, registry_->benefits(),
                           {ana_, "unemployment", Dollars("800.00"), D("2026-03-01"), "u1", "w"},
                           D("2026-03-01"))
                  .ok());
  auto estimate = EstimateMatch(*store_, *registry_, ana_, 2026, D("2026-06-30"));
  ASSERT_TRUE(estimate.ok());
  ASSERT_EQ(estimate->size(), 2u);  // retirement (nothing contributed) and unemployment
  for (const MatchLine& l : *estimate) {
    if (l.benefit != "unemployment") {
      EXPECT_EQ(l.due, Money());
      continue;
    }
    EXPECT_EQ(l.rate, Pct("25%"));
    EXPECT_EQ(l.due, Dollars("200.00"));
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, ContributionsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace accrue::contributions
