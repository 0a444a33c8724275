// The wire shapes, the StatusCode -> HTTP table and the route table, without a network.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "kb/knowledge_base.h"
#include "server/api_types.h"
#include "server/http_errors.h"
#include "server/routes.h"

namespace kefu::server {
namespace {

using nlohmann::json;

TEST(HttpErrors, EveryStatusCodeHasAnHttpStatus) {
  const std::vector<std::pair<StatusCode, int>> table = {
      {StatusCode::kOk, 200},
      {StatusCode::kInvalidArgument, 400},
      {StatusCode::kNotFound, 404},
      {StatusCode::kAlreadyExists, 409},
      {StatusCode::kFailedPrecondition, 503},
      {StatusCode::kUnauthenticated, 401},
      {StatusCode::kPermissionDenied, 403},
      {StatusCode::kResourceExhausted, 429},
      {StatusCode::kUnavailable, 503},
      {StatusCode::kDataLoss, 500},
      {StatusCode::kInternal, 500},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFor(code), http) << StatusCodeName(code);
  }
}

TEST(HttpErrors, ErrorBodyHasCodeMessageAndRequestId) {
  httplib::Response res;
  res.set_header(kRequestIdHeader, "rid-1");
  SetError(res, Status::InvalidArgument("q is required"));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.get_header_value("Content-Type"), kJsonContentType);
  EXPECT_EQ(json::parse(res.body),
            json::parse(R"({"error": {"code": "invalid_argument", "message": "q is required"},
                            "request_id": "rid-1"})"));
}

TEST(HttpErrors, RateLimitedIs429WithItsOwnCodeAndRetryAfter) {
  httplib::Response res;
  res.set_header(kRequestIdHeader, "rid-2");
  SetRateLimitedError(res, 3);
  EXPECT_EQ(res.status, 429);
  EXPECT_EQ(res.get_header_value("Retry-After"), "3");
  const json body = json::parse(res.body);
  // Not kb's "resource_exhausted": the API contract names this case.
  EXPECT_EQ(body["error"]["code"], "rate_limited") << res.body;
  EXPECT_EQ(body["request_id"], "rid-2") << res.body;
}

TEST(HttpErrors, ServerSideFailuresHideTheirDetail) {
  for (const Status& status : {Status::Internal("Xapian::DatabaseCorruptError at /srv/x"),
                               Status::DataLoss("checksum mismatch in /srv/x")}) {
    httplib::Response res;
    SetError(res, status);
    EXPECT_EQ(res.status, 500);
    EXPECT_EQ(res.body.find("/srv/x"), std::string::npos) << res.body;
    EXPECT_EQ(json::parse(res.body)["error"]["code"], "internal") << res.body;
  }
}

TEST(ApiTypes, SearchResponseShape) {
  SearchResult result;
  result.locale = Locale::kZhHant;
  result.confidence = 0.75;
  SearchHit hit;
  hit.id = "app-install";
  hit.locale = Locale::kZhHans;
  hit.type = EntryType::kFaq;
  hit.title = "如何下载安装客服商城 App？";
  hit.snippet = "<mark>下载</mark>";
  hit.score = 12.5;
  hit.confidence = 0.75;
  hit.converted = true;
  hit.category = "app";
  result.hits.push_back(hit);
  EXPECT_EQ(json::parse(ToJsonString(MakeSearchResponse("軟體下載", result))), json::parse(R"({
      "query": "軟體下載", "locale": "zh-Hant", "confidence": 0.75,
      "results": [{"id": "app-install", "locale": "zh-Hans", "type": "faq",
                   "title": "如何下载安装客服商城 App？", "snippet": "<mark>下载</mark>",
                   "score": 12.5, "converted": true}]})"));
}

TEST(ApiTypes, EntryResponseNeverCarriesInternalFields) {
  EntryDetail detail;
  Entry& e = detail.entry;
  e.id = "return-shipping-cost";
  e.type = EntryType::kFaq;
  e.locale = Locale::kEn;
  e.title = "Who pays for return shipping?";
  e.questions = {"do I pay to send it back"};
  e.body = "It depends.";
  e.tags = {"returns"};
  e.category = "returns";
  e.audience = Audience::kInternal;
  e.internal_note = "AGENT-ONLY-NOTE";
  e.related = {"return-how"};
  e.escalate = true;
  e.updated = "2026-11-01";
  e.source_path = "en/returns/return-shipping-cost.md";
  detail.related = {{"return-how", "How do I return an item?"}};
  const std::string body = ToJsonString(MakeEntryResponse(detail));
  EXPECT_EQ(json::parse(body), json::parse(R"({
      "id": "return-shipping-cost", "locale": "en", "type": "faq",
      "title": "Who pays for return shipping?", "questions": ["do I pay to send it back"],
      "body": "It depends.", "tags": ["returns"], "category": "returns",
      "related": [{"id": "return-how", "title": "How do I return an item?"}],
      "updated": "2026-11-01", "converted": false})"));
  EXPECT_EQ(body.find("AGENT-ONLY-NOTE"), std::string::npos);
  EXPECT_EQ(body.find("source_path"), std::string::npos);
}

TEST(ApiTypes, InvalidUtf8IsReplacedNotThrown) {
  SearchResult result;
  std::string body;
  EXPECT_NO_THROW(body = ToJsonString(MakeSearchResponse("\xff\xfe", result)));
  EXPECT_TRUE(json::accept(body)) << body;
}

TEST(RouteTable, MethodsForMatchesWholePaths) {
  RouteTable table;
  table.Add("GET", "/api/v1/search");
  table.Add("GET", R"(/api/v1/entries/([^/]+))");
  table.Add("POST", R"(/api/v1/entries/([^/]+))");
  EXPECT_EQ(table.MethodsFor("/api/v1/search"), (std::vector<std::string>{"GET", "HEAD"}));
  EXPECT_EQ(table.MethodsFor("/api/v1/entries/x"),
            (std::vector<std::string>{"GET", "HEAD", "POST"}));
  EXPECT_TRUE(table.MethodsFor("/api/v1/search/more").empty());
  EXPECT_TRUE(table.MethodsFor("/api/v1/entries/").empty());
  EXPECT_TRUE(table.MethodsFor("/").empty());
}

}  // namespace
}  // namespace kefu::server
