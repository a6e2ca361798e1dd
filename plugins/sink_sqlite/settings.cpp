// settings.cpp — reads sink_sqlite's settings JSON against the table in settings.h.
#include "settings.h"

#include "analytica_cpp.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <climits>

namespace sink_sqlite {

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

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Settings parse_settings(const char* settings_json) {
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

  Settings out;
  const json path = value("path");
  if (!path.is_string() || path.get<std::string>().empty()) invalid("path: expected a non-empty string");
  out.path = path.get<std::string>();

  const json timeout = value("busy_timeout_ms");
  if (!timeout.is_number_integer()) invalid("busy_timeout_ms: expected an integer");
  const auto ms = timeout.get<long long>();
  if (ms < 0 || ms > INT_MAX) invalid("busy_timeout_ms: " + std::to_string(ms) + " is out of range 0.." + std::to_string(INT_MAX));
  out.busy_timeout_ms = static_cast<int>(ms);

  const json mode = value("journal_mode");
  if (!mode.is_string()) invalid("journal_mode: expected a string");
  out.journal_mode = lowercase(mode.get<std::string>());
  static const char* const modes[] = {"wal", "delete", "truncate", "persist", "memory", "off"};
  if (std::none_of(std::begin(modes), std::end(modes), [&](const char* m) { return out.journal_mode == m; }))
    invalid("journal_mode: \"" + mode.get<std::string>() + "\" is not one of wal, delete, truncate, persist, memory, off");
  return out;
}

}  // namespace sink_sqlite
