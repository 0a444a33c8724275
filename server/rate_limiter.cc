// Token buckets per client; eviction keeps the table bounded.
#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace kefu::server {
namespace {

std::string_view Trim(std::string_view s) {
  const char* ws = " \t";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

RateLimiter::RateLimiter(RateLimiterOptions options) : options_(options) {}

RateLimiter::Decision RateLimiter::Acquire(std::string_view client, Clock::time_point now) {
  Decision decision;
  if (!enabled()) return decision;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(std::string(client));
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_clients) EvictLocked(now);
    it = buckets_.emplace(std::string(client), Bucket{options_.burst, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) {
    b.tokens = std::min(options_.burst, b.tokens + elapsed * options_.per_second);
    b.last = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return decision;
  }
  decision.allowed = false;
  decision.retry_after_seconds =
      std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / options_.per_second)));
  return decision;
}

size_t RateLimiter::tracked_clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

void RateLimiter::EvictLocked(Clock::time_point now) {
  // A bucket that would be full by now is the same as no bucket.
  const double refill_seconds = options_.burst / options_.per_second;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double idle = std::chrono::duration<double>(now - it->second.last).count();
    if (it->second.tokens + idle * options_.per_second >= options_.burst ||
        idle >= refill_seconds) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  if (buckets_.size() < options_.max_clients) return;
  // Every tracked client is active: drop the least recently seen quarter, so that this O(n)
  // sweep runs rarely even under a flood of new addresses.
  std::vector<std::pair<Clock::time_point, std::string>> by_age;
  by_age.reserve(buckets_.size());
  for (const auto& [client, bucket] : buckets_) by_age.emplace_back(bucket.last, client);
  const size_t drop = std::max<size_t>(1, buckets_.size() / 4);
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                   by_age.end());
  for (size_t i = 0; i < drop; ++i) buckets_.erase(by_age[i].second);
}

std::string ClientAddress(const httplib::Request& req,
                          const std::vector<std::string>& trusted_proxies) {
  if (trusted_proxies.empty() || std::find(trusted_proxies.begin(), trusted_proxies.end(),
                                           req.remote_addr) == trusted_proxies.end()) {
    return req.remote_addr;
  }
  const std::string forwarded = req.get_header_value("X-Forwarded-For");
  std::string_view first = Trim(std::string_view(forwarded).substr(0, forwarded.find(',')));
  return first.empty() ? req.remote_addr : std::string(first);
}

}  // namespace kefu::server
