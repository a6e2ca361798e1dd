// How the host shows a value read from the store: as JSON, as text, as a
// number. One definition for every command and page that prints rows.
#ifndef ANALYTICA_HOST_RUN_CELL_FORMAT_H
#define ANALYTICA_HOST_RUN_CELL_FORMAT_H

#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

namespace analytica {

// The cell as a JSON value (Json is nlohmann::json or ordered_json). NaN
// and infinities, which JSON cannot hold, become null.
template <typename Json = nlohmann::json>
Json cell_json(const Cell& c) {
  switch (c.type) {
    case ANALYTICA_INT64: return Json(c.i);
    case ANALYTICA_DOUBLE: return std::isfinite(c.d) ? Json(c.d) : Json(nullptr);
    case ANALYTICA_TEXT: return Json(c.text);
    default: return Json(nullptr);
  }
}

// The cell as plain text; "" for NULL.
inline std::string cell_text(const Cell& c) {
  switch (c.type) {
    case ANALYTICA_TEXT: return c.text;
    case ANALYTICA_INT64: return std::to_string(c.i);
    case ANALYTICA_DOUBLE: return std::to_string(c.d);
    default: return "";
  }
}

// The cell as a number; 0 for text and NULL.
inline double cell_number(const Cell& c) {
  if (c.type == ANALYTICA_INT64) return static_cast<double>(c.i);
  if (c.type == ANALYTICA_DOUBLE) return c.d;
  return 0;
}

// The cell as text, or nullopt for NULL.
inline std::optional<std::string> cell_opt_text(const Cell& c) {
  if (c.type == ANALYTICA_NULL) return std::nullopt;
  return cell_text(c);
}

// The cell as a number, or nullopt for text and NULL.
inline std::optional<double> cell_opt_number(const Cell& c) {
  if (c.type == ANALYTICA_INT64 || c.type == ANALYTICA_DOUBLE) return cell_number(c);
  return std::nullopt;
}

// The cell as an integer: numbers truncated, decimal text parsed; 0 otherwise.
inline int64_t cell_int(const Cell& c) {
  if (c.type == ANALYTICA_TEXT) {
    try {
      return std::stoll(c.text);
    } catch (...) {
      return 0;
    }
  }
  return static_cast<int64_t>(cell_number(c));
}

// The cell as an integer (cell_int), or nullopt for NULL.
inline std::optional<int64_t> cell_opt_int(const Cell& c) {
  if (c.type == ANALYTICA_NULL) return std::nullopt;
  return cell_int(c);
}

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_CELL_FORMAT_H
