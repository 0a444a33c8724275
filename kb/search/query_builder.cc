// Weighted OR queries over question and body terms.
#include "kb/search/query_builder.h"

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

Xapian::Query BuildTextQuery(const std::vector<QueryTerm>& terms, const RankingOptions& options,
                             const ScoringQuery& scoring) {
  // Leaves of the selective terms, and of the common ones (QueryTerm::selective).
  std::vector<WeightedTerm> parts[2];
  for (const QueryTerm& t : terms) {
    std::vector<WeightedTerm>& out = parts[t.selective ? 0 : 1];
    out.push_back({t.term, t.weight});
    // Only question documents hold word pairs (index_writer.cc): opening the other fields' lists
    // would look up terms that are in no document.
    if (t.pair) continue;
    out.push_back({schema::Term(schema::kAggregatePrefix, t.term), t.weight * options.aggregate_weight});
    if (t.in_body) out.push_back({schema::Term(schema::kBodyPrefix, t.term), t.weight * options.body_weight});
  }
  auto or_of = [](const std::vector<WeightedTerm>& leaves) {
    std::vector<Xapian::Query> queries;
    queries.reserve(leaves.size());
    for (const WeightedTerm& l : leaves) {
      queries.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(l.term), l.factor);
    }
    return Xapian::Query(Xapian::Query::OP_OR, queries.begin(), queries.end());
  };
  if (parts[0].empty() || parts[1].empty()) return or_of(parts[0].empty() ? parts[1] : parts[0]);
  // Documents that hold only common terms are not candidates; the common terms still score the
  // documents that are (the matcher skips to them in the long lists instead of walking them).
  std::optional<Xapian::Query> common;
  if (scoring) common = scoring(parts[1]);
  return Xapian::Query(Xapian::Query::OP_AND_MAYBE, or_of(parts[0]), common ? *std::move(common) : or_of(parts[1]));
}

}  // namespace kefu
