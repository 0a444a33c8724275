// The UTF-8 helpers and IsHan, which must answer like ICU's script property for every code point.
#include "kb/text/unicode.h"

#include <gtest/gtest.h>
#include <unicode/uscript.h>

namespace kefu {
namespace {

TEST(IsHan, AgreesWithIcuOnEveryCodePoint) {
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    UErrorCode ec = U_ZERO_ERROR;
    bool icu = uscript_getScript(static_cast<UChar32>(cp), &ec) == USCRIPT_HAN && U_SUCCESS(ec);
    ASSERT_EQ(IsHan(cp), icu) << std::hex << static_cast<uint32_t>(cp);
  }
}

TEST(Utf8, RoundTripsAndReplacesInvalidBytes) {
  const std::string text = "退货 ABC 😀 𠮷";
  EXPECT_EQ(ToUtf8(DecodeUtf8(text)), text);
  EXPECT_EQ(DecodeUtf8("a\xFF" "b"), U"a\uFFFDb");
  size_t bad = 0;
  EXPECT_FALSE(IsValidUtf8("ab\xC3", &bad));
  EXPECT_EQ(bad, 2u);
  EXPECT_TRUE(IsValidUtf8(text));
}

}  // namespace
}  // namespace kefu
