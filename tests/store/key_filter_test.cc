// The Bloom filter the SQLite dictionary uses to create keys without asking whether they exist.
#include "store/key_filter.h"

#include <gtest/gtest.h>

#include <string>

namespace accrue {
namespace {

std::string Key(int i) { return "W/" + std::to_string(100000000000 + i) + "/health"; }

TEST(KeyFilterTest, EveryKeyAddedMayBeThere) {
  KeyFilter filter(50000);
  for (int i = 0; i < 50000; i += 2) filter.Add(Key(i));
  for (int i = 0; i < 50000; i += 2) ASSERT_TRUE(filter.MayContain(Key(i))) << Key(i);
  EXPECT_FALSE(filter.full());
}

// About 1% at capacity: a key that says "maybe" without being there costs one look-up.
TEST(KeyFilterTest, FewKeysNeverAddedMayBeThere) {
  KeyFilter filter(50000);
  for (int i = 0; i < 50000; ++i) filter.Add(Key(i));
  int maybe = 0;
  for (int i = 50000; i < 150000; ++i) maybe += filter.MayContain(Key(i)) ? 1 : 0;
  EXPECT_LT(maybe, 2000);  // under 2% of 100,000
}

TEST(KeyFilterTest, SaysWhenItHoldsMoreThanItWasSizedFor) {
  KeyFilter filter(2000);
  EXPECT_EQ(filter.capacity(), 2000u);
  for (int i = 0; i < 2000; ++i) filter.Add(Key(i));
  EXPECT_FALSE(filter.full());
  filter.Add(Key(2000));
  EXPECT_TRUE(filter.full());
  EXPECT_EQ(KeyFilter(10).capacity(), 1024u);  // never smaller than this
}

}  // namespace
}  // namespace accrue
