// EntryHash: incremental builds re-analyse exactly the entries whose stored form changed.
#include "kb/content/codec.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kefu {
namespace {

Entry Sample() {
  Entry e;
  e.id = "return-shipping-cost";
  e.locale = Locale::kZhHans;
  e.title = "退货运费谁出？";
  e.questions = {"退货要自己付邮费吗", "运费谁承担"};
  e.body = "质量问题商家承担运费。";
  e.tags = {"退货", "运费"};
  e.category = "returns";
  e.internal_note = "质量问题由商家承担。";
  e.related = {"refund-time"};
  e.updated = "2026-11-01";
  e.source_path = "faq/returns.md";
  e.source_line = 1;
  return e;
}

TEST(EntryHash, EqualContentEqualHashThroughTheStoredForm) {
  Entry e = Sample();
  auto decoded = DecodeEntry(EncodeEntry(e));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(EntryHash(*decoded), EntryHash(e));
}

// Every field the index stores must move the hash, or an edit of it would keep the old document.
// Walking the encoded form catches a field added to the codec but not to EntryHash.
TEST(EntryHash, EveryStoredFieldChangesIt) {
  const Entry e = Sample();
  const uint64_t base = EntryHash(e);
  nlohmann::json stored = nlohmann::json::parse(EncodeEntry(e));
  ASSERT_GE(stored.size(), 14u);
  for (auto& [key, value] : stored.items()) {
    nlohmann::json changed = stored;
    nlohmann::json& v = changed[key];
    if (key == "type") {
      v = "article";
    } else if (key == "locale") {
      v = "zh-Hant";
    } else if (key == "audience") {
      v = "internal";
    } else if (key == "status") {
      v = "draft";
    } else if (v.is_string()) {
      v = v.get<std::string>() + "x";
    } else if (v.is_array()) {
      v.push_back("x");
    } else if (v.is_boolean()) {
      v = !v.get<bool>();
    } else if (v.is_number()) {
      v = v.get<int>() + 1;
    } else {
      ADD_FAILURE() << "field " << key << " of an unexpected kind";
      continue;
    }
    auto decoded = DecodeEntry(changed.dump());
    ASSERT_TRUE(decoded.ok()) << key << ": " << decoded.status().ToString();
    EXPECT_NE(EntryHash(*decoded), base) << "changing " << key << " leaves the hash as it was";
  }
}

// An entry inserted above others in a file moves them down a line: that must not change them.
TEST(EntryHash, WhereTheEntryWasReadFromIsNotPartOfIt) {
  Entry moved = Sample();
  moved.source_path = "faq/all.jsonl";
  moved.source_line = 42;
  EXPECT_EQ(EntryHash(moved), EntryHash(Sample()));
  EXPECT_EQ(EncodeEntry(moved), EncodeEntry(Sample()));
}

TEST(EntryHash, StringsAreDelimited) {
  Entry a = Sample(), b = Sample();
  a.questions = {"退货", "运费"};
  b.questions = {"退货运费"};
  EXPECT_NE(EntryHash(a), EntryHash(b));
  a = Sample();
  b = Sample();
  a.title = "退货运费";
  a.body = "";
  b.title = "退货";
  b.body = "运费";
  EXPECT_NE(EntryHash(a), EntryHash(b));
}

}  // namespace
}  // namespace kefu
