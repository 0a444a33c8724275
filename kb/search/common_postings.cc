// Common terms' postings in memory; see common_postings.h.
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

}  // namespace kefu
