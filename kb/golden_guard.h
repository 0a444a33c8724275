// The golden-question guard: a new index generation that turns a right answer wrong is refused
// before it goes live. "Right" = the first hit is one of the question's relevant entries.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kb/content/golden.h"
#include "kb/knowledge_base.h"
#include "kb/status.h"

namespace kefu {

// A golden question the served generation answers right and the new one would answer wrong.
struct GoldenRegression {
  int line = 0;               // 1-based line in golden.jsonl
  std::string query;
  std::string answer;         // the relevant entry served now
  std::string would_answer;   // the new generation's first hit; "" when it finds nothing
};

// A verify callback for IndexBuildOptions: compares every golden question on the generation being
// served from `index_dir` (when there is one) and on the new generation. kFailedPrecondition
// listing every question that was right and would turn wrong ("golden.jsonl:12 '...' would answer
// x instead of y"); OK otherwise. `options` supplies ranking and policy (index_dir/generation are
// set by the guard). When `regressions` is not null, each call stores there the questions it
// found (empty when it passes); it must outlive the callback.
std::function<Status(const std::string& gen_dir)> GoldenGuard(
    const std::string& index_dir, std::vector<GoldenQuestion> golden,
    const KnowledgeBaseOptions& options = {}, std::vector<GoldenRegression>* regressions = nullptr);

}  // namespace kefu
