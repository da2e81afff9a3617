// Row ids by key text: the SQLite dictionary's cache of the accounts, strings and running totals
// it has met.
//
// Keys are copied into chunks this map owns and its hash table holds views of them. Growing the
// table then moves 24-byte slots: a map of std::string copied every key at each doubling (a
// map's keys are const, so they cannot be moved) and allocated a heap block per key, and that
// growth was a fifth of the intake writer's samples while a server met its first million
// accounts. A view stays valid until Clear(); chunks are never moved or shrunk.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace accrue {

class KeyIds {
 public:
  // The key's id, or 0 when it has none here.
  uint64_t Find(std::string_view key) const;
  struct Claimed {
    std::string_view key;  // the stored copy
    uint64_t* id;          // valid until the next key is added
    bool added;            // by this call, with id 0 for the caller to set
  };
  // The key's entry, added if it was not here: one probe either way.
  Claimed Claim(std::string_view key);
  // Adds the key with `id`, unless it is already here.
  void Put(std::string_view key, uint64_t id);
  // Forgets the key (its bytes stay in their chunk until Clear()).
  void Erase(std::string_view key) { ids_.erase(key); }
  size_t size() const { return ids_.size(); }
  // Forgets every key and frees their chunks. Keeps the table's slots: clear() would hand them
  // back, and the table would grow again through every doubling.
  void Clear();

 private:
  std::string_view Copy(std::string_view key);
  void Uncopy(std::string_view copy);

  static constexpr size_t kChunkBytes = size_t{1} << 20;
  absl::flat_hash_map<std::string_view, uint64_t> ids_;
  std::vector<std::unique_ptr<char[]>> chunks_;
  size_t chunk_size_ = 0;  // bytes in chunks_.back()
  size_t used_ = 0;        // of them, taken by keys
};

}  // namespace accrue
