#include "read/review.h"

#include "run/cell_format.h"
#include "run/review_state.h"
#include "run/store.h"
#include "run/util.h"
#include "run/validation.h"

#include <analytica_store.h>

#include <pwd.h>
#include <unistd.h>

namespace analytica {
using ojson = nlohmann::ordered_json;

namespace {

Cell text(const std::string& s) { return Cell::of(s); }

int64_t int_of(const Cell& c) {
  if (c.type == ANALYTICA_INT64) return c.i;
  if (c.type == ANALYTICA_DOUBLE) return static_cast<int64_t>(c.d);
  return 0;
}

std::string select_all(const Schema& s) {
  std::string cols;
  for (const auto& c : s.columns()) cols += (cols.empty() ? "" : ", ") + c.name;
  return "SELECT " + cols + " FROM " + s.table();
}

ojson row_json(const Schema& s, const Store::Row& row) {
  ojson j = ojson::object();
  for (size_t c = 0; c < s.columns().size() && c < row.size(); ++c) j[s.columns()[c].name] = cell_json<ojson>(row[c]);
  return j;
}

// The WHERE clause of a status filter (validated by the caller).
std::string status_where(const std::string& status, std::vector<Cell>& params) {
  if (status == "all") return "1 = 1";
  if (status == kPending) return kReviewWaitingWhere;
  if (status == "superseded") return kReviewSupersededWhere;
  params.push_back(text(status));
  return "status = ?";
}

ojson parse_record(const ojson& j) {
  if (!j.is_string()) return j;
  try {
    return ojson::parse(j.get<std::string>());
  } catch (const std::exception&) {
    return j;
  }
}

ojson lineage_json(Store& store, const std::string& table, const std::string& key, const std::string& sha) {
  ojson lineage = ojson::object();
  if (store.has_table(ANALYTICA_T_SOURCES)) {
    const auto src = store.query("SELECT name, path, version, status FROM " ANALYTICA_T_SOURCES " WHERE sha256 = ?",
                                 {text(sha)});
    if (!src.empty())
      lineage["source"] = {{"sha256", sha}, {"name", cell_json<ojson>(src[0][0])}, {"path", cell_json<ojson>(src[0][1])},
                           {"version", cell_json<ojson>(src[0][2])}, {"status", cell_json<ojson>(src[0][3])}};
  }
  if (store.has_table(ANALYTICA_T_LINEAGE_RECORDS)) {
    const auto rec = store.query("SELECT run_id, extractor, written_at FROM " ANALYTICA_T_LINEAGE_RECORDS
                                 " WHERE table_name = ? AND record_key = ? AND source_sha256 = ?",
                                 {text(table), text(key), text(sha)});
    if (!rec.empty())
      lineage["written"] = {{"run_id", cell_json<ojson>(rec[0][0])}, {"extractor", cell_json<ojson>(rec[0][1])},
                            {"written_at", cell_json<ojson>(rec[0][2])}};
  }
  ojson cells = ojson::array();
  if (store.has_table(ANALYTICA_T_LINEAGE_CELLS)) {
    for (const auto& c : store.query("SELECT column_name, page, x0, y0, x1, y1, confidence FROM " ANALYTICA_T_LINEAGE_CELLS
                                     " WHERE table_name = ? AND record_key = ? AND source_sha256 = ? ORDER BY column_name",
                                     {text(table), text(key), text(sha)}))
      cells.push_back({{"column", cell_json<ojson>(c[0])}, {"page", cell_json<ojson>(c[1])},
                       {"box", {cell_json<ojson>(c[2]), cell_json<ojson>(c[3]), cell_json<ojson>(c[4]), cell_json<ojson>(c[5])}},
                       {"confidence", cell_json<ojson>(c[6])}});
  }
  lineage["cells"] = cells;
  return lineage;
}

Store::Row load_item(Store& store, int64_t id) {
  const auto rows = store.query(select_all(review_queue_schema()) + " WHERE id = ?", {Cell::of(id)});
  if (rows.empty()) throw UserError("review item " + std::to_string(id) + " not found (see `analytica review list`)");
  if (rows.size() > 1)
    throw UserError("review item " + std::to_string(id) + " names " + std::to_string(rows.size()) +
                    " records (ids were assigned concurrently); decide them with SQL on review_queue");
  return rows[0];
}

}  // namespace

bool review_available(Store& store) { return store.has_table(ANALYTICA_T_REVIEW); }

bool review_status_filter_valid(const std::string& s) {
  return s == "all" || s == kPending || s == "superseded" || s == kAutoApproved || s == kApproved || s == kRejected;
}

ReviewCounts review_counts(Store& store) {
  ReviewCounts c;
  if (!review_available(store)) return c;
  c.available = true;
  for (const auto& r : store.query("SELECT status, COUNT(*) FROM " ANALYTICA_T_REVIEW " GROUP BY status"))
    c.by_status[cell_text(r[0])] = int_of(r[1]);
  const ReviewBacklog b =
      count_review_backlog([&](const std::string& sql, const std::vector<Cell>& p) { return store.query(sql, p); });
  c.waiting = b.waiting;
  c.superseded = b.superseded;
  return c;
}

ReviewList list_review(Store& store, const ReviewListQuery& q) {
  if (!review_status_filter_valid(q.status))
    throw UserError("review status must be pending, superseded, auto_approved, approved, rejected or all, got '" +
                    q.status + "'");
  ReviewList out;
  out.offset = q.offset;
  out.limit = q.limit;
  out.counts = review_counts(store);
  if (!out.counts.available) return out;
  out.available = true;
  std::vector<Cell> params;
  std::string where = " WHERE " + status_where(q.status, params);
  if (!q.table.empty()) {
    where += " AND table_name = ?";
    params.push_back(text(q.table));
  }
  const auto total = store.query("SELECT COUNT(*) FROM " ANALYTICA_T_REVIEW + where, params);
  out.total = total.empty() ? 0 : int_of(total[0][0]);
  std::map<std::string, std::string> names;
  if (store.has_table(ANALYTICA_T_SOURCES))
    for (const auto& r : store.query("SELECT sha256, name FROM " ANALYTICA_T_SOURCES)) names[cell_text(r[0])] = cell_text(r[1]);
  const std::string tail = where + " ORDER BY id" + (q.newest_first ? " DESC" : "") + " LIMIT " +
                           std::to_string(q.limit) + " OFFSET " + std::to_string(q.offset);
  const std::string base = "SELECT id, status, is_current, confidence, table_name, record_key, source_sha256, reasons";
  std::vector<Store::Row> rows;
  bool full = true;
  try {
    rows = store.query(base + ", created_at, decided_by, decided_at FROM " ANALYTICA_T_REVIEW + tail, params);
  } catch (const std::exception&) {  // a queue without the time and decision columns
    full = false;
    rows = store.query(base + " FROM " ANALYTICA_T_REVIEW + tail, params);
  }
  for (const auto& r : rows) {
    ReviewListItem i;
    i.id = int_of(r[0]);
    i.status = cell_text(r[1]);
    i.current = int_of(r[2]) == 1;
    if (r[3].type == ANALYTICA_INT64 || r[3].type == ANALYTICA_DOUBLE) i.confidence = cell_number(r[3]);
    i.table = cell_text(r[4]);
    i.record_key = cell_text(r[5]);
    i.source_sha256 = cell_text(r[6]);
    if (auto it = names.find(i.source_sha256); it != names.end()) i.source_name = it->second;
    i.reasons = cell_text(r[7]);
    if (full) {
      i.created_at = cell_text(r[8]);
      if (r[9].type == ANALYTICA_TEXT) i.decided_by = r[9].text;
      if (r[10].type == ANALYTICA_TEXT) i.decided_at = r[10].text;
    }
    out.items.push_back(std::move(i));
  }
  return out;
}

std::optional<ojson> review_item(Store& store, int64_t id) {
  if (!review_available(store)) return std::nullopt;
  const auto rows = store.query(select_all(review_queue_schema()) + " WHERE id = ?", {Cell::of(id)});
  if (rows.empty()) return std::nullopt;
  ojson out = row_json(review_queue_schema(), rows[0]);
  out["record"] = parse_record(out["record"]);
  out["related"] = parse_record(out["related"]);
  const bool pending = out["status"] == kPending, current = out["is_current"] == 1;
  out["waiting"] = pending && current;
  out["superseded"] = pending && !current;
  const std::string table = out["table_name"], key = out["record_key"], sha = out["source_sha256"];
  ojson checks = ojson::array();
  if (store.has_table(ANALYTICA_T_CHECKS))
    for (const auto& r : store.query(select_all(validation_checks_schema()) +
                                         " WHERE table_name = ? AND record_key = ? AND source_sha256 = ? ORDER BY "
                                         "passed, check_name",
                                     {text(table), text(key), text(sha)}))
      checks.push_back(row_json(validation_checks_schema(), r));
  out["checks"] = checks;
  out["lineage"] = lineage_json(store, table, key, sha);
  // The previous report's figures for the same key: the newest earlier item
  // of another source.
  ojson previous = nullptr;
  const auto prev = store.query("SELECT id, source_sha256, status, record FROM " ANALYTICA_T_REVIEW
                                " WHERE table_name = ? AND record_key = ? AND source_sha256 <> ? AND id < ? "
                                "ORDER BY id DESC LIMIT 1",
                                {text(table), text(key), text(sha), Cell::of(id)});
  if (!prev.empty()) {
    previous = {{"id", cell_json<ojson>(prev[0][0])}, {"source_sha256", cell_json<ojson>(prev[0][1])},
                {"status", cell_json<ojson>(prev[0][2])}, {"record", parse_record(cell_json<ojson>(prev[0][3]))}};
    if (store.has_table(ANALYTICA_T_SOURCES)) {
      const auto n = store.query("SELECT name FROM " ANALYTICA_T_SOURCES " WHERE sha256 = ?", {prev[0][1]});
      if (!n.empty()) previous["source"] = cell_json<ojson>(n[0][0]);
    }
  }
  out["previous"] = previous;
  ojson audit = ojson::array();
  if (store.has_table(ANALYTICA_T_REVIEW_AUDIT))
    for (const auto& r : store.query(select_all(review_audit_schema()) + " WHERE item_id = ? ORDER BY id", {Cell::of(id)}))
      audit.push_back(row_json(review_audit_schema(), r));
  out["audit"] = audit;
  return out;
}

ReviewDecision decide_review(Store& store, int64_t id, const std::string& decision, const std::string& reason,
                             const std::string& who) {
  if (decision != kApproved && decision != kRejected)
    throw UserError("review decision must be approved or rejected, got '" + decision + "'");
  if (!review_available(store))
    throw UserError(store.description() + ": no review queue yet (run a pipeline with validators first)");
  const std::string now = now_iso8601();
  ReviewDecision out;
  store.begin();
  try {
    Store::Row row = load_item(store, id);
    const Schema& s = review_queue_schema();
    auto at = [&](const char* name) -> Cell& { return row[static_cast<size_t>(s.index_of(name))]; };
    out.previous_status = at("status").text;
    if (out.previous_status == decision)
      throw UserError("review item " + std::to_string(id) + " is already " + decision +
                      (at("decided_by").type == ANALYTICA_TEXT ? " (by " + at("decided_by").text + ")" : ""));
    at("status") = text(decision);
    at("decided_by") = text(who);
    at("decided_at") = text(now);
    at("decision_reason") = reason.empty() ? Cell::null() : text(reason);
    at("updated_at") = text(now);
    Batch item(s);
    item.add_row() = row;
    store.write(item);

    const auto max = store.query("SELECT COALESCE(MAX(id), 0) FROM " ANALYTICA_T_REVIEW_AUDIT);
    const int64_t audit_id = (max.empty() ? 0 : int_of(max[0][0])) + 1;
    Batch audit(review_audit_schema());
    audit.add_row() = {Cell::of(audit_id), Cell::of(id), at("table_name"), at("record_key"), at("source_sha256"),
                       text(decision), text(out.previous_status), text(who), text(now),
                       reason.empty() ? Cell::null() : text(reason)};
    store.write(audit);
    store.commit();
    out.item = row_json(s, row);
    out.item["record"] = parse_record(out.item["record"]);
    out.item["related"] = parse_record(out.item["related"]);
  } catch (...) {
    store.rollback();
    throw;
  }
  return out;
}

std::string os_user_name() {
  if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) return pw->pw_name;
  return "uid " + std::to_string(geteuid());
}

}  // namespace analytica
