#include "policy/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace accrue {
namespace {

const std::string kPolicies = std::string(ACCRUE_SOURCE_DIR) + "/policies";

const std::vector<BenefitType>& Benefits() {
  static const std::vector<BenefitType> benefits = [] {
    auto b = LoadBenefits(kPolicies + "/benefits.toml");
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : std::vector<BenefitType>{};
  }();
  return benefits;
}

std::vector<PolicyError> Errors(const std::string& text) {
  return CheckPackString(text, "t.toml", Benefits()).errors;
}

std::string Describe(const std::vector<PolicyError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "\n  " + e.ToString();
  return out;
}

// Asserts that checking `text` gives exactly one error, at `line` and `key`, whose message
// contains `message`.
void ExpectError(const std::string& text, int line, const std::string& key,
                 const std::string& message) {
  const auto errors = Errors(text);
  ASSERT_EQ(errors.size(), 1u) << Describe(errors);
  EXPECT_EQ(errors[0].file, "t.toml");
  EXPECT_EQ(errors[0].line, line) << errors[0].ToString();
  EXPECT_EQ(errors[0].key, key) << errors[0].ToString();
  EXPECT_NE(errors[0].message.find(message), std::string::npos) << errors[0].ToString();
}

// A valid pack; the tests below change one thing in it. Line numbers are in the comments.
const std::string kHead = R"(id = "test-pack"
name = "Test pack"
kind = "jurisdiction"
jurisdiction = "US-WA"
starts = 2026-01-01
source = "test"
)";  // lines 1-6

std::string Pack(const std::string& body) { return kHead + body; }

const std::string kVersion = R"(
[[version]]
effective = 2026-01-01

[[version.contribution]]
name = "hourly"
basis = "hours"
rate = "2.00"
split = { health = "1.00", sick_leave = "1.00" }
)";  // [[version]] on line 8, rate on line 14, split on line 15

std::set<std::string> JurisdictionCodes() {
  auto list = LoadJurisdictions(kPolicies + "/jurisdictions.csv");
  EXPECT_TRUE(list.ok()) << list.status().ToString();
  std::set<std::string> codes;
  if (list.ok()) {
    for (const auto& j : *list) codes.insert(j.code);
  }
  return codes;
}

// --- The shipped data -------------------------------------------------------------------------

TEST(PolicyLoader, LoadsTheBenefitList) {
  const auto& benefits = Benefits();
  ASSERT_EQ(benefits.size(), 8u);
  std::set<std::string> leave;
  for (const auto& b : benefits) {
    if (b.kind == BenefitKind::kLeave) leave.insert(b.name);
  }
  EXPECT_EQ(leave, (std::set<std::string>{"sick_leave", "vacation", "family_leave"}));
  EXPECT_EQ(benefits[0].name, "health");
  EXPECT_TRUE(benefits[0].pooled);
}

TEST(PolicyLoader, LoadsEveryShippedPackWithItsTests) {
  auto packs = LoadPackDir(kPolicies, Benefits());
  ASSERT_TRUE(packs.ok()) << packs.status().message();
  ASSERT_GE(packs->size(), 5u);
  const std::set<std::string> codes = JurisdictionCodes();
  for (const PackPtr& p : *packs) {
    SCOPED_TRACE(p->file);
    EXPECT_GE(p->tests.size(), 3u);
    EXPECT_FALSE(p->source.empty());
    EXPECT_FALSE(p->text.empty());
    Status st = CheckJurisdictions(*p, [&](const std::string& c) { return codes.count(c) > 0; });
    EXPECT_TRUE(st.ok()) << st.message();
  }
}

TEST(PolicyLoader, ReadsTheSeattlePack) {
  auto pack = LoadPack(kPolicies + "/us-wa-seattle-portable.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  const PolicyPack& p = **pack;
  EXPECT_EQ(p.id, "us-wa-seattle-portable");
  EXPECT_EQ(p.kind, PackKind::kJurisdiction);
  EXPECT_FALSE(p.ends.has_value());
  ASSERT_EQ(p.versions.size(), 1u);
  const PolicyVersion& v = p.versions[0];
  EXPECT_EQ(v.effective_to, Date::FromYmd(9999, 12, 31));
  ASSERT_EQ(v.contributions.size(), 1u);
  const ContributionRule& rule = v.contributions[0];
  EXPECT_EQ(rule.formula.RateText(), "2.00/h");
  EXPECT_EQ(rule.payers.at(Payer::kHiringEntity), Ratio::Whole(1));
  // The split keeps the order written; weights are the per-hour amounts.
  ASSERT_EQ(rule.split.size(), 4u);
  EXPECT_EQ(rule.split[0].first, "health");
  EXPECT_EQ(rule.split[0].second, Money::Parse("1.00")->units());
  EXPECT_EQ(rule.split[3].first, "sick_leave");
  ASSERT_EQ(rule.caps.size(), 1u);
  EXPECT_EQ(rule.caps[0].on, CapOn::kBasis);
  EXPECT_EQ(rule.caps[0].per, Period::kWeek);
  EXPECT_EQ(rule.caps[0].scope, CapScope::kWorkerEntity);
  EXPECT_EQ(rule.caps[0].limit_hours, Hours::Whole(40));
  ASSERT_EQ(v.accruals.size(), 1u);
  EXPECT_EQ(v.accruals[0].per_hours_worked, Hours::Whole(30));
  EXPECT_EQ(v.accruals[0].credit, Hours::Whole(1));
  EXPECT_EQ(v.accruals[0].year_cap, Hours::Whole(72));
  const PackTestCase& t = p.tests[1];
  EXPECT_EQ(t.report.hours, *Hours::Parse("1.5"));
  EXPECT_EQ(t.report.jurisdiction, "US-WA-SEATTLE");
  EXPECT_EQ(t.before.at("sick_leave.worked"), "29");
  EXPECT_EQ(t.expect.at("hiring_entity.workers_comp"), "0.525");
  EXPECT_EQ(t.expect.at("accrual.sick_leave"), "0.05");
  EXPECT_EQ(t.expect.count("total"), 0u);
  EXPECT_EQ(t.expect_total, "3.00");
}

TEST(PolicyLoader, ReadsVersionsTiersAndCapsOfThePfmlPack) {
  auto pack = LoadPack(kPolicies + "/us-wa-pfml.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  const PolicyPack& p = **pack;
  ASSERT_EQ(p.versions.size(), 2u);
  EXPECT_EQ(p.versions[0].effective_from, Date::FromYmd(2025, 1, 1));
  EXPECT_EQ(p.versions[0].effective_to, Date::FromYmd(2025, 12, 31));
  EXPECT_EQ(p.versions[1].effective_from, Date::FromYmd(2026, 1, 1));
  EXPECT_EQ(p.VersionOn(Date::FromYmd(2026, 7, 1)), &p.versions[1]);
  const ContributionRule& rule = p.versions[1].contributions[0];
  EXPECT_EQ(rule.formula.basis, Basis::kEarnings);
  EXPECT_EQ(rule.formula.percent, *ParsePercent("1.13%"));
  EXPECT_EQ(rule.payers.at(Payer::kWorker), *ParsePercent("71.43%"));
  EXPECT_EQ(rule.classifications, std::vector<Classification>{Classification::kEmployeeW2});
  ASSERT_EQ(rule.tiers.size(), 1u);
  EXPECT_EQ(rule.tiers[0].min_size, 0);
  EXPECT_EQ(rule.tiers[0].max_size, 49);
  ASSERT_TRUE(rule.tiers[0].payers.has_value());
  EXPECT_EQ(rule.tiers[0].payers->count(Payer::kHiringEntity), 0u);
  EXPECT_EQ(rule.caps[0].limit_money, Money::Whole(184500));
  EXPECT_EQ(p.tests[1].entity_size, 12);
  EXPECT_EQ(p.tests[1].report.classification, Classification::kEmployeeW2);
}

TEST(PolicyLoader, ReadsBareNumbersExactlyAsWritten) {
  auto pack = LoadPackFromString(Pack(R"(
[[version]]
effective = 2026-01-01

[[version.contribution]]
name = "hourly"
basis = "hours"
rate = 2.10
split = { health = 2.10 }
)"),
                                 "t.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  EXPECT_EQ((*pack)->versions[0].contributions[0].formula.per_unit, *Money::Parse("2.10"));
}

TEST(PolicyLoader, LoadsTheJurisdictionList) {
  const auto codes = JurisdictionCodes();
  for (const char* code : {"US", "US-WA", "US-WA-SEATTLE", "US-NY", "US-NY-NYC", "US-GA", "US-PA",
                           "US-PA-PHILADELPHIA", "US-TN", "US-AL", "US-CA"}) {
    EXPECT_EQ(codes.count(code), 1u) << code;
  }
}

// --- Errors: each names file, line and key ---------------------------------------------------

TEST(PolicyCheck, SplitAmountsMustSumToTheRate) {
  std::string v = kVersion;
  v.replace(v.find("sick_leave = \"1.00\""), 19, "sick_leave = \"0.90\"");
  ExpectError(Pack(v), 15, "version[0].contribution[0].split",
              "split sums to 1.90, not the rate 2.00");
}

TEST(PolicyCheck, SplitPercentsMustSumTo100) {
  ExpectError(Pack(R"(
[[version]]
effective = 2026-01-01

[[version.contribution]]
name = "premium"
basis = "earnings"
rate = "1.13%"
split = { family_leave = "60%", disability = "39.9%" }
)"),
              15, "version[0].contribution[0].split", "split percents sum to 99.9%, not 100%");
}

TEST(PolicyCheck, SplitMustNotMixPercentsAndAmounts) {
  std::string v = kVersion;
  v.replace(v.find("sick_leave = \"1.00\""), 19, "sick_leave = \"50%\"");
  ExpectError(Pack(v), 15, "version[0].contribution[0].split", "mixes percents and amounts");
}

TEST(PolicyCheck, VersionsWithTheSameEffectiveDateOverlap) {
  ExpectError(Pack(kVersion + kVersion), 18, "version[1].effective",
              "overlap: version[0] also takes effect 2026-01-01");
}

TEST(PolicyCheck, AVersionRunningPastTheNextOverlaps) {
  std::string second = kVersion;
  second.replace(second.find("2026-01-01"), 10, "2026-07-01");
  std::string first = kVersion;
  first.replace(first.find("effective = 2026-01-01"), 22,
                "effective = 2026-01-01\nends = 2026-07-01");
  ExpectError(Pack(first + second), 10, "version[0].ends",
              "overlap: ends 2026-07-01 but the next version takes effect 2026-07-01");
}

TEST(PolicyCheck, AGapBetweenVersionsIsRefused) {
  std::string second = kVersion;
  second.replace(second.find("2026-01-01"), 10, "2026-07-01");
  std::string first = kVersion;
  first.replace(first.find("effective = 2026-01-01"), 22,
                "effective = 2026-01-01\nends = 2026-06-29");
  ExpectError(Pack(first + second), 10, "version[0].ends",
              "gap: ends 2026-06-29 but the next version takes effect only 2026-07-01");
}

TEST(PolicyCheck, TheFirstVersionMustStartWithThePack) {
  std::string v = kVersion;
  v.replace(v.find("2026-01-01"), 10, "2026-02-01");
  ExpectError(Pack(v), 9, "version[0].effective",
              "gap: the pack starts 2026-01-01 but its first version takes effect 2026-02-01");
}

TEST(PolicyCheck, VersionsMayBeWrittenInAnyOrder) {
  std::string later = kVersion;
  later.replace(later.find("2026-01-01"), 10, "2027-01-01");
  auto pack = LoadPackFromString(Pack(later + kVersion), "t.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  EXPECT_EQ((*pack)->versions[0].effective_to, Date::FromYmd(2026, 12, 31));
  EXPECT_EQ((*pack)->versions[1].effective_from, Date::FromYmd(2027, 1, 1));
}

TEST(PolicyCheck, UnknownBenefitIsNamedWithTheKnownOnes) {
  std::string v = kVersion;
  v.replace(v.find("health"), 6, "helth");
  const auto errors = Errors(Pack(v));
  ASSERT_EQ(errors.size(), 1u) << Describe(errors);
  EXPECT_EQ(errors[0].line, 15);
  EXPECT_EQ(errors[0].key, "version[0].contribution[0].split.helth");
  EXPECT_EQ(errors[0].message.rfind("unknown benefit 'helth' (known: health, disability,", 0), 0u)
      << errors[0].message;
}

TEST(PolicyCheck, NegativeRateIsRefused) {
  std::string v = kVersion;
  v.replace(v.find("rate = \"2.00\""), 13, "rate = \"-2.00\"");
  const auto errors = Errors(Pack(v));
  ASSERT_GE(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 14);
  EXPECT_EQ(errors[0].key, "version[0].contribution[0].rate");
  EXPECT_EQ(errors[0].message, "must not be negative (got -2.00)");
}

TEST(PolicyCheck, RatesCarryAtMostFourDecimals) {
  std::string v = kVersion;
  v.replace(v.find("rate = \"2.00\""), 13, "rate = \"2.00001\"");
  const auto errors = Errors(Pack(v));
  ASSERT_GE(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 14);
  EXPECT_EQ(errors[0].key, "version[0].contribution[0].rate");
  EXPECT_EQ(errors[0].message, "'2.00001' has more than 4 decimals");
}

TEST(PolicyCheck, UnknownKeysAreErrorsWithASuggestion) {
  std::string v = kVersion;
  v.replace(v.find("rate = "), 4, "rat");
  const auto errors = Errors(Pack(v));
  ASSERT_EQ(errors.size(), 2u) << Describe(errors);  // the typo, and `rate` missing
  EXPECT_EQ(errors[0].line, 11);
  EXPECT_EQ(errors[0].key, "version[0].contribution[0].rate");
  EXPECT_EQ(errors[0].message, "is required");
  EXPECT_EQ(errors[1].line, 14);
  EXPECT_EQ(errors[1].key, "version[0].contribution[0].rat");
  EXPECT_EQ(errors[1].message, "unknown key 'rat' (did you mean 'rate'?)");
}

TEST(PolicyCheck, UnknownPayerIsRefused) {
  std::string v = kVersion;
  v.replace(v.find("split"), 0, "payers = { employer = \"100%\" }\n");
  ExpectError(Pack(v), 15, "version[0].contribution[0].payers.employer",
              "unknown payer 'employer' (expected hiring_entity, worker or government)");
}

TEST(PolicyCheck, PayerSharesMayNotExceed100) {
  std::string v = kVersion;
  v.replace(v.find("split"), 0, "payers = { worker = \"60%\", hiring_entity = \"50%\" }\n");
  ExpectError(Pack(v), 15, "version[0].contribution[0].payers",
              "payer shares sum to 110%, more than 100%");
}

TEST(PolicyCheck, ImpossibleDateIsRefused) {
  std::string head = kHead;
  head.replace(head.find("2026-01-01"), 10, "\"2026-02-30\"");
  const auto errors = Errors(head + kVersion);
  ASSERT_GE(errors.size(), 1u) << Describe(errors);
  EXPECT_EQ(errors[0].line, 5);
  EXPECT_EQ(errors[0].key, "starts");
  EXPECT_NE(errors[0].message.find("2026-02-30"), std::string::npos) << errors[0].message;
}

TEST(PolicyCheck, TomlSyntaxErrorsNameTheLine) {
  const auto errors = Errors(Pack("\n[[version]]\neffective = \n"));
  ASSERT_EQ(errors.size(), 1u) << Describe(errors);
  EXPECT_EQ(errors[0].line, 9);
  EXPECT_EQ(errors[0].key, "");
  EXPECT_EQ(errors[0].message.rfind("TOML syntax: ", 0), 0u) << errors[0].message;
}

TEST(PolicyCheck, OverlappingSizeTiersAreRefused) {
  ExpectError(Pack(kVersion + R"(
[[version.contribution.tier]]
max_size = 49
rate = "1.00"

[[version.contribution.tier]]
min_size = 40
payers = { worker = "50%" }
)"),
              21, "version[0].contribution[0].tier[1]",
              "sizes 40–any overlap version[0].contribution[0].tier[0] (sizes 0–49)");
}

TEST(PolicyCheck, AccrualsMustCreditALeaveBenefit) {
  ExpectError(Pack(kVersion + R"(
[[version.accrual]]
benefit = "health"
per_hours = "30"
)"),
              18, "version[0].accrual[0].benefit",
              "accruals credit leave hours, but 'health' is a money benefit");
}

TEST(PolicyCheck, AccrualNeedsPositiveHoursWorked) {
  ExpectError(Pack(kVersion + R"(
[[version.accrual]]
benefit = "sick_leave"
per_hours = "0"
)"),
              19, "version[0].accrual[0].per_hours", "must be more than 0");
}

TEST(PolicyCheck, CollectsEveryErrorInLineOrder) {
  std::string v = kVersion;
  v.replace(v.find("rate = \"2.00\""), 13, "rate = \"-1\"");
  v.replace(v.find("health"), 6, "helth");
  const auto errors = Errors(Pack(v) + "\n[[tset]]\nname = \"x\"\n");
  ASSERT_EQ(errors.size(), 3u) << Describe(errors);
  EXPECT_EQ(errors[0].line, 14);
  EXPECT_EQ(errors[0].key, "version[0].contribution[0].rate");
  EXPECT_EQ(errors[1].line, 15);
  EXPECT_EQ(errors[1].key, "version[0].contribution[0].split.helth");
  EXPECT_EQ(errors[2].line, 17);
  EXPECT_EQ(errors[2].key, "tset");
  EXPECT_EQ(errors[2].message, "unknown key 'tset' (did you mean 'test'?)");
}

TEST(PolicyCheck, TestExpectationsNameKnownPayersAndBenefits) {
  ExpectError(Pack(kVersion + R"(
[[test]]
name = "one hour"
date = 2026-01-05
hours = "1"
expect = { "hiring_entity.health" = "1.00", "employer.health" = "1.00" }
)"),
              21, "test[0].expect.employer.health", "unknown expectation 'employer.health'");
}

TEST(PolicyCheck, TestRunningTotalsNameKnownRules) {
  ExpectError(Pack(kVersion + R"(
[[test]]
name = "one hour"
date = 2026-01-05
hours = "1"
before = { "hourli.basis" = "3" }
expect = { total = "2.00" }
)"),
              21, "test[0].before.hourli.basis", "no contribution rule is named 'hourli'");
}

TEST(PolicyCheck, TestReportsRespectReportBounds) {
  ExpectError(Pack(kVersion + R"(
[[test]]
name = "a long day"
date = 2026-01-05
hours = "25"
expect = { total = "50.00" }
)"),
              20, "test[0].hours", "must not be more than 24");
}

TEST(PolicyCheck, UnknownJurisdictionIsReportedWithItsLine) {
  std::string head = kHead;
  head.replace(head.find("US-WA"), 5, "US-ZZ");
  auto pack = LoadPackFromString(head + kVersion, "t.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  const auto codes = JurisdictionCodes();
  auto known = [&](const std::string& c) { return codes.count(c) > 0; };
  const auto errors = JurisdictionErrors(**pack, known);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 4);
  EXPECT_EQ(errors[0].key, "jurisdiction");
  EXPECT_EQ(errors[0].message, "unknown jurisdiction 'US-ZZ' (not in the jurisdiction list)");
  Status st = CheckJurisdictions(**pack, known);
  EXPECT_EQ(st.message(),
            "t.toml:4: jurisdiction: unknown jurisdiction 'US-ZZ' (not in the jurisdiction list)");
}

TEST(PolicyCheck, JurisdictionListNeedsKnownParents) {
  auto list = LoadJurisdictionsFromString(
      "code,name,parent,time_zone\nUS,United States,,America/New_York\n"
      "US-WA-SEATTLE,Seattle,US-WA,America/Los_Angeles\n",
      "j.csv");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().message(),
            "j.csv:3: parent: unknown parent 'US-WA' (a parent must be listed above)");
}

TEST(PolicyLoader, ReadsAnAlternativeFormulaAndMinimums) {
  auto pack = LoadPackFromString(Pack(R"(
[[version]]
effective = 2026-01-01

[[version.contribution]]
name = "delivery"
basis = "earnings_with_tips"
rate = "4%"
combine = "lesser"
alternative = { basis = "jobs", rate = "1.50" }
min_per_report = "0.25"
sectors = ["delivery"]
split = { health = "100%" }
)"),
                                 "t.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  const ContributionRule& rule = (*pack)->versions[0].contributions[0];
  EXPECT_EQ(rule.formula.RateText(), "4% of earnings with tips");
  ASSERT_TRUE(rule.alternative.has_value());
  EXPECT_EQ(rule.alternative->RateText(), "1.50/job");
  EXPECT_EQ(rule.combine, Combine::kLesser);
  EXPECT_EQ(rule.min_per_report, *Money::Parse("0.25"));
  EXPECT_EQ(rule.sectors, std::vector<std::string>{"delivery"});
}

TEST(PolicyCheck, CombineNeedsAnAlternative) {
  std::string v = kVersion;
  v.replace(v.find("split"), 0, "combine = \"lesser\"\n");
  ExpectError(Pack(v), 15, "version[0].contribution[0].combine", "needs an alternative");
}

TEST(PolicyCheck, KindDecidesSectorsAndEntity) {
  std::string head = kHead;
  head.replace(head.find("\"jurisdiction\""), 14, "\"sector_fund\"");
  ExpectError(head + kVersion, 1, "sectors", "a sector fund must name the sectors it covers");
  head = kHead;
  head.replace(head.find("\"jurisdiction\""), 14, "\"voluntary\"");
  ExpectError(head + kVersion, 1, "entity", "is required");
  ExpectError(Pack("entity = \"acme\"\n" + kVersion), 7, "entity",
              "only a voluntary pack names a hiring entity");
}

TEST(PolicyCheck, PackDirectoryRefusesTwoPacksWithOneId) {
  const std::string dir = ::testing::TempDir() + "/policy_dup";
  std::filesystem::create_directories(dir);
  for (const char* name : {"/a.toml", "/b.toml"}) {
    std::ofstream(dir + name) << Pack(kVersion);
  }
  std::ofstream(dir + "/benefits.toml") << "not a pack, skipped";
  auto packs = LoadPackDir(dir, Benefits());
  ASSERT_FALSE(packs.ok());
  EXPECT_EQ(packs.status().message(),
            dir + "/b.toml: id: id 'test-pack' is also used by " + dir + "/a.toml");
  std::filesystem::remove_all(dir);
}

TEST(PolicyCheck, ErrorsPrintAsFileLineKeyMessage) {
  PolicyError e{"p.toml", 14, "version[0].contribution[0].rate", "must not be negative"};
  EXPECT_EQ(e.ToString(), "p.toml:14: version[0].contribution[0].rate: must not be negative");
  Status st =
      LoadPackFromString(Pack("[[version]]\neffective = 2026-01-01\n"), "t.toml", {}).status();
  EXPECT_TRUE(st.ok()) << st.message();
}

}  // namespace
}  // namespace accrue
