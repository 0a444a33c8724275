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
  if (inserted && read != nullptr) bytes_ += read->docids.size() * bytes_each;
  return it->second;
}

CommonTermsSource::CommonTermsSource(std::vector<Leaf> leaves) : leaves_(std::move(leaves)), at_(leaves_.size()) {}

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
  std::fill(at_.begin(), at_.end(), 0);
  current_ = 0;
  started_ = false;
  double most = 0;
  for (const Leaf& l : leaves_) most += l.weight_per_wdf * static_cast<double>(l.postings->max_wdf);
  set_maxweight(most);
}

void CommonTermsSource::Settle() {
  current_ = 0;
  for (size_t i = 0; i < leaves_.size(); ++i) {
    const std::vector<Xapian::docid>& d = leaves_[i].postings->docids;
    if (at_[i] < d.size() && (current_ == 0 || d[at_[i]] < current_)) current_ = d[at_[i]];
  }
}

double CommonTermsSource::get_weight() const {
  double w = 0;
  for (size_t i = 0; i < leaves_.size(); ++i) {
    const Postings& p = *leaves_[i].postings;
    if (at_[i] < p.docids.size() && p.docids[at_[i]] == current_) {
      w += leaves_[i].weight_per_wdf * static_cast<double>(p.wdfs[at_[i]]);
    }
  }
  return w;
}

void CommonTermsSource::next(double) {
  if (started_) {
    for (size_t i = 0; i < leaves_.size(); ++i) {
      const std::vector<Xapian::docid>& d = leaves_[i].postings->docids;
      if (at_[i] < d.size() && d[at_[i]] == current_) ++at_[i];
    }
  }
  started_ = true;
  Settle();
}

void CommonTermsSource::skip_to(Xapian::docid did, double) {
  started_ = true;
  for (size_t i = 0; i < leaves_.size(); ++i) {
    const std::vector<Xapian::docid>& d = leaves_[i].postings->docids;
    size_t lo = at_[i];
    if (lo >= d.size() || d[lo] >= did) continue;
    // Galloping: candidates come in docid order, usually a little ahead of the last one.
    size_t step = 1, hi = lo + 1;
    while (hi < d.size() && d[hi] < did) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    hi = std::min(hi, d.size());
    at_[i] = static_cast<size_t>(std::lower_bound(d.begin() + static_cast<std::ptrdiff_t>(lo),
                                                  d.begin() + static_cast<std::ptrdiff_t>(hi), did) -
                                 d.begin());
  }
  Settle();
}

bool CommonTermsSource::check(Xapian::docid did, double min_wt) {
  skip_to(did, min_wt);
  return true;
}

}  // namespace kefu
