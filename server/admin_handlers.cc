// Admin route handlers.
#include "server/admin_handlers.h"

#include <nlohmann/json.hpp>
#include <string>

#include "server/api_types.h"
#include "server/http_errors.h"

namespace kefu::server {
namespace {

void SetJson(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, kJsonContentType);
}

// The optional body of POST /api/v1/admin/reindex. Writes the error into `res` and returns false
// when it is not acceptable.
bool ParseReindexBody(const httplib::Request& req, httplib::Response& res, bool* force) {
  *force = false;
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  const std::string type = req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0) {
    SetError(res, 415, "unsupported_media_type", "the body must be application/json");
    return false;
  }
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    SetError(res, 400, StatusCodeName(StatusCode::kInvalidArgument),
             "the body must be a JSON object");
    return false;
  }
  for (const auto& [key, value] : body.items()) {
    if (key != "force") {
      SetError(res, 422, StatusCodeName(StatusCode::kInvalidArgument),
               "unknown field '" + key + "'; the only field is force");
      return false;
    }
    if (!value.is_boolean()) {
      SetError(res, 422, StatusCodeName(StatusCode::kInvalidArgument), "force must be a boolean");
      return false;
    }
    *force = value.get<bool>();
  }
  return true;
}

}  // namespace

void HandleStartReindex(Reindexer& reindexer, const httplib::Request& req,
                        httplib::Response& res) {
  bool force = false;
  if (!ParseReindexBody(req, res, &force)) return;
  Result<ReindexJob> job = reindexer.Start(force);
  if (!job.ok()) {
    // The API contract calls "one is already running" a conflict.
    if (job.status().code() == StatusCode::kAlreadyExists) {
      return SetError(res, 409, "conflict", job.status().message());
    }
    return SetError(res, job.status());
  }
  res.set_header("Location", "/api/v1/admin/reindex/status");
  SetJson(res, 202, ToJsonString(MakeReindexStatusResponse(*job)));
}

void HandleReindexStatus(const Reindexer& reindexer, const httplib::Request&,
                         httplib::Response& res) {
  SetJson(res, 200, ToJsonString(MakeReindexStatusResponse(reindexer.Current())));
}

}  // namespace kefu::server
