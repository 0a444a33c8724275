// BM25 with its document part computed when a document is written: the term-frequency weight every
// free-text term stores as its wdf (BakedWdf), and the weighting scheme searches rank with, which
// multiplies it by the term's idf (BakedWeight).
//
// BM25 scores a term of a document  idf * (k1 + 1) * tf / (K + tf),  K = k1 * (1 - b + b * n),
// n = max(length / average length, 0.5)  (Xapian's BM25Weight with min_normlen 0.5, k2 0, k3 1).
// Everything after idf depends on the document alone. Xapian's BM25Weight works it out for every
// candidate from the document's length, and decoding the length list for scattered candidates was
// over half of the matcher's work at 100k entries (docs/BENCHMARKS.md); stored as the wdf it costs
// nothing at search time. The average length is the generation's (GenerationMeta::length_norm).
#pragma once

#include <xapian.h>

#include <string>

namespace kefu {

struct LengthNorm {
  // BM25 term-frequency saturation. Default: 1.0 (Xapian's default).
  double k1 = 1.0;
  // BM25 length normalisation, 0..1. Default: 0.75.
  double b = 0.75;
  // Average document length (terms, counted with repeats) the lengths are normalised by: every
  // document of the generation, of every kind. Default: 1.
  double average_length = 1;
};

// Baked wdf units per unit of BM25's term-frequency weight (k1 + 1) * tf / (K + tf), which is below
// k1 + 1: at the default k1 a wdf fits in one byte of a posting (Xapian packs 7 bits a byte).
inline constexpr double kBakedWdfScale = 63;

// The wdf a term occurring `tf` times in a document of `length` terms stores; at least 1.
Xapian::termcount BakedWdf(Xapian::termcount tf, Xapian::termcount length, const LengthNorm& norm);

// What BakedWeight multiplies a wdf by: BM25's idf of a term in `termfreq` of `collection_size`
// documents, times the query's `factor`, over kBakedWdfScale.
double BakedTermWeight(Xapian::doccount collection_size, Xapian::doccount termfreq, double factor);

// idf * wdf / kBakedWdfScale, with BM25's idf (Xapian's, including its adjustment for terms in
// more than a third of the documents). Needs neither document lengths nor k1 and b.
class BakedWeight : public Xapian::Weight {
 public:
  BakedWeight();
  std::string name() const override;
  BakedWeight* clone() const override;
  void init(double factor) override;
  double get_sumpart(Xapian::termcount wdf, Xapian::termcount doclen, Xapian::termcount uniqterms) const override;
  double get_maxpart() const override;
  double get_sumextra(Xapian::termcount doclen, Xapian::termcount uniqterms) const override;
  double get_maxextra() const override;

 private:
  double term_weight_ = 0;  // idf * factor / kBakedWdfScale
};

}  // namespace kefu
