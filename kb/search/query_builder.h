// Query analysis and Xapian query construction: tokens -> weighted terms -> one OR query over the
// question documents, the aggregate documents and the entry bodies, each field weighted; all-terms
// documents naturally rank first under BM25, any-terms documents still match (graceful fall-back
// for loose questions). Terms common in the questions only score what the rarer ones find
// (QueryTerm::selective).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <xapian.h>

#include "kb/search/ranking.h"
#include "kb/text/analyzer.h"

namespace kefu {

struct QueryTerm {
  std::string term;  // without field prefix (see terms.h)
  TokenKind kind = TokenKind::kWord;
  double weight = 1;  // the query-side weight of this term
  bool pair = false;  // a word-pair term: ranking evidence, left out of coverage features
  bool in_body = true;  // searched in the entry bodies too (RankingOptions::body_common_share)
  // Makes a document a candidate (RankingOptions::selective_share); a common term only adds to the
  // score of documents that hold a selective one, unless no term of the question is selective.
  bool selective = true;
};


// Unique terms of `tokens` in first-seen order.
std::vector<QueryTerm> QueryTermsOf(const std::vector<Token>& tokens, const RankingOptions& options);

// A term as the query searches it (field prefix included) and its query-side weight.
struct WeightedTerm {
  std::string term;
  double factor = 1;
};

// Makes the query that scores the common terms' leaves, in place of their OR; nullopt: the OR.
using ScoringQuery = std::function<std::optional<Xapian::Query>(const std::vector<WeightedTerm>& leaves)>;

// The free-text part of a search (no filters). `scoring`, when set, makes the common terms' part
// (QueryTerm::selective) where rarer terms make the candidates.
Xapian::Query BuildTextQuery(const std::vector<QueryTerm>& terms, const RankingOptions& options,
                             const ScoringQuery& scoring = nullptr);

}  // namespace kefu
