// Logistic confidence over coverage and margin features.
#include "kb/answer/confidence.h"

#include <cmath>

namespace kefu {
namespace {

double Similarity(const Candidate& c) {
  return c.question_match ? 0.5 * (c.query_coverage + c.doc_coverage) : 0.5 * c.query_coverage;
}

}  // namespace

ConfidenceFeatures FeaturesOf(const std::vector<Candidate>& candidates, size_t i, size_t words, bool han) {
  ConfidenceFeatures f;
  f.han_query = han;
  f.query_words = std::log1p(static_cast<double>(words));
  const Candidate& c = candidates[i];
  f.query_coverage = c.query_coverage;
  f.doc_coverage = c.question_match ? c.doc_coverage : 0;
  f.body_match = !c.question_match;
  const Candidate* other = nullptr;
  if (candidates.size() > 1) other = i == 0 ? &candidates[1] : &candidates[0];
  f.margin = Similarity(c) - (other != nullptr ? Similarity(*other) : 0);
  // Lexical scores: a near tie there says the words alone do not decide (the classifier's view has
  // features of its own).
  f.score_ratio =
      other != nullptr && c.lexical_score > 0 ? std::min(1.0, other->lexical_score / c.lexical_score) : 0;
  f.model_probability = c.model_probability;
  f.model_margin = c.model_probability - c.model_runner_up;
  return f;
}

double Confidence(const ConfidenceFeatures& f, const ConfidenceModel& m) {
  double z = m.bias + m.query_coverage * f.query_coverage + m.doc_coverage * f.doc_coverage +
             m.margin * f.margin + m.score_ratio * f.score_ratio + (f.body_match ? m.body_match : 0) +
             (f.han_query ? m.han_query : 0) + m.query_words * f.query_words +
             m.model_probability * f.model_probability + m.model_margin * f.model_margin;
  return 1.0 / (1.0 + std::exp(-z));
}

}  // namespace kefu
