// Common terms scored from memory (kb/search/common_postings.h): the same documents with the same
// weights as the Xapian leaves the source replaces, and the cache's budget.
#include "kb/search/common_postings.h"

#include <gtest/gtest.h>
#include <xapian.h>

#include <string>
#include <vector>

#include "kb/search/weight.h"
#include "tests/testing/temp_dir.h"

namespace kefu {
namespace {

// 200 documents: "rare" in every 9th, "odd" in every 13th; the common "c1" in every 2nd and "c2"
// in every 3rd, with varied wdfs; "none" in no document.
Xapian::WritableDatabase MakeDatabase(const testing::TempDir& dir) {
  Xapian::WritableDatabase db(dir.Path("db"), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
  for (Xapian::docid d = 1; d <= 200; ++d) {
    Xapian::Document doc;
    doc.add_boolean_term("Xall");
    if (d % 9 == 0) doc.add_term("rare", 63);
    if (d % 13 == 0) doc.add_term("odd", 40 + d % 20);
    if (d % 2 == 0) doc.add_term("c1", 1 + d % 120);
    if (d % 3 == 0) doc.add_term("c2", 10 + d % 7);
    db.replace_document(d, doc);
  }
  db.commit();
  return db;
}

std::vector<std::pair<Xapian::docid, double>> Ranked(const Xapian::Database& db, const Xapian::Query& q,
                                                     Xapian::doccount wanted) {
  Xapian::Enquire enquire(db);
  enquire.set_query(q);
  enquire.set_weighting_scheme(BakedWeight());
  enquire.set_docid_order(Xapian::Enquire::ASCENDING);
  std::vector<std::pair<Xapian::docid, double>> out;
  Xapian::MSet mset = enquire.get_mset(0, wanted);
  for (auto it = mset.begin(); it != mset.end(); ++it) out.emplace_back(*it, it.get_weight());
  return out;
}

TEST(CommonTermsSource, ScoresAsTheLeavesItReplaces) {
  testing::TempDir dir;
  Xapian::WritableDatabase db = MakeDatabase(dir);
  CommonPostings cache(1 << 20);
  struct Leaf {
    std::string term;
    double factor;
  };
  const std::vector<std::vector<Leaf>> cases = {
      {{"c1", 1.0}},
      {{"c1", 0.7}, {"c2", 1.3}},
      {{"c2", 2.0}, {"none", 1.0}, {"c1", 0.25}},
  };
  Xapian::Query rare(Xapian::Query::OP_OR, Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query("rare"), 1.5),
                     Xapian::Query("odd"));
  for (const auto& leaves : cases) {
    std::vector<Xapian::Query> or_leaves;
    std::vector<CommonTermsSource::Leaf> source_leaves;
    for (const Leaf& l : leaves) {
      or_leaves.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(l.term), l.factor);
      auto postings = cache.Get(db, l.term);
      ASSERT_NE(postings, nullptr) << l.term;
      source_leaves.push_back(
          {postings, BakedTermWeight(db.get_doccount(), db.get_termfreq(l.term), l.factor)});
    }
    Xapian::Query want(Xapian::Query::OP_AND_MAYBE, rare,
                       Xapian::Query(Xapian::Query::OP_OR, or_leaves.begin(), or_leaves.end()));
    // Fewer hits than candidates, so the matcher prunes with a rising minimum weight too.
    for (Xapian::doccount wanted : {5u, 100u}) {
      Xapian::Query got(Xapian::Query::OP_AND_MAYBE, rare,
                        Xapian::Query((new CommonTermsSource(source_leaves))->release()));
      auto w = Ranked(db, want, wanted), g = Ranked(db, got, wanted);
      ASSERT_EQ(g.size(), w.size()) << leaves[0].term << " " << wanted;
      for (size_t i = 0; i < w.size(); ++i) {
        EXPECT_EQ(g[i].first, w[i].first) << leaves[0].term << " rank " << i;
        EXPECT_NEAR(g[i].second, w[i].second, 1e-9) << leaves[0].term << " rank " << i;
      }
    }
  }
}

TEST(CommonTermsSource, WalksTheUnionOfItsLeavesOnItsOwn) {
  testing::TempDir dir;
  Xapian::WritableDatabase db = MakeDatabase(dir);
  CommonPostings cache(1 << 20);
  std::vector<CommonTermsSource::Leaf> leaves = {{cache.Get(db, "rare"), 1.0}, {cache.Get(db, "odd"), 1.0}};
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query((new CommonTermsSource(leaves))->release()));
  enquire.set_weighting_scheme(BakedWeight());
  Xapian::MSet mset = enquire.get_mset(0, 1000);
  // Multiples of 9 or 13 up to 200: 22 + 15 - 1 (117).
  EXPECT_EQ(mset.size(), 36u);
}

TEST(CommonPostings, KeepsTermsWithinItsBudgetOnly) {
  testing::TempDir dir;
  Xapian::WritableDatabase db = MakeDatabase(dir);
  // 5 bytes a posting: "c1" (100 postings) fits, then "c2" (66) no longer does.
  CommonPostings cache(700);
  auto c1 = cache.Get(db, "c1");
  ASSERT_NE(c1, nullptr);
  EXPECT_EQ(c1->docids.size(), 100u);
  EXPECT_EQ(c1->docids.front(), 2u);
  EXPECT_EQ(c1->max_wdf, 119u);  // doc 118's
  EXPECT_EQ(cache.Get(db, "c1"), c1) << "read once";
  EXPECT_EQ(cache.Get(db, "c2"), nullptr);
  EXPECT_NE(cache.Get(db, "rare"), nullptr) << "22 postings still fit";
}

}  // namespace
}  // namespace kefu
