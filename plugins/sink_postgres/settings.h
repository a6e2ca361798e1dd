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

// The settings table of the descriptor. Connection settings default to
// null: unset, so the environment and libpq's defaults apply.
inline constexpr analytica_setting kSettings[] = {
    {"conninfo", "string", "null", 0,
     "libpq connection string (\"host=... dbname=...\" or a postgresql:// URI); the settings below override "
     "its keywords"},
    {"host", "string", "null", 0, "server host name, address or socket directory (env ANALYTICA_PG_HOST, then PGHOST)"},
    {"port", "integer", "null", 0, "server port (env ANALYTICA_PG_PORT, then PGPORT; libpq default 5432)"},
    {"dbname", "string", "null", 0, "database name (env ANALYTICA_PG_DBNAME, then PGDATABASE)"},
    {"user", "string", "null", 0, "role to connect as (env ANALYTICA_PG_USER, then PGUSER)"},
    {"password", "string", "null", 0,
     "password (env ANALYTICA_PG_PASSWORD, then PGPASSWORD or ~/.pgpass); never logged or shown in messages"},
    {"sslmode", "string", "null", 0,
     "disable, allow, prefer, require, verify-ca or verify-full (env ANALYTICA_PG_SSLMODE, then PGSSLMODE)"},
    {"lock_timeout_ms", "integer", "30000", 0,
     "milliseconds to wait for a lock another host holds (a report it is ingesting, a row, a table) before "
     "failing the source; 0 waits forever"},
    {"connect_timeout_s", "integer", "10", 0, "seconds to wait for the connection (0 waits forever)"},
};

// Looks up an environment variable; returns nullopt if unset.
using EnvFn = std::function<std::optional<std::string>(const char*)>;
std::optional<std::string> process_env(const char* name);

// Reads a settings JSON object (NULL or "" means {}) and the environment
// into connection keywords. Throws analytica::Failure(ANALYTICA_ERR_INVALID)
// naming the setting (or variable) and the reason — never echoing a
// connection string, which may hold a password.
Settings parse_settings(const char* settings_json, const EnvFn& env = process_env);

// Replaces every occurrence of secret in text by "***" (nothing if secret
// is empty).
std::string scrub(std::string text, const std::string& secret);

}  // namespace sink_postgres

#endif
