// Index generations and search over the real content/ through the KnowledgeBase facade.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <xapian.h>

#include "kb/answer/confidence.h"
#include "kb/content/loader.h"
#include "kb/knowledge_base.h"
#include "kb/log.h"
#include "kb/search/generation.h"
#include "kb/search/index_writer.h"
#include "tests/testing/temp_dir.h"

namespace kefu {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

const std::string kContent = std::string(KEFU_SOURCE_DIR) + "/content";

std::vector<Entry> LoadRealContent() {
  LoadResult r = LoadContentDir(kContent);
  EXPECT_EQ(r.error_count(), 0);
  return r.entries;
}

std::vector<std::string> Ids(const SearchResult& r);

class IndexTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    IndexBuildOptions options;
    options.index_dir = dir_->path();
    auto stats = BuildIndex(LoadRealContent(), options);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    KnowledgeBaseOptions kb_options;
    kb_options.index_dir = dir_->path();
    auto kb = KnowledgeBase::Open(kb_options);
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    kb_ = std::move(kb).value().release();
  }
  static void TearDownTestSuite() {
    delete kb_;
    delete dir_;
  }
  static SearchResult Search(const std::string& q, std::optional<Locale> locale,
                             Audience audience = Audience::kPublic) {
    SearchRequest request;
    request.query = q;
    request.locale = locale;
    request.audience = audience;
    auto result = kb_->Search(request);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : SearchResult{};
  }
  static TempDir* dir_;
  static KnowledgeBase* kb_;
};

TempDir* IndexTest::dir_ = nullptr;
KnowledgeBase* IndexTest::kb_ = nullptr;

TEST_F(IndexTest, FindsReturnShippingInEveryLocale) {
  SearchResult hans = Search("退货运费谁承担", Locale::kZhHans);
  ASSERT_FALSE(hans.hits.empty());
  EXPECT_EQ(hans.hits[0].id, "return-shipping-cost");
  EXPECT_EQ(hans.hits[0].locale, Locale::kZhHans);
  EXPECT_FALSE(hans.hits[0].converted);
  EXPECT_NE(hans.hits[0].snippet.find("<mark>"), std::string::npos);

  SearchResult hant = Search("退货运费谁承担", Locale::kZhHant);  // Simplified question, Taiwan site
  ASSERT_FALSE(hant.hits.empty());
  EXPECT_EQ(hant.hits[0].id, "return-shipping-cost");
  EXPECT_EQ(hant.hits[0].locale, Locale::kZhHant);
  EXPECT_FALSE(hant.hits[0].converted);

  SearchResult en = Search("who pays for return shipping", std::nullopt);
  EXPECT_EQ(en.locale, Locale::kEn);
  ASSERT_FALSE(en.hits.empty());
  EXPECT_EQ(en.hits[0].id, "return-shipping-cost");
}

TEST_F(IndexTest, DetectsTheLocaleOfTheQuestion) {
  EXPECT_EQ(Search("退貨運費誰付", std::nullopt).locale, Locale::kZhHant);
  EXPECT_EQ(Search("退货运费谁付", std::nullopt).locale, Locale::kZhHans);
  EXPECT_EQ(Search("refund", std::nullopt).locale, Locale::kEn);
}

TEST_F(IndexTest, AnswersTaiwanQuestionsFromSimplifiedOnlyEntriesMarkedConverted) {
  SearchResult r = Search("軟體下載安裝", Locale::kZhHant);
  ASSERT_FALSE(r.hits.empty());
  EXPECT_EQ(r.hits[0].id, "app-install");
  EXPECT_EQ(r.hits[0].locale, Locale::kZhHans);
  EXPECT_TRUE(r.hits[0].converted);
  auto original = kb_->GetEntry("app-install", Locale::kZhHans, Audience::kPublic);
  ASSERT_TRUE(original.ok());
  EXPECT_NE(r.hits[0].title, original->entry.title);  // shown in Traditional script
}

// What a hit shows is kept per entry, question and site (Searcher::Shown): asking again shows the
// same, another question marks its own words, and the Simplified site shows the entry as written.
TEST_F(IndexTest, HitsShowEachQuestionsOwnMarksInTheSitesScript) {
  auto app_install = [](const SearchResult& r) {
    auto it = std::find_if(r.hits.begin(), r.hits.end(), [](const SearchHit& h) { return h.id == "app-install"; });
    return it == r.hits.end() ? SearchHit{} : *it;
  };
  SearchHit first = app_install(Search("軟體下載", Locale::kZhHant));
  SearchHit again = app_install(Search("軟體下載", Locale::kZhHant));
  SearchHit other = app_install(Search("iPhone 怎麼安裝", Locale::kZhHant));
  SearchHit simplified = app_install(Search("軟體下載", Locale::kZhHans));
  ASSERT_EQ(first.id, "app-install");
  ASSERT_EQ(other.id, "app-install");
  ASSERT_EQ(simplified.id, "app-install");
  EXPECT_EQ(again.title, first.title);
  EXPECT_EQ(again.snippet, first.snippet);
  EXPECT_NE(first.snippet.find("<mark>下載</mark>"), std::string::npos) << first.snippet;
  EXPECT_EQ(other.snippet.find("<mark>下載</mark>"), std::string::npos) << other.snippet;
  EXPECT_NE(other.snippet.find("<mark>iPhone</mark>"), std::string::npos) << other.snippet;
  EXPECT_EQ(first.title, "怎麼下載安裝客服商城 App？");
  EXPECT_EQ(simplified.title, "怎么下载安装客服商城 App？");
  EXPECT_FALSE(simplified.converted);
  EXPECT_NE(simplified.snippet.find("<mark>下载</mark>"), std::string::npos) << simplified.snippet;
}

// The bot's searches show no snippets, so the cards they read keep no bodies: a later search with
// snippets for the same entries reads the body again and marks it, and each hit's title and
// category are the same either way.
TEST_F(IndexTest, HitsFirstFoundWithoutSnippetsGetTheirSnippetsLater) {
  KnowledgeBaseOptions options;
  options.index_dir = dir_->path();
  auto fresh = KnowledgeBase::Open(options);  // nothing shown yet
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  SearchRequest request;
  request.query = "退货运费谁出";
  request.locale = Locale::kZhHans;
  request.snippets = false;
  auto bare = (*fresh)->Search(request);
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  ASSERT_FALSE(bare->hits.empty());
  EXPECT_TRUE(bare->hits[0].snippet.empty());
  request.snippets = true;
  auto shown = (*fresh)->Search(request);
  ASSERT_TRUE(shown.ok()) << shown.status().ToString();
  ASSERT_EQ(Ids(*shown), Ids(*bare));
  for (size_t i = 0; i < shown->hits.size(); ++i) {
    EXPECT_EQ(shown->hits[i].title, bare->hits[i].title);
    EXPECT_EQ(shown->hits[i].category, bare->hits[i].category);
  }
  EXPECT_EQ(shown->hits[0].id, "return-shipping-cost");
  EXPECT_NE(shown->hits[0].snippet.find("<mark>退货运费</mark>"), std::string::npos) << shown->hits[0].snippet;
}

TEST_F(IndexTest, PublicSearchNeverReturnsInternalEntries) {
  for (const char* q : {"escalation tiers", "angry customer", "standard replies", "升级 层级", "品質檢查"}) {
    for (const SearchHit& hit : Search(q, std::nullopt).hits) {
      EXPECT_EQ(hit.id.rfind("internal-", 0), std::string::npos) << q;
    }
  }
  SearchResult agent = Search("escalation tiers", Locale::kEn, Audience::kInternal);
  ASSERT_FALSE(agent.hits.empty());
  EXPECT_EQ(agent.hits[0].id, "internal-escalation-tiers");
}

// Searches keep the candidates of recent questions (Searcher::Search): a question asked again must
// not get the answer of one that differs in anything the ranking reads.
TEST_F(IndexTest, RepeatedQuestionsGetTheirOwnAnswers) {
  KnowledgeBaseOptions options;
  options.index_dir = dir_->path();
  auto asked = KnowledgeBase::Open(options);  // asked the questions before, in other ways
  auto fresh = KnowledgeBase::Open(options);
  ASSERT_TRUE(asked.ok() && fresh.ok());
  auto search = [](KnowledgeBase& kb, const std::string& q, Audience audience, int limit) {
    SearchRequest request;
    request.query = q;
    request.locale = Locale::kEn;
    request.audience = audience;
    request.limit = limit;
    auto r = kb.Search(request);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Ids(*r) : std::vector<std::string>{};
  };
  std::vector<std::string> agent = search(**asked, "refund exceptions", Audience::kInternal, 3);
  ASSERT_FALSE(agent.empty());
  EXPECT_EQ(agent[0], "internal-refund-exceptions");
  std::vector<std::string> customer = search(**asked, "refund exceptions", Audience::kPublic, 3);
  EXPECT_EQ(customer.size(), 3u);
  EXPECT_EQ(customer, search(**fresh, "refund exceptions", Audience::kPublic, 3));
  EXPECT_EQ(search(**asked, "return shipping", Audience::kPublic, 1).size(), 1u);
  std::vector<std::string> five = search(**asked, "return shipping", Audience::kPublic, 5);
  EXPECT_EQ(five.size(), 5u);
  EXPECT_EQ(five, search(**fresh, "return shipping", Audience::kPublic, 5));
}

TEST_F(IndexTest, EntriesHideDraftsInternalEntriesAndNotes) {
  EXPECT_EQ(kb_->GetEntry("draft-gift-wrapping", Locale::kEn, Audience::kInternal).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(kb_->GetEntry("internal-escalation-tiers", Locale::kEn, Audience::kPublic).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(kb_->GetEntry("internal-escalation-tiers", Locale::kEn, Audience::kInternal).ok());
  // Some public entry has an internal note: agents see it, customers never.
  bool found_note = false;
  for (const Entry& e : LoadRealContent()) {
    if (e.internal_note.empty() || e.audience != Audience::kPublic || e.status != EntryStatus::kPublished) {
      continue;
    }
    found_note = true;
    auto pub = kb_->GetEntry(e.id, e.locale, Audience::kPublic);
    ASSERT_TRUE(pub.ok());
    EXPECT_TRUE(pub->entry.internal_note.empty());
    auto agent = kb_->GetEntry(e.id, e.locale, Audience::kInternal);
    ASSERT_TRUE(agent.ok());
    EXPECT_EQ(agent->entry.internal_note, e.internal_note);
  }
  EXPECT_TRUE(found_note);
}

TEST_F(IndexTest, ResolvesRelatedEntriesAndTheOtherScript) {
  auto e = kb_->GetEntry("return-shipping-cost", Locale::kZhHant, Audience::kPublic);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->entry.locale, Locale::kZhHant);
  EXPECT_EQ(e->related.size(), e->entry.related.size());
  auto converted = kb_->GetEntry("app-install", Locale::kZhHant, Audience::kPublic);
  ASSERT_TRUE(converted.ok());
  EXPECT_TRUE(converted->converted);
  // Shown in the reader's script: the zh-Hans entry's 下载/安装 read 下載/安裝 on the Taiwan site.
  const Entry original = kb_->GetEntry("app-install", Locale::kZhHans, Audience::kPublic)->entry;
  EXPECT_NE(original.title.find("下载"), std::string::npos) << original.title;
  EXPECT_NE(converted->entry.title.find("下載"), std::string::npos) << converted->entry.title;
  EXPECT_EQ(converted->entry.body.find("下载"), std::string::npos) << converted->entry.body;
  EXPECT_EQ(converted->entry.questions.size(), original.questions.size());
  EXPECT_EQ(kb_->GetEntry("app-install", Locale::kEn, Audience::kPublic)->entry.locale, Locale::kEn);
  EXPECT_EQ(kb_->GetEntry("no-such-entry", std::nullopt, Audience::kPublic).status().code(),
            StatusCode::kNotFound);
}

TEST_F(IndexTest, RejectsBadRequests) {
  SearchRequest r;
  r.query = "refund";
  r.limit = 0;
  EXPECT_EQ(kb_->Search(r).status().code(), StatusCode::kInvalidArgument);
  r.limit = 51;
  EXPECT_EQ(kb_->Search(r).status().code(), StatusCode::kInvalidArgument);
  r.limit = 10;
  r.query = "？！。";
  EXPECT_EQ(kb_->Search(r).status().code(), StatusCode::kInvalidArgument);
}

Entry MakeEntry(const std::string& id, const std::string& title) {
  Entry e;
  e.id = id;
  e.locale = Locale::kEn;
  e.title = title;
  e.body = "Answer for " + title;
  return e;
}

KnowledgeBaseOptions OptionsFor(const TempDir& dir) {
  KnowledgeBaseOptions options;
  options.index_dir = dir.path();
  return options;
}

std::vector<std::string> Ids(const SearchResult& r) {
  std::vector<std::string> ids;
  for (const auto& hit : r.hits) ids.push_back(hit.id);
  return ids;
}

TEST(QueryRules, SynonymsFindEntriesWrittenWithAnotherWord) {
  std::vector<Entry> entries = {MakeEntry("refund-time", "How long does a refund take?"),
                                MakeEntry("cancel", "How do I cancel an order?")};
  SearchRequest request;
  request.query = "money back";
  for (bool with_synonyms : {false, true}) {
    TempDir dir;
    IndexBuildOptions options;
    options.index_dir = dir.path();
    if (with_synonyms) options.analysis.synonyms = "refund, money back, reimbursement\n";
    ASSERT_TRUE(BuildIndex(entries, options).ok());
    auto kb = KnowledgeBase::Open(OptionsFor(dir));
    ASSERT_TRUE(kb.ok());
    auto r = (*kb)->Search(request);
    ASSERT_TRUE(r.ok());
    bool found = !r->hits.empty() && r->hits[0].id == "refund-time";
    EXPECT_EQ(found, with_synonyms) << ::testing::PrintToString(Ids(*r));
  }
}

TEST(QueryRules, PinnedQuestionsAnswerWithTheirEntryFirst) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  options.analysis.pins = "Talk to a person!\tcontact\n人工客服\tcontact\n";
  ASSERT_TRUE(BuildIndex({MakeEntry("contact", "How do I contact customer service?"),
                          MakeEntry("person", "Can I change the person receiving my order?")},
                         options)
                  .ok());
  auto kb = KnowledgeBase::Open(OptionsFor(dir));
  ASSERT_TRUE(kb.ok());
  SearchRequest request;
  request.query = "talk to a PERSON";  // case and punctuation do not matter
  auto r = (*kb)->Search(request);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->hits.empty());
  EXPECT_EQ(r->hits[0].id, "contact");
  EXPECT_TRUE(r->hits[0].pinned);
  EXPECT_DOUBLE_EQ(r->confidence, 1.0);
  std::vector<std::string> ids = Ids(*r);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "contact"), 1);
  request.query = "talk to a person about my order";  // not the pinned question
  r = (*kb)->Search(request);
  ASSERT_TRUE(r.ok());
  for (const auto& hit : r->hits) EXPECT_FALSE(hit.pinned);
}

TEST(QueryRules, EditingSynonymsOrPinsReusesEveryEntryButTheDictionaryDoesNot) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  std::vector<Entry> entries = {MakeEntry("a", "alpha question"), MakeEntry("b", "beta question")};
  ASSERT_TRUE(BuildIndex(entries, options).ok());
  options.analysis.synonyms = "alpha, first\n";
  options.analysis.pins = "first one\ta\n";
  auto edited = BuildIndex(entries, options);
  ASSERT_TRUE(edited.ok());
  EXPECT_EQ(edited->reused, 2);
  EXPECT_EQ(edited->analysed, 0);
  options.analysis.dictionary = "退货\n";
  auto redone = BuildIndex(entries, options);
  ASSERT_TRUE(redone.ok());
  EXPECT_EQ(redone->analysed, 2);
}

// The ids `query` finds (at most `limit`), sorted.
std::vector<std::string> FoundIds(const KnowledgeBaseOptions& options, const std::string& query, int limit = 10) {
  auto kb = KnowledgeBase::Open(options);
  EXPECT_TRUE(kb.ok());
  if (!kb.ok()) return {};
  SearchRequest request;
  request.query = query;
  request.limit = limit;
  auto r = (*kb)->Search(request);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> ids = r.ok() ? Ids(*r) : std::vector<std::string>{};
  std::sort(ids.begin(), ids.end());
  return ids;
}

// A term in most bodies is searched in the questions only, once it is in more bodies than
// body_common_min; below that, as in any small knowledge base, every body term counts.
TEST(Ranking, TermsInMostBodiesAreLeftOutOfTheBodiesOnlyAtScale) {
  std::vector<Entry> entries = {MakeEntry("a", "alpha question"), MakeEntry("b", "beta question"),
                                MakeEntry("c", "gamma question")};
  entries[0].body = "The warranty covers screens.";
  entries[1].body = "The warranty covers batteries.";
  entries[2].body = "Shipping takes two days.";
  TempDir dir;
  IndexBuildOptions build;
  build.index_dir = dir.path();
  ASSERT_TRUE(BuildIndex(entries, build).ok());
  using Names = std::vector<std::string>;
  KnowledgeBaseOptions small = OptionsFor(dir);
  EXPECT_EQ(FoundIds(small, "warranty"), (Names{"a", "b"}));
  KnowledgeBaseOptions scaled = OptionsFor(dir);  // as if "warranty" were in thousands of bodies
  scaled.ranking.body_common_min = 1;
  scaled.ranking.body_common_share = 0.5;  // it is in 2 of 3
  EXPECT_EQ(FoundIds(scaled, "warranty"), Names{});
  EXPECT_EQ(FoundIds(scaled, "warranty batteries"), Names{"b"});
  scaled.ranking.body_common_share = 1;  // every term in the bodies
  EXPECT_EQ(FoundIds(scaled, "warranty"), (Names{"a", "b"}));
}

// A term in more questions than RankingOptions::selective_share allows only scores the documents a
// rarer term of the question finds; a question without a rarer one, or whose rarer terms find too
// few documents for the hits wanted, still finds documents by every term.
TEST(Ranking, CommonTermsOnlyScoreTheDocumentsRarerTermsFind) {
  std::vector<Entry> entries = {MakeEntry("a", "refund delay"), MakeEntry("b", "refund card"),
                                MakeEntry("c", "refund window"), MakeEntry("d", "parcel lost"),
                                MakeEntry("e", "parcel damaged")};
  TempDir dir;
  ASSERT_TRUE(BuildIndex(entries, IndexBuildOptions{.index_dir = dir.path()}).ok());
  using Names = std::vector<std::string>;
  KnowledgeBaseOptions small = OptionsFor(dir);
  EXPECT_EQ(FoundIds(small, "refund parcel lost", 5), (Names{"a", "b", "c", "d", "e"}));
  KnowledgeBaseOptions scaled = OptionsFor(dir);  // as if "refund" were in thousands of questions
  scaled.ranking.selective_min = 0;
  scaled.ranking.selective_share = 0.5;  // "refund" is in 3 of the 5 questions, "parcel" in 2
  // "parcel" and "lost" find the question, aggregate and body documents of d and e: six.
  EXPECT_EQ(FoundIds(scaled, "refund parcel lost", 5), (Names{"d", "e"}));
  EXPECT_EQ(FoundIds(scaled, "refund parcel lost", 10), (Names{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(FoundIds(scaled, "refund", 5), (Names{"a", "b", "c"}));
  scaled.ranking.selective_share = 1;  // every term makes candidates
  EXPECT_EQ(FoundIds(scaled, "refund parcel lost", 5), (Names{"a", "b", "c", "d", "e"}));
}

// Builds `entries` again and expects an update with nothing to publish: `served` stays current.
void ExpectNothingPublished(const std::vector<Entry>& entries, const IndexBuildOptions& options,
                            const std::string& served) {
  auto same = BuildIndex(entries, options);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_TRUE(same->unchanged);
  EXPECT_EQ(same->generation, served);
  EXPECT_EQ(same->reused, static_cast<int64_t>(entries.size()));
  EXPECT_EQ(same->entries, static_cast<int64_t>(entries.size()));
  EXPECT_EQ(*ReadCurrentGeneration(options.index_dir), served);
}

TEST(Generations, SwitchKeepTwoAndReuseUnchangedEntries) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  std::vector<Entry> entries = {MakeEntry("a", "alpha question"), MakeEntry("b", "beta question")};
  auto first = BuildIndex(entries, options);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->generation, "gen-1");
  EXPECT_EQ(first->analysed, 2);

  // Edits that keep the documents' lengths: one that moves their average is a full build
  // (LengthsThatDriftMakeAFullBuild).
  entries[1].body = "Changed answer for beta";
  auto second = BuildIndex(entries, options);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->generation, "gen-2");
  EXPECT_EQ(second->reused, 1);
  EXPECT_EQ(second->analysed, 1);
  EXPECT_EQ(*ReadCurrentGeneration(dir.path()), "gen-2");

  entries[0].body = "Changed answer for alpha";
  auto third = BuildIndex(entries, options);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->reused, 1);
  EXPECT_FALSE(fs::exists(dir.Path("gen-1")));
  EXPECT_TRUE(fs::exists(dir.Path("gen-2")));
  EXPECT_TRUE(fs::exists(dir.Path("gen-3")));

  // The same entries again: nothing to publish, so no generation is made and gen-3 stays.
  ExpectNothingPublished(entries, options, "gen-3");
  EXPECT_FALSE(fs::exists(dir.Path("gen-4")));
  EXPECT_FALSE(fs::exists(dir.Path("gen-4.tmp")));
  EXPECT_TRUE(fs::exists(dir.Path("gen-2"))) << "a build that publishes nothing removed the generation before";
  // A query-side file alone is a change; so is a draft the served generation has published.
  options.analysis.synonyms = "parcel, package\n";
  auto synonyms = BuildIndex(entries, options);
  ASSERT_TRUE(synonyms.ok());
  EXPECT_FALSE(synonyms->unchanged);
  EXPECT_EQ(synonyms->generation, "gen-4");
  entries[1].status = EntryStatus::kDraft;
  auto drafted = BuildIndex(entries, options);
  ASSERT_TRUE(drafted.ok());
  EXPECT_FALSE(drafted->unchanged);
  EXPECT_EQ(drafted->generation, "gen-5");
  // A full build always writes a generation.
  options.incremental = false;
  auto full = BuildIndex(entries, options);
  ASSERT_TRUE(full.ok());
  EXPECT_FALSE(full->unchanged);
  EXPECT_EQ(full->generation, "gen-6");
  options.incremental = true;

  // Reused documents are still searchable.
  KnowledgeBaseOptions kb_options;
  kb_options.index_dir = dir.path();
  auto kb = KnowledgeBase::Open(kb_options);
  ASSERT_TRUE(kb.ok());
  SearchRequest request;
  request.query = "alpha";
  auto r = (*kb)->Search(request);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->hits.empty());
  EXPECT_EQ(r->hits[0].id, "a");
}

TEST(Generations, WithoutClassifiersAnUnchangedUpdateAlsoPublishesNothing) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  options.classifier.enabled = false;
  std::vector<Entry> entries = {MakeEntry("a", "alpha question"), MakeEntry("b", "beta question")};
  ASSERT_TRUE(BuildIndex(entries, options).ok());
  ExpectNothingPublished(entries, options, "gen-1");
  entries[0].body = "Changed answer for alpha";
  auto changed = BuildIndex(entries, options);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->unchanged);
  EXPECT_EQ(changed->generation, "gen-2");
  EXPECT_EQ(changed->reused, 1);
  EXPECT_EQ(changed->analysed, 1);
}

// An update weighs its documents with the average length the generation was baked with (weight.h);
// one whose documents move the average by more than max_length_drift bakes every document anew.
TEST(Generations, LengthsThatDriftMakeAFullBuild) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  std::vector<Entry> entries = {MakeEntry("a", "alpha question"), MakeEntry("b", "beta question")};
  ASSERT_TRUE(BuildIndex(entries, options).ok());
  auto first = ReadGenerationMeta(dir.Path("gen-1"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->length_norm.average_length, first->lengths.Average()) << "every entry measured";

  entries[1].body = "Answer for beta question, now said at much greater length than it was before";
  auto grown = BuildIndex(entries, options);
  ASSERT_TRUE(grown.ok()) << grown.status().ToString();
  EXPECT_EQ(grown->reused, 0);
  EXPECT_EQ(grown->analysed, 2);
  auto second = ReadGenerationMeta(dir.Path(grown->generation));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->length_norm.average_length, second->lengths.Average());
  EXPECT_GT(second->length_norm.average_length, first->length_norm.average_length * 1.1);

  // Within the drift: an update, which keeps the average and counts what it changed.
  entries[1].body += " too";
  auto small = BuildIndex(entries, options);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->reused, 1);
  auto third = ReadGenerationMeta(dir.Path(small->generation));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->length_norm.average_length, second->length_norm.average_length);
  EXPECT_EQ(third->lengths.terms, second->lengths.terms + 1);
  EXPECT_EQ(third->lengths.docs, second->lengths.docs);

  // Removing an entry takes its documents out of the count.
  entries.pop_back();
  options.max_length_drift = 10;
  auto removed = BuildIndex(entries, options);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->reused, 1);
  auto fourth = ReadGenerationMeta(dir.Path(removed->generation));
  ASSERT_TRUE(fourth.ok());
  EXPECT_EQ(fourth->lengths.docs, first->lengths.docs / 2);
  EXPECT_EQ(fourth->lengths.terms, first->lengths.terms / 2);  // "a" as it was first, and both were alike
  EXPECT_EQ(fourth->length_norm.average_length, second->length_norm.average_length);
}

// Scores mean nothing over another layout's wdfs: a generation of another layout is refused, saying so.
TEST(Generations, AGenerationOfAnotherLayoutIsRefused) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  ASSERT_TRUE(BuildIndex({MakeEntry("a", "alpha question")}, options).ok());
  auto meta = ReadGenerationMeta(dir.Path("gen-1"));
  ASSERT_TRUE(meta.ok());
  meta->layout_version -= 1;
  ASSERT_TRUE(WriteGenerationMeta(dir.Path("gen-1"), *meta, ContentConfig()).ok());
  auto kb = KnowledgeBase::Open(OptionsFor(dir));
  ASSERT_FALSE(kb.ok());
  EXPECT_EQ(kb.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(kb.status().message().find("rebuild"), std::string::npos) << kb.status().ToString();
  // The indexer rebuilds it whole.
  auto rebuilt = BuildIndex({MakeEntry("a", "alpha question")}, options);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(rebuilt->reused, 0);
  EXPECT_TRUE(KnowledgeBase::Open(OptionsFor(dir)).ok());
}

TEST(Generations, AnEntryInsertedAboveOthersReusesThem) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  std::vector<Entry> entries = {MakeEntry("a", "alpha question"), MakeEntry("b", "beta question")};
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].source_path = "faq.jsonl";
    entries[i].source_line = static_cast<int>(i) + 1;
  }
  ASSERT_TRUE(BuildIndex(entries, options).ok());
  entries.insert(entries.begin(), MakeEntry("c", "gamma question"));
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].source_path = "faq.jsonl";
    entries[i].source_line = static_cast<int>(i) + 1;
  }
  auto inserted = BuildIndex(entries, options);
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  EXPECT_EQ(inserted->analysed, 1);
  EXPECT_EQ(inserted->reused, 2);
}

// The ids a fresh KnowledgeBase over `dir` answers `query` with.
std::vector<std::string> IdsFor(const TempDir& dir, const std::string& query) {
  auto kb = KnowledgeBase::Open(OptionsFor(dir));
  EXPECT_TRUE(kb.ok());
  if (!kb.ok()) return {};
  SearchRequest request;
  request.query = query;
  auto r = (*kb)->Search(request);
  EXPECT_TRUE(r.ok());
  return r.ok() ? Ids(*r) : std::vector<std::string>{};
}

TEST(Generations, IncrementalBuildsUpdateRemoveAndAddEntries) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  ASSERT_TRUE(BuildIndex({MakeEntry("a", "alpha question"), MakeEntry("b", "beta question")}, options).ok());
  auto changed = BuildIndex({MakeEntry("a", "alpha question"), MakeEntry("b", "gamma question")}, options);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->reused, 1);
  EXPECT_TRUE(IdsFor(dir, "beta").empty());  // the old text is gone
  EXPECT_EQ(IdsFor(dir, "gamma"), std::vector<std::string>{"b"});
  auto removed = BuildIndex({MakeEntry("a", "alpha question"), MakeEntry("c", "delta question")}, options);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(IdsFor(dir, "gamma").empty());
  EXPECT_EQ(IdsFor(dir, "delta"), std::vector<std::string>{"c"});
  EXPECT_EQ(IdsFor(dir, "alpha"), std::vector<std::string>{"a"});
  auto kb = KnowledgeBase::Open(OptionsFor(dir));
  ASSERT_TRUE(kb.ok());
  EXPECT_EQ((*kb)->entry_count(), 2);
  // Equal scores are broken by id, whatever numbers the ids got.
  ASSERT_TRUE(BuildIndex({MakeEntry("a", "alpha question"), MakeEntry("c", "delta question"),
                          MakeEntry("0", "delta question")},
                         options)
                  .ok());
  EXPECT_EQ(IdsFor(dir, "delta"), (std::vector<std::string>{"0", "c"}));
}

// An update finds the entries it drops by counting the previous generation's entries it kept: an
// entry turned draft (still loaded, so the count of entries alone does not change) must leave.
TEST(Generations, AnEntryTurnedDraftLeavesTheIndexAndReturnsWhenPublished) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  Entry draft = MakeEntry("b", "beta question");
  draft.status = EntryStatus::kDraft;
  ASSERT_TRUE(BuildIndex({MakeEntry("a", "alpha question"), MakeEntry("b", "beta question")}, options).ok());
  auto drafted = BuildIndex({MakeEntry("a", "alpha question"), draft}, options);
  ASSERT_TRUE(drafted.ok());
  EXPECT_EQ(drafted->reused, 1);
  EXPECT_EQ(drafted->skipped_drafts, 1);
  EXPECT_EQ(drafted->entries, 1);
  EXPECT_TRUE(IdsFor(dir, "beta").empty());
  EXPECT_EQ(IdsFor(dir, "alpha"), std::vector<std::string>{"a"});
  auto published = BuildIndex({MakeEntry("a", "alpha question"), MakeEntry("b", "beta question")}, options);
  ASSERT_TRUE(published.ok());
  EXPECT_EQ(published->reused, 1);
  EXPECT_EQ(published->analysed, 1);
  EXPECT_EQ(IdsFor(dir, "beta"), std::vector<std::string>{"b"});
  EXPECT_EQ(published->by_locale, (std::map<std::string, int64_t>{{"en", 2}}));
}

// Every document of a generation as text (docid, length, data, values, terms with wdf and
// positions), the statistics ranking reads (document count and lengths, each term's frequencies),
// and its classifier files' bytes.
std::string DumpGeneration(const fs::path& gen_dir) {
  std::ostringstream out;
  Xapian::Database db((gen_dir / kGenerationDb).string());
  out << "docs " << db.get_doccount() << " last " << db.get_lastdocid() << " avlength " << db.get_avlength()
      << " doclength " << db.get_doclength_lower_bound() << "-" << db.get_doclength_upper_bound() << "\n";
  for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) {
    out << "term " << *t << " " << t.get_termfreq() << " " << db.get_collection_freq(*t) << " "
        << db.get_wdf_upper_bound(*t) << "\n";
  }
  for (auto d = db.postlist_begin(""); d != db.postlist_end(""); ++d) {
    Xapian::Document doc = db.get_document(*d);
    out << "doc " << *d << " length " << db.get_doclength(*d) << " data " << doc.get_data() << "\n";
    for (auto v = doc.values_begin(); v != doc.values_end(); ++v) out << " value " << v.get_valueno() << " " << *v;
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
      out << "\n " << *t << " wdf " << t.get_wdf() << " at";
      for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) out << " " << *p;
    }
    out << "\n";
  }
  for (const char* file : {kEnglishClassifierFile, kChineseClassifierFile}) {
    std::ifstream in(gen_dir / file, std::ios::binary);
    out << file << (in ? "\n" + std::string(std::istreambuf_iterator<char>(in), {}) : " absent\n");
  }
  return out.str();
}

std::string DumpCurrentGeneration(const TempDir& dir) {
  auto gen = ReadCurrentGeneration(dir.path());
  EXPECT_TRUE(gen.ok());
  return gen.ok() ? DumpGeneration(fs::path(dir.path()) / *gen) : "";
}

TEST(Generations, AnyNumberOfAnalysisWorkersBuildsTheSameIndexAndClassifiers) {
  // The real content (drafts, internal entries, both scripts) and more entries than the workers'
  // window, built afresh and then updated (one entry edited, one removed, one added).
  std::vector<Entry> entries = LoadRealContent();
  const size_t bulk = entries.size();
  for (int i = 0; i < 300; ++i) {
    entries.push_back(MakeEntry("bulk-" + std::to_string(i), "bulk question " + std::to_string(i)));
  }
  std::vector<Entry> updated = entries;
  updated[bulk + 5].body += " edited";
  updated.erase(updated.begin() + static_cast<std::ptrdiff_t>(bulk + 1));
  updated.push_back(MakeEntry("added", "a new question"));
  std::vector<std::string> dumps[2];
  for (int workers : {1, 3}) {
    TempDir dir;
    IndexBuildOptions options;
    options.index_dir = dir.path();
    options.workers = workers;
    options.classifier.min_phrasings = 0;  // both groups train
    auto full = BuildIndex(entries, options);
    ASSERT_TRUE(full.ok()) << full.status().ToString();
    dumps[0].push_back(DumpCurrentGeneration(dir));
    auto update = BuildIndex(updated, options);
    ASSERT_TRUE(update.ok()) << update.status().ToString();
    EXPECT_EQ(update->analysed, 2);
    dumps[1].push_back(DumpCurrentGeneration(dir));
  }
  for (const auto& dump : dumps) {
    EXPECT_GT(dump[0].size(), 100'000u);
    EXPECT_TRUE(dump[0] == dump[1]) << "the index differs with 1 and 3 workers";
  }
}

// A full build writes a shard per worker and merges them: also with more workers than entries,
// shards of drafts only, or nothing published, and no shard is left in the generation.
TEST(Generations, FullBuildsMergeTheirShardsWhateverTheyHold) {
  Entry draft_a = MakeEntry("a", "alpha question"), draft_c = MakeEntry("c", "gamma question");
  draft_a.status = draft_c.status = EntryStatus::kDraft;
  struct Case {
    std::vector<Entry> entries;
    std::vector<std::string> beta;  // what "beta" finds
  };
  for (const Case& c : {Case{{draft_a, MakeEntry("b", "beta question"), draft_c}, {"b"}}, Case{{draft_a, draft_c}, {}}}) {
    TempDir dir;
    IndexBuildOptions options;
    options.index_dir = dir.path();
    options.workers = 5;
    auto built = BuildIndex(c.entries, options);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    EXPECT_EQ(built->skipped_drafts, 2);
    EXPECT_EQ(built->entries, static_cast<int64_t>(c.beta.size()));
    EXPECT_EQ(IdsFor(dir, "beta"), c.beta);
    EXPECT_TRUE(IdsFor(dir, "alpha").empty());
    auto gen = ReadCurrentGeneration(dir.path());
    ASSERT_TRUE(gen.ok());
    for (const auto& item : fs::directory_iterator(fs::path(dir.path()) / *gen)) {
      EXPECT_EQ(item.path().filename().string().rfind("shard-", 0), std::string::npos) << item.path();
    }
  }
}

// Updates share the previous generation's tables instead of copying them (index_writer.h): the
// previous generation must stay whole through the update and the one after it, and a server left
// on an older one must move to the current one rather than fail.
TEST(Generations, UpdatesShareTablesAndKeepThePreviousGenerationWhole) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  std::vector<Entry> entries = LoadRealContent();
  for (int i = 0; i < 400; ++i) {
    entries.push_back(MakeEntry("bulk-" + std::to_string(i), "bulk question number " + std::to_string(i)));
    entries.back().body = "first wording of answer " + std::to_string(i);
  }
  ASSERT_TRUE(BuildIndex(entries, options).ok());
  KnowledgeBaseOptions lagging = OptionsFor(dir);
  lagging.reload_check_ms = 3'600'000;  // never looks for new generations by itself
  auto server = KnowledgeBase::Open(lagging);
  ASSERT_TRUE(server.ok());
  const std::string gen1 = DumpGeneration(dir.Path("gen-1"));

  // Every bulk body rewritten: the update writes far more blocks than the tables' free ones.
  auto rewrite = [&](const std::string& wording) {
    for (size_t i = entries.size() - 400; i < entries.size(); ++i) {
      entries[i].body = wording + " wording of answer " + std::to_string(i);
    }
    auto stats = BuildIndex(entries, options);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    EXPECT_EQ(stats->analysed, 400);
  };
  // Xapian commits by itself every XAPIAN_FLUSH_THRESHOLD documents (10,000 by default); an update
  // that committed more than once would overwrite the generation it shares tables with.
  ASSERT_EQ(setenv("XAPIAN_FLUSH_THRESHOLD", "100", 1), 0);
  rewrite("second");
  unsetenv("XAPIAN_FLUSH_THRESHOLD");
  struct stat a {}, b {};
  ASSERT_EQ(stat(dir.Path("gen-1/xapian/postlist.glass").c_str(), &a), 0);
  ASSERT_EQ(stat(dir.Path("gen-2/xapian/postlist.glass").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "the update copied the tables";
  EXPECT_TRUE(DumpGeneration(dir.Path("gen-1")) == gen1) << "the update changed the previous generation";
  const std::string gen2 = DumpGeneration(dir.Path("gen-2"));

  rewrite("third");
  EXPECT_FALSE(fs::exists(dir.Path("gen-1")));
  EXPECT_TRUE(DumpGeneration(dir.Path("gen-2")) == gen2) << "the next update changed the previous generation";

  // The server still reads gen-1, whose blocks the third build was free to reuse.
  SearchRequest request;
  request.query = "third wording of answer";
  auto r = (*server)->Search(request);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->hits.empty());
  EXPECT_EQ(r->hits[0].id.rfind("bulk-", 0), 0u);
  EXPECT_EQ((*server)->generation(), "gen-3");
}

TEST(Generations, AServingKnowledgeBaseFollowsNewGenerations) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  ASSERT_TRUE(BuildIndex({MakeEntry("a", "alpha question")}, options).ok());
  KnowledgeBaseOptions kb_options;
  kb_options.index_dir = dir.path();
  kb_options.reload_check_ms = 0;
  auto kb = KnowledgeBase::Open(kb_options);
  ASSERT_TRUE(kb.ok());
  SearchRequest request;
  request.query = "zanzibar";
  EXPECT_TRUE((*kb)->Search(request)->hits.empty());
  ASSERT_TRUE(BuildIndex({MakeEntry("a", "alpha question"), MakeEntry("z", "zanzibar delivery")}, options).ok());
  auto r = (*kb)->Search(request);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->hits.size(), 1u);
  EXPECT_EQ(r->hits[0].id, "z");
  EXPECT_EQ((*kb)->generation(), "gen-2");
}

// Searches on several threads that notice a new generation at once open it once between them; the
// others go on with the served one meanwhile. Four generations, each met by a burst of searches.
TEST(Generations, SearchesThatNoticeANewGenerationTogetherOpenItOnce) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  std::vector<Entry> entries = LoadRealContent();
  ASSERT_TRUE(BuildIndex(entries, options).ok());
  KnowledgeBaseOptions kb_options;
  kb_options.index_dir = dir.path();
  kb_options.reload_check_ms = 0;
  auto kb = KnowledgeBase::Open(kb_options);
  ASSERT_TRUE(kb.ok());
  std::mutex mu;
  std::map<std::string, int> opens;  // generation -> times opened
  SetLogSink([&](LogLevel, std::string_view line) {
    size_t at = line.find("switched to index generation=");
    if (at == std::string_view::npos) return;
    std::string_view rest = line.substr(at + std::string_view("switched to index generation=").size());
    std::lock_guard<std::mutex> lock(mu);
    ++opens[std::string(rest.substr(0, rest.find(' ')))];
  });
  for (int round = 0; round < 4; ++round) {
    entries[0].body += " zanzibar";
    ASSERT_TRUE(BuildIndex(entries, options).ok());
    std::atomic<bool> go{false};
    std::vector<std::thread> searchers;
    for (int t = 0; t < 8; ++t) {
      searchers.emplace_back([&kb, &go]() {
        SearchRequest request;
        request.query = "zanzibar";
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < 10; ++i) EXPECT_TRUE((*kb)->Search(request).ok());
      });
    }
    go = true;  // all at once, as a busy server's searches right after a build
    for (std::thread& t : searchers) t.join();
  }
  SetLogSink(nullptr);
  EXPECT_EQ(opens, (std::map<std::string, int>{{"gen-2", 1}, {"gen-3", 1}, {"gen-4", 1}, {"gen-5", 1}}));
  EXPECT_EQ((*kb)->generation(), "gen-5");
}

TEST(Generations, ABuildThatCannotRunLeavesCurrentUntouched) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  ASSERT_TRUE(BuildIndex({MakeEntry("a", "alpha question")}, options).ok());
  int fd = open(dir.Path(".lock").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX), 0);  // another build is running
  auto blocked = BuildIndex({MakeEntry("b", "beta")}, options);
  close(fd);
  EXPECT_EQ(blocked.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*ReadCurrentGeneration(dir.path()), "gen-1");
  // A half-built generation left by a killed build is ignored and cleaned up by the next build.
  fs::create_directories(dir.Path("gen-7.tmp/xapian"));
  auto next = BuildIndex({MakeEntry("b", "beta")}, options);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->generation, "gen-2");
  EXPECT_FALSE(fs::exists(dir.Path("gen-7.tmp")));
}

// The classifier is on by default but trained only for a language group whose entries have enough
// phrasings (classifier.h, the gate); the classifier-aware confidence serves only those groups.
Entry PhrasedEntry(const std::string& id, Locale locale, const std::string& topic, int questions) {
  Entry e;
  e.id = id;
  e.locale = locale;
  e.title = locale == Locale::kEn ? "how do I " + topic : topic + "怎么办";
  for (int i = 0; i < questions; ++i) {
    e.questions.push_back(locale == Locale::kEn ? "question " + std::to_string(i) + " about " + topic
                                                : "关于" + topic + "的问题" + std::to_string(i));
  }
  e.body = "Answer for " + topic;
  return e;
}

bool HasFile(const TempDir& dir, const char* file) {
  auto gen = ReadCurrentGeneration(dir.path());
  return gen.ok() && fs::exists(fs::path(dir.path()) / *gen / file);
}

TEST(ClassifierGate, ShippedContentTrainsNoClassifierAndKeepsTheLexicalConfidence) {
  EXPECT_TRUE(ClassifierOptions().enabled);
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  ASSERT_TRUE(BuildIndex(LoadRealContent(), options).ok());
  EXPECT_FALSE(HasFile(dir, kEnglishClassifierFile));
  EXPECT_FALSE(HasFile(dir, kChineseClassifierFile));
  auto kb = KnowledgeBase::Open(OptionsFor(dir));
  ASSERT_TRUE(kb.ok());
  for (const char* q : {"refund", "退款多久"}) {
    SearchRequest request;
    request.query = q;
    auto r = (*kb)->Search(request);
    ASSERT_TRUE(r.ok());
    ASSERT_FALSE(r->hits.empty()) << q;
    EXPECT_EQ(r->hits[0].features.model_probability, 0) << q;
    EXPECT_DOUBLE_EQ(r->hits[0].confidence, Confidence(r->hits[0].features, AnswerPolicy().model)) << q;
  }
}

TEST(ClassifierGate, TrainsAGroupOnlyWithEnoughPhrasingsPerEntryOrInAll) {
  const std::vector<std::string> topics = {"reset my password", "track my parcel", "cancel my order",
                                           "change my address"};
  const std::vector<std::string> zh_topics = {"重置密码", "查询物流", "取消订单", "修改地址"};
  std::vector<Entry> entries;
  for (size_t i = 0; i < topics.size(); ++i) {
    entries.push_back(PhrasedEntry("en-" + std::to_string(i), Locale::kEn, topics[i], 7));          // 8 each
    entries.push_back(PhrasedEntry("zh-" + std::to_string(i), Locale::kZhHans, zh_topics[i], 6));  // 7 each
  }
  {
    TempDir dir;
    IndexBuildOptions options;
    options.index_dir = dir.path();
    ASSERT_TRUE(BuildIndex(entries, options).ok());
    EXPECT_TRUE(HasFile(dir, kEnglishClassifierFile));    // 8.0 per entry: at the gate
    EXPECT_FALSE(HasFile(dir, kChineseClassifierFile));  // 7.0: below it
    auto kb = KnowledgeBase::Open(OptionsFor(dir));
    ASSERT_TRUE(kb.ok());
    SearchRequest request;
    request.query = "how do I track my parcel";
    auto en = (*kb)->Search(request);
    ASSERT_TRUE(en.ok());
    ASSERT_FALSE(en->hits.empty());
    EXPECT_EQ(en->hits[0].id, "en-1");
    EXPECT_GT(en->hits[0].features.model_probability, 0);
    EXPECT_DOUBLE_EQ(en->hits[0].confidence,
                     Confidence(en->hits[0].features, AnswerPolicy().model_with_classifier));
    request.query = "查询物流怎么办";
    auto zh = (*kb)->Search(request);
    ASSERT_TRUE(zh.ok());
    ASSERT_FALSE(zh->hits.empty());
    EXPECT_EQ(zh->hits[0].features.model_probability, 0);
    EXPECT_DOUBLE_EQ(zh->hits[0].confidence, Confidence(zh->hits[0].features, AnswerPolicy().model));
  }
  {
    entries[0].questions.pop_back();  // English: 31 phrasings over 4 entries, below 8 each
    entries.push_back(PhrasedEntry("zh-4", Locale::kZhHans, "开具发票", 6));  // Chinese: 35, 7 each
    TempDir dir;
    IndexBuildOptions options;
    options.index_dir = dir.path();
    options.classifier.min_phrasings = 32;  // between them: Chinese passes on its total
    ASSERT_TRUE(BuildIndex(entries, options).ok());
    EXPECT_FALSE(HasFile(dir, kEnglishClassifierFile));
    EXPECT_TRUE(HasFile(dir, kChineseClassifierFile));
  }
  {
    TempDir dir;
    IndexBuildOptions options;
    options.index_dir = dir.path();
    options.classifier.enabled = false;
    options.classifier.min_phrasings = 0;
    ASSERT_TRUE(BuildIndex(entries, options).ok());
    EXPECT_FALSE(HasFile(dir, kEnglishClassifierFile));
    EXPECT_FALSE(HasFile(dir, kChineseClassifierFile));
  }
}

// A language group's classifier is retrained only when what it learns from changed; otherwise the
// previous generation's file is copied, byte for byte what retraining would write.
std::vector<Entry> PhrasedEntries() {
  std::vector<Entry> entries;
  const std::vector<std::string> topics = {"reset my password", "track my parcel", "cancel my order",
                                           "change my address"};
  const std::vector<std::string> zh_topics = {"重置密码", "查询物流", "取消订单", "修改地址"};
  for (size_t i = 0; i < topics.size(); ++i) {
    entries.push_back(PhrasedEntry("en-" + std::to_string(i), Locale::kEn, topics[i], 7));
    entries.push_back(PhrasedEntry("zh-" + std::to_string(i), Locale::kZhHans, zh_topics[i], 7));
  }
  entries.push_back(PhrasedEntry("zh-0", Locale::kZhHant, "重設密碼", 7));
  return entries;
}

std::string ClassifierBytes(const TempDir& dir, const char* file) {
  auto gen = ReadCurrentGeneration(dir.path());
  EXPECT_TRUE(gen.ok());
  std::ifstream in(fs::path(dir.path()) / (gen.ok() ? *gen : "") / file, std::ios::binary);
  EXPECT_TRUE(in) << file;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Builds `entries` afresh in a directory of its own and returns its classifier file.
std::string FullBuildClassifier(const std::vector<Entry>& entries, const IndexBuildOptions& like, const char* file) {
  TempDir dir;
  IndexBuildOptions options = like;
  options.index_dir = dir.path();
  auto stats = BuildIndex(entries, options);
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats.ok() ? stats->classifiers_reused : -1, 0);
  return ClassifierBytes(dir, file);
}

TEST(ClassifierReuse, EditsOutsideThePhrasingsCopyTheClassifiersAFullBuildWouldTrain) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  options.classifier.min_phrasings = 0;  // both groups train
  std::vector<Entry> entries = PhrasedEntries();
  auto first = BuildIndex(entries, options);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->classifiers_reused, 0);
  KnowledgeBaseOptions following = OptionsFor(dir);
  following.reload_check_ms = 0;
  auto served = KnowledgeBase::Open(following);  // takes the reused models over from gen-1
  ASSERT_TRUE(served.ok());
  entries[0].body += " edited";
  entries[0].tags = {"account"};
  entries[0].category = "login";
  entries[0].internal_note = "see the runbook";
  entries[1].body += " 已编辑";
  entries[2].audience = Audience::kInternal;  // searchers read audience from the entry documents
  auto edited = BuildIndex(entries, options);
  ASSERT_TRUE(edited.ok()) << edited.status().ToString();
  EXPECT_EQ(edited->analysed, 3);
  EXPECT_EQ(edited->classifiers_reused, 2);
  for (const char* file : {kEnglishClassifierFile, kChineseClassifierFile}) {
    std::string reused = ClassifierBytes(dir, file);
    EXPECT_GT(reused.size(), 1000u) << file;
    EXPECT_TRUE(reused == FullBuildClassifier(entries, options, file)) << file;
  }
  auto kb = KnowledgeBase::Open(OptionsFor(dir));
  ASSERT_TRUE(kb.ok());
  SearchRequest request;
  request.query = "how do I track my parcel";
  auto r = (*kb)->Search(request);
  ASSERT_TRUE(r.ok());
  for (const SearchHit& hit : r->hits) EXPECT_NE(hit.id, "en-1");  // now internal
  for (const char* query : {"how do I track my parcel", "查询物流", "reset my password"}) {
    request.query = query;
    auto fresh = (*kb)->Search(request);
    auto followed = (*served)->Search(request);
    ASSERT_TRUE(fresh.ok() && followed.ok()) << query;
    EXPECT_EQ((*served)->generation(), "gen-2");
    ASSERT_EQ(fresh->hits.size(), followed->hits.size()) << query;
    for (size_t i = 0; i < fresh->hits.size(); ++i) {
      EXPECT_EQ(fresh->hits[i].id, followed->hits[i].id) << query;
      EXPECT_DOUBLE_EQ(fresh->hits[i].score, followed->hits[i].score) << query;
      EXPECT_DOUBLE_EQ(fresh->hits[i].confidence, followed->hits[i].confidence) << query;
    }
  }
}

// Words with one stem but other letters have the same terms and other classifier features
// (character n-grams): a cached answer for one must not serve the other.
TEST(ClassifierReuse, QuestionsWithTheSameTermsButOtherWordsAreRankedEachOnItsOwn) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  options.classifier.min_phrasings = 0;
  ASSERT_TRUE(BuildIndex(PhrasedEntries(), options).ok());
  auto asked = KnowledgeBase::Open(OptionsFor(dir));
  auto fresh = KnowledgeBase::Open(OptionsFor(dir));
  ASSERT_TRUE(asked.ok() && fresh.ok());
  SearchRequest request;
  request.query = "tracking my parcels";
  ASSERT_TRUE((*asked)->Search(request).ok());
  request.query = "track my parcel";
  auto again = (*asked)->Search(request);
  auto first = (*fresh)->Search(request);
  ASSERT_TRUE(again.ok() && first.ok());
  ASSERT_FALSE(first->hits.empty());
  ASSERT_EQ(again->hits.size(), first->hits.size());
  for (size_t i = 0; i < first->hits.size(); ++i) {
    EXPECT_EQ(again->hits[i].id, first->hits[i].id);
    EXPECT_DOUBLE_EQ(again->hits[i].score, first->hits[i].score);
    EXPECT_DOUBLE_EQ(again->hits[i].confidence, first->hits[i].confidence);
  }
}

TEST(ClassifierReuse, ATitleEditRetrainsItsGroupOnlyAndTheModelKnowsTheNewTitle) {
  TempDir dir;
  IndexBuildOptions options;
  options.index_dir = dir.path();
  options.classifier.min_phrasings = 0;
  std::vector<Entry> entries = PhrasedEntries();
  ASSERT_TRUE(BuildIndex(entries, options).ok());
  const std::string english = ClassifierBytes(dir, kEnglishClassifierFile);
  const std::string chinese = ClassifierBytes(dir, kChineseClassifierFile);
  entries[2].title = "how do I redeem a gift voucher";  // en-1
  auto edited = BuildIndex(entries, options);
  ASSERT_TRUE(edited.ok()) << edited.status().ToString();
  EXPECT_EQ(edited->classifiers_reused, 1);
  const std::string retrained = ClassifierBytes(dir, kEnglishClassifierFile);
  EXPECT_FALSE(retrained == english);
  EXPECT_TRUE(retrained == FullBuildClassifier(entries, options, kEnglishClassifierFile));
  EXPECT_TRUE(ClassifierBytes(dir, kChineseClassifierFile) == chinese);

  auto gen = ReadCurrentGeneration(dir.path());
  ASSERT_TRUE(gen.ok());
  auto model = IntentClassifier::Load((fs::path(dir.path()) / *gen / kEnglishClassifierFile).string());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto analyzer = Analyzer::Create({});
  ASSERT_TRUE(analyzer.ok());
  Prediction p = model->Predict(model->FeaturesOf((*analyzer)->Analyze("redeem a gift voucher")),
                                ClassSet::All(model->labels().size()));
  const size_t en1 = static_cast<size_t>(
      std::find(model->labels().begin(), model->labels().end(), "en-1") - model->labels().begin());
  ASSERT_LT(en1, model->labels().size());
  EXPECT_GT(p.Probability(en1), p.BestRival(en1));

  // Other classifier options train another model, whatever the entries.
  options.classifier.seed = 2;
  auto reseeded = BuildIndex(entries, options);
  ASSERT_TRUE(reseeded.ok());
  EXPECT_EQ(reseeded->classifiers_reused, 0);
}

}  // namespace
}  // namespace kefu
