// Metrics: request counters and latency histograms per route, rendered in the Prometheus text
// format (version 0.0.4) for GET /metrics, with the served index's gauges.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kefu::server {

// Upper bounds of the latency histogram buckets, in seconds (+Inf is implied).
inline constexpr double kLatencyBucketsSeconds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,   0.25,   0.5,   1,    2.5,   5};

class Metrics {
 public:
  // Counts one request on `route` (a route pattern, never a raw path: labels must stay few) that
  // ended with `status` after `seconds`.
  void RecordRequest(std::string_view route, int status, double seconds);

  // kefu_http_requests_total{route,status} and kefu_http_request_duration_seconds{route}, plus
  // kefu_index_entries and kefu_index_generation_info{generation} for the index being served.
  std::string Render(std::string_view generation, int64_t entries) const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets = std::vector<uint64_t>(std::size(kLatencyBucketsSeconds), 0);
    uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mu_;
  // A mutex is enough: one short critical section per request, far below the cost of a search.
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // guarded by mu_
  std::map<std::string, Histogram> latency_;                  // guarded by mu_
};

}  // namespace kefu::server
