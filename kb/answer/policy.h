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
  // The classifier's features (ranking.h model_weight, classifier.h): 0 here, where no classifier
  // is trained; AnswerPolicy::model_with_classifier weighs them.
  double model_probability = 0.0;
  double model_margin = 0.0;
};

struct AnswerPolicy {
  // Answer directly at or above this confidence. Default: 0.70 (on the clinc150 dev split, where a
  // classifier is trained: 93% of answers right, 60% of questions answered, 92% of out-of-scope
  // questions not answered; docs/QUALITY.md).
  double answer_threshold = 0.70;
  // Between this and answer_threshold, offer the top entries to choose from; below, hand off.
  // Default: 0.3.
  double clarify_threshold = 0.3;
  // For questions in a language group the generation has no classifier for (classifier.h: too few
  // phrasings per entry, or ClassifierOptions::enabled off).
  ConfidenceModel model;
  // For questions in a language group that has a classifier: fitted with it on (`kefu-eval
  // --features` with the defaults, then `--fit-confidence` on the banking77, clinc150 and bq-corpus
  // dev splits together; each English set was also left out of a fit to check the other,
  // docs/QUALITY.md "Confidence calibration"). Calibrated as fitted: no shift of the bias.
  ConfidenceModel model_with_classifier = {.bias = -0.2789,
                                           .query_coverage = 0.6808,
                                           .doc_coverage = 0.8894,
                                           .margin = 0.9004,
                                           .score_ratio = -2.2616,
                                           .body_match = 0.0,
                                           .han_query = -1.3677,
                                           .query_words = 0.5873,
                                           .model_probability = 2.3226,
                                           .model_margin = 3.1637};
};

}  // namespace kefu
