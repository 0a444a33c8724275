// Calibration: fits the confidence model (a logistic regression over ConfidenceFeatures) to questions
// whose right answer is known, so that a confidence of 0.8 is right about 80% of the time.
#pragma once

#include <vector>

#include "kb/answer/features.h"
#include "kb/answer/policy.h"

namespace kefu {

struct LabelledFeatures {
  ConfidenceFeatures features;
  bool correct = false;  // the top answer was right
};

// Maximum-likelihood fit (Newton's method) with a small L2 penalty `l2` on the weights (not the bias).
ConfidenceModel FitConfidenceModel(const std::vector<LabelledFeatures>& samples, double l2 = 1e-3);

}  // namespace kefu
