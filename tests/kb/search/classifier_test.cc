// The index-time classifier learns a tiny knowledge base from its questions alone, generalises to new
// phrasings (typos included), and survives a save/load round trip unchanged.
#include "kb/search/classifier.h"

#include <filesystem>
#include <fstream>
#include <numeric>

#include <gtest/gtest.h>

#include "kb/text/analyzer.h"
#include "tests/testing/temp_dir.h"

namespace kefu {
namespace {

struct Kb {
  std::vector<std::string> labels;
  std::vector<ClassifierExample> examples;
};

class Classifier : public ::testing::Test {
 protected:
  void SetUp() override {
    auto analyzer = Analyzer::Create({});
    ASSERT_TRUE(analyzer.ok());
    analyzer_ = std::move(analyzer).value();
  }

  std::vector<std::string> Features(const std::string& text, const ClassifierOptions& options = {}) const {
    return ClassifierFeaturesOf(analyzer_->Analyze(text), options);
  }

  // Entries with a few questions each, and one ("opening-hours") with its title only.
  Kb English(const ClassifierOptions& options = {}) const {
    const std::vector<std::pair<std::string, std::vector<std::string>>> entries = {
        {"card-arrival",
         {"when will my card arrive", "my new card has not arrived yet", "still waiting for my card to be delivered"}},
        {"refund-status",
         {"where is my refund", "my refund has not shown up", "how long does a refund take"}},
        {"password-reset", {"i forgot my password", "how do i reset my password", "cannot log in, lost password"}},
        {"opening-hours", {"what are your opening hours"}},
    };
    Kb kb;
    for (const auto& [id, questions] : entries) {
      kb.labels.push_back(id);
      for (const std::string& q : questions) {
        kb.examples.push_back({static_cast<int>(kb.labels.size()) - 1, Features(q, options)});
      }
    }
    return kb;
  }

  static size_t ArgMax(const std::vector<double>& p) {
    return static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
  }

  std::unique_ptr<Analyzer> analyzer_;
};

TEST_F(Classifier, FeaturesAreTermsPairsAndCharacterNgrams) {
  std::vector<std::string> f = Features("Cards arrive");
  for (const char* want : {"card", "arriv", "P" "card arriv", "C#c", "Cds#", "Cive#", "C#ca"}) {
    EXPECT_NE(std::find(f.begin(), f.end(), want), f.end()) << want;
  }
  ClassifierOptions words_only;
  words_only.char_ngram_min = 0;
  EXPECT_EQ(Features("Cards arrive", words_only), (std::vector<std::string>{"card", "arriv", "Pcard arriv"}));
  // Han text: words, bigrams and characters, and trigrams from overlapping bigrams.
  std::vector<std::string> han = Features("退货运费");
  for (const char* want : {"B退货", "B运费", "C退", "C费", "C退货运"}) {
    EXPECT_NE(std::find(han.begin(), han.end(), want), han.end()) << want;
  }
}

TEST_F(Classifier, LearnsNewPhrasingsOfEachEntry) {
  for (int64_t dense_limit : {int64_t{4'000'000}, int64_t{0}}) {  // full and sparse weights
    ClassifierOptions options;
    options.max_dense_weights = dense_limit;
    Kb kb = English(options);
    IntentClassifier model = IntentClassifier::Train(kb.labels, kb.examples, options);
    std::vector<bool> all(kb.labels.size(), true);
    const std::vector<std::pair<std::string, size_t>> questions = {
        {"has my card been delivered", 0}, {"refund not showing", 1}, {"reset pasword", 2},  // typo
        {"when are you open", 3},          {"the card I ordered never arrived", 0}};
    for (const auto& [q, want] : questions) {
      std::vector<double> p = model.Predict(model.FeaturesOf(analyzer_->Analyze(q)), all);
      EXPECT_EQ(ArgMax(p), want) << q << " (dense limit " << dense_limit << ")";
      EXPECT_GT(p[want], 0.4) << q;  // untrained, every entry would get 0.25
      EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-9);
    }
  }
}

TEST_F(Classifier, UnknownWordsGiveAUniformDistributionOverAllowedEntries) {
  Kb kb = English();
  IntentClassifier model = IntentClassifier::Train(kb.labels, kb.examples, {});
  std::vector<bool> allowed = {true, false, true, true};
  std::vector<double> p = model.Predict(model.FeaturesOf(analyzer_->Analyze("zzqx")), allowed);
  EXPECT_DOUBLE_EQ(p[1], 0.0);
  for (size_t c : {0, 2, 3}) EXPECT_NEAR(p[c], 1.0 / 3, 1e-9);
  // A disallowed entry never wins, even for its own question.
  p = model.Predict(model.FeaturesOf(analyzer_->Analyze("where is my refund")), allowed);
  EXPECT_DOUBLE_EQ(p[1], 0.0);
  EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-9);
}

TEST_F(Classifier, TrainingIsDeterministicAndSurvivesSaveAndLoad) {
  Kb kb = English();
  IntentClassifier a = IntentClassifier::Train(kb.labels, kb.examples, {});
  IntentClassifier b = IntentClassifier::Train(kb.labels, kb.examples, {});
  testing::TempDir dir;
  std::string path = (std::filesystem::path(dir.path()) / "model.bin").string();
  ASSERT_TRUE(a.Save(path).ok());
  auto loaded = IntentClassifier::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->labels(), kb.labels);
  EXPECT_EQ(loaded->feature_count(), a.feature_count());
  EXPECT_EQ(loaded->weight_count(), a.weight_count());
  std::vector<bool> all(kb.labels.size(), true);
  for (const char* q : {"card arrive", "refund", "password", "opening"}) {
    auto f = a.FeaturesOf(analyzer_->Analyze(q));
    EXPECT_EQ(a.Predict(f, all), b.Predict(f, all)) << q;
    EXPECT_EQ(a.Predict(f, all), loaded->Predict(loaded->FeaturesOf(analyzer_->Analyze(q)), all)) << q;
  }
}

TEST_F(Classifier, DamagedFilesAreRefused) {
  Kb kb = English();
  testing::TempDir dir;
  std::string path = (std::filesystem::path(dir.path()) / "model.bin").string();
  ASSERT_TRUE(IntentClassifier::Train(kb.labels, kb.examples, {}).Save(path).ok());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (size_t cut : {size_t{0}, size_t{5}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(cut));
    EXPECT_EQ(IntentClassifier::Load(path).status().code(), StatusCode::kDataLoss) << "cut at " << cut;
  }
  EXPECT_EQ(IntentClassifier::Load(path + ".missing").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kefu
