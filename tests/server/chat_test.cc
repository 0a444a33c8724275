// The bot over HTTP: a real index of content/, the server in-process on 127.0.0.1 port 0 with a
// real SQLite file in a temporary directory. Every decision path in zh-Hans, zh-Hant and en, the
// hand-off life cycle and the suggestion loop, authentication, feedback validation, and a hand-off
// that survives SIGKILL of the real kefu-server binary.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kb/knowledge_base.h"
#include "kb/store/store.h"
#include "server/server.h"
#include "tests/server/test_support.h"

namespace kefu::server::testing {
namespace {

using nlohmann::json;

constexpr char kAgentToken[] = "agent-li-token";
constexpr char kAdminToken[] = "admin-token";
constexpr char kIntegrationToken[] = "site-backend-token";

struct Call {
  std::string method = "POST";
  std::string path;
  std::string body;
  httplib::Headers headers;
};

class ChatTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<std::unique_ptr<KnowledgeBase>> kb = OpenSharedIndex();
    if (!kb.ok()) {
      setup_error_ = kb.status().ToString();
      return;
    }
    kb_ = std::move(kb).value().release();
    var_ = new TempDir("kefu-chat-test");
    ServerOptions options = LoopbackServerOptions();
    options.db_path = var_->path() + "/var/kefu.db";  // var/ does not exist yet
    options.auth.agent_tokens = {{kAgentToken, "li"}};
    options.auth.admin_token = kAdminToken;
    options.integration_token = kIntegrationToken;
    options.chat.teams = {{"account", "security"}};
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

  static httplib::Client Client() {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(30, 0);
    return client;
  }
  static JsonResponse Post(const std::string& path, const std::string& body,
                           const httplib::Headers& headers = {}) {
    httplib::Client client = Client();
    return ToJsonResponse(client.Post(path, headers, body, "application/json"));
  }
  static JsonResponse Get(const std::string& path, const httplib::Headers& headers = {}) {
    httplib::Client client = Client();
    return ToJsonResponse(client.Get(path, headers));
  }
  static httplib::Headers Agent() { return {{"Authorization", std::string("Bearer ") + kAgentToken}}; }
  static httplib::Headers Admin() { return {{"Authorization", std::string("Bearer ") + kAdminToken}}; }

  // POST /api/v1/chat with `body`; expects 200.
  static json Chat(const json& body, const httplib::Headers& headers = {}) {
    JsonResponse r = Post("/api/v1/chat", body.dump(), headers);
    EXPECT_EQ(r.status, 200) << body.dump() << " -> " << r.body;
    return r.json;
  }
  static json Message(const std::string& text, const std::string& locale = "",
                      const std::string& conversation_id = "") {
    json body = {{"message", text}};
    if (!locale.empty()) body["locale"] = locale;
    if (!conversation_id.empty()) body["conversation_id"] = conversation_id;
    return Chat(body);
  }
  static json OpenHandoff(int64_t id) {
    JsonResponse list = Get("/api/v1/handoffs?status=open", Agent());
    EXPECT_EQ(list.status, 200) << list.body;
    for (const json& h : list.json["handoffs"]) {
      if (h["id"] == id) return h;
    }
    return json();
  }

  static inline std::string setup_error_;
  static inline KnowledgeBase* kb_ = nullptr;
  static inline TempDir* var_ = nullptr;
  static inline Server* server_ = nullptr;
};

std::string ErrorCode(const JsonResponse& r) {
  return r.json.is_object() && r.json.contains("error") ? r.json["error"].value("code", "") : "";
}

struct DecisionCase {
  std::string message;
  std::string locale;  // "" = detect
  std::string type;
  std::string reason;
  std::string entry_id;  // answers; for hand-offs of escalating entries the candidate
};

TEST_F(ChatTest, EveryDecisionPathInEachLocale) {
  const std::vector<DecisionCase> cases = {
      {"退货运费谁承担", "zh-Hans", "answer", "confident", "return-shipping-cost"},
      {"退貨運費誰承擔", "zh-Hant", "answer", "confident", "return-shipping-cost"},
      {"who pays return shipping", "en", "answer", "confident", "return-shipping-cost"},
      {"退款多久", "zh-Hans", "clarify", "ambiguous", ""},
      {"退款多久到帳", "zh-Hant", "clarify", "ambiguous", ""},
      {"refund", "en", "clarify", "ambiguous", ""},
      {"火星天气怎么样", "zh-Hans", "handoff", "low_confidence", ""},
      {"火星天氣怎麼樣", "zh-Hant", "handoff", "low_confidence", ""},
      {"purple elephants dancing quietly", "en", "handoff", "low_confidence", ""},
      {"转人工", "zh-Hans", "handoff", "asked_for_human", ""},
      {"我要人工服務", "zh-Hant", "handoff", "asked_for_human", ""},
      {"I want to talk to a person", "en", "handoff", "asked_for_human", ""},
      {"我的账号被盗了", "zh-Hans", "handoff", "entry_escalates", "account-hacked"},
      {"帳號被盜了", "zh-Hant", "handoff", "entry_escalates", "account-hacked"},
      {"my account was hacked", "en", "handoff", "entry_escalates", "account-hacked"},
  };
  for (const DecisionCase& c : cases) {
    SCOPED_TRACE(c.message);
    const json r = Message(c.message, c.locale);
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["conversation_id"].get<std::string>().size(), 32u);
    const json& reply = r["reply"];
    EXPECT_EQ(reply["type"], c.type) << r.dump();
    EXPECT_EQ(reply["reason"], c.reason) << r.dump();
    EXPECT_FALSE(reply["text"].get<std::string>().empty());
    if (c.type == "answer") {
      EXPECT_EQ(reply["entry_id"], c.entry_id);
      EXPECT_GE(reply["confidence"].get<double>(), 0.70);
      ASSERT_EQ(reply["sources"].size(), 1u);
      EXPECT_EQ(reply["sources"][0]["entry_id"], c.entry_id);
      EXPECT_EQ(reply["sources"][0]["locale"], c.locale) << "answered in the customer's locale";
      EXPECT_FALSE(r.contains("handoff"));
    } else if (c.type == "clarify") {
      EXPECT_GE(reply["suggestions"].size(), 2u);
      EXPECT_LE(reply["suggestions"].size(), 3u);
      for (const json& s : reply["suggestions"]) EXPECT_FALSE(s["title"].get<std::string>().empty());
      EXPECT_FALSE(r.contains("handoff"));
    } else {
      ASSERT_TRUE(r.contains("handoff")) << r.dump();
      const json& h = r["handoff"];
      EXPECT_EQ(h["status"], "open");
      EXPECT_GE(h["position"].get<int>(), 1);
      EXPECT_GE(h["eta_minutes"].get<int>(), 2);
      EXPECT_EQ(reply["text"], h["message"]);
      // Honest about what happens next: the wait, in the customer's language.
      EXPECT_NE(h["message"].get<std::string>().find(std::to_string(h["eta_minutes"].get<int>())),
                std::string::npos);
      const json queued = OpenHandoff(h["id"].get<int64_t>());
      ASSERT_TRUE(queued.is_object()) << "hand-off not in the agents' queue";
      EXPECT_EQ(queued["reason"], c.reason);
      EXPECT_EQ(queued["conversation_id"], r["conversation_id"]);
      if (!c.entry_id.empty()) {
        EXPECT_EQ(queued["candidates"][0]["entry_id"], c.entry_id);
        EXPECT_EQ(queued["team"], "security") << "account entries go to the security queue";
        EXPECT_GE(queued["priority"].get<int>(), 1);
      }
    }
  }
}

TEST_F(ChatTest, TraditionalQuestionGetsASimplifiedOnlyEntryInTraditionalScript) {
  const json r = Message("怎麼清除 App 緩存", "zh-Hant");
  EXPECT_EQ(r["reply"]["type"], "answer") << r.dump();
  EXPECT_EQ(r["reply"]["entry_id"], "app-clear-cache");
  EXPECT_EQ(r["reply"]["converted_from"], "zh-Hans");
  // The zh-Hans body says 清除缓存 and 设置; a Taiwan reader gets 清除快取 and 設定.
  const std::string text = r["reply"]["text"];
  EXPECT_NE(text.find("清除快取"), std::string::npos) << text;
  EXPECT_NE(text.find("設定"), std::string::npos) << text;
  EXPECT_EQ(text.find("缓存"), std::string::npos) << text;
}

TEST_F(ChatTest, GreetingsAndThanksGetAGreetingNotAHandOff) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"你好", "zh-Hans"}, {"您好！", "zh-Hans"}, {"在嗎？", "zh-Hant"}, {"謝謝", "zh-Hant"},
      {"Hello!", "en"},     {"thank you", "en"}};
  for (const auto& [text, locale] : cases) {
    SCOPED_TRACE(text);
    const json r = Message(text, locale);
    EXPECT_EQ(r["reply"]["type"], "greeting") << r.dump();
    EXPECT_EQ(r["reply"]["reason"], "greeting");
    EXPECT_FALSE(r["reply"]["text"].get<std::string>().empty());
    EXPECT_FALSE(r.contains("handoff"));
  }
  // A greeting with a question in it is a question.
  EXPECT_EQ(Message("你好，退货运费谁承担", "zh-Hans")["reply"]["type"], "answer");
}

TEST_F(ChatTest, AnAnswerMarkedNotHelpfulCountsAsAFailedTurn) {
  const json first = Message("退货运费谁承担", "zh-Hans");
  ASSERT_EQ(first["reply"]["type"], "answer") << first.dump();
  const std::string id = first["conversation_id"];
  ASSERT_EQ(Post("/api/v1/feedback",
                 json{{"conversation_id", id}, {"helpful", false}}.dump())
                .status,
            200);
  // Alone, this vague question clarifies (EveryDecisionPathInEachLocale); after an unhelpful
  // answer it is the second failure in a row.
  const json r = Message("退款多久", "zh-Hans", id);
  EXPECT_EQ(r["reply"]["type"], "handoff") << r.dump();
  EXPECT_EQ(r["reply"]["reason"], "repeated_failure");

  // A helpful vote does not count.
  const json other = Message("退货运费谁承担", "zh-Hans");
  const std::string other_id = other["conversation_id"];
  ASSERT_EQ(Post("/api/v1/feedback",
                 json{{"conversation_id", other_id}, {"helpful", true}}.dump())
                .status,
            200);
  EXPECT_EQ(Message("退款多久", "zh-Hans", other_id)["reply"]["type"], "clarify");
}

TEST_F(ChatTest, ExplainShowsCandidatesTermsAndTheRuleToAdminsOnly) {
  const std::string body = json{{"message", "退货运费谁承担"}, {"locale", "zh-Hans"}}.dump();
  EXPECT_EQ(Post("/api/v1/chat?explain=1", body).status, 401);
  EXPECT_EQ(Post("/api/v1/chat?explain=1", body, Agent()).status, 401) << "agents are not admins";
  EXPECT_FALSE(Post("/api/v1/chat", body).json.contains("explain"));

  const JsonResponse r = Post("/api/v1/chat?explain=1", body, Admin());
  ASSERT_EQ(r.status, 200) << r.body;
  const json& explain = r.json["explain"];
  EXPECT_EQ(r.json["reply"]["reason"], "confident");
  EXPECT_NE(explain["rule"].get<std::string>().find("answer threshold"), std::string::npos)
      << explain.dump();
  EXPECT_EQ(explain["question"], "退货运费谁承担");
  EXPECT_EQ(explain["answer_threshold"], 0.70);
  ASSERT_GE(explain["candidates"].size(), 2u) << explain.dump();
  const json& top = explain["candidates"][0];
  EXPECT_EQ(top["entry_id"], "return-shipping-cost");
  EXPECT_EQ(top["confidence"], r.json["reply"]["confidence"]);
  EXPECT_GT(top["score"].get<double>(), explain["candidates"][1]["score"].get<double>() - 1e-9);
  const std::vector<std::string> terms = top["matched_terms"];
  EXPECT_NE(std::find(terms.begin(), terms.end(), "运费"), terms.end()) << top.dump();
}

TEST_F(ChatTest, ChoosingASuggestionAnswersWithThatEntry) {
  const json first = Message("退款多久", "zh-Hans");
  ASSERT_EQ(first["reply"]["type"], "clarify") << first.dump();
  const std::string chosen = first["reply"]["suggestions"][1]["entry_id"];
  const json r = Chat({{"conversation_id", first["conversation_id"]}, {"choice", chosen}});
  EXPECT_EQ(r["conversation_id"], first["conversation_id"]);
  EXPECT_EQ(r["reply"]["type"], "answer");
  EXPECT_EQ(r["reply"]["reason"], "chose_suggestion");
  EXPECT_EQ(r["reply"]["entry_id"], chosen);
  EXPECT_FALSE(r["reply"]["text"].get<std::string>().empty());
}

TEST_F(ChatTest, AClarifyNotTakenThenAnotherVagueQuestionHandsOffAsRepeatedFailure) {
  for (const auto& [first_q, second_q, locale] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"退款多久", "怎么修改", "zh-Hans"},
           {"退款多久到帳", "怎麼修改", "zh-Hant"},
           {"refund", "order", "en"}}) {
    SCOPED_TRACE(first_q);
    const json first = Message(first_q, locale);
    ASSERT_EQ(first["reply"]["type"], "clarify") << first.dump();
    const json second = Message(second_q, locale, first["conversation_id"]);
    EXPECT_EQ(second["reply"]["type"], "handoff") << second.dump();
    EXPECT_EQ(second["reply"]["reason"], "repeated_failure");
    EXPECT_TRUE(second.contains("handoff"));
  }
}

TEST_F(ChatTest, AClarifyThenAClearQuestionIsAnswered) {
  const json first = Message("退款多久", "zh-Hans");
  ASSERT_EQ(first["reply"]["type"], "clarify");
  const json second = Message("退货运费谁承担", "zh-Hans", first["conversation_id"]);
  EXPECT_EQ(second["reply"]["reason"], "confident") << second.dump();
}

TEST_F(ChatTest, AfterAHandOffTheBotStepsAside) {
  const json first = Message("转人工", "zh-Hans");
  ASSERT_EQ(first["reply"]["reason"], "asked_for_human");
  const json second = Message("退货运费谁承担", "zh-Hans", first["conversation_id"]);
  EXPECT_EQ(second["reply"]["type"], "handoff") << second.dump();
  EXPECT_EQ(second["reply"]["reason"], "already_handed_off");
  EXPECT_EQ(second["handoff"]["id"], first["handoff"]["id"]) << "no second hand-off";
  EXPECT_FALSE(second["reply"].contains("entry_id"));
}

TEST_F(ChatTest, ABareRequestForAPersonCarriesTheEarlierQuestionToTheAgent) {
  const json clarify = Message("退款多久", "zh-Hans");
  const json handoff = Message("转人工", "zh-Hans", clarify["conversation_id"]);
  ASSERT_EQ(handoff["reply"]["reason"], "asked_for_human") << handoff.dump();
  const json queued = OpenHandoff(handoff["handoff"]["id"].get<int64_t>());
  EXPECT_EQ(queued["question"], "退款多久");
  EXPECT_FALSE(queued["candidates"].empty());
}

TEST_F(ChatTest, ComplaintsAndTrustedTiersRaisePriority) {
  const json plain = Message("转人工", "zh-Hans");
  const json complaint = Message("我要投诉，转人工", "zh-Hans");
  // A widget cannot raise its own priority: the tier counts only with the integration token.
  const json untrusted = Chat({{"message", "human please"},
                               {"customer", {{"id", "c-1"}, {"tier", "vip"}}}});
  const json trusted = Chat({{"message", "human please"},
                             {"customer", {{"id", "c-2"}, {"tier", "vip"}, {"email", "a@b.example"}}}},
                            {{"X-Kefu-Integration-Token", kIntegrationToken}});
  const json p = OpenHandoff(plain["handoff"]["id"].get<int64_t>());
  const json c = OpenHandoff(complaint["handoff"]["id"].get<int64_t>());
  const json u = OpenHandoff(untrusted["handoff"]["id"].get<int64_t>());
  const json t = OpenHandoff(trusted["handoff"]["id"].get<int64_t>());
  EXPECT_EQ(p["priority"], 0);
  EXPECT_EQ(c["priority"], 2);
  EXPECT_EQ(u["priority"], 0);
  EXPECT_EQ(u["customer_id"], "");
  EXPECT_EQ(u["customer_tier"], "");
  EXPECT_EQ(t["priority"], 1);
  EXPECT_EQ(t["customer_id"], "c-2");
  EXPECT_EQ(t["customer_tier"], "vip");
  // The queue: higher priority first.
  JsonResponse list = Get("/api/v1/handoffs?status=open&team=general", Agent());
  ASSERT_EQ(list.status, 200);
  int last = 1 << 30;
  for (const json& h : list.json["handoffs"]) {
    EXPECT_EQ(h["team"], "general");
    EXPECT_LE(h["priority"].get<int>(), last);
    last = h["priority"].get<int>();
  }
}

TEST_F(ChatTest, HandOffLifeCycleAndTheSuggestionLoop) {
  const json first = Message("火星天气怎么样", "zh-Hans");
  ASSERT_EQ(first["reply"]["reason"], "low_confidence");
  const int64_t id = first["handoff"]["id"];
  const std::string base = "/api/v1/handoffs/" + std::to_string(id);

  JsonResponse claim = Post(base + "/claim", "", Agent());
  ASSERT_EQ(claim.status, 200) << claim.body;
  EXPECT_EQ(claim.json["status"], "claimed");
  EXPECT_EQ(claim.json["agent"], "li");
  JsonResponse again = Post(base + "/claim", "", Agent());
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_TRUE(OpenHandoff(id).is_null()) << "a claimed hand-off left the open queue";

  JsonResponse message =
      Post(base + "/messages", json{{"text", "您好，火星天气请查看天文台网站。"}}.dump(), Agent());
  ASSERT_EQ(message.status, 200) << message.body;
  JsonResponse transcript = Get("/api/v1/conversations/" + first["conversation_id"].get<std::string>());
  ASSERT_EQ(transcript.status, 200) << transcript.body;
  const json& turns = transcript.json["turns"];
  ASSERT_EQ(turns.size(), 3u) << transcript.body;
  EXPECT_EQ(turns[0]["role"], "customer");
  EXPECT_EQ(turns[0]["text"], "火星天气怎么样");
  EXPECT_EQ(turns[1]["role"], "bot");
  EXPECT_EQ(turns[1]["reason"], "low_confidence");
  EXPECT_EQ(turns[2]["role"], "agent");
  EXPECT_EQ(turns[2]["agent"], "li");
  EXPECT_EQ(turns[2]["text"], "您好，火星天气请查看天文台网站。");
  EXPECT_EQ(transcript.json["status"], "handed_off");

  JsonResponse resolve =
      Post(base + "/resolve", json{{"note", "answered"}, {"entry_id", "contact-support"}}.dump(),
           Agent());
  ASSERT_EQ(resolve.status, 200) << resolve.body;
  EXPECT_EQ(resolve.json["status"], "resolved");
  EXPECT_EQ(Post(base + "/resolve", json{{"note", "again"}}.dump(), Agent()).status, 409);
  EXPECT_EQ(Post("/api/v1/handoffs/99999999/claim", "", Agent()).status, 404);
  EXPECT_EQ(Post(base + "/resolve", "{}", Agent()).status, 400) << "note is required";

  JsonResponse suggestions = Get("/api/v1/admin/suggestions", Admin());
  ASSERT_EQ(suggestions.status, 200) << suggestions.body;
  bool found = false;
  for (const json& s : suggestions.json["suggestions"]) {
    found = found || (s["handoff_id"] == id && s["entry_id"] == "contact-support" &&
                      s["question"] == "火星天气怎么样");
  }
  EXPECT_TRUE(found) << suggestions.body;
  EXPECT_EQ(Get("/api/v1/admin/suggestions", Agent()).status, 401) << "agents are not admins";

  // Resolved closes the conversation; the next message starts afresh with the bot.
  const json next = Message("退货运费谁承担", "zh-Hans", first["conversation_id"]);
  EXPECT_EQ(next["reply"]["reason"], "confident") << next.dump();
}

TEST_F(ChatTest, AgentSearchIncludesInternalEntriesAndNotesThePublicRoutesHide) {
  const ContentFacts facts = ScanContent(ContentDir());
  ASSERT_FALSE(facts.internal_ids.empty());
  const ScannedEntry* internal = nullptr;
  for (const ScannedEntry& e : facts.entries) {
    if (facts.internal_ids.count(e.id) && e.status != "draft") {
      internal = &e;
      break;
    }
  }
  ASSERT_NE(internal, nullptr);
  const std::string q = internal->title;
  JsonResponse agent = Get(WithQuery("/api/v1/agent/search", {{"q", q}, {"locale", internal->locale}}),
                           Agent());
  ASSERT_EQ(agent.status, 200) << agent.body;
  bool found = false;
  for (const json& hit : agent.json["results"]) {
    if (hit["id"] == internal->id) {
      found = true;
      EXPECT_EQ(hit["audience"], "internal");
    }
  }
  EXPECT_TRUE(found) << q << " -> " << agent.body;
  JsonResponse pub = Get(WithQuery("/api/v1/search", {{"q", q}, {"locale", internal->locale}}));
  ASSERT_EQ(pub.status, 200);
  for (const json& hit : pub.json["results"]) EXPECT_NE(hit["id"], internal->id);
  // And the bot never answers with it.
  const json chat = Message(q, internal->locale);
  EXPECT_NE(chat["reply"].value("entry_id", ""), internal->id);
  EXPECT_EQ(chat.dump().find(internal->id), std::string::npos) << chat.dump();
}

TEST_F(ChatTest, AgentAndAdminRoutesNeedTheirTokens) {
  for (const std::string path : {"/api/v1/handoffs", "/api/v1/agent/search?q=refund"}) {
    JsonResponse none = Get(path);
    EXPECT_EQ(none.status, 401) << path;
    EXPECT_EQ(ErrorCode(none), "unauthenticated");
    EXPECT_EQ(Get(path, {{"Authorization", "Bearer wrong"}}).status, 401) << path;
  }
  EXPECT_EQ(Post("/api/v1/handoffs/1/claim", "").status, 401);
  EXPECT_EQ(Post("/api/v1/handoffs/1/resolve", "{}").status, 401);
  EXPECT_EQ(Post("/api/v1/handoffs/1/messages", "{}").status, 401);
  EXPECT_EQ(Get("/api/v1/admin/suggestions").status, 401);
  EXPECT_EQ(Get("/api/v1/handoffs", Admin()).status, 200) << "the admin token works for agents";
}

TEST_F(ChatTest, ChatRequestValidation) {
  struct Bad {
    std::string body;
    int status;
  };
  const std::vector<Bad> bad = {
      {"not json", 400},
      {"\"a string\"", 422},
      {"[]", 422},
      {"{}", 400},
      {R"({"message": "退货", "choice": "return-how"})", 400},
      {R"({"message": "   "})", 400},
      {R"({"message": 42})", 422},
      {R"({"message": "hi", "locale": 1})", 422},
      {R"({"message": "hi", "locale": "fr"})", 400},
      {R"({"message": "hi", "customer": "vip"})", 422},
      {R"({"message": "hi", "customer": {"tier": 3}})", 422},
      {R"({"message": "hi", "conversation_id": "0123456789abcdef0123456789abcdef"})", 404},
      {R"({"choice": "no-such-entry"})", 404},
      {std::string("{\"message\": \"\xff\xfe\"}"), 400},
      {R"({"message": ")" + std::string(3000, 'a') + "\"}", 400},
  };
  for (const Bad& b : bad) {
    JsonResponse r = Post("/api/v1/chat", b.body);
    EXPECT_EQ(r.status, b.status) << b.body.substr(0, 80) << " -> " << r.body;
    EXPECT_FALSE(ErrorCode(r).empty()) << r.body;
  }
  EXPECT_EQ(Get("/api/v1/conversations/nope").status, 404);
}

TEST_F(ChatTest, FeedbackValidation) {
  const json conversation = Message("退货运费谁承担", "zh-Hans");
  const std::string id = conversation["conversation_id"];
  EXPECT_EQ(Post("/api/v1/feedback", json{{"conversation_id", id},
                                          {"entry_id", "return-shipping-cost"},
                                          {"helpful", true},
                                          {"rating", 5},
                                          {"comment", "很清楚"}}.dump())
                .status,
            200);
  const JsonResponse search = Get("/api/v1/search?q=refund&locale=en");
  ASSERT_EQ(search.status, 200) << search.body;
  const std::string search_id = search.json.value("search_id", "");
  EXPECT_TRUE(std::regex_match(search_id, std::regex("[0-9a-f]{32}"))) << search.body;
  EXPECT_NE(Get("/api/v1/search?q=refund&locale=en").json.value("search_id", ""), search_id)
      << "every search has its own id";
  EXPECT_EQ(
      Post("/api/v1/feedback", json{{"search_id", search_id}, {"helpful", false}}.dump()).status,
      200);
  struct Bad {
    json body;
    int status;
  };
  const std::vector<Bad> bad = {
      {json::object(), 400},
      {{{"conversation_id", id}, {"search_id", search_id}}, 400},
      {{{"search_id", "s-1"}, {"helpful", true}}, 422},
      {{{"conversation_id", id}, {"rating", 0}}, 422},
      {{{"conversation_id", id}, {"rating", 6}}, 422},
      {{{"conversation_id", id}, {"rating", 4.5}}, 422},
      {{{"conversation_id", id}, {"rating", "5"}}, 422},
      {{{"conversation_id", id}, {"helpful", "yes"}}, 422},
      {{{"conversation_id", 7}}, 422},
      {{{"conversation_id", "0123456789abcdef0123456789abcdef"}}, 404},
  };
  for (const Bad& b : bad) {
    JsonResponse r = Post("/api/v1/feedback", b.body.dump());
    EXPECT_EQ(r.status, b.status) << b.body.dump() << " -> " << r.body;
  }
  EXPECT_EQ(Post("/api/v1/feedback", "{oops").status, 400);
}

// Without configured tokens the agent and admin routes say how to turn them on; without a
// database the bot routes say so.
TEST(ChatWithoutConfiguration, AgentRoutesAnswer503AndChatNeedsADatabase) {
  const TestIndex& index = SharedIndex();
  ASSERT_TRUE(index.ok) << index.error;
  KnowledgeBaseOptions kb_options;
  kb_options.index_dir = index.dir;
  auto kb = KnowledgeBase::Open(kb_options);
  ASSERT_TRUE(kb.ok());
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.reload_interval_ms = 0;
  Server server(**kb, options);
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  JsonResponse agents = GetJson(client, "/api/v1/handoffs");
  EXPECT_EQ(agents.status, 503);
  EXPECT_NE(agents.body.find("KEFU_AGENT_TOKENS"), std::string::npos) << agents.body;
  JsonResponse admin = GetJson(client, "/api/v1/admin/suggestions");
  EXPECT_EQ(admin.status, 503);
  JsonResponse chat = ToJsonResponse(client.Post("/api/v1/chat", R"({"message":"hi"})", "application/json"));
  EXPECT_EQ(chat.status, 503) << chat.body;
  server.Stop();
}

// A backlog longer than the store counts: the customer is told a lower bound ("1000+"), not a
// number that would promise a shorter wait than the truth.
TEST(ChatQueue, ABacklogLongerThanTheCountIsShownAsALowerBound) {
  Result<std::unique_ptr<KnowledgeBase>> kb = OpenSharedIndex();
  ASSERT_TRUE(kb.ok()) << kb.status().ToString();
  TempDir var("kefu-chat-backlog");
  const std::string db = var.path() + "/kefu.db";
  {
    Result<std::unique_ptr<Store>> store = Store::Open(StoreOptions{.path = db});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    // An hour old: recent enough for the server's retention to keep them.
    const int64_t start = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count() - 3'600'000;
    for (int i = 0; i < Store::kMaxCountedAhead; ++i) {
      const int64_t at = start + i;
      Exchange e;
      e.conversation.locale = "en";
      e.conversation.updated_ms = at;
      e.customer = {.role = TurnRole::kCustomer, .text = "agent", .reply_type = "message", .created_ms = at};
      e.bot = {.role = TurnRole::kBot, .text = "queued", .reply_type = "handoff", .reason = "asked_for_human",
               .created_ms = at};
      e.handoff = Handoff{.question = "agent", .reason = "asked_for_human", .team = "general", .created_ms = at};
      ASSERT_TRUE((*store)->RecordExchange(e).ok());
    }
  }
  ServerOptions options = LoopbackServerOptions();
  options.db_path = db;
  Server server(**kb, options);
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  JsonResponse r = ToJsonResponse(
      client.Post("/api/v1/chat", R"({"message": "转人工", "locale": "zh-Hans"})", "application/json"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json& h = r.json["handoff"];
  EXPECT_EQ(h["position"], Store::kMaxCountedAhead + 1) << r.body;
  EXPECT_TRUE(h["at_least"].get<bool>()) << r.body;
  EXPECT_NE(h["message"].get<std::string>().find("1000+"), std::string::npos) << r.body;
  // Asked again, the bot steps aside and repeats the bound.
  json again = {{"message", "还要等多久"}, {"locale", "zh-Hans"}, {"conversation_id", r.json["conversation_id"]}};
  JsonResponse waiting = ToJsonResponse(client.Post("/api/v1/chat", again.dump(), "application/json"));
  ASSERT_EQ(waiting.status, 200) << waiting.body;
  EXPECT_EQ(waiting.json["reply"]["reason"], "already_handed_off") << waiting.body;
  EXPECT_NE(waiting.json["reply"]["text"].get<std::string>().find("1001+"), std::string::npos) << waiting.body;
  server.Stop();
}

TEST(ChatDurability, AHandOffAcceptedWith200SurvivesSigkill) {
  const TestIndex& index = SharedIndex();
  ASSERT_TRUE(index.ok) << index.error;
  TempDir var("kefu-chat-durable");
  const std::string db = var.path() + "/data/kefu.db";
  struct EnvGuard {
    EnvGuard() { setenv("KEFU_AGENT_TOKENS", "li:durable-token", 1); }
    ~EnvGuard() { unsetenv("KEFU_AGENT_TOKENS"); }
  } agent_tokens;
  const std::vector<std::string> argv = {ServerPath(), "--index", index.dir, "--db", db,
                                         "--listen", "127.0.0.1:0"};
  int64_t handoff_id = 0;
  std::string conversation_id;
  {
    ChildProcess server(argv);
    const int port = ListeningPort(server);
    ASSERT_GT(port, 0);
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30, 0);
    JsonResponse r = ToJsonResponse(
        client.Post("/api/v1/chat", json{{"message", "转人工"}}.dump(), "application/json"));
    ASSERT_EQ(r.status, 200) << r.body;
    handoff_id = r.json["handoff"]["id"];
    conversation_id = r.json["conversation_id"];
    server.Signal(SIGKILL);
    server.Wait(std::chrono::seconds(30));
  }
  ChildProcess server(argv);  // the same --db
  const int port = ListeningPort(server);
  ASSERT_GT(port, 0);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  JsonResponse list = ToJsonResponse(client.Get(
      "/api/v1/handoffs?status=open", {{"Authorization", "Bearer durable-token"}}));
  ASSERT_EQ(list.status, 200) << list.body;
  bool found = false;
  for (const json& h : list.json["handoffs"]) {
    found = found || (h["id"] == handoff_id && h["conversation_id"] == conversation_id &&
                      h["reason"] == "asked_for_human");
  }
  EXPECT_TRUE(found) << list.body;
  JsonResponse transcript = GetJson(client, "/api/v1/conversations/" + conversation_id);
  EXPECT_EQ(transcript.status, 200);
  EXPECT_EQ(transcript.json["turns"].size(), 2u) << transcript.body;
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(std::chrono::seconds(30)), 0);
}

}  // namespace
}  // namespace kefu::server::testing
