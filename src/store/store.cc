// The Store interface's default batched reads (one key at a time) and its read snapshots.
#include "store/store.h"

#include <cassert>

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

Status Store::BeginRead() {
  if (read_depth_++ > 0 || InTransaction()) return Status::Ok();
  Status st = BeginReadTransaction();
  if (!st.ok()) {
    --read_depth_;
    return st;
  }
  read_began_ = true;
  return Status::Ok();
}

void Store::EndRead() {
  assert(read_depth_ > 0);
  if (--read_depth_ > 0 || !read_began_) return;
  read_began_ = false;
  EndReadTransaction();
}

}  // namespace accrue
