// Levelled logger: one line per event on stderr, `ts level component msg key=value`.
// The level is checked before anything is formatted; customer text goes only to kDebug.
#pragma once

#include <functional>
#include <sstream>
#include <string>
#include <string_view>

namespace kefu {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

std::string_view LogLevelName(LogLevel level);
bool ParseLogLevel(std::string_view name, LogLevel* level);  // "debug", "info", "warn", "error"

void SetLogLevel(LogLevel level);  // default kInfo
bool LogEnabled(LogLevel level);

// Where finished lines go; the default writes to stderr. Tests install their own.
using LogSink = std::function<void(LogLevel, std::string_view line)>;
void SetLogSink(LogSink sink);  // nullptr restores stderr

// Emits `line` exactly as given (no timestamp, level or component), when `level` is enabled: for
// machine-read lines such as the JSON access log.
void LogRaw(LogLevel level, std::string_view line);

// Collects one line and emits it on destruction.
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view component);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  template <typename T>
  LogLine& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

}  // namespace kefu

// KEFU_LOG(kInfo, "indexer") << "built " << n << " entries";
#define KEFU_LOG(level, component)                          \
  if (!::kefu::LogEnabled(::kefu::LogLevel::level)) {       \
  } else                                                    \
    ::kefu::LogLine(::kefu::LogLevel::level, component)
