// BusinessHours: when agents are at work, as the setting `business_hours` says ("always", or days,
// hours and a UTC offset such as "Mon-Fri 09:00-18:00 +08:00"), and how long until they are next
// in. Hand-off messages use it to promise an honest wait. A fixed UTC offset rather than a time
// zone name: g++ 12's library has no chrono time zones.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kb/status.h"

namespace kefu::server {

struct BusinessHours {
  // Agents answer around the clock; the other fields are unused. Default: true.
  bool always_open = true;
  // Working days, bit 0 = Monday ... bit 6 = Sunday. Default: every day.
  uint8_t days = 0x7f;
  // Local opening and closing time in minutes after midnight; open <= t < close. Defaults: 0, 1440.
  int open_minute = 0;
  int close_minute = 24 * 60;
  // Local time = UTC + this. Default: 0.
  int utc_offset_minutes = 0;
};

// "always" | "DAYS HH:MM-HH:MM [+HH:MM]" where DAYS is "daily", a range "Mon-Fri" or a list
// "Mon,Wed,Sat" (English three-letter names, any case). kInvalidArgument says what is wrong.
Result<BusinessHours> ParseBusinessHours(std::string_view text);

// Whether agents are at work at `now_ms` (milliseconds since the epoch).
bool IsOpen(const BusinessHours& hours, int64_t now_ms);

// The next moment (milliseconds since the epoch) agents are at work: `now_ms` when open now.
int64_t NextOpeningMs(const BusinessHours& hours, int64_t now_ms);

// The local weekday (0 = Monday) and "HH:MM" of `ms` in the hours' UTC offset, for messages.
int LocalWeekday(const BusinessHours& hours, int64_t ms);
std::string LocalTimeOfDay(const BusinessHours& hours, int64_t ms);

}  // namespace kefu::server
