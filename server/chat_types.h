// The JSON shapes of the bot's routes (chat, conversations, hand-offs, feedback, suggestions, agent
// search) and of the hand-off webhook's body: the only place they are spelled, like api_types.h for
// the search routes. A field is on the wire exactly when it is a member here; optional members are
// left out when absent.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kefu::server {

struct ChatSuggestion {
  std::string entry_id;
  std::string title;
};

struct ChatSource {
  std::string entry_id;
  std::string title;
  std::string locale;  // of the entry shown
};

// The bot's reply to one message.
struct ChatReply {
  std::string type;  // "answer" | "clarify" | "handoff" | "greeting"
  std::string text;
  std::optional<std::string> entry_id;  // answer
  double confidence = 0;
  std::string reason;  // confident, ambiguous, low_confidence, asked_for_human, ...
  // The entry's own locale when it is shown to a customer of the other Chinese script.
  std::optional<std::string> converted_from;
  std::vector<ChatSuggestion> suggestions;  // clarify
  std::vector<ChatSource> sources;          // answer
};

// Where a hand-off stands, as the customer is told.
struct ChatHandoff {
  int64_t id = 0;
  std::string status;  // open | claimed | resolved
  int position = 0;    // 1 = next in its queue; 0 once claimed
  int eta_minutes = 0;
  // position and eta_minutes are lower bounds: more hand-offs are ahead than the store counts.
  bool at_least = false;
  bool out_of_hours = false;       // outside the agents' business hours
  std::string reply_by = "chat";   // "chat", or "email" out of hours when the e-mail is known
  std::string message;
};

// `?explain=1` (admin token): why the bot replied as it did; the editors' test console.
struct ExplainCandidate {
  std::string entry_id;
  std::string title;
  double score = 0;
  double confidence = 0;
  std::string matched_question;
  std::vector<std::string> matched_terms;
  bool pinned = false;
  bool escalate = false;
};

struct ChatExplain {
  std::string rule;      // the rule that decided, in words
  std::string question;  // what was searched (the earlier question after a bare "转人工")
  std::string locale;    // the locale searched
  double answer_threshold = 0;
  double clarify_threshold = 0;
  int failed_turns_before = 0;
  std::vector<ExplainCandidate> candidates;
};

// POST /api/v1/chat
struct ChatResponse {
  std::string conversation_id;
  ChatReply reply;
  std::optional<ChatHandoff> handoff;
  std::optional<ChatExplain> explain;
};

struct TranscriptTurn {
  int seq = 0;
  std::string role;  // customer | bot | agent
  std::string text;
  std::string type;  // bot: answer|clarify|handoff; customer: message|choice; agent: ""
  std::optional<std::string> entry_id;
  std::optional<double> confidence;  // bot turns
  std::optional<std::string> reason;  // bot turns
  std::optional<std::string> agent;   // agent turns
  int64_t created_ms = 0;
};

// GET /api/v1/conversations/{id}
struct TranscriptResponse {
  std::string id;
  std::string locale;
  std::string status;  // open | handed_off | closed
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::vector<TranscriptTurn> turns;
};

// One hand-off as agents see it.
struct HandoffItem {
  int64_t id = 0;
  std::string conversation_id;
  std::string question;
  std::string candidates_json;  // on the wire as `candidates`: [{"entry_id", "title", "confidence"}]
  std::string reason;
  int priority = 0;
  std::string locale;
  std::string customer_id;
  std::string customer_tier;
  std::string team;
  std::string status;
  std::string agent;
  std::string note;
  int64_t created_ms = 0;
  int64_t claimed_ms = 0;
  int64_t resolved_ms = 0;
};

struct HandoffListResponse {
  std::vector<HandoffItem> handoffs;
};

struct SuggestionItem {
  int64_t id = 0;
  std::string entry_id;
  std::string question;
  int64_t handoff_id = 0;
  int64_t created_ms = 0;
};

struct SuggestionListResponse {
  std::vector<SuggestionItem> suggestions;
};

// GET /api/v1/agent/search: a hit with what agents may see.
struct AgentSearchItem {
  std::string id;
  std::string locale;
  std::string type;
  std::string title;
  std::string snippet;
  double score = 0;
  double confidence = 0;
  bool converted = false;
  std::string category;
  bool escalate = false;
  std::string audience;       // public | internal
  std::string internal_note;  // agents only
};

struct AgentSearchResponse {
  std::string query;
  std::string locale;
  double confidence = 0;
  std::vector<AgentSearchItem> results;
};

// GET /api/v1/admin/stats (docs/BOT.md defines every figure).
struct StatsReasonCount {
  int64_t count = 0;
  double rate = 0;  // count / conversations
};

struct StatsEntryVotes {
  std::string entry_id;
  int64_t helpful = 0;
  int64_t not_helpful = 0;
  double helpful_ratio = 0;
};

struct StatsQuestion {
  std::string question;  // the most recent wording
  int64_t count = 0;     // messages with the same normalised text
  double max_confidence = 0;
  int64_t last_ms = 0;
  std::vector<std::string> reasons;  // the bot's reasons, distinct, sorted
};

struct StatsResponse {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  int64_t conversations = 0;
  int64_t deflected = 0;
  double deflection_rate = 0;
  int64_t handed_off = 0;
  double handoff_rate = 0;
  int64_t abandoned = 0;
  std::map<std::string, StatsReasonCount> handoffs_by_reason;
  std::map<std::string, int64_t> replies;  // bot turns by type
  std::vector<StatsEntryVotes> helpful;
  int64_t ratings = 0;
  std::optional<double> average_rating;
  std::optional<double> median_seconds_to_claim;
  std::vector<StatsQuestion> unanswered;  // the content-gap report, most frequent first
};

// The body the hand-off webhook POSTs (server/webhook.h, docs/OPERATIONS.md).
struct HandoffWebhookBody {
  std::string event;                       // "handoff.created"
  HandoffItem handoff;                     // as agents see it when the attempt was sent
  std::vector<TranscriptTurn> transcript;  // the conversation up to the hand-off
  int64_t sent_ms = 0;                     // when this attempt was sent (signed with the body)
};

// POST /api/v1/feedback and other writes that only confirm.
struct AcceptedResponse {
  std::string status = "accepted";
};

void to_json(nlohmann::json& j, const ChatSuggestion& v);
void to_json(nlohmann::json& j, const ChatSource& v);
void to_json(nlohmann::json& j, const ChatReply& v);
void to_json(nlohmann::json& j, const ChatHandoff& v);
void to_json(nlohmann::json& j, const ExplainCandidate& v);
void to_json(nlohmann::json& j, const ChatExplain& v);
void to_json(nlohmann::json& j, const ChatResponse& v);
void to_json(nlohmann::json& j, const StatsReasonCount& v);
void to_json(nlohmann::json& j, const StatsEntryVotes& v);
void to_json(nlohmann::json& j, const StatsQuestion& v);
void to_json(nlohmann::json& j, const StatsResponse& v);
void to_json(nlohmann::json& j, const TranscriptTurn& v);
void to_json(nlohmann::json& j, const TranscriptResponse& v);
void to_json(nlohmann::json& j, const HandoffItem& v);
void to_json(nlohmann::json& j, const HandoffListResponse& v);
void to_json(nlohmann::json& j, const SuggestionItem& v);
void to_json(nlohmann::json& j, const SuggestionListResponse& v);
void to_json(nlohmann::json& j, const AgentSearchItem& v);
void to_json(nlohmann::json& j, const AgentSearchResponse& v);
void to_json(nlohmann::json& j, const HandoffWebhookBody& v);
void to_json(nlohmann::json& j, const AcceptedResponse& v);

// Serialises any of the above; invalid UTF-8 is replaced, never thrown on.
template <typename T>
std::string ToChatJson(const T& v);

}  // namespace kefu::server
