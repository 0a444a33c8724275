// The per-thread access record and its JSON line.
#include "server/access_log.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "server/http_errors.h"

namespace kefu::server {
namespace {

// The record being gathered: the route and outcome fields filled as the request goes.
struct Pending {
  bool active = false;
  std::chrono::steady_clock::time_point start;
  AccessRecord record;
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

void NoteRoute(std::string_view route) { t_pending.record.route = route; }

void NoteSearchOutcome(double confidence, std::string_view top_entry_id) {
  t_pending.record.confidence = confidence;
  t_pending.record.top_entry_id = top_entry_id;
}

void NoteChatOutcome(std::string_view decision, std::string_view reason, double confidence,
                     std::string_view entry_id) {
  AccessRecord& r = t_pending.record;
  r.decision = decision;
  r.reason = reason;
  r.confidence = confidence;
  r.entry_id = entry_id;
}

AccessRecord EndRequest(const httplib::Request& req, const httplib::Response& res,
                        std::chrono::steady_clock::time_point now) {
  AccessRecord record;
  if (t_pending.active) {
    record = std::move(t_pending.record);
    record.latency_ms = std::chrono::duration<double, std::milli>(now - t_pending.start).count();
  }
  record.request_id = RequestIdOf(res);
  record.method = MethodLabel(req.method);
  record.status = res.status;
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
  if (!record.decision.empty()) {
    line["decision"] = record.decision;
    line["reason"] = record.reason;
    line["confidence"] = record.confidence.value_or(0);
    line["entry_id"] = record.entry_id;
  } else if (record.confidence) {
    line["confidence"] = *record.confidence;
    line["top_entry_id"] = record.top_entry_id;
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace kefu::server
