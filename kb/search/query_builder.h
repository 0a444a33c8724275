// Query analysis: tokens -> weighted terms -> the leaves of one weighted OR over the question
// documents, the aggregate documents and the entry bodies, each field weighted; all-terms
// documents naturally rank first under BM25, any-terms documents still match (graceful fall-back
// for loose questions). Terms common in the questions only score what the rarer ones find
// (QueryTerm::selective).
#pragma once

#include <string>
#include <vector>

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
  int field = 0;  // the documents that hold it: 0 questions, 1 aggregates, 2 entry bodies (schema.h)
};

// The leaves of a search (matcher.h): each term in the question documents and, but for word pairs,
// the aggregate documents and (QueryTerm::in_body) the entry bodies, weighted per field. Where some
// terms are selective and some are not, the common terms' leaves only score; otherwise every leaf
// makes candidates.
struct TextQuery {
  std::vector<WeightedTerm> candidates;
  std::vector<WeightedTerm> scoring;
  bool candidates_common = false;  // every term is common (none is selective)
};
TextQuery TextQueryOf(const std::vector<QueryTerm>& terms, const RankingOptions& options);

}  // namespace kefu
