// A Bloom filter over text keys: says "absent" only for a key never added, and "maybe" for every
// key added (and, rarely, for others).
//
// The SQLite dictionary keeps one per table once it has created many rows, so that a key the
// filter has never seen is created without first asking the database whether it exists (a
// b-tree look-up per new account or running total, a tenth of the ingest writer's work).
// Sized at construction for `capacity` keys at about 1–2% false "maybe"s; `full()` says when
// more than that many have been added and the owner should build a larger one. Blocked: all of a
// key's probes fall in one 64-byte block, so a look-up misses the processor's cache once, not
// once per probe (the filter of a million keys is megabytes).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace accrue {

class KeyFilter {
 public:
  explicit KeyFilter(size_t capacity);

  void Add(std::string_view key);
  bool MayContain(std::string_view key) const;
  bool full() const { return added_ > capacity_; }
  size_t capacity() const { return capacity_; }

 private:
  static constexpr int kProbes = 7;  // about optimal for 10 bits per key
  size_t capacity_;
  size_t added_ = 0;
  std::vector<uint64_t> bits_;
};

}  // namespace accrue
