#include "read/datasets.h"

#include "run/cell_format.h"
#include "run/config.h"
#include "run/logging.h"
#include "run/sql.h"
#include "run/store.h"
#include "run/util.h"

#include <analytica_record_key.hpp>
#include <analytica_store.h>

#include <algorithm>
#include <map>

namespace analytica {
using nlohmann::json;

namespace {

// The columns a dataset shows, in order: period, dimensions, measures,
// quality. Every name was checked by parse_views().
std::vector<std::string> shown_columns(const Dataset& d) {
  std::vector<std::string> out = {d.period_column};
  for (const auto& x : d.dimensions) out.push_back(x.column);
  for (const auto& m : d.measures) out.push_back(m.column);
  if (!d.quality_column.empty()) out.push_back(d.quality_column);
  return out;
}

bool matches(const json& row, const json& where) {
  for (auto it = where.begin(); it != where.end(); ++it) {
    const json& v = row.contains(it.key()) ? row[it.key()] : json();
    if (it->is_number() && v.is_number() ? v.get<double>() != it->get<double>() : v != *it) return false;
  }
  return true;
}

// Orders rows by period, then by the dimensions' values as text.
void sort_rows(json& rows, const Dataset& d) {
  auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  std::stable_sort(rows.begin(), rows.end(), [&](const json& a, const json& b) {
    if (text(a[d.period_column]) != text(b[d.period_column])) return text(a[d.period_column]) < text(b[d.period_column]);
    for (const auto& x : d.dimensions)
      if (text(a[x.column]) != text(b[x.column])) return text(a[x.column]) < text(b[x.column]);
    return false;
  });
}

// The key columns of a data table, in declared order, as governance
// recorded its schema; empty when unknown.
std::vector<std::string> key_columns(Store& store, const std::string& table) {
  std::vector<std::string> out;
  if (!store.has_table(ANALYTICA_T_SCHEMAS)) return out;
  const auto rows = store.query("SELECT columns FROM " ANALYTICA_T_SCHEMAS " WHERE table_name = ? ORDER BY version DESC",
                                {Cell::of(table)});
  if (rows.empty()) return out;
  const json columns = json::parse(cell_text(rows[0][0]), nullptr, false);
  if (columns.is_array())
    for (const auto& c : columns)
      if (c.is_object() && c.value("key", false) && c.contains("name")) out.push_back(c["name"].get<std::string>());
  return out;
}

json approved_rows(Store& store, const Dataset& d, const std::vector<std::string>& columns) {
  json rows = json::array();
  if (d.validated.empty() || !store.has_table(d.validated)) {
    // No validation in this pipeline: the table as written is what there is,
    // each row named by its record key (analytica_store.h) for lineage.
    if (!store.has_table(d.table)) return rows;
    std::vector<std::string> selected = columns;
    const auto keys = key_columns(store, d.table);
    for (const auto& k : keys)
      if (std::find(selected.begin(), selected.end(), k) == selected.end()) selected.push_back(k);
    std::string sql = "SELECT ";
    for (size_t i = 0; i < selected.size(); ++i) sql += (i ? ", " : "") + quoted_name(selected[i]);
    std::vector<Cell> params;
    sql += " FROM " + quoted_name(d.table) + dataset_where_sql(d, params);
    for (const auto& r : store.query(sql, params)) {
      json row = json::object();
      std::string key;
      for (const auto& k : keys) {
        const size_t at = static_cast<size_t>(std::find(selected.begin(), selected.end(), k) - selected.begin());
        key += (key.empty() ? "" : "|") + k + "=" + key_value_text(value_of(r[at]));
      }
      if (!keys.empty()) row["key"] = key;
      for (size_t i = 0; i < columns.size(); ++i) row[columns[i]] = cell_json(r[i]);
      rows.push_back(std::move(row));
    }
    return rows;
  }
  std::string sql = "SELECT review_key, review_status, review_fallback, review_item";
  for (const auto& c : columns) sql += ", " + quoted_name(c);
  std::vector<Cell> params;
  sql += " FROM " + quoted_name(d.validated) + dataset_where_sql(d, params);
  for (const auto& r : store.query(sql, params)) {
    json row = {{"key", cell_json(r[0])}, {"status", cell_json(r[1])}, {"fallback", cell_number(r[2]) != 0},
                {"item", cell_json(r[3])}};
    for (size_t i = 0; i < columns.size(); ++i) row[columns[i]] = cell_json(r[4 + i]);
    rows.push_back(std::move(row));
  }
  return rows;
}

// An aggregated dataset (every measure declares "aggregate"): one row per
// period and dimension values, each measure computed in SQL over the
// approved figures (the validated view) or, without validation, the table.
// Rows name no record key: a group has no single source.
json aggregated_rows(Store& store, const Dataset& d) {
  json rows = json::array();
  const bool validated = !d.validated.empty() && store.has_table(d.validated);
  const std::string from = validated ? d.validated : d.table;
  if (!store.has_table(from)) return rows;
  std::string groups = quoted_name(d.period_column);
  for (const auto& x : d.dimensions) groups += ", " + quoted_name(x.column);
  std::string sql = "SELECT " + groups;
  for (const auto& m : d.measures) {
    static const std::map<std::string, std::string> function = {
        {"sum", "SUM"}, {"count", "COUNT"}, {"min", "MIN"}, {"max", "MAX"}, {"avg", "AVG"}};
    sql += ", " + function.at(m.aggregate) + "(" + (m.of.empty() ? std::string("*") : quoted_name(m.of)) + ")";
  }
  std::vector<Cell> params;
  sql += " FROM " + quoted_name(from) + dataset_where_sql(d, params) + " GROUP BY " + groups;
  for (const auto& r : store.query(sql, params)) {
    json row = json::object();
    if (validated) row.update({{"status", ANALYTICA_REVIEW_APPROVED}, {"fallback", false}});
    size_t i = 0;
    row[d.period_column] = cell_json(r[i++]);
    for (const auto& x : d.dimensions) row[x.column] = cell_json(r[i++]);
    for (const auto& m : d.measures) row[m.column] = cell_json(r[i++]);
    rows.push_back(std::move(row));
  }
  return rows;
}

// Figures whose newest version waits for review or was rejected, from the
// review items (which keep each record as JSON).
json unapproved_rows(Store& store, const Dataset& d, const std::vector<std::string>& columns) {
  json rows = json::array();
  if (d.validated.empty() || !store.has_table(ANALYTICA_T_REVIEW)) return rows;
  const auto items = store.query("SELECT record_key, status, id, reasons, record FROM " ANALYTICA_T_REVIEW
                                 " WHERE table_name = ? AND is_current = 1 AND status IN (?, ?)",
                                 {Cell::of(d.table), Cell::of(std::string(ANALYTICA_REVIEW_PENDING)),
                                  Cell::of(std::string(ANALYTICA_REVIEW_REJECTED))});
  for (const auto& r : items) {
    const json record = json::parse(cell_text(r[4]), nullptr, false);
    if (!record.is_object()) continue;
    if (!matches(record, d.where)) continue;
    json row = {{"key", cell_json(r[0])}, {"status", cell_json(r[1])}, {"fallback", false},
                {"item", cell_json(r[2])}, {"reasons", cell_json(r[3])}};
    for (const auto& c : columns) row[c] = record.contains(c) ? record[c] : json();
    rows.push_back(std::move(row));
  }
  return rows;
}

json dataset_json(const Dataset& d) {
  json dims = json::array(), measures = json::array();
  for (const auto& x : d.dimensions)
    dims.push_back({{"column", x.column}, {"label", x.label}, {"order", x.order}, {"default", x.default_value}});
  for (const auto& m : d.measures) {
    measures.push_back({{"column", m.column}, {"label", m.label}, {"unit", m.unit}, {"format", m.format}});
    if (!m.aggregate.empty()) measures.back().update({{"aggregate", m.aggregate}, {"of", m.of}});
  }
  json out = {{"id", d.id},           {"title", d.title},   {"table", d.table},
              {"period", {{"column", d.period_column}, {"cadence", d.cadence.kind}}},
              {"dimensions", dims},   {"measures", measures}, {"charts", d.charts}, {"tables", d.tables}};
  if (!d.quality_column.empty())
    out["quality"] = {{"column", d.quality_column}, {"dim", d.quality_dim}, {"gap", d.quality_gap}};
  return out;
}

}  // namespace

// The dataset's fixed filters as SQL (" WHERE a = ? AND b = ?") and its
// parameters.
std::string dataset_where_sql(const Dataset& d, std::vector<Cell>& params) {
  std::string sql;
  for (auto it = d.where.begin(); it != d.where.end(); ++it) {
    sql += (sql.empty() ? " WHERE " : " AND ") + quoted_name(it.key()) + " = ?";
    params.push_back(it->is_string()            ? Cell::of(it->get<std::string>())
                     : it->is_number_integer() ? Cell::of(it->get<int64_t>())
                                               : Cell::of(it->get<double>()));
  }
  return sql;
}

std::vector<View> declared_views(Store& store, const Pipeline* pipeline) {
  if (pipeline) return pipeline->views;
  std::vector<View> out;
  if (!store.has_table(ANALYTICA_T_VIEWS)) return out;
  for (const auto& r : store.query("SELECT pipeline, views FROM " ANALYTICA_T_VIEWS " ORDER BY pipeline")) {
    try {
      const json recorded = json::parse(cell_text(r[1]));
      for (auto& v : parse_views(recorded, "", cell_text(r[0]), ANALYTICA_T_VIEWS))
        if (!find_view(out, v.id)) out.push_back(std::move(v));
    } catch (const std::exception& e) {
      logging::write(logging::Level::warn, "", "views of pipeline " + cell_text(r[0]) + " skipped: " + e.what());
    }
  }
  return out;
}

const View* find_view(const std::vector<View>& views, const std::string& id) {
  for (const auto& v : views)
    if (v.id == id) return &v;
  return nullptr;
}

json dataset_rows(Store& store, const Dataset& d, bool include_pending) {
  if (d.aggregated()) {  // groups of approved figures; pending ones are not summed
    json rows = aggregated_rows(store, d);
    sort_rows(rows, d);
    return rows;
  }
  const auto columns = shown_columns(d);
  json rows = approved_rows(store, d, columns);
  if (include_pending)
    for (auto& r : unapproved_rows(store, d, columns)) rows.push_back(std::move(r));
  sort_rows(rows, d);
  return rows;
}

json view_answer(Store& store, const View& view, bool include_pending) {
  json datasets = json::array();
  for (const auto& d : view.datasets) {
    json one = dataset_json(d);
    one["rows"] = dataset_rows(store, d, include_pending);
    datasets.push_back(std::move(one));
  }
  return {{"id", view.id}, {"title", view.title}, {"pipeline", view.pipeline},
          {"include_pending", include_pending}, {"datasets", datasets}};
}

json views_summary(const std::vector<View>& views) {
  json out = json::array();
  for (const auto& v : views) {
    json datasets = json::array();
    for (const auto& d : v.datasets) datasets.push_back(dataset_json(d));
    out.push_back({{"id", v.id}, {"title", v.title}, {"pipeline", v.pipeline}, {"datasets", datasets}});
  }
  return out;
}

}  // namespace analytica
