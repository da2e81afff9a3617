// The set of policy packs in force, indexed for selection.
//
// SelectPolicies answers "which program versions apply to this report": every jurisdiction
// pack along the work location's chain (root first), every sector fund covering the report's
// sector within that chain, and the hiring entity's voluntary packs within that chain — each only
// if the work date falls inside the pack and one of its versions. Outside every program the answer
// is empty, which is not an error.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "policy/policy.h"

namespace accrue {

struct Applicable {
  const PolicyPack* pack = nullptr;
  const PolicyVersion* version = nullptr;
};

class PolicyLibrary {
 public:
  // Refuses a second pack with the same id.
  Status Add(PackPtr pack);
  const std::vector<PackPtr>& packs() const { return packs_; }
  const PolicyPack* Find(const std::string& id) const;

  // `chain` is the work location's jurisdiction chain, root first ("US", "US-WA",
  // "US-WA-SEATTLE"); `sector` the report's sector (or the entity's).
  std::vector<Applicable> Select(const std::vector<std::string>& chain, const std::string& sector,
                                 const std::string& entity, Date work_date) const;

 private:
  std::vector<PackPtr> packs_;
  std::map<std::string, size_t> by_id_;
};

}  // namespace accrue
