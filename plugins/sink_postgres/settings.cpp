// settings.cpp — reads sink_postgres's settings JSON and the ANALYTICA_PG_*
// environment into libpq connection keywords (see settings.h).
#include "settings.h"

#include "sink_settings.h"

#include <libpq-fe.h>

#include <climits>
#include <cstdlib>
#include <map>

namespace sink_postgres {

using analytica::sink::invalid_setting;
using nlohmann::json;

namespace {

// The connection keywords a setting or variable maps to, in the order
// they are applied within one layer.
const char* const kKeywords[] = {"host", "port", "dbname", "user", "password", "sslmode"};

// Parses a libpq connection string into the keywords it sets. `what`
// names its origin for the message; libpq's own message is left out on
// purpose, as it may quote part of the string (and so a password).
std::map<std::string, std::string> parse_conninfo(const std::string& text, const std::string& what) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &error);
  if (!options) {
    if (error) PQfreemem(error);
    invalid_setting(what + ": not a valid libpq connection string (expected keyword=value pairs or a "
                   "postgresql:// URI; its text is not shown as it may hold a password)");
  }
  std::map<std::string, std::string> out;
  for (const PQconninfoOption* o = options; o->keyword; ++o)
    if (o->val) out[o->keyword] = o->val;
  PQconninfoFree(options);
  return out;
}

}  // namespace

std::optional<std::string> process_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return std::nullopt;
  return std::string(v);
}

std::string Settings::get(const std::string& keyword) const {
  for (const auto& kv : keywords)
    if (kv.first == keyword) return kv.second;
  return "";
}

std::string Settings::describe() const {
  const auto part = [&](const char* k) {
    const std::string v = get(k);
    return v.empty() ? std::string("(default)") : v;
  };
  return "postgres://" + part("user") + "@" + part("host") + ":" + part("port") + "/" + part("dbname");
}

std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
    text.replace(at, secret.size(), "***");
  return text;
}

Settings parse_settings(const char* settings_json) { return parse_settings_with(settings_json, process_env); }

Settings parse_settings_with(const char* settings_json, const EnvFn& env) {
  const analytica::sink::SettingsReader given(settings_json, kSettings);

  // Layers, lowest precedence first; each overrides the keywords it sets.
  std::map<std::string, std::string> merged;
  const auto apply = [&](const std::map<std::string, std::string>& layer) {
    for (const auto& kv : layer) merged[kv.first] = kv.second;
  };
  if (const auto info = env("ANALYTICA_PG_CONNINFO"); info && !info->empty())
    apply(parse_conninfo(*info, "ANALYTICA_PG_CONNINFO"));
  {
    std::map<std::string, std::string> layer;
    for (const char* k : kKeywords) {
      std::string var = "ANALYTICA_PG_";
      for (const char* p = k; *p; ++p) var += static_cast<char>(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
      if (const auto v = env(var.c_str()); v && !v->empty()) layer[k] = *v;
    }
    apply(layer);
  }
  const json conninfo = given.value("conninfo");
  if (!conninfo.is_null()) {
    if (!conninfo.is_string()) invalid_setting("conninfo: expected a string");
    apply(parse_conninfo(conninfo.get<std::string>(), "conninfo"));
  }
  {
    std::map<std::string, std::string> layer;
    for (const char* k : kKeywords) {
      const json v = given.value(k);
      if (v.is_null()) continue;
      if (std::string(k) == "port") {
        layer[k] = std::to_string(given.integer(k, 1, 65535));
      } else {
        if (!v.is_string()) invalid_setting(std::string(k) + ": expected a string");
        layer[k] = v.get<std::string>();
      }
    }
    apply(layer);
  }

  Settings out;
  out.lock_timeout_ms = static_cast<int>(given.integer("lock_timeout_ms", 0, INT_MAX));
  out.connect_timeout_s = static_cast<int>(given.integer("connect_timeout_s", 0, 86400));
  if (!merged.count("connect_timeout") && out.connect_timeout_s > 0)
    merged["connect_timeout"] = std::to_string(out.connect_timeout_s);
  merged["client_encoding"] = "UTF8";
  if (!merged.count("fallback_application_name")) merged["fallback_application_name"] = "analytica";
  if (merged.count("password")) out.password = merged["password"];
  for (const auto& kv : merged) out.keywords.emplace_back(kv.first, kv.second);
  return out;
}

}  // namespace sink_postgres
