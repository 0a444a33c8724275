// ChatService: the bot's use cases behind the HTTP routes — one customer message (search, decide
// with kb/answer/dialog, store the exchange), transcripts, the agents' hand-off queue, feedback,
// editors' suggestions and the agents' search. Handlers parse and render; this owns the flow and the
// customer-facing texts (in zh-Hans, zh-Hant and en). Thread-safe (KnowledgeBase and Store are).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "kb/answer/dialog.h"
#include "kb/knowledge_base.h"
#include "kb/status.h"
#include "kb/store/store.h"
#include "server/business_hours.h"
#include "server/chat_types.h"

namespace kefu::server {

struct ChatOptions {
  // The decision rules. Default: DialogOptions' defaults.
  DialogOptions dialog;
  // Entry category -> team queue for hand-offs. Setting `teams`. Default: none.
  std::map<std::string, std::string> teams;
  // The queue of hand-offs whose category is unmapped (or that matched nothing). Default: "general".
  std::string default_team = "general";
  // The wait told to the customer: this many minutes per open hand-off ahead in the same queue,
  // at least min_eta_minutes. Defaults: 3 and 2.
  int minutes_per_handoff = 3;
  int min_eta_minutes = 2;
  // When agents are at work; out of hours the wait runs to the next opening, or the reply goes
  // by e-mail when the conversation has one. Setting `business_hours`. Default: always.
  BusinessHours hours;
  // Out of hours with an e-mail on the conversation: the promise "we reply by e-mail within N
  // hours". Setting `email_reply_hours`. Default: 48.
  int email_reply_hours = 48;
  // A conversation with no message for this long closes itself and asks for a rating; one with a
  // person (handed off) waits for them instead. 0 never closes. Setting `idle_close_minutes`.
  // Default: 10 minutes.
  int64_t idle_close_ms = 10 * 60 * 1000;
  // Candidates searched per message (suggestions and the agent's candidates come from these).
  // Default: 5.
  int search_limit = 5;
  // Queue each new hand-off's webhook delivery in the store's outbox, and call `on_handoff` once
  // it is committed (the sender wakes; the reply never waits for it). Server sets both when
  // `handoff_webhook_url` is. Defaults: false and empty.
  bool queue_handoff_webhook = false;
  std::function<void()> on_handoff;
  // The clock, in milliseconds since the epoch. Default (empty): the system clock.
  std::function<int64_t()> now_ms;
};

// One POST /api/v1/chat, parsed.
struct ChatRequest {
  std::string conversation_id;  // "" starts a new conversation
  std::string message;          // exactly one of message and choice is non-empty
  std::string choice;           // an entry id offered by a clarify
  std::optional<Locale> locale;
  // Customer fields; id and tier only when the caller proved to be the site's backend.
  std::string customer_id;
  std::string customer_email;
  std::string customer_tier;
  // Add ChatResponse::explain (the caller proved to be an admin). Default: false.
  bool explain = false;
};

class ChatService {
 public:
  // `kb` and `store` must outlive the service.
  ChatService(const KnowledgeBase& kb, Store& store, ChatOptions options);

  // kNotFound for an unknown conversation or chosen entry; kInvalidArgument for a bad message.
  Result<ChatResponse> Chat(const ChatRequest& request);
  Result<TranscriptResponse> Transcript(std::string_view conversation_id);

  Result<HandoffListResponse> ListHandoffs(HandoffStatus status, std::string_view team);
  // kNotFound; kFailedPrecondition when the hand-off is not open.
  Result<HandoffItem> Claim(int64_t id, std::string_view agent);
  // kNotFound (also for an unknown `entry_id`); kFailedPrecondition when already resolved.
  Result<HandoffItem> Resolve(int64_t id, std::string_view agent, std::string_view note,
                              std::string_view entry_id);
  // Adds the agent's reply to the conversation. kNotFound; kFailedPrecondition when resolved.
  Result<TranscriptTurn> AgentMessage(int64_t id, std::string_view agent, std::string_view text);

  // kNotFound for an unknown conversation.
  Status AddFeedback(const Feedback& feedback);
  Result<SuggestionListResponse> Suggestions();
  // Search with Audience::kInternal: internal entries and their internal notes included.
  Result<AgentSearchResponse> AgentSearch(const SearchRequest& request);

  // Closes the conversations idle for idle_close_ms (see ChatOptions), each with a bot turn that
  // asks for a rating; returns how many. The server calls it periodically.
  Result<int> CloseIdleConversations();

  // The service's clock (ChatOptions::now_ms, else the system clock), in ms since the epoch:
  // what conversations are stamped with, so retention and stats periods use it too.
  int64_t NowMs() const;

  // The figures of GET /api/v1/admin/stats for [from_ms, to_ms).
  Result<StatsResponse> Stats(int64_t from_ms, int64_t to_ms);

 private:
  ChatHandoff HandoffStatusFor(const Handoff& handoff, Locale locale, bool has_email, int64_t now);
  // Closes `conversation` if still idle at `now`; true when it did.
  Result<bool> CloseIfIdle(const Conversation& conversation, int64_t now);

  const KnowledgeBase& kb_;
  Store& store_;
  const ChatOptions options_;
};

HandoffItem MakeHandoffItem(const Handoff& handoff);
TranscriptTurn MakeTranscriptTurn(const Turn& turn);

}  // namespace kefu::server
