// Bot route handlers: parse, call ChatService, render.
#include "server/handlers_chat.h"

#include <charconv>
#include <cstdio>
#include <tuple>
#include <utility>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "server/access_log.h"
#include "server/auth.h"
#include "server/http_errors.h"
#include "server/request_checks.h"

namespace kefu::server {
namespace {

using nlohmann::json;

constexpr int kUnprocessable = 422;
constexpr size_t kMaxMessageBytes = 2000;  // kb's longest query
constexpr size_t kMaxTextBytes = 8000;     // agents' replies, notes, comments
constexpr size_t kMaxFieldBytes = 256;     // ids, e-mail, tier

// A request problem: the HTTP status (400 or 422) and the message.
struct Problem {
  int status = 400;
  std::string message;
};

void SetProblem(httplib::Response& res, const Problem& p) {
  SetError(res, p.status, StatusCodeName(StatusCode::kInvalidArgument), p.message);
}

void SetJsonBody(httplib::Response& res, const std::string& body) {
  res.status = 200;
  res.set_content(body, kJsonContentType);
}

// The body as a JSON object. False (and the 400/422 written) otherwise.
bool ParseBody(const httplib::Request& req, httplib::Response& res, json* out) {
  if (!IsValidUtf8(req.body)) {
    SetProblem(res, {400, "the body is not valid UTF-8"});
    return false;
  }
  *out = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded()) {
    SetProblem(res, {400, "the body is not valid JSON"});
    return false;
  }
  if (!out->is_object()) {
    SetProblem(res, {kUnprocessable, "the body must be a JSON object"});
    return false;
  }
  return true;
}

// Reads an optional string member: absent or null -> nullopt; another type -> a 422 problem.
std::optional<Problem> GetString(const json& object, const char* key, size_t max_bytes,
                                 std::optional<std::string>* out) {
  *out = std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return Problem{kUnprocessable, std::string(key) + " must be a string"};
  const std::string& value = it->get_ref<const std::string&>();
  if (value.size() > max_bytes) {
    return Problem{400, std::string(key) + " is longer than " + std::to_string(max_bytes) +
                            " bytes"};
  }
  *out = value;
  return std::nullopt;
}

bool Unavailable(ChatService* chat, httplib::Response& res) {
  if (chat != nullptr) return false;
  SetError(res, Status::Unavailable("conversations are off: this server has no database (--db)"));
  return true;
}

// The {id} of /api/v1/handoffs/{id}/...; nullopt (and 404 written) when it is not a number.
std::optional<int64_t> HandoffIdOf(const httplib::Request& req, httplib::Response& res) {
  const std::string text = req.matches.size() > 1 ? req.matches[1].str() : std::string();
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    SetError(res, Status::NotFound("no such hand-off"));
    return std::nullopt;
  }
  return id;
}

// Store/service errors, with the state conflicts of the hand-off life cycle as 409.
void SetServiceError(httplib::Response& res, const Status& status) {
  if (status.code() == StatusCode::kFailedPrecondition) {
    return SetError(res, 409, "conflict", status.message());
  }
  SetError(res, status);
}

// Ids of searches (and conversations): 32 lowercase hex digits.
bool IsSearchId(std::string_view id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// A `from`/`to` parameter: epoch milliseconds, or an ISO 8601 UTC date or date-time
// (2026-12-01, 2026-12-01T08:00, 2026-12-01T08:00:00Z). nullopt when malformed.
std::optional<int64_t> ParseTimeParam(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t ms = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return ms;
  }
  if (!text.empty() && text.back() == 'Z') text.remove_suffix(1);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const std::string s(text);
  int used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &used) != 3 || used != 10) {
    return std::nullopt;
  }
  if (s.size() > 10) {
    int used_time = 0;
    const bool with_seconds =
        std::sscanf(s.c_str() + 10, "T%2d:%2d:%2d%n", &hour, &minute, &second, &used_time) == 3;
    if (!with_seconds &&
        std::sscanf(s.c_str() + 10, "T%2d:%2d%n", &hour, &minute, &used_time) != 2) {
      return std::nullopt;
    }
    if (10 + static_cast<size_t>(used_time) != s.size()) return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  // Days from the civil date (Howard Hinnant's days_from_civil), so no time zone is involved.
  const int y = year - (month <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = int64_t{era} * 146097 + doe - 719468;
  return ((days * 24 + hour) * 60 + minute) * 60'000 + int64_t{second} * 1000;
}

}  // namespace

void HandleChat(ChatService* chat, const std::string& integration_token, const AuthConfig& auth,
                const httplib::Request& req, httplib::Response& res) {
  if (Unavailable(chat, res)) return;
  const bool explain = req.get_param_value("explain") == "1";
  // The test console shows scores and rules: editors and admins only.
  if (explain && !Authenticate(req, res, auth, Role::kAdmin)) return;
  json body;
  if (!ParseBody(req, res, &body)) return;
  std::optional<std::string> conversation_id, message, choice, locale;
  for (const auto& [key, max, out] :
       {std::tuple{"conversation_id", kMaxFieldBytes, &conversation_id},
        std::tuple{"message", kMaxMessageBytes, &message},
        std::tuple{"choice", kMaxFieldBytes, &choice}, std::tuple{"locale", kMaxFieldBytes, &locale}}) {
    if (auto p = GetString(body, key, max, out)) return SetProblem(res, *p);
  }
  if (message && IsBlank(*message)) message.reset();
  if (choice && IsBlank(*choice)) choice.reset();
  if (message.has_value() == choice.has_value()) {
    return SetProblem(res, {400, "send exactly one of message and choice"});
  }
  ChatRequest request;
  request.explain = explain;
  if (message) request.message = *message;
  if (choice) {
    if (!IsValidEntryId(*choice)) return SetError(res, Status::NotFound("no such entry to choose"));
    request.choice = *choice;
  }
  if (locale && !locale->empty()) {
    request.locale = ParseLocale(*locale);
    if (!request.locale) return SetProblem(res, {400, "locale must be one of zh-Hans, zh-Hant, en"});
  }
  if (conversation_id) request.conversation_id = *conversation_id;

  if (auto it = body.find("customer"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return SetProblem(res, {kUnprocessable, "customer must be an object"});
    std::optional<std::string> id, email, tier;
    for (const auto& [key, out] : {std::pair{"id", &id}, std::pair{"email", &email},
                                   std::pair{"tier", &tier}}) {
      if (auto p = GetString(*it, key, kMaxFieldBytes, out)) {
        p->message = "customer." + p->message;
        return SetProblem(res, *p);
      }
    }
    if (email && !email->empty() && email->find('@') == std::string::npos) {
      return SetProblem(res, {kUnprocessable, "customer.email is not an e-mail address"});
    }
    if (email) request.customer_email = *email;
    // Only the site's backend may say who the customer is and how important: a widget could
    // otherwise raise its own priority.
    const std::string token = req.get_header_value(kIntegrationTokenHeader);
    if (!integration_token.empty() && ConstantTimeEquals(token, integration_token)) {
      if (id) request.customer_id = *id;
      if (tier) request.customer_tier = *tier;
    }
  }

  Result<ChatResponse> response = chat->Chat(request);
  if (!response.ok()) return SetServiceError(res, response.status());
  const ChatReply& reply = response->reply;
  NoteChatOutcome(reply.type, reply.reason, reply.confidence, reply.entry_id.value_or(""));
  SetJsonBody(res, ToChatJson(*response));
}

void HandleGetConversation(ChatService* chat, const httplib::Request& req,
                           httplib::Response& res) {
  if (Unavailable(chat, res)) return;
  const std::string id = req.matches.size() > 1 ? req.matches[1].str() : std::string();
  Result<TranscriptResponse> transcript = chat->Transcript(id);
  if (!transcript.ok()) return SetServiceError(res, transcript.status());
  SetJsonBody(res, ToChatJson(*transcript));
}

void HandleFeedback(ChatService* chat, const httplib::Request& req, httplib::Response& res) {
  if (Unavailable(chat, res)) return;
  json body;
  if (!ParseBody(req, res, &body)) return;
  std::optional<std::string> conversation_id, search_id, entry_id, comment;
  for (const auto& [key, max, out] :
       {std::tuple{"conversation_id", kMaxFieldBytes, &conversation_id},
        std::tuple{"search_id", kMaxFieldBytes, &search_id},
        std::tuple{"entry_id", kMaxFieldBytes, &entry_id},
        std::tuple{"comment", kMaxTextBytes, &comment}}) {
    if (auto p = GetString(body, key, max, out)) return SetProblem(res, *p);
  }
  if (conversation_id && conversation_id->empty()) conversation_id.reset();
  if (search_id && search_id->empty()) search_id.reset();
  if (conversation_id.has_value() == search_id.has_value()) {
    return SetProblem(res, {400, "send exactly one of conversation_id and search_id"});
  }
  if (search_id && !IsSearchId(*search_id)) {
    return SetProblem(res, {kUnprocessable, "search_id is not one a search returned"});
  }
  Feedback feedback;
  if (conversation_id) feedback.conversation_id = *conversation_id;
  if (search_id) feedback.search_id = *search_id;
  if (entry_id) feedback.entry_id = *entry_id;
  if (comment) feedback.comment = *comment;
  if (auto it = body.find("helpful"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return SetProblem(res, {kUnprocessable, "helpful must be true or false"});
    feedback.helpful = it->get<bool>();
  }
  if (auto it = body.find("rating"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) {
      return SetProblem(res, {kUnprocessable, "rating must be an integer from 1 to 5"});
    }
    const int64_t rating = it->get<int64_t>();
    if (rating < 1 || rating > 5) {
      return SetProblem(res, {kUnprocessable, "rating must be an integer from 1 to 5"});
    }
    feedback.rating = static_cast<int>(rating);
  }
  if (Status s = chat->AddFeedback(feedback); !s.ok()) return SetServiceError(res, s);
  SetJsonBody(res, ToChatJson(AcceptedResponse{}));
}

void HandleListHandoffs(ChatService* chat, const std::string& /*agent*/,
                        const httplib::Request& req, httplib::Response& res) {
  if (Unavailable(chat, res)) return;
  const std::string status_text = req.has_param("status") ? req.get_param_value("status") : "open";
  const std::optional<HandoffStatus> status = ParseHandoffStatus(status_text);
  if (!status) return SetProblem(res, {400, "status must be one of open, claimed, resolved"});
  const std::string team = req.get_param_value("team");
  if (!IsValidUtf8(team)) return SetProblem(res, {400, "team is not valid UTF-8"});
  Result<HandoffListResponse> list = chat->ListHandoffs(*status, team);
  if (!list.ok()) return SetServiceError(res, list.status());
  SetJsonBody(res, ToChatJson(*list));
}

void HandleClaimHandoff(ChatService* chat, const std::string& agent, const httplib::Request& req,
                        httplib::Response& res) {
  if (Unavailable(chat, res)) return;
  std::optional<int64_t> id = HandoffIdOf(req, res);
  if (!id) return;
  Result<HandoffItem> claimed = chat->Claim(*id, agent);
  if (!claimed.ok()) return SetServiceError(res, claimed.status());
  SetJsonBody(res, ToChatJson(*claimed));
}

void HandleResolveHandoff(ChatService* chat, const std::string& agent, const httplib::Request& req,
                          httplib::Response& res) {
  if (Unavailable(chat, res)) return;
  std::optional<int64_t> id = HandoffIdOf(req, res);
  if (!id) return;
  json body;
  if (!ParseBody(req, res, &body)) return;
  std::optional<std::string> note, entry_id;
  if (auto p = GetString(body, "note", kMaxTextBytes, &note)) return SetProblem(res, *p);
  if (auto p = GetString(body, "entry_id", kMaxFieldBytes, &entry_id)) return SetProblem(res, *p);
  if (!note) return SetProblem(res, {400, "note is required"});
  if (entry_id && !entry_id->empty() && !IsValidEntryId(*entry_id)) {
    return SetProblem(res, {kUnprocessable, "entry_id is not an entry id"});
  }
  Result<HandoffItem> resolved = chat->Resolve(*id, agent, *note, entry_id.value_or(""));
  if (!resolved.ok()) return SetServiceError(res, resolved.status());
  SetJsonBody(res, ToChatJson(*resolved));
}

void HandleHandoffMessage(ChatService* chat, const std::string& agent, const httplib::Request& req,
                          httplib::Response& res) {
  if (Unavailable(chat, res)) return;
  std::optional<int64_t> id = HandoffIdOf(req, res);
  if (!id) return;
  json body;
  if (!ParseBody(req, res, &body)) return;
  std::optional<std::string> text;
  if (auto p = GetString(body, "text", kMaxTextBytes, &text)) return SetProblem(res, *p);
  if (!text || IsBlank(*text)) return SetProblem(res, {400, "text is required"});
  Result<TranscriptTurn> turn = chat->AgentMessage(*id, agent, *text);
  if (!turn.ok()) return SetServiceError(res, turn.status());
  SetJsonBody(res, ToChatJson(*turn));
}

void HandleAgentSearch(ChatService* chat, const std::string& /*agent*/,
                       const httplib::Request& req, httplib::Response& res) {
  if (Unavailable(chat, res)) return;
  SearchRequest request;
  request.query = req.get_param_value("q");
  if (IsBlank(request.query)) return SetProblem(res, {400, "q is required and must not be empty"});
  if (!IsValidUtf8(request.query)) return SetProblem(res, {400, "q is not valid UTF-8"});
  if (const std::string locale = req.get_param_value("locale"); !locale.empty()) {
    request.locale = ParseLocale(locale);
    if (!request.locale) return SetProblem(res, {400, "locale must be one of zh-Hans, zh-Hant, en"});
  }
  if (const std::string limit = req.get_param_value("limit"); !limit.empty()) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), value);
    if (ec != std::errc() || ptr != limit.data() + limit.size() || value < 1 || value > 50) {
      return SetProblem(res, {400, "limit must be an integer from 1 to 50"});
    }
    request.limit = value;
  }
  Result<AgentSearchResponse> result = chat->AgentSearch(request);
  if (!result.ok()) return SetServiceError(res, result.status());
  SetJsonBody(res, ToChatJson(*result));
}

void HandleListSuggestions(ChatService* chat, const httplib::Request& /*req*/,
                           httplib::Response& res) {
  if (Unavailable(chat, res)) return;
  Result<SuggestionListResponse> list = chat->Suggestions();
  if (!list.ok()) return SetServiceError(res, list.status());
  SetJsonBody(res, ToChatJson(*list));
}

void HandleStats(ChatService* chat, const httplib::Request& req, httplib::Response& res) {
  if (Unavailable(chat, res)) return;
  constexpr int64_t kDefaultPeriodMs = int64_t{30} * 24 * 3600 * 1000;
  int64_t to = chat->NowMs() + 1;
  if (req.has_param("to")) {
    std::optional<int64_t> t = ParseTimeParam(req.get_param_value("to"));
    if (!t) return SetProblem(res, {400, "to must be epoch milliseconds or a date like 2026-12-01"});
    to = *t;
  }
  int64_t from = to - kDefaultPeriodMs;
  if (req.has_param("from")) {
    std::optional<int64_t> f = ParseTimeParam(req.get_param_value("from"));
    if (!f) {
      return SetProblem(res, {400, "from must be epoch milliseconds or a date like 2026-12-01"});
    }
    from = *f;
  }
  if (from >= to) return SetProblem(res, {kUnprocessable, "from must be before to"});
  Result<StatsResponse> stats = chat->Stats(from, to);
  if (!stats.ok()) return SetServiceError(res, stats.status());
  SetJsonBody(res, ToChatJson(*stats));
}

}  // namespace kefu::server
