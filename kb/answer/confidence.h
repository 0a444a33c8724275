// Confidence: search candidates -> a calibrated probability that an entry answers the question.
// What the bot does with it is kb/answer/dialog's DecideReply().
#pragma once

#include <vector>

#include "kb/answer/features.h"
#include "kb/answer/policy.h"
#include "kb/search/searcher.h"

namespace kefu {

// Features of candidates[i] among all candidates (ordered best first) for a question with `words`
// words (Han words included), `han` when it is Chinese.
ConfidenceFeatures FeaturesOf(const std::vector<Candidate>& candidates, size_t i, size_t words, bool han);
double Confidence(const ConfidenceFeatures& features, const ConfidenceModel& model);

}  // namespace kefu
