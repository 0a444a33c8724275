// The HTTP API end to end: a real index built from content/ by the real kefu-indexer, the Server
// started in-process on 127.0.0.1 port 0, called over HTTP with httplib::Client.
#include "server/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kb/knowledge_base.h"
#include "tests/server/test_support.h"

namespace kefu::server::testing {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;
using nlohmann::json;

const std::vector<std::string> kSearchKeys = {"confidence", "locale", "query", "results",
                                              "search_id"};
const std::vector<std::string> kHitKeys = {"converted", "id",    "locale", "score",
                                           "snippet",   "title", "type"};
const std::vector<std::string> kEntryKeys = {"body",   "category",  "converted", "id",
                                             "locale", "questions", "related",   "tags",
                                             "title",  "type",      "updated"};

// A snippet as a reader sees it: <mark> tags removed, the five HTML entities decoded.
std::string VisibleText(std::string s) {
  for (const char* tag : {"<mark>", "</mark>"}) {
    for (size_t at; (at = s.find(tag)) != std::string::npos;) s.erase(at, std::string(tag).size());
  }
  const std::pair<const char*, const char*> entities[] = {{"&lt;", "<"},    {"&gt;", ">"},
                                                          {"&quot;", "\""}, {"&#39;", "'"},
                                                          {"&#x27;", "'"},  {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t at = 0; (at = s.find(from, at)) != std::string::npos;
         at += std::string(to).size()) {
      s.replace(at, std::string(from).size(), to);
    }
  }
  return s;
}

// Every string in a JSON document (keys excluded).
void CollectStrings(const json& j, std::vector<std::string>* out) {
  if (j.is_string()) {
    out->push_back(j.get<std::string>());
  } else if (j.is_array() || j.is_object()) {
    for (const json& child : j) CollectStrings(child, out);
  }
}

// The first and last `n` code points of `s`.
std::pair<std::string, std::string> Ends(const std::string& s, size_t n) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  if (starts.size() <= n) return {s, s};
  return {s.substr(0, starts[n]), s.substr(starts[starts.size() - n])};
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    KnowledgeBaseOptions kb_options;
    kb_options.reload_check_ms = 100;
    Result<std::unique_ptr<KnowledgeBase>> kb = OpenSharedIndex(kb_options);
    if (!kb.ok()) {
      setup_error_ = "KnowledgeBase::Open: " + kb.status().ToString();
      return;
    }
    kb_ = std::move(kb).value();
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 8;
    options.reload_interval_ms = 100;
    // These tests send hundreds of requests from one address; ops_test.cc covers the limiter.
    options.rate_limit_per_second = 0;
    server_ = std::make_unique<Server>(*kb_, options);
    if (Status s = server_->Start(); !s.ok()) {
      setup_error_ = "Server::Start: " + s.ToString();
      server_.reset();
    }
  }

  static void TearDownTestSuite() {
    if (server_) server_->Stop();
    server_.reset();
    kb_.reset();
  }

  void SetUp() override {
    if (!server_) GTEST_FAIL() << setup_error_;
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_connection_timeout(5, 0);
    client_->set_read_timeout(30, 0);
  }

  JsonResponse Get(const std::string& path, const Params& params = {}) {
    return GetJson(*client_, WithQuery(path, params));
  }
  JsonResponse Search(const Params& params) { return Get("/api/v1/search", params); }
  JsonResponse Entry(const std::string& id, const std::string& locale = "") {
    return Get("/api/v1/entries/" + id, locale.empty() ? Params{} : Params{{"locale", locale}});
  }

  static void ExpectJsonContentType(const JsonResponse& r) {
    EXPECT_EQ(r.header("Content-Type").rfind("application/json", 0), 0u)
        << r.header("Content-Type");
  }

  // The error contract: {"error": {"code", "message"}, "request_id"} with the X-Request-Id header's
  // id.
  static void ExpectError(const JsonResponse& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    ExpectJsonContentType(r);
    ASSERT_TRUE(r.json.is_object()) << r.body;
    EXPECT_EQ(Keys(r.json), (std::vector<std::string>{"error", "request_id"})) << r.body;
    ASSERT_TRUE(r.json.contains("error") && r.json.at("error").is_object()) << r.body;
    const json& error = r.json.at("error");
    EXPECT_EQ(Keys(error), (std::vector<std::string>{"code", "message"})) << r.body;
    EXPECT_EQ(error.value("code", ""), code) << r.body;
    EXPECT_FALSE(error.value("message", "").empty()) << r.body;
    EXPECT_FALSE(r.json.value("request_id", "").empty()) << r.body;
    EXPECT_EQ(r.json.value("request_id", ""), r.header("X-Request-Id")) << r.body;
  }

  // Checks the shape of a 200 search response and returns its results.
  static json ExpectSearchShape(const JsonResponse& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    ExpectJsonContentType(r);
    if (!r.json.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << r.body;
      return json::array();
    }
    EXPECT_EQ(Keys(r.json), kSearchKeys) << r.body;
    if (Keys(r.json) != kSearchKeys) return json::array();
    EXPECT_TRUE(r.json.at("query").is_string());
    EXPECT_TRUE(r.json.at("locale").is_string());
    EXPECT_TRUE(r.json.at("confidence").is_number());
    const double confidence = r.json.value("confidence", -1.0);
    EXPECT_GE(confidence, 0.0);
    EXPECT_LE(confidence, 1.0);
    const json& results = r.json.at("results");
    if (!results.is_array()) {
      ADD_FAILURE() << "results is not an array: " << r.body;
      return json::array();
    }
    for (const json& hit : results) {
      EXPECT_EQ(Keys(hit), kHitKeys) << hit.dump();
      if (Keys(hit) != kHitKeys) continue;
      EXPECT_TRUE(hit.at("id").is_string() && !hit.at("id").get<std::string>().empty())
          << hit.dump();
      const std::string locale = hit.value("locale", "");
      EXPECT_TRUE(locale == "zh-Hans" || locale == "zh-Hant" || locale == "en") << hit.dump();
      const std::string type = hit.value("type", "");
      EXPECT_TRUE(type == "faq" || type == "article") << hit.dump();
      EXPECT_TRUE(hit.at("title").is_string()) << hit.dump();
      EXPECT_TRUE(hit.at("snippet").is_string()) << hit.dump();
      EXPECT_TRUE(hit.at("score").is_number()) << hit.dump();
      EXPECT_TRUE(hit.at("converted").is_boolean()) << hit.dump();
    }
    return results;
  }

  static inline std::unique_ptr<KnowledgeBase> kb_;
  static inline std::unique_ptr<Server> server_;
  static inline std::string setup_error_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServerTest, HealthzSaysOk) {
  JsonResponse r = Get("/healthz");
  EXPECT_EQ(r.status, 200);
  ExpectJsonContentType(r);
  EXPECT_EQ(r.json, json({{"status", "ok"}})) << r.body;
  EXPECT_FALSE(r.header("X-Request-Id").empty());
}

TEST_F(ServerTest, ReadyzReportsTheGenerationAndEntryCount) {
  JsonResponse r = Get("/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Keys(r.json), (std::vector<std::string>{"entries", "generation", "status"})) << r.body;
  EXPECT_EQ(r.json.value("status", ""), "ready");
  EXPECT_EQ(r.json.value("generation", "").rfind("gen-", 0), 0u) << r.body;
  EXPECT_GT(r.json.value("entries", 0), 0) << r.body;
}

TEST_F(ServerTest, PortInUseIsUnavailable) {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = server_->port();
  Server second(*kb_, options);
  Status status = second.Start();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_EQ(Get("/healthz").status, 200) << "the first server still serves";
}

TEST_F(ServerTest, EveryResponseHasItsOwnRequestId) {
  JsonResponse a = Get("/healthz");
  JsonResponse b = Get("/healthz");
  EXPECT_FALSE(a.header("X-Request-Id").empty());
  EXPECT_NE(a.header("X-Request-Id"), b.header("X-Request-Id"));
}

TEST_F(ServerTest, SearchReturnsResultsInTheDocumentedShapeWithMarkedSnippets) {
  JsonResponse r = Search({{"q", "退货运费"}, {"locale", "zh-Hans"}});
  json results = ExpectSearchShape(r);
  EXPECT_EQ(r.json.value("query", ""), "退货运费");
  EXPECT_EQ(r.json.value("locale", ""), "zh-Hans");
  ASSERT_FALSE(results.empty()) << r.body;
  EXPECT_GT(r.json.value("confidence", 0.0), 0.0) << "confidence is that of the first result";
  bool any_mark = false;
  for (const json& hit : results) {
    const std::string snippet = hit.value("snippet", "");
    any_mark = any_mark || snippet.find("<mark>") != std::string::npos;
    std::string without_marks = snippet;
    for (const char* tag : {"<mark>", "</mark>"}) {
      for (size_t at; (at = without_marks.find(tag)) != std::string::npos;) {
        without_marks.erase(at, std::string(tag).size());
      }
    }
    EXPECT_EQ(without_marks.find_first_of("<>"), std::string::npos)
        << "snippets are HTML-escaped apart from <mark>: " << snippet;
    EXPECT_LE(CodePoints(VisibleText(snippet)), 160u) << snippet;
  }
  EXPECT_TRUE(any_mark) << r.body;
}

TEST_F(ServerTest, SimplifiedReturnShippingQuestionFindsTheZhHansEntryFirst) {
  JsonResponse r = Search({{"q", "退货运费谁承担"}, {"locale", "zh-Hans"}});
  json results = ExpectSearchShape(r);
  ASSERT_FALSE(results.empty()) << r.body;
  EXPECT_EQ(results[0].value("id", ""), "return-shipping-cost") << r.body;
  EXPECT_EQ(results[0].value("locale", ""), "zh-Hans") << r.body;
  EXPECT_EQ(results[0].value("converted", true), false) << r.body;
  EXPECT_EQ(r.json.value("locale", ""), "zh-Hans");
}

TEST_F(ServerTest, SimplifiedQuestionWithZhHantLocaleFindsTheTraditionalEntry) {
  JsonResponse r = Search({{"q", "退货运费谁承担"}, {"locale", "zh-Hant"}});
  json results = ExpectSearchShape(r);
  ASSERT_FALSE(results.empty()) << r.body;
  EXPECT_EQ(results[0].value("id", ""), "return-shipping-cost") << r.body;
  EXPECT_EQ(results[0].value("locale", ""), "zh-Hant") << r.body;
  EXPECT_EQ(results[0].value("converted", true), false) << r.body;
  EXPECT_EQ(r.json.value("locale", ""), "zh-Hant");
}

TEST_F(ServerTest, LocaleAliasesAreAccepted) {
  JsonResponse r = Search({{"q", "退貨運費誰付"}, {"locale", "zh-TW"}});
  ExpectSearchShape(r);
  EXPECT_EQ(r.json.value("locale", ""), "zh-Hant") << r.body;
}

TEST_F(ServerTest, TraditionalQuestionFindsAnEntryThatExistsOnlyInSimplified) {
  JsonResponse r = Search({{"q", "軟體怎麼下載安裝"}, {"locale", "zh-Hant"}});
  json results = ExpectSearchShape(r);
  ASSERT_FALSE(results.empty()) << r.body;
  EXPECT_EQ(results[0].value("id", ""), "app-install") << r.body;
  EXPECT_EQ(results[0].value("locale", ""), "zh-Hans") << r.body;
  EXPECT_EQ(results[0].value("converted", false), true) << r.body;
}

TEST_F(ServerTest, TraditionalQuestionWithoutLocaleStillFindsTheSimplifiedOnlyEntry) {
  JsonResponse r = Search({{"q", "軟體怎麼下載安裝"}});
  json results = ExpectSearchShape(r);
  ASSERT_FALSE(results.empty()) << r.body;
  EXPECT_EQ(results[0].value("id", ""), "app-install") << r.body;
}

TEST_F(ServerTest, EnglishQuestionFindsTheEnglishEntry) {
  JsonResponse r = Search({{"q", "who pays for return shipping"}, {"locale", "en"}});
  json results = ExpectSearchShape(r);
  ASSERT_FALSE(results.empty()) << r.body;
  EXPECT_EQ(results[0].value("id", ""), "return-shipping-cost") << r.body;
  EXPECT_EQ(results[0].value("locale", ""), "en") << r.body;
  EXPECT_EQ(r.json.value("locale", ""), "en");
}

TEST_F(ServerTest, LocaleIsDetectedWhenAbsent) {
  JsonResponse en = Search({{"q", "how do I get a refund"}});
  ExpectSearchShape(en);
  EXPECT_EQ(en.json.value("locale", ""), "en") << en.body;
  JsonResponse zh = Search({{"q", "怎么申请退款"}});
  ExpectSearchShape(zh);
  EXPECT_EQ(zh.json.value("locale", ""), "zh-Hans") << zh.body;
}

TEST_F(ServerTest, LimitCapsTheNumberOfResults) {
  JsonResponse one = Search({{"q", "refund"}, {"locale", "en"}, {"limit", "1"}});
  EXPECT_LE(ExpectSearchShape(one).size(), 1u) << one.body;
  JsonResponse many = Search({{"q", "refund"}, {"locale", "en"}, {"limit", "50"}});
  EXPECT_LE(ExpectSearchShape(many).size(), 50u) << many.body;
  JsonResponse dflt = Search({{"q", "order"}, {"locale", "en"}});
  EXPECT_LE(ExpectSearchShape(dflt).size(), 10u) << dflt.body;
}

TEST_F(ServerTest, BadSearchParametersAreInvalidArgument) {
  const std::vector<std::pair<std::string, Params>> cases = {
      {"missing q", {{"locale", "en"}}},
      {"empty q", {{"q", ""}}},
      {"blank q", {{"q", "  \t "}}},
      {"unknown locale", {{"q", "refund"}, {"locale", "fr"}}},
      {"malformed locale", {{"q", "refund"}, {"locale", "zh-Latn-XX"}}},
      {"limit 0", {{"q", "refund"}, {"limit", "0"}}},
      {"limit 51", {{"q", "refund"}, {"limit", "51"}}},
      {"negative limit", {{"q", "refund"}, {"limit", "-1"}}},
      {"limit not a number", {{"q", "refund"}, {"limit", "ten"}}},
      {"limit with junk", {{"q", "refund"}, {"limit", "5x"}}},
      {"fractional limit", {{"q", "refund"}, {"limit", "1.5"}}},
      {"huge limit", {{"q", "refund"}, {"limit", "99999999999999999999"}}},
      {"invalid UTF-8", {{"q", std::string("\xff\xfe\xfd")}}},
      {"overlong UTF-8", {{"q", std::string("\xc0\xaf")}}},
  };
  for (const auto& [name, params] : cases) {
    SCOPED_TRACE(name);
    ExpectError(Search(params), 400, "invalid_argument");
  }
}

TEST_F(ServerTest, UnknownRouteIsJson404) {
  ExpectError(Get("/api/v1/nothing-here"), 404, "not_found");
  ExpectError(Get("/"), 404, "not_found");
  ExpectError(Get("/api/v1/entries/"), 404, "not_found");
}

TEST_F(ServerTest, WrongMethodOnAKnownRouteIs405) {
  JsonResponse r = ToJsonResponse(client_->Post("/api/v1/search?q=x", "{}", "application/json"));
  ExpectError(r, 405, "method_not_allowed");
  EXPECT_NE(r.header("Allow").find("GET"), std::string::npos) << r.header("Allow");
  ExpectError(ToJsonResponse(client_->Delete("/api/v1/entries/return-shipping-cost")), 405,
              "method_not_allowed");
}

TEST_F(ServerTest, OversizedBodyIs413) {
  const std::string body(1024 * 1024, 'x');
  ExpectError(ToJsonResponse(client_->Post("/api/v1/search", body, "text/plain")), 413,
              "resource_exhausted");
}

TEST_F(ServerTest, EntryRouteReturnsAPublicEntry) {
  JsonResponse r = Entry("return-shipping-cost", "zh-Hans");
  EXPECT_EQ(r.status, 200) << r.body;
  ExpectJsonContentType(r);
  EXPECT_EQ(Keys(r.json), kEntryKeys) << r.body;
  EXPECT_EQ(r.json.value("id", ""), "return-shipping-cost");
  EXPECT_EQ(r.json.value("locale", ""), "zh-Hans");
  EXPECT_EQ(r.json.value("type", ""), "faq");
  EXPECT_FALSE(r.json.value("title", "").empty());
  EXPECT_FALSE(r.json.value("body", "").empty());
  EXPECT_TRUE(r.json["questions"].is_array());
  EXPECT_TRUE(r.json["tags"].is_array());
  EXPECT_TRUE(r.json["category"].is_string());
  EXPECT_TRUE(r.json["updated"].is_string());
  EXPECT_EQ(r.json.value("converted", true), false);
  ASSERT_TRUE(r.json["related"].is_array());
  for (const json& rel : r.json["related"]) {
    EXPECT_EQ(Keys(rel), (std::vector<std::string>{"id", "title"})) << rel.dump();
  }
  EXPECT_EQ(r.body.find("internal_note"), std::string::npos);
}

TEST_F(ServerTest, EntryRouteServesEachLocale) {
  JsonResponse hant = Entry("return-shipping-cost", "zh-Hant");
  EXPECT_EQ(hant.status, 200) << hant.body;
  EXPECT_EQ(hant.json.value("locale", ""), "zh-Hant");
  JsonResponse en = Entry("return-shipping-cost", "en");
  EXPECT_EQ(en.status, 200) << en.body;
  EXPECT_EQ(en.json.value("locale", ""), "en");
  JsonResponse any = Entry("return-shipping-cost");
  EXPECT_EQ(any.status, 200) << any.body;
}

TEST_F(ServerTest, EntryRouteFallsBackToTheOtherChineseScript) {
  JsonResponse r = Entry("app-install", "zh-Hant");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json.value("locale", ""), "zh-Hans") << r.body;
  EXPECT_EQ(r.json.value("converted", false), true) << r.body;
}

TEST_F(ServerTest, EntryRouteErrors) {
  ExpectError(Entry("no-such-entry-anywhere"), 404, "not_found");
  ExpectError(Entry("internal-escalation-tiers"), 404, "not_found");
  ExpectError(Entry("draft-gift-wrapping"), 404, "not_found");
  ExpectError(Entry("return-shipping-cost", "fr"), 400, "invalid_argument");
  ExpectError(Get("/api/v1/entries/bad%20id%21"), 400, "invalid_argument");
  // An internal entry and a missing one are indistinguishable.
  JsonResponse internal = Entry("internal-escalation-tiers");
  JsonResponse missing = Entry("no-such-entry-anywhere");
  EXPECT_EQ(internal.json["error"], missing.json["error"]);
}

TEST_F(ServerTest, PublicRoutesNeverShowInternalEntriesDraftsOrInternalNotes) {
  const ContentFacts facts = ScanContent(ContentDir());
  ASSERT_TRUE(facts.problems.empty()) << facts.problems.front();
  ASSERT_TRUE(facts.internal_ids.count("internal-escalation-tiers")) << "content/ changed?";
  ASSERT_TRUE(facts.draft_ids.count("draft-gift-wrapping")) << "content/ changed?";
  ASSERT_FALSE(facts.internal_notes.empty()) << "content/ has no internal_note to guard";

  std::set<std::string> hidden_ids = facts.internal_ids;
  hidden_ids.insert(facts.draft_ids.begin(), facts.draft_ids.end());
  // Pieces of notes to look for: whole notes, and the ends of long ones (a snippet may cut them).
  std::vector<std::string> note_pieces;
  for (const std::string& note : facts.internal_notes) {
    note_pieces.push_back(note);
    if (CodePoints(note) > 48) {
      auto [head, tail] = Ends(note, 32);
      note_pieces.push_back(head);
      note_pieces.push_back(tail);
    }
  }

  int checked = 0;
  // Checks everything a response shows except the echo of the query the test itself sent.
  auto expect_clean = [&](const JsonResponse& r, const std::string& what) {
    ++checked;
    json shown = r.json;
    if (shown.is_object()) shown.erase("query");
    const std::string body = shown.dump();
    std::vector<std::string> strings;
    CollectStrings(shown, &strings);
    for (const std::string& raw : strings) {
      const std::string text = VisibleText(raw);
      EXPECT_FALSE(hidden_ids.count(text)) << what << " shows the hidden id " << text;
      for (const std::string& piece : note_pieces) {
        EXPECT_EQ(text.find(piece), std::string::npos)
            << what << " shows internal_note text: " << piece;
      }
    }
    for (const std::string& id : hidden_ids) {
      EXPECT_EQ(body.find("\"" + id + "\""), std::string::npos) << what << " mentions " << id;
    }
  };

  // Searches that would find the hidden entries and the notes if they were searchable.
  std::vector<std::pair<std::string, std::string>> probes;  // query, locale
  for (const ScannedEntry& e : facts.entries) {
    const bool hidden = e.audience == "internal" || e.status == "draft";
    if (hidden) {
      probes.emplace_back(e.title, e.locale);
      for (size_t i = 0; i < e.questions.size() && i < 3; ++i)
        probes.emplace_back(e.questions[i], e.locale);
    }
    if (!e.internal_note.empty()) probes.emplace_back(e.internal_note, e.locale);
  }
  ASSERT_FALSE(probes.empty());
  for (const auto& [query, locale] : probes) {
    if (query.empty()) continue;
    for (const std::string& loc : {std::string(), locale}) {
      Params params = {{"q", query}, {"limit", "50"}};
      if (!loc.empty()) params.emplace_back("locale", loc);
      JsonResponse r = Search(params);
      EXPECT_EQ(r.status, 200) << query << "\n" << r.body;
      expect_clean(r, "search '" + query + "' locale=" + loc);
    }
  }

  // Every public entry, in every locale: its related list and body must not carry hidden things
  // either.
  const std::vector<std::string> locales = {"", "zh-Hans", "zh-Hant", "en"};
  for (const std::string& id : facts.public_ids) {
    for (const std::string& loc : locales) {
      JsonResponse r = Entry(id, loc);
      EXPECT_TRUE(r.status == 200 || r.status == 404) << id << " " << loc << ": " << r.body;
      expect_clean(r, "entry " + id + " locale=" + loc);
    }
  }
  // Hidden ids themselves: 404 in every locale.
  for (const std::string& id : hidden_ids) {
    for (const char* loc : {"", "zh-Hans", "zh-Hant", "en", "zh-TW"}) {
      SCOPED_TRACE(id + " locale=" + loc);
      ExpectError(Entry(id, loc), 404, "not_found");
    }
  }
  EXPECT_GT(checked, 50);
}

TEST_F(ServerTest, ServesConcurrentClients) {
  constexpr int kClients = 8;
  constexpr int kRequestsEach = 15;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", server_->port());
      client.set_read_timeout(30, 0);
      for (int i = 0; i < kRequestsEach; ++i) {
        const std::string q = (c + i) % 2 == 0 ? "退货运费谁承担" : "refund time";
        httplib::Result r = client.Get(WithQuery("/api/v1/search", {{"q", q}}));
        if (!r || r->status != 200) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// Keep last: rebuilds the (identical) content into a new generation (a full build) and waits for
// the server to serve it.
TEST_F(ServerTest, PicksUpANewIndexGeneration) {
  const std::string before = Get("/readyz").json.value("generation", "");
  ASSERT_FALSE(before.empty());
  std::optional<std::string> error = RebuildIndex(SharedIndex().dir);
  ASSERT_FALSE(error.has_value()) << *error;
  std::string now = before;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (now == before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    now = Get("/readyz").json.value("generation", "");
  }
  EXPECT_NE(now, before) << "the server still serves " << before;
  JsonResponse r = Search({{"q", "退货运费谁承担"}, {"locale", "zh-Hans"}});
  json results = ExpectSearchShape(r);
  ASSERT_FALSE(results.empty()) << r.body;
  EXPECT_EQ(results[0].value("id", ""), "return-shipping-cost");
}

}  // namespace
}  // namespace kefu::server::testing
