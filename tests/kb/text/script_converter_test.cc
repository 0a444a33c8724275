// The compiled OpenCC conversions against OpenCC's own Converter::Convert, for the three conversions
// the normalizer uses, over the real content and generated mixed text: any difference in the matching
// algorithm (segmentation, group order, longest match) shows up as a differing string.
#include "kb/text/script_converter.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "kb/content/loader.h"
#include "kb/text/normalizer.h"
#include "kb/text/unicode.h"

namespace kefu {
namespace {

const char* const kFragments[] = {
    // Simplified, Traditional, Taiwan vocabulary
    "软件", "设置", "网络", "登录", "账号", "内存", "出租车", "信息", "怎么", "发票抬头", "退货运费",
    "軟體", "網路", "資訊", "設定", "登入", "帳號", "記憶體", "計程車", "發票抬頭", "退貨運費", "忘記密碼",
    "我的帳號被盜了", "滑鼠", "印表機", "乾燥", "頭髮", "发现", "頭髮乾了", "干", "乾", "幹", "后", "後",
    "乾隆皇帝", "乾坤", "么", "幺", "著", "着", "裡", "里", "臺灣", "台湾", "於", "于", "鬱", "郁", "隻", "只", "髮", "发",
    // punctuation, Latin, digits, emoji, replacement characters, supplementary Han, combining marks
    "，", "。", "？", "「", "」", "“", "”", "、", "…", " ", "\n", "\t", "-", "/", "Order KF2026",
    "iPhone15", "ＡＢＣ１２３", "😀", "👍🏽", "\xEF\xBF\xBD", "𠮷", "𪚥", "e\xCC\x81", "ä", "ß", "Ω",
};

// t2s with its group reversed: characters first, so the first dictionary with any match must win over
// a longer phrase in the next one (the stock groups cannot tell that from the longest match overall).
const char kCharactersFirstConfig[] = R"json({
  "name": "t2s, characters before phrases",
  "segmentation": {"type": "mmseg", "dict": {"type": "ocd2", "file": "TSPhrases.ocd2"}},
  "conversion_chain": [{"dict": {"type": "group", "dicts": [{"type": "ocd2", "file": "TSCharacters.ocd2"},
                                                             {"type": "ocd2", "file": "TSPhrases.ocd2"}]}}]
})json";

// Every conversion the normalizer makes, OpenCC's stock tw2s, and a group order test.
class ScriptConverterTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto converter = ScriptConverter::Open(GetParam());
    ASSERT_TRUE(converter.ok()) << converter.status().ToString();
    converter_ = std::move(converter).value();
  }

  void ExpectSameAsOpenCC(const std::string& text, const std::string& where) {
    const std::string expected = converter_->ConvertWithOpenCC(text);
    ASSERT_EQ(converter_->Convert(text), expected) << where << ": " << text;
    ASSERT_EQ(converter_->Convert(std::u32string_view(DecodeUtf8(text))), DecodeUtf8(expected))
        << where << ": " << text;
  }

  std::unique_ptr<ScriptConverter> converter_;
};

TEST_P(ScriptConverterTest, ContentLikeOpenCC) {
  LoadResult content = LoadContentDir(std::string(KEFU_SOURCE_DIR) + "/content");
  ASSERT_FALSE(content.entries.empty());
  for (const Entry& e : content.entries) {
    ExpectSameAsOpenCC(e.title, e.source_path);
    for (const std::string& q : e.questions) ExpectSameAsOpenCC(q, e.source_path);
    ExpectSameAsOpenCC(e.body, e.source_path);
  }
}

TEST_P(ScriptConverterTest, GeneratedTextLikeOpenCC) {
  std::mt19937 random(20261125);
  std::uniform_int_distribution<size_t> fragment(0, std::size(kFragments) - 1);
  std::uniform_int_distribution<int> length(1, 12);
  for (const char* f : kFragments) ExpectSameAsOpenCC(f, "fragment");
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    for (int n = length(random); n > 0; --n) text += kFragments[fragment(random)];
    ExpectSameAsOpenCC(text, "generated");
  }
}

TEST_P(ScriptConverterTest, EveryCjkCharacterLikeOpenCC) {
  // Alone and in runs of neighbours, which makes up many dictionary keys by chance.
  for (char32_t base = 0x3400; base < 0xA000; base += 16) {
    std::u32string run;
    for (char32_t c = base; c < base + 16; ++c) {
      ExpectSameAsOpenCC(ToUtf8(std::u32string(1, c)), "character");
      run.push_back(c);
    }
    ExpectSameAsOpenCC(ToUtf8(run), "run");
  }
}

TEST_P(ScriptConverterTest, InputOpenCCReadsItsOwnWayGoesToOpenCC) {
  // Text after a NUL byte is dropped by OpenCC; the fast path must not differ.
  const std::string with_nul("軟體\0設定", 13);
  EXPECT_EQ(converter_->Convert(with_nul), converter_->ConvertWithOpenCC(with_nul));
}

INSTANTIATE_TEST_SUITE_P(Conversions, ScriptConverterTest,
                         ::testing::Values("t2s.json", "tw2s.json", "s2twp.json",
                                           std::string(kTaiwanToSimplifiedConfig),
                                           std::string(kCharactersFirstConfig)));

TEST(ScriptConverter, ConvertsTaiwanPhrases) {
  auto s2twp = ScriptConverter::Open("s2twp.json");
  ASSERT_TRUE(s2twp.ok());
  EXPECT_EQ((*s2twp)->Convert("软件设置"), "軟體設定");
  EXPECT_EQ((*s2twp)->Convert(std::string("plain ascii")), "plain ascii");
}

TEST(ScriptConverter, ReportsMissingConfigurations) {
  auto missing = ScriptConverter::Open("no-such-config.json");
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace kefu
