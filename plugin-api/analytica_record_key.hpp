// analytica_record_key.hpp — the text forms records and cell values are
// named by in the published read model (format: analytica_store.h).
//
// Header-only over analytica.h types and compiled into each side, so
// governance, validation, the host's readers and any plugin compute exactly
// the same strings. Nothing here crosses the ABI.
#ifndef ANALYTICA_RECORD_KEY_HPP
#define ANALYTICA_RECORD_KEY_HPP

#include "analytica.h"

#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace analytica {

// A key column's value as it appears in a record key.
inline std::string key_value_text(const analytica_value& v) {
  switch (v.type) {
    case ANALYTICA_TEXT: return std::string(v.as.text.ptr ? v.as.text.ptr : "", static_cast<size_t>(v.as.text.len));
    case ANALYTICA_INT64: return std::to_string(v.as.i);
    case ANALYTICA_DOUBLE: return std::to_string(v.as.d);
    default: return "";
  }
}

// A cell value as governance stores it in governance_lineage_cells.value:
// like key_value_text, except doubles in the shortest form that reads back
// to the same double ("612000.5", "0.1", "1e+21"). NULL is "".
inline std::string value_text(const analytica_value& v) {
  if (v.type != ANALYTICA_DOUBLE) return key_value_text(v);
  if (!std::isfinite(v.as.d)) return std::isnan(v.as.d) ? "nan" : (v.as.d > 0 ? "inf" : "-inf");
  char buf[40];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v.as.d);
    if (std::strtod(buf, nullptr) == v.as.d) break;
  }
  return buf;
}

// The record key of row `row` of a batch of `schema` (values row-major).
inline std::string record_key(const analytica_table_schema& schema, const analytica_value* row) {
  bool has_key = false;
  for (uint32_t c = 0; c < schema.column_count; ++c)
    has_key = has_key || (schema.columns[c].flags & ANALYTICA_COLUMN_KEY);
  std::string out;
  for (uint32_t c = 0; c < schema.column_count; ++c) {
    if (has_key && !(schema.columns[c].flags & ANALYTICA_COLUMN_KEY)) continue;
    if (!out.empty()) out += '|';
    out += schema.columns[c].name;
    out += '=';
    out += key_value_text(row[c]);
  }
  return out;
}

// Splits "a=1|b=x" into {{"a","1"},{"b","x"}} (see the note on escaping).
inline std::vector<std::pair<std::string, std::string>> parse_record_key(const std::string& key) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= key.size() && !key.empty()) {
    size_t end = key.find('|', start);
    if (end == std::string::npos) end = key.size();
    const std::string part = key.substr(start, end - start);
    const size_t eq = part.find('=');
    if (eq == std::string::npos) out.emplace_back(part, "");
    else out.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

}  // namespace analytica
#endif  // ANALYTICA_RECORD_KEY_HPP
