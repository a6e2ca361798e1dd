// Configuration: the central file config/analytica.json, ANALYTICA_*
// environment variables and command-line flags (later ones win), and
// pipeline files naming a chain of plugins. Everything is checked before
// anything runs; errors throw UserError naming file, key path and what was
// expected.
#ifndef ANALYTICA_HOST_RUN_CONFIG_H
#define ANALYTICA_HOST_RUN_CONFIG_H

#include "run/views.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace analytica {

struct Settings {
  std::filesystem::path config_file;  // the file read; empty if none
  std::filesystem::path data_dir;
  std::filesystem::path database;     // the embedded SQLite database
  std::vector<std::filesystem::path> plugin_dirs;
  std::string log_level = "info";
  std::string log_format = "text";    // terminal format: text | json
  std::filesystem::path log_file;     // JSON lines; empty = none
  // `status` warns of an input whose fetch has failed for longer than this
  // many days ("fetch_warn_days" in analytica.json; 0 = any failure).
  int fetch_warn_days = 3;
};

// Values given on the command line; unset ones fall through.
struct Overrides {
  std::optional<std::string> config, data_dir, database, log_level, log_format, log_file;
  std::vector<std::string> plugin_dirs;
};

Settings load_settings(const Overrides& flags);

// How a plugin of a pipeline runs: in the host's process (the default) or,
// with "isolation": "process", in a child process of its own
// (run/isolated_plugin.h), where a crash, an exit(), a call longer than
// timeout_s or memory past memory_mb fails the one input with the plugin
// named and the run goes on. Only extractors and validators can be isolated.
struct Isolation {
  enum class Mode { in_process, process };
  Mode mode = Mode::in_process;
  double timeout_s = 300;    // per call into the plugin
  uint64_t memory_mb = 0;    // the child's address space (RLIMIT_AS); 0 = no limit
};

struct PluginRef {
  std::string plugin;
  nlohmann::json settings = nlohmann::json::object();
  std::string where;  // key path in the pipeline file, e.g. "sinks[0]"
  Isolation isolation;
};

struct Pipeline {
  std::filesystem::path file;
  std::string name;
  std::string description;
  std::string table_prefix;  // prepended to extractor tables before sinks
  std::vector<PluginRef> sources, extractors, validators, sinks, monitors;
  PluginRef governance;      // always present; only its settings are configurable
  // The "review" block (checked): auto_approve_threshold (number in [0, 1])
  // and validated_views ({"view": "table"}, both names without the prefix).
  // Read by host/validation.h; empty when absent.
  nlohmann::json review = nlohmann::json::object();
  std::vector<View> views;   // the "views" block (run/views.h), tables prefixed
  nlohmann::json resolved;   // the whole pipeline after ${...} expansion
  std::map<std::string, std::string> variables;  // what ${name} expands to
};

// Reads and checks a pipeline file. ${data_dir}, ${database}, ${config_dir}
// and ${pipeline_dir} inside strings are expanded.
Pipeline load_pipeline(const std::filesystem::path& file, const Settings& settings);

// Expands the pipeline's ${...} variables in the strings of `value` — the
// defaults a plugin declares (e.g. "${data_dir}/openlineage.jsonl") once
// they are filled in. Unknown variables throw UserError naming `where`.
nlohmann::json expand_variables(nlohmann::json value, const Pipeline& pipeline, const std::string& where);

// One expected key of a JSON object, for check_object().
struct KeySpec {
  const char* name;
  const char* type;  // "string" | "integer" | "number" | "boolean" | "array" | "object" | "any"
  bool required = false;
};

// Checks that `value` at `path` inside `file` is an object with only the
// given keys, each of the given type. Throws UserError otherwise.
void check_object(const nlohmann::json& value, const std::string& file, const std::string& path,
                  const std::vector<KeySpec>& keys);

// True if v has the named JSON type ("integer" accepts only integers,
// "number" accepts both).
bool has_json_type(const nlohmann::json& v, const std::string& type);

// Reads a JSON file (// comments allowed); throws UserError naming the file,
// line and column of a syntax error.
nlohmann::json read_json_file(const std::filesystem::path& file);

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_CONFIG_H
