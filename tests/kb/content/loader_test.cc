// Content validation: every problem reported at once, with file and line.
#include "kb/content/loader.h"

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"

namespace kefu {
namespace {

using testing::TempDir;

constexpr char kGood[] = R"(---
id: return-shipping-cost
type: faq
locale: zh-Hans
title: 退货运费谁出？
questions:
  - 退货要自己付邮费吗
tags: [退货, 运费]
category: returns
audience: public
status: published
updated: 2026-11-01
related: [refund-time]
escalate: false
internal_note: 质量问题由商家承担。
---
质量问题商家承担运费；无理由退货由买家承担。
)";

constexpr char kRefundTime[] = R"(---
id: refund-time
locale: zh-Hans
title: 多久退款
---
1-3 个工作日。
)";

std::vector<std::string> Lines(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) out.push_back(d.ToString());
  return out;
}

TEST(Loader, ReadsAValidEntry) {
  TempDir dir;
  dir.Write("zh-Hans/returns/return-shipping-cost.md", kGood);
  dir.Write("zh-Hans/refunds/refund-time.md", kRefundTime);
  // Top-level files are configuration, not entries.
  dir.Write("golden.jsonl", "{\"query\": \"谁出退货运费\", \"lang\": \"zh-Hans\", \"relevant\": [\"return-shipping-cost\"]}\n");
  LoadResult r = LoadContentDir(dir.path());
  ASSERT_EQ(r.error_count(), 0) << ::testing::PrintToString(Lines(r));
  ASSERT_EQ(r.entries.size(), 2u);
  const Entry& e = r.entries[1];
  EXPECT_EQ(e.id, "return-shipping-cost");
  EXPECT_EQ(e.locale, Locale::kZhHans);
  EXPECT_EQ(e.title, "退货运费谁出？");
  EXPECT_EQ(e.questions, std::vector<std::string>{"退货要自己付邮费吗"});
  EXPECT_EQ(e.tags, (std::vector<std::string>{"退货", "运费"}));
  EXPECT_EQ(e.internal_note, "质量问题由商家承担。");
  EXPECT_EQ(e.updated, "2026-11-01");
  EXPECT_EQ(e.body, "质量问题商家承担运费；无理由退货由买家承担。");
  EXPECT_EQ(r.entries[0].locale, Locale::kZhHans);  // from the folder, no locale field needed
}

TEST(Loader, RefusesADirectoryWithoutEntryFiles) {
  // Entries written at the top level (or the wrong directory named) would index nothing and replace
  // the serving index with an empty one.
  TempDir dir;
  dir.Write("entries.jsonl", "{\"id\": \"a\", \"lang\": \"en\", \"question\": \"A?\", \"answer\": \"A.\"}\n");
  LoadResult r = LoadContentDir(dir.path());
  ASSERT_EQ(r.error_count(), 1) << ::testing::PrintToString(Lines(r));
  EXPECT_NE(Lines(r)[0].find("no entry files"), std::string::npos) << Lines(r)[0];
  EXPECT_TRUE(r.entries.empty());
}

TEST(Loader, ReportsEveryBrokenFileWithItsLine) {
  TempDir dir;
  dir.Write("zh-Hans/refunds/refund-time.md", kRefundTime);
  dir.Write("en/a-bad-yaml.md", "---\nid: a\ntitle: a: b\n---\nbody\n");
  dir.Write("en/b-unknown-field.md", "---\nid: b\ntitle: B\ncolour: red\n---\nbody\n");
  dir.Write("en/c-missing-title.md", "---\nid: c\n---\nbody\n");
  dir.Write("en/d-empty-body.md", "---\nid: d\ntitle: D\n---\n\n");
  dir.Write("en/e-bad-utf8.md", "---\nid: e\ntitle: E\n---\nok\nbad \xff byte\n");
  dir.Write("en/f-dangling.md", "---\nid: f\ntitle: F\nrelated:\n  - nowhere\n---\nbody\n");
  dir.Write("en/g-duplicate.md", "---\nid: f\ntitle: G\n---\nbody\n");
  dir.Write("en/h-bad-locale.md", "---\nid: h\nlocale: fr\ntitle: H\n---\nbody\n");
  LoadResult r = LoadContentDir(dir.path());
  std::vector<std::string> lines = Lines(r);
  auto has = [&](const std::string& prefix, const std::string& words) {
    for (const auto& l : lines) {
      if (l.rfind(dir.path() + "/" + prefix, 0) == 0 && l.find(words) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("en/a-bad-yaml.md:3: error: ", "invalid YAML")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("en/b-unknown-field.md:4: error: ", "unknown field 'colour'"));
  EXPECT_TRUE(has("en/c-missing-title.md:1: error: ", "missing title"));
  EXPECT_TRUE(has("en/d-empty-body.md:5: error: ", "empty body"));
  EXPECT_TRUE(has("en/e-bad-utf8.md:6: error: ", "invalid UTF-8"));
  EXPECT_TRUE(has("en/f-dangling.md:4: error: ", "related entry 'nowhere' does not exist"));
  EXPECT_TRUE(has("en/g-duplicate.md:1: error: ", "duplicate id 'f'"));
  EXPECT_TRUE(has("en/h-bad-locale.md:3: error: ", "unknown locale 'fr'"));
  EXPECT_EQ(r.error_count(), 8);
}

TEST(Loader, ReadsJsonLinesInTheEvaluationSchema) {
  TempDir dir;
  dir.Write("bulk.jsonl",
            "{\"id\": \"banking77:card_arrival\", \"lang\": \"en\", \"question\": \"card arrival\", "
            "\"paraphrases\": [\"where is my card\"], \"answer\": \"\"}\n"
            "\n"
            "{\"id\": \"x\", \"lang\": \"xx\", \"question\": \"q\"}\n"
            "{\"id\": \"odd?\", \"lang\": \"en\", \"question\": \"q\", \"answer\": \"a\"}\n"
            "{\"id\": \"bad id\", \"lang\": \"en\", \"question\": \"q\", \"answer\": \"a\"}\n"
            "not json\n"
            "[\"a list\"]\n");
  LoadResult r = LoadJsonlFile(dir.Path("bulk.jsonl"));
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[0].id, "banking77:card_arrival");
  EXPECT_EQ(r.entries[1].id, "odd?");
  EXPECT_EQ(r.entries[0].title, "card arrival");
  EXPECT_EQ(r.entries[0].questions, std::vector<std::string>{"where is my card"});
  std::vector<std::string> lines = Lines(r);
  ASSERT_EQ(lines.size(), 6u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0], dir.Path("bulk.jsonl") + ":1: warning: empty answer");
  EXPECT_EQ(lines[1], dir.Path("bulk.jsonl") + ":3: error: unknown lang 'xx'");
  EXPECT_EQ(lines[2].rfind(dir.Path("bulk.jsonl") + ":4: warning: id 'odd?' has characters", 0), 0u);
  EXPECT_EQ(lines[3].rfind(dir.Path("bulk.jsonl") + ":5: error: invalid id 'bad id'", 0), 0u);
  EXPECT_EQ(lines[4].rfind(dir.Path("bulk.jsonl") + ":6: error: invalid JSON at column 2: syntax error while parsing value", 0),
            0u)
      << lines[4];
  EXPECT_EQ(lines[5], dir.Path("bulk.jsonl") + ":7: error: not a JSON object");
}

// Lines that are JSON but bend the schema: each gets the same treatment whichever parser reads it.
TEST(Loader, JsonLinesEdgeCases) {
  struct Case {
    const char* line;
    const char* title;     // of the entry read, or nullptr when none is
    const char* messages;  // the line's diagnostics, " | " between them; a prefix for simdjson's own
  };
  const Case cases[] = {
      {R"({"id": "a", "lang": "en", "question": "first", "question": "second", "answer": "x"})", "second", ""},
      {R"({"id": "a", "lang": "en", "question": "q", "paraphrases": null, "answer": "x"})", nullptr,
       "error: field 'paraphrases' must be a list of strings"},
      {R"({"id": "a", "lang": "en", "question": "q", "answer": null})", "q", "warning: empty answer"},
      {R"({"id": 7, "lang": "en", "question": "q", "answer": "x"})", nullptr,
       "error: field 'id' must be a string | error: missing id"},
      {R"({"id": "a", "lang": "en", "question": "q\u00e9\ud83d\ude00", "answer": "x"})", "q\u00e9\U0001F600", ""},
      {R"({"id": "a", "lang": "en", "question": "q", "answer": "x", "extra": 1})", nullptr,
       "error: unknown field 'extra'"},
      {R"({"id": "a", "lang": "en", "question": "q", "answer": "x"} trailing)", nullptr,
       "error: invalid JSON at column 61: syntax error while parsing value - invalid literal; last read: "
       "'\"x\"} tra'; expected end of input"},
      {R"({"id": "a", "lang": "en", "question": "q", "answer": "x", "n": 123456789012345678901234567890})", nullptr,
       "error: invalid JSON: "},
  };
  for (const Case& c : cases) {
    TempDir dir;
    dir.Write("bulk.jsonl", std::string(c.line) + "\n");
    LoadResult r = LoadJsonlFile(dir.Path("bulk.jsonl"));
    std::string messages;
    for (const Diagnostic& d : r.diagnostics) {
      messages += (messages.empty() ? "" : " | ") + std::string(d.severity == Severity::kError ? "error: " : "warning: ") +
                  d.message;
      EXPECT_EQ(d.line, 1) << c.line;
    }
    if (std::string(c.messages) == "error: invalid JSON: ") {
      EXPECT_EQ(messages.rfind(c.messages, 0), 0u) << c.line << "\n" << messages;
      EXPECT_GT(messages.size(), std::string(c.messages).size()) << c.line;
    } else {
      EXPECT_EQ(messages, c.messages) << c.line;
    }
    ASSERT_EQ(r.entries.size(), c.title == nullptr ? 0u : 1u) << c.line;
    if (c.title != nullptr) {
      EXPECT_EQ(r.entries[0].title, c.title) << c.line;
    }
  }
  // Paraphrases that are not strings, or blank, are passed over; the others are trimmed.
  TempDir dir;
  dir.Write("bulk.jsonl", R"({"id": "a", "lang": "en", "question": "q", "paraphrases": ["one", 2, null, " ", " two "], "answer": "x"})");
  LoadResult r = LoadJsonlFile(dir.Path("bulk.jsonl"));
  EXPECT_TRUE(r.diagnostics.empty());
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].questions, (std::vector<std::string>{"one", "two"}));
}

// Large JSON Lines files are read in parts and parsed in pieces on several threads: every problem must
// still name its own line, and files, lines and their text come out whole and in order.
TEST(Loader, ALargeJsonLinesFileKeepsEveryLineNumberAndTheOrder) {
  TempDir dir;
  constexpr int kLines = 30000;  // about 2.5 MB: several pieces
  std::string bulk;
  for (int n = 1; n <= kLines; ++n) {
    if (n == 3 || n == 15001 || n == kLines) {
      bulk += "{\"id\": \"e" + std::to_string(n) + "\", \"lang\": \"xx\", \"question\": \"q\", \"answer\": \"a\"}\n";
    } else if (n == 20000) {
      bulk += "\n";
    } else {
      bulk += "{\"id\": \"e" + std::to_string(n) + "\", \"lang\": \"en\", \"question\": \"How do I do thing number " +
              std::to_string(n) + "?\", \"answer\": \"Like this.\"}\n";
    }
  }
  ASSERT_GT(bulk.size(), 2u << 20);
  dir.Write("en/a-bad.md", "---\nid: a\n---\nbody\n");
  dir.Write("en/b-bulk.jsonl", bulk);
  dir.Write("en/c-bad.md", "---\nid: c\n---\nbody\n");
  LoadResult r = LoadContentDir(dir.path());
  std::vector<std::string> lines = Lines(r);
  std::vector<std::string> expected = {
      dir.Path("en/a-bad.md") + ":1: error: missing title",
      dir.Path("en/b-bulk.jsonl") + ":3: error: unknown lang 'xx'",
      dir.Path("en/b-bulk.jsonl") + ":15001: error: unknown lang 'xx'",
      dir.Path("en/b-bulk.jsonl") + ":" + std::to_string(kLines) + ": error: unknown lang 'xx'",
      dir.Path("en/c-bad.md") + ":1: error: missing title",
  };
  EXPECT_EQ(lines, expected);
  ASSERT_EQ(r.entries.size(), static_cast<size_t>(kLines - 4));
  for (const Entry& e : r.entries) {
    ASSERT_EQ(e.source_line, std::stoi(e.id.substr(1))) << e.id;
    ASSERT_EQ(e.title, "How do I do thing number " + e.id.substr(1) + "?");
  }
}

TEST(Loader, ChecksTheConfigurationFilesWithTheirLines) {
  TempDir dir;
  dir.Write("zh-Hans/refunds/refund-time.md", kRefundTime);
  dir.Write("variants.txt", "# comment\n帐号 账号\nonly-one\n");
  dir.Write("synonyms.txt", "退款, 退钱\nlonely\n");
  dir.Write("pins.txt", "多久退款\trefund-time\n人工\tno-such-entry\nno tab here\n");
  LoadResult r = LoadContentDir(dir.path());
  std::vector<std::string> lines = Lines(r);
  ASSERT_EQ(lines.size(), 4u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0], dir.Path("variants.txt") + ":3: error: expected 'FROM TO' (two words separated by a space)");
  EXPECT_EQ(lines[1], dir.Path("synonyms.txt") + ":2: error: a synonym line needs two or more words separated by commas");
  EXPECT_EQ(lines[2], dir.Path("pins.txt") + ":2: error: pinned entry 'no-such-entry' does not exist or is a draft");
  EXPECT_EQ(lines[3], dir.Path("pins.txt") + ":3: error: expected 'QUESTION<TAB>ENTRY-ID'");
  EXPECT_NE(r.config.synonyms.find("退钱"), std::string::npos);
}

// Pins name a published entry of any audience; golden questions a published public one. The ids are
// looked up among the sorted entries, each locale of an id counting.
TEST(Loader, PinsAndGoldenQuestionsNameEntriesThatServe) {
  TempDir dir;
  dir.Write("zh-Hans/refund-time.md", kRefundTime);
  dir.Write("en/refund-time.md", "---\nid: refund-time\nlocale: en\ntitle: Refund time\nstatus: draft\n---\nDays.\n");
  dir.Write("en/agents-only.md", "---\nid: agents-only\nlocale: en\ntitle: Agents\naudience: internal\n---\nNote.\n");
  dir.Write("en/later.md", "---\nid: later\nlocale: en\ntitle: Later\nstatus: draft\n---\nSoon.\n");
  dir.Write("en/zzz.md", "---\nid: zzz\nlocale: en\ntitle: Last\n---\nEnd.\n");
  dir.Write("pins.txt", "refund\trefund-time\nagents\tagents-only\nlater\tlater\nnone\taaa\nlast\tzzz\n");
  dir.Write("golden.jsonl",
            "{\"query\": \"refund\", \"lang\": \"zh-Hans\", \"relevant\": [\"refund-time\"]}\n"
            "{\"query\": \"agents\", \"lang\": \"en\", \"relevant\": [\"agents-only\"]}\n"
            "{\"query\": \"later\", \"lang\": \"en\", \"relevant\": [\"later\", \"zzz\"]}\n"
            "{\"query\": \"after all\", \"lang\": \"en\", \"relevant\": [\"zzzz\"]}\n");
  LoadResult r = LoadContentDir(dir.path());
  std::vector<std::string> expected = {
      dir.Path("golden.jsonl") + ":2: error: relevant entry 'agents-only' is not a published public entry",
      dir.Path("golden.jsonl") + ":3: error: relevant entry 'later' is not a published public entry",
      dir.Path("golden.jsonl") + ":4: error: relevant entry 'zzzz' is not a published public entry",
      dir.Path("pins.txt") + ":3: error: pinned entry 'later' does not exist or is a draft",
      dir.Path("pins.txt") + ":4: error: pinned entry 'aaa' does not exist or is a draft",
  };
  EXPECT_EQ(Lines(r), expected);
}

TEST(Loader, ValidatesIds) {
  EXPECT_TRUE(IsValidEntryId("clinc150:translate"));
  EXPECT_TRUE(IsValidEntryId("A.b_c-1"));
  EXPECT_FALSE(IsValidEntryId("-leading"));
  EXPECT_FALSE(IsValidEntryId("has space"));
  EXPECT_FALSE(IsValidEntryId(std::string(129, 'a')));
}

}  // namespace
}  // namespace kefu
