// utc_time.h — UTC timestamps as the project's plugins write them.
// Header-only; compiled into each plugin that includes it. Thread-safe
// (gmtime_r).
#ifndef ANALYTICA_PLUGINS_COMMON_UTC_TIME_H
#define ANALYTICA_PLUGINS_COMMON_UTC_TIME_H

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace analytica::utc {

// t (seconds since the epoch) in UTC, formatted by strftime's format; ""
// if the result would exceed 63 bytes.
inline std::string format(std::time_t t, const char* format) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  return std::string(buf, std::strftime(buf, sizeof buf, format, &tm));
}

// unix_ms (milliseconds since the epoch, >= 0) as "YYYY-MM-DDTHH:MM:SS.mmmZ".
inline std::string iso8601_ms(int64_t unix_ms) {
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03dZ", static_cast<int>(unix_ms % 1000));
  return format(static_cast<std::time_t>(unix_ms / 1000), "%Y-%m-%dT%H:%M:%S") + ms;
}

// The current time as iso8601_ms() writes it.
inline std::string now_iso8601_ms() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return iso8601_ms(std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count());
}

}  // namespace analytica::utc

#endif  // ANALYTICA_PLUGINS_COMMON_UTC_TIME_H
