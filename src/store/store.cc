// The Store interface's default batched reads: one key at a time.
#include "store/store.h"

namespace accrue {

Result<std::vector<std::optional<StoredEntry>>> Store::FindReports(
    std::span<const ReportRef> keys) {
  std::vector<std::optional<StoredEntry>> out;
  out.reserve(keys.size());
  for (const ReportRef& k : keys) {
    ASSIGN_OR_RETURN(auto found, FindReport(k.entity, k.report_id));
    out.push_back(std::move(found));
  }
  return out;
}

Result<std::vector<int64_t>> Store::HoursOnDays(std::span<const DayRef> days) {
  std::vector<int64_t> out;
  out.reserve(days.size());
  for (const DayRef& d : days) {
    ASSIGN_OR_RETURN(int64_t hours, HoursOnDay(d.worker, d.entity, d.day));
    out.push_back(hours);
  }
  return out;
}

}  // namespace accrue
