// Running a policy pack's own test cases through the engine.
//
// Each case is one report evaluated under the pack alone (the version in force on its date)
// with the running totals its `before` table names; the contributions by payer and benefit,
// their total and the leave hours accrued must equal `expect` exactly, and nothing may appear
// that `expect` does not name.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"

namespace accrue {

struct PackTestResult {
  std::string pack;
  std::string name;
  int line = 0;
  std::vector<std::string> failures;  // empty: passed
};

std::vector<PackTestResult> RunPackTests(const PolicyPack& pack);

}  // namespace accrue
