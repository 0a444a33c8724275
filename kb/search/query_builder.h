// Query analysis and Xapian query construction: tokens -> weighted terms -> one OR query over the
// question documents, the aggregate documents and the entry bodies, each field weighted; all-terms
// documents naturally rank first under BM25, any-terms documents still match (graceful fall-back
// for loose questions). Terms common in the questions only score what the rarer ones find
// (QueryTerm::selective).
#pragma once

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

// The free-text part of a search (no filters).
Xapian::Query BuildTextQuery(const std::vector<QueryTerm>& terms, const RankingOptions& options);

}  // namespace kefu
