// validator_ranges: schema and range checks on every row of every batch.
//   ranges.types         each value has its column's type (an integer is
//                        fine for a real column), key and required columns
//                        are not blank, month-like columns read YYYY-MM
//   ranges.non_negative  counts are not negative
//   ranges.bounds        values inside plausible [min, max] bounds (prices,
//                        days on market, percentages...); `scoped_bounds`
//                        adds bounds for the rows a `where` selects (one
//                        value column holding rates in some tables and rents
//                        in others, say)
//   ranges.period        the row's month lies inside the report's period:
//                        from January `years_back` years before the report's
//                        year up to the report's month (and exactly the
//                        report's month in `same_month_tables`)
// Rules and bounds are settings; a check is only reported for rows of
// tables that have the columns it needs.
#include "settings_table.h"
#include "validator_support.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {
using namespace analytica::validator;
using analytica::validator::show;  // beside show(const Cell&) below

struct Bound {
  std::optional<double> min, max;
};

// Bounds for the rows of (optionally) one table whose columns equal one of
// the values given.
struct ScopedBounds {
  std::string table;
  std::vector<std::pair<std::string, std::vector<Cell>>> where;
  std::map<std::string, Bound> bounds;
};

bool same(const Cell& a, const Cell& b) {
  if (a.type == ANALYTICA_TEXT || b.type == ANALYTICA_TEXT) return a.type == b.type && a.text == b.text;
  const auto x = number(a), y = number(b);
  return x && y && *x == *y;
}

struct Validator final : Instance {
  std::map<std::string, Bound> bounds;
  std::set<std::string> non_negative, required, month_columns;
  std::string month_column, report_month_column;
  int64_t years_back = 1;
  std::vector<std::string> same_month_tables;
  std::vector<ScopedBounds> scoped;
  void validate(const Batch& batch) override;
};

std::string show(const Cell& c) {
  switch (c.type) {
    case ANALYTICA_INT64: return std::to_string(c.i);
    case ANALYTICA_DOUBLE: return show(c.d);
    case ANALYTICA_TEXT: return "\"" + c.text + "\"";
    default: return "blank";
  }
}

const char* type_name(analytica_type t) {
  switch (t) {
    case ANALYTICA_INT64: return "integer";
    case ANALYTICA_DOUBLE: return "number";
    case ANALYTICA_TEXT: return "text";
    default: return "blank";
  }
}

// "2024-03" -> 2024 * 12 + 2; nullopt unless YYYY-MM with a month 01..12.
std::optional<int> month_index(const std::string& s) {
  if (s.size() != 7 || s[4] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  const int year = std::stoi(s.substr(0, 4)), month = std::stoi(s.substr(5, 2));
  if (month < 1 || month > 12) return std::nullopt;
  return year * 12 + month - 1;
}

std::string month_text(int index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", index / 12, index % 12 + 1);
  return buf;
}

void validate_batch(const Validator& v, const Batch& batch) {
  const auto& schema = batch.schema();
  const auto& cols = schema.columns();
  const int month_col = schema.index_of(v.month_column);
  const int report_col = schema.index_of(v.report_month_column);
  bool same_month = false;
  for (const auto& t : v.same_month_tables) same_month = same_month || ends_with(schema.table(), t);
  bool has_non_negative = false, has_bounds = false;
  for (const auto& c : cols) {
    has_non_negative = has_non_negative || v.non_negative.count(c.name);
    has_bounds = has_bounds || v.bounds.count(c.name);
  }
  // The scoped bounds that can apply to this batch, with their columns' positions.
  struct Scoped {
    const ScopedBounds* rule;
    std::vector<std::pair<int, const std::vector<Cell>*>> where;
    std::vector<std::pair<int, std::pair<std::string, Bound>>> bounds;
  };
  std::vector<Scoped> scoped;
  for (const auto& rule : v.scoped) {
    if (!rule.table.empty() && !ends_with(schema.table(), rule.table)) continue;
    Scoped sc{&rule, {}, {}};
    bool usable = true;
    for (const auto& [column, values] : rule.where) {
      const int c = schema.index_of(column);
      usable = usable && c >= 0;
      sc.where.emplace_back(c, &values);
    }
    for (const auto& [column, bound] : rule.bounds)
      if (int c = schema.index_of(column); c >= 0) sc.bounds.push_back({c, {column, bound}});
    if (usable && !sc.bounds.empty()) {
      scoped.push_back(std::move(sc));
      has_bounds = true;
    }
  }

  for (size_t r = 0; r < batch.row_count(); ++r) {
    const auto& row = batch.row(r);
    Outcome types, non_negative, bounds, period;
    for (size_t c = 0; c < cols.size(); ++c) {
      const Cell& cell = row[c];
      const std::string& name = cols[c].name;
      const bool type_ok = cell.type == ANALYTICA_NULL || cell.type == cols[c].type ||
                           (cols[c].type == ANALYTICA_DOUBLE && cell.type == ANALYTICA_INT64);
      if (!type_ok)
        types.fail(name + " is " + type_name(cell.type) + ", expected " + type_name(cols[c].type), show(cell),
                   type_name(cols[c].type));
      if (cell.type == ANALYTICA_NULL && ((cols[c].flags & ANALYTICA_COLUMN_KEY) || v.required.count(name)))
        types.fail(name + " is blank", "blank", "a value");
      if (cell.type == ANALYTICA_TEXT && v.month_columns.count(name) && !month_index(cell.text))
        types.fail(name + " " + show(cell) + " is not a month (YYYY-MM)", show(cell), "YYYY-MM");
      const auto x = number(cell);
      if (!x) continue;
      if (v.non_negative.count(name) && *x < 0)
        non_negative.fail(name + " " + show(*x) + " is negative", show(*x), ">= 0");
      if (auto b = v.bounds.find(name); b != v.bounds.end()) {
        const Bound& bound = b->second;
        if ((bound.min && *x < *bound.min) || (bound.max && *x > *bound.max)) {
          const std::string range = (bound.min ? show(*bound.min) : "-inf") + " .. " + (bound.max ? show(*bound.max) : "inf");
          bounds.fail(name + " " + show(*x) + " outside " + range, show(*x), range);
        }
      }
    }
    for (const auto& sc : scoped) {
      bool selected = true;
      for (const auto& [c, values] : sc.where) {
        bool any = false;
        for (const auto& want : *values) any = any || same(row[static_cast<size_t>(c)], want);
        selected = selected && any;
      }
      if (!selected) continue;
      for (const auto& [c, named] : sc.bounds) {
        const auto x = number(row[static_cast<size_t>(c)]);
        const Bound& bound = named.second;
        if (x && ((bound.min && *x < *bound.min) || (bound.max && *x > *bound.max))) {
          const std::string range = (bound.min ? show(*bound.min) : "-inf") + " .. " + (bound.max ? show(*bound.max) : "inf");
          bounds.fail(named.first + " " + show(*x) + " outside " + range, show(*x), range);
        }
      }
    }
    v.report(r, "ranges.types", types);
    if (has_non_negative) v.report(r, "ranges.non_negative", non_negative);
    if (has_bounds) v.report(r, "ranges.bounds", bounds);

    if (month_col >= 0 && report_col >= 0) {
      const Cell& m = row[static_cast<size_t>(month_col)];
      const Cell& rm = row[static_cast<size_t>(report_col)];
      const auto mi = m.type == ANALYTICA_TEXT ? month_index(m.text) : std::nullopt;
      const auto ri = rm.type == ANALYTICA_TEXT ? month_index(rm.text) : std::nullopt;
      if (mi.has_value() && ri.has_value()) {
        const int at = mi.value_or(0), report_at = ri.value_or(0);
        const int first = same_month ? report_at : (report_at / 12 - static_cast<int>(v.years_back)) * 12;
        if (at < first || at > report_at) {
          const std::string range = same_month ? rm.text : month_text(first) + " .. " + rm.text;
          period.fail(v.month_column + " " + m.text + " outside the period of the " + rm.text + " report", m.text,
                      range);
        }
        v.report(r, "ranges.period", period);
      }
    }
  }
}

void Validator::validate(const Batch& batch) { validate_batch(*this, batch); }

std::set<std::string> string_set(const json& s, const char* key) {
  const std::vector<std::string> list = string_list(s.at(key), key);
  return {list.begin(), list.end()};
}

// {column: [min, max]} as bounds; `setting` names the key in messages.
std::map<std::string, Bound> read_bounds(const json& object, const std::string& setting) {
  if (!object.is_object()) throw Failure(ANALYTICA_ERR_INVALID, "setting " + setting + ": expected {column: [min, max]}");
  std::map<std::string, Bound> out;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const json& b = *it;
    if (!b.is_array() || b.size() != 2 || !(b[0].is_null() || b[0].is_number()) || !(b[1].is_null() || b[1].is_number()))
      throw Failure(ANALYTICA_ERR_INVALID, "setting " + setting + "." + it.key() + ": expected [min, max] (numbers or null)");
    Bound bound;
    if (b[0].is_number()) bound.min = b[0].get<double>();
    if (b[1].is_number()) bound.max = b[1].get<double>();
    out[it.key()] = bound;
  }
  return out;
}

std::vector<ScopedBounds> read_scoped(const json& list) {
  if (!list.is_array()) throw Failure(ANALYTICA_ERR_INVALID, "setting scoped_bounds: expected an array");
  std::vector<ScopedBounds> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = "scoped_bounds[" + std::to_string(i) + "]";
    const json& r = list[i];
    if (!r.is_object() || !r.contains("bounds"))
      throw Failure(ANALYTICA_ERR_INVALID, "setting " + at + ": expected {table, where, bounds}");
    ScopedBounds sb;
    if (r.contains("table")) {
      if (!r["table"].is_string()) throw Failure(ANALYTICA_ERR_INVALID, "setting " + at + ".table: expected a table name");
      sb.table = r["table"].get<std::string>();
    }
    const json where = r.value("where", json::object());
    if (!where.is_object()) throw Failure(ANALYTICA_ERR_INVALID, "setting " + at + ".where: expected {column: values}");
    for (auto it = where.begin(); it != where.end(); ++it) {
      std::vector<Cell> values;
      for (const json& x : it->is_array() ? *it : json::array({*it})) {
        if (x.is_string()) values.push_back(Cell::of(x.get<std::string>()));
        else if (x.is_number()) values.push_back(Cell::of(x.get<double>()));
        else throw Failure(ANALYTICA_ERR_INVALID, "setting " + at + ".where." + it.key() + ": expected text or numbers");
      }
      sb.where.emplace_back(it.key(), std::move(values));
    }
    sb.bounds = read_bounds(r["bounds"], at + ".bounds");
    out.push_back(std::move(sb));
  }
  return out;
}

std::unique_ptr<Instance> configure(const json& s) {
  auto v = std::make_unique<Validator>();
  v->bounds = read_bounds(s.at("bounds"), "bounds");
  v->scoped = read_scoped(s.at("scoped_bounds"));
  v->non_negative = string_set(s, "non_negative");
  v->required = string_set(s, "required");
  v->month_columns = string_set(s, "month_columns");
  v->month_column = s.at("month_column").get<std::string>();
  v->report_month_column = s.at("report_month_column").get<std::string>();
  v->years_back = s.at("years_back").get<int64_t>();
  if (v->years_back < 0 || v->years_back > 50)
    throw Failure(ANALYTICA_ERR_INVALID, "setting years_back: expected 0 to 50");
  v->same_month_tables = string_list(s.at("same_month_tables"), "same_month_tables");
  return v;
}

}  // namespace

ANALYTICA_VALIDATOR_PLUGIN("validator_ranges", "1.0.0",
                           "types, non-negative counts, plausible bounds and months inside the report's period",
                           validator_ranges::kSettings, configure)
