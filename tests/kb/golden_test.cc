// Golden questions (content/golden.jsonl) against the real content, on every build: the way customers
// ask, in all three locales, cross-script included. A rewrite of the file is reviewed like code.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "kb/content/golden.h"
#include "kb/content/loader.h"
#include "kb/knowledge_base.h"
#include "kb/search/index_writer.h"
#include "kb/text/analyzer.h"
#include "tests/testing/temp_dir.h"

namespace kefu {
namespace {

const std::string kContent = std::string(KEFU_SOURCE_DIR) + "/content";

// Share of golden questions whose entry must come first; every one must be in the top kMaxRank.
constexpr double kMinRecallAt1 = 0.95;
constexpr int kMaxRank = 5;

std::vector<GoldenQuestion> ReadGolden(const LoadResult& content) {
  std::vector<Diagnostic> problems;
  std::vector<GoldenQuestion> golden = ParseGolden(content.config.golden, "golden.jsonl", &problems);
  for (const Diagnostic& d : problems) ADD_FAILURE() << d.ToString();
  return golden;
}

// Lower-cased, folded, without punctuation or spaces: the form two phrasings are compared in.
std::string Folded(const Analyzer& analyzer, const std::string& text) {
  std::string out;
  for (const Token& t : analyzer.Analyze(text)) {
    if (t.kind != TokenKind::kHanBigram) out += t.text;
  }
  return out;
}

TEST(Golden, QuestionsAreFreshPhrasingsOfPublishedEntries) {
  LoadResult content = LoadContentDir(kContent);
  ASSERT_EQ(content.error_count(), 0);
  auto analyzer = Analyzer::Create({});
  ASSERT_TRUE(analyzer.ok());
  std::map<std::string, std::string> phrasing_owner;
  std::set<std::string> public_ids;
  for (const Entry& e : content.entries) {
    if (e.status == EntryStatus::kPublished && e.audience == Audience::kPublic) public_ids.insert(e.id);
    phrasing_owner[Folded(**analyzer, e.title)] = e.id;
    for (const auto& q : e.questions) phrasing_owner[Folded(**analyzer, q)] = e.id;
  }
  std::vector<GoldenQuestion> golden = ReadGolden(content);
  std::map<std::string, int> per_lang;
  // Golden questions measure the search, so none may be answered by a pin.
  std::set<std::string> pinned;
  std::istringstream pins(content.config.pins);
  for (std::string line; std::getline(pins, line);) {
    size_t tab = line.rfind('\t');
    if (!line.empty() && line[0] != '#' && tab != std::string::npos) {
      pinned.insert(Folded(**analyzer, line.substr(0, tab)));
    }
  }
  for (const GoldenQuestion& g : golden) {
    EXPECT_EQ(pinned.count(Folded(**analyzer, g.query)), 0u) << "golden.jsonl:" << g.line << " is pinned";
    ++per_lang[g.locale ? std::string(LocaleName(*g.locale)) : "detect"];
    for (const auto& id : g.relevant) EXPECT_TRUE(public_ids.count(id)) << "golden.jsonl:" << g.line << " " << id;
    auto owner = phrasing_owner.find(Folded(**analyzer, g.query));
    EXPECT_TRUE(owner == phrasing_owner.end())
        << "golden.jsonl:" << g.line << ": '" << g.query << "' is a phrasing of entry " << owner->second;
  }
  for (const char* lang : {"zh-Hans", "zh-Hant", "en"}) EXPECT_GE(per_lang[lang], 20) << lang;
}

TEST(Golden, QuestionsFindTheirEntries) {
  testing::TempDir dir;
  LoadResult content = LoadContentDir(kContent);
  IndexBuildOptions options;
  options.index_dir = dir.path();
  options.analysis = content.config;
  ASSERT_TRUE(BuildIndex(content.entries, options).ok());
  KnowledgeBaseOptions kb_options;
  kb_options.index_dir = dir.path();
  auto kb = KnowledgeBase::Open(kb_options);
  ASSERT_TRUE(kb.ok());
  int first = 0, total = 0;
  for (const GoldenQuestion& g : ReadGolden(content)) {
    SearchRequest request;
    request.query = g.query;
    request.locale = g.locale;
    auto result = (*kb)->Search(request);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    int rank = 0;
    for (size_t i = 0; i < result->hits.size() && rank == 0; ++i) {
      for (const auto& id : g.relevant) {
        if (result->hits[i].id == id) rank = static_cast<int>(i) + 1;
      }
    }
    ++total;
    if (rank == 1) ++first;
    EXPECT_TRUE(rank >= 1 && rank <= kMaxRank)
        << "golden.jsonl:" << g.line << ": '" << g.query << "' -> "
        << (result->hits.empty() ? "nothing" : result->hits[0].id) << ", want " << g.relevant[0]
        << " (rank " << rank << ")";
  }
  double recall = static_cast<double>(first) / total;
  EXPECT_GE(recall, kMinRecallAt1) << first << " of " << total << " golden questions answered first";
  std::printf("golden Recall@1 %.3f (%d/%d)\n", recall, first, total);
}

}  // namespace
}  // namespace kefu
