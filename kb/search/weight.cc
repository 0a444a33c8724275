// BM25's document part baked into the wdf, and the weighting scheme that reads it; see weight.h.
#include "kb/search/weight.h"

#include <algorithm>
#include <cmath>

namespace kefu {

Xapian::termcount BakedWdf(Xapian::termcount tf, Xapian::termcount length, const LengthNorm& norm) {
  double n = norm.average_length > 0 ? static_cast<double>(length) / norm.average_length : 0;
  double k = norm.k1 * (1 - norm.b + norm.b * std::max(n, 0.5));
  double t = static_cast<double>(tf);
  double part = (norm.k1 + 1) * t / (k + t);
  return std::max<Xapian::termcount>(1, static_cast<Xapian::termcount>(std::lround(part * kBakedWdfScale)));
}

BakedWeight::BakedWeight() { need_stat(COLLECTION_SIZE); need_stat(TERMFREQ); need_stat(WDF); need_stat(WDF_MAX); }

std::string BakedWeight::name() const { return "kefu::BakedWeight"; }

BakedWeight* BakedWeight::clone() const { return new BakedWeight(); }

double BakedTermWeight(Xapian::doccount collection_size, Xapian::doccount termfreq, double factor) {
  double tf = static_cast<double>(termfreq);
  double tw = (static_cast<double>(collection_size) - tf + 0.5) / (tf + 0.5);
  if (tw < 2) tw = tw * 0.5 + 1;  // as BM25Weight: a term in over a third of the documents keeps a small weight
  return std::log(tw) * factor / kBakedWdfScale;
}

void BakedWeight::init(double factor) { term_weight_ = BakedTermWeight(get_collection_size(), get_termfreq(), factor); }

double BakedWeight::get_sumpart(Xapian::termcount wdf, Xapian::termcount, Xapian::termcount) const {
  return term_weight_ * static_cast<double>(wdf);
}

double BakedWeight::get_maxpart() const { return term_weight_ * static_cast<double>(get_wdf_upper_bound()); }

double BakedWeight::get_sumextra(Xapian::termcount, Xapian::termcount) const { return 0; }

double BakedWeight::get_maxextra() const { return 0; }

}  // namespace kefu
