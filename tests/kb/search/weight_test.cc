// BM25 baked into the wdf (kb/search/weight.h): the stored weights, and that searching with them
// ranks and scores as Xapian's BM25Weight does over the same documents' plain term counts.
#include "kb/search/weight.h"

#include <gtest/gtest.h>
#include <xapian.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace kefu {
namespace {

TEST(BakedWdf, IsBm25sTermFrequencyPartScaled) {
  LengthNorm norm{1.0, 0.75, 10};
  struct Case {
    Xapian::termcount tf, length, want;
  } cases[] = {
      {1, 10, 63},  // average length: K = k1, 2 * 1 / (1 + 1) = 1
      {1, 40, 30},  // four times as long: K = 0.25 + 3, 2 / 4.25 = 0.47
      {1, 2, 78},   // shorter than half the average counts as half: K = 0.625, 2 / 1.625
      {3, 10, 95},  // saturates: 2 * 3 / 4 = 1.5
      {1, 400, 4},  // 2 / 31.25
      {1, 100000, 1},  // never 0, which would make it a boolean term
  };
  for (const Case& c : cases) {
    EXPECT_EQ(BakedWdf(c.tf, c.length, norm), c.want) << "tf " << c.tf << " length " << c.length;
  }
  EXPECT_EQ(BakedWdf(1, 40, LengthNorm{1.0, 0, 10}), 63) << "b = 0 ignores length";
  EXPECT_EQ(BakedWdf(1, 10, LengthNorm{2.0, 0.75, 10}), 63) << "k1 + 1 over k1 + 1";
}

// Documents as term lists; the same ones indexed with term counts and with baked wdfs.
TEST(BakedWeight, RanksAndScoresAsBm25OverTheSameDocuments) {
  const std::vector<std::vector<std::string>> docs = {
      {"refund", "order"},
      {"refund", "refund", "delay", "bank", "card", "order"},
      {"order", "ship", "late", "box", "late", "parcel", "week", "where", "track"},
      {"card", "lost"},
      {"refund", "card", "fee", "order", "cancel", "month", "bank", "charge", "time", "wait", "again", "soon"},
      {"track", "parcel"},
  };
  testing::TempDir dir;
  Xapian::WritableDatabase plain(dir.Path("plain"), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
  Xapian::WritableDatabase baked(dir.Path("baked"), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
  double total = 0;
  for (const auto& d : docs) total += static_cast<double>(d.size());
  LengthNorm norm{1.0, 0.75, total / static_cast<double>(docs.size())};
  for (const auto& d : docs) {
    Xapian::Document p, b;
    std::map<std::string, Xapian::termcount> tf;
    for (const std::string& t : d) {
      p.add_term(t);
      ++tf[t];
    }
    for (const auto& [t, n] : tf) b.add_term(t, BakedWdf(n, static_cast<Xapian::termcount>(d.size()), norm));
    plain.add_document(p);
    baked.add_document(b);
  }
  for (const std::vector<std::string>& query :
       std::vector<std::vector<std::string>>{{"refund"}, {"refund", "order"}, {"card", "bank", "late"}, {"track"}}) {
    Xapian::Query q(Xapian::Query::OP_OR, query.begin(), query.end());
    Xapian::Enquire want(plain), got(baked);
    want.set_query(q);
    got.set_query(q);
    want.set_weighting_scheme(Xapian::BM25Weight(1.0, 0, 1, 0.75, 0.5));
    got.set_weighting_scheme(BakedWeight());
    Xapian::MSet w = want.get_mset(0, 10), g = got.get_mset(0, 10);
    ASSERT_EQ(w.size(), g.size()) << query[0];
    for (Xapian::doccount i = 0; i < w.size(); ++i) {
      EXPECT_EQ(*w[i], *g[i]) << query[0] << " rank " << i;
      // One wdf unit is 1/63 of the term-frequency part: within 1% of BM25.
      EXPECT_NEAR(g[i].get_weight(), w[i].get_weight(), 0.01 * w[i].get_weight()) << query[0] << " rank " << i;
    }
  }
}

}  // namespace
}  // namespace kefu
