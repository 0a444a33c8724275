// Every endpoint of the HTTP API.
#include "server/routes.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "server/access_log.h"
#include "server/admin_handlers.h"
#include "server/handlers.h"
#include "server/handlers_chat.h"
#include "server/http_errors.h"

namespace kefu::server {

RouteTable RegisterRoutes(httplib::Server& http, const RouteContext& context) {
  using httplib::Request;
  using httplib::Response;
  RouteTable table;
  // Registers `handler` for `method` (GET, POST or DELETE) on `pattern`, named `name`.
  auto on = [&](const std::string& method, const std::string& pattern,
                httplib::Server::Handler handler, const std::string& name) {
    if (method == "POST") {
      http.Post(pattern, std::move(handler));
    } else if (method == "DELETE") {
      http.Delete(pattern, std::move(handler));
    } else {
      http.Get(pattern, std::move(handler));
    }
    table.Add(method, pattern, name);
  };
  // Operations routes: no limit, so that probes and scrapes always get through.
  auto ops_get = [&](const std::string& name, const std::string& pattern,
                     httplib::Server::Handler handler) {
    http.Get(pattern, [name, handler = std::move(handler)](const Request& req, Response& res) {
      NoteRoute(name);
      handler(req, res);
    });
    table.Add("GET", pattern, name);
  };
  // Public routes: charged to the client's token bucket first.
  auto public_get = [&](const std::string& name, const std::string& pattern,
                        httplib::Server::Handler handler) {
    http.Get(pattern, [name, limiter = context.rate_limiter, proxies = context.trusted_proxies,
                       handler = std::move(handler)](const Request& req, Response& res) {
      NoteRoute(name);
      if (limiter != nullptr && limiter->enabled()) {
        const RateLimiter::Decision decision =
            limiter->Acquire(ClientAddress(req, proxies), RateLimiter::Clock::now());
        if (!decision.allowed) return SetRateLimitedError(res, decision.retry_after_seconds);
      }
      handler(req, res);
    });
    table.Add("GET", pattern, name);
  };
  // Admin routes: the admin bearer token (Authenticate answers 401/503); not rate limited.
  auto admin_route = [&](const std::string& method, const std::string& name,
                         const std::string& pattern, httplib::Server::Handler handler) {
    httplib::Server::Handler guarded = [name, auth = context.auth, handler = std::move(handler)](
                                           const Request& req, Response& res) {
      NoteRoute(name);
      static const AuthConfig kNoTokens;
      if (!Authenticate(req, res, auth != nullptr ? *auth : kNoTokens, Role::kAdmin)) return;
      handler(req, res);
    };
    on(method, pattern, std::move(guarded), name);
  };
  // The bot's public POST routes: charged to the client's token bucket like public_get.
  auto public_post = [&](const std::string& name, const std::string& pattern,
                         httplib::Server::Handler handler) {
    http.Post(pattern, [name, limiter = context.rate_limiter, proxies = context.trusted_proxies,
                        handler = std::move(handler)](const Request& req, Response& res) {
      NoteRoute(name);
      if (limiter != nullptr && limiter->enabled()) {
        const RateLimiter::Decision decision =
            limiter->Acquire(ClientAddress(req, proxies), RateLimiter::Clock::now());
        if (!decision.allowed) return SetRateLimitedError(res, decision.retry_after_seconds);
      }
      handler(req, res);
    });
    table.Add("POST", pattern, name);
  };
  // Agent routes: an agent's (or the admin) bearer token; the handler gets the agent's name.
  using AgentHandler = std::function<void(const std::string&, const Request&, Response&)>;
  auto agent_route = [&](const std::string& method, const std::string& name,
                         const std::string& pattern, AgentHandler handler) {
    httplib::Server::Handler guarded = [name, auth = context.auth, handler = std::move(handler)](
                                           const Request& req, Response& res) {
      NoteRoute(name);
      static const AuthConfig kNoTokens;
      std::optional<std::string> agent =
          Authenticate(req, res, auth != nullptr ? *auth : kNoTokens, Role::kAgent);
      if (agent) handler(*agent, req, res);
    };
    on(method, pattern, std::move(guarded), name);
  };
  const KnowledgeBase& kb = *context.kb;
  const Metrics& metrics = *context.metrics;
  Store* store = context.store;

  // Operations.
  ops_get("/healthz", "/healthz",
          [](const Request& req, Response& res) { HandleHealthz(req, res); });
  ops_get("/readyz", "/readyz",
          [&kb](const Request& req, Response& res) { HandleReadyz(kb, req, res); });
  ops_get("/metrics", "/metrics", [&kb, &metrics, store](const Request& req, Response& res) {
    HandleMetrics(kb, metrics, store, req, res);
  });

  // Public API (audience public; no authentication; rate limited per client).
  public_get("/api/v1/search", "/api/v1/search",
             [&kb](const Request& req, Response& res) { HandleSearch(kb, req, res); });
  public_get("/api/v1/entries/{id}", R"(/api/v1/entries/([^/]+))",
             [&kb](const Request& req, Response& res) { HandleGetEntry(kb, req, res); });

  // Admin API (admin bearer token).
  Reindexer* reindexer = context.reindexer;
  admin_route("POST", "/api/v1/admin/reindex", "/api/v1/admin/reindex",
              [reindexer](const Request& req, Response& res) {
                if (reindexer == nullptr) {
                  return SetError(res, Status::Unavailable("reindexing is off in this server"));
                }
                HandleStartReindex(*reindexer, req, res);
              });
  admin_route("GET", "/api/v1/admin/reindex/status", "/api/v1/admin/reindex/status",
              [reindexer](const Request& req, Response& res) {
                if (reindexer == nullptr) {
                  return SetError(res, Status::Unavailable("reindexing is off in this server"));
                }
                HandleReindexStatus(*reindexer, req, res);
              });

  // The bot (docs/BOT.md): customers' chat and feedback, agents' hand-off queue, suggestions.
  ChatService* chat = context.chat;
  const std::string integration_token = context.integration_token;
  const AuthConfig* auth = context.auth;
  public_post("/api/v1/chat", "/api/v1/chat",
              [chat, integration_token, auth](const Request& req, Response& res) {
                static const AuthConfig kNoTokens;
                HandleChat(chat, integration_token, auth != nullptr ? *auth : kNoTokens, req, res);
              });
  public_get("/api/v1/conversations/{id}", R"(/api/v1/conversations/([^/]+))",
             [chat](const Request& req, Response& res) { HandleGetConversation(chat, req, res); });
  public_post("/api/v1/feedback", "/api/v1/feedback",
              [chat](const Request& req, Response& res) { HandleFeedback(chat, req, res); });
  agent_route("GET", "/api/v1/handoffs", "/api/v1/handoffs",
              [chat](const std::string& agent, const Request& req, Response& res) {
                HandleListHandoffs(chat, agent, req, res);
              });
  agent_route("POST", "/api/v1/handoffs/{id}/claim", R"(/api/v1/handoffs/([^/]+)/claim)",
              [chat](const std::string& agent, const Request& req, Response& res) {
                HandleClaimHandoff(chat, agent, req, res);
              });
  agent_route("POST", "/api/v1/handoffs/{id}/resolve", R"(/api/v1/handoffs/([^/]+)/resolve)",
              [chat](const std::string& agent, const Request& req, Response& res) {
                HandleResolveHandoff(chat, agent, req, res);
              });
  agent_route("POST", "/api/v1/handoffs/{id}/messages", R"(/api/v1/handoffs/([^/]+)/messages)",
              [chat](const std::string& agent, const Request& req, Response& res) {
                HandleHandoffMessage(chat, agent, req, res);
              });
  agent_route("GET", "/api/v1/agent/search", "/api/v1/agent/search",
              [chat](const std::string& agent, const Request& req, Response& res) {
                HandleAgentSearch(chat, agent, req, res);
              });
  admin_route("GET", "/api/v1/admin/suggestions", "/api/v1/admin/suggestions",
              [chat](const Request& req, Response& res) { HandleListSuggestions(chat, req, res); });
  admin_route("GET", "/api/v1/admin/stats", "/api/v1/admin/stats",
              [chat](const Request& req, Response& res) { HandleStats(chat, req, res); });

  // Privacy (docs/OPERATIONS.md): erasing a conversation or a customer's data on request.
  admin_route("DELETE", "/api/v1/admin/conversations/{id}", R"(/api/v1/admin/conversations/([^/]+))",
              [store](const Request& req, Response& res) {
                HandleDeleteConversation(store, req, res);
              });
  admin_route("DELETE", "/api/v1/admin/customers/{customer_id}",
              R"(/api/v1/admin/customers/([^/]+))", [store](const Request& req, Response& res) {
                HandleDeleteCustomer(store, req, res);
              });

  return table;
}

void RouteTable::Add(std::string method, std::string pattern, std::string name) {
  regexes_.emplace_back(pattern);
  if (name.empty()) name = pattern;
  routes_.push_back({std::move(method), std::move(pattern), std::move(name)});
}

std::vector<std::string> RouteTable::MethodsFor(const std::string& path) const {
  std::vector<std::string> methods;
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (!std::regex_match(path, regexes_[i])) continue;
    methods.push_back(routes_[i].method);
    if (routes_[i].method == "GET") methods.push_back("HEAD");
  }
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  return methods;
}

}  // namespace kefu::server
