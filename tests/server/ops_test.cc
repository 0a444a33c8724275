// Operating the server, in-process on 127.0.0.1 port 0 over real HTTP: the JSON access log (and
// that it never carries customer text, the bot's decisions included), /metrics (requests, the bot's
// replies and hand-off queue), per-client rate limiting, CORS and the listen backlog.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kb/knowledge_base.h"
#include "kb/log.h"
#include "server/server.h"
#include "tests/server/test_support.h"

namespace kefu::server::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// A KnowledgeBase on the shared test index and a Server on it with `options` (host and port are
// forced to 127.0.0.1:0).
class RunningServer {
 public:
  explicit RunningServer(ServerOptions options) {
    Result<std::unique_ptr<KnowledgeBase>> kb = OpenSharedIndex();
    if (!kb.ok()) {
      error_ = "KnowledgeBase::Open: " + kb.status().ToString();
      return;
    }
    kb_ = std::move(kb).value();
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 4;
    options.reload_interval_ms = 0;
    server_ = std::make_unique<Server>(*kb_, std::move(options));
    if (Status s = server_->Start(); !s.ok()) {
      error_ = "Server::Start: " + s.ToString();
      server_.reset();
    }
  }
  ~RunningServer() {
    if (server_) server_->Stop();
  }

  bool ok() const { return server_ != nullptr; }
  const std::string& error() const { return error_; }
  Server& server() { return *server_; }
  std::unique_ptr<httplib::Client> Client() const {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client->set_connection_timeout(5, 0);
    client->set_read_timeout(30, 0);
    return client;
  }

 private:
  std::string error_;
  std::unique_ptr<KnowledgeBase> kb_;
  std::unique_ptr<Server> server_;
};

ServerOptions Unlimited() {
  ServerOptions options;
  options.rate_limit_per_second = 0;
  return options;
}

// Collects every log line while it lives (kefu::SetLogSink), at the default info level.
class LogCapture {
 public:
  LogCapture() {
    SetLogLevel(LogLevel::kInfo);
    SetLogSink([this](LogLevel, std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() { SetLogSink(nullptr); }

  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  std::string all() const {
    std::string out;
    for (const std::string& line : lines()) out += line + "\n";
    return out;
  }
  // The access record with `request_id`, waiting for it: the logger runs after the response is
  // written, so it may trail the client by a moment.
  json AccessRecordFor(const std::string& request_id) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {
      for (const std::string& line : lines()) {
        if (line.empty() || line.front() != '{') continue;  // access lines are bare JSON objects
        json record = json::parse(line, nullptr, false);
        if (record.is_object() && record.value("request_id", "") == request_id) return record;
      }
      std::this_thread::sleep_for(milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    return json();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

TEST(AccessLog, OneJsonLinePerRequestWithRouteStatusLatencyAndSearchOutcome) {
  LogCapture log;
  RunningServer running(Unlimited());
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();

  JsonResponse search = GetJson(
      *client, WithQuery("/api/v1/search", {{"q", "退货运费谁承担"}, {"locale", "zh-Hans"}}));
  ASSERT_EQ(search.status, 200) << search.body;
  ASSERT_FALSE(search.json["results"].empty()) << search.body;
  json record = log.AccessRecordFor(search.header("X-Request-Id"));
  ASSERT_TRUE(record.is_object()) << log.all();
  EXPECT_EQ(record.value("method", ""), "GET") << record;
  EXPECT_EQ(record.value("route", ""), "/api/v1/search") << record;
  EXPECT_EQ(record.value("status", 0), 200) << record;
  EXPECT_GE(record.value("latency_ms", -1.0), 0.0) << record;
  EXPECT_DOUBLE_EQ(record.value("confidence", -1.0), search.json.value("confidence", -2.0));
  EXPECT_EQ(record.value("top_entry_id", ""), search.json["results"][0].value("id", ""));

  // The entry route is logged by its pattern, not its path; no search fields.
  JsonResponse entry = GetJson(*client, "/api/v1/entries/no-such-entry-4711");
  ASSERT_EQ(entry.status, 404);
  record = log.AccessRecordFor(entry.header("X-Request-Id"));
  EXPECT_EQ(record.value("route", ""), "/api/v1/entries/{id}") << record;
  EXPECT_EQ(record.value("status", 0), 404) << record;
  EXPECT_FALSE(record.contains("confidence")) << record;
  EXPECT_EQ(log.all().find("no-such-entry-4711"), std::string::npos) << log.all();

  JsonResponse unknown = GetJson(*client, "/no/such/route-4711");
  record = log.AccessRecordFor(unknown.header("X-Request-Id"));
  EXPECT_EQ(record.value("route", ""), "unmatched") << record;
  EXPECT_EQ(record.value("status", 0), 404) << record;
  EXPECT_EQ(log.all().find("route-4711"), std::string::npos) << log.all();
}

TEST(AccessLog, NeverContainsTheQueryText) {
  LogCapture log;
  RunningServer running(Unlimited());
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();
  const std::string marker = "Zqxjv4711Leak";
  const std::string query = "退货运费谁承担 " + marker;
  JsonResponse search = GetJson(*client, WithQuery("/api/v1/search", {{"q", query}}));
  ASSERT_EQ(search.status, 200) << search.body;
  // An invalid request too: its text must not reach the log through an error path either.
  JsonResponse bad =
      GetJson(*client, WithQuery("/api/v1/search", {{"q", query}, {"locale", "xx-" + marker}}));
  ASSERT_EQ(bad.status, 400) << bad.body;
  ASSERT_TRUE(log.AccessRecordFor(search.header("X-Request-Id")).is_object()) << log.all();
  ASSERT_TRUE(log.AccessRecordFor(bad.header("X-Request-Id")).is_object()) << log.all();

  std::string all = log.all();
  std::string lower = all;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  EXPECT_EQ(lower.find("zqxjv4711leak"), std::string::npos) << all;
  EXPECT_EQ(all.find("退货运费"), std::string::npos) << all;
  EXPECT_EQ(all.find("%E9%80%80"), std::string::npos) << all;  // the query, percent-encoded
}

TEST(MetricsEndpoint, CountsRequestsPerRouteAndStatusAndReportsTheIndex) {
  RunningServer running(Unlimited());
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();
  for (const char* q : {"退货运费谁承担", "refund", "發票"}) {
    ASSERT_EQ(GetJson(*client, WithQuery("/api/v1/search", {{"q", q}})).status, 200);
  }
  ASSERT_EQ(GetJson(*client, "/api/v1/search").status, 400);
  ASSERT_EQ(GetJson(*client, "/api/v1/entries/no-such-entry").status, 404);
  ASSERT_EQ(GetJson(*client, "/nowhere").status, 404);
  JsonResponse ready = GetJson(*client, "/readyz");
  ASSERT_EQ(ready.status, 200);

  // The counters are updated right after each response is written: poll briefly for them.
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    httplib::Result r = client->Get("/metrics");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
    text = r->body;
    // Workers may log in another order than the requests came: wait for every one of them.
    if (Sample(text, R"(kefu_http_requests_total{route="/readyz",status="200"})") == 1 &&
        Sample(text, R"(kefu_http_requests_total{route="/api/v1/entries/{id}",status="404"})") ==
            1 &&
        Sample(text, R"(kefu_http_request_duration_seconds_count{route="/api/v1/search"})") == 4 &&
        Sample(text, R"(kefu_http_requests_total{route="unmatched",status="404"})") == 1) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);

  EXPECT_EQ(Sample(text, R"(kefu_http_requests_total{route="/api/v1/search",status="200"})"), 3)
      << text;
  EXPECT_EQ(Sample(text, R"(kefu_http_requests_total{route="/api/v1/search",status="400"})"), 1)
      << text;
  EXPECT_EQ(Sample(text, R"(kefu_http_requests_total{route="/api/v1/entries/{id}",status="404"})"),
            1)
      << text;
  EXPECT_EQ(Sample(text, R"(kefu_http_requests_total{route="unmatched",status="404"})"), 1) << text;
  EXPECT_EQ(Sample(text, R"(kefu_http_requests_total{route="/readyz",status="200"})"), 1) << text;
  EXPECT_EQ(Sample(text, R"(kefu_http_request_duration_seconds_count{route="/api/v1/search"})"), 4)
      << text;
  EXPECT_EQ(
      Sample(text,
             R"(kefu_http_request_duration_seconds_bucket{route="/api/v1/search",le="+Inf"})"),
      4)
      << text;
  EXPECT_GT(Sample(text, R"(kefu_http_request_duration_seconds_sum{route="/api/v1/search"})"), 0)
      << text;
  EXPECT_NE(text.find("# TYPE kefu_http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_EQ(Sample(text, "kefu_index_entries"), ready.json.value("entries", -1)) << text;
  EXPECT_EQ(Sample(text, "kefu_index_generation_info{generation=\"" +
                             ready.json.value("generation", "") + "\"}"),
            1)
      << text;
}

// A question asked again is answered from the knowledge base's cache; /metrics says how often,
// counting chat's searches too.
TEST(MetricsEndpoint, CountsSearchesAnsweredFromTheCache) {
  RunningServer running(Unlimited());
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();
  auto scrape = [&](const std::string& name) {
    httplib::Result r = client->Get("/metrics");
    return r && r->status == 200 ? Sample(r->body, name) : -1;
  };
  const double lookups = scrape("kefu_search_cache_lookups_total");
  const double hits = scrape("kefu_search_cache_hits_total");
  ASSERT_GE(lookups, 0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(GetJson(*client, WithQuery("/api/v1/search", {{"q", "who pays for return shipping"}})).status, 200);
  }
  ASSERT_EQ(GetJson(*client, WithQuery("/api/v1/search", {{"q", "退货运费谁承担"}})).status, 200);
  EXPECT_EQ(scrape("kefu_search_cache_lookups_total"), lookups + 4);
  EXPECT_EQ(scrape("kefu_search_cache_hits_total"), hits + 2);
}

// Chat requests whose replies cover an answer, a clarify or a low-confidence hand-off and a
// request for a person; returns each reply.
std::vector<json> ChatSome(httplib::Client& client, const std::string& marker = "") {
  std::vector<json> replies;
  for (const std::string& message :
       {std::string("退货运费谁承担"), std::string("who pays return shipping"),
        "转人工 " + marker}) {
    httplib::Result r =
        client.Post("/api/v1/chat", json{{"message", message}}.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : httplib::to_string(r.error()));
    if (!r || r->status != 200) continue;
    json body = json::parse(r->body, nullptr, false);
    body["request_id"] = r->get_header_value("X-Request-Id");
    replies.push_back(std::move(body));
  }
  return replies;
}

// /metrics once `series` has reached `value` (the counters are updated right after each response
// is written), or after 5 s.
std::string MetricsWhen(httplib::Client& client, const std::string& series, double value) {
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    httplib::Result r = client.Get("/metrics");
    if (r && r->status == 200) text = r->body;
    if (Sample(text, series) == value) break;
    std::this_thread::sleep_for(milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return text;
}

TEST(AccessLog, ChatLinesCarryTheDecisionButNeverTheMessage) {
  LogCapture log;
  TempDir var("kefu-ops-chat");
  ServerOptions options = Unlimited();
  options.db_path = var.path() + "/kefu.db";
  RunningServer running(options);
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();
  const std::string marker = "Zqxjv4711Leak";
  const std::vector<json> replies = ChatSome(*client, marker);
  ASSERT_EQ(replies.size(), 3u);
  for (const json& r : replies) {
    const json record = log.AccessRecordFor(r.value("request_id", ""));
    ASSERT_TRUE(record.is_object()) << log.all();
    EXPECT_EQ(record.value("route", ""), "/api/v1/chat") << record;
    EXPECT_EQ(record.value("decision", ""), r["reply"].value("type", "?")) << record << r;
    EXPECT_EQ(record.value("reason", ""), r["reply"].value("reason", "?")) << record << r;
    EXPECT_DOUBLE_EQ(record.value("confidence", -1.0), r["reply"].value("confidence", -2.0))
        << record << r;
    EXPECT_EQ(record.value("entry_id", "?"), r["reply"].value("entry_id", "")) << record << r;
    EXPECT_FALSE(record.contains("top_entry_id")) << record;
  }
  EXPECT_EQ(replies[0]["reply"].value("type", ""), "answer");
  EXPECT_EQ(replies[2]["reply"].value("type", ""), "handoff");
  const std::string all = log.all();
  EXPECT_EQ(all.find(marker), std::string::npos) << all;
  EXPECT_EQ(all.find("退货运费"), std::string::npos) << all;
  EXPECT_EQ(all.find("return shipping"), std::string::npos) << all;
  EXPECT_EQ(all.find("转人工"), std::string::npos) << all;
}

TEST(MetricsEndpoint, CountsBotRepliesByTypeAndReasonAndReadsOpenHandoffsFromTheStore) {
  TempDir var("kefu-ops-chat");
  ServerOptions options = Unlimited();
  options.db_path = var.path() + "/kefu.db";
  options.auth.admin_token = "ops-admin-token";
  RunningServer running(options);
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();
  std::map<std::pair<std::string, std::string>, int> expected;
  int64_t handoff_id = 0;
  for (int round = 0; round < 2; ++round) {
    for (const json& r : ChatSome(*client)) {
      ++expected[{r["reply"].value("type", ""), r["reply"].value("reason", "")}];
      if (r.contains("handoff")) handoff_id = r["handoff"].value("id", int64_t{0});
    }
  }
  ASSERT_EQ(expected[std::pair("answer", "confident")], 4);
  ASSERT_EQ(expected[std::pair("handoff", "asked_for_human")], 2);
  const auto series = [](const std::string& type, const std::string& reason) {
    return "kefu_chat_replies_total{type=\"" + type + "\",reason=\"" + reason + "\"}";
  };
  const std::string text = MetricsWhen(*client, series("handoff", "asked_for_human"), 2);
  for (const auto& [key, count] : expected) {
    EXPECT_EQ(Sample(text, series(key.first, key.second)), count) << text;
  }
  EXPECT_EQ(Sample(text, "kefu_handoffs_open"), 2) << text;
  // Every reply was written with its message, in at most one commit each.
  int replies = 0;
  for (const auto& [key, count] : expected) replies += count;
  EXPECT_EQ(Sample(text, "kefu_chat_exchanges_committed_total"), replies) << text;
  EXPECT_GE(Sample(text, "kefu_chat_exchange_commits_total"), 1) << text;
  EXPECT_LE(Sample(text, "kefu_chat_exchange_commits_total"), replies) << text;

  // Read at scrape time: claiming one leaves one open.
  httplib::Result claimed =
      client->Post("/api/v1/handoffs/" + std::to_string(handoff_id) + "/claim",
                   {{"Authorization", "Bearer ops-admin-token"}}, "", "application/json");
  ASSERT_TRUE(claimed && claimed->status == 200) << (claimed ? claimed->body : "no response");
  EXPECT_EQ(Sample(MetricsWhen(*client, "kefu_handoffs_open", 1), "kefu_handoffs_open"), 1);
}

TEST(RateLimit, RefusesAfterTheBurstWith429AndRetryAfter) {
  ServerOptions options;
  options.rate_limit_per_second = 0.5;  // one token every 2 s: none comes back during the test
  options.rate_burst = 3;
  RunningServer running(options);
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();
  const std::string search = WithQuery("/api/v1/search", {{"q", "refund"}});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(GetJson(*client, search).status, 200) << i;

  JsonResponse refused = GetJson(*client, search);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.header("Retry-After"), "2");
  ASSERT_TRUE(refused.json.is_object()) << refused.body;
  EXPECT_EQ(refused.json["error"].value("code", ""), "rate_limited") << refused.body;
  EXPECT_FALSE(refused.json["error"].value("message", "").empty());
  EXPECT_EQ(refused.json.value("request_id", ""), refused.header("X-Request-Id"));
  // The entry route shares the client's bucket; operations routes are never limited.
  EXPECT_EQ(GetJson(*client, "/api/v1/entries/return-shipping-cost").status, 429);
  EXPECT_EQ(GetJson(*client, "/healthz").status, 200);
  EXPECT_EQ(GetJson(*client, "/readyz").status, 200);
  EXPECT_EQ(GetJson(*client, "/metrics").status, 200);
}

TEST(RateLimit, ZeroTurnsItOff) {
  ServerOptions options;
  options.rate_limit_per_second = 0;
  options.rate_burst = 1;
  RunningServer running(options);
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();
  client->set_keep_alive(true);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(GetJson(*client, "/api/v1/entries/return-shipping-cost").status, 200) << i;
  }
}

TEST(RateLimit, TrustedProxyForwardedForNamesTheClient) {
  ServerOptions options;
  options.rate_limit_per_second = 0.5;
  options.rate_burst = 2;
  options.trusted_proxies = {"127.0.0.1"};
  RunningServer running(options);
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();
  auto get_as = [&](const std::string& forwarded_for) {
    return client->Get("/api/v1/entries/return-shipping-cost", {{"X-Forwarded-For", forwarded_for}})
        ->status;
  };
  EXPECT_EQ(get_as("203.0.113.1, 127.0.0.1"), 200);
  EXPECT_EQ(get_as("203.0.113.1"), 200);
  EXPECT_EQ(get_as("203.0.113.1"), 429);
  EXPECT_EQ(get_as("203.0.113.2"), 200);  // another customer behind the same proxy
}

TEST(RateLimit, ForwardedForFromAnUntrustedPeerIsIgnored) {
  ServerOptions options;
  options.rate_limit_per_second = 0.5;
  options.rate_burst = 2;
  RunningServer running(options);
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();
  int refused = 0;
  for (int i = 0; i < 4; ++i) {
    httplib::Result r = client->Get("/api/v1/entries/return-shipping-cost",
                                    {{"X-Forwarded-For", "198.51.100." + std::to_string(i)}});
    ASSERT_TRUE(r);
    if (r->status == 429) ++refused;
  }
  EXPECT_EQ(refused, 2);
}

constexpr char kShop[] = "https://shop.example.com";

TEST(Cors, EchoesOnlyListedOrigins) {
  ServerOptions options = Unlimited();
  options.cors_origins = {kShop, "http://localhost:3000"};
  RunningServer running(options);
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();
  const std::string search = WithQuery("/api/v1/search", {{"q", "refund"}});

  httplib::Result allowed = client->Get(search, {{"Origin", kShop}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"), kShop);
  EXPECT_EQ(allowed->get_header_value("Vary"), "Origin");
  EXPECT_NE(allowed->get_header_value("Access-Control-Expose-Headers").find("X-Request-Id"),
            std::string::npos);

  httplib::Result other = client->Get(search, {{"Origin", "https://evil.example.net"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));
  EXPECT_EQ(other->get_header_value("Vary"), "Origin");

  httplib::Result none = client->Get(search);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_header("Access-Control-Allow-Origin"));

  // Errors carry it too, or the widget could not read them.
  httplib::Result error = client->Get("/api/v1/entries/no-such-entry", {{"Origin", kShop}});
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 404);
  EXPECT_EQ(error->get_header_value("Access-Control-Allow-Origin"), kShop);
}

TEST(Cors, AnswersPreflight) {
  ServerOptions options = Unlimited();
  options.cors_origins = {kShop};
  RunningServer running(options);
  ASSERT_TRUE(running.ok()) << running.error();
  auto client = running.Client();

  httplib::Result preflight = client->Options(
      "/api/v1/search", {{"Origin", kShop}, {"Access-Control-Request-Method", "GET"}});
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), kShop);
  EXPECT_NE(preflight->get_header_value("Access-Control-Allow-Methods").find("GET"),
            std::string::npos);
  EXPECT_FALSE(preflight->get_header_value("Access-Control-Allow-Headers").empty());
  EXPECT_FALSE(preflight->get_header_value("Access-Control-Max-Age").empty());

  httplib::Result entry_preflight =
      client->Options("/api/v1/entries/return-shipping-cost",
                      {{"Origin", kShop}, {"Access-Control-Request-Method", "GET"}});
  ASSERT_TRUE(entry_preflight);
  EXPECT_EQ(entry_preflight->status, 204);

  httplib::Result other = client->Options(
      "/api/v1/search",
      {{"Origin", "https://evil.example.net"}, {"Access-Control-Request-Method", "GET"}});
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Methods"));
}

TEST(ListenBacklog, IsRaisedAboveTheLibrarysFive) {
  int somaxconn = 4096;
  std::ifstream("/proc/sys/net/core/somaxconn") >> somaxconn;
  RunningServer running(Unlimited());
  ASSERT_TRUE(running.ok()) << running.error();
  EXPECT_EQ(running.server().listen_backlog(), std::min(1024, somaxconn));

  ServerOptions small = Unlimited();
  small.listen_backlog = 64;
  RunningServer running_small(small);
  ASSERT_TRUE(running_small.ok()) << running_small.error();
  EXPECT_EQ(running_small.server().listen_backlog(), std::min(64, somaxconn));
}

}  // namespace
}  // namespace kefu::server::testing
