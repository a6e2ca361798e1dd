// settings.cpp — reads sink_sqlite's settings JSON against the table in settings.h.
#include "settings.h"

#include "sink_schema.h"
#include "sink_settings.h"

#include <algorithm>
#include <climits>

namespace sink_sqlite {

using analytica::sink::invalid_setting;
using nlohmann::json;

Settings parse_settings(const char* settings_json) {
  const analytica::sink::SettingsReader given(settings_json, kSettings);
  Settings out;
  const json path = given.value("path");
  if (!path.is_string() || path.get<std::string>().empty()) invalid_setting("path: expected a non-empty string");
  out.path = path.get<std::string>();

  out.busy_timeout_ms = static_cast<int>(given.integer("busy_timeout_ms", 0, INT_MAX));
  out.cache_mib = static_cast<int>(given.integer("cache_mib", 1, 4096));

  const json mode = given.value("journal_mode");
  if (!mode.is_string()) invalid_setting("journal_mode: expected a string");
  out.journal_mode = analytica::sink::lowercase(mode.get<std::string>());
  static const char* const modes[] = {"wal", "delete", "truncate", "persist", "memory", "off"};
  if (std::none_of(std::begin(modes), std::end(modes), [&](const char* m) { return out.journal_mode == m; }))
    invalid_setting("journal_mode: \"" + mode.get<std::string>() +
                    "\" is not one of wal, delete, truncate, persist, memory, off");
  return out;
}

}  // namespace sink_sqlite
