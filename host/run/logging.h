// Host logging: readable lines (or JSON lines) on stderr, JSON lines in the
// log file. Every entry carries the run id and the plugin it concerns.
#ifndef ANALYTICA_HOST_RUN_LOGGING_H
#define ANALYTICA_HOST_RUN_LOGGING_H

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace analytica::logging {

enum class Level { debug, info, warn, error, off };

// Parses "debug|info|warn|warning|error|off"; throws UserError otherwise.
Level parse_level(const std::string& text);

// Configures the loggers; safe to call again (replaces the previous setup).
// terminal_json chooses JSON lines on stderr; log_file may be empty (no file).
void setup(Level level, bool terminal_json, const std::string& log_file);

// Sets the run id stamped on every later entry ("" outside runs).
void set_run_id(const std::string& run_id);

// Writes one entry. plugin may be empty (the host itself). fields is a JSON
// object (or null) of extra structured data. Thread-safe.
void write(Level level, const std::string& plugin, const std::string& message,
           const nlohmann::json& fields);
void write(Level level, const std::string& plugin, const std::string& message);

}  // namespace analytica::logging

#endif  // ANALYTICA_HOST_RUN_LOGGING_H
