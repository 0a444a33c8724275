// RegisterRoutes(): every endpoint of the HTTP API, on one screen (routes.cc).
#pragma once

#include <httplib.h>

#include <regex>
#include <string>
#include <vector>

#include "kb/knowledge_base.h"

namespace kefu::server {

// What was registered: method and path pattern of each route, to answer 405 for a known path
// with the wrong method (and, later, to check docs/openapi.yaml against).
class RouteTable {
 public:
  struct Route {
    std::string method;   // "GET", "POST", ...
    std::string pattern;  // as given to httplib: a regex over the whole decoded path
  };

  void Add(std::string method, std::string pattern);
  const std::vector<Route>& routes() const { return routes_; }
  // Methods of the routes whose pattern matches `path` (GET implies HEAD), sorted; empty when none
  // does.
  std::vector<std::string> MethodsFor(const std::string& path) const;

 private:
  std::vector<Route> routes_;
  std::vector<std::regex> regexes_;  // parallel to routes_
};

// Registers every endpoint on `http`, handlers reading `kb` (which must outlive `http`).
RouteTable RegisterRoutes(httplib::Server& http, const KnowledgeBase& kb);

}  // namespace kefu::server
