#include "engine/pack_tests.h"

#include <map>

#include "engine/engine.h"

namespace accrue {
namespace {

// Running totals as a pack test states them: "RULE.basis", "RULE.amount" (every cap period
// of that rule), "BENEFIT.worked", "BENEFIT.accrued" (this year's accrual totals) and
// "BENEFIT.balance" (the leave balance).
class BeforeTotals : public TotalsSource {
 public:
  BeforeTotals(const PolicyPack& pack, const PackTestCase& test, std::vector<std::string>* errors)
      : pack_(pack), test_(test), errors_(errors) {}

  RunningTotal Total(const std::string& key) const override {
    // Keys: "cap|<pack>@<version>/<rule>|..." and "acc|<pack>|<benefit>|...".
    const auto parts = Split(key);
    if (parts.size() >= 2 && parts[0] == "cap") {
      const std::string rule = parts[1].substr(parts[1].find('/') + 1);
      return {Value(rule + ".basis", BasisScale(rule)),
              Value(rule + ".amount", Money::kScaleDigits)};
    }
    if (parts.size() >= 3 && parts[0] == "acc") {
      return {Value(parts[2] + ".worked", Hours::kScaleDigits),
              Value(parts[2] + ".accrued", Hours::kScaleDigits)};
    }
    return {};
  }
  Hours LeaveBalance(AccountNumber, const std::string& benefit) const override {
    return Hours::FromUnits(Value(benefit + ".balance", Hours::kScaleDigits));
  }

 private:
  static std::vector<std::string> Split(const std::string& key) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t i = 0; i <= key.size(); ++i) {
      if (i == key.size() || key[i] == '|') {
        parts.push_back(key.substr(start, i - start));
        start = i + 1;
      }
    }
    return parts;
  }
  int BasisScale(const std::string& rule) const {
    for (const auto& v : pack_.versions) {
      for (const auto& c : v.contributions) {
        if (c.name != rule) continue;
        if (c.formula.basis == Basis::kHours) return Hours::kScaleDigits;
        if (c.formula.basis == Basis::kJobs) return 0;
        return Money::kScaleDigits;
      }
    }
    return Money::kScaleDigits;
  }
  int64_t Value(const std::string& name, int scale) const {
    auto it = test_.before.find(name);
    if (it == test_.before.end()) return 0;
    auto v = ParseScaled(it->second, scale, scale);
    if (!v.ok()) {
      errors_->push_back("before." + name + ": " + v.status().message());
      return 0;
    }
    return *v;
  }
  const PolicyPack& pack_;
  const PackTestCase& test_;
  std::vector<std::string>* errors_;
};

void Compare(const std::string& key, const std::string& expected, int64_t actual, int scale,
             std::vector<std::string>* failures) {
  auto want = ParseScaled(expected, scale, scale);
  if (!want.ok()) {
    failures->push_back("expect." + key + ": " + want.status().message());
  } else if (*want != actual) {
    failures->push_back(key + ": expected " + FormatScaled(*want, scale, -1, 2) + ", got " +
                        FormatScaled(actual, scale, -1, 2));
  }
}

PackTestResult RunOne(const PolicyPack& pack, const PackTestCase& test) {
  PackTestResult result{pack.id, test.name, test.line, {}};
  std::vector<Applicable> applicable;
  if (const PolicyVersion* v = pack.VersionOn(test.report.work_date)) {
    applicable.push_back({&pack, v});
  }
  BeforeTotals totals(pack, test, &result.failures);
  auto eval =
      Evaluate(test.report, EntityFacts{test.entity_size, test.entity_sector}, applicable, totals);
  if (!eval.ok()) {
    result.failures.push_back(eval.status().ToString());
    return result;
  }
  std::map<std::string, int64_t> money;  // "payer.benefit"
  std::map<std::string, int64_t> hours;  // "accrual.benefit"
  for (const auto& c : eval->contributions) {
    money[std::string(PayerName(c.payer)) + "." + c.benefit] += c.amount.units();
  }
  for (const auto& a : eval->accruals) hours["accrual." + a.benefit] += a.hours.units();
  for (const auto& [key, expected] : test.expect) {
    if (key == "total") continue;
    const bool is_hours = key.rfind("accrual.", 0) == 0;
    auto& actual = is_hours ? hours : money;
    Compare(key, expected, actual[key], is_hours ? Hours::kScaleDigits : Money::kScaleDigits,
            &result.failures);
  }
  for (const auto* actual : {&money, &hours}) {
    for (const auto& [key, value] : *actual) {
      if (value != 0 && test.expect.count(key) == 0) {
        result.failures.push_back(
            key + ": not expected, got " +
            FormatScaled(value, actual == &hours ? Hours::kScaleDigits : Money::kScaleDigits, -1,
                         2));
      }
    }
  }
  if (test.expect_total) {
    Compare("total", *test.expect_total, eval->Total().units(), Money::kScaleDigits,
            &result.failures);
  }
  return result;
}

}  // namespace

std::vector<PackTestResult> RunPackTests(const PolicyPack& pack) {
  std::vector<PackTestResult> out;
  for (const PackTestCase& test : pack.tests) out.push_back(RunOne(pack, test));
  return out;
}

}  // namespace accrue
