#include "policy/library.h"

#include <algorithm>

namespace accrue {

Status PolicyLibrary::Add(PackPtr pack) {
  if (by_id_.count(pack->id) != 0) {
    return Status::Conflict("policy pack '" + pack->id + "' is already loaded");
  }
  by_id_[pack->id] = packs_.size();
  packs_.push_back(std::move(pack));
  return Status::Ok();
}

const PolicyPack* PolicyLibrary::Find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : packs_[it->second].get();
}

std::vector<Applicable> PolicyLibrary::Select(const std::vector<std::string>& chain,
                                              const std::string& sector, const std::string& entity,
                                              Date work_date) const {
  std::vector<Applicable> out;
  auto add_if_in_force = [&](const PolicyPack& p) {
    if (const PolicyVersion* v = p.VersionOn(work_date)) out.push_back({&p, v});
  };
  // Sector funds and voluntary agreements apply within their jurisdiction (or everywhere).
  auto in_chain = [&](const PolicyPack& p) {
    return p.jurisdiction.empty() ||
           std::find(chain.begin(), chain.end(), p.jurisdiction) != chain.end();
  };
  // Jurisdiction programs, root first, so stacking can fold from the top down.
  for (const std::string& code : chain) {
    for (const auto& p : packs_) {
      if (p->kind == PackKind::kJurisdiction && p->jurisdiction == code) add_if_in_force(*p);
    }
  }
  for (const auto& p : packs_) {
    if (p->kind != PackKind::kSectorFund) continue;
    const bool covers = std::find(p->sectors.begin(), p->sectors.end(), sector) != p->sectors.end();
    if (in_chain(*p) && covers) add_if_in_force(*p);
  }
  for (const auto& p : packs_) {
    if (p->kind == PackKind::kVoluntary && p->entity == entity && in_chain(*p)) {
      add_if_in_force(*p);
    }
  }
  return out;
}

}  // namespace accrue
