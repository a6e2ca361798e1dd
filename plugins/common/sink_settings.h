// sink_settings.h — reading a sink's settings JSON against its declarative
// settings table (analytica_setting[]): the object itself, unknown names,
// defaults taken from the table, integers within a range. Every failure is
// analytica::Failure(ANALYTICA_ERR_INVALID) with a message starting
// "settings: " and naming the setting.
//
// Compiled into each sink (static library analytica_sink_common); nothing
// here crosses the ABI.
#ifndef ANALYTICA_SINK_SETTINGS_H
#define ANALYTICA_SINK_SETTINGS_H

#include "analytica.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace analytica::sink {

// Throws Failure(ANALYTICA_ERR_INVALID, "settings: " + message).
[[noreturn]] void invalid_setting(const std::string& message);

class SettingsReader {
 public:
  // Parses settings_json (NULL or "" reads as {}). Fails with "not valid
  // JSON", "expected a JSON object, got <type>" or "unknown setting "<name>"
  // (expected one of <the table's names>)". The table must outlive the
  // reader.
  SettingsReader(const char* settings_json, const analytica_setting* table, uint32_t count);
  template <size_t N>
  SettingsReader(const char* settings_json, const analytica_setting (&table)[N])
      : SettingsReader(settings_json, table, static_cast<uint32_t>(N)) {}

  // The value given for a setting, else the table's default (JSON null for
  // a name the table lacks).
  nlohmann::json value(const char* name) const;
  // value(name) as an integer in lo..hi: fails with "<name>: expected an
  // integer" or "<name>: <value> is out of range <lo>..<hi>".
  long long integer(const char* name, long long lo, long long hi) const;

 private:
  nlohmann::json given_ = nlohmann::json::object();
  const analytica_setting* table_;
  uint32_t count_;
};

}  // namespace analytica::sink

#endif
