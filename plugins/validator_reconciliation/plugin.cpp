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
#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {
using analytica::Batch;
using analytica::Cell;
using analytica::Failure;
using nlohmann::json;

const analytica_setting kSettings[] = {
    {"pairs", "array",
     R"([{"check": "reconciliation.city_page", "table": "district_monthly", "where": {"district": "TOTAL CITY"},)"
     R"( "other_table": "city_monthly", "match": ["month", "property_type"],)"
     R"( "columns": ["sales", "new_listings", "inventory", "benchmark_price"]}])",
     0,
     "figures printed twice: {check, table, where {column: value}, other_table, match [columns], columns "
     "[compared]}; tables without the pipeline's prefix"},
    {"version_column", "string", "\"report_month\"", 0,
     "the column naming the report a row came from (the table's NEWEST column)"},
    {"revisions", "boolean", "true", 0, "compare each record with the other reports that printed it"},
    {"max_revision_pct", "number", "15", 0, "a revision larger than this (in % of the earlier value) fails"},
    {"revision_min_difference", "number", "10", 0, "revisions up to this absolute difference never fail"},
    {"failure_confidence", "number", "0.3", 0, "confidence of a row whose figures disagree"},
    {"revision_confidence", "number", "0.5", 0, "confidence of a row revised beyond the limits"},
};

struct Pair {
  std::string check, table, other_table;
  std::vector<std::pair<std::string, std::string>> where;
  std::vector<std::string> match, columns;
};

struct Validator {
  const analytica_host* host;
  std::vector<Pair> pairs;
  std::string version_column;
  bool revisions = true;
  double max_revision_pct = 15, revision_min_difference = 10;
  double failure_confidence = 0.3, revision_confidence = 0.5;
};

std::optional<double> number(const Cell& c) {
  if (c.type == ANALYTICA_INT64) return static_cast<double>(c.i);
  if (c.type == ANALYTICA_DOUBLE) return c.d;
  return std::nullopt;
}

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

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool plain(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::string quoted(const std::string& name) {
  if (!plain(name)) throw Failure(ANALYTICA_ERR_INVALID, "\"" + name + "\" is not a plain table or column name");
  return "\"" + name + "\"";
}

void report(const Validator& v, uint64_t row, const std::string& check, bool passed, double confidence,
            const std::string& reason) {
  const analytica_status s = v.host->report_check(v.host->ctx, row, check.c_str(), passed ? 1 : 0,
                                                  confidence, reason.empty() ? nullptr : reason.c_str());
  if (s < 0) throw Failure(s, "report_check " + check + " refused for row " + std::to_string(row));
}

void check_pairs(const Validator& v, const Batch& batch) {
  const auto& schema = batch.schema();
  const int version = schema.index_of(v.version_column);
  for (const auto& p : v.pairs) {
    if (!ends_with(schema.table(), p.table) || version < 0) continue;
    const std::string other = schema.table().substr(0, schema.table().size() - p.table.size()) + p.other_table;
    std::vector<int> match, cols;
    bool usable = true;
    for (const auto& m : p.match) usable = usable && (match.emplace_back(schema.index_of(m)) >= 0);
    for (const auto& c : p.columns) usable = usable && (cols.emplace_back(schema.index_of(c)) >= 0);
    std::vector<std::pair<int, std::string>> where;
    for (const auto& [column, value] : p.where) usable = usable && (where.emplace_back(schema.index_of(column), value).first >= 0);
    if (!usable) continue;
    std::string sql = "SELECT ";
    for (size_t i = 0; i < p.columns.size(); ++i) sql += (i ? ", " : "") + quoted(p.columns[i]);
    sql += " FROM " + quoted(other + "_revisions") + " WHERE " + quoted(v.version_column) + " = ?";
    for (const auto& m : p.match) sql += " AND " + quoted(m) + " = ?";

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
      if (found.empty()) {
        report(v, r, p.check, false, v.failure_confidence,
               analytica::check_reason("no " + p.other_table + " row for " + what + " in the same report", "none",
                                       "a " + p.other_table + " row"));
        continue;
      }
      std::string problems, observed, expected;
      for (size_t i = 0; i < cols.size(); ++i) {
        const Cell& here = row[static_cast<size_t>(cols[i])];
        const Cell& there = found[0][i];
        if (here.type == ANALYTICA_NULL || there.type == ANALYTICA_NULL || same(here, there)) continue;
        if (problems.empty()) { observed = show(here); expected = show(there); }
        problems += (problems.empty() ? "" : "; ") + p.columns[i] + " " + show(here) + " here but " + show(there) +
                    " in " + p.other_table + " (" + what + ")";
      }
      report(v, r, p.check, problems.empty(), problems.empty() ? 1.0 : v.failure_confidence,
             problems.empty() ? "" : analytica::check_reason(problems, observed, expected));
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
  std::string sql = "SELECT " + quoted(v.version_column);
  for (size_t c : figures) sql += ", " + quoted(cols[c].name);
  sql += " FROM " + quoted(schema.table() + "_revisions") + " WHERE ";
  for (size_t i = 0; i < keys.size(); ++i) sql += (i ? " AND " : "") + quoted(cols[keys[i]].name) + " = ?";

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
      report(v, r, "reconciliation.revision", true, 1.0, "");
      continue;
    }
    const std::string what = base == same_report ? "revised from an earlier file of the same " + ours.text + " report"
                             : base_later        ? "revised by the later " + (*base)[0].text + " report"
                                                 : "revised from the " + (*base)[0].text + " report";
    if (too_large.empty()) {
      report(v, r, "reconciliation.revision", true, 1.0, what + ": " + changes);
    } else {
      report(v, r, "reconciliation.revision", false, v.revision_confidence,
             analytica::check_reason(what + " by more than " + std::to_string(static_cast<int>(v.max_revision_pct)) +
                                         "% (" + too_large + "): " + changes,
                                     observed, expected));
    }
  }
}

std::vector<std::string> strings(const json& a) {
  std::vector<std::string> out;
  for (const auto& x : a) out.push_back(x.get<std::string>());
  return out;
}

double unit(const json& s, const char* key) {
  const double d = s.at(key).get<double>();
  if (!(d >= 0 && d <= 1)) throw Failure(ANALYTICA_ERR_INVALID, std::string("setting ") + key + ": expected 0 to 1");
  return d;
}

analytica_status create(const analytica_host* host, const char* settings_json, void** out) {
  return analytica::guard(host, [&] {
    const json s = json::parse(settings_json);
    auto v = std::make_unique<Validator>();
    v->host = host;
    try {
      for (const auto& x : s.at("pairs")) {
        Pair p{x.at("check").get<std::string>(), x.at("table").get<std::string>(),
               x.at("other_table").get<std::string>(), {}, strings(x.at("match")), strings(x.at("columns"))};
        if (x.contains("where"))
          for (auto it = x["where"].begin(); it != x["where"].end(); ++it) p.where.emplace_back(it.key(), it->get<std::string>());
        for (const auto& n : p.match) quoted(n);
        for (const auto& n : p.columns) quoted(n);
        v->pairs.push_back(std::move(p));
      }
    } catch (const json::exception& e) {
      throw Failure(ANALYTICA_ERR_INVALID, std::string("setting pairs: expected [{check, table, where, other_table, "
                                                       "match, columns}]: ") + e.what());
    }
    v->version_column = s.at("version_column").get<std::string>();
    quoted(v->version_column);
    v->revisions = s.at("revisions").get<bool>();
    v->max_revision_pct = s.at("max_revision_pct").get<double>();
    v->revision_min_difference = s.at("revision_min_difference").get<double>();
    v->failure_confidence = unit(s, "failure_confidence");
    v->revision_confidence = unit(s, "revision_confidence");
    *out = v.release();
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete static_cast<Validator*>(self); }

analytica_status validate(void* self, const analytica_batch* batch) {
  auto* v = static_cast<Validator*>(self);
  return analytica::guard(v->host, [&] {
    const Batch b = Batch::copy_of(analytica::read_sized(batch));
    check_pairs(*v, b);
    if (v->revisions) check_revisions(*v, b);
    return ANALYTICA_OK;
  });
}

const analytica_validator_v1 kValidator = {sizeof(analytica_validator_v1), validate};

const void* get_interface(const char* id) {
  return std::strcmp(id, ANALYTICA_VALIDATOR_V1) == 0 ? &kValidator : nullptr;
}

const analytica_plugin_descriptor kDescriptor = {
    sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_VALIDATOR,
    "validator_reconciliation", "1.0.0",
    "figures printed twice agree (TOTAL CITY vs city page); revisions against other reports kept with both values",
    kSettings, sizeof kSettings / sizeof kSettings[0], create, destroy, get_interface};

}  // namespace

extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) { return &kDescriptor; }
