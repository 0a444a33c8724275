// Route handlers: parse, call kb, render.
#include "server/handlers.h"

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "server/access_log.h"
#include "server/api_types.h"
#include "server/http_errors.h"

namespace kefu::server {
namespace {

constexpr size_t kMaxIdLength = 128;

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c1 < lo || c1 > hi) return false;
    for (size_t k = 2; k < len; ++k) {
      const auto ck = static_cast<unsigned char>(s[i + k]);
      if (ck < 0x80 || ck > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

// Entry ids: [A-Za-z0-9][A-Za-z0-9_.:-]{0,127}, as the content loader enforces.
bool IsValidEntryId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(id.front())) return false;
  for (char c : id) {
    if (!alnum(c) && c != '_' && c != '.' && c != ':' && c != '-') return false;
  }
  return true;
}

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
  SetJson(res, ToJsonString(MakeSearchResponse(request.query, *result)));
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

void HandleMetrics(const KnowledgeBase& kb, const Metrics& metrics, const httplib::Request& /*req*/,
                   httplib::Response& res) {
  res.status = 200;
  res.set_content(metrics.Render(kb.generation(), kb.entry_count()),
                  "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace kefu::server
