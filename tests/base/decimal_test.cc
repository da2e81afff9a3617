#include "base/decimal.h"

#include <gtest/gtest.h>

namespace accrue {
namespace {

TEST(Decimal, ParsesAndFormatsExactly) {
  auto m = Money::Parse("333.4", 4);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->ToFixed(2), "333.40");
  EXPECT_EQ(Money::Parse("-0.0001", 4)->ToString(), "-0.0001");
}

}  // namespace
}  // namespace accrue
