// A scenario through the real `accrue` binary: several hiring entities in several
// jurisdictions (Seattle rideshare 1099 and a Seattle W-2 clinic of 120 staff, a Washington
// cafe of 30 staff, a California cleaning business, a Texas courier no program covers),
// workers with several entities, the Seattle weekly cap, the PFML wage base with and without
// the employer share, sick-leave fractions carried, corrections (hours changed, report moved
// to another worker, below a cap that the replaced report had reached), a resend, and the
// exactness rule of 1,000 ten-minute jobs.
//
// Every expected balance is computed here with plain integer arithmetic, independently of the
// engine: money in units of 1e-10 dollar (the ledger's scale) and hours in units of 1e-6 hour.
// The programs' figures are those of policies/us-wa-seattle-portable.toml (2.00/h split
// health 1.00, workers_comp 0.35, retirement 0.40, sick_leave 0.25; at most 40 h a week with
// each entity; 1 h of sick leave per 30 h worked in Seattle, fractions floored to 1e-6 h and
// carried), policies/us-wa-pfml.toml (2026: 1.13% of W-2 wages, worker 71.43%, employer
// 28.57%, no employer share under 50 staff, wages counted up to 184,500.00 a year per worker
// and entity) and policies/us-cleaning-alia.toml (5.00 per cleaning: vacation 3.00,
// disability 2.00).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/account_number.h"
#include "base/date.h"
#include "base/decimal.h"
#include "testing/cli_runner.h"

namespace accrue {
namespace {

using testing::AccrueDb;
using testing::CliResult;

// Money: 1e-10 dollar. Hours: 1e-6 hour.
constexpr int64_t kDollar = 10'000'000'000;
constexpr int64_t kCent = kDollar / 100;
constexpr int64_t kHour = 1'000'000;

// Seattle's 2.00/h on `hours_e4` ten-thousandths of an hour counted, and its split.
constexpr int64_t SeattleTotal(int64_t hours_e4) { return hours_e4 * 2 * kDollar / 10'000; }
constexpr int64_t SeattleHealth(int64_t hours_e4) { return hours_e4 * 100 * kCent / 10'000; }
constexpr int64_t SeattleWorkersComp(int64_t hours_e4) { return hours_e4 * 35 * kCent / 10'000; }
constexpr int64_t SeattleRetirement(int64_t hours_e4) { return hours_e4 * 40 * kCent / 10'000; }
constexpr int64_t SeattleSickFund(int64_t hours_e4) { return hours_e4 * 25 * kCent / 10'000; }
// Sick leave for `hours_e4` worked in Seattle in the year: floor(hours / 30) at 1e-6 h.
constexpr int64_t SickLeave(int64_t hours_e4) { return hours_e4 * 100 / 30; }
// PFML 2026 on `cents` of counted wages: premium = cents x 1.13% = cents x 113 / 1,000,000
// dollars = cents x 113 x 10,000 units; worker 71.43% of it = cents x 113 x 7143 units;
// employer 28.57% = cents x 113 x 2857 units (all exact).
constexpr int64_t PfmlWorker(int64_t cents) { return cents * 113 * 7143; }
constexpr int64_t PfmlEmployer(int64_t cents) { return cents * 113 * 2857; }
constexpr int64_t kWageBaseCents = 184'500'00;

// What a worker's `balance --json` must say, as units.
struct Expected {
  int64_t total = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> benefits;  // money, leave hours
  std::map<std::string, int64_t> by_payer;                      // "entity/payer" → money
};

// Units at 10^-scale as the CLI prints them: every digit the ledger keeps, trailing zeros
// dropped, at least two decimals ("333.40", "1489.208355").
std::string Format(int64_t units, int scale) {
  const bool negative = units < 0;
  uint64_t u = negative ? static_cast<uint64_t>(-units) : static_cast<uint64_t>(units);
  uint64_t one = 1;
  for (int i = 0; i < scale; ++i) one *= 10;
  std::string fraction = std::to_string(u % one);
  fraction.insert(0, static_cast<size_t>(scale) - fraction.size(), '0');
  while (fraction.size() > 2 && fraction.back() == '0') fraction.pop_back();
  return (negative ? "-" : "") + std::to_string(u / one) + "." + fraction;
}
std::string Money10(int64_t units) { return Format(units, 10); }
std::string Hours6(int64_t units) { return Format(units, 6); }

std::string Account(uint64_t serial) { return AccountNumber::FromSerial(serial).ToString(); }
const std::string kMaria = Account(20001);
const std::string kDev = Account(20002);
const std::string kLena = Account(20003);
const std::string kZoe = Account(20004);

const std::string kHeader =
    "report_id,hiring_entity,worker,work_date,jurisdiction,hours,earnings,tips,jobs,"
    "classification,sector,replaces\n";

// One row; the entity decides where and how (see the entities below).
std::string Row(const std::string& id, const std::string& entity, const std::string& worker,
                const std::string& date, const std::string& hours, const std::string& earnings,
                const std::string& jobs = "0", const std::string& replaces = "") {
  static const std::map<std::string, std::pair<std::string, std::string>> kWhereHow = {
      {"rideco", {"US-WA-SEATTLE", "1099"}},
      {"clinic", {"US-WA-SEATTLE", "W2"}},
      {"cafe", {"US-WA", "W2"}},
      {"sparkle", {"US-CA", "1099"}},
      {"texco", {"US-TX", "1099"}}};
  const auto& [where, how] = kWhereHow.at(entity);
  return id + "," + entity + "," + worker + "," + date + "," + where + "," + hours + "," +
         earnings + ",," + jobs + "," + how + ",," + replaces + "\n";
}

class ScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Init();
    db_.Import("entities",
               "id,name,sector,size\n"
               "rideco,RideCo,rideshare,5000\n"
               "clinic,Harbor Clinic,healthcare,120\n"
               "cafe,Corner Cafe,food_service,30\n"
               "sparkle,Sparkle Home Cleaning,cleaning,3\n"
               "texco,Lone Star Couriers,delivery,600\n");
    db_.Import("workers",
               "name,birth_date,home_jurisdiction,account\n"
               "Maria,1988-02-11,US-WA-SEATTLE," +
                   kMaria +
                   "\n"
                   "Dev,1979-07-30,US-WA," +
                   kDev +
                   "\n"
                   "Lena,1995-12-01,US-WA-SEATTLE," +
                   kLena +
                   "\n"
                   "Zoe,2001-05-05,US-WA-SEATTLE," +
                   kZoe + "\n");
  }

  CliResult Ingest(const std::string& name, const std::string& rows) {
    return db_.Ingest(name, kHeader + rows);
  }

  void ExpectBalance(const std::string& who, const std::string& account, const Expected& e) {
    SCOPED_TRACE(who);
    const nlohmann::json got = db_.Balance(account);
    EXPECT_EQ(got.at("total"), Money10(e.total));
    std::map<std::string, std::pair<std::string, std::string>> want_benefits;
    int64_t sum = 0;
    for (const auto& [benefit, amounts] : e.benefits) {
      want_benefits[benefit] = {Money10(amounts.first), Hours6(amounts.second)};
      sum += amounts.first;
    }
    EXPECT_EQ(sum, e.total) << "the expected splits must sum to the expected total";
    std::map<std::string, std::pair<std::string, std::string>> got_benefits;
    for (const auto& [benefit, amounts] : testing::Benefits(got)) {
      if (amounts.first == "0.00" && amounts.second == "0.00") continue;  // all reversed
      got_benefits[benefit] = amounts;
    }
    EXPECT_EQ(got_benefits, want_benefits);
    // The benefits the CLI shows add up to its total, exactly.
    Money shown;
    for (const auto& b : got.at("benefits")) {
      shown += *Money::Parse(b.at("money").get<std::string>());
    }
    EXPECT_EQ(shown.units(), Money::Parse(got.at("total").get<std::string>())->units());
    std::map<std::string, std::string> want_payers, got_payers;
    for (const auto& [payer, money] : e.by_payer) want_payers[payer] = Money10(money);
    for (const auto& p : got.at("by_payer")) {
      got_payers[p.at("entity").get<std::string>() + "/" + p.at("payer").get<std::string>()] =
          p.at("money").get<std::string>();
    }
    EXPECT_EQ(got_payers, want_payers);

    // Every cent and hour is explained: the explanation's lines sum to the balance.
    const CliResult explain = db_.Run({"explain", account, "--json"});
    ASSERT_EQ(explain.exit_code, 0) << explain.Describe();
    std::map<std::string, std::pair<int64_t, int64_t>> explained;
    for (const auto& line : AccrueDb::ParseJson(explain)) {
      const std::string amount = line.at("amount").get<std::string>();
      auto& slot = explained[line.at("benefit").get<std::string>()];
      if (line.at("unit") == "hours") {
        slot.second += Hours::Parse(amount)->units();
      } else {
        slot.first += Money::Parse(amount)->units();
      }
    }
    for (auto it = explained.begin(); it != explained.end();) {
      it = it->second == std::pair<int64_t, int64_t>{0, 0} ? explained.erase(it) : ++it;
    }
    // Hours() keeps 6 decimals and money 10 in `explain --json`.
    EXPECT_EQ(explained, e.benefits) << "explain --json does not add up to the balance";
  }

  AccrueDb db_;
};

TEST_F(ScenarioTest, BalancesMatchAnIndependentComputation) {
  // --- 1. Three reports of 10 h in Seattle: exactly 1 h of sick leave, fractions carried
  // (0.333333, then 0.666666 - 0.333333 = 0.333333, then 1.000000 - 0.666666 = 0.333334).
  const std::string week1 = Row("m1", "rideco", kMaria, "2026-03-02", "10", "250.00") +
                            Row("m2", "rideco", kMaria, "2026-03-03", "10", "250.00") +
                            Row("m3", "rideco", kMaria, "2026-03-04", "10", "250.00");
  CliResult r = Ingest("week1.csv", week1);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  {
    const int64_t h = 30'0000;  // 30 h, none capped
    ExpectBalance("Maria after three 10 h reports", kMaria,
                  {SeattleTotal(h),
                   {{"health", {SeattleHealth(h), 0}},
                    {"workers_comp", {SeattleWorkersComp(h), 0}},
                    {"retirement", {SeattleRetirement(h), 0}},
                    {"sick_leave", {SeattleSickFund(h), 1 * kHour}}},
                   {{"rideco/hiring_entity", 60 * kDollar}}});
    EXPECT_EQ(SickLeave(h), 1 * kHour);
  }

  // --- 2. The rest of the work, in one file.
  const std::string rest =
      // Maria's week of 2026-03-02 (ISO week 10) with rideco goes on: 30 + 8 + 6 + 4 = 48 h
      // worked, of which 40 count (m5 counts 2 h, m6 none).
      Row("m4", "rideco", kMaria, "2026-03-05", "8", "200.00") +
      Row("m5", "rideco", kMaria, "2026-03-06", "6", "150.00") +
      Row("m6", "rideco", kMaria, "2026-03-07", "4", "100.00") +
      // Sent as Maria's but Lena's (moved by a correction below).
      Row("m7", "rideco", kMaria, "2026-03-09", "5", "125.00") +
      // Maria cleans in California: 1 + 2 cleanings. And couriers in Texas: no program.
      Row("s1", "sparkle", kMaria, "2026-03-03", "3", "120.00", "1") +
      Row("s2", "sparkle", kMaria, "2026-03-10", "6", "240.00", "2") +
      Row("t1", "texco", kMaria, "2026-03-04", "5", "90.00", "3") +
      // Dev: clinic (Seattle, W-2, 120 staff) and cafe (Washington, W-2, 30 staff). d4 is a
      // large payment that reaches the clinic's wage base for Dev.
      Row("d1", "clinic", kDev, "2026-03-02", "8", "272.00") +
      Row("d2", "clinic", kDev, "2026-03-03", "8", "272.00") +
      Row("d3", "cafe", kDev, "2026-03-04", "6", "114.00") +
      Row("d4", "clinic", kDev, "2026-05-04", "8", "190000.00") +
      // Lena at the cafe: 184,000.00 then 1,000.00, of which 500.00 reach the wage base.
      Row("l1", "cafe", kLena, "2026-04-01", "8", "184000.00") +
      Row("l2", "cafe", kLena, "2026-04-02", "8", "1000.00") +
      Row("l4", "rideco", kLena, "2026-03-10", "10", "250.00");
  r = Ingest("rest.csv", rest);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "14 rows: 14 recorded, 0 corrected, 0 already recorded, 0 refused\n");

  // --- 3. Corrections.
  const std::string corrections =
      // Dev's d2 was 10 h and 340.00, not 8 h and 272.00.
      Row("d2-fix", "clinic", kDev, "2026-03-03", "10", "340.00", "0", "d2") +
      // m7 was Lena's work.
      Row("m7-fix", "rideco", kLena, "2026-03-09", "5", "125.00", "0", "m7") +
      // Lena's l2 was 400.00, not 1,000.00: now under the wage base.
      Row("l2-fix", "cafe", kLena, "2026-04-02", "8", "400.00", "0", "l2");
  r = Ingest("corrections.csv", corrections);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "3 rows: 0 recorded, 3 corrected, 0 already recorded, 0 refused\n");

  // --- 4. After the corrections: Lena's l3 meets what is left of her wage base. And a resend
  // of the whole second file, which changes nothing.
  r = Ingest("after.csv", Row("l3", "cafe", kLena, "2026-04-03", "8", "300.00"));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  r = Ingest("rest.csv", rest);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "14 rows: 0 recorded, 0 corrected, 14 already recorded, 0 refused\n");

  // Maria. rideco, week 10: 10 + 10 + 10 + 8 + 2 + 0 = 40 h count (cap 40), m7 moved away.
  //   40 h x 2.00 = 80.00: health 40.00, workers_comp 14.00, retirement 16.00, sick 10.00.
  //   Sick leave: 48 h worked in Seattle -> 48 / 30 = 1.6 h.
  // sparkle: 3 cleanings x 5.00 = 15.00: vacation 3 x 3.00 = 9.00, disability 3 x 2.00 = 6.00.
  // texco: nothing (no program covers Texas delivery).
  // Total 80.00 + 15.00 = 95.00.
  {
    const int64_t counted = 40'0000;
    const int64_t worked = (10 + 10 + 10 + 8 + 6 + 4) * 10'000;
    ExpectBalance(
        "Maria", kMaria,
        {SeattleTotal(counted) + 15 * kDollar,
         {{"health", {SeattleHealth(counted), 0}},
          {"workers_comp", {SeattleWorkersComp(counted), 0}},
          {"retirement", {SeattleRetirement(counted), 0}},
          {"sick_leave", {SeattleSickFund(counted), SickLeave(worked)}},
          {"vacation", {3 * 3 * kDollar, 0}},
          {"disability", {3 * 2 * kDollar, 0}}},
         {{"rideco/hiring_entity", 80 * kDollar}, {"sparkle/hiring_entity", 15 * kDollar}}});
    EXPECT_EQ(SeattleTotal(counted), 80 * kDollar);
    EXPECT_EQ(SickLeave(worked), 1'600'000);
  }

  // Dev. clinic, Seattle: d1 8 h + d2-fix 10 h + d4 8 h = 26 h, no week over 40:
  //   26 x 2.00 = 52.00: health 26.00, workers_comp 9.10, retirement 10.40, sick 6.50;
  //   sick leave 26 / 30 = 0.866666 h.
  // clinic PFML: wages 272.00 + 340.00 + 190,000.00 = 190,612.00, of which 184,500.00 count
  //   (d4 was recorded before the correction and took 184,500 - 544 = 183,956.00; the
  //   correction replaces 272.00 with 340.00 of which the 272.00 left count):
  //   premium 184,500.00 x 1.13% = 2,084.85; worker 71.43% = 1,489.208355,
  //   employer 28.57% = 595.641645.
  // cafe PFML (30 staff): 114.00 x 1.13% = 1.2882; worker 71.43% = 0.92016126; no employer
  //   share.
  {
    const int64_t h = 26'0000;
    const int64_t clinic_worker = PfmlWorker(kWageBaseCents);
    const int64_t clinic_employer = PfmlEmployer(kWageBaseCents);
    const int64_t cafe_worker = PfmlWorker(114'00);
    EXPECT_EQ(Money10(clinic_worker), "1489.208355");
    EXPECT_EQ(Money10(clinic_employer), "595.641645");
    EXPECT_EQ(Money10(cafe_worker), "0.92016126");
    ExpectBalance("Dev", kDev,
                  {SeattleTotal(h) + clinic_worker + clinic_employer + cafe_worker,
                   {{"health", {SeattleHealth(h), 0}},
                    {"workers_comp", {SeattleWorkersComp(h), 0}},
                    {"retirement", {SeattleRetirement(h), 0}},
                    {"sick_leave", {SeattleSickFund(h), SickLeave(h)}},
                    {"family_leave", {clinic_worker + clinic_employer + cafe_worker, 0}}},
                   {{"clinic/hiring_entity", SeattleTotal(h) + clinic_employer},
                    {"clinic/worker", clinic_worker},
                    {"cafe/worker", cafe_worker}}});
  }

  // Lena. rideco, Seattle, week 11: m7-fix 5 h + l4 10 h = 15 h: 30.00 (health 15.00,
  //   workers_comp 5.25, retirement 6.00, sick 3.75); sick leave 15 / 30 = 0.5 h.
  // cafe PFML (30 staff, worker share only): l1 184,000.00 + l2-fix 400.00 + l3 100.00 of its
  //   300.00 = 184,500.00 counted: worker 1,489.208355.
  {
    const int64_t h = 15'0000;
    const int64_t cafe_worker = PfmlWorker(184'000'00 + 400'00 + 100'00);
    EXPECT_EQ(184'000'00 + 400'00 + 100'00, kWageBaseCents);
    ExpectBalance("Lena", kLena,
                  {SeattleTotal(h) + cafe_worker,
                   {{"health", {SeattleHealth(h), 0}},
                    {"workers_comp", {SeattleWorkersComp(h), 0}},
                    {"retirement", {SeattleRetirement(h), 0}},
                    {"sick_leave", {SeattleSickFund(h), SickLeave(h)}},
                    {"family_leave", {cafe_worker, 0}}},
                   {{"rideco/hiring_entity", SeattleTotal(h)}, {"cafe/worker", cafe_worker}}});
  }

  const nlohmann::json verify = db_.Verify();
  EXPECT_TRUE(verify.at("ok").get<bool>()) << verify.dump();
  EXPECT_EQ(verify.at("entries"), 3 + 14 + 3 + 1);
}

// 1,000 ten-minute jobs (0.1667 h each, to 4 decimals) at 2.00/h are exactly
// 1,000 x 0.3334 = 333.40, and the benefits split it exactly.
TEST_F(ScenarioTest, AThousandTenMinuteJobsAreExactlyThreeHundredThirtyThreeForty) {
  // Ten jobs a day from Monday 2026-01-05 for 100 days: 1.667 h a day, 11.669 h a week, far
  // from both the 24-hour day and the 40-hour week.
  std::string rows;
  const Date first = Date::FromYmd(2026, 1, 5);
  for (int i = 0; i < 1000; ++i) {
    rows += Row("z" + std::to_string(i), "rideco", kZoe, first.AddDays(i / 10).ToString(), "0.1667",
                "3.33", "1");
  }
  const CliResult r = Ingest("zoe.csv", rows);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "1000 rows: 1000 recorded, 0 corrected, 0 already recorded, 0 refused\n");
  // 1,000 x 0.1667 h = 166.7 h = 1,667,000 e-4 h.
  const int64_t h = 1000 * 1667;
  // 166.7 x 2.00 = 333.40: health 166.70, workers_comp 58.345, retirement 66.68,
  // sick_leave 41.675; sick leave floor(166.7 / 30) = 5.556666 h.
  EXPECT_EQ(SeattleTotal(h), 33340 * kCent);
  EXPECT_EQ(SeattleHealth(h) + SeattleWorkersComp(h) + SeattleRetirement(h) + SeattleSickFund(h),
            SeattleTotal(h));
  EXPECT_EQ(Money10(SeattleWorkersComp(h)), "58.345");
  EXPECT_EQ(Hours6(SickLeave(h)), "5.556666");
  ExpectBalance("Zoe", kZoe,
                {SeattleTotal(h),
                 {{"health", {SeattleHealth(h), 0}},
                  {"workers_comp", {SeattleWorkersComp(h), 0}},
                  {"retirement", {SeattleRetirement(h), 0}},
                  {"sick_leave", {SeattleSickFund(h), SickLeave(h)}}},
                 {{"rideco/hiring_entity", SeattleTotal(h)}}});
  EXPECT_EQ(db_.Balance(kZoe).at("total"), "333.40");
  const nlohmann::json verify = db_.Verify();
  EXPECT_TRUE(verify.at("ok").get<bool>()) << verify.dump();
  EXPECT_EQ(verify.at("entries"), 1000);
}

// A correction in a week that had reached the Seattle cap: the replaced report's hours leave
// the week before the new report is counted, so the balance is what the new report alone
// would have given.
TEST_F(ScenarioTest, CorrectionInACappedWeekCountsTheRoomTheReplacedReportLeaves) {
  // Week of 2026-03-02: 10 + 10 + 10 + 10 = 40 h, all counted: 80.00.
  CliResult r = Ingest("week.csv", Row("c1", "rideco", kMaria, "2026-03-02", "10", "250.00") +
                                       Row("c2", "rideco", kMaria, "2026-03-03", "10", "250.00") +
                                       Row("c3", "rideco", kMaria, "2026-03-04", "10", "250.00") +
                                       Row("c4", "rideco", kMaria, "2026-03-05", "10", "250.00"));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(db_.Balance(kMaria).at("total"), "80.00");
  // c4 was 6 h: 30 + 6 = 36 h count: 72.00; 36 h worked: sick leave 36 / 30 = 1.2 h.
  r = Ingest("fix.csv", Row("c4-fix", "rideco", kMaria, "2026-03-05", "6", "150.00", "0", "c4"));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const int64_t h = 36'0000;
  ExpectBalance("Maria", kMaria,
                {SeattleTotal(h),
                 {{"health", {SeattleHealth(h), 0}},
                  {"workers_comp", {SeattleWorkersComp(h), 0}},
                  {"retirement", {SeattleRetirement(h), 0}},
                  {"sick_leave", {SeattleSickFund(h), SickLeave(h)}}},
                 {{"rideco/hiring_entity", SeattleTotal(h)}}});
  EXPECT_EQ(Money10(SeattleTotal(h)), "72.00");
  // A correction of the correction replaces it, not the original as well: c4-fix-2 = 8 h:
  // 38 h: 76.00.
  r = Ingest("fix2.csv",
             Row("c4-fix-2", "rideco", kMaria, "2026-03-05", "8", "200.00", "0", "c4-fix"));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(db_.Balance(kMaria).at("total"), Money10(SeattleTotal(38'0000)));
  EXPECT_EQ(Money10(SeattleTotal(38'0000)), "76.00");
  const nlohmann::json verify = db_.Verify();
  EXPECT_TRUE(verify.at("ok").get<bool>()) << verify.dump();
}

}  // namespace
}  // namespace accrue
