// Metrics: request counters and latency histograms per route, the bot's replies by type and
// reason, and reindex jobs by outcome with their duration, rendered in the Prometheus text format
// (version 0.0.4) for GET /metrics with the gauges read at scrape time (the served index, open
// hand-offs).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kefu::server {

// Upper bounds of the latency histogram buckets, in seconds (+Inf is implied).
inline constexpr double kLatencyBucketsSeconds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,   0.25,   0.5,   1,    2.5,   5};
// Upper bounds of the reindex duration buckets, in seconds: a small store builds in about a
// second, a large one in minutes.
inline constexpr double kReindexBucketsSeconds[] = {0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

// Searches and the repeats among them answered from the knowledge base's cache.
struct SearchCacheCounts {
  uint64_t lookups = 0;
  uint64_t hits = 0;
};

// Chat exchanges written to the database and the transactions (group commits) that wrote them.
struct ExchangeCommitCounts {
  uint64_t exchanges = 0;
  uint64_t commits = 0;
};

class Metrics {
 public:
  // Counts one request on `route` (a route pattern, never a raw path: labels must stay few) that
  // ended with `status` after `seconds`.
  void RecordRequest(std::string_view route, int status, double seconds);
  // Counts one bot reply: `type` answer|clarify|handoff, `reason` the dialog's (a fixed set).
  void RecordChatReply(std::string_view type, std::string_view reason);
  // Counts one finished reindex job: `outcome` succeeded|failed, after `seconds`.
  void RecordReindex(std::string_view outcome, double seconds);

  // kefu_http_requests_total{route,status}, kefu_http_request_duration_seconds{route},
  // kefu_chat_replies_total{type,reason}, kefu_reindex_jobs_total{outcome},
  // kefu_reindex_duration_seconds, kefu_index_entries and kefu_index_generation_info{generation}
  // for the index being served, kefu_search_cache_lookups_total and kefu_search_cache_hits_total,
  // and, unless `handoffs_open` / `exchanges` is nullopt (no database), kefu_handoffs_open and
  // kefu_chat_exchanges_committed_total and kefu_chat_exchange_commits_total.
  std::string Render(std::string_view generation, int64_t entries,
                     std::optional<int64_t> handoffs_open = std::nullopt, SearchCacheCounts cache = {},
                     std::optional<ExchangeCommitCounts> exchanges = std::nullopt) const;

 private:
  struct Histogram {
    explicit Histogram(std::span<const double> bounds)
        : bounds(bounds), buckets(bounds.size(), 0) {}
    void Observe(double seconds);

    std::span<const double> bounds;
    std::vector<uint64_t> buckets;  // cumulative: observations <= bounds[i]
    uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mu_;
  // A mutex is enough: one short critical section per request, far below the cost of a search.
  std::map<std::pair<std::string, int>, uint64_t> requests_;                   // guarded by mu_
  std::map<std::string, Histogram> latency_;                                   // guarded by mu_
  std::map<std::pair<std::string, std::string>, uint64_t> chat_replies_;       // guarded by mu_
  std::map<std::string, uint64_t> reindex_jobs_;                               // guarded by mu_
  Histogram reindex_duration_{kReindexBucketsSeconds};                         // guarded by mu_
};

}  // namespace kefu::server
