// The SQLite dictionary's key cache: ids by key text, with the keys in chunks the cache owns.
#include "store/key_ids.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accrue {
namespace {

std::string Key(int i) { return "W/" + std::to_string(100000000000 + i) + "/health/money"; }

TEST(KeyIdsTest, AClaimedKeyKeepsTheIdItWasGiven) {
  KeyIds ids;
  const KeyIds::Claimed first = ids.Claim("T/US-WA/2026-W10");
  ASSERT_TRUE(first.added);
  EXPECT_EQ(*first.id, 0u);
  *first.id = 7;
  const KeyIds::Claimed again = ids.Claim(std::string("T/US-WA/2026-W10"));
  EXPECT_FALSE(again.added);
  EXPECT_EQ(*again.id, 7u);
  EXPECT_EQ(again.key.data(), first.key.data());  // the one stored copy
  EXPECT_EQ(ids.Find("T/US-WA/2026-W10"), 7u);
  EXPECT_EQ(ids.Find("T/US-WA/2026-W11"), 0u);
  EXPECT_EQ(ids.size(), 1u);
}

// The stored copies outlive the caller's strings and every growth of the table, over many chunks.
TEST(KeyIdsTest, StoredKeysStayValidWhileTheTableGrows) {
  KeyIds ids;
  std::vector<std::string_view> stored;
  constexpr int kKeys = 100000;  // about 3 MB of keys: several chunks, many doublings
  for (int i = 0; i < kKeys; ++i) {
    const KeyIds::Claimed c = ids.Claim(Key(i));
    ASSERT_TRUE(c.added);
    *c.id = static_cast<uint64_t>(i) + 1;
    stored.push_back(c.key);
  }
  ASSERT_EQ(ids.size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(stored[static_cast<size_t>(i)], Key(i));
    ASSERT_EQ(ids.Find(Key(i)), static_cast<uint64_t>(i) + 1);
  }
}

// A claim of a key already here takes its copy back: the next key is stored right after the
// previous new one.
TEST(KeyIdsTest, AClaimOfAKnownKeyStoresNothing) {
  KeyIds ids;
  const std::string_view a = ids.Claim("alpha").key;
  ids.Claim("alpha");
  ids.Put("alpha", 9);
  const std::string_view b = ids.Claim("beta").key;
  EXPECT_EQ(b.data(), a.data() + a.size());
  EXPECT_EQ(ids.Find("alpha"), 0u);  // Put keeps the id already there
}

TEST(KeyIdsTest, PutAddsAndEraseForgets) {
  KeyIds ids;
  ids.Put("S/benchco", 3);
  EXPECT_EQ(ids.Find("S/benchco"), 3u);
  ids.Erase("S/benchco");
  EXPECT_EQ(ids.Find("S/benchco"), 0u);
  EXPECT_EQ(ids.size(), 0u);
  ids.Put("S/benchco", 4);  // claimed again after an erase
  EXPECT_EQ(ids.Find("S/benchco"), 4u);
}

TEST(KeyIdsTest, ClearForgetsEveryKeyAndTakesNewOnes) {
  KeyIds ids;
  for (int i = 0; i < 50000; ++i) ids.Put(Key(i), static_cast<uint64_t>(i) + 1);
  ids.Clear();
  EXPECT_EQ(ids.size(), 0u);
  EXPECT_EQ(ids.Find(Key(0)), 0u);
  EXPECT_EQ(ids.Find(Key(49999)), 0u);
  for (int i = 0; i < 50000; i += 7) ids.Put(Key(i), 2);
  for (int i = 0; i < 50000; ++i) ASSERT_EQ(ids.Find(Key(i)), i % 7 == 0 ? 2u : 0u) << i;
}

// A key longer than a chunk gets a chunk of its own, and the keys after it still fit.
TEST(KeyIdsTest, AKeyLongerThanAChunkIsStoredWhole) {
  KeyIds ids;
  const std::string big(3 << 20, 'x');
  ids.Put("small", 1);
  ids.Put(big, 2);
  ids.Put("after", 3);
  EXPECT_EQ(ids.Find(big), 2u);
  EXPECT_EQ(ids.Find("small"), 1u);
  EXPECT_EQ(ids.Find("after"), 3u);
  EXPECT_EQ(ids.Find(""), 0u);
  ids.Put("", 4);
  EXPECT_EQ(ids.Find(""), 4u);
}

}  // namespace
}  // namespace accrue
