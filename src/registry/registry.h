// A snapshot of the registries a report is checked against: jurisdictions (with their
// chains and time zones), hiring entities, the benefit list and the policy packs in force —
// read from the store once and then consulted in memory.
//
// The store holds the benefit list and the packs as the text they were loaded from, so every
// process (CLI, server nodes) evaluates with exactly the same policy. Reload() picks up
// registry changes (a new entity) made by another process.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "domain/domain.h"
#include "policy/library.h"
#include "policy/policy.h"
#include "store/store.h"

namespace accrue {

// The store's pack id under which the benefit list's text is kept.
inline constexpr const char* kBenefitsPackId = "benefits";

class Registry {
 public:
  static Result<std::unique_ptr<Registry>> Load(Store& store);
  Status Reload(Store& store);

  const Jurisdiction* FindJurisdiction(const std::string& code) const;
  const HiringEntity* FindEntity(const std::string& id) const;
  // Root first: {"US", "US-WA", "US-WA-SEATTLE"}.
  std::vector<std::string> Chain(const std::string& code) const;
  const PolicyLibrary& policies() const { return *library_; }
  const std::vector<BenefitType>& benefits() const { return benefits_; }
  const std::map<std::string, Jurisdiction>& jurisdictions() const { return jurisdictions_; }

 private:
  std::map<std::string, Jurisdiction> jurisdictions_;
  std::map<std::string, HiringEntity> entities_;
  std::vector<BenefitType> benefits_;
  std::unique_ptr<PolicyLibrary> library_ = std::make_unique<PolicyLibrary>();
};

// Stores the benefit list and every pack in `dir` (after checking each against the store's
// jurisdictions). Returns the number of packs whose text was new or changed.
Result<int> LoadPoliciesIntoStore(Store& store, const std::string& dir);

}  // namespace accrue
