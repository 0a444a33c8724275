// The access log: one JSON line per request (request id, method, route pattern, status, latency,
// for searches the confidence and top entry id, for chat messages the bot's decision, reason,
// confidence and entry id). Never the path, query string, headers or body: they carry customer
// text, which belongs only at debug level.
//
// The fields are gathered on the worker thread that serves the request: cpp-httplib runs the
// pre-routing handler, the route handler and the logger for one request on one thread, one request
// at a time, so a thread-local record needs no locking and no change to handler signatures.
#pragma once

#include <httplib.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kefu::server {

// Route label of requests no route handler took (unknown path, wrong method, malformed request).
inline constexpr char kUnmatchedRoute[] = "unmatched";
// Route label of CORS preflight (OPTIONS) requests.
inline constexpr char kPreflightRoute[] = "preflight";

struct AccessRecord {
  std::string request_id;
  std::string method;  // GET, HEAD, POST, ... or OTHER
  std::string route;   // the route pattern, kUnmatchedRoute or kPreflightRoute
  int status = 0;
  double latency_ms = 0;  // from routing to the response written; 0 when routing never started
  std::optional<double> confidence;  // search and chat only
  std::string top_entry_id;          // search only; "" when nothing was found
  std::string decision;  // chat only: the reply's type (answer, clarify, handoff); "" otherwise
  std::string reason;    // chat only: why (confident, ambiguous, asked_for_human, ...)
  std::string entry_id;  // chat only: the entry answered with; "" when none
};

// Starts this thread's record for a new request (pre-routing).
void BeginRequest(std::chrono::steady_clock::time_point now);
// The route pattern that took the request (the route wrapper in RegisterRoutes).
void NoteRoute(std::string_view route);
// What a search answered (HandleSearch).
void NoteSearchOutcome(double confidence, std::string_view top_entry_id);
// What the bot replied to a chat message (HandleChat): its type, reason, confidence and entry.
void NoteChatOutcome(std::string_view decision, std::string_view reason, double confidence,
                     std::string_view entry_id);
// Completes and clears this thread's record (the library's logger, after the response is written).
AccessRecord EndRequest(const httplib::Request& req, const httplib::Response& res,
                        std::chrono::steady_clock::time_point now);

// The record as one line of JSON.
std::string FormatAccessRecord(const AccessRecord& record);

}  // namespace kefu::server
