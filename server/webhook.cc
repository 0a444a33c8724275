// The hand-off webhook's sender thread: outbox rows -> signed JSON POSTs, back-off, give-up.
#include "server/webhook.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <utility>
#include <vector>

#include "kb/log.h"
#include "server/chat_service.h"
#include "server/chat_types.h"

namespace kefu::server {
namespace {

constexpr char kComponent[] = "webhook";

// The delivery's identity for receivers, the same on every attempt: "handoff.created:7".
std::string DeliveryKey(int64_t handoff_id) {
  return std::string(kHandoffCreatedEvent) + ":" + std::to_string(handoff_id);
}

bool ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  int port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + (c - '0');
  }
  return port >= 1 && port <= 65535;
}

}  // namespace

Result<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  const auto bad = [url](std::string_view why) {
    std::string message = "'";
    message.append(url);
    message += "' ";
    message.append(why);
    return Status::InvalidArgument(std::move(message));
  };
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return bad("contains spaces or control characters");
    }
  }
  const size_t scheme_end = url.find("://");
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    return bad("is not an http:// or https:// URL");
  }
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (scheme == "https") {
    return bad(
        "needs TLS, which this build's cpp-httplib lacks; use http:// (e.g. to a local relay)");
  }
#endif
  const std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) return bad("has a fragment (#...)");
  const size_t path_at = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, path_at);
  if (authority.find('@') != std::string_view::npos) {
    return bad("has credentials; put the key in handoff_webhook_secret instead");
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed [IPv6] host");
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("has text after its [IPv6] host");
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    has_port = true;
  }
  if (host.empty() || host == "[]") return bad("has no host");
  if (has_port && !ParsePort(port)) return bad("has a port outside 1..65535");
  WebhookUrl out;
  out.scheme_host_port = std::string(url.substr(0, scheme_end + 3 + authority.size()));
  out.path = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (out.path.front() == '?') out.path.insert(0, "/");
  return out;
}

int64_t BackoffDelayMs(int failed_attempts, int64_t base_ms, int64_t max_ms, double random) {
  const int64_t cap = std::max<int64_t>(max_ms, 1);
  int64_t delay = std::clamp<int64_t>(base_ms, 1, cap);
  for (int i = 1; i < failed_attempts && delay < cap; ++i) delay = std::min(delay * 2, cap);
  const double jitter = std::clamp(random, 0.0, 1.0) * static_cast<double>(delay / 2);
  return delay - static_cast<int64_t>(jitter);
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_size);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < mac_size; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", mac[i]);
    hex += buf;
  }
  return hex;
}

HandoffWebhook::HandoffWebhook(Store& store, HandoffWebhookOptions options)
    : store_(store), options_(std::move(options)), random_(options_.random) {
  if (!random_) {
    random_ = [engine = std::mt19937_64(std::random_device()())]() mutable {
      return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
    };
  }
}

HandoffWebhook::~HandoffWebhook() { Stop(); }

Status HandoffWebhook::Start() {
  Result<WebhookUrl> url = ParseWebhookUrl(options_.url);
  if (!url.ok()) return url.status();
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return Status::FailedPrecondition("the hand-off webhook is already started");
  started_ = true;
  url_ = std::move(url).value();
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void HandoffWebhook::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void HandoffWebhook::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
    // A receiver that hangs must not hold up shutdown for the whole timeout.
    if (in_flight_ != nullptr) in_flight_->stop();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t HandoffWebhook::Now() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void HandoffWebhook::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  const auto woken = [this] { return stopping_ || woken_; };
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    const int64_t next_ms = DeliverDue();
    lock.lock();
    if (next_ms == 0) {
      cv_.wait(lock, woken);
    } else {
      cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(next_ms - Now(), 0)), woken);
    }
  }
}

int64_t HandoffWebhook::DeliverDue() {
  for (;;) {
    Result<std::vector<WebhookDelivery>> pending =
        store_.PendingWebhookDeliveries(options_.batch_size);
    if (!pending.ok()) {
      KEFU_LOG(kWarn, kComponent) << "cannot read the outbox error=" << pending.status().ToString();
      return Now() + options_.backoff_max_ms;
    }
    if (pending->empty()) return 0;
    for (const WebhookDelivery& delivery : *pending) {
      if (delivery.next_attempt_ms > Now()) return delivery.next_attempt_ms;
      // Stopping, or the store failed: sending again soon could flood the receiver with a delivery
      // that cannot be marked done, so wait the longest back-off.
      if (!Attempt(delivery)) return Now() + options_.backoff_max_ms;
    }
  }
}

Result<std::string> HandoffWebhook::BodyFor(const WebhookDelivery& delivery) {
  Result<Handoff> handoff = store_.GetHandoff(delivery.handoff_id);
  if (!handoff.ok()) return handoff.status();
  Result<std::vector<Turn>> turns = store_.ListTurns(handoff->conversation_id);
  if (!turns.ok()) return turns.status();
  HandoffWebhookBody body;
  body.event = kHandoffCreatedEvent;
  body.handoff = MakeHandoffItem(*handoff);
  // The transcript as the hand-off saw it, so that every attempt carries the same conversation.
  for (const Turn& t : *turns) {
    if (t.seq <= delivery.transcript_seq) body.transcript.push_back(MakeTranscriptTurn(t));
  }
  body.sent_ms = Now();
  return ToChatJson(body);
}

bool HandoffWebhook::Attempt(const WebhookDelivery& delivery) {
  const int attempt = delivery.attempts + 1;
  WebhookAttempt outcome{.handoff_id = delivery.handoff_id};
  Result<std::string> body = BodyFor(delivery);
  if (body.ok()) {
    outcome.error = Post(*body, delivery.handoff_id, attempt);
    outcome.delivered = outcome.error.empty();
    std::lock_guard<std::mutex> lock(mu_);
    // Cut short by Stop(): not the receiver's fault, so not counted; sent again after a restart.
    if (stopping_ && !outcome.delivered) return false;
  } else if (body.status().code() == StatusCode::kNotFound) {
    outcome.error = "the hand-off no longer exists";  // nothing left to send: give up
  } else {
    KEFU_LOG(kWarn, kComponent) << "cannot read the hand-off handoff_id=" << delivery.handoff_id
                                << " error=" << body.status().ToString();
    return false;
  }
  outcome.at_ms = Now();
  const bool retry = !outcome.delivered && body.ok() && attempt < options_.max_attempts;
  if (retry) {
    outcome.next_attempt_ms = outcome.at_ms + BackoffDelayMs(attempt, options_.backoff_base_ms,
                                                             options_.backoff_max_ms, random_());
  }
  if (Status s = store_.RecordWebhookAttempt(outcome); !s.ok()) {
    KEFU_LOG(kWarn, kComponent) << "cannot record a delivery attempt handoff_id="
                                << delivery.handoff_id << " error=" << s.ToString();
    return false;
  }
  if (outcome.delivered) {
    KEFU_LOG(kInfo, kComponent) << "delivered handoff_id=" << delivery.handoff_id
                                << " attempt=" << attempt;
  } else if (retry) {
    KEFU_LOG(kInfo, kComponent) << "attempt failed handoff_id=" << delivery.handoff_id
                                << " attempt=" << attempt << " error=" << outcome.error
                                << " retry_in_ms=" << outcome.next_attempt_ms - outcome.at_ms;
  } else {
    KEFU_LOG(kWarn, kComponent) << "gave up handoff_id=" << delivery.handoff_id
                                << " attempts=" << attempt << " error=" << outcome.error;
  }
  return true;
}

std::string HandoffWebhook::Post(const std::string& body, int64_t handoff_id, int attempt) {
  httplib::Client client(url_.scheme_host_port);
  if (!client.is_valid()) return "the URL's host is not usable";
  const time_t sec = options_.timeout_ms / 1000;
  const time_t usec = (options_.timeout_ms % 1000) * 1000;
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  const std::string key = DeliveryKey(handoff_id);
  httplib::Headers headers = {{"User-Agent", "kefu-webhook"},
                              {"X-Kefu-Event", kHandoffCreatedEvent},
                              {"X-Kefu-Delivery", key},
                              {"Idempotency-Key", key},
                              {"X-Kefu-Attempt", std::to_string(attempt)}};
  if (!options_.secret.empty()) {
    headers.emplace("X-Kefu-Signature", "sha256=" + HmacSha256Hex(options_.secret, body));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return "stopped";
    in_flight_ = &client;
  }
  httplib::Result result = client.Post(url_.path, headers, body, "application/json");
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ = nullptr;
  }
  // Only the status: a receiver's body may echo what the customer wrote.
  if (!result) return "request failed: " + httplib::to_string(result.error());
  if (result->status >= 200 && result->status < 300) return "";
  return "HTTP " + std::to_string(result->status);
}

}  // namespace kefu::server
