#include "domain/domain.h"

namespace accrue {

const char* ClassificationName(Classification c) {
  return c == Classification::kEmployeeW2 ? "W2" : "1099";
}

std::optional<Classification> ParseClassification(std::string_view text) {
  if (text == "1099") return Classification::kContractor1099;
  if (text == "W2" || text == "w2" || text == "W-2") return Classification::kEmployeeW2;
  return std::nullopt;
}

bool WorkReport::SameContent(const WorkReport& o) const { return Canonical() == o.Canonical(); }

std::string WorkReport::Canonical() const {
  std::string s;
  s.reserve(160);
  for (const std::string& part :
       {entity, report_id, std::to_string(worker.value()), work_date.ToString(), jurisdiction,
        hours.ToString(), earnings.ToString(), tips.ToString(), std::to_string(jobs),
        std::string(ClassificationName(classification)), sector, replaces}) {
    s += part;
    s += '\x1f';
  }
  return s;
}

}  // namespace accrue
