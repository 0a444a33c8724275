// Business hours: parsing the setting and stepping through local days to the next opening.
#include "server/business_hours.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <vector>

namespace kefu::server {
namespace {

constexpr int64_t kMinuteMs = 60 * 1000;
constexpr int64_t kDayMs = 24 * 60 * kMinuteMs;
constexpr std::array<std::string_view, 7> kDayNames = {"mon", "tue", "wed", "thu",
                                                       "fri", "sat", "sun"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int DayIndex(std::string_view name) {
  for (size_t i = 0; i < kDayNames.size(); ++i) {
    if (name == kDayNames[i]) return static_cast<int>(i);
  }
  return -1;
}

// "HH:MM" -> minutes; "24:00" allowed as a closing time. -1 when malformed.
int ParseClock(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  for (size_t i : {0, 1, 3, 4}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return -1;
  return h * 60 + m;
}

// Days since the epoch and minute of the day, in local time.
int64_t LocalMs(const BusinessHours& hours, int64_t ms) {
  return ms + hours.utc_offset_minutes * kMinuteMs;
}
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Result<BusinessHours> ParseBusinessHours(std::string_view text) {
  const std::string lower = Lower(text);
  std::vector<std::string> parts;
  for (size_t i = 0; i < lower.size();) {
    while (i < lower.size() && lower[i] == ' ') ++i;
    size_t j = i;
    while (j < lower.size() && lower[j] != ' ') ++j;
    if (j > i) parts.push_back(lower.substr(i, j - i));
    i = j;
  }
  BusinessHours hours;
  if (parts.size() == 1 && parts[0] == "always") return hours;
  const std::string usage = "business_hours must be 'always' or like 'Mon-Fri 09:00-18:00 +08:00'";
  if (parts.size() < 2 || parts.size() > 3) return Status::InvalidArgument(usage);
  hours.always_open = false;

  const std::string& days = parts[0];
  hours.days = 0;
  if (days == "daily") {
    hours.days = 0x7f;
  } else if (days.size() == 7 && days[3] == '-') {
    const int from = DayIndex(std::string_view(days).substr(0, 3));
    const int to = DayIndex(std::string_view(days).substr(4, 3));
    if (from < 0 || to < 0) return Status::InvalidArgument(usage + ": unknown day in '" + days + "'");
    for (int d = from;; d = (d + 1) % 7) {
      hours.days |= static_cast<uint8_t>(1u << d);
      if (d == to) break;
    }
  } else {
    for (size_t i = 0; i <= days.size(); i += 4) {
      const int d = DayIndex(std::string_view(days).substr(i, 3));
      if (d < 0 || (i + 3 < days.size() && days[i + 3] != ',')) {
        return Status::InvalidArgument(usage + ": unknown days '" + days + "'");
      }
      hours.days |= static_cast<uint8_t>(1u << d);
    }
  }

  const std::string& range = parts[1];
  const size_t dash = range.find('-');
  const int open = dash == std::string::npos ? -1 : ParseClock(std::string_view(range).substr(0, dash));
  const int close = dash == std::string::npos ? -1 : ParseClock(std::string_view(range).substr(dash + 1));
  if (open < 0 || close < 0 || open >= close) {
    return Status::InvalidArgument(usage + ": '" + range + "' is not an opening HH:MM-HH:MM");
  }
  hours.open_minute = open;
  hours.close_minute = close;

  if (parts.size() == 3) {
    const std::string& offset = parts[2];
    const int clock = offset.size() == 6 ? ParseClock(std::string_view(offset).substr(1)) : -1;
    if ((offset[0] != '+' && offset[0] != '-') || clock < 0 || clock > 14 * 60) {
      return Status::InvalidArgument(usage + ": '" + offset + "' is not a UTC offset like +08:00");
    }
    hours.utc_offset_minutes = offset[0] == '-' ? -clock : clock;
  }
  return hours;
}

bool IsOpen(const BusinessHours& hours, int64_t now_ms) {
  if (hours.always_open) return true;
  const int64_t local = LocalMs(hours, now_ms);
  const int64_t day = FloorDiv(local, kDayMs);
  const int minute = static_cast<int>((local - day * kDayMs) / kMinuteMs);
  const int weekday = static_cast<int>(((day % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
  return (hours.days >> weekday & 1) != 0 && minute >= hours.open_minute &&
         minute < hours.close_minute;
}

int64_t NextOpeningMs(const BusinessHours& hours, int64_t now_ms) {
  if (IsOpen(hours, now_ms) || hours.days == 0) return now_ms;
  const int64_t local = LocalMs(hours, now_ms);
  const int64_t today = FloorDiv(local, kDayMs);
  for (int64_t day = today; day <= today + 7; ++day) {
    const int weekday = static_cast<int>(((day % 7) + 7 + 3) % 7);
    if ((hours.days >> weekday & 1) == 0) continue;
    const int64_t opening_local = day * kDayMs + hours.open_minute * kMinuteMs;
    if (opening_local > local) return opening_local - hours.utc_offset_minutes * kMinuteMs;
  }
  return now_ms;  // unreachable with at least one working day
}

int LocalWeekday(const BusinessHours& hours, int64_t ms) {
  const int64_t day = FloorDiv(LocalMs(hours, ms), kDayMs);
  return static_cast<int>(((day % 7) + 7 + 3) % 7);
}

std::string LocalTimeOfDay(const BusinessHours& hours, int64_t ms) {
  const int64_t local = LocalMs(hours, ms);
  const int minute = static_cast<int>((local - FloorDiv(local, kDayMs) * kDayMs) / kMinuteMs);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

}  // namespace kefu::server
