// Handlers of the admin routes (Role::kAdmin bearer token, checked in routes.cc before they run):
// parse, call the Reindexer or the Store, render.
#pragma once

#include <httplib.h>

#include "kb/store/store.h"
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

// DELETE /api/v1/admin/conversations/{id}: the conversation with its turns, hand-offs, feedback
//   and the suggestions made from its hand-offs, in one transaction. 200 {"deleted": counts}; 404
//   for an unknown id; 503 when `store` is nullptr (no database).
void HandleDeleteConversation(Store* store, const httplib::Request& req, httplib::Response& res);

// DELETE /api/v1/admin/customers/{customer_id}: the same for every conversation of the customer
//   (customer.id set by the site's backend). 200 with zero counts when there is none; 503 as above.
void HandleDeleteCustomer(Store* store, const httplib::Request& req, httplib::Response& res);

}  // namespace kefu::server
