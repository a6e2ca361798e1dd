// validator_reconciliation: the same figure printed in two places agrees.
//   pairs     rows of one table (e.g. the district table's TOTAL CITY rows)
//             against the matching rows of another table of the same report
//             (the city page for that month and property type): the listed
//             figures must be equal. The other table is read from the store
//             — its batch was written earlier in the same transaction — in
//             its `_revisions` form, restricted to the same report, so a
//             newer report already stored cannot interfere.
//   revision  a record that an earlier (or later) report printed too is
//             compared with that report's figures: differences are kept as
//             a revision with both values (the check passes, the reason
//             says what changed); only a change beyond max_revision_pct
//             (and beyond revision_min_difference) fails.
// Needs the store (host->query). Tables are named as the extractor declares
// them; the pipeline's prefix is taken from the batch's table name.
#include "settings_table.h"
#include "validator_support.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {
using namespace analytica::validator;

struct Pair {
  std::string check, table, other_table;
  std::vector<std::pair<std::string, std::string>> where;
  std::vector<std::string> match, columns;
};

struct Validator final : Instance {
  std::vector<Pair> pairs;
  std::string version_column;
  bool revisions = true;
  double max_revision_pct = 15, revision_min_difference = 10;
  double revision_confidence = 0.5;
  void validate(const Batch& batch) override;
};

std::string show(const Cell& c) {
  char buf[64];
  switch (c.type) {
    case ANALYTICA_INT64: return std::to_string(c.i);
    case ANALYTICA_DOUBLE: std::snprintf(buf, sizeof buf, "%.2f", c.d); return buf;
    case ANALYTICA_TEXT: return c.text;
    default: return "blank";
  }
}

bool same(const Cell& a, const Cell& b) {
  const auto x = number(a), y = number(b);
  if (x && y) return std::fabs(*x - *y) < 1e-9;
  if (a.type != b.type) return false;
  return a.type != ANALYTICA_TEXT || a.text == b.text;
}

void check_pairs(const Validator& v, const Batch& batch) {
  const auto& schema = batch.schema();
  const int version = schema.index_of(v.version_column);
  for (const auto& p : v.pairs) {
    const auto prefix = table_prefix(schema.table(), p.table);
    if (!prefix || version < 0) continue;
    const std::string other = *prefix + p.other_table;
    std::vector<int> match, cols;
    bool usable = true;
    for (const auto& m : p.match) usable = usable && (match.emplace_back(schema.index_of(m)) >= 0);
    for (const auto& c : p.columns) usable = usable && (cols.emplace_back(schema.index_of(c)) >= 0);
    std::vector<std::pair<int, std::string>> where;
    for (const auto& [column, value] : p.where) usable = usable && (where.emplace_back(schema.index_of(column), value).first >= 0);
    if (!usable) continue;
    std::string sql = "SELECT ";
    for (size_t i = 0; i < p.columns.size(); ++i) sql += (i ? ", " : "") + sql_name(p.columns[i]);
    sql += " FROM " + sql_name(other + "_revisions") + " WHERE " + sql_name(v.version_column) + " = ?";
    for (const auto& m : p.match) sql += " AND " + sql_name(m) + " = ?";

    for (size_t r = 0; r < batch.row_count(); ++r) {
      const auto& row = batch.row(r);
      bool selected = true;
      for (const auto& [c, value] : where)
        selected = selected && row[static_cast<size_t>(c)].type == ANALYTICA_TEXT && row[static_cast<size_t>(c)].text == value;
      if (!selected) continue;
      std::vector<Cell> params{row[static_cast<size_t>(version)]};
      std::string what;
      for (size_t i = 0; i < match.size(); ++i) {
        params.push_back(row[static_cast<size_t>(match[i])]);
        what += (what.empty() ? "" : ", ") + p.match[i] + " " + show(row[static_cast<size_t>(match[i])]);
      }
      const auto found = analytica::query_rows(v.host, sql, params);
      Outcome o;
      if (found.empty())
        o.fail("no " + p.other_table + " row for " + what + " in the same report", "none",
               "a " + p.other_table + " row");
      else
        for (size_t i = 0; i < cols.size(); ++i) {
          const Cell& here = row[static_cast<size_t>(cols[i])];
          const Cell& there = found[0][i];
          if (here.type == ANALYTICA_NULL || there.type == ANALYTICA_NULL || same(here, there)) continue;
          o.fail(p.columns[i] + " " + show(here) + " here but " + show(there) + " in " + p.other_table + " (" +
                     what + ")",
                 show(here), show(there));
        }
      v.report(r, p.check, o);
    }
  }
}

void check_revisions(const Validator& v, const Batch& batch) {
  const auto& schema = batch.schema();
  const auto& cols = schema.columns();
  const int version = schema.index_of(v.version_column);
  if (version < 0 || !(cols[static_cast<size_t>(version)].flags & ANALYTICA_COLUMN_NEWEST)) return;
  std::vector<size_t> keys, figures;
  for (size_t c = 0; c < cols.size(); ++c) {
    if (cols[c].flags & ANALYTICA_COLUMN_KEY) keys.push_back(c);
    else if (static_cast<int>(c) != version && (cols[c].type == ANALYTICA_INT64 || cols[c].type == ANALYTICA_DOUBLE))
      figures.push_back(c);
  }
  if (keys.empty() || figures.empty()) return;
  std::string sql = "SELECT " + sql_name(v.version_column);
  for (size_t c : figures) sql += ", " + sql_name(cols[c].name);
  sql += " FROM " + sql_name(schema.table() + "_revisions") + " WHERE ";
  for (size_t i = 0; i < keys.size(); ++i) sql += (i ? " AND " : "") + sql_name(cols[keys[i]].name) + " = ?";

  for (size_t r = 0; r < batch.row_count(); ++r) {
    const auto& row = batch.row(r);
    const Cell& ours = row[static_cast<size_t>(version)];
    if (ours.type != ANALYTICA_TEXT) continue;
    std::vector<Cell> params;
    for (size_t c : keys) params.push_back(row[c]);
    const auto stored = analytica::query_rows(v.host, sql, params);
    // The nearest earlier report; failing that the nearest later one, or
    // an earlier file of the same report.
    const std::vector<Cell>* earlier = nullptr;
    const std::vector<Cell>* later = nullptr;
    const std::vector<Cell>* same_report = nullptr;
    for (const auto& s : stored) {
      if (s.empty() || s[0].type != ANALYTICA_TEXT) continue;
      if (s[0].text < ours.text && (!earlier || s[0].text > (*earlier)[0].text)) earlier = &s;
      if (s[0].text > ours.text && (!later || s[0].text < (*later)[0].text)) later = &s;
      if (s[0].text == ours.text) same_report = &s;
    }
    const std::vector<Cell>* base = earlier ? earlier : later ? later : same_report;
    if (!base) continue;
    // Changes read in time order: the earlier report's value first.
    const bool base_later = base == later;
    std::string changes, too_large, observed, expected;
    for (size_t i = 0; i < figures.size(); ++i) {
      const Cell& now = row[figures[i]];
      const Cell& then = (*base)[i + 1];
      if (same(now, then)) continue;
      const std::string name = cols[figures[i]].name;
      const std::string change = name + " " + show(base_later ? now : then) + " -> " + show(base_later ? then : now);
      changes += (changes.empty() ? "" : ", ") + change;
      const auto a = number(then), b = number(now);
      if (a && b && std::fabs(*b - *a) > v.revision_min_difference && *a != 0 &&
          std::fabs(*b - *a) / std::fabs(*a) * 100 > v.max_revision_pct) {
        if (too_large.empty()) { observed = show(now); expected = show(then) + " +- " + std::to_string(static_cast<int>(v.max_revision_pct)) + "%"; }
        too_large += (too_large.empty() ? "" : ", ") + name;
      }
    }
    if (changes.empty()) {
      v.report(r, "reconciliation.revision", true, 1.0, "");
      continue;
    }
    const std::string what = base == same_report ? "revised from an earlier file of the same " + ours.text + " report"
                             : base_later        ? "revised by the later " + (*base)[0].text + " report"
                                                 : "revised from the " + (*base)[0].text + " report";
    if (too_large.empty()) {
      v.report(r, "reconciliation.revision", true, 1.0, what + ": " + changes);
    } else {
      v.report(r, "reconciliation.revision", false, v.revision_confidence,
               what + " by more than " + std::to_string(static_cast<int>(v.max_revision_pct)) + "% (" + too_large +
                   "): " + changes,
               observed, expected);
    }
  }
}

void Validator::validate(const Batch& batch) {
  check_pairs(*this, batch);
  if (revisions) check_revisions(*this, batch);
}

std::unique_ptr<Instance> configure(const json& s) {
  auto v = std::make_unique<Validator>();
  try {
    for (const auto& x : s.at("pairs")) {
      Pair p{x.at("check").get<std::string>(), x.at("table").get<std::string>(),
             x.at("other_table").get<std::string>(), {}, string_list(x.at("match"), "pairs[].match"),
             string_list(x.at("columns"), "pairs[].columns")};
      if (x.contains("where"))
        for (auto it = x["where"].begin(); it != x["where"].end(); ++it) p.where.emplace_back(it.key(), it->get<std::string>());
      for (const auto& n : p.match) sql_name(n);
      for (const auto& n : p.columns) sql_name(n);
      v->pairs.push_back(std::move(p));
    }
  } catch (const json::exception& e) {
    throw Failure(ANALYTICA_ERR_INVALID, std::string("setting pairs: expected [{check, table, where, other_table, "
                                                     "match, columns}]: ") + e.what());
  }
  v->version_column = name_setting(s, "version_column");
  v->revisions = s.at("revisions").get<bool>();
  v->max_revision_pct = s.at("max_revision_pct").get<double>();
  v->revision_min_difference = s.at("revision_min_difference").get<double>();
  v->revision_confidence = unit_setting(s, "revision_confidence");
  return v;
}

}  // namespace

ANALYTICA_VALIDATOR_PLUGIN(
    "validator_reconciliation", "1.0.0",
    "figures printed twice agree (TOTAL CITY vs city page); revisions against other reports kept with both values",
    validator_reconciliation::kSettings, configure)
