// The hand-off webhook end to end: the real server in-process on 127.0.0.1 port 0 with a real
// SQLite file (and the real kefu-server binary, for SIGKILL), and a real httplib receiver on 127.0.0.1 port 0 that records what it gets, answers
// as scripted and can hold requests until released. Back-off is shortened to milliseconds.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "kb/knowledge_base.h"
#include "kb/log.h"
#include "kb/store/store.h"
#include "server/server.h"
#include "server/webhook.h"
#include "tests/server/test_support.h"

namespace kefu::server::testing {
namespace {

using nlohmann::json;

constexpr auto kWait = std::chrono::seconds(10);
constexpr char kSecret[] = "whsec-test-key";

struct Received {
  httplib::Headers headers;
  std::string path;
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A help desk's webhook endpoint: POST /hooks/kefu. Answers `statuses` in order, then 200.
class Receiver {
 public:
  explicit Receiver(std::vector<int> statuses = {}) : statuses_(statuses.begin(), statuses.end()) {
    http_.Post("/hooks/kefu", [this](const httplib::Request& req, httplib::Response& res) {
      std::unique_lock<std::mutex> lock(mu_);
      requests_.push_back({req.headers, req.path, req.body});
      cv_.notify_all();
      cv_.wait(lock, [this] { return !holding_; });
      res.status = 200;
      if (!statuses_.empty()) {
        res.status = statuses_.front();
        statuses_.pop_front();
      }
      res.set_content(res.status == 200 ? "ok" : "not now", "text/plain");
    });
    port_ = http_.bind_to_any_port("127.0.0.1");
    if (port_ > 0) thread_ = std::thread([this] { http_.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (port_ > 0 && !http_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~Receiver() {
    Release();
    http_.stop();
    if (thread_.joinable()) thread_.join();
  }

  bool running() const { return http_.is_running(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/kefu"; }
  // Requests wait in the handler, unanswered, until Release().
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    holding_ = true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      holding_ = false;
    }
    cv_.notify_all();
  }
  // True once `n` requests have arrived (answered or held); false after 10 s.
  bool WaitForRequests(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return requests_.size() >= n; });
  }
  std::vector<Received> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  httplib::Server http_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> statuses_;        // guarded by mu_
  bool holding_ = false;            // guarded by mu_
  std::vector<Received> requests_;  // guarded by mu_
};

// Log lines, collected from every thread.
class LogCapture {
 public:
  LogCapture() {
    SetLogSink([this](LogLevel level, std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back({level, std::string(line)});
    });
  }
  ~LogCapture() { SetLogSink(nullptr); }
  std::vector<std::pair<LogLevel, std::string>> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<LogLevel, std::string>> lines_;
};

class WebhookTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<KnowledgeBase>> kb = OpenSharedIndex();
    if (!kb.ok()) {
      setup_error_ = kb.status().ToString();
      return;
    }
    kb_ = std::move(kb).value().release();
  }
  static void TearDownTestSuite() {
    delete kb_;
    kb_ = nullptr;
  }
  void SetUp() override {
    if (!setup_error_.empty()) GTEST_FAIL() << setup_error_;
    ASSERT_TRUE(receiver_.running());
  }

  // Millisecond back-off, so that retries take no time in tests.
  static HandoffWebhookOptions FastWebhook(const std::string& url) {
    HandoffWebhookOptions webhook;
    webhook.url = url;
    webhook.secret = kSecret;
    webhook.max_attempts = 5;
    webhook.backoff_base_ms = 5;
    webhook.backoff_max_ms = 20;
    webhook.timeout_ms = 5000;
    return webhook;
  }

  // A server on this test's database that posts hand-offs to the receiver.
  std::unique_ptr<Server> StartServer(HandoffWebhookOptions webhook) {
    ServerOptions options = LoopbackServerOptions();
    options.db_path = db_path_;
    options.handoff_webhook = std::move(webhook);
    auto server = std::make_unique<Server>(*kb_, options);
    Status started = server->Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    return started.ok() ? std::move(server) : nullptr;
  }
  std::unique_ptr<Server> StartServer() { return StartServer(FastWebhook(receiver_.url())); }

  // POST /api/v1/chat; expects 200. A reply that waited on the webhook would time out here.
  static json Chat(const Server& server, const json& body) {
    httplib::Client client("127.0.0.1", server.port());
    client.set_read_timeout(5, 0);
    JsonResponse r = ToJsonResponse(client.Post("/api/v1/chat", body.dump(), "application/json"));
    EXPECT_EQ(r.status, 200) << body.dump() << " -> " << r.body;
    return r.json;
  }
  static json Message(const Server& server, const std::string& text,
                      const std::string& conversation_id = "") {
    json body = {{"message", text}, {"locale", "zh-Hans"}};
    if (!conversation_id.empty()) body["conversation_id"] = conversation_id;
    return Chat(server, body);
  }
  // A new conversation handed off at once; its hand-off id.
  static int64_t HandOff(const Server& server, const std::string& text = "转人工") {
    const json r = Message(server, text);
    EXPECT_EQ(r["reply"]["type"], "handoff") << r.dump();
    return r.contains("handoff") ? r["handoff"]["id"].get<int64_t>() : 0;
  }

  // The outbox row once the sender has delivered it or given up (a second connection to the
  // file); attempts -1 after 10 s.
  WebhookDelivery WaitForOutcome(int64_t handoff_id) {
    Result<std::unique_ptr<Store>> store = Store::Open(StoreOptions{.path = db_path_});
    if (!store.ok()) return {.attempts = -1, .last_error = store.status().ToString()};
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      Result<WebhookDelivery> d = (*store)->GetWebhookDelivery(handoff_id);
      if (d.ok() && (d->delivered_ms != 0 || d->gave_up_ms != 0)) return *d;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return {.attempts = -1, .last_error = "no outcome within 10 s"};
  }
  Result<WebhookDelivery> Delivery(int64_t handoff_id) {
    Result<std::unique_ptr<Store>> store = Store::Open(StoreOptions{.path = db_path_});
    if (!store.ok()) return store.status();
    return (*store)->GetWebhookDelivery(handoff_id);
  }

  static std::string KeyOf(int64_t handoff_id) {
    return "handoff.created:" + std::to_string(handoff_id);
  }

  static inline std::string setup_error_;
  static inline KnowledgeBase* kb_ = nullptr;
  TempDir var_{"kefu-webhook-test"};
  const std::string db_path_ = var_.path() + "/kefu.db";
  Receiver receiver_;
};

TEST_F(WebhookTest, DeliversTheHandOffWithItsTranscriptAndSignedHeaders) {
  std::unique_ptr<Server> server = StartServer();
  ASSERT_NE(server, nullptr);
  const json clarify = Message(*server, "退款多久");
  ASSERT_EQ(clarify["reply"]["type"], "clarify") << clarify.dump();
  const std::string conversation_id = clarify["conversation_id"];
  const json handoff = Message(*server, "转人工", conversation_id);
  ASSERT_EQ(handoff["reply"]["reason"], "asked_for_human") << handoff.dump();
  const int64_t id = handoff["handoff"]["id"];

  ASSERT_TRUE(receiver_.WaitForRequests(1));
  const Received r = receiver_.requests()[0];
  EXPECT_EQ(r.path, "/hooks/kefu");
  EXPECT_EQ(r.header("Content-Type").rfind("application/json", 0), 0u) << r.header("Content-Type");
  EXPECT_EQ(r.header("X-Kefu-Event"), "handoff.created");
  EXPECT_EQ(r.header("X-Kefu-Delivery"), KeyOf(id));
  EXPECT_EQ(r.header("Idempotency-Key"), KeyOf(id));
  EXPECT_EQ(r.header("X-Kefu-Attempt"), "1");
  EXPECT_EQ(r.header("X-Kefu-Signature"), "sha256=" + HmacSha256Hex(kSecret, r.body));

  const json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(body.is_object()) << r.body;
  EXPECT_EQ(body["event"], "handoff.created");
  EXPECT_GT(body["sent_ms"].get<int64_t>(), 0);
  const json& h = body["handoff"];
  EXPECT_EQ(h["id"], id);
  EXPECT_EQ(h["conversation_id"], conversation_id);
  EXPECT_EQ(h["question"], "退款多久") << "the question asked before the request for a person";
  EXPECT_EQ(h["reason"], "asked_for_human");
  EXPECT_EQ(h["locale"], "zh-Hans");
  EXPECT_EQ(h["team"], "general");
  EXPECT_EQ(h["status"], "open");
  ASSERT_TRUE(h["candidates"].is_array());
  EXPECT_FALSE(h["candidates"].empty());
  EXPECT_GT(h["created_ms"].get<int64_t>(), 0);

  // The transcript is the conversation as GET /api/v1/conversations/{id} shows it.
  const json& transcript = body["transcript"];
  ASSERT_EQ(transcript.size(), 4u) << r.body;
  EXPECT_EQ(transcript[0]["role"], "customer");
  EXPECT_EQ(transcript[0]["text"], "退款多久");
  EXPECT_EQ(transcript[1]["type"], "clarify");
  EXPECT_EQ(transcript[2]["text"], "转人工");
  EXPECT_EQ(transcript[3]["type"], "handoff");
  EXPECT_EQ(transcript[3]["text"], handoff["reply"]["text"]);
  httplib::Client client("127.0.0.1", server->port());
  JsonResponse shown = GetJson(client, "/api/v1/conversations/" + conversation_id);
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(transcript, shown.json["turns"]);

  const WebhookDelivery d = WaitForOutcome(id);
  EXPECT_EQ(d.attempts, 1) << d.last_error;
  EXPECT_GT(d.delivered_ms, 0);

  // Only new hand-offs are sent: not an answer, not a message to a conversation already with
  // a person.
  EXPECT_EQ(Message(*server, "退货运费谁承担")["reply"]["type"], "answer");
  EXPECT_EQ(Message(*server, "还在吗", conversation_id)["reply"]["reason"], "already_handed_off");
  const int64_t second = HandOff(*server);
  ASSERT_TRUE(receiver_.WaitForRequests(2));
  EXPECT_EQ(WaitForOutcome(second).attempts, 1);
  const std::vector<Received> all = receiver_.requests();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].header("Idempotency-Key"), KeyOf(second));
}

TEST_F(WebhookTest, AReceiverThatFailsTwiceGetsTheHandOffOnTheThirdAttemptExactlyOnce) {
  Receiver failing({500, 500});
  ASSERT_TRUE(failing.running());
  std::unique_ptr<Server> server = StartServer(FastWebhook(failing.url()));
  ASSERT_NE(server, nullptr);
  const int64_t id = HandOff(*server);

  const WebhookDelivery d = WaitForOutcome(id);
  EXPECT_EQ(d.attempts, 3) << d.last_error;
  EXPECT_GT(d.delivered_ms, 0);
  EXPECT_EQ(d.gave_up_ms, 0);
  std::vector<Received> requests = failing.requests();
  ASSERT_EQ(requests.size(), 3u);
  json first_body;
  for (size_t i = 0; i < requests.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(requests[i].header("X-Kefu-Attempt"), std::to_string(i + 1));
    EXPECT_EQ(requests[i].header("Idempotency-Key"), KeyOf(id)) << "one key for every attempt";
    EXPECT_EQ(requests[i].header("X-Kefu-Signature"),
              "sha256=" + HmacSha256Hex(kSecret, requests[i].body));
    json body = json::parse(requests[i].body, nullptr, false);
    ASSERT_TRUE(body.is_object());
    body.erase("sent_ms");
    if (i == 0) first_body = body;
    EXPECT_EQ(body, first_body) << "a retry sends the same hand-off and transcript";
  }

  // Once delivered it is never sent again: the next hand-off is the only new request.
  const int64_t next = HandOff(*server);
  EXPECT_EQ(WaitForOutcome(next).attempts, 1);
  requests = failing.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[3].header("Idempotency-Key"), KeyOf(next));
}

TEST_F(WebhookTest, GivesUpAfterTheLastAttemptAndWarnsWithoutTheCustomersText) {
  Receiver down({503, 503, 503});
  ASSERT_TRUE(down.running());
  HandoffWebhookOptions webhook = FastWebhook(down.url());
  webhook.max_attempts = 3;
  LogCapture log;
  std::unique_ptr<Server> server = StartServer(webhook);
  ASSERT_NE(server, nullptr);
  const std::string text = "我要投诉，火星快递丢了我的包裹，转人工";
  const int64_t id = HandOff(*server, text);

  const WebhookDelivery d = WaitForOutcome(id);
  EXPECT_EQ(d.attempts, 3) << d.last_error;
  EXPECT_GT(d.gave_up_ms, 0);
  EXPECT_EQ(d.delivered_ms, 0);
  EXPECT_EQ(d.last_error, "HTTP 503");
  EXPECT_EQ(down.requests().size(), 3u);
  server->Stop();

  bool warned = false;
  for (const auto& [level, line] : log.lines()) {
    EXPECT_EQ(line.find("火星快递"), std::string::npos) << line;
    warned = warned || (level == LogLevel::kWarn &&
                        line.find("gave up handoff_id=" + std::to_string(id) + " attempts=3") !=
                            std::string::npos);
  }
  EXPECT_TRUE(warned);
}

TEST_F(WebhookTest, AHangingReceiverNeverDelaysTheCustomersReply) {
  receiver_.Hold();
  std::unique_ptr<Server> server = StartServer();
  ASSERT_NE(server, nullptr);
  const json handoff = Message(*server, "转人工");
  ASSERT_EQ(handoff["reply"]["type"], "handoff") << handoff.dump();
  const int64_t id = handoff["handoff"]["id"];
  // The webhook is in flight and unanswered while the customer goes on chatting.
  ASSERT_TRUE(receiver_.WaitForRequests(1));
  EXPECT_EQ(Message(*server, "还在吗", handoff["conversation_id"])["reply"]["reason"],
            "already_handed_off");
  EXPECT_EQ(Message(*server, "退货运费谁承担")["reply"]["type"], "answer");
  const int64_t other = HandOff(*server);
  Result<WebhookDelivery> held = Delivery(id);
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(held->delivered_ms, 0) << "the receiver has not answered yet";

  receiver_.Release();
  EXPECT_EQ(WaitForOutcome(id).attempts, 1);
  EXPECT_EQ(WaitForOutcome(other).attempts, 1);
}

TEST_F(WebhookTest, APendingDeliveryResumesAfterARestartOnTheSameDatabase) {
  receiver_.Hold();
  int64_t id = 0;
  {
    std::unique_ptr<Server> first = StartServer();
    ASSERT_NE(first, nullptr);
    id = HandOff(*first);
    ASSERT_TRUE(receiver_.WaitForRequests(1));
    first->Stop();  // mid-attempt: the receiver never answered
  }
  Result<WebhookDelivery> pending = Delivery(id);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  EXPECT_EQ(pending->attempts, 0) << "an attempt cut short by shutdown is not counted";
  EXPECT_EQ(pending->delivered_ms, 0);
  receiver_.Release();

  std::unique_ptr<Server> second = StartServer();
  ASSERT_NE(second, nullptr);
  const WebhookDelivery d = WaitForOutcome(id);
  EXPECT_EQ(d.attempts, 1) << d.last_error;
  EXPECT_GT(d.delivered_ms, 0);
  const std::vector<Received> requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].header("Idempotency-Key"), requests[0].header("Idempotency-Key"))
      << "the receiver can tell it is the same hand-off";
}

TEST_F(WebhookTest, ADeliveryInFlightWhenTheServerIsKilledIsSentAgainAfterTheRestart) {
  const TestIndex& index = SharedIndex();
  ASSERT_TRUE(index.ok) << index.error;
  struct EnvGuard {
    EnvGuard() { setenv("KEFU_HANDOFF_WEBHOOK_SECRET", kSecret, 1); }
    ~EnvGuard() { unsetenv("KEFU_HANDOFF_WEBHOOK_SECRET"); }
  } secret;
  const std::vector<std::string> argv = {ServerPath(), "--index", index.dir, "--db", db_path_,
                                         "--listen", "127.0.0.1:0", "--handoff-webhook-url",
                                         receiver_.url(), "--handoff-webhook-backoff-ms", "5"};
  receiver_.Hold();
  int64_t id = 0;
  {
    ChildProcess server(argv);
    const int port = ListeningPort(server);
    ASSERT_GT(port, 0);
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(5, 0);
    JsonResponse r = ToJsonResponse(
        client.Post("/api/v1/chat", json{{"message", "转人工"}}.dump(), "application/json"));
    ASSERT_EQ(r.status, 200) << r.body;
    id = r.json["handoff"]["id"];
    ASSERT_TRUE(receiver_.WaitForRequests(1));
    server.Signal(SIGKILL);
    server.Wait(std::chrono::seconds(30));
  }
  receiver_.Release();

  ChildProcess server(argv);  // the same --db
  ASSERT_GT(ListeningPort(server), 0);
  const WebhookDelivery d = WaitForOutcome(id);
  EXPECT_EQ(d.attempts, 1) << d.last_error;
  EXPECT_GT(d.delivered_ms, 0);
  const std::vector<Received> requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const Received& r : requests) {
    EXPECT_EQ(r.header("Idempotency-Key"), KeyOf(id));
    EXPECT_EQ(r.header("X-Kefu-Attempt"), "1") << "the killed attempt was never recorded";
    EXPECT_EQ(r.header("X-Kefu-Signature"), "sha256=" + HmacSha256Hex(kSecret, r.body));
  }
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(std::chrono::seconds(30)), 0);
}

}  // namespace
}  // namespace kefu::server::testing
