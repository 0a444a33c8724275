// ConfidenceFeatures: what the confidence model sees of a candidate; reported with every hit so
// replies can be explained and the model refitted (kefu-eval --features).
#pragma once

namespace kefu {

struct ConfidenceFeatures {
  double query_coverage = 0;  // candidate's share of the query terms (idf-weighted)
  double doc_coverage = 0;    // share of the matched question's terms in the query; 0 for body matches
  double margin = 0;          // this candidate's similarity minus the best other candidate's
  double score_ratio = 0;     // best other candidate's score / this one's (1 = a tie)
  bool body_match = false;    // matched the body, not a question
  bool han_query = false;     // the question is Chinese (bigram matches make coverage run higher)
  double query_words = 0;     // log(1 + words and Han words in the question): short questions are vaguer
  double model_probability = 0;  // the classifier's probability for the candidate (0 without one)
  double model_margin = 0;       // that minus the classifier's best probability for another entry
};

}  // namespace kefu
