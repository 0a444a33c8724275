// The index-time classifier learns a tiny knowledge base from its questions alone, generalises to new
// phrasings (typos included), and survives a save/load round trip unchanged.
#include "kb/search/classifier.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

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

  // Every class's probability, in class order.
  static std::vector<double> Dense(const Prediction& p, size_t classes) {
    std::vector<double> out;
    for (size_t c = 0; c < classes; ++c) out.push_back(p.Probability(c));
    return out;
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
    ClassSet all = ClassSet::All(kb.labels.size());
    const std::vector<std::pair<std::string, size_t>> questions = {
        {"has my card been delivered", 0}, {"refund not showing", 1}, {"reset pasword", 2},  // typo
        {"when are you open", 3},          {"the card I ordered never arrived", 0}};
    for (const auto& [q, want] : questions) {
      std::vector<double> p = Dense(model.Predict(model.FeaturesOf(analyzer_->Analyze(q)), all), kb.labels.size());
      EXPECT_EQ(ArgMax(p), want) << q << " (dense limit " << dense_limit << ")";
      EXPECT_GT(p[want], 0.4) << q;  // untrained, every entry would get 0.25
      EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-9);
    }
  }
}

TEST_F(Classifier, UnknownWordsGiveAUniformDistributionOverAllowedEntries) {
  Kb kb = English();
  IntentClassifier model = IntentClassifier::Train(kb.labels, kb.examples, {});
  ClassSet allowed({true, false, true, true});
  std::vector<double> p = Dense(model.Predict(model.FeaturesOf(analyzer_->Analyze("zzqx")), allowed), 4);
  EXPECT_DOUBLE_EQ(p[1], 0.0);
  for (size_t c : {0, 2, 3}) EXPECT_NEAR(p[c], 1.0 / 3, 1e-9);
  // A disallowed entry never wins, even for its own question.
  p = Dense(model.Predict(model.FeaturesOf(analyzer_->Analyze("where is my refund")), allowed), 4);
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
  ClassSet all = ClassSet::All(kb.labels.size());
  const size_t n = kb.labels.size();
  for (const char* q : {"card arrive", "refund", "password", "opening"}) {
    auto f = a.FeaturesOf(analyzer_->Analyze(q));
    EXPECT_EQ(Dense(a.Predict(f, all), n), Dense(b.Predict(f, all), n)) << q;
    EXPECT_EQ(Dense(a.Predict(f, all), n), Dense(loaded->Predict(loaded->FeaturesOf(analyzer_->Analyze(q)), all), n))
        << q;
  }
}

// Stochastic gradient descent on the softmax written the textbook way, every class every step, with
// the training's schedule (shuffle, linearly decaying rate, negligible gradients skipped, weight
// decay per pass): a dense model's weights must be exactly these, so that a faster training loop
// is known to train the same model.
std::vector<std::vector<float>> TextbookWeights(const IntentClassifier& model, const std::vector<ClassifierExample>& examples,
                                                const ClassifierOptions& options) {
  const size_t classes = model.labels().size();
  std::vector<std::vector<float>> w(model.feature_count(), std::vector<float>(classes, 0.0f));
  std::vector<std::vector<std::pair<int32_t, float>>> x;
  for (const ClassifierExample& e : examples) x.push_back(model.Vectorize(e.features));
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(options.seed);
  const double total = static_cast<double>(options.epochs) * static_cast<double>(x.size());
  double step = 0;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    for (size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
    double epoch_rate = 0;
    for (size_t i : order) {
      const double rate = options.learning_rate * (1.0 - step / total);
      epoch_rate += rate;
      ++step;
      std::vector<double> z(classes, 0);
      for (const auto& [f, v] : x[i]) {
        for (size_t c = 0; c < classes; ++c) z[c] += static_cast<double>(v) * w[static_cast<size_t>(f)][c];
      }
      double top = 0, denominator = 0;
      for (double s : z) top = std::max(top, s);
      for (double& s : z) denominator += s = std::exp(s - top);
      for (double& s : z) s /= denominator;
      z[static_cast<size_t>(examples[i].label)] -= 1.0;
      for (const auto& [f, v] : x[i]) {
        for (size_t c = 0; c < classes; ++c) {
          if (std::fabs(z[c]) >= 1e-4) w[static_cast<size_t>(f)][c] -= static_cast<float>(rate * z[c] * v);
        }
      }
    }
    const float decay = static_cast<float>(std::exp(-options.l2 * epoch_rate));
    for (auto& row : w) {
      for (float& v : row) v *= decay;
    }
  }
  return w;
}

TEST_F(Classifier, DenseTrainingIsTheTextbookDescent) {
  Kb kb = English();  // distinct phrasings: one sample each, in order
  ClassifierOptions options;
  IntentClassifier model = IntentClassifier::Train(kb.labels, kb.examples, options);
  ASSERT_EQ(model.weight_count(), model.feature_count() * kb.labels.size());  // dense
  std::vector<std::vector<float>> want = TextbookWeights(model, kb.examples, options);
  size_t nonzero = 0;
  for (size_t f = 0; f < want.size(); ++f) {
    for (size_t c = 0; c < kb.labels.size(); ++c) {
      ASSERT_EQ(model.Weight(static_cast<int32_t>(f), static_cast<int32_t>(c)), want[f][c]) << f << " " << c;
      nonzero += want[f][c] != 0.0f;
    }
  }
  EXPECT_GT(nonzero, want.size());
}

// The softmax of every class's score computed the plain way, over the allowed classes.
std::vector<double> DenseSoftmax(const IntentClassifier& model, const std::vector<std::string>& features,
                                 const std::vector<bool>& allowed) {
  std::vector<double> z(model.labels().size(), 0);
  for (const auto& [f, v] : model.Vectorize(features)) {
    for (size_t c = 0; c < z.size(); ++c) z[c] += static_cast<double>(v) * model.Weight(f, static_cast<int32_t>(c));
  }
  double top = -1e300, denominator = 0;
  for (size_t c = 0; c < z.size(); ++c) {
    if (allowed[c]) top = std::max(top, z[c]);
  }
  std::vector<double> p(z.size(), 0);
  for (size_t c = 0; c < z.size(); ++c) {
    if (allowed[c]) denominator += p[c] = std::exp(z[c] - top);
  }
  for (double& x : p) x /= denominator;
  return p;
}

TEST_F(Classifier, SparsePredictionsEqualTheDenseSoftmax) {
  for (int64_t dense_limit : {int64_t{4'000'000}, int64_t{0}}) {
    ClassifierOptions options;
    options.max_dense_weights = dense_limit;
    Kb kb = English(options);
    IntentClassifier model = IntentClassifier::Train(kb.labels, kb.examples, options);
    for (const std::vector<bool>& flags : {std::vector<bool>(4, true), std::vector<bool>{true, false, true, true},
                                           std::vector<bool>{false, true, false, false}}) {
      ClassSet allowed(flags);
      for (const char* q : {"has my card been delivered", "refund not showing", "zzqx", "opening hours card"}) {
        std::vector<std::string> f = model.FeaturesOf(analyzer_->Analyze(q));
        std::vector<double> want = DenseSoftmax(model, f, flags);
        Prediction p = model.Predict(f, allowed);
        for (size_t c = 0; c < want.size(); ++c) {
          EXPECT_NEAR(p.Probability(c), want[c], 1e-12) << q << " class " << c;
          double rival = 0;
          for (size_t o = 0; o < want.size(); ++o) {
            if (o != c) rival = std::max(rival, want[o]);
          }
          EXPECT_NEAR(p.BestRival(c), rival, 1e-12) << q << " class " << c;
        }
      }
    }
  }
}

TEST_F(Classifier, CapsTheClassesOfAFeatureAndTheStepsOfTraining) {
  ClassifierOptions options;
  options.max_dense_weights = 0;
  Kb kb = English(options);
  IntentClassifier full = IntentClassifier::Train(kb.labels, kb.examples, options);
  // "my" is in the phrasings of three classes: a cap of two leaves it without weights.
  options.max_classes_per_feature = 2;
  IntentClassifier capped = IntentClassifier::Train(kb.labels, kb.examples, options);
  EXPECT_EQ(capped.feature_count(), full.feature_count());
  EXPECT_LT(capped.weight_count(), full.weight_count());
  std::vector<std::pair<int32_t, float>> my = capped.Vectorize({"my"});
  ASSERT_EQ(my.size(), 1u);
  for (int32_t c = 0; c < 4; ++c) EXPECT_EQ(capped.Weight(my[0].first, c), 0.0f);
  EXPECT_NE(full.Weight(my[0].first, 0), 0.0f);
  // A cap no feature reaches, and a step budget of every pass, change nothing.
  options.max_classes_per_feature = 4;
  options.max_training_steps = 30 * static_cast<int64_t>(kb.examples.size());
  IntentClassifier same = IntentClassifier::Train(kb.labels, kb.examples, options);
  ClassSet all = ClassSet::All(kb.labels.size());
  for (const char* q : {"card arrive", "refund", "password", "opening"}) {
    auto f = full.FeaturesOf(analyzer_->Analyze(q));
    EXPECT_EQ(Dense(full.Predict(f, all), 4), Dense(same.Predict(f, all), 4)) << q;
  }
  // A smaller budget trains fewer passes: a different, still sensible model.
  options.max_training_steps = 1;
  IntentClassifier one_pass = IntentClassifier::Train(kb.labels, kb.examples, options);
  auto f = full.FeaturesOf(analyzer_->Analyze("reset my password"));
  EXPECT_NE(Dense(full.Predict(f, all), 4), Dense(one_pass.Predict(f, all), 4));
  EXPECT_EQ(ArgMax(Dense(one_pass.Predict(f, all), 4)), 2u);
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
