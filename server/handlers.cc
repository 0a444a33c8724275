// Route handlers: parse, call kb, render.
#include "server/handlers.h"

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "kb/store/store.h"
#include "server/access_log.h"
#include "server/api_types.h"
#include "server/http_errors.h"
#include "server/request_checks.h"

namespace kefu::server {
namespace {

// The `locale` parameter: absent or empty -> nullopt (detect); unknown -> error.
Status ParseLocaleParam(const httplib::Request& req, std::optional<Locale>* locale) {
  *locale = std::nullopt;
  const std::string text = req.get_param_value("locale");
  if (text.empty()) return Status::Ok();
  *locale = ParseLocale(text);
  if (!locale->has_value()) {
    return Status::InvalidArgument("locale must be one of zh-Hans, zh-Hant, en");
  }
  return Status::Ok();
}

Status ParseLimitParam(const httplib::Request& req, int* limit) {
  *limit = kDefaultSearchLimit;
  const std::string text = req.get_param_value("limit");
  if (text.empty()) return Status::Ok();
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 1 ||
      value > kMaxSearchLimit) {
    return Status::InvalidArgument("limit must be an integer from 1 to " +
                                   std::to_string(kMaxSearchLimit));
  }
  *limit = value;
  return Status::Ok();
}

Status ParseSearchRequest(const httplib::Request& req, SearchRequest* out) {
  if (!req.has_param("q") || IsBlank(req.get_param_value("q"))) {
    return Status::InvalidArgument("q is required and must not be empty");
  }
  out->query = req.get_param_value("q");
  if (!IsValidUtf8(out->query)) return Status::InvalidArgument("q is not valid UTF-8");
  KEFU_RETURN_IF_ERROR(ParseLocaleParam(req, &out->locale));
  KEFU_RETURN_IF_ERROR(ParseLimitParam(req, &out->limit));
  out->audience = Audience::kPublic;
  return Status::Ok();
}

void SetJson(httplib::Response& res, const std::string& body) {
  res.status = 200;
  res.set_content(body, kJsonContentType);
}

}  // namespace

void HandleSearch(const KnowledgeBase& kb, const httplib::Request& req, httplib::Response& res) {
  SearchRequest request;
  if (Status s = ParseSearchRequest(req, &request); !s.ok()) return SetError(res, s);
  Result<SearchResult> result = kb.Search(request);
  if (!result.ok()) return SetError(res, result.status());
  NoteSearchOutcome(result->confidence, result->hits.empty() ? "" : result->hits.front().id);
  SearchResponse response = MakeSearchResponse(request.query, *result);
  response.search_id = NewConversationId();  // 128 random bits, like conversation ids
  SetJson(res, ToJsonString(response));
}

void HandleGetEntry(const KnowledgeBase& kb, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches.size() > 1 ? req.matches[1].str() : std::string();
  if (!IsValidEntryId(id)) {
    return SetError(res,
                    Status::InvalidArgument("id must match [A-Za-z0-9][A-Za-z0-9_.:-]{0,127}"));
  }
  std::optional<Locale> locale;
  if (Status s = ParseLocaleParam(req, &locale); !s.ok()) return SetError(res, s);
  Result<EntryDetail> detail = kb.GetEntry(id, locale, Audience::kPublic);
  if (!detail.ok() && detail.status().code() == StatusCode::kNotFound) {
    // One message for "no such entry", "internal" and "draft": a public client cannot tell them
    // apart.
    return SetError(res, Status::NotFound("no such entry"));
  }
  if (!detail.ok()) return SetError(res, detail.status());
  SetJson(res, ToJsonString(MakeEntryResponse(*detail)));
}

void HandleHealthz(const httplib::Request& /*req*/, httplib::Response& res) {
  SetJson(res, ToJsonString(HealthResponse{}));
}

void HandleReadyz(const KnowledgeBase& kb, const httplib::Request& /*req*/,
                  httplib::Response& res) {
  ReadyResponse ready;
  ready.generation = kb.generation();
  ready.entries = kb.entry_count();
  SetJson(res, ToJsonString(ready));
}

void HandleMetrics(const KnowledgeBase& kb, const Metrics& metrics, Store* store,
                   const httplib::Request& /*req*/, httplib::Response& res) {
  std::optional<int64_t> handoffs_open;
  std::optional<ExchangeCommitCounts> exchanges;
  if (store != nullptr) {
    ExchangeCounts counts = store->exchange_counts();
    exchanges = {static_cast<uint64_t>(counts.exchanges), static_cast<uint64_t>(counts.commits)};
    // A failed count leaves the gauge out rather than failing the scrape: the rest is still true.
    if (Result<int64_t> open = store->CountHandoffs(HandoffStatus::kOpen); open.ok()) {
      handoffs_open = *open;
    }
  }
  res.status = 200;
  KnowledgeBase::CacheCounts cache = kb.search_cache();
  res.set_content(metrics.Render(kb.generation(), kb.entry_count(), handoffs_open, {cache.lookups, cache.hits}, exchanges),
                  "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace kefu::server
