// Every endpoint of the HTTP API.
#include "server/routes.h"

#include <algorithm>
#include <utility>

#include "server/handlers.h"

namespace kefu::server {

RouteTable RegisterRoutes(httplib::Server& http, const KnowledgeBase& kb) {
  using httplib::Request;
  using httplib::Response;
  RouteTable table;
  auto get = [&](const std::string& pattern, httplib::Server::Handler handler) {
    http.Get(pattern, std::move(handler));
    table.Add("GET", pattern);
  };

  // Operations.
  get("/healthz", [](const Request& req, Response& res) { HandleHealthz(req, res); });
  get("/readyz", [&kb](const Request& req, Response& res) { HandleReadyz(kb, req, res); });

  // Public API (audience public; no authentication).
  get("/api/v1/search", [&kb](const Request& req, Response& res) { HandleSearch(kb, req, res); });
  get(R"(/api/v1/entries/([^/]+))",
      [&kb](const Request& req, Response& res) { HandleGetEntry(kb, req, res); });

  return table;
}

void RouteTable::Add(std::string method, std::string pattern) {
  regexes_.emplace_back(pattern);
  routes_.push_back({std::move(method), std::move(pattern)});
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
