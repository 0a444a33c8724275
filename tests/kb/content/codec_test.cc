// The stored form of entries, and EntryHash: incremental builds re-analyse exactly the entries whose
// stored form changed.
#include "kb/content/codec.h"

#include <functional>
#include <set>
#include <string>

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

void ExpectSameStoredFields(const Entry& a, const Entry& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.locale, b.locale);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.questions, b.questions);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.category, b.category);
  EXPECT_EQ(a.audience, b.audience);
  EXPECT_EQ(a.internal_note, b.internal_note);
  EXPECT_EQ(a.related, b.related);
  EXPECT_EQ(a.escalate, b.escalate);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.updated, b.updated);
}

// Each stored field changed, one at a time (every enum to its last value).
std::vector<std::pair<std::string, Entry>> EachFieldChanged() {
  std::vector<std::pair<std::string, std::function<void(Entry&)>>> edits = {
      {"id", [](Entry& e) { e.id += "x"; }},
      {"type", [](Entry& e) { e.type = EntryType::kArticle; }},
      {"locale", [](Entry& e) { e.locale = Locale::kEn; }},
      {"title", [](Entry& e) { e.title += "x"; }},
      {"questions", [](Entry& e) { e.questions.push_back("x"); }},
      {"body", [](Entry& e) { e.body += "x"; }},
      {"tags", [](Entry& e) { e.tags.push_back("x"); }},
      {"category", [](Entry& e) { e.category += "x"; }},
      {"audience", [](Entry& e) { e.audience = Audience::kInternal; }},
      {"internal_note", [](Entry& e) { e.internal_note += "x"; }},
      {"related", [](Entry& e) { e.related.push_back("x"); }},
      {"escalate", [](Entry& e) { e.escalate = !e.escalate; }},
      {"status", [](Entry& e) { e.status = EntryStatus::kDraft; }},
      {"updated", [](Entry& e) { e.updated += "x"; }},
  };
  std::vector<std::pair<std::string, Entry>> out;
  for (auto& [name, edit] : edits) {
    Entry e = Sample();
    edit(e);
    out.emplace_back(name, std::move(e));
  }
  return out;
}

TEST(EntryCodec, EveryStoredFieldSurvivesTheStoredForm) {
  auto decoded = DecodeEntry(EncodeEntry(Sample()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameStoredFields(*decoded, Sample());
  for (const auto& [name, e] : EachFieldChanged()) {
    SCOPED_TRACE(name);
    auto changed = DecodeEntry(EncodeEntry(e));
    ASSERT_TRUE(changed.ok()) << changed.status().ToString();
    ExpectSameStoredFields(*changed, e);
  }
}

// Damaged document data is an error, whichever byte it ends at, never a read past the end.
TEST(EntryCodec, DamagedDataIsAnError) {
  std::string stored = EncodeEntry(Sample());
  for (size_t size = 0; size < stored.size(); ++size) {
    EXPECT_EQ(DecodeEntry(stored.substr(0, size)).status().code(), StatusCode::kDataLoss) << size;
  }
  EXPECT_EQ(DecodeEntry(stored + "x").status().code(), StatusCode::kDataLoss);
  std::string bad_type = stored;
  bad_type[2 + Sample().id.size()] = 7;  // after the format byte, the id's length and the id
  EXPECT_EQ(DecodeEntry(bad_type).status().code(), StatusCode::kDataLoss);
}

// A card keeps what a hit shows, exactly, for every entry the edits make; an entry's stored form is
// not a card, nor the reverse, and a damaged card is an error wherever it ends.
TEST(EntryCard, KeepsWhatAHitShows) {
  const std::string spans("\x03" "abc" "\x02" "\0" "\x03", 7);  // opaque to the codec, zero bytes included
  for (const auto& [name, e] : EachFieldChanged()) {
    SCOPED_TRACE(name);
    auto card = DecodeEntryCard(EncodeEntryCard(e, "plain " + e.body, spans));
    ASSERT_TRUE(card.ok()) << card.status().ToString();
    EXPECT_EQ(card->id, e.id);
    EXPECT_EQ(card->type, e.type);
    EXPECT_EQ(card->locale, e.locale);
    EXPECT_EQ(card->title, e.title);
    EXPECT_EQ(card->category, e.category);
    EXPECT_EQ(card->audience, e.audience);
    EXPECT_EQ(card->escalate, e.escalate);
    EXPECT_EQ(card->plain_body, "plain " + e.body);
    EXPECT_EQ(card->spans, spans);
  }
  std::string stored = EncodeEntryCard(Sample(), "质量问题商家承担运费。", spans);
  EXPECT_EQ(DecodeEntryCard(EncodeEntry(Sample())).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeEntry(stored).status().code(), StatusCode::kDataLoss);
  for (size_t size = 0; size < stored.size(); ++size) {
    EXPECT_EQ(DecodeEntryCard(stored.substr(0, size)).status().code(), StatusCode::kDataLoss) << size;
  }
  EXPECT_EQ(DecodeEntryCard(stored + "x").status().code(), StatusCode::kDataLoss);
}

// Generations of layout 5 and older stored entries as JSON; a server upgraded before its index
// reads them until the next build.
TEST(EntryCodec, ReadsTheJsonOfOlderLayouts) {
  Entry e = Sample();
  nlohmann::json old = {{"id", e.id},       {"type", "faq"},          {"locale", "zh-Hans"},
                        {"title", e.title}, {"questions", e.questions}, {"body", e.body},
                        {"tags", e.tags},   {"category", e.category}, {"audience", "public"},
                        {"internal_note", e.internal_note},           {"related", e.related},
                        {"escalate", false}, {"status", "published"}, {"updated", e.updated}};
  auto decoded = DecodeEntry(old.dump());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameStoredFields(*decoded, e);
  EXPECT_EQ(DecodeEntry("{\"id\": 3}").status().code(), StatusCode::kDataLoss);
}

// Every field the index stores must move the hash, or an edit of it would keep the old document.
TEST(EntryHash, EveryStoredFieldChangesIt) {
  const uint64_t base = EntryHash(Sample());
  for (const auto& [name, e] : EachFieldChanged()) {
    EXPECT_NE(EntryHash(e), base) << "changing " << name << " leaves the hash as it was";
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

// StableHash reads eight bytes a step and the rest one by one: a change to any single bit, in a
// whole word or in the tail, changes the hash, and equal input hashes equally.
TEST(StableHash, EveryBitOfWordsAndTailCounts) {
  const std::string base = "0123456789abcdefghijklmnopqrstuvwxyz-\xE9\x80\x80";  // 5 words and a tail
  auto hash = [](const std::string& s) {
    StableHash h;
    h.Add(s);
    return h.value();
  };
  std::set<uint64_t> seen = {hash(base)};
  EXPECT_EQ(hash(base), hash(std::string(base)));
  for (size_t i = 0; i < base.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string changed = base;
      changed[i] = static_cast<char>(changed[i] ^ (1 << bit));
      EXPECT_TRUE(seen.insert(hash(changed)).second) << "byte " << i << " bit " << bit;
    }
  }
  EXPECT_TRUE(seen.insert(hash(base.substr(0, base.size() - 1))).second);  // one byte shorter
}

// Stored hashes are compared across versions (an update re-analyses every entry whose stored hash
// differs): these values were computed with an independent implementation of the algorithm.
TEST(StableHash, KeepsItsValuesAcrossVersions) {
  StableHash one;
  one.Add("退货运费谁承担? refund");
  EXPECT_EQ(one.value(), 0x546d2c09efeaae08ULL);
  StableHash two;
  two.Add("a");
  two.Add("0123456789abcdef!");
  EXPECT_EQ(two.value(), 0x4da27c063eb62b68ULL);
}

// A string given in two pieces, split anywhere, hashes as the whole: the pieces' bytes continue
// each other's words.
TEST(StableHash, PiecesHashAsTheWhole) {
  const std::string text = "0123456789abcdefghijklmnopqrstu\xE9\x80\x80";
  StableHash whole;
  whole.Add(text);
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    for (size_t cut2 = cut; cut2 <= text.size(); cut2 += 3) {
      StableHash pieces;
      pieces.StartString(text.size());
      pieces.Append(std::string_view(text).substr(0, cut));
      pieces.Append(std::string_view(text).substr(cut, cut2 - cut));
      pieces.Append(std::string_view(text).substr(cut2));
      pieces.FinishString();
      EXPECT_EQ(pieces.value(), whole.value()) << "cut at " << cut << " and " << cut2;
    }
  }
}

// EntryHash hashes while encoding, without the stored form; it must equal the hash of that form, or
// every entry would look changed to the update after a build that stored the other one. Fields of
// every length from 0 to 17 bytes put the field boundaries at every offset within a word.
TEST(EntryHash, IsTheHashOfTheStoredForm) {
  for (const auto& [name, changed] : EachFieldChanged()) {
    EXPECT_EQ(EntryHash(changed), StoredEntryHash(EncodeEntry(changed))) << name;
  }
  for (size_t n = 0; n <= 17; ++n) {
    Entry e = Sample();
    e.id = std::string(n, 'i');
    e.title = std::string(17 - n, 't');
    e.questions = {std::string(n, 'q'), std::string((n * 5) % 18, 'r')};
    e.body = std::string(n * 7, 'b');
    e.internal_note = std::string(n % 3, 'n');
    EXPECT_EQ(EntryHash(e), StoredEntryHash(EncodeEntry(e))) << "lengths from " << n;
  }
}

}  // namespace
}  // namespace kefu
