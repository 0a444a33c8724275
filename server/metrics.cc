// Counting requests and rendering the Prometheus text format.
#include "server/metrics.h"

#include <sstream>

namespace kefu::server {
namespace {

// A label value with \, " and newline escaped, as the text format asks.
std::string EscapeLabel(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void Metrics::RecordRequest(std::string_view route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(route), status}];
  Histogram& h = latency_[std::string(route)];
  for (size_t i = 0; i < std::size(kLatencyBucketsSeconds); ++i) {
    if (seconds <= kLatencyBucketsSeconds[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

std::string Metrics::Render(std::string_view generation, int64_t entries) const {
  std::ostringstream out;
  out.precision(9);
  {
    std::lock_guard<std::mutex> lock(mu_);
    out << "# HELP kefu_http_requests_total HTTP requests by route pattern and status.\n"
        << "# TYPE kefu_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
      out << "kefu_http_requests_total{route=\"" << EscapeLabel(key.first) << "\",status=\""
          << key.second << "\"} " << count << '\n';
    }
    out << "# HELP kefu_http_request_duration_seconds Time from routing to response written.\n"
        << "# TYPE kefu_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      const std::string label = EscapeLabel(route);
      for (size_t i = 0; i < h.buckets.size(); ++i) {
        out << "kefu_http_request_duration_seconds_bucket{route=\"" << label << "\",le=\""
            << kLatencyBucketsSeconds[i] << "\"} " << h.buckets[i] << '\n';
      }
      out << "kefu_http_request_duration_seconds_bucket{route=\"" << label << "\",le=\"+Inf\"} "
          << h.count << '\n'
          << "kefu_http_request_duration_seconds_sum{route=\"" << label << "\"} " << h.sum << '\n'
          << "kefu_http_request_duration_seconds_count{route=\"" << label << "\"} " << h.count
          << '\n';
    }
  }
  out << "# HELP kefu_index_entries Published entries in the index generation being served.\n"
      << "# TYPE kefu_index_entries gauge\n"
      << "kefu_index_entries " << entries << '\n'
      << "# HELP kefu_index_generation_info The index generation being served.\n"
      << "# TYPE kefu_index_generation_info gauge\n"
      << "kefu_index_generation_info{generation=\"" << EscapeLabel(generation) << "\"} 1\n";
  return out.str();
}

}  // namespace kefu::server
