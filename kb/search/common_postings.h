// The posting lists of terms too common to make candidates (QueryTerm::selective), copied into
// memory on first use for the matcher (matcher.h) to score them from.
//
// A question's common terms only add to the score of the documents its rarer terms find
// (query_builder.h): each candidate is looked up in each common term's list, and a lookup in glass
// decodes the compressed chunk that holds the docid posting by posting (callgrind at 100k entries:
// 26% of a search's instructions). In memory a lookup is a galloping search, and common terms are
// by definition few and asked again and again.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kefu {

// One term's postings, in docid order.
struct Postings {
  std::vector<Xapian::docid> docids;
  std::vector<uint8_t> wdfs;  // baked wdfs (weight.h), below 256 at any k1 up to 3
  Xapian::termcount max_wdf = 0;
};

// Per generation: the postings of the terms asked for, up to a budget of bytes; a term beyond the
// budget (or with a wdf above 255) is not kept, and its searches read Xapian's list as before.
class CommonPostings {
 public:
  explicit CommonPostings(size_t max_bytes) : max_bytes_(max_bytes) {}
  // The postings of `term`, read from `db` on first use; null when they are not kept. Throws
  // Xapian's errors.
  std::shared_ptr<const Postings> Get(const Xapian::Database& db, const std::string& term);

 private:
  const size_t max_bytes_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Postings>> terms_;  // null: not kept
  size_t bytes_ = 0;
};

}  // namespace kefu
