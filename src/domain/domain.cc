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
  // Quantities as their exact integer units: the same value always gives the same text.
  std::string s;
  s.reserve(160);
  auto add = [&s](std::string_view part) {
    s += part;
    s += '\x1f';
  };
  add(entity);
  add(report_id);
  add(std::to_string(worker.value()));
  add(std::to_string(work_date.days()));
  add(jurisdiction);
  add(std::to_string(hours.units()));
  add(std::to_string(earnings.units()));
  add(std::to_string(tips.units()));
  add(std::to_string(jobs));
  add(ClassificationName(classification));
  add(sector);
  add(replaces);
  return s;
}

}  // namespace accrue
