// The StatusCode -> HTTP table and the error body.
#include "server/http_errors.h"

#include <string>

#include "kb/log.h"
#include "server/api_types.h"

namespace kefu::server {
namespace {

struct HttpMapping {
  StatusCode code;
  int http_status;
};

// The one table. kb never knows HTTP; this is where its codes become statuses.
constexpr HttpMapping kHttpStatusTable[] = {
    {StatusCode::kOk, 200},
    {StatusCode::kInvalidArgument, 400},
    {StatusCode::kNotFound, 404},
    {StatusCode::kAlreadyExists, 409},
    // kb uses it for "not in a state to serve this yet" (e.g. no index): the client may retry
    // later.
    {StatusCode::kFailedPrecondition, 503},
    {StatusCode::kUnauthenticated, 401},
    {StatusCode::kPermissionDenied, 403},
    {StatusCode::kResourceExhausted, 429},
    {StatusCode::kUnavailable, 503},
    {StatusCode::kDataLoss, 500},
    {StatusCode::kInternal, 500},
};

constexpr char kInternalMessage[] = "internal error; quote the request id when reporting it";

}  // namespace

int HttpStatusFor(StatusCode code) {
  for (const HttpMapping& m : kHttpStatusTable) {
    if (m.code == code) return m.http_status;
  }
  return 500;
}

std::string RequestIdOf(const httplib::Response& res) {
  return res.get_header_value(kRequestIdHeader);
}

void SetError(httplib::Response& res, const Status& status) {
  const int http_status = HttpStatusFor(status.code());
  if (http_status >= 500 && status.code() != StatusCode::kUnavailable &&
      status.code() != StatusCode::kFailedPrecondition) {
    KEFU_LOG(kError, "http") << "request failed request_id=" << RequestIdOf(res)
                             << " status=" << status.ToString();
    SetInternalError(res, http_status);
    return;
  }
  SetError(res, http_status, StatusCodeName(status.code()), status.message());
}

void SetError(httplib::Response& res, int http_status, std::string_view code,
              std::string_view message) {
  ErrorResponse body{
      .code = std::string(code), .message = std::string(message), .request_id = RequestIdOf(res)};
  res.status = http_status;
  res.set_content(ToJsonString(body), kJsonContentType);
}

void SetRateLimitedError(httplib::Response& res, int retry_after_seconds) {
  res.set_header("Retry-After", std::to_string(retry_after_seconds));
  SetError(res, HttpStatusFor(StatusCode::kResourceExhausted), kRateLimitedCode,
           "too many requests; retry after " + std::to_string(retry_after_seconds) + " s");
}

void SetInternalError(httplib::Response& res, int http_status) {
  SetError(res, http_status, StatusCodeName(StatusCode::kInternal), kInternalMessage);
}

}  // namespace kefu::server
