// Golden questions on the serving and the new generation, side by side.
#include "kb/golden_guard.h"

#include <algorithm>
#include <filesystem>

namespace kefu {
namespace {

// The first hit's id, "" when nothing matched.
Result<std::string> TopAnswer(const KnowledgeBase& kb, const GoldenQuestion& g) {
  SearchRequest request;
  request.query = g.query;
  request.locale = g.locale;
  request.limit = 1;
  auto result = kb.Search(request);
  if (!result.ok()) return result.status();
  return result->hits.empty() ? std::string() : result->hits.front().id;
}

bool IsRelevant(const GoldenQuestion& g, const std::string& id) {
  return std::find(g.relevant.begin(), g.relevant.end(), id) != g.relevant.end();
}

}  // namespace

std::function<Status(const std::string&)> GoldenGuard(const std::string& index_dir,
                                                       std::vector<GoldenQuestion> golden,
                                                       const KnowledgeBaseOptions& options,
                                                       std::vector<GoldenRegression>* regressions) {
  return [index_dir, golden = std::move(golden), options,
          regressions](const std::string& gen_dir) -> Status {
    // Cleared first, so that a caller never reads a previous build's list.
    if (regressions != nullptr) regressions->clear();
    if (golden.empty()) return Status::Ok();  // nothing to compare: skip opening both generations
    KnowledgeBaseOptions serving_options = options;
    serving_options.index_dir = index_dir;
    serving_options.generation.clear();
    auto serving = KnowledgeBase::Open(serving_options);
    if (!serving.ok()) return Status::Ok();  // nothing served yet: nothing can regress

    std::filesystem::path gen(gen_dir);
    KnowledgeBaseOptions fresh_options = options;
    fresh_options.index_dir = gen.parent_path().string();
    fresh_options.generation = gen.filename().string();
    auto fresh = KnowledgeBase::Open(fresh_options);
    if (!fresh.ok()) return fresh.status();

    std::vector<GoldenRegression> found;
    std::string listed;
    for (const GoldenQuestion& g : golden) {
      auto before = TopAnswer(**serving, g);
      if (!before.ok() || !IsRelevant(g, *before)) continue;
      auto after = TopAnswer(**fresh, g);
      if (!after.ok()) return after.status();
      if (IsRelevant(g, *after)) continue;
      found.push_back({.line = g.line, .query = g.query, .answer = *before, .would_answer = *after});
      listed += "\n  golden.jsonl:" + std::to_string(g.line) + " '" + g.query + "' would answer " +
                (after->empty() ? std::string("nothing") : *after) + " instead of " + *before;
    }
    if (found.empty()) return Status::Ok();
    const size_t count = found.size();
    if (regressions != nullptr) *regressions = std::move(found);
    return Status::FailedPrecondition(std::to_string(count) +
                                      " golden questions answered right now would turn wrong; the index was "
                                      "not switched (publish anyway with --force):" +
                                      listed);
  };
}

}  // namespace kefu
