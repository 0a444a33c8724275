// One function per bot route: parse the request (JSON bodies with allow_exceptions=false; invalid
// UTF-8 or JSON 400, wrong types 422), call ChatService, render. `chat` is nullptr when the server
// has no database: those routes answer 503. Agent routes get the authenticated agent's name from
// the route wrapper (RegisterRoutes), which has already answered 401/503 when there is none.
#pragma once

#include <httplib.h>

#include <string>

#include "server/auth.h"
#include "server/chat_service.h"

namespace kefu::server {

// The header with which a site's backend proves it may set customer.id and customer.tier.
inline constexpr char kIntegrationTokenHeader[] = "X-Kefu-Integration-Token";

// POST /api/v1/chat[?explain=1] {conversation_id?, message | choice, locale?, customer?: {id,
// email, tier}}. customer.id and customer.tier are used only when the request carries
// kIntegrationTokenHeader equal to `integration_token` (never when that is empty); otherwise they
// are ignored. explain=1 needs the admin token (`auth`): 401/503 otherwise.
void HandleChat(ChatService* chat, const std::string& integration_token, const AuthConfig& auth,
                const httplib::Request& req, httplib::Response& res);
// GET /api/v1/conversations/{id}: the transcript, agents' replies included.
void HandleGetConversation(ChatService* chat, const httplib::Request& req, httplib::Response& res);
// POST /api/v1/feedback {conversation_id | search_id, entry_id?, helpful?, rating? 1..5, comment?}
void HandleFeedback(ChatService* chat, const httplib::Request& req, httplib::Response& res);

// Agent routes.
// GET /api/v1/handoffs?status=open|claimed|resolved[&team=]
void HandleListHandoffs(ChatService* chat, const std::string& agent, const httplib::Request& req,
                        httplib::Response& res);
// POST /api/v1/handoffs/{id}/claim: 409 when it is not open.
void HandleClaimHandoff(ChatService* chat, const std::string& agent, const httplib::Request& req,
                        httplib::Response& res);
// POST /api/v1/handoffs/{id}/resolve {note, entry_id?}: 409 when already resolved.
void HandleResolveHandoff(ChatService* chat, const std::string& agent, const httplib::Request& req,
                          httplib::Response& res);
// POST /api/v1/handoffs/{id}/messages {text}: the agent's reply in the conversation.
void HandleHandoffMessage(ChatService* chat, const std::string& agent, const httplib::Request& req,
                          httplib::Response& res);
// GET /api/v1/agent/search?q=&locale=&limit=: internal entries and notes included.
void HandleAgentSearch(ChatService* chat, const std::string& agent, const httplib::Request& req,
                       httplib::Response& res);

// Admin: GET /api/v1/admin/suggestions.
void HandleListSuggestions(ChatService* chat, const httplib::Request& req, httplib::Response& res);
// Admin: GET /api/v1/admin/stats?from=&to= (epoch milliseconds or ISO 8601 UTC dates such as
// 2026-12-01 or 2026-12-01T08:00:00Z; default the 30 days up to now).
void HandleStats(ChatService* chat, const httplib::Request& req, httplib::Response& res);

}  // namespace kefu::server
