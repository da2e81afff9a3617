// The ledger's chain hash: the bytes each batch's hash is computed over.
#include "ledger/ledger.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <string_view>

namespace accrue {
namespace {

// Every stored batch's hash was computed over this format, so a change to it would make
// `verify` refuse every existing store: the parts in order, each as its length (8 bytes,
// little-endian) and its bytes — the previous hash, the batch number in decimal, each entry's
// report text and legs, each created dictionary row's tag and id, then its text. How the
// hasher buffers them must not matter, across many small parts and one larger than its chunk.
TEST(ChainHasherTest, HashesTheLengthPrefixedPartsInOrder) {
  ASSERT_GE(sodium_init(), 0);
  Hash previous{};
  previous[0] = 7;
  previous[31] = 9;
  const std::string_view legs("le\0gs", 5);
  const std::string big(40'000, 'b');

  ChainHasher hasher(previous, 42);
  hasher.AddEntry("report text", legs);
  for (uint64_t id = 1; id <= 3'000; ++id) {
    hasher.AddDictionaryRow('A', id * 1'000'003, "W/" + std::to_string(id) + "/health");
  }
  hasher.AddEntry(big, "");
  const Hash got = hasher.Finish();

  std::string stream;
  auto part = [&stream](std::string_view bytes) {
    for (int i = 0; i < 8; ++i) stream.push_back(static_cast<char>(bytes.size() >> (8 * i)));
    stream.append(bytes);
  };
  part(std::string_view(reinterpret_cast<const char*>(previous.data()), previous.size()));
  part("42");
  part("report text");
  part(legs);
  for (uint64_t id = 1; id <= 3'000; ++id) {
    part("A" + std::to_string(id * 1'000'003));
    part("W/" + std::to_string(id) + "/health");
  }
  part(big);
  part("");
  Hash want{};
  crypto_generichash(want.data(), want.size(),
                     reinterpret_cast<const unsigned char*>(stream.data()), stream.size(), nullptr,
                     0);
  EXPECT_EQ(HashHex(got), HashHex(want));
}

}  // namespace
}  // namespace accrue
