#include "run/cell_format.h"
#include "run/validation.h"
#include "run/schema_text.h"
#include "run/sql.h"

#include "run/util.h"

// One implementation of "col=value|col=value" for governance and the host.
#include <analytica_record_key.hpp>
#include <analytica_store.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

namespace analytica {
using nlohmann::json;

namespace {

constexpr uint32_t KEY = ANALYTICA_COLUMN_KEY;

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

using ordered = nlohmann::ordered_json;

// The record key of an owned row (same text as governance's).
std::string key_of(const Schema& schema, const std::vector<Cell>& row) {
  std::vector<analytica_value> values;
  values.reserve(row.size());
  for (const auto& c : row) values.push_back(value_of(c));
  return analytica::record_key(*schema.view(), values.data());
}

Cell text(const std::string& s) { return Cell::of(s); }
Cell num(int64_t v) { return Cell::of(v); }
Cell text_or_null(const std::string& s) { return s.empty() ? Cell::null() : Cell::of(s); }

}  // namespace

// ------------------------------------------------------------------ store

StoreAccess make_store_access(
    std::function<analytica_status(const char*, const analytica_value*, uint32_t, analytica_row_fn, void*)> raw_query,
    std::function<void(const Batch&)> write) {
  StoreAccess a;
  a.write = std::move(write);
  a.query = [raw_query = std::move(raw_query)](const std::string& sql, const std::vector<Cell>& params) {
    std::vector<analytica_value> values;
    for (const auto& p : params) values.push_back(value_of(p));
    StoreAccess::Rows rows;
    auto on_row = [](void* user, const analytica_value* v, uint32_t n) -> int {
      std::vector<Cell> row;
      for (uint32_t i = 0; i < n; ++i) row.push_back(cell_from(v[i]));
      static_cast<StoreAccess::Rows*>(user)->push_back(std::move(row));
      return 0;
    };
    raw_query(sql.c_str(), values.data(), static_cast<uint32_t>(values.size()), on_row, &rows);
    return rows;
  };
  return a;
}

// ---------------------------------------------------------------- schemas

const Schema& validation_checks_schema() {
  static const Schema s =
      schema_from_text(ANALYTICA_T_CHECKS,
                       "source_sha256 TEXT KEY, table_name TEXT KEY, record_key TEXT KEY, check_name TEXT KEY, "
                       "validator TEXT, passed INT64, confidence DOUBLE, reason TEXT, observed TEXT, expected TEXT, "
                       "run_id TEXT, checked_at TEXT");
  return s;
}

const Schema& validation_summary_schema() {
  static const Schema s =
      schema_from_text(ANALYTICA_T_CHECK_SUMMARY,
                       "run_id TEXT KEY, source_sha256 TEXT KEY, evaluated INT64, successful INT64, "
                       "success_percent DOUBLE, records INT64, auto_approved INT64, pending INT64, decided INT64, "
                       "threshold DOUBLE, finished_at TEXT");
  return s;
}

// Keyed by record and source: one item per record version. id is the short
// number people type (`review approve 12`).
const Schema& review_queue_schema() {
  static const Schema s =
      schema_from_text(ANALYTICA_T_REVIEW,
                       "table_name TEXT KEY, record_key TEXT KEY, source_sha256 TEXT KEY, id INT64, status TEXT, "
                       "confidence DOUBLE, reasons TEXT, extraction_confidence DOUBLE, checks_failed INT64, "
                       "record TEXT, record_version TEXT, is_current INT64, threshold DOUBLE, run_id TEXT, "
                       "created_at TEXT, updated_at TEXT, decided_by TEXT, decided_at TEXT, decision_reason TEXT, "
                       "figures_sha256 TEXT, related TEXT");
  return s;
}

const Schema& review_audit_schema() {
  static const Schema s =
      schema_from_text(ANALYTICA_T_REVIEW_AUDIT,
                       "id INT64 KEY, item_id INT64, table_name TEXT, record_key TEXT, source_sha256 TEXT, "
                       "decision TEXT, previous_status TEXT, decided_by TEXT, decided_at TEXT, reason TEXT");
  return s;
}

// ----------------------------------------------------------------- config

ReviewConfig ReviewConfig::from(const Pipeline& p) {
  ReviewConfig c;
  const json& r = p.review;
  c.enabled = !p.validators.empty() || (r.is_object() && !r.empty());
  if (r.is_object()) {
    if (r.contains("auto_approve_threshold")) c.threshold = r["auto_approve_threshold"].get<double>();
    if (r.contains("validated_views"))
      for (auto it = r["validated_views"].begin(); it != r["validated_views"].end(); ++it)
        c.views.push_back({p.table_prefix + it.key(), p.table_prefix + it->get<std::string>(), it.key(),
                           it->get<std::string>()});
  }
  return c;
}

// ------------------------------------------------------------- validation

struct Validation::CheckResult {
  std::string validator;
  bool passed = true;
  double confidence = 1.0;
  std::vector<std::string> reasons;
  std::string observed, expected;
};

struct Validation::PendingBatch {
  Schema schema;
  int newest = -1;  // index of the NEWEST column, if any
  std::vector<std::string> keys, records, versions, cell_notes, figures;
  std::vector<Cell> version_cells;  // the NEWEST column's value per row
  std::vector<double> extraction;
  std::vector<std::map<std::string, CheckResult>> checks;
  std::vector<bool> current;
};

Validation::Validation(ReviewConfig config, std::string run_id)
    : config_(std::move(config)), run_id_(std::move(run_id)) {}

Validation::~Validation() = default;

void Validation::plan_views(const std::vector<Schema>& tables, const std::string& pipeline_file) {
  view_sql_.clear();
  for (const auto& spec : config_.views) {
    const std::string& view = spec.name;
    const std::string& table = spec.table;
    const std::string where = pipeline_file + ": review.validated_views." + spec.key;
    if (!plain_name(view)) throw UserError(where + ": a view name takes letters, digits and _ only");
    const Schema* schema = nullptr;
    for (const auto& t : tables)
      if (t.table() == table) schema = &t;
    if (!schema) {
      std::string known;
      const size_t prefix = table.size() - spec.table_in_file.size();
      for (const auto& t : tables) known += (known.empty() ? "" : ", ") + t.table().substr(std::min(prefix, t.table().size()));
      throw UserError(where + ": no extractor table " + spec.table_in_file + " (expected one of " + known + ")");
    }
    view_sql_.emplace_back(view, validated_select(*schema, where));
  }
}

// The SELECT behind a validated view of `table`: per key, the figures of
// the newest revision a person or the threshold approved — the current row
// when it is approved, else the last approved one from <table>_revisions
// (review_fallback = 1), never a row that waits or was rejected. A table
// without a NEWEST column keeps no revisions: its approved current rows.
// Every row carries review_status, review_fallback and review_item.
std::string Validation::validated_select(const Schema& schema, const std::string& where) const {
  const std::string& table = schema.table();
  const auto key_expr = [&](const std::string& alias) {
    std::string out;
    for (const auto& c : schema.columns()) {
      if (!(c.flags & KEY)) continue;
      if (c.type == ANALYTICA_DOUBLE || !plain_name(c.name))
        throw UserError(where + ": table " + table + " key column " + c.name +
                        " cannot be matched in SQL (text and integer keys only)");
      const std::string part = "'" + c.name + "=' || CAST(" + alias + "." + quoted_name(c.name) + " AS TEXT)";
      out += out.empty() ? part : " || '|' || " + part;
    }
    if (out.empty()) throw UserError(where + ": table " + table + " has no key columns to match records by");
    return out;
  };
  const std::string approved = "('" + std::string(kAutoApproved) + "', '" + kApproved + "')";
  const std::string review = ANALYTICA_T_REVIEW;
  std::string newest;
  for (const auto& c : schema.columns())
    if (c.flags & ANALYTICA_COLUMN_NEWEST) newest = c.name;
  std::string columns;
  for (const auto& c : schema.columns()) columns += "r." + quoted_name(c.name) + ", ";
  const std::string marks =
      "q.status AS review_status, 1 - q.is_current AS review_fallback, q.id AS review_item, q.record_key AS review_key";
  if (newest.empty())
    return "SELECT " + columns + marks + " FROM " + quoted_name(table) + " r JOIN " + review + " q ON q.table_name = '" +
           table + "' AND q.is_current = 1 AND q.status IN " + approved + " AND q.record_key = " + key_expr("r");
  std::string same_key;
  for (const auto& c : schema.columns())
    if (c.flags & KEY) same_key += " AND r2." + quoted_name(c.name) + " = r." + quoted_name(c.name);
  const std::string n = quoted_name(newest);
  return "SELECT " + columns + marks + " FROM " + quoted_name(table + ANALYTICA_REVISIONS_SUFFIX) + " r JOIN " + review +
         " q ON q.table_name = '" + table + "' AND q.source_sha256 = r.source_sha256 AND q.record_key = " +
         key_expr("r") + " WHERE q.status IN " + approved + " AND NOT EXISTS (SELECT 1 FROM " +
         quoted_name(table + ANALYTICA_REVISIONS_SUFFIX) + " r2 JOIN " + review +
         " q2 ON q2.table_name = q.table_name AND q2.record_key = q.record_key AND q2.source_sha256 = "
         "r2.source_sha256 WHERE q2.status IN " + approved + same_key + " AND (r2." + n + " > r." + n + " OR (r2." +
         n + " = r." + n + " AND q2.id > q.id)))";
}

void Validation::prepare(const StoreAccess& store) {
  for (const Schema* s : {&validation_checks_schema(), &validation_summary_schema(), &review_queue_schema(),
                          &review_audit_schema()})
    store.write(Batch(*s));
  // Indexes beyond the key, created on a new store and added to an existing
  // one: without them each input's questions below scan every item of the
  // store, and a run's time grows with the square of its inputs. By source:
  // an input's own items, governance's counts. By status: the few items a
  // person decided. By id: the next id, and items people name by number.
  for (const char* index : {ANALYTICA_T_REVIEW "_by_source ON " ANALYTICA_T_REVIEW " (source_sha256, table_name)",
                            ANALYTICA_T_REVIEW "_by_status ON " ANALYTICA_T_REVIEW " (status, table_name)",
                            ANALYTICA_T_REVIEW "_by_id ON " ANALYTICA_T_REVIEW " (id)"})
    store.query(std::string("CREATE INDEX IF NOT EXISTS ") + index, {});
  // DROP + CREATE: valid on SQLite and PostgreSQL alike (neither has the
  // other's CREATE-or-replace form), re-created each run so the view follows
  // columns added to its table.
  for (const auto& [view, select] : view_sql_) {
    store.query("DROP VIEW IF EXISTS " + quoted_name(view), {});
    store.query("CREATE VIEW " + quoted_name(view) + " AS " + select, {});
  }
}

void Validation::begin_source(const std::string& source_sha256) {
  batches_.clear();
  source_sha256_ = source_sha256;
}

void Validation::begin_batch(const Batch& batch) {
  auto b = std::make_unique<PendingBatch>();
  b->schema = batch.schema();
  const auto& cols = b->schema.columns();
  for (size_t c = 0; c < cols.size(); ++c)
    if (cols[c].flags & ANALYTICA_COLUMN_NEWEST) b->newest = static_cast<int>(c);
  const size_t n = batch.row_count();
  b->checks.resize(n);
  b->current.assign(n, true);
  for (size_t r = 0; r < n; ++r) {
    const auto& row = batch.row(r);
    b->keys.push_back(key_of(b->schema, row));
    ordered rec = ordered::object();  // the columns in declared order
    double conf = 1.0;
    std::string notes;
    for (size_t c = 0; c < cols.size() && c < row.size(); ++c) {
      rec[cols[c].name] = cell_json(row[c]);
      const double cc = std::clamp(std::isfinite(row[c].where.confidence) ? row[c].where.confidence : 0.0, 0.0, 1.0);
      if (cc < 1.0) {
        notes += (notes.empty() ? "" : ", ") + cols[c].name + " " + fixed(cc, 2) +
                 (row[c].where.page > 0 ? " (page " + std::to_string(row[c].where.page) + ")" : "");
      }
      conf = std::min(conf, cc);
    }
    b->records.push_back(rec.dump());
    // The figures: every column but the key and the NEWEST one (the report
    // month a figure appeared in is not part of what was decided on).
    ordered figures = ordered::object();
    for (size_t c = 0; c < cols.size() && c < row.size(); ++c)
      if (!(cols[c].flags & (KEY | ANALYTICA_COLUMN_NEWEST))) figures[cols[c].name] = cell_json(row[c]);
    b->figures.push_back(sha256_text(figures.dump()));
    b->extraction.push_back(conf);
    b->cell_notes.push_back(notes);
    const Cell version = b->newest >= 0 ? row[static_cast<size_t>(b->newest)] : Cell::null();
    b->version_cells.push_back(version);
    b->versions.push_back(version.type == ANALYTICA_TEXT ? version.text
                          : version.type == ANALYTICA_NULL ? ""
                                                           : cell_json(version).dump());
  }
  batches_.push_back(std::move(b));
}

analytica_status Validation::report(const std::string& validator, uint64_t row, const char* check, int passed,
                                    double confidence, const char* reason, const analytica_check_values* values,
                                    std::string& error) {
  if (batches_.empty()) {
    error = "report_check outside validate()";
    return ANALYTICA_ERR_INVALID;
  }
  PendingBatch& b = *batches_.back();
  if (row >= b.checks.size()) {
    error = "report_check: row " + std::to_string(row) + " out of range (batch of " +
            std::to_string(b.checks.size()) + " rows of " + b.schema.table() + ")";
    return ANALYTICA_ERR_INVALID;
  }
  if (!check || !*check) {
    error = "report_check: no check name";
    return ANALYTICA_ERR_INVALID;
  }
  const double conf = std::clamp(std::isfinite(confidence) ? confidence : 0.0, 0.0, 1.0);
  auto [it, inserted] = b.checks[static_cast<size_t>(row)].try_emplace(check);
  CheckResult& result = it->second;
  if (inserted) result.validator = validator;
  result.passed = result.passed && passed != 0;
  result.confidence = std::min(result.confidence, conf);
  if (reason && *reason) result.reasons.push_back(reason);
  if (values) {
    // The observed/expected of the first failure (or of the first report).
    const bool first = inserted;  // (a structured binding cannot be captured in C++17)
    const auto take = [&](const analytica_value& v, std::string& into) {
      if (v.type != ANALYTICA_NULL && (first || (!passed && into.empty()))) into = value_text(v);
    };
    take(values->observed, result.observed);
    take(values->expected, result.expected);
    if (values->expected.type == ANALYTICA_NULL && (values->minimum.type != ANALYTICA_NULL ||
                                                    values->maximum.type != ANALYTICA_NULL)) {
      std::string range = "[" + value_text(values->minimum) + ", " + value_text(values->maximum) + "]";
      take(value_of(Cell::of(range)), result.expected);
    }
  }
  return ANALYTICA_OK;
}

void Validation::batch_written(const StoreAccess& store) {
  if (batches_.empty()) return;
  PendingBatch& b = *batches_.back();
  if (b.newest < 0 || !plain_name(b.schema.table())) return;  // no versions: every row is current
  // Which of our records hold our version now? (A newer report's figures
  // already in the table win over ours.)
  std::vector<Column> key_cols;
  std::string select;
  for (const auto& c : b.schema.columns())
    if (c.flags & KEY) {
      key_cols.push_back(c);
      select += (select.empty() ? "" : ", ") + quoted_name(c.name);
    }
  if (key_cols.empty()) return;
  const Schema key_schema(b.schema.table(), key_cols);
  const std::string newest = b.schema.columns()[static_cast<size_t>(b.newest)].name;
  std::set<std::string> asked, holding;
  for (size_t r = 0; r < b.keys.size(); ++r) {
    if (b.version_cells[r].type == ANALYTICA_NULL || !asked.insert(b.versions[r]).second) continue;
    const auto rows = store.query("SELECT " + select + " FROM " + quoted_name(b.schema.table()) + " WHERE " +
                                      quoted_name(newest) + " = ?",
                                  {b.version_cells[r]});
    for (const auto& row : rows) holding.insert(key_of(key_schema, row));
  }
  for (size_t r = 0; r < b.keys.size(); ++r)
    b.current[r] = b.version_cells[r].type == ANALYTICA_NULL || holding.count(b.keys[r]) > 0;
}

Validation::Outcome Validation::finish_source(const StoreAccess& store) {
  Outcome out;
  const std::string now = now_iso8601();
  int64_t next_id = 0;
  {
    const auto rows = store.query("SELECT COALESCE(MAX(id), 0) FROM " ANALYTICA_T_REVIEW, {});
    if (!rows.empty() && !rows[0].empty()) next_id = rows[0][0].type == ANALYTICA_INT64 ? rows[0][0].i : 0;
  }
  for (const auto& bp : batches_) {
    const PendingBatch& b = *bp;
    const std::string& table = b.schema.table();
    struct Existing {
      int64_t id = 0;
      std::string status, created_at, decided_by, decided_at, decision_reason;
    };
    std::map<std::string, Existing> existing;
    for (const auto& row : store.query("SELECT record_key, id, status, created_at, decided_by, decided_at, "
                                       "decision_reason FROM " ANALYTICA_T_REVIEW " WHERE table_name = ? AND source_sha256 = ?",
                                       {text(table), text(source_sha256_)}))
      existing[row[0].text] = {row[1].i, row[2].text, row[3].text, row[4].text, row[5].text, row[6].text};
    // Human decisions on earlier items of the same keys: a decision belongs
    // to the figures, so an item with the same figures inherits it.
    struct Decision {
      int64_t id = 0;
      std::string status, figures, decided_by, decided_at, reason;
    };
    std::map<std::string, std::vector<Decision>> decided;
    for (const auto& row : store.query("SELECT record_key, id, status, figures_sha256, decided_by, decided_at, "
                                       "decision_reason FROM " ANALYTICA_T_REVIEW " WHERE table_name = ? AND "
                                       "source_sha256 <> ? AND status IN (?, ?) ORDER BY id",
                                       {text(table), text(source_sha256_), text(kApproved), text(kRejected)}))
      decided[row[0].text].push_back({row[1].i, row[2].text, row[3].text, row[4].text, row[5].text, row[6].text});
    // A key given twice in one batch: its last row wins, as in the sink.
    std::map<std::string, size_t> last;
    for (size_t r = 0; r < b.keys.size(); ++r) last[b.keys[r]] = r;

    Batch checks(validation_checks_schema()), queue(review_queue_schema());
    for (size_t r = 0; r < b.keys.size(); ++r) {
      if (last[b.keys[r]] != r) continue;
      const std::string& key = b.keys[r];
      double confidence = b.extraction[r];
      std::vector<std::string> failed, notes;
      int64_t checks_failed = 0;
      if (!b.cell_notes[r].empty()) {
        const bool ok = b.extraction[r] >= config_.threshold;
        (ok ? notes : failed).push_back("extraction: cell confidence " + b.cell_notes[r]);
        checks.add_row() = {text(source_sha256_), text(table), text(key), text("extraction.cell_confidence"),
                            text("extractor"), num(ok ? 1 : 0), Cell::of(b.extraction[r]),
                            text("cell confidence " + b.cell_notes[r]), text(fixed(b.extraction[r], 2)),
                            text(">= " + fixed(config_.threshold, 2)), text(run_id_), text(now)};
        ++out.evaluated;
        if (ok) ++out.successful;
        else ++checks_failed;
      }
      for (const auto& [name, c] : b.checks[r]) {
        confidence *= c.confidence;
        std::string joined;
        for (const auto& t : c.reasons) joined += (joined.empty() ? "" : "; ") + t;
        if (!c.passed) {
          failed.push_back(name + ": " + (joined.empty() ? "failed" : joined));
          ++checks_failed;
        } else if (!joined.empty()) {
          notes.push_back(name + ": " + joined);
        }
        ++out.evaluated;
        if (c.passed) ++out.successful;
        checks.add_row() = {text(source_sha256_), text(table), text(key), text(name), text(c.validator),
                            num(c.passed ? 1 : 0), Cell::of(c.confidence), text_or_null(joined),
                            text_or_null(c.observed), text_or_null(c.expected), text(run_id_), text(now)};
      }
      std::string reasons;
      for (const auto* list : {&failed, &notes})
        for (const auto& t : *list) reasons += (reasons.empty() ? "" : "; ") + t;

      std::string status = confidence >= config_.threshold ? kAutoApproved : kPending;
      int64_t id = 0;
      std::string created = now, decided_by, decided_at, decision_reason;
      if (auto it = existing.find(key); it != existing.end()) {
        id = it->second.id;
        created = it->second.created_at.empty() ? now : it->second.created_at;
        if (it->second.status == kApproved || it->second.status == kRejected) {
          status = it->second.status;  // a person decided: never reset
          decided_by = it->second.decided_by;
          decided_at = it->second.decided_at;
          decision_reason = it->second.decision_reason;
        }
      }
      json related = json::array();
      for (const auto& d : decided[key]) {
        related.push_back(d.id);
        if (id == 0 && d.figures == b.figures[r]) {  // the same figures came back: the decision stands
          status = d.status;
          decided_by = d.decided_by;
          decided_at = d.decided_at;
          decision_reason = "as decided on item " + std::to_string(d.id) + (d.reason.empty() ? "" : ": " + d.reason);
        }
      }
      if (id == 0) id = ++next_id;
      if (status == kAutoApproved) ++out.auto_approved;
      else if (status == kPending) ++out.pending;
      else ++out.decided;
      ++out.records;
      queue.add_row() = {text(table), text(key), text(source_sha256_), num(id), text(status),
                         Cell::of(confidence), text_or_null(reasons), Cell::of(b.extraction[r]),
                         num(checks_failed), text(b.records[r]), text_or_null(b.versions[r]),
                         num(b.current[r] ? 1 : 0), Cell::of(config_.threshold), text(run_id_), text(created),
                         text(now), text_or_null(decided_by), text_or_null(decided_at),
                         text_or_null(decision_reason), text(b.figures[r]),
                         related.empty() ? Cell::null() : text(related.dump())};
    }
    if (checks.row_count()) store.write(checks);
    if (queue.row_count()) {
      store.write(queue);
      // Where this source's version is now the one in the table, earlier
      // sources' items for the same keys no longer are.
      store.query("UPDATE " ANALYTICA_T_REVIEW " SET is_current = 0 WHERE is_current = 1 AND table_name = ? AND "
                  "source_sha256 <> ? AND record_key IN (SELECT record_key FROM " ANALYTICA_T_REVIEW
                  " WHERE source_sha256 = ? AND table_name = ? AND is_current = 1)",
                  {text(table), text(source_sha256_), text(source_sha256_), text(table)});
    }
  }
  Batch summary(validation_summary_schema());
  summary.add_row() = {text(run_id_), text(source_sha256_), num(static_cast<int64_t>(out.evaluated)),
                       num(static_cast<int64_t>(out.successful)),
                       Cell::of(out.evaluated ? 100.0 * static_cast<double>(out.successful) /
                                                    static_cast<double>(out.evaluated)
                                              : 100.0),
                       num(static_cast<int64_t>(out.records)), num(static_cast<int64_t>(out.auto_approved)),
                       num(static_cast<int64_t>(out.pending)), num(static_cast<int64_t>(out.decided)),
                       Cell::of(config_.threshold), text(now)};
  store.write(summary);
  batches_.clear();
  return out;
}

void Validation::abandon() {
  batches_.clear();
  source_sha256_.clear();
}

}  // namespace analytica
