// The Prometheus text rendering of request counters, latency histograms, index gauges, the bot's
// replies and hand-off queue, and reindex jobs.
#include "server/metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace kefu::server {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Metrics, RendersCountersHistogramsAndIndexGauges) {
  Metrics metrics;
  metrics.RecordRequest("/api/v1/search", 200, 0.003);
  metrics.RecordRequest("/api/v1/search", 200, 0.2);
  metrics.RecordRequest("/api/v1/search", 429, 0.0001);
  metrics.RecordRequest("/healthz", 200, 0.0001);
  const std::string text = metrics.Render("gen-7", 42);
  EXPECT_TRUE(Has(text, "# TYPE kefu_http_requests_total counter")) << text;
  EXPECT_TRUE(Has(text, R"(kefu_http_requests_total{route="/api/v1/search",status="200"} 2)"))
      << text;
  EXPECT_TRUE(Has(text, R"(kefu_http_requests_total{route="/api/v1/search",status="429"} 1)"))
      << text;
  EXPECT_TRUE(Has(text, R"(kefu_http_requests_total{route="/healthz",status="200"} 1)")) << text;
  EXPECT_TRUE(Has(text, "# TYPE kefu_http_request_duration_seconds histogram")) << text;
  const std::string b = R"(kefu_http_request_duration_seconds_bucket{route="/api/v1/search",le=")";
  EXPECT_TRUE(Has(text, b + R"(0.001"} 1)")) << text;
  EXPECT_TRUE(Has(text, b + R"(0.005"} 2)")) << text;
  EXPECT_TRUE(Has(text, b + R"(0.1"} 2)")) << text;
  EXPECT_TRUE(Has(text, b + R"(0.25"} 3)")) << text;
  EXPECT_TRUE(Has(text, b + R"(+Inf"} 3)")) << text;
  EXPECT_TRUE(Has(text, R"(kefu_http_request_duration_seconds_count{route="/api/v1/search"} 3)"))
      << text;
  EXPECT_NE(text.find(R"(kefu_http_request_duration_seconds_sum{route="/api/v1/search"} 0.2031)"),
            std::string::npos)
      << text;
  EXPECT_TRUE(Has(text, "# TYPE kefu_index_entries gauge")) << text;
  EXPECT_TRUE(Has(text, "kefu_index_entries 42")) << text;
  EXPECT_TRUE(Has(text, R"(kefu_index_generation_info{generation="gen-7"} 1)")) << text;
  const std::string cached = metrics.Render("gen-7", 42, std::nullopt, {12, 5});
  EXPECT_TRUE(Has(cached, "# TYPE kefu_search_cache_lookups_total counter")) << cached;
  EXPECT_TRUE(Has(cached, "kefu_search_cache_lookups_total 12")) << cached;
  EXPECT_TRUE(Has(cached, "kefu_search_cache_hits_total 5")) << cached;
}

TEST(Metrics, RendersBotRepliesOpenHandoffsAndReindexJobs) {
  Metrics metrics;
  metrics.RecordChatReply("answer", "confident");
  metrics.RecordChatReply("answer", "confident");
  metrics.RecordChatReply("handoff", "asked_for_human");
  metrics.RecordReindex("succeeded", 3);
  metrics.RecordReindex("failed", 0.4);
  const std::string text = metrics.Render("gen-7", 42, /*handoffs_open=*/5);
  EXPECT_TRUE(Has(text, "# TYPE kefu_chat_replies_total counter")) << text;
  EXPECT_TRUE(Has(text, R"(kefu_chat_replies_total{type="answer",reason="confident"} 2)")) << text;
  EXPECT_TRUE(Has(text, R"(kefu_chat_replies_total{type="handoff",reason="asked_for_human"} 1)"))
      << text;
  EXPECT_TRUE(Has(text, "# TYPE kefu_handoffs_open gauge")) << text;
  EXPECT_TRUE(Has(text, "kefu_handoffs_open 5")) << text;
  const std::string grouped = metrics.Render("gen-7", 42, 5, {}, ExchangeCommitCounts{30, 12});
  EXPECT_TRUE(Has(grouped, "# TYPE kefu_chat_exchanges_committed_total counter")) << grouped;
  EXPECT_TRUE(Has(grouped, "kefu_chat_exchanges_committed_total 30")) << grouped;
  EXPECT_TRUE(Has(grouped, "kefu_chat_exchange_commits_total 12")) << grouped;
  EXPECT_TRUE(Has(text, "# TYPE kefu_reindex_jobs_total counter")) << text;
  EXPECT_TRUE(Has(text, R"(kefu_reindex_jobs_total{outcome="succeeded"} 1)")) << text;
  EXPECT_TRUE(Has(text, R"(kefu_reindex_jobs_total{outcome="failed"} 1)")) << text;
  EXPECT_TRUE(Has(text, "# TYPE kefu_reindex_duration_seconds histogram")) << text;
  EXPECT_TRUE(Has(text, R"(kefu_reindex_duration_seconds_bucket{le="0.5"} 1)")) << text;
  EXPECT_TRUE(Has(text, R"(kefu_reindex_duration_seconds_bucket{le="5"} 2)")) << text;
  EXPECT_TRUE(Has(text, R"(kefu_reindex_duration_seconds_bucket{le="+Inf"} 2)")) << text;
  EXPECT_TRUE(Has(text, "kefu_reindex_duration_seconds_sum 3.4")) << text;
  EXPECT_TRUE(Has(text, "kefu_reindex_duration_seconds_count 2")) << text;
  // Without a database there is no hand-off gauge; without jobs the families are still declared.
  const std::string bare = Metrics().Render("gen-1", 1);
  EXPECT_EQ(bare.find("kefu_handoffs_open"), std::string::npos) << bare;
  EXPECT_EQ(bare.find("kefu_chat_exchange"), std::string::npos) << bare;
  EXPECT_TRUE(Has(bare, "kefu_reindex_duration_seconds_count 0")) << bare;
}

TEST(Metrics, EscapesLabelValues) {
  Metrics metrics;
  const std::string text = metrics.Render("gen-\"1\"\\\n", 0);
  EXPECT_TRUE(Has(text, R"(kefu_index_generation_info{generation="gen-\"1\"\\\n"} 1)")) << text;
}

}  // namespace
}  // namespace kefu::server
