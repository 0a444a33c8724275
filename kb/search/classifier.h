// IntentClassifier: a multinomial logistic regression trained at index time on the knowledge base's
// own phrasings (each entry's title and alternative questions), one class per entry. It sees word
// terms (stemmed, the index's own TermOf), word pairs, Han bigrams and character n-grams (typos,
// inflections, Han words ICU splits differently), tf-idf weighted. Its probabilities re-rank the
// lexical candidates and feed the confidence model; they never replace the Xapian ranking (measured
// worse alone, docs/QUALITY.md).
//
// Small knowledge bases get a full weight matrix; large ones sparse weights (class c has a weight for
// feature f only when one of c's phrasings has f, and f has weights for at most
// max_classes_per_feature classes), so the model stays a few MB for 1,000 entries.
//
// Cost: a training step touches, for each feature of the sample, that feature's classes: all
// classes in dense mode (small KBs only); in sparse mode at most max_classes_per_feature (K), and a
// whole pass at most max_updates_per_pass (U) weights. Training is O(passes x min(U, phrasings x
// features per phrasing x K)) with passes = min(epochs, max_training_steps / phrasings rounded up):
// bounded however large the KB. A prediction costs O(weights its features touch), at most features
// x K in sparse mode, whatever the class count: untouched classes share one closed-form term of
// the softmax.
// Training is deterministic (fixed shuffling seed). Free of Xapian types.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kb/status.h"
#include "kb/text/analyzer.h"

namespace kefu {

// Every field but `enabled` shapes the trained model, and so belongs in TrainingKey().
struct ClassifierOptions {
  // Train the classifiers at index time (one per language group, subject to the gate below).
  // Default: true.
  bool enabled = true;
  // The gate: a language group gets a classifier only when the classifier can know its entries:
  // their phrasings (titles and questions) number at least min_phrasings_per_entry per entry on
  // average (entries per locale: a translation counts as an entry of its own), or at least min_phrasings in all (many entries: a vague word is shared by many of
  // them, so the classifier is not certain of it). Below both, it has seen too few ways of asking
  // and is certain about vague one- and two-word questions that should be clarified ("refund",
  // "退款多久" on content/: 256 English and 416 Chinese phrasings, 5.4 and 5.5 per entry); such a group is
  // ranked lexically and scored with AnswerPolicy::model (docs/QUALITY.md). Defaults: 8 per entry,
  // or 2,000 in all (banking77 11 per entry, also with half its intents left out; clinc150 11;
  // bq-corpus 3.6 but 3,563 in all).
  double min_phrasings_per_entry = 8.0;
  int64_t min_phrasings = 2000;
  // Passes of stochastic gradient descent over the phrasings. Default: 30.
  int epochs = 30;
  // Fewer passes where epochs x phrasings would exceed this many steps (at least one pass), so that
  // training time grows linearly with the KB rather than 30-fold. Default: 4,000,000 (every pass up
  // to 133,000 phrasings; banking77, clinc150 and bq-corpus train all 30).
  int64_t max_training_steps = 4'000'000;
  // Initial step size; it decays linearly to 0 over the passes. Default: 1.0.
  double learning_rate = 1.0;
  // L2 penalty, applied as weight decay after each pass. Default: 1e-4.
  double l2 = 1e-4;
  // Character n-grams of each word (with a boundary mark at both ends), this length range; 0
  // turns them off. Default: 2..4.
  int char_ngram_min = 2;
  int char_ngram_max = 4;
  // Every class gets a weight for every feature (plain logistic regression: a word can also count
  // against a class) while classes x features stays at or below this; above it, class c has weights
  // only for the features of its own phrasings, which keeps large knowledge bases small. Default:
  // 4,000,000 (16 MB; about 150 entries with 10 questions each).
  int64_t max_dense_weights = 4'000'000;
  // Sparse weights only: a feature that phrasings of more than this many classes share gets no
  // weights (it says little about which entry is meant, and would cost every training step and
  // query that has it this many updates); it still counts in the tf-idf norm. Default: 1,000
  // (more classes than bq-corpus has, 987: banking77, clinc150 and bq-corpus are unchanged; 500
  // already changes bq-corpus's ECE in the fifth decimal, 200 its AUROC by 0.016).
  int64_t max_classes_per_feature = 1'000;
  // Sparse weights only: the widest features (the most classes) also lose their weights, as above,
  // while one pass over the phrasings would otherwise make more than this many weight updates (a
  // phrasing updates every class of each of its features), so that a pass costs at most this
  // however large the KB. Default: 10,000,000 (banking77 and clinc150 are dense and stay below
  // it; on bq-corpus, which reaches it, 20,000,000 measured the same Recall@1 and MRR@10 within
  // 0.0005, and 5,000,000 lost 0.6 points of Recall@1).
  int64_t max_updates_per_pass = 10'000'000;
  // Shuffling seed, so that training is reproducible. Default: 1.
  uint32_t seed = 1;
};

// What a trained model depends on besides its labels and examples, as bytes: every option that
// shapes it and the version of the training code. Equal keys, labels and examples train
// byte-identical models (training is deterministic), which lets an index build reuse a file.
std::string TrainingKey(const ClassifierOptions& options);

// The classifier's view of analysed text: feature strings, repeated when they occur repeatedly.
std::vector<std::string> ClassifierFeaturesOf(const std::vector<Token>& tokens, const ClassifierOptions& options);

struct ClassifierExample {
  int label = 0;  // class index
  std::vector<std::string> features;
};

// The classes a prediction may choose from, with their number counted once rather than per query.
// Cheap to copy (the flags are shared).
class ClassSet {
 public:
  // Every one of `classes` classes.
  static ClassSet All(size_t classes);
  // The classes c with members[c].
  explicit ClassSet(std::vector<bool> members);
  ClassSet() = default;

  bool contains(size_t c) const { return members_ == nullptr ? c < size_ : c < members_->size() && (*members_)[c]; }
  size_t size() const { return size_; }

 private:
  std::shared_ptr<const std::vector<bool>> members_;  // null: all classes below size_
  size_t size_ = 0;
};

// A prediction over a ClassSet: the probabilities of the classes its features touched, and one
// shared probability for every other allowed class (whose score is 0).
class Prediction {
 public:
  // Probability of class c: 0 when c is not allowed.
  double Probability(size_t c) const;
  // The highest probability of any allowed class other than c (0 when there is none).
  double BestRival(size_t c) const;

 private:
  friend class IntentClassifier;
  ClassSet allowed_;
  std::vector<std::pair<int32_t, double>> touched_;  // (class, probability), ascending class
  double untouched_ = 0;  // probability of each allowed class not in touched_
  double best_ = 0, second_ = 0;  // the two highest probabilities (equal on a tie)
  size_t best_count_ = 0;         // classes with probability best_
};

class IntentClassifier {
 public:
  IntentClassifier() = default;

  // Trains on `examples` with classes 0..labels.size()-1 named by `labels`. Classes without
  // examples never win.
  static IntentClassifier Train(std::vector<std::string> labels, const std::vector<ClassifierExample>& examples,
                                const ClassifierOptions& options);

  // Binary file of the model; Load() answers kDataLoss for a damaged or foreign file.
  Status Save(const std::string& path) const;
  static Result<IntentClassifier> Load(const std::string& path);

  // The features of analysed text, extracted as at training time.
  std::vector<std::string> FeaturesOf(const std::vector<Token>& tokens) const;

  // Probabilities of the classes given `features`, over the `allowed` classes only (others get 0).
  // Uniform when no feature is known.
  Prediction Predict(const std::vector<std::string>& features, const ClassSet& allowed) const;

  // (feature index, tf-idf value) pairs, L2-normalised, ascending index; unknown features dropped.
  std::vector<std::pair<int32_t, float>> Vectorize(const std::vector<std::string>& features) const;
  // Class c's weight for feature index f (0 where it has none); for inspection and tests.
  float Weight(int32_t f, int32_t c) const;

  const std::vector<std::string>& labels() const { return labels_; }
  size_t feature_count() const { return idf_.size(); }
  size_t weight_count() const;

 private:
  // Index of the feature named `name`, or -1.
  int32_t FeatureId(std::string_view name) const;
  std::string_view FeatureName(int32_t f) const;
  // Vectorize() of features given as ids (FeatureId(); -1 for unknown ones).
  std::vector<std::pair<int32_t, float>> VectorizeIds(const std::vector<int32_t>& ids) const;
  // Feature f's classes and weights: classes_ and weights_ from WeightsBegin(f) to WeightsEnd(f).
  size_t WeightsBegin(int32_t f) const { return f == 0 ? 0 : weight_end_[static_cast<size_t>(f) - 1]; }
  size_t WeightsEnd(int32_t f) const { return weight_end_[static_cast<size_t>(f)]; }
  // Sizes the name table for `features` features, before they are added.
  void ReserveFeatures(size_t features);
  // Appends a feature's name and idf (its classes follow in classes_); false when the name is taken.
  bool AddFeature(std::string_view name, float idf);
  // The features of a new model: names, idf and ascending classes, each with weight 0.
  void Pack(const std::vector<std::string_view>& names, std::vector<float> idf, std::vector<std::vector<int32_t>> classes);

  ClassifierOptions extraction_;  // char_ngram_min/max used in training
  std::vector<std::string> labels_;
  // The features, each a range of arrays shared by all rather than objects of its own: a model of
  // 100k entries has over a million features, and an allocation per name, class list and map node
  // was 200 MB of the server's memory (docs/BENCHMARKS.md).
  std::string names_;                 // every feature's name, one after the other
  std::vector<uint32_t> name_end_;    // where feature f's name ends in names_ (f-1's end is its start)
  std::vector<float> idf_;
  std::vector<uint32_t> weight_end_;  // where feature f's classes end in classes_ and weights_
  std::vector<int32_t> classes_;      // ascending within a feature
  std::vector<float> weights_;        // parallel to classes_
  std::vector<int32_t> table_;        // open addressing on the name's hash: feature index, -1 free
};

}  // namespace kefu
