// Filling the wire structs from kb results and writing them as JSON.
#include "server/api_types.h"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

namespace kefu::server {
namespace {

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "2026-11-25T10:00:00Z"
std::string FormatUtc(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

template <typename T>
nlohmann::json OrNull(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

SearchResponse MakeSearchResponse(std::string_view query, const SearchResult& result) {
  SearchResponse out;
  out.query = query;
  out.locale = LocaleName(result.locale);
  out.confidence = result.confidence;
  out.results.reserve(result.hits.size());
  for (const SearchHit& hit : result.hits) {
    out.results.push_back(SearchResultItem{
        .id = hit.id,
        .locale = std::string(LocaleName(hit.locale)),
        .type = std::string(EntryTypeName(hit.type)),
        .title = hit.title,
        .snippet = hit.snippet,
        .score = hit.score,
        .converted = hit.converted,
    });
  }
  return out;
}

EntryResponse MakeEntryResponse(const EntryDetail& detail) {
  const Entry& e = detail.entry;
  EntryResponse out;
  out.id = e.id;
  out.locale = LocaleName(e.locale);
  out.type = EntryTypeName(e.type);
  out.title = e.title;
  out.questions = e.questions;
  out.body = e.body;
  out.tags = e.tags;
  out.category = e.category;
  out.related.reserve(detail.related.size());
  for (const RelatedEntry& r : detail.related) out.related.push_back({r.id, r.title});
  out.updated = e.updated;
  out.converted = detail.converted;
  return out;
}

ReindexStatusResponse MakeReindexStatusResponse(const ReindexJob& job) {
  ReindexStatusResponse out;
  out.state = ReindexStateName(job.state);
  if (job.job_id > 0) out.job_id = job.job_id;
  if (job.started) out.started = FormatUtc(*job.started);
  if (job.finished) out.finished = FormatUtc(*job.finished);
  if (!job.generation.empty()) out.generation = job.generation;
  out.entries = job.entries;
  out.errors.reserve(job.errors.size());
  for (const Diagnostic& d : job.errors) out.errors.push_back({d.path, d.line, d.message});
  for (const GoldenRegression& g : job.golden_regressions) {
    out.golden_regressions.push_back(
        {.line = g.line,
         .query = g.query,
         .answer = g.answer,
         .would_answer = g.would_answer.empty() ? std::nullopt : std::optional(g.would_answer)});
  }
  out.message = job.message;
  return out;
}

DeletionResponse MakeDeletionResponse(const DeletedCounts& deleted) { return {deleted}; }

void to_json(nlohmann::json& j, const SearchResultItem& v) {
  j = nlohmann::json{
      {"id", v.id},           {"locale", v.locale}, {"type", v.type},          {"title", v.title},
      {"snippet", v.snippet}, {"score", v.score},   {"converted", v.converted}};
}

void to_json(nlohmann::json& j, const SearchResponse& v) {
  j = nlohmann::json{{"query", v.query},
                     {"locale", v.locale},
                     {"confidence", v.confidence},
                     {"results", v.results}};
  if (!v.search_id.empty()) j["search_id"] = v.search_id;
}

void to_json(nlohmann::json& j, const RelatedItem& v) {
  j = nlohmann::json{{"id", v.id}, {"title", v.title}};
}

void to_json(nlohmann::json& j, const EntryResponse& v) {
  j = nlohmann::json{{"id", v.id},           {"locale", v.locale},       {"type", v.type},
                     {"title", v.title},     {"questions", v.questions}, {"body", v.body},
                     {"tags", v.tags},       {"category", v.category},   {"related", v.related},
                     {"updated", v.updated}, {"converted", v.converted}};
}

void to_json(nlohmann::json& j, const HealthResponse& v) {
  j = nlohmann::json{{"status", v.status}};
}

void to_json(nlohmann::json& j, const ReadyResponse& v) {
  j = nlohmann::json{{"status", v.status}, {"generation", v.generation}, {"entries", v.entries}};
}

void to_json(nlohmann::json& j, const ErrorResponse& v) {
  j = nlohmann::json{{"error", {{"code", v.code}, {"message", v.message}}},
                     {"request_id", v.request_id}};
}

void to_json(nlohmann::json& j, const ReindexError& v) {
  j = nlohmann::json{{"path", v.path}, {"line", v.line}, {"message", v.message}};
}

void to_json(nlohmann::json& j, const GoldenRegressionItem& v) {
  j = nlohmann::json{{"line", v.line},
                     {"query", v.query},
                     {"answer", v.answer},
                     {"would_answer", OrNull(v.would_answer)}};
}

void to_json(nlohmann::json& j, const ReindexStatusResponse& v) {
  j = nlohmann::json{{"state", v.state},
                     {"job_id", OrNull(v.job_id)},
                     {"started", OrNull(v.started)},
                     {"finished", OrNull(v.finished)},
                     {"generation", OrNull(v.generation)},
                     {"entries", OrNull(v.entries)},
                     {"errors", v.errors},
                     {"golden_regressions", v.golden_regressions},
                     {"message", v.message}};
}

void to_json(nlohmann::json& j, const DeletionResponse& v) {
  j = nlohmann::json{{"deleted",
                      {{"conversations", v.deleted.conversations},
                       {"turns", v.deleted.turns},
                       {"handoffs", v.deleted.handoffs},
                       {"feedback", v.deleted.feedback},
                       {"suggestions", v.deleted.suggestions}}}};
}

std::string ToJsonString(const SearchResponse& v) { return Dump(v); }
std::string ToJsonString(const EntryResponse& v) { return Dump(v); }
std::string ToJsonString(const HealthResponse& v) { return Dump(v); }
std::string ToJsonString(const ReadyResponse& v) { return Dump(v); }
std::string ToJsonString(const ErrorResponse& v) { return Dump(v); }
std::string ToJsonString(const ReindexStatusResponse& v) { return Dump(v); }
std::string ToJsonString(const DeletionResponse& v) { return Dump(v); }

}  // namespace kefu::server
