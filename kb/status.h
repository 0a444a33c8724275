// Status and Result<T>: how every fallible kb function reports failure (model: LevelDB's status.h).
// kb never knows HTTP; server/http_errors maps StatusCode to a response in one table.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kefu {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong (bad query, bad content)
  kNotFound,            // no such entry, conversation, hand-off
  kAlreadyExists,       // a duplicate
  kFailedPrecondition,  // the system is not in a state to do this (e.g. no index yet)
  kUnauthenticated,     // missing or wrong credentials
  kPermissionDenied,    // credentials fine, not allowed
  kResourceExhausted,   // rate limits, sizes
  kUnavailable,         // try again later (index being switched, database busy)
  kDataLoss,            // corrupt index or database
  kInternal,            // a bug or an unexpected library error
};

// snake_case name of a code, e.g. "invalid_argument"; used in API error bodies and logs.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) {
    return {StatusCode::kFailedPrecondition, std::move(msg)};
  }
  static Status Unauthenticated(std::string msg) { return {StatusCode::kUnauthenticated, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) { return {StatusCode::kPermissionDenied, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, std::move(msg)};
  }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status DataLoss(std::string msg) { return {StatusCode::kDataLoss, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_found: entry 'x' does not exist"
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status::Internal("Result constructed from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace kefu

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define KEFU_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::kefu::Status kefu_status_ = (expr);   \
    if (!kefu_status_.ok()) return kefu_status_; \
  } while (0)
