// The posting lists of terms too common to make candidates (QueryTerm::selective), copied into
// memory on first use, and the PostingSource that scores a query's common terms from those copies.
//
// A question's common terms only add to the score of the documents its rarer terms find
// (query_builder.h): Xapian's AND_MAYBE checks every candidate against each common term's list, and
// a check in glass decodes the compressed chunk that holds the docid posting by posting (callgrind
// at 100k entries: 26% of a search's instructions). In memory a check is a galloping search, and
// common terms are by definition few and asked again and again.
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

// The terms of `leaves` as one posting list whose weight at a document is what BakedWeight would
// give their leaves there: the sum of each term's idf × its query factor × wdf / kBakedWdfScale. The
// idf is BM25's over the collection, as BakedWeight's (weight.h), so rankings are the same.
class CommonTermsSource : public Xapian::PostingSource {
 public:
  struct Leaf {
    std::shared_ptr<const Postings> postings;
    double weight_per_wdf = 0;  // BakedTermWeight(collection size, the term's frequency, factor)
  };
  explicit CommonTermsSource(std::vector<Leaf> leaves);

  Xapian::doccount get_termfreq_min() const override;
  Xapian::doccount get_termfreq_est() const override;
  Xapian::doccount get_termfreq_max() const override;
  double get_weight() const override;
  Xapian::docid get_docid() const override { return current_; }
  void next(double min_wt) override;
  void skip_to(Xapian::docid did, double min_wt) override;
  bool check(Xapian::docid did, double min_wt) override;
  bool at_end() const override { return started_ && current_ == 0; }
  void init(const Xapian::Database& db) override;
  std::string name() const override { return "kefu::CommonTermsSource"; }

 private:
  // A leaf as the matcher walks it: its postings' arrays (kept alive by leaves_) and where it is.
  struct Cursor {
    const Xapian::docid* docids;
    const uint8_t* wdfs;
    size_t size;
    size_t at;  // the index of its next posting
    double weight_per_wdf;
  };
  // Moves `c` to its first posting at or after `did`: galloping, since candidates come in docid
  // order, usually a little ahead of the last one.
  static void Advance(Cursor& c, Xapian::docid did);
  // Moves each leaf to its first posting at or after `did` (0: leaves them), and positions on the
  // smallest docid a leaf is then at (0 when none is left), with its weight, in one pass.
  void Settle(Xapian::docid did);

  std::vector<Leaf> leaves_;
  std::vector<Cursor> cursors_;
  Xapian::doccount docs_ = 0;
  Xapian::docid current_ = 0;
  double weight_ = 0;  // at current_
  bool started_ = false;
};

}  // namespace kefu
