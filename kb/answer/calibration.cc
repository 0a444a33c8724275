// Logistic regression by Newton's method on the handful of confidence features.
#include "kb/answer/calibration.h"

#include <array>
#include <cmath>

namespace kefu {
namespace {

constexpr int kDims = 10;  // bias + nine features
using Vec = std::array<double, kDims>;

Vec ToVec(const ConfidenceFeatures& f) {
  return {1.0,           f.query_coverage, f.doc_coverage,          f.margin,
          f.score_ratio, f.body_match ? 1.0 : 0.0, f.han_query ? 1.0 : 0.0, f.query_words,
          f.model_probability, f.model_margin};
}

// Solves a * x = b by Gaussian elimination with partial pivoting; false when singular.
bool Solve(std::array<Vec, kDims> a, Vec b, Vec* x) {
  for (int col = 0; col < kDims; ++col) {
    int pivot = col;
    for (int r = col + 1; r < kDims; ++r) {
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    }
    if (std::fabs(a[pivot][col]) < 1e-12) return false;
    std::swap(a[col], a[pivot]);
    std::swap(b[col], b[pivot]);
    for (int r = col + 1; r < kDims; ++r) {
      double f = a[r][col] / a[col][col];
      for (int c = col; c < kDims; ++c) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  for (int r = kDims - 1; r >= 0; --r) {
    double s = b[r];
    for (int c = r + 1; c < kDims; ++c) s -= a[r][c] * (*x)[c];
    (*x)[r] = s / a[r][r];
  }
  return true;
}

}  // namespace

ConfidenceModel FitConfidenceModel(const std::vector<LabelledFeatures>& samples, double l2) {
  Vec w{};
  for (int iter = 0; iter < 50; ++iter) {
    Vec grad{};
    std::array<Vec, kDims> hess{};
    for (const auto& s : samples) {
      Vec x = ToVec(s.features);
      double z = 0;
      for (int i = 0; i < kDims; ++i) z += w[i] * x[i];
      double p = 1.0 / (1.0 + std::exp(-z));
      double err = p - (s.correct ? 1.0 : 0.0);
      for (int i = 0; i < kDims; ++i) {
        grad[i] += err * x[i];
        for (int j = 0; j < kDims; ++j) hess[i][j] += p * (1 - p) * x[i] * x[j];
      }
    }
    double n = std::max<double>(1, static_cast<double>(samples.size()));
    for (int i = 0; i < kDims; ++i) {
      grad[i] = grad[i] / n + (i > 0 ? l2 * w[i] : 0);
      for (int j = 0; j < kDims; ++j) hess[i][j] = hess[i][j] / n + (i == j ? l2 + 1e-9 : 0);
    }
    Vec step{};
    if (!Solve(hess, grad, &step)) break;
    double change = 0;
    for (int i = 0; i < kDims; ++i) {
      w[i] -= step[i];
      change += std::fabs(step[i]);
    }
    if (change < 1e-9) break;
  }
  ConfidenceModel m;
  m.bias = w[0];
  m.query_coverage = w[1];
  m.doc_coverage = w[2];
  m.margin = w[3];
  m.score_ratio = w[4];
  m.body_match = w[5];
  m.han_query = w[6];
  m.query_words = w[7];
  m.model_probability = w[8];
  m.model_margin = w[9];
  return m;
}

}  // namespace kefu
