// to_json() of the bot's wire structs.
#include "server/chat_types.h"

#include <nlohmann/json.hpp>

namespace kefu::server {

using nlohmann::json;

void to_json(json& j, const ChatSuggestion& v) {
  j = json{{"entry_id", v.entry_id}, {"title", v.title}};
}

void to_json(json& j, const ChatSource& v) {
  j = json{{"entry_id", v.entry_id}, {"title", v.title}, {"locale", v.locale}};
}

void to_json(json& j, const ChatReply& v) {
  j = json{{"type", v.type},
           {"text", v.text},
           {"confidence", v.confidence},
           {"reason", v.reason},
           {"suggestions", v.suggestions},
           {"sources", v.sources}};
  if (v.entry_id) j["entry_id"] = *v.entry_id;
  if (v.converted_from) j["converted_from"] = *v.converted_from;
}

void to_json(json& j, const ChatHandoff& v) {
  j = json{{"id", v.id},
           {"status", v.status},
           {"position", v.position},
           {"eta_minutes", v.eta_minutes},
           {"at_least", v.at_least},
           {"out_of_hours", v.out_of_hours},
           {"reply_by", v.reply_by},
           {"message", v.message}};
}

void to_json(json& j, const ExplainCandidate& v) {
  j = json{{"entry_id", v.entry_id},
           {"title", v.title},
           {"score", v.score},
           {"confidence", v.confidence},
           {"matched_question", v.matched_question},
           {"matched_terms", v.matched_terms},
           {"pinned", v.pinned},
           {"escalate", v.escalate}};
}

void to_json(json& j, const ChatExplain& v) {
  j = json{{"rule", v.rule},
           {"question", v.question},
           {"locale", v.locale},
           {"answer_threshold", v.answer_threshold},
           {"clarify_threshold", v.clarify_threshold},
           {"failed_turns_before", v.failed_turns_before},
           {"candidates", v.candidates}};
}

void to_json(json& j, const ChatResponse& v) {
  j = json{{"conversation_id", v.conversation_id}, {"reply", v.reply}};
  if (v.handoff) j["handoff"] = *v.handoff;
  if (v.explain) j["explain"] = *v.explain;
}

void to_json(json& j, const StatsReasonCount& v) {
  j = json{{"count", v.count}, {"rate", v.rate}};
}

void to_json(json& j, const StatsEntryVotes& v) {
  j = json{{"entry_id", v.entry_id},
           {"helpful", v.helpful},
           {"not_helpful", v.not_helpful},
           {"helpful_ratio", v.helpful_ratio}};
}

void to_json(json& j, const StatsQuestion& v) {
  j = json{{"question", v.question},
           {"count", v.count},
           {"max_confidence", v.max_confidence},
           {"last_ms", v.last_ms},
           {"reasons", v.reasons}};
}

void to_json(json& j, const StatsResponse& v) {
  j = json{{"from_ms", v.from_ms},
           {"to_ms", v.to_ms},
           {"conversations", v.conversations},
           {"deflected", v.deflected},
           {"deflection_rate", v.deflection_rate},
           {"handed_off", v.handed_off},
           {"handoff_rate", v.handoff_rate},
           {"abandoned", v.abandoned},
           {"handoffs_by_reason", v.handoffs_by_reason},
           {"replies", v.replies},
           {"helpful", v.helpful},
           {"ratings", v.ratings},
           {"average_rating", v.average_rating ? json(*v.average_rating) : json(nullptr)},
           {"median_seconds_to_claim",
            v.median_seconds_to_claim ? json(*v.median_seconds_to_claim) : json(nullptr)},
           {"unanswered", v.unanswered}};
}

void to_json(json& j, const TranscriptTurn& v) {
  j = json{{"seq", v.seq}, {"role", v.role}, {"text", v.text}, {"type", v.type},
           {"created_ms", v.created_ms}};
  if (v.entry_id) j["entry_id"] = *v.entry_id;
  if (v.confidence) j["confidence"] = *v.confidence;
  if (v.reason) j["reason"] = *v.reason;
  if (v.agent) j["agent"] = *v.agent;
}

void to_json(json& j, const TranscriptResponse& v) {
  j = json{{"id", v.id},
           {"locale", v.locale},
           {"status", v.status},
           {"created_ms", v.created_ms},
           {"updated_ms", v.updated_ms},
           {"turns", v.turns}};
}

void to_json(json& j, const HandoffItem& v) {
  json candidates = json::parse(v.candidates_json, nullptr, /*allow_exceptions=*/false);
  if (!candidates.is_array()) candidates = json::array();
  j = json{{"id", v.id},
           {"conversation_id", v.conversation_id},
           {"question", v.question},
           {"candidates", std::move(candidates)},
           {"reason", v.reason},
           {"priority", v.priority},
           {"locale", v.locale},
           {"customer_id", v.customer_id},
           {"customer_tier", v.customer_tier},
           {"team", v.team},
           {"status", v.status},
           {"agent", v.agent},
           {"note", v.note},
           {"created_ms", v.created_ms},
           {"claimed_ms", v.claimed_ms},
           {"resolved_ms", v.resolved_ms}};
}

void to_json(json& j, const HandoffListResponse& v) { j = json{{"handoffs", v.handoffs}}; }

void to_json(json& j, const SuggestionItem& v) {
  j = json{{"id", v.id},
           {"entry_id", v.entry_id},
           {"question", v.question},
           {"handoff_id", v.handoff_id},
           {"created_ms", v.created_ms}};
}

void to_json(json& j, const SuggestionListResponse& v) { j = json{{"suggestions", v.suggestions}}; }

void to_json(json& j, const AgentSearchItem& v) {
  j = json{{"id", v.id},
           {"locale", v.locale},
           {"type", v.type},
           {"title", v.title},
           {"snippet", v.snippet},
           {"score", v.score},
           {"confidence", v.confidence},
           {"converted", v.converted},
           {"category", v.category},
           {"escalate", v.escalate},
           {"audience", v.audience},
           {"internal_note", v.internal_note}};
}

void to_json(json& j, const AgentSearchResponse& v) {
  j = json{{"query", v.query},
           {"locale", v.locale},
           {"confidence", v.confidence},
           {"results", v.results}};
}

void to_json(json& j, const HandoffWebhookBody& v) {
  j = json{{"event", v.event},
           {"handoff", v.handoff},
           {"transcript", v.transcript},
           {"sent_ms", v.sent_ms}};
}

void to_json(json& j, const AcceptedResponse& v) { j = json{{"status", v.status}}; }

template <typename T>
std::string ToChatJson(const T& v) {
  return json(v).dump(-1, ' ', false, json::error_handler_t::replace);
}

template std::string ToChatJson(const ChatResponse&);
template std::string ToChatJson(const TranscriptResponse&);
template std::string ToChatJson(const HandoffItem&);
template std::string ToChatJson(const HandoffListResponse&);
template std::string ToChatJson(const SuggestionListResponse&);
template std::string ToChatJson(const AgentSearchResponse&);
template std::string ToChatJson(const AcceptedResponse&);
template std::string ToChatJson(const TranscriptTurn&);
template std::string ToChatJson(const StatsResponse&);
template std::string ToChatJson(const HandoffWebhookBody&);

}  // namespace kefu::server
