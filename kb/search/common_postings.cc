// Common terms' postings in memory and the source that scores them; see common_postings.h.
#include "kb/search/common_postings.h"

#include <algorithm>
#include <mutex>

namespace kefu {

std::shared_ptr<const Postings> CommonPostings::Get(const Xapian::Database& db, const std::string& term) {
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = terms_.find(term);
    if (it != terms_.end()) return it->second;
  }
  // Read outside the lock: two searches may both read a new term, and the second copy is dropped.
  const size_t bytes_each = sizeof(Xapian::docid) + sizeof(uint8_t);
  const Xapian::doccount freq = db.get_termfreq(term);
  std::shared_ptr<Postings> read;
  bool fits;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    fits = bytes_ + static_cast<size_t>(freq) * bytes_each <= max_bytes_;
  }
  if (fits) {
    read = std::make_shared<Postings>();
    read->docids.reserve(freq);
    read->wdfs.reserve(freq);
    for (auto it = db.postlist_begin(term); it != db.postlist_end(term); ++it) {
      Xapian::termcount wdf = it.get_wdf();
      if (wdf > 255) {
        read.reset();
        break;
      }
      read->docids.push_back(*it);
      read->wdfs.push_back(static_cast<uint8_t>(wdf));
      read->max_wdf = std::max(read->max_wdf, wdf);
    }
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  auto [it, inserted] = terms_.try_emplace(term, read);
  if (inserted && read != nullptr) {
    // Checked again: other searches may have kept terms since the check above.
    const size_t bytes = read->docids.size() * bytes_each;
    if (bytes_ + bytes <= max_bytes_) {
      bytes_ += bytes;
    } else {
      it->second = nullptr;
    }
  }
  return it->second;
}

CommonTermsSource::CommonTermsSource(std::vector<Leaf> leaves) : leaves_(std::move(leaves)) {
  for (const Leaf& l : leaves_) {
    cursors_.push_back({l.postings->docids.data(), l.postings->wdfs.data(), l.postings->docids.size(), 0,
                        l.weight_per_wdf});
  }
}

Xapian::doccount CommonTermsSource::get_termfreq_min() const {
  Xapian::doccount most = 0;
  for (const Leaf& l : leaves_) most = std::max(most, static_cast<Xapian::doccount>(l.postings->docids.size()));
  return most;
}

Xapian::doccount CommonTermsSource::get_termfreq_max() const {
  uint64_t sum = 0;
  for (const Leaf& l : leaves_) sum += l.postings->docids.size();
  return static_cast<Xapian::doccount>(std::min<uint64_t>(sum, docs_));
}

Xapian::doccount CommonTermsSource::get_termfreq_est() const { return get_termfreq_max(); }

void CommonTermsSource::init(const Xapian::Database& db) {
  docs_ = db.get_doccount();
  for (Cursor& c : cursors_) c.at = 0;
  current_ = 0;
  weight_ = 0;
  started_ = false;
  double most = 0;
  for (const Leaf& l : leaves_) most += l.weight_per_wdf * static_cast<double>(l.postings->max_wdf);
  set_maxweight(most);
}

inline void CommonTermsSource::Advance(Cursor& c, Xapian::docid did) {
  size_t lo = c.at;
  if (lo >= c.size || c.docids[lo] >= did) return;
  size_t step = 1, hi = lo + 1;
  while (hi < c.size && c.docids[hi] < did) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  hi = std::min(hi, c.size);
  c.at = static_cast<size_t>(std::lower_bound(c.docids + lo, c.docids + hi, did) - c.docids);
}

void CommonTermsSource::Settle(Xapian::docid did) {
  current_ = 0;
  weight_ = 0;
  for (Cursor& c : cursors_) {
    if (did != 0) Advance(c, did);
    if (c.at >= c.size) continue;
    Xapian::docid d = c.docids[c.at];
    if (current_ != 0 && d > current_) continue;
    if (d != current_) {
      current_ = d;
      weight_ = 0;
    }
    weight_ += c.weight_per_wdf * static_cast<double>(c.wdfs[c.at]);
  }
  started_ = true;
}

double CommonTermsSource::get_weight() const { return weight_; }

void CommonTermsSource::next(double) {
  if (started_) {
    for (Cursor& c : cursors_) {
      if (c.at < c.size && c.docids[c.at] == current_) ++c.at;
    }
  }
  Settle(0);
}

void CommonTermsSource::skip_to(Xapian::docid did, double) { Settle(did); }

// Always at the docid skip_to reaches: a position past `did` lets AND_MAYBE leave the source alone
// for the candidates before it (answering false instead measured 43% more instructions here).
bool CommonTermsSource::check(Xapian::docid did, double min_wt) {
  skip_to(did, min_wt);
  return true;
}

}  // namespace kefu
