// The matcher: a question's best documents under the baked BM25 weights (weight.h), found by reading
// the candidate terms' posting lists once into a table of sums, in place of Xapian's Enquire.
//
// Why not Enquire: at 100k entries a question has about 19 candidate leaves (7,000 postings) and 6
// common ones; Enquire's tree of OR nodes over them, a Document made for the MatchDecider per
// candidate and AND_MAYBE's check of every candidate against every common list were 61% of a
// search's instructions (callgrind), several times the cost of decoding the postings themselves.
// The weights are the same sums (in another order, so they may differ in the last bit); the order
// is Xapian's with Enquire::ASCENDING: weight descending, then docid ascending.
#pragma once

#include <xapian.h>

#include <functional>
#include <string>
#include <vector>

#include "kb/search/common_postings.h"

namespace kefu {

// Kinds of documents a term can be in (MatchQuery::field_of).
inline constexpr int kMatchFields = 3;

// A term as indexed (field prefix included) and what each unit of its wdf weighs:
// BakedTermWeight(collection size, its frequency, the query's factor).
struct MatchLeaf {
  std::string term;
  double weight_per_wdf = 0;
  int field = 0;  // the kind of the documents that can hold it, below kMatchFields
};

struct MatchQuery {
  // A document that holds one of these terms is a candidate.
  std::vector<MatchLeaf> candidates;
  // These only add to the score of candidates (QueryTerm::selective); their postings are read from
  // memory (CommonPostings) where it keeps them.
  std::vector<MatchLeaf> scoring;
  // The candidates' terms are common ones too (a question made of common terms only): read from
  // memory as well.
  bool candidates_common = false;
  // The kind of a document, below kMatchFields, where each term is only in documents of its
  // MatchLeaf::field (schema.h: field prefixes by document kind): a common leaf then looks up and
  // bounds only the candidates of its kind. Null: every document and leaf is of kind 0.
  int (*field_of)(Xapian::docid) = nullptr;
  // A kind of document whose candidate leaves are read after the others' and not at all when, with
  // its common leaves, they cannot lift a document of that kind over the pool's lowest weight so far
  // (MaxScore: the body leaves, which weigh little); -1: none. Needs field_of.
  int last_field = -1;
};

struct ScoredDoc {
  Xapian::docid did = 0;
  double weight = 0;
};

// The `pool` best candidates that `accept` lets through, best first; a document's weight is the sum
// over the leaves it holds, of both lists, of weight_per_wdf × wdf: what Enquire with BakedWeight
// gives for OR(candidates) AND_MAYBE OR(scoring). Throws Xapian's errors.
std::vector<ScoredDoc> MatchTop(const Xapian::Database& db, const MatchQuery& query,
                                const std::function<bool(Xapian::docid)>& accept, size_t pool,
                                CommonPostings& memory);

}  // namespace kefu
