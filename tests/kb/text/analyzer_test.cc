// Table-driven analyser tests: input text -> the tokens, written as one string (as Xapian's api_termgen).
#include "kb/text/analyzer.h"

#include <gtest/gtest.h>

#include "kb/search/terms.h"

namespace kefu {
namespace {

struct Case {
  const char* name;
  const char* text;
  ScriptHint hint;
  const char* expected;  // FormatTokens(): words plain, han:WORD, bi:BIGRAM
};

const Case kCases[] = {
    {"english lower-cases and splits", "How do I RESET my Password?", ScriptHint::kUnknown,
     "how do i reset my password"},
    {"apostrophes", "I don't see the customer's order", ScriptHint::kUnknown,
     "i dont see the customer order"},
    {"full-width latin and digits fold to half-width", "ＡＢＣ　１２３", ScriptHint::kUnknown, "abc 123"},
    // ICU splits 充电器 and 坏了; the bigrams still hold every adjacent pair.
    {"mixed latin and digits keep their parts", "iPhone15充电器坏了", ScriptHint::kUnknown,
     "iphone15 iphone 15 han:充电 han:器 han:坏 han:了 bi:充电 bi:电器 bi:器坏 bi:坏了"},
    {"order numbers", "订单KF20261125001没到", ScriptHint::kUnknown,
     "han:订单 bi:订单 kf20261125001 kf 20261125001 han:没 han:到 bi:没到"},
    {"e-mail addresses stay whole", "mail me at li.na@example.com", ScriptHint::kUnknown,
     "mail me at li na li.na@example.com example com"},
    {"simplified words plus bigrams", "退货运费谁承担", ScriptHint::kUnknown,
     "han:退 han:货运 han:费 han:谁 han:承担 bi:退货 bi:货运 bi:运费 bi:费谁 bi:谁承 bi:承担"},
    {"traditional folds to simplified", "退貨運費誰承擔", ScriptHint::kUnknown,
     "han:退 han:货运 han:费 han:谁 han:承担 bi:退货 bi:货运 bi:运费 bi:费谁 bi:谁承 bi:承担"},
    {"taiwan vocabulary maps to mainland words", "軟體設定", ScriptHint::kUnknown,
     "han:软件 han:设置 bi:软件 bi:件设 bi:设置"},
    {"taiwan network and login", "網路登入", ScriptHint::kTraditional,
     "han:网络 han:登录 bi:网络 bi:络登 bi:登录"},
    {"simplified input is never corrupted by taiwan tables", "怎么登录", ScriptHint::kUnknown,
     "han:怎么 han:登录 bi:怎么 bi:么登 bi:登录"},
    {"variant table folds 帳號 to 账号", "帳號", ScriptHint::kUnknown, "han:账 han:号 bi:账号"},
    {"full-width punctuation separates", "退款，多久？", ScriptHint::kUnknown, "han:退款 bi:退款 han:多久 bi:多久"},
    {"invalid utf-8 bytes are separators", "abc\xff\xfe" "def", ScriptHint::kUnknown, "abc def"},
    {"empty text", "", ScriptHint::kUnknown, ""},
};

class AnalyzerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    AnalyzerOptions options;
    options.normalizer.variants = "帐号 账号\n";
    auto analyzer = Analyzer::Create(options);
    ASSERT_TRUE(analyzer.ok()) << analyzer.status().ToString();
    analyzer_ = std::move(analyzer).value().release();
  }
  static void TearDownTestSuite() {
    delete analyzer_;
    analyzer_ = nullptr;
  }
  static Analyzer* analyzer_;
};

Analyzer* AnalyzerTest::analyzer_ = nullptr;

TEST_F(AnalyzerTest, ProducesExpectedTokens) {
  for (const Case& c : kCases) {
    EXPECT_EQ(FormatTokens(analyzer_->Analyze(c.text, c.hint)), c.expected) << c.name << ": " << c.text;
  }
}

TEST_F(AnalyzerTest, NormalizedTextGivesTheSameTokens) {
  for (const Case& c : kCases) {
    EXPECT_EQ(FormatTokens(analyzer_->Analyze(analyzer_->Normalize(c.text, c.hint))),
              FormatTokens(analyzer_->Analyze(c.text, c.hint)))
        << c.name;
  }
}

TEST_F(AnalyzerTest, OffsetsPointAtTheOriginalText) {
  std::string text = "退貨運費ＡＢＣ";
  auto tokens = analyzer_->Analyze(text);
  ASSERT_FALSE(tokens.empty());
  for (const Token& t : tokens) {
    ASSERT_LE(t.end, text.size());
    std::string original = text.substr(t.begin, t.end - t.begin);
    if (t.kind == TokenKind::kWord) {
      EXPECT_EQ(original, "ＡＢＣ");
    }
    if (t.text == "运费") {
      EXPECT_EQ(original, "運費");
    }
  }
}

TEST(AnalyzerDictionary, AddsEditorsWordsThatIcuSplits) {
  AnalyzerOptions options;
  options.dictionary = "# domain words\n退货\n運費\nnot-han\n";
  auto analyzer = Analyzer::Create(options);
  ASSERT_TRUE(analyzer.ok());
  // 運費 is folded like the text; 退货 and 运费 are added beside ICU's 退/货运/费.
  EXPECT_EQ(FormatTokens((*analyzer)->Analyze("退貨運費誰承擔")),
            "han:退 han:货运 han:费 han:谁 han:承担 han:退货 han:运费 bi:退货 bi:货运 bi:运费 bi:费谁 bi:谁承 bi:承担");
}

TEST_F(AnalyzerTest, DetectsTraditionalScript) {
  EXPECT_TRUE(analyzer_->Normalize("我的帳號被盜了").had_traditional);
  EXPECT_FALSE(analyzer_->Normalize("我的账号被盗了").had_traditional);
  EXPECT_FALSE(analyzer_->Normalize("my account").had_han);
  // With the Traditional hint too, had_traditional says whether folding changed a character.
  EXPECT_TRUE(analyzer_->Normalize("我的 帳號", ScriptHint::kTraditional).had_traditional);
  EXPECT_FALSE(analyzer_->Normalize("我的 账号", ScriptHint::kTraditional).had_traditional);
  EXPECT_TRUE(analyzer_->Normalize("我的 帳號", ScriptHint::kSimplified).had_traditional);
}

TEST_F(AnalyzerTest, SameTermsForBothScripts) {
  auto terms = [&](const char* text) {
    std::string out;
    for (const Token& t : analyzer_->Analyze(text)) out += TermOf(t) + " ";
    return out;
  };
  EXPECT_EQ(terms("發票抬頭怎麼修改"), terms("发票抬头怎么修改"));
  EXPECT_EQ(terms("忘記密碼"), terms("忘记密码"));
}

TEST(Terms, StemsEnglishButNotCodes) {
  EXPECT_EQ(StemWord("refunds"), "refund");
  EXPECT_EQ(StemWord("shipping"), "ship");
  EXPECT_EQ(StemWord("kf2024"), "kf2024");
  EXPECT_EQ(StemWord("li.na@example.com"), "li.na@example.com");
}

TEST(Terms, PairsAdjacentWordsButNotTheirParts) {
  auto analyzer = Analyzer::Create({});
  ASSERT_TRUE(analyzer.ok());
  std::string pairs;
  for (const std::string& p : PairTermsOf((*analyzer)->Analyze("Top up iPhone15 cards, 退款 fast"))) {
    pairs += p + "|";
  }
  // "fast" follows Han text, so it pairs with nothing; "iphone15"'s parts do not pair.
  EXPECT_EQ(pairs, "Ptop up|Pup iphone15|Piphone15 card|");
}

TEST(ScriptConversion, ConvertsForDisplay) {
  auto analyzer = Analyzer::Create({});
  ASSERT_TRUE(analyzer.ok());
  EXPECT_EQ((*analyzer)->normalizer().ToTraditional("软件设置"), "軟體設定");
  EXPECT_EQ((*analyzer)->normalizer().ToSimplified("軟體設定"), "软件设置");
}

}  // namespace
}  // namespace kefu
