// validator_continuity: figures against their own history.
//   continuity.jump  a value that moves implausibly from the previous
//                    month (more than max_change_pct, measured both ways:
//                    a halving is a 100% move, like a doubling). The
//                    previous month comes from the same batch (the city
//                    pages print a year and more) or else from the store.
//   continuity.yoy   a printed year-over-year / month-over-month benchmark
//   continuity.mom   change must match the benchmark prices: for the TOTAL
//                    CITY rows, the city page's benchmarks as printed in the
//                    same report (exactly, within the report's rounding) or,
//                    failing that, as stored from other reports (within
//                    history_tolerance_pct, since the board revises its
//                    benchmarks); for the other districts the district
//                    benchmarks stored from earlier reports, when
//                    compare_district_history is on.
//   continuity.revision  (rules in `revisions`, none by default) a figure
//                    that another edition of the report printed for the same
//                    key (the table's KEY columns) and that this edition
//                    revised by more than tolerance_pct % (and more than
//                    min_difference): the stored row of another version is
//                    compared, so ingest order does not matter.
// Needs the store (host->query). Tables are named as the extractor declares
// them; the pipeline's prefix is taken from the batch's table name.
#include "settings_table.h"
#include "validator_support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {
using namespace analytica::validator;

struct Revision {
  std::string check, table, column, version;
  double tolerance_pct = 0, min_difference = 0;
};

struct Validator final : Instance {
  std::string city_table, district_table, month, type, district, total_label, version;
  std::map<std::string, double> max_change, district_max_change;
  double min_base = 20;
  std::string benchmark, yoy, mom;
  double tolerance = 0.0051, history_tolerance = 1.0;
  bool compare_district_history = false;
  std::vector<Revision> revisions;
  void validate(const Batch& batch) override;
};

// "2024-03" shifted by `delta` months; "" if not YYYY-MM.
std::string shift_month(const std::string& m, int delta) {
  if (m.size() != 7 || m[4] != '-' || !std::isdigit(static_cast<unsigned char>(m[0])) ||
      !std::isdigit(static_cast<unsigned char>(m[5])) || !std::isdigit(static_cast<unsigned char>(m[6])))
    return "";
  int index = std::stoi(m.substr(0, 4)) * 12 + std::stoi(m.substr(5, 2)) - 1 + delta;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", index / 12, index % 12 + 1);
  return buf;
}

// One value from the store, or nullopt.
std::optional<double> stored(const Validator& v, const std::string& sql, const std::vector<Cell>& params) {
  const auto rows = analytica::query_rows(v.host, sql, params);
  if (rows.empty() || rows[0].empty()) return std::nullopt;
  return number(rows[0][0]);
}

// Largest move between two values, in % of the smaller: symmetric, so a
// halving counts like a doubling. nullopt when not judged.
std::optional<double> move_pct(double previous, double now, double min_base) {
  if (std::fabs(previous) < min_base && std::fabs(now) < min_base) return std::nullopt;
  if (previous <= 0 || now <= 0) return previous == now ? 0.0 : 1e9;
  return (std::max(previous, now) / std::min(previous, now) - 1) * 100;
}

void check_jumps(const Validator& v, const Batch& batch, bool city, const std::string& prefix) {
  const auto& schema = batch.schema();
  const int month = schema.index_of(v.month), type = schema.index_of(v.type), district = schema.index_of(v.district);
  if (month < 0 || type < 0 || (!city && district < 0)) return;
  const auto& limits = city ? v.max_change : v.district_max_change;
  std::vector<std::pair<int, double>> cols;
  for (const auto& [name, limit] : limits)
    if (int c = schema.index_of(name); c >= 0) cols.emplace_back(c, limit);
  if (cols.empty()) return;
  // Rows of this batch by (type, district, month).
  std::map<std::string, size_t> by_key;
  auto key = [&](const std::vector<Cell>& row, const std::string& m) {
    return text_of(row, type) + "|" + (city ? "" : text_of(row, district)) + "|" + m;
  };
  for (size_t r = 0; r < batch.row_count(); ++r) by_key[key(batch.row(r), text_of(batch.row(r), month))] = r;
  const std::string table = prefix + (city ? v.city_table : v.district_table);

  for (size_t r = 0; r < batch.row_count(); ++r) {
    const auto& row = batch.row(r);
    const std::string previous_month = shift_month(text_of(row, month), -1);
    if (previous_month.empty()) continue;
    const std::vector<Cell>* previous = nullptr;
    std::vector<Cell> from_store;
    std::string where = "same report";
    if (auto it = by_key.find(key(row, previous_month)); it != by_key.end()) {
      previous = &batch.row(it->second);
    } else {
      // The previous month as stored (another report), same columns.
      std::string sql = "SELECT ";
      for (size_t i = 0; i < cols.size(); ++i)
        sql += (i ? ", " : "") + sql_name(schema.columns()[static_cast<size_t>(cols[i].first)].name);
      sql += " FROM " + sql_name(table) + " WHERE " + sql_name(v.month) + " = ? AND " + sql_name(v.type) + " = ?";
      std::vector<Cell> params{Cell::of(previous_month), Cell::of(text_of(row, type))};
      if (!city) {
        sql += " AND " + sql_name(v.district) + " = ?";
        params.push_back(Cell::of(text_of(row, district)));
      }
      const auto rows = analytica::query_rows(v.host, sql, params);
      if (rows.empty()) continue;
      // Re-lay the stored values out at the batch's column positions.
      from_store.assign(schema.columns().size(), Cell::null());
      for (size_t i = 0; i < cols.size(); ++i) from_store[static_cast<size_t>(cols[i].first)] = rows[0][i];
      previous = &from_store;
      where = "stored";
    }
    Outcome o;
    bool judged = false;
    for (const auto& [c, limit] : cols) {
      const auto a = number(*previous, c), b = number(row, c);
      if (!a || !b) continue;
      const auto pct = move_pct(*a, *b, v.min_base);
      if (!pct) continue;
      judged = true;
      if (*pct > limit)
        o.fail(schema.columns()[static_cast<size_t>(c)].name + " " + show(*a) + " in " + previous_month + " (" +
                   where + ") -> " + show(*b) + ": a move of " + show(*pct, 1) + "% (limit " + show(limit) + "%)",
               show(*b), "within " + show(limit) + "% of " + show(*a));
    }
    if (judged) v.report(r, "continuity.jump", o);
  }
}

void check_changes(const Validator& v, const Batch& batch, const std::string& prefix) {
  const auto& schema = batch.schema();
  const int month = schema.index_of(v.month), type = schema.index_of(v.type), district = schema.index_of(v.district),
            version = schema.index_of(v.version), bench = schema.index_of(v.benchmark);
  if (month < 0 || type < 0 || district < 0 || bench < 0) return;
  const std::string city = prefix + v.city_table, own = prefix + v.district_table;
  struct Change {
    const char* check;
    int column;
    int months_back;
  };
  const Change changes[] = {{"continuity.yoy", schema.index_of(v.yoy), 12}, {"continuity.mom", schema.index_of(v.mom), 1}};

  for (size_t r = 0; r < batch.row_count(); ++r) {
    const auto& row = batch.row(r);
    const bool total = text_of(row, district) == v.total_label;
    if (!total && !v.compare_district_history) continue;
    const auto now = number(row, bench);
    if (!now) continue;
    for (const auto& ch : changes) {
      const auto printed = number(row, ch.column);
      const std::string then_month = shift_month(text_of(row, month), -ch.months_back);
      if (!printed || then_month.empty()) continue;
      std::optional<double> then;
      double tolerance = v.history_tolerance;
      std::string source;
      if (total && version >= 0) {  // the city page of the same report
        then = stored(v, "SELECT " + sql_name(v.benchmark) + " FROM " + sql_name(city + "_revisions") + " WHERE " +
                             sql_name(v.month) + " = ? AND " + sql_name(v.type) + " = ? AND " + sql_name(v.version) +
                             " = ?",
                      {Cell::of(then_month), Cell::of(text_of(row, type)), row[static_cast<size_t>(version)]});
        tolerance = v.tolerance;
        source = "the city page of this report";
      }
      if (!then && total) {
        then = stored(v, "SELECT " + sql_name(v.benchmark) + " FROM " + sql_name(city) + " WHERE " + sql_name(v.month) +
                             " = ? AND " + sql_name(v.type) + " = ?",
                      {Cell::of(then_month), Cell::of(text_of(row, type))});
        tolerance = v.history_tolerance;
        source = "the stored city benchmark";
      }
      if (!then && !total) {
        then = stored(v, "SELECT " + sql_name(v.benchmark) + " FROM " + sql_name(own) + " WHERE " + sql_name(v.month) +
                             " = ? AND " + sql_name(v.type) + " = ? AND " + sql_name(v.district) + " = ?",
                      {Cell::of(then_month), Cell::of(text_of(row, type)), Cell::of(text_of(row, district))});
        tolerance = v.history_tolerance;
        source = "the stored district benchmark";
      }
      if (!then || *then <= 0) continue;
      const double computed = (*now / *then - 1) * 100;
      Outcome o;
      if (!(std::fabs(computed - *printed) <= tolerance))
        o.fail(schema.columns()[static_cast<size_t>(ch.column)].name + " " + show(*printed) +
                   "% but the benchmark moved " + show(*then) + " (" + then_month + ", " + source + ") -> " +
                   show(*now) + " = " + show(computed, 4) + "%",
               show(*printed), show(computed, 4) + " +- " + show(tolerance, 4));
      v.report(r, ch.check, o);
    }
  }
}

std::map<std::string, double> limits(const json& s, const char* key) {
  std::map<std::string, double> out;
  for (auto it = s.at(key).begin(); it != s.at(key).end(); ++it) {
    if (!it->is_number() || it->get<double>() < 0)
      throw Failure(ANALYTICA_ERR_INVALID, std::string("setting ") + key + "." + it.key() + ": expected a number >= 0");
    out[it.key()] = it->get<double>();
  }
  return out;
}

// Each row against the stored row of the same key from another version.
void check_revisions(const Validator& v, const Batch& batch) {
  const auto& schema = batch.schema();
  for (const auto& rule : v.revisions) {
    const auto prefix = table_prefix(schema.table(), rule.table);
    if (!prefix) continue;
    const int value = schema.index_of(rule.column), version = schema.index_of(rule.version);
    if (value < 0 || version < 0) continue;
    std::vector<int> keys;
    std::string sql = "SELECT " + sql_name(rule.column) + ", " + sql_name(rule.version) + " FROM " +
                      sql_name(*prefix + rule.table) + " WHERE ";
    for (size_t c = 0; c < schema.columns().size(); ++c)
      if (schema.columns()[c].flags & ANALYTICA_COLUMN_KEY) {
        sql += std::string(keys.empty() ? "" : " AND ") + sql_name(schema.columns()[c].name) + " = ?";
        keys.push_back(static_cast<int>(c));
      }
    if (keys.empty()) continue;
    for (size_t r = 0; r < batch.row_count(); ++r) {
      const auto& row = batch.row(r);
      const auto now = number(row, value);
      if (!now) continue;
      std::vector<Cell> params;
      bool complete = true;
      for (int k : keys) {
        complete = complete && row[static_cast<size_t>(k)].type != ANALYTICA_NULL;
        params.push_back(row[static_cast<size_t>(k)]);
      }
      if (!complete) continue;
      const auto rows = analytica::query_rows(v.host, sql, params);
      if (rows.empty() || rows[0].size() < 2) continue;
      const Cell& other_version = rows[0][1];
      const Cell& this_version = row[static_cast<size_t>(version)];
      if (other_version.type == this_version.type && other_version.text == this_version.text &&
          number(other_version) == number(this_version))
        continue;  // the same edition (a re-ingest): nothing to compare
      const auto then = number(rows[0][0]);
      if (!then) continue;
      const double diff = std::fabs(*now - *then);
      const double allowed = std::max(rule.min_difference, std::fabs(*then) * rule.tolerance_pct / 100);
      const std::string edition = other_version.type == ANALYTICA_TEXT ? other_version.text : show(*number(other_version));
      Outcome o;
      if (diff > allowed + 1e-9)
        o.fail(rule.column + " " + show(*then) + " (" + rule.version + " " + edition + ") revised to " + show(*now) +
                   ": by " + show(diff) + ", more than " + show(allowed),
               show(*now), show(*then) + " +- " + show(allowed));
      v.report(r, rule.check, o);
    }
  }
}

void Validator::validate(const Batch& batch) {
  check_revisions(*this, batch);
  const std::string& table = batch.schema().table();
  if (const auto city = table_prefix(table, city_table)) {
    check_jumps(*this, batch, true, *city);
  } else if (const auto prefix = table_prefix(table, district_table)) {
    check_jumps(*this, batch, false, *prefix);
    check_changes(*this, batch, *prefix);
  }
}

std::unique_ptr<Instance> configure(const json& s) {
  auto v = std::make_unique<Validator>();
  v->city_table = name_setting(s, "city_table");
  v->district_table = name_setting(s, "district_table");
  v->month = name_setting(s, "month_column");
  v->type = name_setting(s, "type_column");
  v->district = name_setting(s, "district_column");
  v->total_label = s.at("total_label").get<std::string>();
  v->version = name_setting(s, "version_column");
  v->max_change = limits(s, "max_change_pct");
  v->district_max_change = limits(s, "district_max_change_pct");
  v->min_base = s.at("min_base").get<double>();
  v->benchmark = name_setting(s, "benchmark_column");
  v->yoy = name_setting(s, "yoy_column");
  v->mom = name_setting(s, "mom_column");
  v->tolerance = s.at("tolerance_pct").get<double>();
  v->history_tolerance = s.at("history_tolerance_pct").get<double>();
  v->compare_district_history = s.at("compare_district_history").get<bool>();
  try {
    for (const auto& x : s.at("revisions")) {
      Revision rule{x.value("check", std::string("continuity.revision")), x.at("table").get<std::string>(),
                    x.at("column").get<std::string>(), x.at("version_column").get<std::string>(),
                    x.value("tolerance_pct", 0.0), x.value("min_difference", 0.0)};
      sql_name(rule.table);
      sql_name(rule.column);
      sql_name(rule.version);
      if (rule.tolerance_pct < 0 || rule.min_difference < 0)
        throw Failure(ANALYTICA_ERR_INVALID, "setting revisions: tolerance_pct and min_difference must be >= 0");
      v->revisions.push_back(rule);
    }
  } catch (const json::exception& e) {
    throw Failure(ANALYTICA_ERR_INVALID, std::string("setting revisions: expected [{check, table, column, "
                                                     "version_column, tolerance_pct, min_difference}]: ") + e.what());
  }
  return v;
}

}  // namespace

ANALYTICA_VALIDATOR_PLUGIN(
    "validator_continuity", "1.0.0",
    "implausible month-to-month jumps; y/y and m/m benchmark changes against the benchmark prices stored",
    validator_continuity::kSettings, configure)
