// sink_settings.cpp — settings JSON read against a settings table (see
// sink_settings.h).
#include "sink_settings.h"

#include "analytica_cpp.hpp"

namespace analytica::sink {

using nlohmann::json;

void invalid_setting(const std::string& message) { throw Failure(ANALYTICA_ERR_INVALID, "settings: " + message); }

SettingsReader::SettingsReader(const char* settings_json, const analytica_setting* table, uint32_t count)
    : table_(table), count_(count) {
  if (settings_json && *settings_json) {
    given_ = json::parse(settings_json, nullptr, /*allow_exceptions=*/false);
    if (given_.is_discarded()) invalid_setting("not valid JSON");
    if (!given_.is_object()) invalid_setting(std::string("expected a JSON object, got ") + given_.type_name());
  }
  std::string known;
  for (uint32_t i = 0; i < count_; ++i) known += std::string(i ? ", " : "") + table_[i].name;
  for (auto it = given_.begin(); it != given_.end(); ++it) {
    bool found = false;
    for (uint32_t i = 0; i < count_; ++i) found = found || it.key() == table_[i].name;
    if (!found) invalid_setting("unknown setting \"" + it.key() + "\" (expected one of " + known + ")");
  }
}

json SettingsReader::value(const char* name) const {
  if (given_.contains(name)) return given_.at(name);
  for (uint32_t i = 0; i < count_; ++i)
    if (std::string(table_[i].name) == name) return json::parse(table_[i].default_json);
  return json();
}

long long SettingsReader::integer(const char* name, long long lo, long long hi) const {
  const json v = value(name);
  if (!v.is_number_integer()) invalid_setting(std::string(name) + ": expected an integer");
  const auto n = v.get<long long>();
  if (n < lo || n > hi)
    invalid_setting(std::string(name) + ": " + std::to_string(n) + " is out of range " + std::to_string(lo) + ".." +
                    std::to_string(hi));
  return n;
}

}  // namespace analytica::sink
