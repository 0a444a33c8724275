// A question's terms, and the weighted leaves they are searched as in each field.
#include "kb/search/query_builder.h"

#include <algorithm>
#include <unordered_set>

#include "kb/search/schema.h"
#include "kb/search/terms.h"

namespace kefu {
namespace {

// Function words that match nearly every question; they only add noise to the ranking (the
// documents still contain them, so a question made only of them still matches).
const std::unordered_set<std::string>& StopWords() {
  static const std::unordered_set<std::string> words = {
      "a", "an", "the", "i", "me", "my", "is", "am", "are", "to", "of", "and", "please",
      "的", "了", "吗", "呢", "啊", "吧", "呀", "么", "嘛"};
  return words;
}

}  // namespace

std::vector<QueryTerm> QueryTermsOf(const std::vector<Token>& tokens, const RankingOptions& options) {
  std::vector<QueryTerm> terms;
  std::vector<QueryTerm> stop;
  std::unordered_set<std::string> seen;
  for (const Token& token : tokens) {
    std::string term = TermOf(token);
    if (term.empty() || !seen.insert(term).second) continue;
    double weight = token.kind == TokenKind::kHanBigram ? options.bigram_weight : 1.0;
    bool is_stop = options.drop_stop_words && token.kind != TokenKind::kHanBigram && StopWords().count(term) != 0;
    (is_stop ? stop : terms).push_back({std::move(term), token.kind, weight});
  }
  if (terms.empty()) terms = std::move(stop);
  if (options.pair_weight > 0) {
    for (std::string& pair : PairTermsOf(tokens)) {
      if (seen.insert(pair).second) terms.push_back({std::move(pair), TokenKind::kWord, options.pair_weight, true});
    }
  }
  return terms;
}

TextQuery TextQueryOf(const std::vector<QueryTerm>& terms, const RankingOptions& options) {
  TextQuery query;
  const bool any_selective = std::any_of(terms.begin(), terms.end(), [](const QueryTerm& t) { return t.selective; });
  query.candidates_common = !any_selective;
  for (const QueryTerm& t : terms) {
    // Documents that hold only common terms are not candidates; the common terms still score the
    // documents that are.
    std::vector<WeightedTerm>& out = t.selective || !any_selective ? query.candidates : query.scoring;
    out.push_back({t.term, t.weight, 0});
    // Only question documents hold word pairs (index_writer.cc): looking the other fields' lists
    // up would find nothing.
    if (t.pair) continue;
    out.push_back({schema::Term(schema::kAggregatePrefix, t.term), t.weight * options.aggregate_weight, 1});
    if (t.in_body) out.push_back({schema::Term(schema::kBodyPrefix, t.term), t.weight * options.body_weight, 2});
  }
  return query;
}

}  // namespace kefu
