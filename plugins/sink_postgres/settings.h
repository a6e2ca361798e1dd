// settings.h — the settings sink_postgres accepts (one declarative table,
// shown by `plugins inspect` and checked by the host) and how they combine
// with the environment into libpq connection keywords.
//
// Precedence, lowest first: libpq's own defaults and PG* environment
// variables (applied by libpq itself), ANALYTICA_PG_CONNINFO, the other
// ANALYTICA_PG_* variables, the `conninfo` setting, the other settings.
// A later layer overrides the keywords an earlier one set; the rest stay.
#ifndef SINK_POSTGRES_SETTINGS_H
#define SINK_POSTGRES_SETTINGS_H

#include "analytica.h"
// kSettings, the settings table of the descriptor, generated from
// settings.json. Connection settings default to null: unset, so the
// environment and libpq's defaults apply.
#include "settings_table.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sink_postgres {

struct Settings {
  // libpq keyword/value pairs for PQconnectdbParams, in order; includes
  // client_encoding=UTF8 and a fallback application name.
  std::vector<std::pair<std::string, std::string>> keywords;
  // The password among them ("" if none): removed from every message.
  std::string password;
  int lock_timeout_ms = 30000;
  int connect_timeout_s = 10;

  // The value given for a keyword, or "" if unset.
  std::string get(const std::string& keyword) const;
  // "postgres://user@host:port/dbname" from the keywords given (never the
  // password); unset parts read "(default)".
  std::string describe() const;
};

// Looks up an environment variable; returns nullopt if unset.
using EnvFn = std::function<std::optional<std::string>(const char*)>;
std::optional<std::string> process_env(const char* name);

// Reads a settings JSON object (NULL or "" means {}) and the environment
// (env) into connection keywords. Throws
// analytica::Failure(ANALYTICA_ERR_INVALID) naming the setting (or
// variable) and the reason — never echoing a connection string, which may
// hold a password.
Settings parse_settings_with(const char* settings_json, const EnvFn& env);

// parse_settings_with() over the process's environment (the sink's
// factory).
Settings parse_settings(const char* settings_json);

// Replaces every occurrence of secret in text by "***" (nothing if secret
// is empty).
std::string scrub(std::string text, const std::string& secret);

}  // namespace sink_postgres

#endif
