#include "run/config.h"

#include "run/util.h"

#include <cstdlib>
#include <map>
#include <sstream>

namespace analytica {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::string join_names(const std::vector<KeySpec>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

// Replaces ${name} by vars[name]; unknown names are an error.
std::string expand(const std::string& text, const std::map<std::string, std::string>& vars,
                   const std::string& file, const std::string& path) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("${", i);
    if (open == std::string::npos) { out += text.substr(i); break; }
    const size_t close = text.find('}', open);
    if (close == std::string::npos)
      throw UserError(file + ": " + path + ": unterminated ${ in \"" + text + "\"");
    out += text.substr(i, open - i);
    const std::string name = text.substr(open + 2, close - open - 2);
    auto it = vars.find(name);
    if (it == vars.end()) {
      std::string known;
      for (const auto& [k, v] : vars) known += (known.empty() ? "" : ", ") + k;
      throw UserError(file + ": " + path + ": unknown variable ${" + name + "} (expected one of " +
                      known + ")");
    }
    out += it->second;
    i = close + 1;
  }
  return out;
}

// Expands every string inside v. Also bounds the nesting: v may come
// straight from the parser (which nests without recursing), but this walk —
// and the copies and dumps of the value later on, which nlohmann does
// recursively — would overflow the stack on a value nested 50,000 deep.
// Deeper than kMaxDepth arrays and objects is a one-line UserError naming
// the file and the key path where the limit was crossed.
void expand_all(json& v, const std::map<std::string, std::string>& vars, const std::string& file,
                const std::string& path, size_t depth = 0) {
  constexpr size_t kMaxDepth = 100;
  if ((v.is_object() || v.is_array()) && depth >= kMaxDepth)
    throw UserError(file + ": " + (path.empty() ? "(top level)" : path) + ": nested deeper than " +
                    std::to_string(kMaxDepth) + " levels of arrays and objects");
  if (v.is_string()) {
    v = expand(v.get<std::string>(), vars, file, path);
  } else if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      expand_all(*it, vars, file, path.empty() ? it.key() : path + "." + it.key(), depth + 1);
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i)
      expand_all(v[i], vars, file, path + "[" + std::to_string(i) + "]", depth + 1);
  }
}

// The "isolation", "timeout_s" and "memory_mb" keys of a plugin reference
// at `path` (already type-checked).
Isolation parse_isolation(const json& ref, const std::string& file, const std::string& path, bool can_isolate) {
  Isolation out;
  const std::string mode = ref.value("isolation", "none");
  if (mode == "process") {
    if (!can_isolate)
      throw UserError(file + ": " + path + ".isolation: plugin " + ref["plugin"].get<std::string>() +
                      " cannot run isolated: only extractors and validators can (\"isolation\": \"process\")");
    out.mode = Isolation::Mode::process;
  } else if (mode != "none") {
    throw UserError(file + ": " + path + ".isolation: expected \"none\" or \"process\", got \"" + mode + "\"");
  }
  for (const char* key : {"timeout_s", "memory_mb"})
    if (ref.contains(key) && out.mode != Isolation::Mode::process)
      throw UserError(file + ": " + path + "." + key + ": applies only with \"isolation\": \"process\"");
  if (ref.contains("timeout_s")) {
    out.timeout_s = ref["timeout_s"].get<double>();
    if (!(out.timeout_s > 0 && out.timeout_s <= 86400))
      throw UserError(file + ": " + path + ".timeout_s: expected seconds from 0 to 86400, got " +
                      ref["timeout_s"].dump());
  }
  if (ref.contains("memory_mb")) {
    const json& mb = ref["memory_mb"];
    if (mb.is_number_unsigned() ? mb.get<uint64_t>() < 16 || mb.get<uint64_t>() > (uint64_t{1} << 30)
                                : mb.get<int64_t>() < 16)
      throw UserError(file + ": " + path + ".memory_mb: expected 16 to 1073741824 (megabytes), got " + mb.dump());
    out.memory_mb = mb.get<uint64_t>();
  }
  return out;
}

fs::path default_config_file() {
  if (fs::exists("config/analytica.json")) return "config/analytica.json";
  const fs::path installed = exe_dir() / "../share/analytica/analytica.json";
  if (fs::exists(installed)) return installed;
  return {};
}

}  // namespace

bool has_json_type(const json& v, const std::string& type) {
  if (type == "any") return true;
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  return false;
}

void check_object(const json& value, const std::string& file, const std::string& path,
                  const std::vector<KeySpec>& keys) {
  const std::string where = file + ": " + (path.empty() ? "(top level)" : path);
  if (!value.is_object()) throw UserError(where + ": expected an object, got " + value.type_name());
  for (auto it = value.begin(); it != value.end(); ++it) {
    const KeySpec* spec = nullptr;
    for (const auto& k : keys)
      if (it.key() == k.name) spec = &k;
    const std::string key_path = path.empty() ? it.key() : path + "." + it.key();
    if (!spec)
      throw UserError(file + ": " + key_path + ": unknown key (expected one of " + join_names(keys) + ")");
    if (!has_json_type(*it, spec->type))
      throw UserError(file + ": " + key_path + ": expected " + spec->type + ", got " + it->type_name());
  }
  for (const auto& k : keys)
    if (k.required && !value.contains(k.name))
      throw UserError(where + ": missing required key \"" + k.name + "\"");
}

json read_json_file(const fs::path& file) {
  if (!fs::exists(file)) throw UserError(file.string() + ": no such file");
  const std::string text = read_file(file);
  try {
    return json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    // Turn the byte offset into line:column for the message.
    size_t line = 1, col = 1;
    for (size_t i = 0; i < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
    }
    std::string what = e.what();
    const auto colon = what.rfind(": ");
    throw UserError(file.string() + ":" + std::to_string(line) + ":" + std::to_string(col) +
                    ": invalid JSON (" + (colon == std::string::npos ? what : what.substr(colon + 2)) + ")");
  }
}

Settings load_settings(const Overrides& flags) {
  Settings s;
  // Raw values before ${...} expansion, lowest precedence first.
  std::string data_dir = "data", database = "${data_dir}/analytica.db",
              log_file = "${data_dir}/analytica.log";
  std::vector<std::string> plugin_dirs = {"${exe_dir}/../plugins", "${exe_dir}/../lib/analytica/plugins"};

  const auto config = flags.config ? flags.config : env("ANALYTICA_CONFIG");
  s.config_file = config ? fs::path(*config) : default_config_file();
  if (!s.config_file.empty()) {
    const std::string file = s.config_file.string();
    const json j = read_json_file(s.config_file);
    check_object(j, file, "", {{"data_dir", "string"}, {"database", "string"}, {"plugin_dirs", "array"},
                               {"log", "object"}, {"fetch_warn_days", "integer"},
                               {"$comment", "any"}});
    if (j.contains("data_dir")) data_dir = j["data_dir"];
    if (j.contains("database")) database = j["database"];
    if (j.contains("plugin_dirs")) {
      plugin_dirs.clear();
      for (size_t i = 0; i < j["plugin_dirs"].size(); ++i) {
        if (!j["plugin_dirs"][i].is_string())
          throw UserError(file + ": plugin_dirs[" + std::to_string(i) + "]: expected string");
        plugin_dirs.push_back(j["plugin_dirs"][i]);
      }
    }
    if (j.contains("fetch_warn_days")) {
      s.fetch_warn_days = j["fetch_warn_days"].get<int>();
      if (s.fetch_warn_days < 0) throw UserError(file + ": fetch_warn_days: must not be negative");
    }
    if (j.contains("log")) {
      const json& log = j["log"];
      check_object(log, file, "log", {{"level", "string"}, {"format", "string"}, {"file", "string"}});
      s.log_level = log.value("level", s.log_level);
      s.log_format = log.value("format", s.log_format);
      log_file = log.value("file", log_file);
    }
  }

  auto apply = [](auto& target, const std::optional<std::string>& v) { if (v) target = *v; };
  apply(data_dir, env("ANALYTICA_DATA_DIR"));
  apply(database, env("ANALYTICA_DATABASE"));
  apply(s.log_level, env("ANALYTICA_LOG_LEVEL"));
  apply(s.log_format, env("ANALYTICA_LOG_FORMAT"));
  apply(log_file, env("ANALYTICA_LOG_FILE"));
  if (auto p = env("ANALYTICA_PLUGIN_PATH")) {
    std::vector<std::string> extra;
    std::stringstream ss(*p);
    for (std::string d; std::getline(ss, d, ':');)
      if (!d.empty()) extra.push_back(d);
    plugin_dirs.insert(plugin_dirs.begin(), extra.begin(), extra.end());
  }
  apply(data_dir, flags.data_dir);
  apply(database, flags.database);
  apply(s.log_level, flags.log_level);
  apply(s.log_format, flags.log_format);
  apply(log_file, flags.log_file);
  plugin_dirs.insert(plugin_dirs.begin(), flags.plugin_dirs.begin(), flags.plugin_dirs.end());

  const std::string where = s.config_file.empty() ? "configuration" : s.config_file.string();
  std::map<std::string, std::string> vars = {{"exe_dir", exe_dir().string()}};
  s.data_dir = expand(data_dir, vars, where, "data_dir");
  vars["data_dir"] = s.data_dir.string();
  s.database = expand(database, vars, where, "database");
  s.log_file = expand(log_file, vars, where, "log.file");
  for (const auto& d : plugin_dirs) s.plugin_dirs.push_back(fs::path(expand(d, vars, where, "plugin_dirs")).lexically_normal());
  if (s.log_format != "text" && s.log_format != "json")
    throw UserError(where + ": log.format: expected \"text\" or \"json\", got \"" + s.log_format + "\"");
  return s;
}

Pipeline load_pipeline(const fs::path& file, const Settings& settings) {
  Pipeline p;
  p.file = file;
  const std::string name = file.string();
  json j = read_json_file(file);
  check_object(j, name, "",
               {{"name", "string", true}, {"description", "string"}, {"table_prefix", "string"},
                {"sources", "array", true}, {"extractors", "array", true}, {"validators", "array"},
                {"sinks", "array", true}, {"monitors", "array"}, {"governance", "object"},
                {"review", "object"}, {"views", "array"}, {"$comment", "any"}});
  p.variables = {
      {"data_dir", settings.data_dir.string()},
      {"database", settings.database.string()},
      {"config_dir", settings.config_file.empty() ? "." : settings.config_file.parent_path().string()},
      {"pipeline_dir", file.parent_path().empty() ? "." : file.parent_path().string()}};
  expand_all(j, p.variables, name, "");
  p.resolved = j;
  p.name = j["name"];
  p.description = j.value("description", "");
  p.table_prefix = j.value("table_prefix", "");
  if (j.contains("views")) p.views = parse_views(j["views"], p.table_prefix, p.name, name);

  auto refs = [&](const char* key, std::vector<PluginRef>& out, bool need_one) {
    if (!j.contains(key)) return;
    const json& arr = j[key];
    if (need_one && arr.empty()) throw UserError(name + ": " + key + ": expected at least one plugin");
    const bool can_isolate = std::string(key) == "extractors" || std::string(key) == "validators";
    for (size_t i = 0; i < arr.size(); ++i) {
      const std::string path = std::string(key) + "[" + std::to_string(i) + "]";
      check_object(arr[i], name, path,
                   {{"plugin", "string", true}, {"settings", "object"}, {"isolation", "string"},
                    {"timeout_s", "number"}, {"memory_mb", "integer"}});
      out.push_back({arr[i]["plugin"], arr[i].value("settings", json::object()), path,
                     parse_isolation(arr[i], name, path, can_isolate)});
    }
  };
  refs("sources", p.sources, true);
  refs("extractors", p.extractors, true);
  refs("validators", p.validators, false);
  refs("sinks", p.sinks, true);
  refs("monitors", p.monitors, false);

  p.governance = {"governance", json::object(), "governance", Isolation{}};
  if (j.contains("governance")) {
    const json& g = j["governance"];
    if (g.contains("enabled") || g.contains("disabled"))
      throw UserError(name + ": governance: governance is mandatory and cannot be switched off");
    check_object(g, name, "governance", {{"settings", "object"}});
    p.governance.settings = g.value("settings", json::object());
  }
  if (j.contains("review")) {
    const json& r = j["review"];
    check_object(r, name, "review", {{"auto_approve_threshold", "number"}, {"validated_views", "object"}});
    if (r.contains("auto_approve_threshold")) {
      const double t = r["auto_approve_threshold"];
      if (!(t >= 0 && t <= 1))
        throw UserError(name + ": review.auto_approve_threshold: expected a number from 0 to 1, got " + r["auto_approve_threshold"].dump());
    }
    if (r.contains("validated_views"))
      for (auto it = r["validated_views"].begin(); it != r["validated_views"].end(); ++it)
        if (!it->is_string())
          throw UserError(name + ": review.validated_views." + it.key() + ": expected string (a table name), got " + it->type_name());
    p.review = r;
    std::map<std::string, std::string> view_of_table;
    if (r.contains("validated_views"))
      for (auto it = r["validated_views"].begin(); it != r["validated_views"].end(); ++it)
        view_of_table[p.table_prefix + it->get<std::string>()] = p.table_prefix + it.key();
    link_validated_views(p.views, view_of_table);
  }
  return p;
}

json expand_variables(json value, const Pipeline& pipeline, const std::string& where) {
  expand_all(value, pipeline.variables, pipeline.file.string(), where);
  return value;
}

}  // namespace analytica
