// Every endpoint of the HTTP API.
#include "server/routes.h"

#include <algorithm>
#include <utility>

#include "server/access_log.h"
#include "server/handlers.h"
#include "server/http_errors.h"

namespace kefu::server {

RouteTable RegisterRoutes(httplib::Server& http, const RouteContext& context) {
  using httplib::Request;
  using httplib::Response;
  RouteTable table;
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
  const KnowledgeBase& kb = *context.kb;
  const Metrics& metrics = *context.metrics;

  // Operations.
  ops_get("/healthz", "/healthz",
          [](const Request& req, Response& res) { HandleHealthz(req, res); });
  ops_get("/readyz", "/readyz",
          [&kb](const Request& req, Response& res) { HandleReadyz(kb, req, res); });
  ops_get("/metrics", "/metrics", [&kb, &metrics](const Request& req, Response& res) {
    HandleMetrics(kb, metrics, req, res);
  });

  // Public API (audience public; no authentication; rate limited per client).
  public_get("/api/v1/search", "/api/v1/search",
             [&kb](const Request& req, Response& res) { HandleSearch(kb, req, res); });
  public_get("/api/v1/entries/{id}", R"(/api/v1/entries/([^/]+))",
             [&kb](const Request& req, Response& res) { HandleGetEntry(kb, req, res); });

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
