// RegisterRoutes(): every endpoint of the HTTP API, on one screen (routes.cc).
#pragma once

#include <httplib.h>

#include <regex>
#include <string>
#include <vector>

#include "kb/knowledge_base.h"
#include "kb/store/store.h"
#include "server/auth.h"
#include "server/chat_service.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/reindex.h"

namespace kefu::server {

// What was registered: method, path pattern and name of each route, to answer 405 for a known path
// with the wrong method (and, later, to check docs/openapi.yaml against).
class RouteTable {
 public:
  struct Route {
    std::string method;   // "GET", "POST", ...
    std::string pattern;  // as given to httplib: a regex over the whole decoded path
    std::string name;     // the path template, e.g. "/api/v1/entries/{id}": logs and metrics
  };

  // `name` defaults to `pattern`.
  void Add(std::string method, std::string pattern, std::string name = "");
  const std::vector<Route>& routes() const { return routes_; }
  // Methods of the routes whose pattern matches `path` (GET implies HEAD), sorted; empty when none
  // does.
  std::vector<std::string> MethodsFor(const std::string& path) const;

 private:
  std::vector<Route> routes_;
  std::vector<std::regex> regexes_;  // parallel to routes_
};

// What the handlers need; everything must outlive the httplib::Server.
struct RouteContext {
  const KnowledgeBase* kb = nullptr;
  const Metrics* metrics = nullptr;
  // Charged by every public route; nullptr or disabled: no limit.
  RateLimiter* rate_limiter = nullptr;
  // Whose X-Forwarded-For names the client (see ClientAddress()).
  std::vector<std::string> trusted_proxies;
  // Tokens of agent and admin routes; nullptr: those routes answer 503.
  const AuthConfig* auth = nullptr;
  // Runs POST /api/v1/admin/reindex; nullptr: that route answers 503.
  Reindexer* reindexer = nullptr;
  // The bot's conversations and hand-offs; nullptr (no database): those routes answer 503.
  ChatService* chat = nullptr;
  // The bot's database, for the admin routes that erase customer data; nullptr: they answer 503.
  Store* store = nullptr;
  // X-Kefu-Integration-Token value that lets chat requests set customer.id/tier; "" never.
  std::string integration_token;
};

// Registers every endpoint on `http`.
RouteTable RegisterRoutes(httplib::Server& http, const RouteContext& context);

}  // namespace kefu::server
