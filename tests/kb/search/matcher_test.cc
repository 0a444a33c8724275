// The matcher (kb/search/matcher.h) against Xapian's Enquire with the same leaves, weighting scheme
// and docid order: the same documents in the same order with the same weights; and the budget of
// the common terms' memory (kb/search/common_postings.h).
#include "kb/search/matcher.h"

#include <gtest/gtest.h>
#include <xapian.h>

#include <string>
#include <vector>

#include "kb/search/weight.h"
#include "tests/testing/temp_dir.h"

namespace kefu {
namespace {

// 3,000 documents at strided docids, of three kinds by their slot, as schema.h numbers them: slot
// 0 (kind 2) holds terms prefixed "XB", slot 1 (kind 1) "XA", the others (kind 0) unprefixed ones.
// Term tK is in about one document in 2^(K/2) with a varied wdf, so the lists run from ~20 to
// 2,000; "none" is in no document.
constexpr int kTerms = 16;
const char* const kPrefixes[] = {"", "XA", "XB"};

Xapian::docid DocIdOf(int n) {
  return static_cast<Xapian::docid>(n / 3 + 1) * 1024 + static_cast<Xapian::docid>(n % 3) * 256 +
         static_cast<Xapian::docid>(n % 5);
}

int KindOf(Xapian::docid did) {
  Xapian::docid slot = did % 256;
  return slot >= 2 ? 0 : slot == 1 ? 1 : 2;
}

Xapian::WritableDatabase MakeDatabase(const testing::TempDir& dir) {
  Xapian::WritableDatabase db(dir.Path("db"), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  for (int n = 0; n < 3000; ++n) {
    Xapian::Document doc;
    const std::string prefix = kPrefixes[KindOf(DocIdOf(n))];
    for (int k = 0; k < kTerms; ++k) {
      uint32_t one_in = 1u << (k / 2);
      if (next() % one_in == 0) doc.add_term(prefix + "t" + std::to_string(k), 1 + next() % 120);
    }
    doc.add_boolean_term("Xall");
    db.replace_document(DocIdOf(n), doc);
  }
  db.commit();
  return db;
}

struct Leaf {
  std::string term;  // prefix included
  double factor;
};

// The leaves with their kinds from their prefixes, or all of kind 0.
std::vector<MatchLeaf> LeavesOf(const Xapian::Database& db, const std::vector<Leaf>& leaves, bool kinds = true) {
  std::vector<MatchLeaf> out;
  for (const Leaf& l : leaves) {
    int kind = !kinds ? 0 : l.term.rfind("XA", 0) == 0 ? 1 : l.term.rfind("XB", 0) == 0 ? 2 : 0;
    out.push_back({l.term, BakedTermWeight(db.get_doccount(), db.get_termfreq(l.term), l.factor), kind});
  }
  return out;
}

Xapian::Query OrOf(const std::vector<Leaf>& leaves) {
  std::vector<Xapian::Query> q;
  for (const Leaf& l : leaves) q.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(l.term), l.factor);
  return Xapian::Query(Xapian::Query::OP_OR, q.begin(), q.end());
}

class Decider : public Xapian::MatchDecider {
 public:
  explicit Decider(std::function<bool(Xapian::docid)> accept) : accept_(std::move(accept)) {}
  bool operator()(const Xapian::Document& doc) const override { return accept_(doc.get_docid()); }

 private:
  std::function<bool(Xapian::docid)> accept_;
};

std::vector<ScoredDoc> Expected(const Xapian::Database& db, const std::vector<Leaf>& candidates,
                                const std::vector<Leaf>& scoring, const std::function<bool(Xapian::docid)>& accept,
                                size_t pool) {
  Xapian::Enquire enquire(db);
  enquire.set_query(scoring.empty() ? OrOf(candidates)
                                    : Xapian::Query(Xapian::Query::OP_AND_MAYBE, OrOf(candidates), OrOf(scoring)));
  enquire.set_weighting_scheme(BakedWeight());
  enquire.set_docid_order(Xapian::Enquire::ASCENDING);
  Decider decider(accept);
  Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(pool), nullptr, &decider);
  std::vector<ScoredDoc> out;
  for (auto it = mset.begin(); it != mset.end(); ++it) out.push_back({*it, it.get_weight()});
  return out;
}

TEST(MatchTop, RanksAsEnquireDoes) {
  testing::TempDir dir;
  Xapian::WritableDatabase db = MakeDatabase(dir);
  const auto all = [](Xapian::docid) { return true; };
  const auto first_locale = [](Xapian::docid d) { return (d % 1024) / 256 == 0; };
  struct Case {
    std::vector<Leaf> candidates, scoring;
  };
  const std::vector<Case> cases = {
      {{{"t14", 1.0}}, {}},
      {{{"t12", 1.0}, {"XAt15", 2.0}, {"XBt13", 0.6}}, {}},
      {{{"t12", 1.0}, {"XAt12", 2.0}, {"t14", 0.3}}, {{"t1", 1.0}, {"XAt1", 2.0}}},
      {{{"t10", 1.0}, {"XBt11", 2.0}, {"none", 1.0}}, {{"t0", 0.7}, {"XAt3", 1.3}, {"XBt2", 2.0}, {"t2", 2.0}}},
      {{{"XAt15", 0.2}, {"t15", 1.0}}, {{"t0", 1.0}, {"t1", 1.0}, {"XAt4", 1.0}, {"none", 3.0}}},
      // Many candidates and weak common leaves: pruning bites.
      {{{"t6", 1.0}, {"XAt8", 0.5}, {"XBt6", 0.2}}, {{"t0", 0.25}, {"XAt0", 0.5}, {"XBt0", 0.05}}},
      // Body leaves too light to lift a body document into a small pool, unless the pool is large.
      {{{"t8", 1.0}, {"XAt9", 2.0}, {"XBt8", 0.02}, {"XBt1", 0.01}}, {{"XBt0", 0.01}, {"t0", 0.5}}},
      // Body leaves heavy enough to matter.
      {{{"t12", 1.0}, {"XBt5", 1.0}, {"XBt3", 0.5}}, {{"XBt0", 0.3}}},
  };
  // Memory for every common list, and none (the common leaves then read Xapian's lists); leaves of
  // one kind, bound by their kind of document, or so and with the body kind's read last (MaxScore);
  // pools below and above the candidates.
  for (size_t budget : {size_t{1} << 20, size_t{0}}) {
    for (int mode : {0, 1, 2}) {
      const bool kinds = mode > 0;
      for (size_t c = 0; c < cases.size(); ++c) {
        for (size_t pool : {size_t{1}, size_t{7}, size_t{200}, size_t{5000}}) {
          for (bool filtered : {false, true}) {
            CommonPostings memory(budget);
            const Case& k = cases[c];
            std::function<bool(Xapian::docid)> accept = all;
            if (filtered) accept = first_locale;
            MatchQuery query{LeavesOf(db, k.candidates, kinds), LeavesOf(db, k.scoring, kinds), false,
                             kinds ? KindOf : nullptr, mode == 2 ? 2 : -1};
            std::vector<ScoredDoc> got = MatchTop(db, query, accept, pool, memory);
            std::vector<ScoredDoc> want = Expected(db, k.candidates, k.scoring, accept, pool);
            std::string where = "case " + std::to_string(c) + " pool " + std::to_string(pool) +
                                (filtered ? " filtered" : "") + " budget " + std::to_string(budget) +
                                " mode " + std::to_string(mode);
            ASSERT_EQ(got.size(), want.size()) << where;
            for (size_t i = 0; i < want.size(); ++i) {
              ASSERT_EQ(got[i].did, want[i].did) << where << " rank " << i;
              ASSERT_NEAR(got[i].weight, want[i].weight, 1e-9) << where << " rank " << i;
            }
          }
        }
      }
    }
  }
}

TEST(MatchTop, ReadsCommonCandidatesFromMemoryAlike) {
  testing::TempDir dir;
  Xapian::WritableDatabase db = MakeDatabase(dir);
  const auto all = [](Xapian::docid) { return true; };
  std::vector<Leaf> leaves = {{"t0", 1.0}, {"XAt3", 0.5}, {"t9", 2.0}};
  CommonPostings memory(1 << 20);
  MatchQuery query{LeavesOf(db, leaves), {}, /*candidates_common=*/true};
  std::vector<ScoredDoc> got = MatchTop(db, query, all, 50, memory);
  std::vector<ScoredDoc> want = Expected(db, leaves, {}, all, 50);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].did, want[i].did) << "rank " << i;
    EXPECT_NEAR(got[i].weight, want[i].weight, 1e-9) << "rank " << i;
  }
  EXPECT_NE(memory.Get(db, "t0"), nullptr) << "kept for the next question";
}

TEST(MatchTop, FindsNothingWithoutCandidates) {
  testing::TempDir dir;
  Xapian::WritableDatabase db = MakeDatabase(dir);
  CommonPostings memory(1 << 20);
  MatchQuery query{LeavesOf(db, {{"none", 1.0}}), LeavesOf(db, {{"t0", 1.0}}), false, KindOf};
  EXPECT_TRUE(MatchTop(db, query, [](Xapian::docid) { return true; }, 10, memory).empty());
  query = MatchQuery{LeavesOf(db, {{"t14", 1.0}}), {}};
  EXPECT_TRUE(MatchTop(db, query, [](Xapian::docid) { return false; }, 10, memory).empty()) << "all filtered out";
}

// Half the documents hold "c1", a third "c2", a ninth "rare"; varied wdfs.
TEST(CommonPostings, KeepsTermsWithinItsBudgetOnly) {
  testing::TempDir dir;
  Xapian::WritableDatabase db(dir.Path("db"), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
  for (Xapian::docid d = 1; d <= 200; ++d) {
    Xapian::Document doc;
    if (d % 2 == 0) doc.add_term("c1", 1 + d % 120);
    if (d % 3 == 0) doc.add_term("c2", 10 + d % 7);
    if (d % 9 == 0) doc.add_term("rare", 63);
    db.replace_document(d, doc);
  }
  db.commit();
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
