// The matcher: candidate postings summed by docid, common terms added to the candidates that can
// still reach the pool; see matcher.h.
#include "kb/search/matcher.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

namespace kefu {
namespace {

// Weight sums by docid: open addressing with linear probing, docid 0 marking a free slot (Xapian
// never uses it). Each document's sum is added up in the order of the leaves.
class Sums {
 public:
  Sums() { Resize(10); }

  void Add(Xapian::docid did, double w) {
    size_t s = SlotOf(did);
    while (keys_[s] != 0) {
      if (keys_[s] == did) {
        sums_[s] += w;
        return;
      }
      s = (s + 1) & mask_;
    }
    keys_[s] = did;
    sums_[s] = w;
    used_.push_back(static_cast<uint32_t>(s));
    if (2 * used_.size() > keys_.size()) Resize(bits_ + 1);
  }

  // Every document added, with its sum, that `accept` lets through.
  void Collect(const std::function<bool(Xapian::docid)>& accept, std::vector<ScoredDoc>* out) const {
    out->reserve(used_.size());
    for (uint32_t s : used_) {
      if (accept(keys_[s])) out->push_back({keys_[s], sums_[s]});
    }
  }

  // Empties the table for the next search, touching only the slots this one used.
  void Clear() {
    for (uint32_t s : used_) keys_[s] = 0;
    used_.clear();
  }

  size_t slots() const { return keys_.size(); }

 private:
  size_t SlotOf(Xapian::docid did) const {
    // Fibonacci hashing: docids are strided (schema.h), so their low bits alone would collide.
    return static_cast<size_t>((static_cast<uint64_t>(did) * 0x9E3779B97F4A7C15ull) >> (64 - bits_));
  }

  void Resize(int bits) {
    std::vector<Xapian::docid> keys = std::move(keys_);
    std::vector<double> sums = std::move(sums_);
    std::vector<uint32_t> used = std::move(used_);
    bits_ = bits;
    mask_ = (size_t{1} << bits) - 1;
    keys_.assign(size_t{1} << bits, 0);
    sums_.assign(size_t{1} << bits, 0);
    used_.clear();
    used_.reserve(keys_.size() / 2);
    for (uint32_t old : used) {
      size_t s = SlotOf(keys[old]);
      while (keys_[s] != 0) s = (s + 1) & mask_;
      keys_[s] = keys[old];
      sums_[s] = sums[old];
      used_.push_back(static_cast<uint32_t>(s));
    }
  }

  int bits_ = 0;
  size_t mask_ = 0;
  std::vector<Xapian::docid> keys_;
  std::vector<double> sums_;
  std::vector<uint32_t> used_;  // the slots in use, in the order their documents came
};

// Tables lent to searches: a fresh one per search would be allocated (and, past glibc's mmap
// threshold, faulted in page by page) every time. Tables grown past kMaxKeptSlots are not kept, so
// one question with huge lists does not pin its table.
class SumsPool {
 public:
  static constexpr size_t kMaxKeptSlots = size_t{1} << 16;  // 768 KB
  static constexpr size_t kMaxKept = 8;

  std::unique_ptr<Sums> Acquire() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return std::make_unique<Sums>();
    auto sums = std::move(free_.back());
    free_.pop_back();
    return sums;
  }
  void Release(std::unique_ptr<Sums> sums) {
    if (sums->slots() > kMaxKeptSlots) return;
    sums->Clear();
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < kMaxKept) free_.push_back(std::move(sums));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<Sums>> free_;
};

SumsPool& Tables() {
  static SumsPool* pool = new SumsPool();  // never destroyed: searches may run during exit
  return *pool;
}

// A common leaf as the candidates walk it, in docid order: its postings in memory (galloping), or
// Xapian's list where memory does not keep them.
struct Scorer {
  std::shared_ptr<const Postings> postings;
  size_t at = 0;
  Xapian::PostingIterator it;
  double weight_per_wdf = 0;

  // The wdf at `did` (0 when the term is not there); `did` never decreases between calls.
  Xapian::termcount WdfAt(Xapian::docid did) {
    if (postings == nullptr) {
      if (it == Xapian::PostingIterator()) return 0;  // at its end
      it.skip_to(did);
      return it != Xapian::PostingIterator() && *it == did ? it.get_wdf() : 0;
    }
    const std::vector<Xapian::docid>& docids = postings->docids;
    size_t lo = at, n = docids.size();
    if (lo < n && docids[lo] < did) {
      size_t step = 1, hi = lo + 1;
      while (hi < n && docids[hi] < did) {
        lo = hi;
        step *= 2;
        hi = lo + step;
      }
      hi = std::min(hi, n);
      lo = static_cast<size_t>(std::lower_bound(docids.begin() + static_cast<std::ptrdiff_t>(lo),
                                                docids.begin() + static_cast<std::ptrdiff_t>(hi), did) -
                               docids.begin());
    }
    at = lo;
    return lo < n && docids[lo] == did ? postings->wdfs[lo] : 0;
  }
};

// Sorts by docid, least significant digit first, 11 bits a pass (docids use about 27 at 100k
// entries): a comparison sort of the few thousand candidates was a tenth of a search.
void SortByDocid(std::vector<ScoredDoc>* docs) {
  if (docs->size() < 256) {
    std::sort(docs->begin(), docs->end(), [](const ScoredDoc& a, const ScoredDoc& b) { return a.did < b.did; });
    return;
  }
  Xapian::docid highest = 0;
  for (const ScoredDoc& d : *docs) highest = std::max(highest, d.did);
  constexpr int kDigitBits = 11;
  constexpr Xapian::docid kDigitMask = (1u << kDigitBits) - 1;
  std::vector<ScoredDoc> sorted(docs->size());
  for (int shift = 0; shift < 32 && (highest >> shift) != 0; shift += kDigitBits) {
    std::array<uint32_t, size_t{1} << kDigitBits> starts{};
    for (const ScoredDoc& d : *docs) ++starts[(d.did >> shift) & kDigitMask];
    uint32_t sum = 0;
    for (uint32_t& s : starts) sum += std::exchange(s, sum);
    for (const ScoredDoc& d : *docs) sorted[starts[(d.did >> shift) & kDigitMask]++] = d;
    docs->swap(sorted);
  }
}

// The pool's order; an object rather than a function, so that the sorts inline it.
struct Better {
  bool operator()(const ScoredDoc& a, const ScoredDoc& b) const {
    return a.weight != b.weight ? a.weight > b.weight : a.did < b.did;
  }
};

// The pool's lowest weight among `docs` (reordered), lowered beyond rounding's reach; 0 when they do
// not fill it.
double PoolFloor(std::vector<ScoredDoc>* docs, size_t pool) {
  if (docs->size() < pool) return 0;
  auto nth = docs->begin() + static_cast<std::ptrdiff_t>(pool - 1);
  // By weight alone: the pool-th weight is the same whichever of equal ones is placed there.
  std::nth_element(docs->begin(), nth, docs->end(),
                   [](const ScoredDoc& a, const ScoredDoc& b) { return a.weight > b.weight; });
  return nth->weight - 1e-9 * std::abs(nth->weight);
}

}  // namespace

std::vector<ScoredDoc> MatchTop(const Xapian::Database& db, const MatchQuery& query,
                                const std::function<bool(Xapian::docid)>& accept, size_t pool,
                                CommonPostings& memory) {
  std::vector<ScoredDoc> docs;
  if (pool == 0) return docs;
  auto field_of = [&](Xapian::docid did) { return query.field_of == nullptr ? 0 : query.field_of(did); };
  std::vector<Scorer> scorers[kMatchFields];
  double most[kMatchFields] = {};  // the most the common leaves can add to a document of each kind
  for (const MatchLeaf& leaf : query.scoring) {
    Scorer s;
    s.weight_per_wdf = leaf.weight_per_wdf;
    s.postings = memory.Get(db, leaf.term);
    if (s.postings == nullptr) {
      s.it = db.postlist_begin(leaf.term);
      most[leaf.field] += leaf.weight_per_wdf * static_cast<double>(db.get_wdf_upper_bound(leaf.term));
    } else {
      most[leaf.field] += leaf.weight_per_wdf * static_cast<double>(s.postings->max_wdf);
    }
    scorers[leaf.field].push_back(std::move(s));
  }

  {
    std::unique_ptr<Sums> sums = Tables().Acquire();
    auto add = [&](const MatchLeaf& leaf) {
      const double w = leaf.weight_per_wdf;
      std::shared_ptr<const Postings> kept = query.candidates_common ? memory.Get(db, leaf.term) : nullptr;
      if (kept != nullptr) {
        for (size_t i = 0; i < kept->docids.size(); ++i) sums->Add(kept->docids[i], w * kept->wdfs[i]);
        return;
      }
      for (auto it = db.postlist_begin(leaf.term); it != db.postlist_end(leaf.term); ++it) {
        sums->Add(*it, w * static_cast<double>(it.get_wdf()));
      }
    };
    const int last = query.field_of != nullptr ? query.last_field : -1;
    double last_most = last >= 0 ? most[last] : 0;  // the most the last kind's leaves can give a document
    bool any_last = false;
    for (const MatchLeaf& leaf : query.candidates) {
      if (leaf.field == last) {
        any_last = true;
        last_most += leaf.weight_per_wdf * static_cast<double>(db.get_wdf_upper_bound(leaf.term));
      } else {
        add(leaf);
      }
    }
    sums->Collect(accept, &docs);
    // Documents of the last kind hold only its leaves: when those cannot lift a document over the
    // pool's lowest weight so far, which only rises, none of them is read.
    if (any_last && last_most >= PoolFloor(&docs, pool)) {
      for (const MatchLeaf& leaf : query.candidates) {
        if (leaf.field == last) add(leaf);
      }
      docs.clear();
      sums->Collect(accept, &docs);
    }
    Tables().Release(std::move(sums));
  }

  if (!query.scoring.empty() && !docs.empty()) {
    // Candidates that cannot reach the pool's lowest weight so far even with every common leaf of
    // their kind are left out: the pool's lowest candidate weight only rises once those are added.
    if (docs.size() > pool) {
      const double floor = PoolFloor(&docs, pool);
      docs.erase(std::remove_if(docs.begin(), docs.end(),
                                [&](const ScoredDoc& d) { return d.weight + most[field_of(d.did)] < floor; }),
                 docs.end());
    }
    SortByDocid(&docs);
    for (ScoredDoc& d : docs) {
      // Summed apart and then added, as AND_MAYBE adds its two sides.
      double common = 0;
      for (Scorer& s : scorers[field_of(d.did)]) {
        if (Xapian::termcount wdf = s.WdfAt(d.did)) common += s.weight_per_wdf * static_cast<double>(wdf);
      }
      d.weight += common;
    }
  }

  if (docs.size() > pool) {
    std::nth_element(docs.begin(), docs.begin() + static_cast<std::ptrdiff_t>(pool), docs.end(), Better());
    docs.resize(pool);
  }
  std::sort(docs.begin(), docs.end(), Better());
  return docs;
}

}  // namespace kefu
