// HandoffWebhook: the optional outbound webhook on hand-off. A background thread delivers the rows
// of the store's webhook outbox (written in the hand-off's own transaction) as JSON POSTs with the
// transcript, retries failures with exponential back-off and jitter, gives up after the last
// attempt, and resumes pending rows after a restart. At-least-once: receivers drop duplicates by
// the Idempotency-Key header. Nothing here runs on a customer's request; Wake() only signals.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "kb/status.h"
#include "kb/store/store.h"

namespace httplib {
class Client;
}

namespace kefu::server {

// The event of a new hand-off: the body's `event` and the X-Kefu-Event header.
inline constexpr char kHandoffCreatedEvent[] = "handoff.created";

struct HandoffWebhookOptions {
  // Where to POST: http://HOST[:PORT][/PATH] or https://...; "" turns the webhook off (no outbox
  // rows are written). Setting `handoff_webhook_url`. Default: "".
  std::string url;
  // Key of the HMAC-SHA256 of the body sent as `X-Kefu-Signature: sha256=<hex>`; "" sends no
  // signature. Setting `handoff_webhook_secret`. Default: "".
  std::string secret;
  // Attempts per hand-off, the first included; after the last one fails the delivery is given up
  // (recorded, logged at warn). Setting `handoff_webhook_attempts`. Default: 12 (about 18 minutes
  // of retries with the default back-off).
  int max_attempts = 12;
  // The wait after failed attempt n: backoff_base_ms * 2^(n-1), at most backoff_max_ms, minus a
  // random part of up to half (jitter, so that receivers coming back are not hit all at once).
  // Settings `handoff_webhook_backoff_ms`, `handoff_webhook_backoff_max_ms`. Default: 1000 and
  // 300000 (1 s doubling to 5 min).
  int64_t backoff_base_ms = 1000;
  int64_t backoff_max_ms = 300000;
  // Limit on connecting, and on each send and receive, of one attempt, in milliseconds. Setting
  // `handoff_webhook_timeout_ms`. Default: 10000.
  int timeout_ms = 10000;
  // Deliveries read from the outbox at a time. Default: 16.
  int batch_size = 16;
  // The clock, in milliseconds since the epoch. Default (empty): the system clock.
  std::function<int64_t()> now_ms;
  // Uniform in [0, 1), for the jitter. Default (empty): a generator seeded from random_device.
  std::function<double()> random;
};

// A webhook URL split for httplib::Client: "https://help.example.com:8443" and "/hooks/kefu?x=1".
struct WebhookUrl {
  std::string scheme_host_port;
  std::string path;  // "/" when the URL has none
};

// kInvalidArgument, saying what is wrong, unless `url` is http(s)://HOST[:PORT][/PATH] without
// credentials or a fragment.
Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

// The wait after `failed_attempts` (>= 1) failed attempts, in milliseconds; `random` in [0, 1)
// takes off up to half: in [delay / 2, delay].
int64_t BackoffDelayMs(int failed_attempts, int64_t base_ms, int64_t max_ms, double random);

// Lowercase hex of HMAC-SHA256(key, message): the X-Kefu-Signature value after "sha256=".
std::string HmacSha256Hex(std::string_view key, std::string_view message);

class HandoffWebhook {
 public:
  // `store` must outlive the webhook; `options.url` must parse (ParseWebhookUrl).
  HandoffWebhook(Store& store, HandoffWebhookOptions options);
  ~HandoffWebhook();  // Stop()s
  HandoffWebhook(const HandoffWebhook&) = delete;
  HandoffWebhook& operator=(const HandoffWebhook&) = delete;

  // Starts the sender thread, which first delivers whatever is pending (after a restart, too).
  // kInvalidArgument for a bad URL; kFailedPrecondition when called twice.
  Status Start();
  // A new row is in the outbox: look now rather than at the next scheduled attempt. Cheap and
  // non-blocking; called after a hand-off is committed.
  void Wake();
  // Aborts an attempt in flight (it is not counted: the row is sent again after a restart) and
  // joins the thread. Idempotent.
  void Stop();

 private:
  void Run();
  // Delivers every due row; the time of the next scheduled attempt, or 0 when nothing is pending.
  int64_t DeliverDue();
  // The JSON body of `delivery`; kNotFound when its hand-off no longer exists.
  Result<std::string> BodyFor(const WebhookDelivery& delivery);
  // One attempt; false when nothing was recorded (cut short by Stop(), or a store error).
  bool Attempt(const WebhookDelivery& delivery);
  // POSTs `body` as attempt `attempt`; "" when the receiver accepted it (2xx), else why not.
  std::string Post(const std::string& body, int64_t handoff_id, int attempt);
  int64_t Now() const;

  Store& store_;
  const HandoffWebhookOptions options_;
  WebhookUrl url_;
  std::function<double()> random_;  // used by the sender thread only

  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;                  // guarded by mu_
  bool stopping_ = false;                 // guarded by mu_
  bool woken_ = false;                    // guarded by mu_
  httplib::Client* in_flight_ = nullptr;  // guarded by mu_: the attempt Stop() aborts
  std::thread thread_;
};

}  // namespace kefu::server
