// settings.h — the settings sink_sqlite accepts: one declarative table (shown
// by `plugins inspect`, checked by the host) and the parser that reads a
// settings JSON object against it.
#ifndef SINK_SQLITE_SETTINGS_H
#define SINK_SQLITE_SETTINGS_H

#include "analytica.h"
// kSettings, the settings table of the descriptor, generated from
// settings.json; parse_settings() takes its defaults from there.
#include "settings_table.h"

#include <cstdint>
#include <string>

namespace sink_sqlite {

struct Settings {
  std::string path;          // database file; its directory is created if missing
  int busy_timeout_ms = 0;   // how long to wait for another connection's lock
  std::string journal_mode;  // lowercase, one of delete|truncate|persist|memory|wal|off
  int cache_mib = 0;         // page cache per connection
};

// Reads a settings JSON object (NULL or "" means {}), filling in the table's
// defaults. Throws analytica::Failure(ANALYTICA_ERR_INVALID) naming the
// setting and the reason when the text is not an object, a setting is
// unknown, or a value has the wrong type or range.
Settings parse_settings(const char* settings_json);

}  // namespace sink_sqlite

#endif
