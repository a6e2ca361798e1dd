#include "read/lineage.h"

#include "run/cell_format.h"
#include "run/sql.h"
#include "run/store.h"

#include <analytica_record_key.hpp>
#include <analytica_store.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace analytica {

namespace {

// Equal as record-key values: the same text, or the same number.
bool same_value(const std::string& stored, const std::string& given) {
  if (stored == given) return true;
  char* end1 = nullptr;
  char* end2 = nullptr;
  const double a = std::strtod(stored.c_str(), &end1), b = std::strtod(given.c_str(), &end2);
  return !stored.empty() && !given.empty() && *end1 == '\0' && *end2 == '\0' && a == b;
}

// A stored cell value as governance renders it (analytica_record_key.hpp).
std::string recorded_text(const Cell& c) {
  if (c.type == ANALYTICA_NULL) return "";
  return analytica::value_text(value_of(c));
}

// Whether the lineage cells carry their values (stores written before they did not).
bool cells_have_value(Store& store) {
  try {
    store.query("SELECT value FROM " ANALYTICA_T_LINEAGE_CELLS " WHERE 1 = 0");
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// A key value as a parameter of the column's type (text when unknown).
std::optional<Cell> typed_param(const std::string& value, const std::string& type) {
  try {
    if (type == "INT64") return Cell::of(static_cast<int64_t>(std::stoll(value)));
    if (type == "DOUBLE") return Cell::of(std::stod(value));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return Cell::of(value);
}

// The row of the record now in the table, column -> cell, for the given
// columns (empty if the table, a column or the row cannot be read).
std::map<std::string, Cell> stored_row(Store& store, const std::string& table, const std::string& key,
                                       const std::vector<std::string>& columns,
                                       const std::map<std::string, std::string>& types) {
  std::map<std::string, Cell> out;
  if (columns.empty() || !plain_name(table) || !store.has_table(table)) return out;
  std::string select, where;
  std::vector<Cell> params;
  for (const auto& c : columns) {
    if (!plain_name(c)) return out;
    select += (select.empty() ? "" : ", ") + quoted_name(c);
  }
  for (const auto& [name, value] : parse_record_key(key)) {
    if (!plain_name(name)) return out;
    const auto t = types.find(name);
    const auto param = typed_param(value, t == types.end() ? "TEXT" : t->second);
    if (!param) return out;
    where += (where.empty() ? "" : " AND ") + quoted_name(name) + " = ?";
    params.push_back(*param);
  }
  if (where.empty()) return out;
  std::vector<Store::Row> rows;
  try {
    rows = store.query("SELECT " + select + " FROM " + quoted_name(table) + " WHERE " + where, params);
  } catch (const std::exception&) {
    return out;
  }
  if (rows.size() != 1) return out;
  for (size_t i = 0; i < columns.size(); ++i) out[columns[i]] = rows[0][i];
  return out;
}

std::optional<LineageValidation> validation_of(Store& store, bool have_reviews, const std::string& table,
                                               const std::string& key, const std::string& sha) {
  if (!have_reviews) return std::nullopt;
  const auto rows = store.query("SELECT status, confidence, reasons FROM " ANALYTICA_T_REVIEW
                                " WHERE table_name = ? AND record_key = ? AND source_sha256 = ?",
                                {Cell::of(table), Cell::of(key), Cell::of(sha)});
  if (rows.empty()) return std::nullopt;
  LineageValidation v;
  v.status = cell_text(rows[0][0]);
  v.confidence = cell_opt_number(rows[0][1]);
  if (rows[0][2].type != ANALYTICA_NULL) v.reasons = cell_text(rows[0][2]);
  return v;
}

LineageCell cell_of(const Store::Row& c, bool with_value) {
  // column_name, page, x0, y0, x1, y1, confidence[, value]
  LineageCell cell;
  cell.column = cell_text(c[0]);
  if (c[1].type != ANALYTICA_NULL) cell.page = static_cast<int64_t>(cell_number(c[1]));
  cell.x0 = cell_number(c[2]);
  cell.y0 = cell_number(c[3]);
  cell.x1 = cell_number(c[4]);
  cell.y1 = cell_number(c[5]);
  cell.confidence = cell_opt_number(c[6]);
  cell.value_recorded = with_value;
  if (with_value) cell.value = c[7];
  return cell;
}

}  // namespace

bool lineage_recorded(Store& store) { return store.has_table(ANALYTICA_T_LINEAGE_RECORDS); }

bool lineage_recorded_for(Store& store, const std::string& table) {
  return lineage_recorded(store) &&
         !store.query("SELECT record_key FROM " ANALYTICA_T_LINEAGE_RECORDS " WHERE table_name = ? LIMIT 1",
                      {Cell::of(table)})
              .empty();
}

std::vector<TracedColumn> traced_columns(Store& store, const std::string& table) {
  std::vector<TracedColumn> out;
  if (!store.has_table(ANALYTICA_T_SCHEMAS)) return out;
  const auto rows = store.query("SELECT columns FROM " ANALYTICA_T_SCHEMAS " WHERE table_name = ? ORDER BY version DESC",
                                {Cell::of(table)});
  if (rows.empty()) return out;
  const auto cols = nlohmann::json::parse(cell_text(rows[0][0]), nullptr, false);
  if (!cols.is_array()) return out;
  for (const auto& c : cols)
    if (c.is_object()) out.push_back({c.value("name", ""), c.value("type", "TEXT"), c.value("key", false)});
  return out;
}

std::vector<std::string> matching_record_keys(Store& store, const std::string& table,
                                              const std::vector<std::pair<std::string, std::string>>& given) {
  if (!lineage_recorded(store)) return {};
  // Fast path: exactly the key columns given.
  std::vector<std::string> key_names;
  for (const auto& c : traced_columns(store, table))
    if (c.key) key_names.push_back(c.name);
  if (!key_names.empty() && key_names.size() == given.size()) {
    std::string key;
    bool all = true;
    for (const auto& name : key_names) {
      const auto it = std::find_if(given.begin(), given.end(), [&](const auto& g) { return g.first == name; });
      if (it == given.end()) {
        all = false;
        break;
      }
      key += (key.empty() ? "" : "|") + name + "=" + it->second;
    }
    if (all && !store.query("SELECT record_key FROM " ANALYTICA_T_LINEAGE_RECORDS
                            " WHERE table_name = ? AND record_key = ?",
                            {Cell::of(table), Cell::of(key)})
                    .empty())
      return {key};
  }
  // Otherwise compare the parts of every record key of the table.
  std::vector<std::string> out;
  for (const auto& row : store.query("SELECT DISTINCT record_key FROM " ANALYTICA_T_LINEAGE_RECORDS
                                     " WHERE table_name = ? ORDER BY record_key",
                                     {Cell::of(table)})) {
    const std::string key = cell_text(row[0]);
    const auto parts = parse_record_key(key);
    const bool all = std::all_of(given.begin(), given.end(), [&](const auto& g) {
      return std::any_of(parts.begin(), parts.end(),
                         [&](const auto& p) { return p.first == g.first && same_value(p.second, g.second); });
    });
    if (all) out.push_back(key);
  }
  return out;
}

RecordLineage record_lineage(Store& store, const std::string& table, const std::string& key, const std::string& column) {
  RecordLineage out;
  out.table = table;
  out.record_key = key;
  if (!lineage_recorded(store)) return out;
  out.columns = traced_columns(store, table);
  std::map<std::string, size_t> order;
  std::map<std::string, std::string> types;
  std::vector<std::string> row_columns;
  for (size_t i = 0; i < out.columns.size(); ++i) {
    order[out.columns[i].name] = i;
    types[out.columns[i].name] = out.columns[i].type;
    row_columns.push_back(out.columns[i].name);
  }
  // Columns lineage knows of but the schema does not (or no schema at all).
  // Through the record's versions: cells are keyed by source first.
  for (const auto& n : store.query("SELECT DISTINCT c.column_name FROM " ANALYTICA_T_LINEAGE_RECORDS
                                   " r JOIN " ANALYTICA_T_LINEAGE_CELLS " c ON c.source_sha256 = r.source_sha256"
                                   " AND c.table_name = r.table_name AND c.record_key = r.record_key"
                                   " WHERE r.table_name = ? AND r.record_key = ? ORDER BY c.column_name",
                                   {Cell::of(table), Cell::of(key)})) {
    out.traced_columns.push_back(cell_text(n[0]));
    if (!order.count(cell_text(n[0]))) row_columns.push_back(cell_text(n[0]));
  }
  out.stored_row = stored_row(store, table, key, row_columns, types);

  const bool with_value = cells_have_value(store);
  const bool have_reviews = store.has_table(ANALYTICA_T_REVIEW);
  const auto records = store.query("SELECT source_sha256, run_id, extractor, written_at, superseded_by FROM " ANALYTICA_T_LINEAGE_RECORDS
                                   " WHERE table_name = ? AND record_key = ? ORDER BY written_at DESC, source_sha256",
                                   {Cell::of(table), Cell::of(key)});
  bool current_found = false;
  for (const auto& r : records) {
    LineageVersion v;
    v.source_sha256 = cell_text(r[0]);
    v.source = find_source(store, v.source_sha256);
    v.run_id = cell_text(r[1]);
    v.run = find_run(store, v.run_id);
    v.extractor = cell_text(r[2]);
    v.written_at = cell_text(r[3]);
    if (r[4].type != ANALYTICA_NULL) v.superseded_by = cell_text(r[4]);
    // The newest write of a version not superseded is what the table holds.
    v.current = !current_found && !v.superseded_by;
    current_found = current_found || v.current;
    v.validation = validation_of(store, have_reviews, table, key, v.source_sha256);
    std::string sql = "SELECT column_name, page, x0, y0, x1, y1, confidence" + std::string(with_value ? ", value" : "") +
                      " FROM " ANALYTICA_T_LINEAGE_CELLS " WHERE table_name = ? AND record_key = ? AND source_sha256 = ?";
    std::vector<Cell> params = {Cell::of(table), Cell::of(key), Cell::of(v.source_sha256)};
    if (!column.empty()) {
      sql += " AND column_name = ?";
      params.push_back(Cell::of(column));
    }
    for (const auto& c : store.query(sql + " ORDER BY column_name", params)) v.cells.push_back(cell_of(c, with_value));
    std::stable_sort(v.cells.begin(), v.cells.end(), [&](const LineageCell& a, const LineageCell& b) {
      const auto ia = order.find(a.column), ib = order.find(b.column);
      return (ia == order.end() ? order.size() : ia->second) < (ib == order.end() ? order.size() : ib->second);
    });
    v.matches_store = !out.stored_row.empty();
    for (const auto& c : v.cells) {
      const auto it = out.stored_row.find(c.column);
      if (c.value_recorded && it != out.stored_row.end() && recorded_text(it->second) != cell_text(c.value))
        v.matches_store = false;
    }
    out.versions.push_back(std::move(v));
  }
  return out;
}

std::optional<LineageCell> lineage_cell(Store& store, const std::string& table, const std::string& key,
                                        const std::string& column, const std::string& sha) {
  if (!lineage_recorded(store)) return std::nullopt;
  const auto rows = store.query("SELECT column_name, page, x0, y0, x1, y1, confidence FROM " ANALYTICA_T_LINEAGE_CELLS
                                " WHERE table_name = ? AND record_key = ? AND column_name = ? AND source_sha256 = ?",
                                {Cell::of(table), Cell::of(key), Cell::of(column), Cell::of(sha)});
  if (rows.empty()) return std::nullopt;
  return cell_of(rows[0], false);
}

}  // namespace analytica
