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

Xapian::Query BuildTextQuery(const std::vector<QueryTerm>& terms, const RankingOptions& options) {
  std::vector<Xapian::Query> question_parts;
  std::vector<Xapian::Query> aggregate_parts;
  std::vector<Xapian::Query> body_parts;
  for (const QueryTerm& t : terms) {
    question_parts.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(t.term), t.weight);
    aggregate_parts.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                                 Xapian::Query(schema::Term(schema::kAggregatePrefix, t.term)), t.weight);
    if (t.in_body) {
      body_parts.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                              Xapian::Query(schema::Term(schema::kBodyPrefix, t.term)), t.weight);
    }
  }
  Xapian::Query questions(Xapian::Query::OP_OR, question_parts.begin(), question_parts.end());
  Xapian::Query aggregates(Xapian::Query::OP_OR, aggregate_parts.begin(), aggregate_parts.end());
  std::vector<Xapian::Query> fields = {
      questions, Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, aggregates, options.aggregate_weight)};
  if (!body_parts.empty()) {
    Xapian::Query bodies(Xapian::Query::OP_OR, body_parts.begin(), body_parts.end());
    fields.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, bodies, options.body_weight);
  }
  return Xapian::Query(Xapian::Query::OP_OR, fields.begin(), fields.end());
}

}  // namespace kefu
