// Sparse softmax regression by stochastic gradient descent; features from the analyser's tokens.
#include "kb/search/classifier.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <unordered_map>

#include "kb/search/terms.h"

namespace kefu {
namespace {

constexpr char kMagic[] = "KEFUIC01";
constexpr size_t kMagicBytes = 8;
// Bumped whenever training or feature extraction changes what a model holds, so that index builds
// retrain rather than reuse the files of older generations (TrainingKey).
constexpr uint32_t kTrainingVersion = 1;
// Updates smaller than this times the step size are skipped (most classes, once training is
// under way): a large saving on full weight matrices, no measurable change in the model.
constexpr double kNegligibleGradient = 1e-4;

// Byte length of the UTF-8 sequence starting with `lead` (1 for stray continuation bytes).
size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

std::vector<std::string> CodePoints(std::string_view text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    size_t n = std::min(Utf8Length(static_cast<unsigned char>(text[i])), text.size() - i);
    out.emplace_back(text.substr(i, n));
    i += n;
  }
  return out;
}

// Character n-grams of `chars`, lengths min..max, each prefixed with "C".
void AddNgrams(const std::vector<std::string>& chars, int min, int max, std::vector<std::string>* out) {
  if (min <= 0) return;
  for (int n = min; n <= max; ++n) {
    for (size_t i = 0; i + static_cast<size_t>(n) <= chars.size(); ++i) {
      std::string gram = "C";
      for (size_t k = i; k < i + static_cast<size_t>(n); ++k) gram += chars[k];
      out->push_back(std::move(gram));
    }
  }
}

class Writer {
 public:
  explicit Writer(std::ofstream* out) : out_(out) {}
  void U32(uint32_t v) { out_->write(reinterpret_cast<const char*>(&v), sizeof v); }
  void F32(float v) { out_->write(reinterpret_cast<const char*>(&v), sizeof v); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_->write(s.data(), static_cast<std::streamsize>(s.size()));
  }

 private:
  std::ofstream* out_;
};

class Reader {
 public:
  explicit Reader(std::string data) : data_(std::move(data)) {}
  bool U32(uint32_t* v) { return Raw(v, sizeof *v); }
  bool F32(float* v) { return Raw(v, sizeof *v) && std::isfinite(*v); }
  bool Str(std::string* s) {
    uint32_t n = 0;
    if (!U32(&n) || n > data_.size() - pos_) return false;
    s->assign(data_, pos_, n);
    pos_ += n;
    return true;
  }
  bool Skip(size_t n) {
    if (n > data_.size() - pos_) return false;
    pos_ += n;
    return true;
  }
  size_t remaining() const { return data_.size() - pos_; }
  const std::string& data() const { return data_; }

 private:
  bool Raw(void* v, size_t n) {
    if (n > data_.size() - pos_) return false;
    std::memcpy(v, data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::string data_;
  size_t pos_ = 0;
};

// The most classes a sparse feature may have weights for: max_classes_per_feature, lowered until
// a pass over the phrasings (each phrasing of a feature updates all its classes) costs at most
// max_updates_per_pass; features of equal width stay or go together.
size_t SparseClassCap(const std::vector<std::vector<int32_t>>& support, const std::vector<int>& df,
                      const ClassifierOptions& options) {
  std::map<size_t, int64_t> updates_by_width;
  for (size_t f = 0; f < support.size(); ++f) {
    updates_by_width[support[f].size()] += static_cast<int64_t>(df[f]) * static_cast<int64_t>(support[f].size());
  }
  size_t cap = 0;
  int64_t updates = 0;
  for (const auto& [width, cost] : updates_by_width) {
    if (static_cast<int64_t>(width) > options.max_classes_per_feature) break;
    updates += cost;
    if (updates > options.max_updates_per_pass) break;
    cap = width;
  }
  return cap;
}

// A sample's tf-idf vector as a hash key. Its values are positive, so equal ones have equal bits.
struct SampleHash {
  size_t operator()(const std::vector<std::pair<int32_t, float>>& x) const {
    uint64_t h = 14695981039346656037ull;
    for (const auto& [f, v] : x) {
      uint32_t bits = 0;
      std::memcpy(&bits, &v, sizeof bits);
      h = (h ^ static_cast<uint32_t>(f)) * 1099511628211ull;
      h = (h ^ bits) * 1099511628211ull;
    }
    return static_cast<size_t>(h);
  }
};

template <typename T>
void AppendBytes(T value, std::string* out) {
  out->append(reinterpret_cast<const char*>(&value), sizeof value);
}

}  // namespace

std::string TrainingKey(const ClassifierOptions& options) {
  std::string key;
  AppendBytes(kTrainingVersion, &key);
  AppendBytes(options.min_phrasings_per_entry, &key);
  AppendBytes(options.min_phrasings, &key);
  AppendBytes(options.epochs, &key);
  AppendBytes(options.max_training_steps, &key);
  AppendBytes(options.learning_rate, &key);
  AppendBytes(options.l2, &key);
  AppendBytes(options.char_ngram_min, &key);
  AppendBytes(options.char_ngram_max, &key);
  AppendBytes(options.max_dense_weights, &key);
  AppendBytes(options.max_classes_per_feature, &key);
  AppendBytes(options.max_updates_per_pass, &key);
  AppendBytes(options.seed, &key);
  return key;
}

std::vector<std::string> ClassifierFeaturesOf(const std::vector<Token>& tokens, const ClassifierOptions& options) {
  std::vector<std::string> out;
  for (const Token& t : tokens) {
    std::string term = TermOf(t);
    if (term.empty()) continue;
    out.push_back(term);
    if (t.kind == TokenKind::kWord) {
      std::vector<std::string> chars = CodePoints(t.text);
      chars.insert(chars.begin(), "#");
      chars.push_back("#");
      AddNgrams(chars, options.char_ngram_min, options.char_ngram_max, &out);
    } else if (t.kind == TokenKind::kHanWord && options.char_ngram_min > 0) {
      for (std::string& c : CodePoints(t.text)) out.push_back("C" + c);  // Han characters
    }
  }
  // Han trigrams from overlapping bigrams (the bigrams themselves are terms already).
  if (options.char_ngram_max >= 3 && options.char_ngram_min > 0) {
    const Token* previous = nullptr;
    for (const Token& t : tokens) {
      if (t.kind != TokenKind::kHanBigram) continue;
      if (previous != nullptr && t.begin > previous->begin && t.begin < previous->end) {
        std::vector<std::string> chars = CodePoints(t.text);
        if (!chars.empty()) out.push_back("C" + previous->text + chars.back());
      }
      previous = &t;
    }
  }
  for (std::string& pair : PairTermsOf(tokens)) out.push_back(std::move(pair));
  return out;
}

std::vector<std::pair<int32_t, float>> IntentClassifier::Vectorize(const std::vector<std::string>& features) const {
  std::vector<int32_t> ids;
  ids.reserve(features.size());
  for (const std::string& f : features) ids.push_back(FeatureId(f));
  return VectorizeIds(ids);
}

std::vector<std::pair<int32_t, float>> IntentClassifier::VectorizeIds(const std::vector<int32_t>& ids) const {
  std::vector<std::pair<int32_t, float>> x;
  std::unordered_map<int32_t, int> tf;
  for (int32_t id : ids) {
    if (id >= 0) ++tf[id];
  }
  double norm = 0;
  for (const auto& [id, n] : tf) {
    float v = static_cast<float>((1.0 + std::log(static_cast<double>(n))) * idf_[static_cast<size_t>(id)]);
    x.emplace_back(id, v);
    norm += static_cast<double>(v) * v;
  }
  std::sort(x.begin(), x.end());  // deterministic order whatever the hash map did
  if (norm > 0) {
    float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (auto& [id, v] : x) v *= inv;
  }
  return x;
}

IntentClassifier IntentClassifier::Train(std::vector<std::string> labels,
                                         const std::vector<ClassifierExample>& examples,
                                         const ClassifierOptions& options) {
  IntentClassifier m;
  m.extraction_.char_ngram_min = options.char_ngram_min;
  m.extraction_.char_ngram_max = options.char_ngram_max;
  m.labels_ = std::move(labels);
  const size_t classes = m.labels_.size();
  // Vocabulary in first-seen order, document frequencies and each feature's classes; each usable
  // example's features as ids from then on (one hash lookup per feature: at 100k entries the
  // vocabulary has a million features).
  std::vector<int> df;
  std::vector<std::vector<int32_t>> support;
  struct Usable {
    int label;
    std::vector<int32_t> features;  // ids, in the example's order, repeats kept
  };
  std::vector<Usable> usable;
  std::unordered_map<std::string_view, int32_t> ids;  // keys view the examples' strings
  std::vector<std::string_view> names;
  std::vector<size_t> counted_in;  // per feature, 1 + the last example whose df it counted
  for (size_t x = 0; x < examples.size(); ++x) {
    const ClassifierExample& e = examples[x];
    if (e.label < 0 || static_cast<size_t>(e.label) >= classes) continue;
    Usable u{e.label, {}};
    u.features.reserve(e.features.size());
    for (const std::string& f : e.features) {
      auto [it, fresh] = ids.try_emplace(f, static_cast<int32_t>(names.size()));
      if (fresh) {
        names.push_back(f);
        df.push_back(0);
        support.emplace_back();
        counted_in.push_back(0);
      }
      const auto id = static_cast<size_t>(it->second);
      u.features.push_back(it->second);
      if (counted_in[id] == x + 1) continue;  // once per example
      counted_in[id] = x + 1;
      ++df[id];
      // A class's phrasings mostly come together: one mention each keeps the lists short.
      std::vector<int32_t>& classes_of = support[id];
      if (classes_of.empty() || classes_of.back() != e.label) classes_of.push_back(e.label);
    }
    usable.push_back(std::move(u));
  }
  counted_in = {};
  const double n = static_cast<double>(usable.size());
  ids.clear();
  const bool dense = static_cast<double>(classes) * static_cast<double>(names.size()) <=
                     static_cast<double>(options.max_dense_weights);
  for (std::vector<int32_t>& c : support) {
    if (dense) {
      c.resize(classes);
      std::iota(c.begin(), c.end(), 0);
    }
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
  }
  const size_t cap = dense ? classes : SparseClassCap(support, df, options);
  std::vector<float> idf(names.size());
  for (size_t f = 0; f < names.size(); ++f) {
    idf[f] = static_cast<float>(std::log((1.0 + n) / (1.0 + df[f])) + 1.0);
    if (support[f].size() > cap) support[f].clear();
  }
  m.Pack(names, std::move(idf), std::move(support));
  names.clear();
  // Identical phrasings of several entries become one sample whose target is shared among them:
  // the model then treats those entries exactly alike (ties stay ties, broken by id downstream).
  struct Sample {
    std::vector<std::pair<int32_t, float>> x;
    std::vector<std::pair<int32_t, double>> targets;  // class, share; shares sum to 1
  };
  std::vector<Sample> samples;
  {
    std::unordered_map<std::vector<std::pair<int32_t, float>>, size_t, SampleHash> sample_of;
    std::vector<std::map<int32_t, int>> counts;
    for (const Usable& e : usable) {
      std::vector<std::pair<int32_t, float>> x = m.VectorizeIds(e.features);
      if (x.empty()) continue;
      auto [it, fresh] = sample_of.try_emplace(x, samples.size());
      if (fresh) {
        samples.push_back({std::move(x), {}});
        counts.emplace_back();
      }
      ++counts[it->second][e.label];
    }
    for (size_t i = 0; i < samples.size(); ++i) {
      int total = 0;
      for (const auto& [c, k] : counts[i]) total += k;
      for (const auto& [c, k] : counts[i]) samples[i].targets.emplace_back(c, static_cast<double>(k) / total);
    }
  }
  if (samples.empty() || options.epochs <= 0) return m;
  int64_t budget_epochs = (std::max<int64_t>(options.max_training_steps, 1) + static_cast<int64_t>(samples.size()) - 1) /
                          static_cast<int64_t>(samples.size());
  const int epochs = static_cast<int>(std::min<int64_t>(options.epochs, budget_epochs));

  std::vector<size_t> order(samples.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(options.seed);
  // z is all zeros between samples (its touched entries are reset after each), so the forward
  // pass is a plain sum; `mark` says which classes the sample touched, branch-free.
  std::vector<double> z(classes, 0);
  std::vector<double> step_of(classes, 0);  // rate x gradient, 0 where negligible
  std::vector<char> touched_mark(classes, 0);
  std::vector<int32_t> touched(classes + 1);  // one past: the forward pass writes before it counts
  const int32_t* const class_of = m.classes_.data();
  float* const weights = m.weights_.data();
  double* const zs = z.data();
  double* const steps = step_of.data();
  char* const mark = touched_mark.data();
  int32_t* const touched_list = touched.data();
  std::vector<int32_t> active;
  const double total_steps = static_cast<double>(epochs) * static_cast<double>(samples.size());
  double step = 0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    // Fisher-Yates on mt19937's output, which the standard fixes (std::shuffle and the
    // distributions may differ between libraries).
    for (size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
    double epoch_rate = 0;
    for (size_t i : order) {
      const double rate = options.learning_rate * (1.0 - step / total_steps);
      epoch_rate += rate;
      ++step;
      const Sample& sample = samples[i];
      size_t n_touched = 0;
      for (const auto& [f, v] : sample.x) {
        const double value = static_cast<double>(v);
        for (size_t k = m.WeightsBegin(f), end = m.WeightsEnd(f); k < end; ++k) {
          const int32_t c = class_of[k];
          touched_list[n_touched] = c;
          n_touched += mark[c] ^ 1;
          mark[c] = 1;
          zs[c] += value * weights[k];
        }
      }
      // Softmax over every class; those sharing no feature with x have logit 0.
      double top = 0;
      for (size_t t = 0; t < n_touched; ++t) top = std::max(top, zs[touched_list[t]]);
      double denominator = static_cast<double>(classes - n_touched) * std::exp(-top);
      for (size_t t = 0; t < n_touched; ++t) {
        const int32_t c = touched_list[t];
        zs[c] = std::exp(zs[c] - top);
        denominator += zs[c];
      }
      // z becomes the gradient of the loss by each touched class's logit: p - target.
      for (size_t t = 0; t < n_touched; ++t) zs[touched_list[t]] /= denominator;
      for (const auto& [c, share] : sample.targets) zs[c] -= share;
      // Classes the sample gives next to no probability learn next to nothing from it.
      // The others' steps are 0, which leaves a weight as it is.
      active.clear();
      for (size_t t = 0; t < n_touched; ++t) {
        const int32_t c = touched_list[t];
        if (std::fabs(zs[c]) < kNegligibleGradient) continue;
        steps[c] = rate * zs[c];
        active.push_back(c);
      }
      for (const auto& [f, v] : sample.x) {
        const double value = static_cast<double>(v);
        const size_t begin = m.WeightsBegin(f), end = m.WeightsEnd(f);
        if (end - begin == classes) {  // every class: the feature's weight of class c is at begin + c
          for (int32_t c : active) weights[begin + static_cast<size_t>(c)] -= static_cast<float>(steps[c] * value);
          continue;
        }
        for (size_t k = begin; k < end; ++k) weights[k] -= static_cast<float>(steps[class_of[k]] * value);
      }
      for (size_t t = 0; t < n_touched; ++t) {
        const int32_t c = touched_list[t];
        mark[c] = 0;
        zs[c] = 0;
      }
      for (int32_t c : active) steps[c] = 0;
      for (const auto& [c, share] : sample.targets) zs[c] = 0;  // a target the sample did not touch
    }
    if (options.l2 > 0) {
      float decay = static_cast<float>(std::exp(-options.l2 * epoch_rate));
      for (float& w : m.weights_) w *= decay;
    }
  }
  return m;
}

ClassSet ClassSet::All(size_t classes) {
  ClassSet set;
  set.size_ = classes;
  return set;
}

ClassSet::ClassSet(std::vector<bool> members)
    : size_(static_cast<size_t>(std::count(members.begin(), members.end(), true))) {
  members_ = std::make_shared<const std::vector<bool>>(std::move(members));
}

double Prediction::Probability(size_t c) const {
  auto it = std::lower_bound(touched_.begin(), touched_.end(), std::make_pair(static_cast<int32_t>(c), -1.0));
  if (it != touched_.end() && static_cast<size_t>(it->first) == c) return it->second;
  return allowed_.contains(c) ? untouched_ : 0;
}

double Prediction::BestRival(size_t c) const {
  return Probability(c) == best_ && best_count_ == 1 ? second_ : best_;
}

Prediction IntentClassifier::Predict(const std::vector<std::string>& features, const ClassSet& allowed) const {
  Prediction out;
  out.allowed_ = allowed;
  if (allowed.size() == 0) return out;
  // Each allowed class's score, summed in feature order (a stable sort keeps it) and kept in
  // ascending class order: the same arithmetic as a dense score vector.
  std::vector<std::pair<int32_t, double>> parts;
  for (const auto& [f, v] : Vectorize(features)) {
    for (size_t k = WeightsBegin(f), end = WeightsEnd(f); k < end; ++k) {
      if (!allowed.contains(static_cast<size_t>(classes_[k]))) continue;
      parts.emplace_back(classes_[k], static_cast<double>(v) * weights_[k]);
    }
  }
  std::stable_sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<int32_t, double>>& scores = out.touched_;
  for (const auto& [c, part] : parts) {
    if (scores.empty() || scores.back().first != c) scores.emplace_back(c, 0.0);
    scores.back().second += part;
  }
  // Softmax over every allowed class; the untouched ones have score 0, exp(0 - top) each.
  double top = 0;
  for (const auto& [c, z] : scores) top = std::max(top, z);
  const size_t untouched = allowed.size() - scores.size();
  double rest = std::exp(-top);
  double denominator = static_cast<double>(untouched) * rest;
  for (auto& [c, z] : scores) {
    z = std::exp(z - top);
    denominator += z;
  }
  out.untouched_ = rest / denominator;
  auto offer = [&out](double p, size_t times) {
    for (size_t i = 0; i < times; ++i) {
      if (p > out.best_ || out.best_count_ == 0) {
        out.second_ = out.best_;
        out.best_ = p;
        out.best_count_ = 1;
      } else if (p == out.best_) {
        out.second_ = p;
        ++out.best_count_;
      } else if (p > out.second_) {
        out.second_ = p;
      }
    }
  };
  for (auto& [c, z] : scores) {
    z /= denominator;
    offer(z, 1);
  }
  offer(out.untouched_, std::min<size_t>(untouched, 2));  // two suffice for best and second
  return out;
}

float IntentClassifier::Weight(int32_t f, int32_t c) const {
  if (f < 0 || static_cast<size_t>(f) >= idf_.size()) return 0;
  auto begin = classes_.begin() + static_cast<std::ptrdiff_t>(WeightsBegin(f));
  auto end = classes_.begin() + static_cast<std::ptrdiff_t>(WeightsEnd(f));
  auto it = std::lower_bound(begin, end, c);
  if (it == end || *it != c) return 0;
  return weights_[static_cast<size_t>(it - classes_.begin())];
}

std::vector<std::string> IntentClassifier::FeaturesOf(const std::vector<Token>& tokens) const {
  return ClassifierFeaturesOf(tokens, extraction_);
}

size_t IntentClassifier::weight_count() const { return weights_.size(); }

int32_t IntentClassifier::FeatureId(std::string_view name) const {
  if (table_.empty()) return -1;
  const size_t mask = table_.size() - 1;
  for (size_t slot = std::hash<std::string_view>()(name) & mask;; slot = (slot + 1) & mask) {
    int32_t f = table_[slot];
    if (f < 0 || FeatureName(f) == name) return f;
  }
}

std::string_view IntentClassifier::FeatureName(int32_t f) const {
  size_t begin = f == 0 ? 0 : name_end_[static_cast<size_t>(f) - 1];
  return std::string_view(names_).substr(begin, name_end_[static_cast<size_t>(f)] - begin);
}

bool IntentClassifier::AddFeature(std::string_view name, float idf) {
  // The table is sized before the features are added, at most three quarters full.
  const size_t mask = table_.size() - 1;
  size_t slot = std::hash<std::string_view>()(name) & mask;
  for (; table_[slot] >= 0; slot = (slot + 1) & mask) {
    if (FeatureName(table_[slot]) == name) return false;
  }
  names_.append(name);
  name_end_.push_back(static_cast<uint32_t>(names_.size()));
  idf_.push_back(idf);
  table_[slot] = static_cast<int32_t>(idf_.size() - 1);
  return true;
}

void IntentClassifier::ReserveFeatures(size_t features) {
  size_t slots = 1;
  while (slots * 3 < features * 4 + 4) slots *= 2;
  table_.assign(slots, -1);
  name_end_.reserve(features);
  idf_.reserve(features);
  weight_end_.reserve(features);
}

void IntentClassifier::Pack(const std::vector<std::string_view>& names, std::vector<float> idf,
                            std::vector<std::vector<int32_t>> classes) {
  ReserveFeatures(names.size());
  size_t weights = 0;
  for (const auto& c : classes) weights += c.size();
  classes_.reserve(weights);
  for (size_t f = 0; f < names.size(); ++f) {
    AddFeature(names[f], idf[f]);
    classes_.insert(classes_.end(), classes[f].begin(), classes[f].end());
    weight_end_.push_back(static_cast<uint32_t>(classes_.size()));
  }
  weights_.assign(classes_.size(), 0.0f);
}

Status IntentClassifier::Save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Internal("cannot write " + path);
  out.write(kMagic, kMagicBytes);
  Writer w(&out);
  w.U32(static_cast<uint32_t>(std::max(0, extraction_.char_ngram_min)));
  w.U32(static_cast<uint32_t>(std::max(0, extraction_.char_ngram_max)));
  w.U32(static_cast<uint32_t>(labels_.size()));
  for (const std::string& label : labels_) w.Str(label);
  w.U32(static_cast<uint32_t>(idf_.size()));
  for (size_t f = 0; f < idf_.size(); ++f) {
    const auto id = static_cast<int32_t>(f);
    w.Str(FeatureName(id));
    w.F32(idf_[f]);
    w.U32(static_cast<uint32_t>(WeightsEnd(id) - WeightsBegin(id)));
    for (size_t k = WeightsBegin(id); k < WeightsEnd(id); ++k) {
      w.U32(static_cast<uint32_t>(classes_[k]));
      w.F32(weights_[k]);
    }
  }
  out.flush();
  if (!out) return Status::Internal("cannot write " + path);
  return Status::Ok();
}

Result<IntentClassifier> IntentClassifier::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::NotFound("cannot read " + path);
  std::string data(static_cast<size_t>(in.tellg()), '\0');  // read at once: no stream buffer copies
  in.seekg(0);
  if (!in.read(data.data(), static_cast<std::streamsize>(data.size()))) return Status::NotFound("cannot read " + path);
  Reader r(std::move(data));
  auto damaged = [&]() { return Status::DataLoss(path + " is not a Kefu classifier file (or is damaged)"); };
  if (r.data().compare(0, kMagicBytes, kMagic) != 0 || !r.Skip(kMagicBytes)) return damaged();
  IntentClassifier m;
  uint32_t ngram_min = 0, ngram_max = 0;
  if (!r.U32(&ngram_min) || !r.U32(&ngram_max) || ngram_min > 16 || ngram_max > 16) return damaged();
  m.extraction_.char_ngram_min = static_cast<int>(ngram_min);
  m.extraction_.char_ngram_max = static_cast<int>(ngram_max);
  uint32_t labels = 0;
  // Every label and feature takes at least 4 bytes: counts larger than the file are damage.
  if (!r.U32(&labels) || labels > r.remaining() / 4) return damaged();
  m.labels_.resize(labels);
  for (std::string& label : m.labels_) {
    if (!r.Str(&label)) return damaged();
  }
  uint32_t features = 0;
  if (!r.U32(&features) || features > r.remaining() / 4) return damaged();
  m.ReserveFeatures(features);
  std::string name;
  for (uint32_t f = 0; f < features; ++f) {
    uint32_t count = 0;
    float idf = 0;
    if (!r.Str(&name) || !r.F32(&idf) || !r.U32(&count) || count > labels) return damaged();
    if (!m.AddFeature(name, idf)) return damaged();  // a name twice
    for (uint32_t k = 0; k < count; ++k) {
      uint32_t c = 0;
      float weight = 0;
      if (!r.U32(&c) || c >= labels || (k > 0 && static_cast<int32_t>(c) <= m.classes_.back()) || !r.F32(&weight)) {
        return damaged();
      }
      m.classes_.push_back(static_cast<int32_t>(c));
      m.weights_.push_back(weight);
    }
    if (m.classes_.size() > UINT32_MAX || m.names_.size() > UINT32_MAX) return damaged();
    m.weight_end_.push_back(static_cast<uint32_t>(m.classes_.size()));
  }
  if (r.remaining() != 0) return damaged();
  return m;
}

}  // namespace kefu
