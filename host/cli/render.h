// Small helpers the commands share to render answers of the read model:
// padded text columns, fixed decimals, optional values as JSON.
#ifndef ANALYTICA_HOST_CLI_RENDER_H
#define ANALYTICA_HOST_CLI_RENDER_H

#include <nlohmann/json.hpp>

#include <cstdio>
#include <optional>
#include <string>

namespace analytica {

// s left-aligned in width columns, and at least one space after it.
inline std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

// v with exactly `decimals` decimals.
inline std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// The value, or JSON null.
template <typename T>
nlohmann::ordered_json json_or_null(const std::optional<T>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

}  // namespace analytica

#endif  // ANALYTICA_HOST_CLI_RENDER_H
