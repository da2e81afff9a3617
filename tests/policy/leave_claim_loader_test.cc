// The leave and claim sections of a pack: what the loader reads, and each error it reports as
// file:line: key: message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/loader.h"

namespace accrue {
namespace {

const std::vector<BenefitType>& Benefits() {
  static const std::vector<BenefitType> benefits = [] {
    auto b = LoadBenefits(std::string(ACCRUE_SOURCE_DIR) + "/policies/benefits.toml");
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : std::vector<BenefitType>{};
  }();
  return benefits;
}

// Lines 1-9; the section header is line 10 and the rule's own keys start on line 11.
std::string Rule(const std::string& section, const std::string& body) {
  return "id = \"test-pack\"\nname = \"Test pack\"\nkind = \"jurisdiction\"\n"
         "jurisdiction = \"US-WA\"\nstarts = 2026-01-01\nsource = \"test\"\n\n[[version]]\n"
         "effective = 2026-01-01\n[[version." +
         section + "]]\n" + body;
}

std::string Describe(const std::vector<PolicyError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "\n  " + e.ToString();
  return out;
}

void ExpectError(const std::string& section, const std::string& body, int line,
                 const std::string& key, const std::string& message) {
  const auto errors = CheckPackString(Rule(section, body), "t.toml", Benefits()).errors;
  ASSERT_EQ(errors.size(), 1u) << Describe(errors);
  EXPECT_EQ(errors[0].ToString(), "t.toml:" + std::to_string(line) + ": " + key + ": " + message);
}

TEST(LeaveClaimLoader, ReadsALeaveRule) {
  auto pack = LoadPackFromString(Rule("leave",
                                      "benefit = \"sick_leave\"\nwaiting_days = 90\n"
                                      "minimum_unit = \"0.5\"\ncash = \"average_earnings\"\n"
                                      "lookback_days = 90\n"),
                                 "t.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  const LeaveRule* rule = (*pack)->versions[0].LeaveFor("sick_leave");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->waiting_days, 90);
  EXPECT_EQ(rule->minimum_unit.ToString(), "0.5");
  EXPECT_EQ(rule->cash, LeaveCash::kAverageEarnings);
  EXPECT_EQ(rule->lookback_days, 90);
}

TEST(LeaveClaimLoader, ReadsAFixedUnitClaim) {
  auto pack = LoadPackFromString(Rule("claim",
                                      "benefit = \"vacation\"\nuses = [\"day_off\"]\n"
                                      "fixed_amount = \"120.00\"\nunit = \"day\"\n"),
                                 "t.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  const ClaimRule* rule = (*pack)->versions[0].ClaimFor("vacation");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->uses, std::vector<std::string>{"day_off"});
  EXPECT_EQ(rule->fixed_amount->ToString(2), "120.00");
  EXPECT_EQ(rule->unit, "day");
  EXPECT_EQ(rule->minimum_age, 0);
}

TEST(LeaveClaimLoader, BadLeaveRulesAreRefused) {
  ExpectError("leave", "benefit = \"health\"\ncash = \"leave_account\"\n", 11,
              "version[0].leave[0].benefit",
              "leave rules draw leave hours, but 'health' is a money benefit");
  ExpectError("leave", "benefit = \"sick_leave\"\n", 10, "version[0].leave[0].cash", "is required");
  ExpectError("leave", "benefit = \"sick_leave\"\ncash = \"salary\"\n", 12,
              "version[0].leave[0].cash",
              "'salary' is not one of average_earnings or leave_account");
  ExpectError("leave", "benefit = \"sick_leave\"\ncash = \"average_earnings\"\n", 10,
              "version[0].leave[0].lookback_days",
              "cash = \"average_earnings\" needs lookback_days of 1 or more");
  ExpectError("leave", "benefit = \"sick_leave\"\ncash = \"leave_account\"\nlookback_days = 30\n",
              13, "version[0].leave[0].lookback_days",
              "only cash = \"average_earnings\" looks back over earnings");
  ExpectError("leave", "benefit = \"sick_leave\"\ncash = \"leave_account\"\nwaiting_days = -1\n",
              13, "version[0].leave[0].waiting_days", "must be between 0 and 3660 (got -1)");
  ExpectError("leave", "benefit = \"sick_leave\"\ncash = \"leave_account\"\nminimum_unit = 0\n", 13,
              "version[0].leave[0].minimum_unit", "must be more than 0 and at most 24 hours");
}

TEST(LeaveClaimLoader, BadClaimRulesAreRefused) {
  ExpectError("claim", "benefit = \"pension\"\n", 11, "version[0].claim[0].benefit",
              "unknown benefit 'pension' (known: health, disability, workers_comp, "
              "unemployment, retirement, sick_leave, vacation or family_leave)");
  ExpectError("claim", "benefit = \"vacation\"\nfixed_amount = \"120.00\"\n", 12,
              "version[0].claim[0].fixed_amount",
              "fixed_amount and unit go together (\"120.00\" per \"day\")");
  ExpectError("claim", "benefit = \"vacation\"\nfixed_amount = \"0\"\nunit = \"day\"\n", 12,
              "version[0].claim[0].fixed_amount", "must be more than 0");
  ExpectError("claim", "benefit = \"vacation\"\nuses = [\"a\", \"a\"]\n", 12,
              "version[0].claim[0].uses", "'a' is listed twice");
  ExpectError("claim", "benefit = \"retirement\"\nminimum_age = 200\n", 12,
              "version[0].claim[0].minimum_age", "must be between 0 and 120 (got 200)");
  ExpectError("claim", "benefit = \"retirement\"\ncolor = 1\n", 12, "version[0].claim[0].color",
              "unknown key 'color' (expected benefit, uses, minimum_age, fixed_amount or unit)");
}

TEST(LeaveClaimLoader, OneRulePerBenefitInAVersion) {
  ExpectError("claim", "benefit = \"retirement\"\n[[version.claim]]\nbenefit = \"retirement\"\n",
              12, "version[0].claim[1].benefit",
              "another claim rule in this version already covers 'retirement'");
}

}  // namespace
}  // namespace accrue
