// Handlers of the admin routes (Role::kAdmin bearer token, checked in routes.cc before they run):
// parse, call the Reindexer, render.
#pragma once

#include <httplib.h>

#include "server/reindex.h"

namespace kefu::server {

// POST /api/v1/admin/reindex  body: none, or {"force": bool} (application/json)
//   202 with the job's status; 409 "conflict" while a job runs; 503 when no content directory is
//   configured; 400 malformed JSON, 415 a body that is not JSON, 422 an unknown field or a force
//   that is not a boolean.
void HandleStartReindex(Reindexer& reindexer, const httplib::Request& req, httplib::Response& res);

// GET /api/v1/admin/reindex/status: the running or latest job.
void HandleReindexStatus(const Reindexer& reindexer, const httplib::Request& req,
                         httplib::Response& res);

}  // namespace kefu::server
