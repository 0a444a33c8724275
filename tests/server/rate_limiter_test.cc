// The per-client token bucket with an injected clock, the bound on its table, and who a request is
// charged to.
#include "server/rate_limiter.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>

namespace kefu::server {
namespace {

using std::chrono::milliseconds;
using Clock = RateLimiter::Clock;

TEST(RateLimiter, AllowsABurstThenRefusesWithRetryAfter) {
  RateLimiter limiter({.per_second = 2, .burst = 4, .max_clients = 100});
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.Acquire("a", t0).allowed) << i;
  RateLimiter::Decision refused = limiter.Acquire("a", t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);  // half a second, rounded up
  // Another client has its own bucket.
  EXPECT_TRUE(limiter.Acquire("b", t0).allowed);
  // Half a second later one token is back, and only one.
  EXPECT_TRUE(limiter.Acquire("a", t0 + milliseconds(500)).allowed);
  EXPECT_FALSE(limiter.Acquire("a", t0 + milliseconds(500)).allowed);
}

TEST(RateLimiter, RetryAfterCoversTheWaitForOneToken) {
  RateLimiter limiter({.per_second = 0.25, .burst = 1, .max_clients = 100});
  const Clock::time_point t0 = Clock::now();
  EXPECT_TRUE(limiter.Acquire("a", t0).allowed);
  EXPECT_EQ(limiter.Acquire("a", t0).retry_after_seconds, 4);
  EXPECT_EQ(limiter.Acquire("a", t0 + milliseconds(1500)).retry_after_seconds, 3);
}

TEST(RateLimiter, RefillNeverExceedsTheBurst) {
  RateLimiter limiter({.per_second = 10, .burst = 3, .max_clients = 100});
  const Clock::time_point t0 = Clock::now();
  EXPECT_TRUE(limiter.Acquire("a", t0).allowed);
  const Clock::time_point later = t0 + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Acquire("a", later).allowed) << i;
  EXPECT_FALSE(limiter.Acquire("a", later).allowed);
}

TEST(RateLimiter, ZeroPerSecondDisablesIt) {
  RateLimiter limiter({.per_second = 0, .burst = 0, .max_clients = 1});
  EXPECT_FALSE(limiter.enabled());
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Acquire("a", t0).allowed) << i;
  EXPECT_EQ(limiter.tracked_clients(), 0u);
}

TEST(RateLimiter, ForgetsIdleClientsToStayBounded) {
  RateLimiter limiter({.per_second = 1, .burst = 2, .max_clients = 10});
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.Acquire("old" + std::to_string(i), t0).allowed);
  EXPECT_EQ(limiter.tracked_clients(), 10u);
  // Later, once the old buckets have refilled, a new client evicts them all.
  EXPECT_TRUE(limiter.Acquire("new", t0 + std::chrono::seconds(5)).allowed);
  EXPECT_EQ(limiter.tracked_clients(), 1u);
}

TEST(RateLimiter, EvictsTheLeastRecentlySeenWhenEveryoneIsActive) {
  RateLimiter limiter({.per_second = 1, .burst = 100, .max_clients = 8});
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(limiter.Acquire("c" + std::to_string(i), t0 + milliseconds(i)).allowed);
    ASSERT_LE(limiter.tracked_clients(), 8u);
  }
  // The most recent client is still tracked: its bucket is not full again.
  for (int i = 0; i < 99; ++i) EXPECT_TRUE(limiter.Acquire("c999", t0 + milliseconds(999)).allowed);
  EXPECT_FALSE(limiter.Acquire("c999", t0 + milliseconds(999)).allowed);
}

TEST(ClientAddress, IsThePeerUnlessAProxyIsTrusted) {
  httplib::Request req;
  req.remote_addr = "10.0.0.1";
  req.set_header("X-Forwarded-For", " 203.0.113.7 , 10.0.0.9");
  EXPECT_EQ(ClientAddress(req, {}), "10.0.0.1");
  EXPECT_EQ(ClientAddress(req, {"10.0.0.2"}), "10.0.0.1");
  EXPECT_EQ(ClientAddress(req, {"10.0.0.2", "10.0.0.1"}), "203.0.113.7");
  httplib::Request bare;
  bare.remote_addr = "10.0.0.1";
  EXPECT_EQ(ClientAddress(bare, {"10.0.0.1"}), "10.0.0.1");
}

}  // namespace
}  // namespace kefu::server
