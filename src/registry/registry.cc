#include "registry/registry.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/loader.h"

namespace accrue {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<std::unique_ptr<Registry>> Registry::Load(Store& store) {
  auto r = std::make_unique<Registry>();
  RETURN_IF_ERROR(r->Reload(store));
  return r;
}

Status Registry::Reload(Store& store) {
  ASSIGN_OR_RETURN(auto jurisdictions, store.ListJurisdictions());
  ASSIGN_OR_RETURN(auto entities, store.ListEntities());
  ASSIGN_OR_RETURN(auto packs, store.LatestPacks());
  jurisdictions_.clear();
  for (auto& j : jurisdictions) jurisdictions_[j.code] = std::move(j);
  entities_.clear();
  for (auto& e : entities) entities_[e.id] = std::move(e);
  benefits_.clear();
  for (const StoredPack& p : packs) {
    if (p.id != kBenefitsPackId) continue;
    ASSIGN_OR_RETURN(benefits_, LoadBenefitsFromString(p.text, p.file));
  }
  auto library = std::make_unique<PolicyLibrary>();
  for (const StoredPack& p : packs) {
    if (p.id == kBenefitsPackId) continue;
    if (benefits_.empty()) return Status::Precondition("the store holds packs but no benefit list");
    ASSIGN_OR_RETURN(PackPtr pack, LoadPackFromString(p.text, p.file, benefits_));
    RETURN_IF_ERROR(library->Add(std::move(pack)));
  }
  library_ = std::move(library);
  return Status::Ok();
}

const Jurisdiction* Registry::FindJurisdiction(const std::string& code) const {
  auto it = jurisdictions_.find(code);
  return it == jurisdictions_.end() ? nullptr : &it->second;
}

const HiringEntity* Registry::FindEntity(const std::string& id) const {
  auto it = entities_.find(id);
  return it == entities_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::Chain(const std::string& code) const {
  std::vector<std::string> chain;
  for (const Jurisdiction* j = FindJurisdiction(code); j != nullptr && chain.size() < 16;
       j = j->parent.empty() ? nullptr : FindJurisdiction(j->parent)) {
    chain.push_back(j->code);
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

Result<int> LoadPoliciesIntoStore(Store& store, const std::string& dir) {
  const std::string benefits_path = (std::filesystem::path(dir) / "benefits.toml").string();
  ASSIGN_OR_RETURN(std::string benefits_text, ReadFile(benefits_path));
  ASSIGN_OR_RETURN(auto benefits, LoadBenefitsFromString(benefits_text, benefits_path));
  ASSIGN_OR_RETURN(auto packs, LoadPackDir(dir, benefits));
  ASSIGN_OR_RETURN(auto jurisdictions, store.ListJurisdictions());
  auto known = [&](const std::string& code) {
    return std::any_of(jurisdictions.begin(), jurisdictions.end(),
                       [&](const Jurisdiction& j) { return j.code == code; });
  };
  std::vector<PolicyError> errors;
  for (const PackPtr& p : packs) {
    for (auto& e : JurisdictionErrors(*p, known)) errors.push_back(std::move(e));
  }
  RETURN_IF_ERROR(ErrorsToStatus(errors));
  ASSIGN_OR_RETURN(auto before, store.LatestPacks());
  auto unchanged = [&](const std::string& id, const std::string& text) {
    return std::any_of(before.begin(), before.end(),
                       [&](const StoredPack& s) { return s.id == id && s.text == text; });
  };
  int changed = unchanged(kBenefitsPackId, benefits_text) ? 0 : 1;
  ASSIGN_OR_RETURN(int64_t rev, store.PutPack(kBenefitsPackId, benefits_path, benefits_text));
  (void)rev;
  for (const PackPtr& p : packs) {
    if (!unchanged(p->id, p->text)) ++changed;
    ASSIGN_OR_RETURN(int64_t r, store.PutPack(p->id, p->file, p->text));
    (void)r;
  }
  return changed;
}

}  // namespace accrue
