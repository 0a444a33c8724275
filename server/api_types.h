// The JSON shapes of the HTTP API: the only place they are spelled. A field is on the wire exactly
// when it is a member here, so what a public route may show is decided by these structs
// (EntryResponse has no internal_note, on purpose). Make*() fill them from kb results; to_json()
// writes them.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kb/knowledge_base.h"
#include "kb/store/store.h"
#include "server/reindex.h"

namespace kefu::server {

// GET /api/v1/search: one hit.
struct SearchResultItem {
  std::string id;
  std::string locale;  // of the entry returned
  std::string type;    // "faq" | "article"
  std::string title;
  std::string snippet;  // HTML-escaped, <mark> around matches
  double score = 0;
  bool converted = false;  // the entry exists only in the other Chinese script
};

// GET /api/v1/search
struct SearchResponse {
  // Names this search in POST /api/v1/feedback {search_id}: 32 random hex digits. "" leaves it out.
  std::string search_id;
  std::string query;      // as received
  std::string locale;     // searched: requested or detected
  double confidence = 0;  // of the first result, 0 without results
  std::vector<SearchResultItem> results;
};

struct RelatedItem {
  std::string id;
  std::string title;
};

// GET /api/v1/entries/{id}: the public view of one entry.
struct EntryResponse {
  std::string id;
  std::string locale;
  std::string type;
  std::string title;
  std::vector<std::string> questions;
  std::string body;  // Markdown
  std::vector<std::string> tags;
  std::string category;
  std::vector<RelatedItem> related;
  std::string updated;
  bool converted = false;  // no entry in the requested locale; this is the other Chinese script
};

// GET /healthz
struct HealthResponse {
  std::string status = "ok";
};

// GET /readyz
struct ReadyResponse {
  std::string status = "ready";
  std::string generation;  // e.g. "gen-3"
  int64_t entries = 0;
};

// Every error: {"error": {"code", "message"}, "request_id"}.
struct ErrorResponse {
  std::string code;  // snake_case, e.g. "invalid_argument"
  std::string message;
  std::string request_id;
};

// GET /api/v1/admin/reindex/status: one content error of a failed job.
struct ReindexError {
  std::string path;
  int line = 0;  // 0: the whole file
  std::string message;
};

// GET /api/v1/admin/reindex/status: a golden question a refused build would have turned wrong.
struct GoldenRegressionItem {
  int line = 0;  // in golden.jsonl
  std::string query;
  std::string answer;                        // the right entry served now
  std::optional<std::string> would_answer;  // the new build's first hit; null when none
};

// GET /api/v1/admin/reindex/status, and the 202 of POST /api/v1/admin/reindex. Absent values are
// JSON null.
struct ReindexStatusResponse {
  std::string state;  // "idle" | "running" | "succeeded" | "failed"
  std::optional<int64_t> job_id;
  std::optional<std::string> started;   // UTC, "2026-11-25T10:00:00Z"
  std::optional<std::string> finished;  // UTC
  std::optional<std::string> generation;  // built, e.g. "gen-4" (succeeded)
  std::optional<int64_t> entries;         // indexed (succeeded)
  std::vector<ReindexError> errors;
  std::vector<GoldenRegressionItem> golden_regressions;
  std::string message;
};

// DELETE /api/v1/admin/conversations/{id} and /api/v1/admin/customers/{customer_id}: what was
// removed, {"deleted": {"conversations", "turns", "handoffs", "feedback", "suggestions"}}.
struct DeletionResponse {
  DeletedCounts deleted;
};

SearchResponse MakeSearchResponse(std::string_view query, const SearchResult& result);
EntryResponse MakeEntryResponse(const EntryDetail& detail);
ReindexStatusResponse MakeReindexStatusResponse(const ReindexJob& job);
DeletionResponse MakeDeletionResponse(const DeletedCounts& deleted);

void to_json(nlohmann::json& j, const SearchResultItem& v);
void to_json(nlohmann::json& j, const SearchResponse& v);
void to_json(nlohmann::json& j, const RelatedItem& v);
void to_json(nlohmann::json& j, const EntryResponse& v);
void to_json(nlohmann::json& j, const HealthResponse& v);
void to_json(nlohmann::json& j, const ReadyResponse& v);
void to_json(nlohmann::json& j, const ErrorResponse& v);
void to_json(nlohmann::json& j, const ReindexError& v);
void to_json(nlohmann::json& j, const GoldenRegressionItem& v);
void to_json(nlohmann::json& j, const ReindexStatusResponse& v);
void to_json(nlohmann::json& j, const DeletionResponse& v);

// Serialise a response. Invalid UTF-8 (which the handlers reject anyway) is replaced, never thrown
// on.
std::string ToJsonString(const SearchResponse& v);
std::string ToJsonString(const EntryResponse& v);
std::string ToJsonString(const HealthResponse& v);
std::string ToJsonString(const ReadyResponse& v);
std::string ToJsonString(const ErrorResponse& v);
std::string ToJsonString(const ReindexStatusResponse& v);
std::string ToJsonString(const DeletionResponse& v);

}  // namespace kefu::server
