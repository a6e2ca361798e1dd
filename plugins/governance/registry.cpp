#include "registry.h"

#include <analytica_record_key.hpp>
#include <analytica_run_liveness.hpp>
#include <analytica_store.h>

#include <nlohmann/json.hpp>

namespace governance {
using analytica::Batch;
using analytica::Cell;
using analytica::Failure;
using analytica::Schema;
using analytica::record_key;
using analytica::value_text;
using nlohmann::json;

namespace {

constexpr uint32_t KEY = ANALYTICA_COLUMN_KEY;

const Schema& runs_schema() {
  static const Schema s(ANALYTICA_T_RUNS,
                        {{"run_id", ANALYTICA_TEXT, KEY}, {"pipeline", ANALYTICA_TEXT, 0},
                         {"config_sha256", ANALYTICA_TEXT, 0}, {"plugins", ANALYTICA_TEXT, 0},
                         {"started_at", ANALYTICA_TEXT, 0}, {"ended_at", ANALYTICA_TEXT, 0},
                         {"status", ANALYTICA_TEXT, 0}, {"sources_ingested", ANALYTICA_INT64, 0},
                         {"sources_skipped", ANALYTICA_INT64, 0}, {"sources_failed", ANALYTICA_INT64, 0},
                         {"records", ANALYTICA_INT64, 0}, {"message", ANALYTICA_TEXT, 0},
                         // Store version 4: who runs it and when it was last seen. The sink adds
                         // them to an older store's table at the first run_start (additive).
                         {"host", ANALYTICA_TEXT, 0}, {"pid", ANALYTICA_INT64, 0},
                         {"process_start", ANALYTICA_INT64, 0}, {"heartbeat_at", ANALYTICA_TEXT, 0}});
  return s;
}

const Schema& sources_schema() {
  static const Schema s(ANALYTICA_T_SOURCES,
                        {{"sha256", ANALYTICA_TEXT, KEY}, {"uri", ANALYTICA_TEXT, 0}, {"path", ANALYTICA_TEXT, 0},
                         {"name", ANALYTICA_TEXT, 0}, {"size", ANALYTICA_INT64, 0},
                         {"version", ANALYTICA_INT64, 0}, {"first_seen", ANALYTICA_TEXT, 0},
                         {"last_seen", ANALYTICA_TEXT, 0}, {"status", ANALYTICA_TEXT, 0},
                         {"message", ANALYTICA_TEXT, 0}, {"run_id", ANALYTICA_TEXT, 0},
                         {"supersedes", ANALYTICA_TEXT, 0}, {"superseded_by", ANALYTICA_TEXT, 0}});
  return s;
}

const Schema& lineage_records_schema() {
  static const Schema s(ANALYTICA_T_LINEAGE_RECORDS,
                        {{"table_name", ANALYTICA_TEXT, KEY}, {"record_key", ANALYTICA_TEXT, KEY},
                         {"source_sha256", ANALYTICA_TEXT, KEY}, {"run_id", ANALYTICA_TEXT, 0},
                         {"extractor", ANALYTICA_TEXT, 0}, {"written_at", ANALYTICA_TEXT, 0},
                         {"superseded_by", ANALYTICA_TEXT, 0}});
  return s;
}

const Schema& lineage_cells_schema() {
  static const Schema s(ANALYTICA_T_LINEAGE_CELLS,
                        {{"source_sha256", ANALYTICA_TEXT, KEY}, {"table_name", ANALYTICA_TEXT, KEY},
                         {"record_key", ANALYTICA_TEXT, KEY}, {"column_name", ANALYTICA_TEXT, KEY},
                         {"page", ANALYTICA_INT64, 0}, {"x0", ANALYTICA_DOUBLE, 0}, {"y0", ANALYTICA_DOUBLE, 0},
                         {"x1", ANALYTICA_DOUBLE, 0}, {"y1", ANALYTICA_DOUBLE, 0},
                         {"confidence", ANALYTICA_DOUBLE, 0}, {"value", ANALYTICA_TEXT, 0}});
  return s;
}

const Schema& views_schema() {
  static const Schema s(ANALYTICA_T_VIEWS, {{"pipeline", ANALYTICA_TEXT, KEY}, {"views", ANALYTICA_TEXT, 0},
                                            {"run_id", ANALYTICA_TEXT, 0}, {"recorded_at", ANALYTICA_TEXT, 0}});
  return s;
}

const Schema& quality_schema() {
  static const Schema s(ANALYTICA_T_QUALITY,
                        {{"run_id", ANALYTICA_TEXT, KEY}, {"source_sha256", ANALYTICA_TEXT, KEY},
                         {"scope", ANALYTICA_TEXT, 0}, {"records", ANALYTICA_INT64, 0},
                         {"cells", ANALYTICA_INT64, 0}, {"null_cells", ANALYTICA_INT64, 0},
                         {"scored_cells", ANALYTICA_INT64, 0}, {"confidence_min", ANALYTICA_DOUBLE, 0},
                         {"confidence_mean", ANALYTICA_DOUBLE, 0}, {"confidence_max", ANALYTICA_DOUBLE, 0},
                         {"conf_lt_50", ANALYTICA_INT64, 0}, {"conf_50_80", ANALYTICA_INT64, 0},
                         {"conf_80_95", ANALYTICA_INT64, 0}, {"conf_ge_95", ANALYTICA_INT64, 0},
                         {"validated", ANALYTICA_INT64, 0}, {"approved", ANALYTICA_INT64, 0},
                         {"auto_approved", ANALYTICA_INT64, 0}, {"pending", ANALYTICA_INT64, 0},
                         {"rejected", ANALYTICA_INT64, 0}, {"recorded_at", ANALYTICA_TEXT, 0}});
  return s;
}

Cell text(const std::string& s) { return Cell::of(s); }
Cell opt_text(const std::string& s) { return s.empty() ? Cell::null() : Cell::of(s); }
Cell num(uint64_t v) { return Cell::of(static_cast<int64_t>(v)); }
Cell num(int64_t v) { return Cell::of(v); }

std::string str(const char* s) { return s ? s : ""; }

// "file:///a/b.pdf" -> "/a/b.pdf"; other URIs -> "".
std::string file_path_of(const std::string& uri) {
  return uri.rfind("file://", 0) == 0 ? uri.substr(7) : std::string();
}

}  // namespace

// ------------------------------------------------------------------- runs

void Registry::write_run(const std::string& status, const std::string& ended_at, uint64_t records,
                         const std::string& message) {
  Batch b(runs_schema());
  b.add_row() = {text(run_id_), text(pipeline_), text(config_sha256_), text(plugins_), text(started_at_),
                 opt_text(ended_at), text(status), num(ingested_count()), num(skipped_),
                 num(failed_), num(records), opt_text(message), text(host_name_), num(pid_),
                 num(process_start_), text(now_utc())};
  store_.write(b);
}

void Registry::heartbeat() { write_run("running", "", ingested_records(), ""); }

void Registry::settle_current() {
  if (!current_.ended_ok) return;
  ingested_.sources.push_back(std::move(current_.source));
  ingested_.quality.merge(current_.quality);
  for (const auto& [table, stats] : current_.tables) ingested_.outputs[table].merge(stats);
  current_ = Current{};
}

std::vector<RunEventSpec> Registry::close_abandoned_runs() {
  const auto rows = store_.query(
      "SELECT run_id, pid, process_start, heartbeat_at, started_at, pipeline FROM " ANALYTICA_T_RUNS
      " WHERE status = 'running' AND host = ? AND run_id <> ?",
      {text(host_name_), text(run_id_)});
  std::vector<RunEventSpec> aborts;
  for (const auto& r : rows) {
    if (analytica::process_alive(r[1].i, r[2].i)) continue;
    const std::string last_seen = r[3].type == ANALYTICA_TEXT && !r[3].text.empty() ? r[3].text : r[4].text;
    const std::string message = "abandoned: process " + std::to_string(r[1].i) + " on " + host_name_ +
                                " ended without finishing the run (last seen " + last_seen + "; closed by run " +
                                run_id_ + ")";
    store_.query("UPDATE " ANALYTICA_T_RUNS " SET status = 'abandoned', ended_at = ?, message = ? "
                 "WHERE run_id = ? AND status = 'running'",
                 {text(last_seen), text(message), text(r[0].text)});
    RunEventSpec abort;
    abort.event_type = "ABORT";
    abort.event_time = last_seen;
    abort.run_id = r[0].text;
    abort.job_namespace = settings_.job_namespace;
    abort.job_name = r[5].text;
    abort.error = message;
    aborts.push_back(std::move(abort));
  }
  return aborts;
}

void Registry::run_start(const analytica_run_info& run) {
  run_id_ = str(run.run_id);
  pipeline_ = str(run.pipeline);
  config_sha256_ = str(run.config_sha256);
  plugins_ = run.plugins_json ? run.plugins_json : "[]";
  started_at_ = now_utc();
  host_name_ = analytica::run_host_name();
  pid_ = static_cast<int64_t>(::getpid());
  process_start_ = analytica::process_start_ticks(pid_);
  if (settings_.openlineage_path.find("${") != std::string::npos)
    throw Failure(ANALYTICA_ERR_INVALID, "setting openlineage_path \"" + settings_.openlineage_path +
                                             "\" holds an unexpanded variable");

  // The first sink is the primary store, whose location names the output
  // datasets of the OpenLineage events.
  std::string primary_sink;
  const json plugins = json::parse(plugins_, nullptr, false);
  if (plugins.is_array())
    for (const auto& p : plugins)
      if (p.is_object() && p.value("kind", "") == "sink" && primary_sink.empty()) primary_sink = p.value("name", "");

  // Declare every governance table up front (empty batches).
  for (const Schema* s : {&sources_schema(), &lineage_records_schema(), &lineage_cells_schema(), &quality_schema()})
    store_.write(Batch(*s));
  // Indexes beyond the key columns, created on a new store and added to an
  // existing one (every run_start is the migration path). By source, in
  // key order: impact, and a new version marking its predecessor's records.
  store_.query("CREATE INDEX IF NOT EXISTS " ANALYTICA_T_LINEAGE_RECORDS "_by_source ON " ANALYTICA_T_LINEAGE_RECORDS
               " (source_sha256, table_name, record_key)");
  schemas_.declare_tables();
  write_run("running", "", 0, "");
  const std::vector<RunEventSpec> aborts = close_abandoned_runs();
  // What the pipeline declares people read, so readers need no pipeline file.
  if (run.struct_size > offsetof(analytica_run_info, views_json) && run.views_json) {
    Batch views(views_schema());
    views.add_row() = {text(pipeline_), text(run.views_json), text(run_id_), text(started_at_)};
    store_.write(views);
  }

  output_namespace_ = settings_.dataset_namespace;
  if (output_namespace_.empty() && host_ && host_->struct_size > offsetof(analytica_host, store_location) &&
      host_->store_location)
    output_namespace_ = host_->store_location;
  if (output_namespace_.empty()) output_namespace_ = primary_sink.empty() ? "analytica" : primary_sink;
  emit_openlineage("START", "");
  // The runs closed above never sent their end: ABORT, dated when last seen.
  for (RunEventSpec abort : aborts) {
    abort.output_namespace = output_namespace_;
    append_lineage(abort);
  }
}

void Registry::run_end(analytica_status status, uint64_t records) {
  settle_current();
  write_quality("", ingested_.quality);
  schemas_.write_refusals();

  std::string outcome = "failed", message, event = "FAIL";
  if (status == ANALYTICA_OK) {
    outcome = "succeeded";
    event = "COMPLETE";
  } else if (status == ANALYTICA_ERR_CANCELLED) {
    outcome = "cancelled";
    event = "ABORT";
    message = "cancelled by the user";
  } else if (refused_at_start_) {
    outcome = "refused";
    message = schemas_.last_refusal();
  } else {
    for (size_t i = 0; i < failures_.size() && i < 3; ++i) message += (i ? "; " : "") + failures_[i];
    if (failures_.size() > 3) message += "; and " + std::to_string(failures_.size() - 3) + " more";
    if (message.empty()) message = "run failed with status " + std::to_string(status);
  }
  write_run(outcome, now_utc(), records, message);
  emit_openlineage(event, message);
}

void Registry::emit_openlineage(const std::string& event_type, const std::string& error) {
  if (settings_.openlineage_path.empty()) return;
  RunEventSpec spec;
  spec.event_type = event_type;
  spec.event_time = now_utc();
  spec.run_id = run_id_;
  spec.job_namespace = settings_.job_namespace;
  spec.job_name = pipeline_;
  spec.error = error;
  spec.output_namespace = output_namespace_;
  if (event_type != "START") {
    settle_current();
    for (const SourceVersion& source : ingested_.sources) {
      const std::string path = file_path_of(source.uri);
      spec.inputs.push_back({path.empty() ? source.path : path, source.uri, source.sha256, source.name, source.size});
    }
    spec.outputs = ingested_.outputs;
  }
  append_lineage(spec);
}

void Registry::append_lineage(const RunEventSpec& spec) {
  if (settings_.openlineage_path.empty()) return;
  const uint64_t dropped = append_event(settings_.openlineage_path, run_event(spec));
  if (dropped && host_ && host_->log)
    host_->log(host_->ctx, ANALYTICA_LOG_WARN,
               (settings_.openlineage_path + ": cut off a torn last line (" + std::to_string(dropped) +
                " bytes) an interrupted writer left")
                   .c_str());
}

// ---------------------------------------------------------------- sources

std::optional<SourceVersion> Registry::read_source(const std::string& sha256) const {
  const auto rows = store_.query(
      "SELECT sha256, uri, path, name, size, version, first_seen, status, message, run_id, supersedes, superseded_by "
      "FROM " ANALYTICA_T_SOURCES " WHERE sha256 = ?",
      {text(sha256)});
  if (rows.empty()) return std::nullopt;
  const auto& r = rows[0];
  SourceVersion s;
  s.sha256 = r[0].text;
  s.uri = r[1].text;
  s.path = r[2].text;
  s.name = r[3].text;
  s.size = r[4].i;
  s.version = r[5].i;
  s.first_seen = r[6].text;
  s.status = r[7].text;
  s.message = r[8].text;
  s.run_id = r[9].text;
  s.supersedes = r[10].text;
  s.superseded_by = r[11].text;
  return s;
}

void Registry::write_source(const SourceVersion& s, const std::string& status, const std::string& message) {
  Batch b(sources_schema());
  b.add_row() = {text(s.sha256),      text(s.uri),           text(s.path),       text(s.name),
                 num(s.size),         num(s.version),        text(s.first_seen), text(now_utc()),
                 text(status),        opt_text(message),     opt_text(s.run_id), opt_text(s.supersedes),
                 opt_text(s.superseded_by)};
  store_.write(b);
}

// Why the input was set aside, or "" when it was not (or no one ever set
// anything aside: the host creates ANALYTICA_T_IGNORED on first use, so a
// failed read means none).
std::string Registry::ignored_reason(const SourceVersion& s) const {
  try {
    const auto rows = store_.query("SELECT reason, decided_by FROM " ANALYTICA_T_IGNORED
                                   " WHERE name = ? AND active = 1 AND (sha256 = '' OR sha256 = ?)",
                                   {text(s.name), text(s.sha256)});
    if (rows.empty()) return "";
    return "ignored by " + rows[0][1].text + ": " + rows[0][0].text;
  } catch (const std::exception&) {
    return "";
  }
}

analytica_source_decision Registry::register_source(const analytica_input& input, std::string& sha256) {
  const analytica_source_decision decision = decide_source(input, sha256);
  heartbeat();
  return decision;
}

analytica_source_decision Registry::decide_source(const analytica_input& input, std::string& sha256) {
  settle_current();
  current_ = Current{};
  SourceVersion& s = current_.source;
  s.path = str(input.path);
  s.uri = input.uri ? input.uri : s.path;
  s.name = input.display_name ? input.display_name : s.path;
  s.sha256 = sha256_file(s.path, &s.size);
  s.first_seen = now_utc();
  s.run_id = run_id_;
  sha256 = s.sha256;

  // Set aside by a person (`analytica sources ignore`): never extracted
  // while the decision stands, and said so in the registry.
  if (const std::string reason = ignored_reason(s); !reason.empty()) {
    const std::optional<SourceVersion> seen = read_source(s.sha256);
    write_source(seen ? *seen : s, "ignored", reason);
    ++skipped_;
    return ANALYTICA_SOURCE_SKIP;
  }

  const std::optional<SourceVersion> known = read_source(s.sha256);
  if (known && known->status == "ingested") {
    // The same bytes again: only last_seen changes.
    write_source(*known, known->status, known->message);
    ++skipped_;
    return ANALYTICA_SOURCE_SKIP;
  }
  if (known) s.first_seen = known->first_seen;
  current_.active = true;

  // Earlier versions under the same identity: the newest one ingested is
  // superseded by this one.
  const auto versions = store_.query(
      "SELECT sha256, version, status FROM " ANALYTICA_T_SOURCES " WHERE uri = ? AND sha256 <> ? ORDER BY version DESC",
      {text(s.uri), text(s.sha256)});
  int64_t newest = 0;
  std::string previous;
  for (const auto& v : versions) {
    newest = v[1].i > newest ? v[1].i : newest;
    if (previous.empty() && v[2].text == "ingested") previous = v[0].text;
  }
  s.version = previous.empty() && known ? known->version : newest + 1;
  if (previous.empty()) {
    write_source(s, "ingesting", "");
    return ANALYTICA_SOURCE_INGEST;
  }

  s.supersedes = previous;
  write_source(s, "ingesting", "");
  // The older version and its records are marked, never overwritten; all of
  // it rolls back with this source's transaction if the new version fails.
  std::optional<SourceVersion> old = read_source(previous);
  if (old) {
    old->superseded_by = s.sha256;
    write_source(*old, "superseded", "superseded by version " + std::to_string(s.version) + " (" + s.sha256 + ")");
  }
  store_.query(
      "UPDATE " ANALYTICA_T_LINEAGE_RECORDS " SET superseded_by = ? WHERE source_sha256 = ? AND superseded_by IS NULL",
      {text(s.sha256), text(previous)});
  return ANALYTICA_SOURCE_NEW_VERSION;
}

// ---------------------------------------------------------------- lineage

void Registry::record_batch(const std::string& extractor, const analytica_batch& batch) {
  if (!current_.active) throw Failure(ANALYTICA_ERR_INVALID, "record_batch outside a registered source");
  const analytica_table_schema& s = *batch.schema;
  Batch records(lineage_records_schema());
  Batch cells(lineage_cells_schema());
  const std::string table = s.table ? s.table : "", now = now_utc(), &sha = current_.source.sha256;
  for (uint64_t r = 0; r < batch.row_count; ++r) {
    const analytica_value* row = batch.values + r * s.column_count;
    const std::string key = record_key(s, row);
    records.add_row() = {text(table), text(key), text(sha), text(run_id_), text(extractor), text(now), Cell::null()};
    for (uint32_t c = 0; c < s.column_count; ++c) {
      const bool is_null = row[c].type == ANALYTICA_NULL;
      const Cell value = is_null ? Cell::null() : text(value_text(row[c]));
      if (batch.provenance) {
        const analytica_provenance& p = batch.provenance[r * s.column_count + c];
        cells.add_row() = {text(sha), text(table), text(key), text(s.columns[c].name), num(static_cast<int64_t>(p.page)),
                           Cell::of(p.box.x0), Cell::of(p.box.y0), Cell::of(p.box.x1), Cell::of(p.box.y1),
                           Cell::of(p.confidence), value};
        current_.quality.add_cell(is_null, true, p.confidence);
      } else {
        cells.add_row() = {text(sha), text(table), text(key), text(s.columns[c].name), Cell::null(), Cell::null(),
                           Cell::null(), Cell::null(), Cell::null(), Cell::null(), value};
        current_.quality.add_cell(is_null, false, 0);
      }
    }
  }
  current_.quality.records += batch.row_count;
  current_.tables[table].add(batch);
  store_.write(records);
  if (cells.row_count()) store_.write(cells);
}

void Registry::source_end(analytica_status status, const std::string& message) {
  if (status >= 0) {
    if (!current_.active) return heartbeat();
    write_source(current_.source, "ingested", "");
    count_validation(current_.source.sha256, current_.quality);
    write_quality(current_.source.sha256, current_.quality);
    current_.active = false;
    current_.ended_ok = true;
    heartbeat();
    return;
  }
  if (current_.ended_ok) {  // its commit failed after source_end(OK)
    current_.ended_ok = false;
    current_.active = true;
  }
  schemas_.write_refusals();
  if (!current_.active) return heartbeat();
  SourceVersion& s = current_.source;
  s.supersedes.clear();  // superseding rolled back with the transaction
  write_source(s, "failed", message);
  ++failed_;
  failures_.push_back(s.name + ": " + message);
  current_.active = false;
  heartbeat();
}

// ---------------------------------------------------------------- quality

void Registry::write_quality(const std::string& sha256, const Quality& q) {
  auto opt = [](bool has, double v) { return has ? Cell::of(v) : Cell::null(); };
  auto count = [&](uint64_t v) { return q.validated ? num(v) : Cell::null(); };
  const bool scored = q.scored > 0;
  Batch b(quality_schema());
  b.add_row() = {text(run_id_),
                 text(sha256),
                 text(sha256.empty() ? "run" : "source"),
                 num(q.records),
                 num(q.cells),
                 num(q.null_cells),
                 num(q.scored),
                 opt(scored, q.conf_min),
                 opt(scored, scored ? q.conf_sum / static_cast<double>(q.scored) : 0),
                 opt(scored, q.conf_max),
                 num(q.buckets[0]),
                 num(q.buckets[1]),
                 num(q.buckets[2]),
                 num(q.buckets[3]),
                 num(static_cast<int64_t>(q.validated ? 1 : 0)),
                 count(q.approved),
                 count(q.auto_approved),
                 count(q.pending),
                 count(q.rejected),
                 text(now_utc())};
  store_.write(b);
}

// Counts the review outcomes validation left for the source's records (the
// host writes its review items before source_end, in the same
// transaction). A store without review_queue (no validation in this
// pipeline) counts as not validated; sinks keep a failed query from
// spoiling the transaction (sink_postgres runs it in a savepoint).
void Registry::count_validation(const std::string& sha256, Quality& q) {
  std::vector<Row> rows;
  try {
    rows = store_.query("SELECT status, count(*) FROM " ANALYTICA_T_REVIEW " WHERE source_sha256 = ? GROUP BY status",
                        {text(sha256)});
  } catch (const Failure&) {
    return;
  }
  q.validated = !rows.empty();
  q.approved = q.auto_approved = q.pending = q.rejected = 0;
  for (const auto& r : rows) {
    const uint64_t n = static_cast<uint64_t>(r[1].i);
    if (r[0].text == "approved") q.approved += n;
    else if (r[0].text == "auto_approved") q.auto_approved += n;
    else if (r[0].text == "pending") q.pending += n;
    else if (r[0].text == "rejected") q.rejected += n;
  }
}

// ----------------------------------------------------------------- schemas

void Registry::check_schema(const analytica_table_schema& schema) {
  try {
    schemas_.check(schema, run_id_);
  } catch (const Failure& f) {
    if (f.status() == ANALYTICA_ERR_CONFLICT && !current_.active) refused_at_start_ = true;
    throw;
  }
}

}  // namespace governance
