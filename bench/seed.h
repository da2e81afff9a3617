// Seeding a benchmark's store as `accrue demo` does: the example jurisdictions and packs from
// `policies`, then the workload's hiring entities and workers.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "csv/csv_reader.h"
#include "ingest/registry_csv.h"
#include "registry/registry.h"
#include "store/store.h"
#include "workload/workload.h"

namespace accrue::bench {

inline Status Seed(Store& store, const std::string& policies, const Workload& w) {
  ASSIGN_OR_RETURN(CsvReader reader, CsvReader::Open(policies + "/jurisdictions.csv"));
  ASSIGN_OR_RETURN(auto jurisdictions, ReadJurisdictionsCsv(&reader));
  if (!jurisdictions.errors.empty()) return Status::Invalid(jurisdictions.errors[0].ToString());
  std::vector<Jurisdiction> list;
  for (auto& e : jurisdictions.entries) list.push_back(e.value);
  RETURN_IF_ERROR(store.AddJurisdictions(list));
  ASSIGN_OR_RETURN(int loaded, LoadPoliciesIntoStore(store, policies));
  (void)loaded;
  std::vector<HiringEntity> entities;
  for (const auto& p : w.entities) entities.push_back(p.entity);
  RETURN_IF_ERROR(store.AddEntities(entities));
  ASSIGN_OR_RETURN(auto workers, store.AddWorkers(w.workers));
  (void)workers;
  return Status::Ok();
}

}  // namespace accrue::bench
