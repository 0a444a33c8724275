// One function per route: parse the request, call kb, render the response. No business logic here:
// what is found, shown or hidden is decided by kb (audience) and by the wire structs in
// api_types.h.
#pragma once

#include <httplib.h>

#include "kb/knowledge_base.h"
#include "kb/store/store.h"
#include "server/metrics.h"

namespace kefu::server {

// Limits on the search route's `limit` parameter (kb enforces the same range).
inline constexpr int kDefaultSearchLimit = 10;
inline constexpr int kMaxSearchLimit = 50;

// GET /api/v1/search?q=&locale=&limit=  (public audience)
//   q: required, non-empty, UTF-8. locale: optional, anything ParseLocale accepts; detected when
//   absent. limit: optional integer 1..50, default 10. An empty locale= or limit= counts as absent.
void HandleSearch(const KnowledgeBase& kb, const httplib::Request& req, httplib::Response& res);

// GET /api/v1/entries/{id}?locale=  (public audience: internal entries and drafts are 404)
void HandleGetEntry(const KnowledgeBase& kb, const httplib::Request& req, httplib::Response& res);

// GET /healthz: the process is alive.
void HandleHealthz(const httplib::Request& req, httplib::Response& res);

// GET /readyz: an index is open; reports its generation and entry count.
void HandleReadyz(const KnowledgeBase& kb, const httplib::Request& req, httplib::Response& res);

// GET /metrics: `metrics`, the served index's gauges and, when there is a `store` (may be null),
// the open hand-offs, in the Prometheus text format.
void HandleMetrics(const KnowledgeBase& kb, const Metrics& metrics, Store* store,
                   const httplib::Request& req, httplib::Response& res);

}  // namespace kefu::server
