// settings.h — the settings sink_sqlite accepts: one declarative table (shown
// by `plugins inspect`, checked by the host) and the parser that reads a
// settings JSON object against it.
#ifndef SINK_SQLITE_SETTINGS_H
#define SINK_SQLITE_SETTINGS_H

#include "analytica.h"

#include <cstdint>
#include <string>

namespace sink_sqlite {

struct Settings {
  std::string path;          // database file; its directory is created if missing
  int busy_timeout_ms = 0;   // how long to wait for another connection's lock
  std::string journal_mode;  // lowercase, one of delete|truncate|persist|memory|wal|off
  int cache_mib = 0;         // page cache per connection
};

// The settings table of the descriptor; parse_settings() takes its defaults
// from here.
inline constexpr analytica_setting kSettings[] = {
    {"path", "string", "\"data/analytica.db\"", 0, "SQLite database file; missing directories are created"},
    {"busy_timeout_ms", "integer", "5000", 0,
     "milliseconds to wait for another connection's write lock before failing"},
    {"journal_mode", "string", "\"wal\"", 0,
     "SQLite journal mode: wal (default), delete, truncate, persist, memory or off"},
    {"cache_mib", "integer", "2", 0,
     "page cache per connection in MiB (1-4096); a transaction that dirties more pages than it holds "
     "writes some of them twice"},
};

// Reads a settings JSON object (NULL or "" means {}), filling in the table's
// defaults. Throws analytica::Failure(ANALYTICA_ERR_INVALID) naming the
// setting and the reason when the text is not an object, a setting is
// unknown, or a value has the wrong type or range.
Settings parse_settings(const char* settings_json);

}  // namespace sink_sqlite

#endif
