#include "store/key_ids.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace accrue {

uint64_t KeyIds::Find(std::string_view key) const {
  auto it = ids_.find(key);
  return it == ids_.end() ? 0 : it->second;
}

KeyIds::Claimed KeyIds::Claim(std::string_view key) {
  // Copied first so that the table holds the copy; taken back if the key was already here.
  const std::string_view copy = Copy(key);
  auto [it, added] = ids_.try_emplace(copy, 0);
  if (!added) Uncopy(copy);
  return {it->first, &it->second, added};
}

void KeyIds::Put(std::string_view key, uint64_t id) {
  const Claimed c = Claim(key);
  if (c.added) *c.id = id;
}

void KeyIds::Clear() {
  ids_.erase(ids_.begin(), ids_.end());
  chunks_.clear();
  chunk_size_ = 0;
  used_ = 0;
}

std::string_view KeyIds::Copy(std::string_view key) {
  if (chunks_.empty() || chunk_size_ - used_ < key.size()) {
    chunk_size_ = std::max(kChunkBytes, key.size());
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(chunk_size_));
    used_ = 0;
  }
  char* at = chunks_.back().get() + used_;
  if (!key.empty()) std::memcpy(at, key.data(), key.size());
  used_ += key.size();
  return {at, key.size()};
}

void KeyIds::Uncopy(std::string_view copy) {
  // The last copy made: its bytes end the last chunk's used part.
  assert(copy.data() + copy.size() == chunks_.back().get() + used_);
  used_ -= copy.size();
}

}  // namespace accrue
