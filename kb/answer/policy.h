// AnswerPolicy: the thresholds that turn a confidence into a decision, and the calibrated confidence
// model's coefficients, each with its default. One policy for every set and language.
#pragma once

namespace kefu {

// p = 1 / (1 + exp(-(bias + sum of weight * feature))); features are described in confidence.h.
// Fitted with `kefu-eval --fit-confidence` on the banking77 and bq-corpus dev splits together and checked
// on clinc150, which it was not fitted on (docs/QUALITY.md).
struct ConfidenceModel {
  double bias = 4.1335;
  double query_coverage = 0.7930;
  double doc_coverage = 2.1864;
  double margin = 0.2845;
  double score_ratio = -6.2358;
  double body_match = 0.0;
  double han_query = -2.4116;
  double query_words = 0.1808;
  // The classifier's features (ranking.h model_weight, classifier.h): 0 while it is off by default.
  // Fitted with it on: --set w_model_probability=2.7258 --set w_model_margin=2.8233 and the other
  // weights in docs/QUALITY.md.
  double model_probability = 0.0;
  double model_margin = 0.0;
};

struct AnswerPolicy {
  // Answer directly at or above this confidence. Default: 0.75 (on the clinc150 dev split: 91% of
  // answers right, 56% of questions answered).
  double answer_threshold = 0.75;
  // Between this and answer_threshold, offer the top entries to choose from; below, hand off.
  // Default: 0.3.
  double clarify_threshold = 0.3;
  ConfidenceModel model;
};

}  // namespace kefu
