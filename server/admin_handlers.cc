// Admin route handlers.
#include "server/admin_handlers.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "kb/log.h"
#include "server/api_types.h"
#include "server/http_errors.h"
#include "server/request_checks.h"

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

constexpr size_t kMaxIdBytes = 256;  // as the chat routes accept for ids

// The {id} of the route as UTF-8 of at most kMaxIdBytes; nullopt (and 400 written) otherwise.
std::optional<std::string> PathId(const httplib::Request& req, httplib::Response& res) {
  std::string id = req.matches.size() > 1 ? req.matches[1].str() : std::string();
  if (!IsValidUtf8(id) || id.size() > kMaxIdBytes) {
    SetError(res, Status::InvalidArgument("the id must be UTF-8 of at most " +
                                          std::to_string(kMaxIdBytes) + " bytes"));
    return std::nullopt;
  }
  return id;
}

// Answers a deletion: the counts, or the store's error. Logs the counts, never the ids: they may
// name a customer.
void SetDeleted(httplib::Response& res, std::string_view what, const Result<DeletedCounts>& deleted) {
  if (!deleted.ok()) return SetError(res, deleted.status());
  KEFU_LOG(kInfo, "privacy") << "deleted " << what << " conversations=" << deleted->conversations
                             << " turns=" << deleted->turns << " handoffs=" << deleted->handoffs
                             << " feedback=" << deleted->feedback
                             << " suggestions=" << deleted->suggestions;
  SetJson(res, 200, ToJsonString(MakeDeletionResponse(*deleted)));
}

bool NoStore(const Store* store, httplib::Response& res) {
  if (store != nullptr) return false;
  SetError(res, Status::Unavailable("conversations are off: this server has no database (--db)"));
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

void HandleDeleteConversation(Store* store, const httplib::Request& req, httplib::Response& res) {
  if (NoStore(store, res)) return;
  std::optional<std::string> id = PathId(req, res);
  if (!id) return;
  SetDeleted(res, "conversation", store->DeleteConversation(*id));
}

void HandleDeleteCustomer(Store* store, const httplib::Request& req, httplib::Response& res) {
  if (NoStore(store, res)) return;
  std::optional<std::string> id = PathId(req, res);
  if (!id) return;
  SetDeleted(res, "customer", store->DeleteCustomer(*id));
}

}  // namespace kefu::server
