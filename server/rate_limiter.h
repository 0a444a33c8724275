// RateLimiter: a token bucket per client for the public routes, with a bounded table; and
// ClientAddress(), who a request is charged to (the peer, or the client a trusted proxy names).
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kefu::server {

struct RateLimiterOptions {
  // Tokens added per second to each client's bucket; 0 turns limiting off (every request is
  // allowed). Default: 20.
  double per_second = 20;
  // Bucket size: requests a client may make at once; at least 1 when limiting is on. Default: 40.
  double burst = 40;
  // Most clients tracked at once. Above it, buckets that have refilled (their client is idle, so
  // forgetting them changes nothing) are dropped, then the least recently seen ones. Default:
  // 65536 (a few MiB).
  size_t max_clients = 65536;
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    bool allowed = true;
    // When refused: whole seconds until a token is back (at least 1), for Retry-After.
    int retry_after_seconds = 0;
  };

  explicit RateLimiter(RateLimiterOptions options);

  bool enabled() const { return options_.per_second > 0; }

  // Takes one token from `client`'s bucket at time `now` (injected, so tests need no sleeps).
  Decision Acquire(std::string_view client, Clock::time_point now);

  // Clients currently tracked.
  size_t tracked_clients() const;

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;  // when `tokens` was computed
  };

  void EvictLocked(Clock::time_point now);

  const RateLimiterOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
};

// The client `req` is charged to: its peer address, or, when the peer is one of
// `trusted_proxies` (exact addresses) and sent X-Forwarded-For, the first address in it.
std::string ClientAddress(const httplib::Request& req,
                          const std::vector<std::string>& trusted_proxies);

}  // namespace kefu::server
