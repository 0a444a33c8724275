// The per-thread access record and its JSON line.
#include "server/access_log.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "server/http_errors.h"

namespace kefu::server {
namespace {

struct Pending {
  bool active = false;
  std::chrono::steady_clock::time_point start;
  std::string route;
  std::optional<double> confidence;
  std::string top_entry_id;
};

thread_local Pending t_pending;

// The method as a fixed word: an unknown one is client text and stays out of the log.
std::string MethodLabel(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return method;
  }
  return "OTHER";
}

}  // namespace

void BeginRequest(std::chrono::steady_clock::time_point now) {
  t_pending = Pending{};
  t_pending.active = true;
  t_pending.start = now;
}

void NoteRoute(std::string_view route) { t_pending.route = route; }

void NoteSearchOutcome(double confidence, std::string_view top_entry_id) {
  t_pending.confidence = confidence;
  t_pending.top_entry_id = top_entry_id;
}

AccessRecord EndRequest(const httplib::Request& req, const httplib::Response& res,
                        std::chrono::steady_clock::time_point now) {
  AccessRecord record;
  record.request_id = RequestIdOf(res);
  record.method = MethodLabel(req.method);
  record.status = res.status;
  if (t_pending.active) {
    record.latency_ms = std::chrono::duration<double, std::milli>(now - t_pending.start).count();
    record.route = t_pending.route;
    record.confidence = t_pending.confidence;
    record.top_entry_id = std::move(t_pending.top_entry_id);
  }
  if (record.route.empty()) record.route = kUnmatchedRoute;
  t_pending = Pending{};
  return record;
}

std::string FormatAccessRecord(const AccessRecord& record) {
  nlohmann::ordered_json line = {
      {"request_id", record.request_id},
      {"method", record.method},
      {"route", record.route},
      {"status", record.status},
      {"latency_ms", std::round(record.latency_ms * 1000) / 1000},
  };
  if (record.confidence) {
    line["confidence"] = *record.confidence;
    line["top_entry_id"] = record.top_entry_id;
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kefu::server
