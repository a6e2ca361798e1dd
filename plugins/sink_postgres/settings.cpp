// settings.cpp — reads sink_postgres's settings JSON and the ANALYTICA_PG_*
// environment into libpq connection keywords (see settings.h).
#include "settings.h"

#include "analytica_cpp.hpp"

#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <climits>
#include <cstdlib>
#include <map>

namespace sink_postgres {

using analytica::Failure;
using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw Failure(ANALYTICA_ERR_INVALID, "settings: " + message);
}

json default_of(const char* name) {
  for (uint32_t i = 0; i < kSettingCount; ++i)
    if (std::string(kSettings[i].name) == name) return json::parse(kSettings[i].default_json);
  return json();
}

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
    invalid(what + ": not a valid libpq connection string (expected keyword=value pairs or a "
                   "postgresql:// URI; its text is not shown as it may hold a password)");
  }
  std::map<std::string, std::string> out;
  for (const PQconninfoOption* o = options; o->keyword; ++o)
    if (o->val) out[o->keyword] = o->val;
  PQconninfoFree(options);
  return out;
}

int integer_setting(const json& value, const char* name, long long lo, long long hi) {
  if (!value.is_number_integer()) invalid(std::string(name) + ": expected an integer");
  const auto v = value.get<long long>();
  if (v < lo || v > hi)
    invalid(std::string(name) + ": " + std::to_string(v) + " is out of range " + std::to_string(lo) + ".." +
            std::to_string(hi));
  return static_cast<int>(v);
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

Settings parse_settings(const char* settings_json, const EnvFn& env) {
  json given = json::object();
  if (settings_json && *settings_json) {
    given = json::parse(settings_json, nullptr, /*allow_exceptions=*/false);
    if (given.is_discarded()) invalid("not valid JSON");
    if (!given.is_object()) invalid(std::string("expected a JSON object, got ") + given.type_name());
  }
  std::string known;
  for (uint32_t i = 0; i < kSettingCount; ++i) known += std::string(i ? ", " : "") + kSettings[i].name;
  for (auto it = given.begin(); it != given.end(); ++it) {
    bool found = false;
    for (uint32_t i = 0; i < kSettingCount; ++i) found = found || it.key() == kSettings[i].name;
    if (!found) invalid("unknown setting \"" + it.key() + "\" (expected one of " + known + ")");
  }
  auto value = [&](const char* name) { return given.contains(name) ? given.at(name) : default_of(name); };

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
  const json conninfo = value("conninfo");
  if (!conninfo.is_null()) {
    if (!conninfo.is_string()) invalid("conninfo: expected a string");
    apply(parse_conninfo(conninfo.get<std::string>(), "conninfo"));
  }
  {
    std::map<std::string, std::string> layer;
    for (const char* k : kKeywords) {
      const json v = value(k);
      if (v.is_null()) continue;
      if (std::string(k) == "port") {
        layer[k] = std::to_string(integer_setting(v, k, 1, 65535));
      } else {
        if (!v.is_string()) invalid(std::string(k) + ": expected a string");
        layer[k] = v.get<std::string>();
      }
    }
    apply(layer);
  }

  Settings out;
  out.lock_timeout_ms = integer_setting(value("lock_timeout_ms"), "lock_timeout_ms", 0, INT_MAX);
  out.connect_timeout_s = integer_setting(value("connect_timeout_s"), "connect_timeout_s", 0, 86400);
  if (!merged.count("connect_timeout") && out.connect_timeout_s > 0)
    merged["connect_timeout"] = std::to_string(out.connect_timeout_s);
  merged["client_encoding"] = "UTF8";
  if (!merged.count("fallback_application_name")) merged["fallback_application_name"] = "analytica";
  if (merged.count("password")) out.password = merged["password"];
  for (const auto& kv : merged) out.keywords.emplace_back(kv.first, kv.second);
  return out;
}

}  // namespace sink_postgres
