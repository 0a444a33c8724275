// Snippets: escaped, bounded, marks on the original text.
#include "kb/search/highlighter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kb/search/terms.h"

namespace kefu {
namespace {

std::unordered_set<std::string> TermsOf(const Analyzer& a, const std::string& query) {
  std::unordered_set<std::string> terms;
  for (const Token& t : a.Analyze(query)) terms.insert(TermOf(t));
  return terms;
}

size_t VisibleChars(const std::string& html) {
  std::string text;
  for (size_t i = 0; i < html.size(); ++i) {
    if (html[i] == '<') {
      i = html.find('>', i);
      continue;
    }
    if (html[i] == '&') {
      i = html.find(';', i);
      text.push_back('x');
      continue;
    }
    text.push_back(html[i]);
  }
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

TEST(Highlighter, MarksTraditionalTextForASimplifiedQuery) {
  auto a = Analyzer::Create({});
  ASSERT_TRUE(a.ok());
  std::string s = HighlightSnippet(**a, "退貨運費由買家負擔。", ScriptHint::kTraditional, TermsOf(**a, "退货运费"));
  EXPECT_EQ(s, "<mark>退貨運費</mark>由買家負擔。");
}

TEST(Highlighter, EscapesHtmlAndStemsEnglish) {
  auto a = Analyzer::Create({});
  ASSERT_TRUE(a.ok());
  std::string s = HighlightSnippet(**a, "Refunds <b>take</b> 3 days & more", ScriptHint::kUnknown,
                                   TermsOf(**a, "refund"));
  EXPECT_EQ(s, "<mark>Refunds</mark> &lt;b&gt;take&lt;/b&gt; 3 days &amp; more");
}

TEST(Highlighter, KeepsTheWindowWithMatchesWithinTheLimit) {
  auto a = Analyzer::Create({});
  ASSERT_TRUE(a.ok());
  std::string text;
  for (int i = 0; i < 40; ++i) text += "filler words here. ";
  text += "The invoice is e-mailed.";
  for (int i = 0; i < 40; ++i) text += " more filler text.";
  std::string s = HighlightSnippet(**a, text, ScriptHint::kUnknown, TermsOf(**a, "invoice"));
  EXPECT_NE(s.find("<mark>invoice</mark>"), std::string::npos) << s;
  EXPECT_LE(VisibleChars(s), 160u) << s;
  EXPECT_EQ(s.rfind("\u2026", 0), 0u) << s;  // starts with an ellipsis
}

// Marks land on whole characters wherever a match falls among characters of one to four bytes: the
// snippet's byte offsets are walked eight bytes at a time, so every alignment is tried.
TEST(Highlighter, MarksLandOnWholeCharactersOfEveryWidth) {
  auto a = Analyzer::Create({});
  ASSERT_TRUE(a.ok());
  const std::vector<std::string> mix = {"a", "\u00e9", "\u4e2d", "\U0001F600", " "};
  for (size_t lead = 0; lead < 300; lead += 7) {
    std::string text;
    for (size_t i = 0; i < lead; ++i) text += mix[(i * 3 + lead) % mix.size()];
    text += " invoice ";
    for (size_t i = 0; i < lead; ++i) text += mix[(i + lead) % mix.size()];
    std::string s = HighlightSnippet(**a, text, ScriptHint::kUnknown, TermsOf(**a, "invoice"));
    ASSERT_NE(s.find("<mark>invoice</mark>"), std::string::npos) << lead << ": " << s;
    std::string plain = s;  // without marks and ellipses, a piece of the text
    for (const char* cut : {"<mark>", "</mark>", "\u2026"}) {
      for (size_t at; (at = plain.find(cut)) != std::string::npos;) plain.erase(at, std::string(cut).size());
    }
    EXPECT_NE(text.find(plain), std::string::npos) << lead << ": " << s;
    EXPECT_LE(VisibleChars(s), 160u) << lead << ": " << s;
  }
}

// A text of up to 160 characters is shown whole; one character more and it is cut, with an ellipsis.
TEST(Highlighter, ShowsTheWholeTextOnlyWhenItFits) {
  auto a = Analyzer::Create({});
  ASSERT_TRUE(a.ok());
  for (size_t length : {158, 159, 160, 161, 162}) {
    std::string text = "refund";
    while (VisibleChars(text) < length) text += VisibleChars(text) % 2 ? " " : "\u4e2d";
    std::string s = HighlightSnippet(**a, text, ScriptHint::kUnknown, TermsOf(**a, "refund"));
    const bool cut = s.find("\u2026") != std::string::npos;
    EXPECT_EQ(cut, length > 160) << length << ": " << s;
    EXPECT_EQ(VisibleChars(s), std::min<size_t>(length, 160)) << length << ": " << s;
  }
}

// Each of a long body's 300 words is found and marked: a term is looked for from the nearest skip
// point of the span table, whichever of the table's records it is.
TEST(Highlighter, FindsEveryWordOfALongBody) {
  auto a = Analyzer::Create({});
  ASSERT_TRUE(a.ok());
  std::vector<std::string> words;
  std::string text;
  for (int i = 0; i < 300; ++i) {
    words.push_back(std::string("k") + static_cast<char>('a' + i / 26 % 26) + static_cast<char>('a' + i % 26) + "x");
    text += words.back() + (i % 7 == 6 ? ". " : " ");
  }
  PreparedText prepared = PrepareText(text, EncodeSpans(text, (*a)->Analyze(text, ScriptHint::kUnknown)));
  ASSERT_GT(prepared.skips.size(), 10u);
  for (const std::string& word : words) {
    std::string s = HighlightSnippet(prepared, TermsOf(**a, word));
    EXPECT_NE(s.find("<mark>" + word + "</mark>"), std::string::npos) << word << ": " << s;
  }
  EXPECT_EQ(HighlightSnippet(prepared, TermsOf(**a, "kzzz")).find("<mark>"), std::string::npos);
}

// The table the index writer stores gives the snippet that analysing the text at search time
// gives, including occurrences hundreds of characters apart (multi-byte offsets in the table).
TEST(Highlighter, StoredSpansGiveTheSnippetOfAnalysis) {
  auto a = Analyzer::Create({});
  ASSERT_TRUE(a.ok());
  std::string text = "退货运费由买家承担。";
  for (int i = 0; i < 60; ++i) text += "填充文字，";
  text += "七天内退货，运费由卖家承担。";
  for (int i = 0; i < 60; ++i) text += "其他说明。";
  PreparedText stored = PrepareText(text, EncodeSpans(text, (*a)->Analyze(text, ScriptHint::kSimplified)));
  PreparedText analysed = PrepareText(**a, text, ScriptHint::kSimplified);
  EXPECT_EQ(stored.spans, analysed.spans);
  for (const char* query : {"退货运费", "卖家承担", "七天内退货"}) {
    std::string s = HighlightSnippet(stored, TermsOf(**a, query));
    EXPECT_EQ(s, HighlightSnippet(**a, text, ScriptHint::kSimplified, TermsOf(**a, query))) << query;
    EXPECT_NE(s.find("<mark>"), std::string::npos) << query << ": " << s;
  }
  // Only the second sentence, ~300 characters in, has 七天.
  std::string late = HighlightSnippet(stored, TermsOf(**a, "七天"));
  EXPECT_NE(late.find("<mark>七天</mark>"), std::string::npos) << late;
  EXPECT_EQ(HighlightSnippet(PrepareText(text, ""), TermsOf(**a, "退货")).find("<mark>"), std::string::npos);
}

}  // namespace
}  // namespace kefu
