// The Store interface's default batched reads (one key at a time), its read snapshots, and the
// engine-independent backfill of sums by payer.
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

Status BackfillPayerSums(Store& store) {
  PayerSums sums;
  for (int64_t after = 0;;) {
    ASSIGN_OR_RETURN(auto page, store.EntriesAfter(after, 10'000));
    if (page.empty()) break;
    for (const StoredEntry& e : page) AddPayerSums(e.entry, &sums);
    after = page.back().seq;
  }
  for (const auto& [key, money] : sums) {
    const auto& [worker, entity, payer] = key;
    RETURN_IF_ERROR(
        store.sql()
            .Query("INSERT INTO worker_payers(worker, entity, payer, money) VALUES($1, "
                   "$2, $3, $4)",
                   {static_cast<int64_t>(worker), entity, static_cast<int64_t>(payer), money})
            .status());
  }
  return Status::Ok();
}

}  // namespace accrue
