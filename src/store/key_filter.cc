#include "store/key_filter.h"

#include <absl/hash/hash.h>

#include <algorithm>

namespace accrue {
namespace {

constexpr size_t kBitsPerKey = 10;
constexpr size_t kWordsPerBlock = 8;  // 512 bits: one cache line holds all of a key's probes

// The block a key's probes fall in, and the probes within it: nine bits of a second mix each.
struct Probes {
  size_t block;
  uint64_t bits;
  Probes(std::string_view key, size_t blocks) {
    const uint64_t h = absl::Hash<std::string_view>()(key);
    block = static_cast<size_t>((static_cast<unsigned __int128>(h) * blocks) >> 64);
    bits = h * 0x9E3779B97F4A7C15ULL;  // Fibonacci hashing: spreads the low bits upwards
  }
  unsigned At(int i) const { return static_cast<unsigned>(bits >> (9 * i)) & 511; }
};

}  // namespace

KeyFilter::KeyFilter(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1024)),
      bits_((capacity_ * kBitsPerKey / 512 + 1) * kWordsPerBlock, 0) {}

void KeyFilter::Add(std::string_view key) {
  const Probes p(key, bits_.size() / kWordsPerBlock);
  uint64_t* block = &bits_[p.block * kWordsPerBlock];
  for (int i = 0; i < kProbes; ++i) block[p.At(i) / 64] |= uint64_t{1} << (p.At(i) % 64);
  ++added_;
}

bool KeyFilter::MayContain(std::string_view key) const {
  const Probes p(key, bits_.size() / kWordsPerBlock);
  const uint64_t* block = &bits_[p.block * kWordsPerBlock];
  for (int i = 0; i < kProbes; ++i) {
    if ((block[p.At(i) / 64] & (uint64_t{1} << (p.At(i) % 64))) == 0) return false;
  }
  return true;
}

}  // namespace accrue
