// Counting requests, bot replies and reindex jobs, and rendering the Prometheus text format.
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

// `name="value"` with the value escaped.
std::string Label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + EscapeLabel(value) + "\"";
}

void Family(std::ostream& out, std::string_view name, std::string_view type,
            std::string_view help) {
  out << "# HELP " << name << ' ' << help << '\n' << "# TYPE " << name << ' ' << type << '\n';
}

// One sample; `labels` are the label pairs inside the braces, "" for none. Counts are written as
// integers, exact however large.
template <typename T>
void Sample(std::ostream& out, std::string_view name, std::string_view labels, T value) {
  out << name;
  if (!labels.empty()) out << '{' << labels << '}';
  out << ' ' << value << '\n';
}

// The _bucket, _sum and _count samples of one histogram; `labels` as for Sample().
void HistogramSamples(std::ostream& out, std::string_view name, const std::string& labels,
                      std::span<const double> bounds, const std::vector<uint64_t>& buckets,
                      uint64_t count, double sum) {
  const std::string bucket = std::string(name) + "_bucket";
  const std::string prefix = labels.empty() ? std::string() : labels + ",";
  for (size_t i = 0; i < bounds.size(); ++i) {
    std::ostringstream le;
    le.precision(out.precision());
    le << bounds[i];
    Sample(out, bucket, prefix + Label("le", le.str()), buckets[i]);
  }
  Sample(out, bucket, prefix + Label("le", "+Inf"), count);
  Sample(out, std::string(name) + "_sum", labels, sum);
  Sample(out, std::string(name) + "_count", labels, count);
}

}  // namespace

void Metrics::Histogram::Observe(double seconds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (seconds <= bounds[i]) ++buckets[i];
  }
  ++count;
  sum += seconds;
}

void Metrics::RecordRequest(std::string_view route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(route), status}];
  latency_.try_emplace(std::string(route), kLatencyBucketsSeconds).first->second.Observe(seconds);
}

void Metrics::RecordChatReply(std::string_view type, std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++chat_replies_[{std::string(type), std::string(reason)}];
}

void Metrics::RecordReindex(std::string_view outcome, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++reindex_jobs_[std::string(outcome)];
  reindex_duration_.Observe(seconds);
}

std::string Metrics::Render(std::string_view generation, int64_t entries,
                            std::optional<int64_t> handoffs_open, SearchCacheCounts cache,
                            std::optional<ExchangeCommitCounts> exchanges) const {
  std::ostringstream out;
  out.precision(9);
  {
    std::lock_guard<std::mutex> lock(mu_);
    Family(out, "kefu_http_requests_total", "counter", "HTTP requests by route pattern and status.");
    for (const auto& [key, count] : requests_) {
      Sample(out, "kefu_http_requests_total",
             Label("route", key.first) + "," + Label("status", std::to_string(key.second)),
             count);
    }
    Family(out, "kefu_http_request_duration_seconds", "histogram",
           "Time from routing to response written.");
    for (const auto& [route, h] : latency_) {
      HistogramSamples(out, "kefu_http_request_duration_seconds", Label("route", route), h.bounds,
                       h.buckets, h.count, h.sum);
    }
    Family(out, "kefu_chat_replies_total", "counter", "Bot replies by type and reason.");
    for (const auto& [key, count] : chat_replies_) {
      Sample(out, "kefu_chat_replies_total",
             Label("type", key.first) + "," + Label("reason", key.second),
             count);
    }
    Family(out, "kefu_reindex_jobs_total", "counter",
           "Finished reindex jobs (POST /api/v1/admin/reindex) by outcome.");
    for (const auto& [outcome, count] : reindex_jobs_) {
      Sample(out, "kefu_reindex_jobs_total", Label("outcome", outcome), count);
    }
    Family(out, "kefu_reindex_duration_seconds", "histogram",
           "Time from the start of a reindex job to its outcome.");
    const Histogram& r = reindex_duration_;
    HistogramSamples(out, "kefu_reindex_duration_seconds", "", r.bounds, r.buckets, r.count, r.sum);
  }
  if (handoffs_open) {
    Family(out, "kefu_handoffs_open", "gauge", "Hand-offs waiting for an agent (all teams).");
    Sample(out, "kefu_handoffs_open", "", *handoffs_open);
  }
  if (exchanges) {
    Family(out, "kefu_chat_exchanges_committed_total", "counter",
           "Chat exchanges (a message and its reply) written to the database.");
    Sample(out, "kefu_chat_exchanges_committed_total", "", exchanges->exchanges);
    Family(out, "kefu_chat_exchange_commits_total", "counter",
           "Transactions that wrote them: exchanges arriving together share one (group commit).");
    Sample(out, "kefu_chat_exchange_commits_total", "", exchanges->commits);
  }
  Family(out, "kefu_index_entries", "gauge", "Published entries in the index generation being served.");
  Sample(out, "kefu_index_entries", "", entries);
  Family(out, "kefu_index_generation_info", "gauge", "The index generation being served.");
  Sample(out, "kefu_index_generation_info", Label("generation", generation), 1);
  Family(out, "kefu_search_cache_lookups_total", "counter",
         "Searches (search route, chat and agents) since the start.");
  Sample(out, "kefu_search_cache_lookups_total", "", cache.lookups);
  Family(out, "kefu_search_cache_hits_total", "counter",
         "Searches answered from the recent questions' cache (a question asked again).");
  Sample(out, "kefu_search_cache_hits_total", "", cache.hits);
  return out.str();
}

}  // namespace kefu::server
