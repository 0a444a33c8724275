// Status -> HTTP status and the JSON error body, in one table. Every error the server sends goes
// through here: {"error": {"code": "<snake_case>", "message": "..."}, "request_id": "..."}.
#pragma once

#include <httplib.h>

#include <string_view>

#include "kb/status.h"

namespace kefu::server {

// The response header carrying the request id; it is also in every error body.
inline constexpr char kRequestIdHeader[] = "X-Request-Id";
inline constexpr char kJsonContentType[] = "application/json; charset=utf-8";

// The HTTP status for a kb status code (kOk -> 200).
int HttpStatusFor(StatusCode code);

// The request id already set on `res` (by the server's pre-routing step), or "".
std::string RequestIdOf(const httplib::Response& res);

// Makes `res` the error response for `status` (not OK). Server-side failures (5xx from kInternal,
// kDataLoss) get a generic message; their detail belongs in the log, never on the wire.
void SetError(httplib::Response& res, const Status& status);

// Makes `res` an error response with an explicit HTTP status and code, for errors that have no kb
// status (unknown route, wrong method, payload too large).
void SetError(httplib::Response& res, int http_status, std::string_view code,
              std::string_view message);

// The error code of a request refused by the per-client rate limiter. kb names kResourceExhausted
// "resource_exhausted" (sizes, quotas); clients and the API contract call this case "rate_limited".
inline constexpr char kRateLimitedCode[] = "rate_limited";

// Makes `res` the 429 answer of the rate limiter: code kRateLimitedCode and a Retry-After header of
// `retry_after_seconds`.
void SetRateLimitedError(httplib::Response& res, int retry_after_seconds);

// Makes `res` a 500 "internal" error with the generic message (the detail goes to the log, not the
// client).
void SetInternalError(httplib::Response& res, int http_status = 500);

}  // namespace kefu::server
