// Erasing customer data over HTTP, in-process on 127.0.0.1 port 0 with a real SQLite file: the admin
// routes that delete a conversation or a customer's conversations with everything recorded from
// them, and the retention purge at start and in the background, on an injected clock.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "kb/knowledge_base.h"
#include "server/server.h"
#include "tests/server/test_support.h"

namespace kefu::server::testing {
namespace {

using nlohmann::json;

constexpr char kAdminToken[] = "privacy-admin-token";
constexpr char kIntegrationToken[] = "privacy-site-token";
constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;
constexpr int64_t kDay0 = 1'795'000'000'000;  // 2026-11-18, a fixed start for the clock

class PrivacyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const TestIndex& index = SharedIndex();
    ASSERT_TRUE(index.ok) << index.error;
    KnowledgeBaseOptions kb_options;
    kb_options.index_dir = index.dir;
    Result<std::unique_ptr<KnowledgeBase>> kb = KnowledgeBase::Open(kb_options);
    ASSERT_TRUE(kb.ok()) << kb.status().ToString();
    kb_ = std::move(kb).value();
  }
  void TearDown() override { StopServer(); }

  // A server on db_ whose conversations are stamped, and purged, by now_ms_.
  void StartServer(int retention_days, int retention_interval_ms = 60 * 60 * 1000) {
    ServerOptions options = LoopbackServerOptions();
    options.db_path = db_;
    options.auth.admin_token = kAdminToken;
    options.integration_token = kIntegrationToken;
    options.retention_days = retention_days;
    options.retention_interval_ms = retention_interval_ms;
    options.chat.now_ms = [this] { return now_ms_.load(); };
    server_ = std::make_unique<Server>(*kb_, options);
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }
  void StopServer() {
    if (server_) server_->Stop();
    server_.reset();
  }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(30, 0);
    return client;
  }
  static httplib::Headers Admin() {
    return {{"Authorization", std::string("Bearer ") + kAdminToken}};
  }
  JsonResponse Post(const std::string& path, const json& body,
                    const httplib::Headers& headers = {}) const {
    httplib::Client client = Client();
    return ToJsonResponse(client.Post(path, headers, body.dump(), "application/json"));
  }
  JsonResponse Get(const std::string& path, const httplib::Headers& headers = {}) const {
    httplib::Client client = Client();
    return ToJsonResponse(client.Get(path, headers));
  }
  JsonResponse Delete(const std::string& path, const httplib::Headers& headers = Admin()) const {
    httplib::Client client = Client();
    return ToJsonResponse(client.Delete(path, headers));
  }
  // A new conversation handed to a person; optionally as a customer the site's backend names.
  json HandOff(const std::string& customer_id = "") const {
    json body = {{"message", "转人工"}};
    httplib::Headers headers;
    if (!customer_id.empty()) {
      body["customer"] = {{"id", customer_id}};
      headers = {{"X-Kefu-Integration-Token", kIntegrationToken}};
    }
    JsonResponse r = Post("/api/v1/chat", body, headers);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json;
  }
  int ConversationStatus(const std::string& id) const {
    return Get("/api/v1/conversations/" + id).status;
  }

  TempDir var_{"kefu-privacy-test"};
  const std::string db_ = var_.path() + "/kefu.db";
  std::atomic<int64_t> now_ms_{kDay0};
  std::unique_ptr<KnowledgeBase> kb_;
  std::unique_ptr<Server> server_;
};

TEST_F(PrivacyTest, DeletingAConversationRemovesItsTurnsHandOffsFeedbackAndSuggestions) {
  StartServer(/*retention_days=*/180);
  const json doomed = HandOff();
  const std::string id = doomed["conversation_id"];
  const std::string handoff = std::to_string(doomed["handoff"]["id"].get<int64_t>());
  ASSERT_EQ(Post("/api/v1/handoffs/" + handoff + "/messages", {{"text", "您好"}}, Admin()).status,
            200);
  ASSERT_EQ(Post("/api/v1/handoffs/" + handoff + "/resolve",
                 {{"note", "done"}, {"entry_id", "account-hacked"}}, Admin())
                .status,
            200);
  ASSERT_EQ(Post("/api/v1/feedback", {{"conversation_id", id}, {"helpful", true}}).status, 200);
  const json kept = HandOff();
  const std::string kept_id = kept["conversation_id"];
  ASSERT_EQ(Get("/api/v1/admin/suggestions", Admin()).json["suggestions"].size(), 1u);

  EXPECT_EQ(Delete("/api/v1/admin/conversations/" + id, {}).status, 401);
  JsonResponse deleted = Delete("/api/v1/admin/conversations/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.json, json({{"deleted",
                                 {{"conversations", 1},
                                  {"turns", 3},
                                  {"handoffs", 1},
                                  {"feedback", 1},
                                  {"suggestions", 1}}}}))
      << deleted.body;
  EXPECT_EQ(ConversationStatus(id), 404);
  EXPECT_TRUE(Get("/api/v1/admin/suggestions", Admin()).json["suggestions"].empty());
  JsonResponse resolved = Get("/api/v1/handoffs?status=resolved", Admin());
  EXPECT_TRUE(resolved.json["handoffs"].empty()) << resolved.body;
  // Other conversations are untouched; a second delete finds nothing.
  EXPECT_EQ(ConversationStatus(kept_id), 200);
  EXPECT_EQ(Get("/api/v1/handoffs?status=open", Admin()).json["handoffs"].size(), 1u);
  JsonResponse again = Delete("/api/v1/admin/conversations/" + id);
  EXPECT_EQ(again.status, 404) << again.body;
  EXPECT_EQ(again.json["error"].value("code", ""), "not_found") << again.body;
}

TEST_F(PrivacyTest, DeletingACustomerRemovesEveryConversationOfThatCustomer) {
  StartServer(/*retention_days=*/180);
  const std::string first = HandOff("cust-42")["conversation_id"];
  const std::string second = HandOff("cust-42")["conversation_id"];
  const std::string other = HandOff("cust-7")["conversation_id"];
  const std::string anonymous = HandOff()["conversation_id"];

  JsonResponse deleted = Delete("/api/v1/admin/customers/cust-42");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.json["deleted"]["conversations"], 2) << deleted.body;
  EXPECT_EQ(deleted.json["deleted"]["turns"], 4) << deleted.body;
  EXPECT_EQ(deleted.json["deleted"]["handoffs"], 2) << deleted.body;
  EXPECT_EQ(ConversationStatus(first), 404);
  EXPECT_EQ(ConversationStatus(second), 404);
  EXPECT_EQ(ConversationStatus(other), 200);
  EXPECT_EQ(ConversationStatus(anonymous), 200);

  JsonResponse none = Delete("/api/v1/admin/customers/nobody-we-know");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.json["deleted"]["conversations"], 0) << none.body;
  EXPECT_EQ(Delete("/api/v1/admin/customers/cust-7", {}).status, 401);
  EXPECT_EQ(ConversationStatus(other), 200);
}

TEST_F(PrivacyTest, RetentionPurgesConversationsNotUpdatedForTooLongInTheBackground) {
  StartServer(/*retention_days=*/30, /*retention_interval_ms=*/20);
  const std::string old_id = HandOff()["conversation_id"];  // updated on day 0
  now_ms_ = kDay0 + 20 * kDayMs;
  const std::string recent_id = HandOff()["conversation_id"];  // updated on day 20
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a few purges: nothing is due
  EXPECT_EQ(ConversationStatus(old_id), 200);

  now_ms_ = kDay0 + 31 * kDayMs;  // day 0 is now more than 30 days ago, day 20 is not
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ConversationStatus(old_id) != 404 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ConversationStatus(old_id), 404);
  EXPECT_EQ(ConversationStatus(recent_id), 200);
  EXPECT_TRUE(Get("/api/v1/handoffs?status=open", Admin()).json["handoffs"].size() == 1u);
}

TEST_F(PrivacyTest, RetentionPurgesAtStartAndZeroDaysKeepsEverything) {
  StartServer(/*retention_days=*/0);
  const std::string id = HandOff()["conversation_id"];
  StopServer();

  now_ms_ = kDay0 + 1000 * kDayMs;
  StartServer(/*retention_days=*/0);
  EXPECT_EQ(ConversationStatus(id), 200) << "0 keeps conversations forever";
  StopServer();

  StartServer(/*retention_days=*/180);  // the hourly purge is far off: Start() itself purged
  EXPECT_EQ(ConversationStatus(id), 404);
}

}  // namespace
}  // namespace kefu::server::testing
