// The bot's behaviour over time, on a server whose clock the test sets: conversations that close
// themselves when idle and ask for a rating, hand-off promises in and out of business hours, and
// the admin statistics (deflection, hand-off reasons, votes, time to claim, the content-gap report).
// Real index of content/, real SQLite file, the server in-process on 127.0.0.1 port 0.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "kb/knowledge_base.h"
#include "server/business_hours.h"
#include "server/server.h"
#include "tests/server/test_support.h"

namespace kefu::server::testing {
namespace {

using nlohmann::json;

constexpr char kAgentToken[] = "agent-wang-token";
constexpr char kAdminToken[] = "admin-time-token";
constexpr int64_t kMinute = 60 * 1000;
// Saturday 2026-12-05 12:00 in UTC+8; the agents work Mon-Fri 09:00-18:00 UTC+8.
constexpr int64_t kSaturdayNoon = 1796443200000;
// Monday 2026-12-07 10:00 UTC+8.
constexpr int64_t kMondayTen = 1796608800000;

class ChatTimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<KnowledgeBase>> kb = OpenSharedIndex();
    if (!kb.ok()) {
      setup_error_ = kb.status().ToString();
      return;
    }
    kb_ = std::move(kb).value().release();
    var_ = new TempDir("kefu-chat-time-test");
    ServerOptions options = LoopbackServerOptions();
    options.db_path = var_->path() + "/kefu.db";
    options.auth.agent_tokens = {{kAgentToken, "wang"}};
    options.auth.admin_token = kAdminToken;
    options.housekeeping_interval_ms = 20;
    options.chat.now_ms = [] { return now_.load(); };
    Result<BusinessHours> hours = ParseBusinessHours("Mon-Fri 09:00-18:00 +08:00");
    if (!hours.ok()) {
      setup_error_ = hours.status().ToString();
      return;
    }
    options.chat.hours = *hours;
    server_ = new Server(*kb_, options);
    if (Status s = server_->Start(); !s.ok()) setup_error_ = s.ToString();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete kb_;
    delete var_;
    server_ = nullptr;
    kb_ = nullptr;
    var_ = nullptr;
  }
  void SetUp() override {
    if (!setup_error_.empty()) GTEST_FAIL() << setup_error_;
  }

  static JsonResponse Post(const std::string& path, const json& body,
                           const httplib::Headers& headers = {}) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(30, 0);
    return ToJsonResponse(client.Post(path, headers, body.dump(), "application/json"));
  }
  static JsonResponse Get(const std::string& path, const httplib::Headers& headers = {}) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(30, 0);
    return ToJsonResponse(client.Get(path, headers));
  }
  static httplib::Headers Admin() { return {{"Authorization", std::string("Bearer ") + kAdminToken}}; }
  static httplib::Headers Agent() { return {{"Authorization", std::string("Bearer ") + kAgentToken}}; }
  static json Chat(json body) {
    JsonResponse r = Post("/api/v1/chat", body);
    EXPECT_EQ(r.status, 200) << body.dump() << " -> " << r.body;
    return r.json;
  }
  static json Message(const std::string& text, const std::string& locale,
                      const std::string& conversation_id = "") {
    json body = {{"message", text}, {"locale", locale}};
    if (!conversation_id.empty()) body["conversation_id"] = conversation_id;
    return Chat(body);
  }
  static json Transcript(const std::string& id) {
    JsonResponse r = Get("/api/v1/conversations/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json;
  }
  // Polls the transcript until the housekeeping thread has closed it (bounded: 5 s).
  static json WaitClosed(const std::string& id) {
    json t;
    for (int i = 0; i < 250; ++i) {
      t = Transcript(id);
      if (t.value("status", "") == "closed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return t;
  }

  static inline std::atomic<int64_t> now_{kMondayTen};
  static inline std::string setup_error_;
  static inline KnowledgeBase* kb_ = nullptr;
  static inline TempDir* var_ = nullptr;
  static inline Server* server_ = nullptr;
};

TEST_F(ChatTimeTest, AnIdleConversationClosesItselfAndAsksForARating) {
  now_ = kMondayTen + 100 * kMinute;
  const json first = Message("退货运费谁承担", "zh-Hans");
  const std::string id = first["conversation_id"];
  now_ += 9 * kMinute;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // several sweeps
  EXPECT_EQ(Transcript(id)["status"], "open") << "not idle for 10 minutes yet";

  now_ += 2 * kMinute;
  const json closed = WaitClosed(id);
  ASSERT_EQ(closed["status"], "closed") << closed.dump();
  const json& last = closed["turns"].back();
  EXPECT_EQ(last["role"], "bot");
  EXPECT_EQ(last["type"], "closed");
  EXPECT_NE(last["text"].get<std::string>().find("1-5"), std::string::npos) << last.dump();
  const size_t turns = closed["turns"].size();

  // The rating it asked for is accepted; the next message starts afresh in the same conversation.
  EXPECT_EQ(Post("/api/v1/feedback", json{{"conversation_id", id}, {"rating", 5}}).status, 200);
  const json again = Message("退款多久", "zh-Hans", id);
  EXPECT_EQ(again["conversation_id"], id);
  EXPECT_EQ(again["reply"]["type"], "clarify") << again.dump();
  EXPECT_EQ(Transcript(id)["turns"].size(), turns + 2);
}

TEST_F(ChatTimeTest, AMessageToAnIdleConversationClosesItFirst) {
  // Whichever closes it first, the sweep or this message, the message starts afresh.
  now_ = kMondayTen + 200 * kMinute;
  const json first = Message("退款多久", "zh-Hans");  // a clarify: one failed turn
  const std::string id = first["conversation_id"];
  ASSERT_EQ(first["reply"]["type"], "clarify");
  now_ += 30 * kMinute;
  const json next = Message("退款多久", "zh-Hans", id);
  EXPECT_EQ(next["reply"]["type"], "clarify")
      << "the clarify before the idle close no longer counts as a failure: " << next.dump();
  const json t = Transcript(id);
  ASSERT_EQ(t["turns"].size(), 5u) << t.dump();
  EXPECT_EQ(t["turns"][2]["type"], "closed");
}

TEST_F(ChatTimeTest, AConversationWaitingForAnAgentIsNotClosed) {
  now_ = kMondayTen + 300 * kMinute;
  const json r = Message("转人工", "zh-Hans");
  ASSERT_EQ(r["reply"]["type"], "handoff");
  now_ += 60 * kMinute;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Transcript(r["conversation_id"])["status"], "handed_off");
}

TEST_F(ChatTimeTest, InBusinessHoursTheWaitIsTheQueue) {
  now_ = kMondayTen;
  const json r = Message("我要人工服務", "zh-Hant");
  ASSERT_TRUE(r.contains("handoff")) << r.dump();
  const json& h = r["handoff"];
  EXPECT_FALSE(h["out_of_hours"].get<bool>());
  EXPECT_EQ(h["reply_by"], "chat");
  EXPECT_LE(h["eta_minutes"].get<int>(), 3 * h["position"].get<int>() + 2);
  EXPECT_EQ(r["reply"]["text"], h["message"]);
}

TEST_F(ChatTimeTest, OutOfHoursTheWaitRunsToTheNextOpeningOrTheReplyGoesByEmail) {
  now_ = kSaturdayNoon;
  const json r = Message("转人工", "zh-Hans");
  ASSERT_TRUE(r.contains("handoff")) << r.dump();
  const json& h = r["handoff"];
  EXPECT_TRUE(h["out_of_hours"].get<bool>());
  EXPECT_EQ(h["reply_by"], "chat");
  // Saturday 12:00 to Monday 09:00 is 45 hours.
  EXPECT_GE(h["eta_minutes"].get<int>(), 45 * 60);
  EXPECT_LE(h["eta_minutes"].get<int>(), 45 * 60 + 60);
  const std::string message = h["message"];
  EXPECT_NE(message.find("周一 09:00"), std::string::npos) << message;

  const json with_email = Chat({{"message", "I need a human agent"},
                                {"locale", "en"},
                                {"customer", {{"email", "amy@example.com"}}}});
  const json& e = with_email["handoff"];
  EXPECT_TRUE(e["out_of_hours"].get<bool>());
  EXPECT_EQ(e["reply_by"], "email");
  EXPECT_NE(e["message"].get<std::string>().find("e-mail within 48 hours"), std::string::npos)
      << e.dump();
}

// Stats over a period of their own: everything happens on a day no other test uses.
TEST_F(ChatTimeTest, StatsReportDeflectionHandOffsVotesClaimTimeAndContentGaps) {
  const int64_t day = kMondayTen + 3 * 24 * 60 * kMinute;  // Thursday 10:00 UTC+8
  now_ = day;
  const json deflected = Message("退货运费谁承担", "zh-Hans");
  ASSERT_EQ(deflected["reply"]["type"], "answer");
  now_ += kMinute;
  const json unhappy = Message("who pays return shipping", "en");
  ASSERT_EQ(unhappy["reply"]["type"], "answer");
  now_ += kMinute;
  const json person = Message("转人工", "zh-Hans");
  now_ += kMinute;
  const json abandoned = Message("退款多久", "zh-Hans");
  ASSERT_EQ(abandoned["reply"]["type"], "clarify");
  now_ += kMinute;
  const json gap1 = Message("火星天气怎么样", "zh-Hans");
  now_ += kMinute;
  const json gap2 = Message("火星天氣怎麼樣", "zh-Hant");  // the same question, other script
  ASSERT_EQ(gap2["reply"]["reason"], "low_confidence");
  now_ += kMinute;
  ASSERT_EQ(Post("/api/v1/feedback", json{{"conversation_id", unhappy["conversation_id"]},
                                          {"helpful", false}})
                .status,
            200);
  ASSERT_EQ(Post("/api/v1/feedback",
                 json{{"conversation_id", deflected["conversation_id"]}, {"rating", 4}})
                .status,
            200);
  ASSERT_EQ(Post("/api/v1/feedback",
                 json{{"conversation_id", person["conversation_id"]}, {"rating", 5}})
                .status,
            200);
  now_ += 2 * kMinute;
  const int64_t handoff_id = person["handoff"]["id"];
  ASSERT_EQ(Post("/api/v1/handoffs/" + std::to_string(handoff_id) + "/claim", json::object(),
                 Agent())
                .status,
            200);

  const std::string period = "/api/v1/admin/stats?from=" + std::to_string(day) +
                             "&to=" + std::to_string(day + 60 * kMinute);
  EXPECT_EQ(Get(period).status, 401);
  const JsonResponse r = Get(period, Admin());
  ASSERT_EQ(r.status, 200) << r.body;
  const json& s = r.json;
  EXPECT_EQ(s["conversations"], 6);
  EXPECT_EQ(s["deflected"], 1) << "the unhappy answer does not count";
  EXPECT_DOUBLE_EQ(s["deflection_rate"].get<double>(), 1.0 / 6);
  EXPECT_EQ(s["handed_off"], 3);
  EXPECT_EQ(s["abandoned"], 1);
  EXPECT_EQ(s["handoffs_by_reason"]["asked_for_human"]["count"], 1);
  EXPECT_EQ(s["handoffs_by_reason"]["low_confidence"]["count"], 2);
  EXPECT_DOUBLE_EQ(s["handoffs_by_reason"]["low_confidence"]["rate"].get<double>(), 2.0 / 6);
  EXPECT_EQ(s["replies"]["answer"], 2);
  EXPECT_EQ(s["replies"]["clarify"], 1);
  EXPECT_EQ(s["replies"]["handoff"], 3);
  ASSERT_EQ(s["helpful"].size(), 1u) << s.dump();
  EXPECT_EQ(s["helpful"][0]["entry_id"], "return-shipping-cost");
  EXPECT_EQ(s["helpful"][0]["not_helpful"], 1);
  EXPECT_EQ(s["ratings"], 2);
  EXPECT_DOUBLE_EQ(s["average_rating"].get<double>(), 4.5);
  EXPECT_DOUBLE_EQ(s["median_seconds_to_claim"].get<double>(), 360.0);
  ASSERT_GE(s["unanswered"].size(), 2u) << s.dump();
  EXPECT_EQ(s["unanswered"][0]["count"], 2) << "both scripts are one question: " << s.dump();
  EXPECT_EQ(s["unanswered"][0]["question"], "火星天氣怎麼樣") << "the newest wording";
  EXPECT_EQ(s["unanswered"][0]["reasons"], json::array({"low_confidence"}));
  EXPECT_EQ(s["unanswered"][1]["question"], "退款多久");

  // Another period sees none of it; bad periods are refused.
  const JsonResponse later = Get("/api/v1/admin/stats?from=2030-01-01&to=2030-01-02", Admin());
  ASSERT_EQ(later.status, 200) << later.body;
  EXPECT_EQ(later.json["conversations"], 0);
  EXPECT_EQ(later.json["average_rating"], nullptr);
  EXPECT_EQ(Get("/api/v1/admin/stats?from=yesterday", Admin()).status, 400);
  EXPECT_EQ(Get("/api/v1/admin/stats?from=2030-01-02&to=2030-01-01", Admin()).status, 422);
}

TEST(BusinessHours, ParsesTheSettingAndFindsTheNextOpening) {
  Result<BusinessHours> h = ParseBusinessHours("mon-fri 09:00-18:00 +08:00");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_FALSE(IsOpen(*h, kSaturdayNoon));
  EXPECT_TRUE(IsOpen(*h, kMondayTen));
  const int64_t monday_nine = kMondayTen - 60 * kMinute;
  EXPECT_EQ(NextOpeningMs(*h, kSaturdayNoon), monday_nine);
  EXPECT_EQ(NextOpeningMs(*h, kMondayTen), kMondayTen);
  EXPECT_EQ(LocalWeekday(*h, monday_nine), 0);
  EXPECT_EQ(LocalTimeOfDay(*h, monday_nine), "09:00");
  // Friday 18:00 is closed; the next opening is Monday.
  const int64_t friday_six_pm = monday_nine - 3 * 24 * 60 * kMinute + 9 * 60 * kMinute;
  EXPECT_FALSE(IsOpen(*h, friday_six_pm));
  EXPECT_EQ(NextOpeningMs(*h, friday_six_pm), monday_nine);

  EXPECT_TRUE(ParseBusinessHours("always")->always_open);
  Result<BusinessHours> list = ParseBusinessHours("Sat,Sun 10:00-16:00");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(IsOpen(*list, kSaturdayNoon + 8 * 60 * kMinute));  // Saturday 12:00 UTC
  for (const char* bad : {"", "weekdays 09:00-18:00", "Mon-Fri 9-18", "Mon-Fri 18:00-09:00",
                          "Mon-Fri 09:00-18:00 CET", "Mon-Fri 09:00-25:00"}) {
    EXPECT_FALSE(ParseBusinessHours(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace kefu::server::testing
