// The match section of a pack: what the loader reads, and each error it reports as
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
std::string Rule(const std::string& body, const std::string& more = "") {
  return "id = \"test-pack\"\nname = \"Test pack\"\nkind = \"jurisdiction\"\n"
         "jurisdiction = \"US-WA\"\nstarts = 2026-01-01\nsource = \"test\"\n\n[[version]]\n"
         "effective = 2026-01-01\n[[version.match]]\n" +
         body + more;
}

std::string Describe(const std::vector<PolicyError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "\n  " + e.ToString();
  return out;
}

void ExpectError(const std::string& body, int line, const std::string& key,
                 const std::string& message, const std::string& more = "") {
  const auto errors = CheckPackString(Rule(body, more), "t.toml", Benefits()).errors;
  ASSERT_EQ(errors.size(), 1u) << Describe(errors);
  EXPECT_EQ(errors[0].ToString(), "t.toml:" + std::to_string(line) + ": " + key + ": " + message);
}

TEST(MatchLoader, ReadsAMatchRule) {
  auto pack = LoadPackFromString(Rule("benefit = \"retirement\"\nrate = \"50%\"\n"
                                      "counts_up_to = \"2000.00\"\nyear_cap = \"500.00\"\n"
                                      "income_limit = \"35500.00\"\n"
                                      "phase_out_from = \"20500.00\"\n"),
                                 "t.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  const MatchRule* rule = (*pack)->versions[0].MatchFor("retirement");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(FormatPercent(rule->rate), "50%");
  EXPECT_EQ(rule->counts_up_to->ToString(2), "2000.00");
  EXPECT_EQ(rule->year_cap->ToString(2), "500.00");
  EXPECT_EQ(rule->income_limit->ToString(2), "35500.00");
  EXPECT_EQ(rule->phase_out_from->ToString(2), "20500.00");
  EXPECT_EQ((*pack)->versions[0].MatchFor("health"), nullptr);
}

TEST(MatchLoader, LimitsAreOptional) {
  auto pack =
      LoadPackFromString(Rule("benefit = \"retirement\"\nrate = \"100%\"\n"), "t.toml", Benefits());
  ASSERT_TRUE(pack.ok()) << pack.status().message();
  const MatchRule* rule = (*pack)->versions[0].MatchFor("retirement");
  ASSERT_NE(rule, nullptr);
  EXPECT_FALSE(rule->year_cap.has_value());
  EXPECT_FALSE(rule->income_limit.has_value());
}

TEST(MatchLoader, BadMatchRulesAreRefused) {
  ExpectError("benefit = \"pension\"\nrate = \"50%\"\n", 11, "version[0].match[0].benefit",
              "unknown benefit 'pension' (known: health, disability, workers_comp, unemployment, "
              "retirement, sick_leave, vacation or family_leave)");
  ExpectError("benefit = \"sick_leave\"\nrate = \"50%\"\n", 11, "version[0].match[0].benefit",
              "a match credits money, but 'sick_leave' is a leave benefit");
  ExpectError("benefit = \"retirement\"\n", 10, "version[0].match[0].rate", "is required");
  ExpectError("benefit = \"retirement\"\nrate = \"-50%\"\n", 12, "version[0].match[0].rate",
              "must not be negative (got -50%)");
  ExpectError("benefit = \"retirement\"\nrate = \"0%\"\n", 12, "version[0].match[0].rate",
              "must be more than 0%");
  ExpectError("benefit = \"retirement\"\nrate = \"150%\"\n", 12, "version[0].match[0].rate",
              "must not be more than 100% (got 150%)");
  ExpectError("benefit = \"retirement\"\nrate = \"50%\"\nyear_cap = \"-5.00\"\n", 13,
              "version[0].match[0].year_cap", "must not be negative (got -5.00)");
  ExpectError("benefit = \"retirement\"\nrate = \"50%\"\nyear_cap = \"0\"\n", 13,
              "version[0].match[0].year_cap", "must be more than 0 (leave it out for no limit)");
  ExpectError("benefit = \"retirement\"\nrate = \"50%\"\nphase_out_from = \"100.00\"\n", 13,
              "version[0].match[0].phase_out_from",
              "a phase-out needs the income_limit where it ends");
  ExpectError(
      "benefit = \"retirement\"\nrate = \"50%\"\nincome_limit = \"100.00\"\n"
      "phase_out_from = \"100.00\"\n",
      14, "version[0].match[0].phase_out_from", "must be below income_limit 100.00 (got 100.00)");
  const auto unknown =
      CheckPackString(Rule("benefit = \"retirement\"\nrate = \"50%\"\nmaximum = \"5.00\"\n"),
                      "t.toml", Benefits())
          .errors;
  ASSERT_EQ(unknown.size(), 1u) << Describe(unknown);
  EXPECT_EQ(unknown[0].ToString().rfind(
                "t.toml:13: version[0].match[0].maximum: unknown key 'maximum'", 0),
            0u)
      << unknown[0].ToString();
  ExpectError("benefit = \"retirement\"\nrate = \"50%\"\n", 13, "version[0].match[1].benefit",
              "another match rule in this version already covers 'retirement'",
              "[[version.match]]\nbenefit = \"retirement\"\nrate = \"10%\"\n");
}

TEST(MatchLoader, TheConsentPackIdIsReserved) {
  std::string text = Rule("benefit = \"retirement\"\nrate = \"50%\"\n");
  text.replace(text.find("test-pack"), 9, "consent");
  const auto errors = CheckPackString(text, "t.toml", Benefits()).errors;
  ASSERT_EQ(errors.size(), 1u) << Describe(errors);
  EXPECT_EQ(errors[0].ToString(),
            "t.toml:1: id: 'consent' is reserved for workers' withholding consents");
}

}  // namespace
}  // namespace accrue
