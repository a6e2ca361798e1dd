#include "registry.h"

namespace governance {
using analytica::Batch;
using analytica::Cell;
using analytica::Column;
using analytica::Schema;

namespace {

constexpr uint32_t KEY = ANALYTICA_COLUMN_KEY;

const Schema& runs_schema() {
  static const Schema s("governance_runs",
                        {{"run_id", ANALYTICA_TEXT, KEY}, {"pipeline", ANALYTICA_TEXT, 0},
                         {"config_sha256", ANALYTICA_TEXT, 0}, {"plugins", ANALYTICA_TEXT, 0},
                         {"started_at", ANALYTICA_TEXT, 0}, {"ended_at", ANALYTICA_TEXT, 0},
                         {"status", ANALYTICA_TEXT, 0}, {"sources_ingested", ANALYTICA_INT64, 0},
                         {"sources_skipped", ANALYTICA_INT64, 0}, {"sources_failed", ANALYTICA_INT64, 0},
                         {"records", ANALYTICA_INT64, 0}});
  return s;
}

const Schema& sources_schema() {
  static const Schema s("governance_sources",
                        {{"sha256", ANALYTICA_TEXT, KEY}, {"uri", ANALYTICA_TEXT, 0}, {"path", ANALYTICA_TEXT, 0},
                         {"name", ANALYTICA_TEXT, 0}, {"size", ANALYTICA_INT64, 0},
                         {"version", ANALYTICA_INT64, 0}, {"first_seen", ANALYTICA_TEXT, 0},
                         {"last_seen", ANALYTICA_TEXT, 0}, {"status", ANALYTICA_TEXT, 0},
                         {"message", ANALYTICA_TEXT, 0}, {"run_id", ANALYTICA_TEXT, 0},
                         {"supersedes", ANALYTICA_TEXT, 0}});
  return s;
}

const Schema& lineage_records_schema() {
  static const Schema s("governance_lineage_records",
                        {{"table_name", ANALYTICA_TEXT, KEY}, {"record_key", ANALYTICA_TEXT, KEY},
                         {"source_sha256", ANALYTICA_TEXT, KEY}, {"run_id", ANALYTICA_TEXT, 0},
                         {"extractor", ANALYTICA_TEXT, 0}, {"written_at", ANALYTICA_TEXT, 0}});
  return s;
}

const Schema& lineage_cells_schema() {
  static const Schema s("governance_lineage_cells",
                        {{"table_name", ANALYTICA_TEXT, KEY}, {"record_key", ANALYTICA_TEXT, KEY},
                         {"column_name", ANALYTICA_TEXT, KEY}, {"source_sha256", ANALYTICA_TEXT, KEY},
                         {"page", ANALYTICA_INT64, 0}, {"x0", ANALYTICA_DOUBLE, 0}, {"y0", ANALYTICA_DOUBLE, 0},
                         {"x1", ANALYTICA_DOUBLE, 0}, {"y1", ANALYTICA_DOUBLE, 0},
                         {"confidence", ANALYTICA_DOUBLE, 0}});
  return s;
}

Cell text(const std::string& s) { return Cell::of(s); }
Cell num(int64_t v) { return Cell::of(v); }

// "month=2024-01|property_type=Total": the key columns in declared order;
// all columns when the table has no key.
std::string record_key(const analytica_batch& b, uint64_t row) {
  const auto* s = b.schema;
  bool has_key = false;
  for (uint32_t c = 0; c < s->column_count; ++c) has_key = has_key || (s->columns[c].flags & KEY);
  std::string out;
  for (uint32_t c = 0; c < s->column_count; ++c) {
    if (has_key && !(s->columns[c].flags & KEY)) continue;
    const Cell v = analytica::cell_from(b.values[row * s->column_count + c]);
    std::string shown = v.type == ANALYTICA_TEXT ? v.text
                        : v.type == ANALYTICA_INT64 ? std::to_string(v.i)
                        : v.type == ANALYTICA_DOUBLE ? std::to_string(v.d) : "";
    out += (out.empty() ? "" : "|") + std::string(s->columns[c].name) + "=" + shown;
  }
  return out;
}

}  // namespace

void Registry::write_run(const std::string& status, const std::string& ended_at, uint64_t records) {
  Batch b(runs_schema());
  b.add_row() = {text(run_id_), text(pipeline_), text(config_sha256_), text(plugins_), text(started_at_),
                 ended_at.empty() ? Cell::null() : text(ended_at), text(status),
                 num(static_cast<int64_t>(ingested_)), num(static_cast<int64_t>(skipped_)),
                 num(static_cast<int64_t>(failed_)), num(static_cast<int64_t>(records))};
  store_.write(b);
}

void Registry::run_start(const analytica_run_info& run) {
  run_id_ = run.run_id ? run.run_id : "";
  pipeline_ = run.pipeline ? run.pipeline : "";
  config_sha256_ = run.config_sha256 ? run.config_sha256 : "";
  plugins_ = run.plugins_json ? run.plugins_json : "[]";
  started_at_ = now_utc();
  // Declare every governance table up front (empty batches).
  for (const Schema* s : {&sources_schema(), &lineage_records_schema(), &lineage_cells_schema()})
    store_.write(Batch(*s));
  write_run("running", "", 0);
}

void Registry::write_source(const std::string& status, const std::string& message) {
  Batch b(sources_schema());
  b.add_row() = {text(current_.sha256), text(current_.uri), text(current_.path), text(current_.name),
                 num(current_.size), num(current_.version), text(current_.first_seen), text(now_utc()),
                 text(status), message.empty() ? Cell::null() : text(message), text(run_id_),
                 current_.previous_sha256.empty() ? Cell::null() : text(current_.previous_sha256)};
  store_.write(b);
}

analytica_source_decision Registry::register_source(const analytica_input& input, std::string& sha256) {
  current_ = CurrentSource{};
  current_.path = input.path ? input.path : "";
  current_.uri = input.uri ? input.uri : current_.path;
  current_.name = input.display_name ? input.display_name : current_.path;
  current_.sha256 = sha256_file(current_.path, &current_.size);
  current_.first_seen = now_utc();
  current_.active = true;
  sha256 = current_.sha256;

  const auto known = store_.query(
      "SELECT status, first_seen, version, supersedes FROM governance_sources WHERE sha256 = ?",
      {text(current_.sha256)});
  if (!known.empty()) {
    current_.first_seen = known[0][1].text;
    current_.version = known[0][2].i;
    current_.previous_sha256 = known[0][3].text;
    if (known[0][0].text == "ingested") {
      write_source("ingested", "");  // refreshes last_seen
      ++skipped_;
      current_.active = false;
      return ANALYTICA_SOURCE_SKIP;
    }
  }
  // The newest ingested version under the same identity, if any.
  const auto previous = store_.query(
      "SELECT sha256, version FROM governance_sources WHERE uri = ? AND status = 'ingested' AND sha256 <> ? "
      "ORDER BY version DESC",
      {text(current_.uri), text(current_.sha256)});
  write_source("ingesting", "");
  if (previous.empty()) return ANALYTICA_SOURCE_INGEST;
  current_.previous_sha256 = previous[0][0].text;
  current_.version = previous[0][1].i + 1;
  write_source("ingesting", "");
  // The older version's row is marked superseded in the same transaction.
  const auto old = store_.query("SELECT sha256, uri, path, name, size, version, first_seen FROM governance_sources "
                                "WHERE sha256 = ?",
                                {text(current_.previous_sha256)});
  if (!old.empty()) {
    CurrentSource keep = current_;
    current_ = CurrentSource{old[0][0].text, old[0][1].text, old[0][2].text, old[0][3].text,
                             old[0][6].text, "", old[0][4].i, old[0][5].i, false};
    write_source("superseded", "superseded by " + keep.sha256);
    current_ = keep;
  }
  return ANALYTICA_SOURCE_NEW_VERSION;
}

void Registry::record_batch(const std::string& extractor, const analytica_batch& batch) {
  const auto* s = batch.schema;
  Batch records(lineage_records_schema());
  Batch cells(lineage_cells_schema());
  const std::string table = s->table, now = now_utc();
  for (uint64_t r = 0; r < batch.row_count; ++r) {
    const std::string key = record_key(batch, r);
    records.add_row() = {text(table), text(key), text(current_.sha256), text(run_id_), text(extractor), text(now)};
    if (!batch.provenance) continue;
    for (uint32_t c = 0; c < s->column_count; ++c) {
      const analytica_provenance& p = batch.provenance[r * s->column_count + c];
      cells.add_row() = {text(table), text(key), text(s->columns[c].name), text(current_.sha256),
                         num(p.page), Cell::of(p.box.x0), Cell::of(p.box.y0), Cell::of(p.box.x1),
                         Cell::of(p.box.y1), Cell::of(p.confidence)};
    }
  }
  store_.write(records);
  if (cells.row_count()) store_.write(cells);
}

void Registry::source_end(analytica_status status, const std::string& message) {
  if (!current_.active) return;
  if (status >= 0) {
    write_source("ingested", "");
    ++ingested_;
  } else {
    current_.previous_sha256.clear();
    write_source("failed", message);
    ++failed_;
  }
  current_.active = false;
}

void Registry::run_end(analytica_status status, uint64_t records) {
  const std::string outcome = status == ANALYTICA_OK ? "succeeded"
                              : status == ANALYTICA_ERR_CANCELLED ? "cancelled" : "failed";
  write_run(outcome, now_utc(), records);
}

}  // namespace governance
