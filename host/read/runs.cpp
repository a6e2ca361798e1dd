#include "read/runs.h"

#include "run/cell_format.h"
#include "read/health.h"
#include "read/row_fields.h"
#include "run/store.h"

#include <analytica_run_liveness.hpp>
#include <analytica_store.h>

#include <chrono>
#include <cstdlib>

namespace analytica {

namespace {

const char* const kRunColumns =
    "SELECT run_id, pipeline, status, started_at, ended_at, sources_ingested, sources_skipped, sources_failed, "
    "records, config_sha256, plugins, message";
// Since store version 4; a store no run of that version wrote lacks them.
const char* const kLivenessColumns = ", host, pid, process_start, heartbeat_at";

// The SELECT of every run column the store has, without a WHERE.
std::string select_runs(Store& store) {
  bool liveness = true;
  try {
    store.query("SELECT heartbeat_at FROM " ANALYTICA_T_RUNS " WHERE 1 = 0");
  } catch (const PluginError&) {
    liveness = false;
  }
  return std::string(kRunColumns) + (liveness ? kLivenessColumns : "") + " FROM " ANALYTICA_T_RUNS;
}

double stale_after_default() {
  if (const char* env = std::getenv("ANALYTICA_RUN_STALE_SECONDS")) {
    char* end = nullptr;
    const double v = std::strtod(env, &end);
    if (end != env && *end == '\0' && v > 0) return v;
  }
  return ANALYTICA_RUN_STALE_SECONDS;
}

RunRecord run_of(const Store::Row& r) {
  RunRecord run;
  read_fields(r, 0, run, &RunRecord::run_id, &RunRecord::pipeline, &RunRecord::status, &RunRecord::started_at,
              &RunRecord::ended_at, &RunRecord::sources_ingested, &RunRecord::sources_unchanged,
              &RunRecord::sources_failed, &RunRecord::records, &RunRecord::config_sha256, &RunRecord::plugins,
              &RunRecord::message);
  if (r.size() > 15)
    read_fields(r, 12, run, &RunRecord::host, &RunRecord::pid, &RunRecord::process_start, &RunRecord::last_seen);
  if (run.last_seen.empty()) run.last_seen = run.started_at;
  judge_liveness(run);
  return run;
}

}  // namespace

std::optional<double> RunRecord::duration_seconds() const {
  if (!ended_at) return std::nullopt;
  const auto start = parse_utc(started_at), end = parse_utc(*ended_at);
  if (!start || !end) return std::nullopt;
  return *end - *start;
}

bool runs_recorded(Store& store) { return store.has_table(ANALYTICA_T_RUNS); }

void judge_liveness(RunRecord& run, const RunLiveness& liveness) {
  if (run.status != "running") return;
  const std::string this_host = liveness.this_host.empty() ? run_host_name() : liveness.this_host;
  bool abandoned = false;
  std::string why;
  if (!run.host.empty() && run.host == this_host) {
    abandoned = !process_alive(run.pid, run.process_start);
    why = "process " + std::to_string(run.pid) + " on " + run.host + " is gone";
  } else {
    const double now = liveness.now > 0 ? liveness.now
                                        : static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                                                  std::chrono::system_clock::now().time_since_epoch())
                                                                  .count());
    const double stale = liveness.stale_after_seconds > 0 ? liveness.stale_after_seconds : stale_after_default();
    const auto seen = parse_utc(run.last_seen);
    abandoned = seen && now - *seen > stale;
    why = "not seen for over " + std::to_string(static_cast<int64_t>(stale)) + " s" +
          (run.host.empty() ? "" : " (host " + run.host + ")");
  }
  if (!abandoned) return;
  run.status = "abandoned";
  run.ended_at = run.last_seen;
  run.message = "abandoned: " + why + "; the run never ended (last seen " + run.last_seen + ")";
}

std::vector<RunRecord> recent_runs(Store& store, int64_t limit) {
  std::vector<RunRecord> out;
  if (!runs_recorded(store)) return out;
  std::string sql = select_runs(store) + " ORDER BY started_at DESC, run_id DESC";
  std::vector<Cell> params;
  if (limit > 0) {
    sql += " LIMIT ?";
    params.push_back(Cell::of(limit));
  }
  for (const auto& r : store.query(sql, params)) out.push_back(run_of(r));
  return out;
}

int64_t count_runs(Store& store) {
  if (!runs_recorded(store)) return 0;
  const auto rows = store.query("SELECT COUNT(*) FROM " ANALYTICA_T_RUNS);
  return rows.empty() ? 0 : static_cast<int64_t>(cell_number(rows[0][0]));
}

std::optional<RunRecord> find_run(Store& store, const std::string& run_id) {
  if (!runs_recorded(store)) return std::nullopt;
  const auto rows = store.query(select_runs(store) + " WHERE run_id = ?", {Cell::of(run_id)});
  if (rows.empty()) return std::nullopt;
  return run_of(rows[0]);
}

std::optional<RunQuality> run_quality(Store& store, const std::string& run_id) {
  if (!store.has_table(ANALYTICA_T_QUALITY)) return std::nullopt;
  const auto rows = store.query(
      "SELECT records, cells, null_cells, scored_cells, confidence_min, confidence_mean, confidence_max, conf_lt_50, "
      "conf_50_80, conf_80_95, conf_ge_95, validated, approved, auto_approved, pending, rejected "
      "FROM " ANALYTICA_T_QUALITY " WHERE run_id = ? AND source_sha256 = ?",
      {Cell::of(run_id), Cell::of(std::string())});
  if (rows.empty()) return std::nullopt;
  RunQuality q;
  read_fields(rows[0], 0, q, &RunQuality::records, &RunQuality::cells, &RunQuality::null_cells,
              &RunQuality::scored_cells, &RunQuality::confidence_min, &RunQuality::confidence_mean,
              &RunQuality::confidence_max, &RunQuality::conf_lt_50, &RunQuality::conf_50_80, &RunQuality::conf_80_95,
              &RunQuality::conf_ge_95, &RunQuality::validated, &RunQuality::approved, &RunQuality::auto_approved,
              &RunQuality::pending, &RunQuality::rejected);
  return q;
}

std::vector<SchemaChange> run_schema_changes(Store& store, const std::string& run_id) {
  std::vector<SchemaChange> out;
  if (!store.has_table(ANALYTICA_T_SCHEMA_CHANGES)) return out;
  for (const auto& r : store.query("SELECT table_name, kind, outcome, from_version, to_version, diff FROM " ANALYTICA_T_SCHEMA_CHANGES
                                   " WHERE run_id = ? ORDER BY table_name",
                                   {Cell::of(run_id)}))
    out.push_back({cell_text(r[0]), cell_text(r[1]), cell_text(r[2]), cell_opt_int(r[3]), cell_opt_int(r[4]), cell_text(r[5])});
  return out;
}

}  // namespace analytica
