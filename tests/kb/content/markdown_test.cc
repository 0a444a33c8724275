// Markdown bodies to the plain text that is indexed, highlighted and shown (kb/content/markdown.h):
// each case is the Markdown and the plain text it becomes. Index-time snippet spans are offsets into
// this text, so any change to it must rebuild the index (schema::kLayoutVersion).
#include "kb/content/markdown.h"

#include <gtest/gtest.h>

#include <string>

namespace kefu {
namespace {

TEST(MarkdownToPlainText, StripsMarkupAndKeepsTheWords) {
  struct Case {
    const char* markdown;
    const char* plain;
  } cases[] = {
      {"", ""},
      {"plain words", "plain words"},
      {"**bold** _it_ `code` ~~gone~~", "bold it code gone"},
      {"# Heading\n\nText", "Heading Text"},
      {"> quoted\n- item one\n* item two\n+ three\n1. first\n2) second", "quoted item one item two three first second"},
      {"see [the guide](https://example.com/a_b) now", "see the guide now"},
      {"![logo](logo.png) done", "logo done"},
      {"[not a link] and ]", "not a link and "},
      {"a <b>tag</b> and a < b", "a tag and a < b"},
      {"| a | b |\n|---|---|\n| 1 | 2 |", "  a   b     1   2  "},  // pipes become spaces
      {"---\n***\nafter the rules", "after the rules"},
      {"```\n*kept* [as](is)\n```\nafter", "*kept* [as](is) after"},
      {"windows\r\nlines\r\n", "windows lines"},
      {"last line\n", "last line"},
      {"退款**多久**到账？\n请看[说明](x)。", "退款多久到账？ 请看说明。"},
      {"wow! great", "wow! great"},
  };
  for (const Case& c : cases) EXPECT_EQ(MarkdownToPlainText(c.markdown), c.plain) << c.markdown;
}

}  // namespace
}  // namespace kefu
