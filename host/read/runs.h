// The runs governance recorded (ANALYTICA_T_RUNS): the one place that reads
// them, for `analytica runs`, the dashboard's overview, /metrics and the
// health check. Quality (ANALYTICA_T_QUALITY) and schema changes
// (ANALYTICA_T_SCHEMA_CHANGES) of one run come from here too.
#ifndef ANALYTICA_HOST_READ_RUNS_H
#define ANALYTICA_HOST_READ_RUNS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace analytica {

class Store;

struct RunRecord {
  std::string run_id, pipeline, status;  // status: running|succeeded|failed|cancelled|refused|abandoned
  std::string started_at;
  std::optional<std::string> ended_at, message;
  int64_t sources_ingested = 0, sources_unchanged = 0, sources_failed = 0, records = 0;
  std::string config_sha256;
  std::string plugins;  // JSON array text as governance wrote it
  // Who ran it (store version 4; empty/0 in rows of older versions) and
  // when it was last seen (heartbeat_at, else started_at).
  std::string host;
  int64_t pid = 0, process_start = 0;
  std::string last_seen;

  // Seconds from start to end; nullopt while running or if a time is malformed.
  std::optional<double> duration_seconds() const;
};

// Whether any run was recorded (the table exists).
bool runs_recorded(Store& store);

// How a reader judges a row still `running` (analytica_store.h, "Runs that
// end without saying so"): on this host, abandoned once its process is gone;
// of another host (or of a version that recorded no host), abandoned once
// last seen longer ago than stale_after_seconds. An abandoned run reads as
// status "abandoned", ended_at = last_seen and a message saying so; the
// store is not written (readers never write).
struct RunLiveness {
  std::string this_host;  // default: this machine's name
  double now = 0;         // seconds since the epoch; 0 = the current time
  // Default ANALYTICA_RUN_STALE_SECONDS, or $ANALYTICA_RUN_STALE_SECONDS.
  double stale_after_seconds = 0;
};

// Applies the judgement to one recorded run (no-op unless status is running).
void judge_liveness(RunRecord& run, const RunLiveness& liveness = {});

// Runs, newest first (started_at, then run_id, descending); limit 0 = all.
// Empty when no run is recorded.
std::vector<RunRecord> recent_runs(Store& store, int64_t limit = 0);

// How many runs are recorded (0 when none).
int64_t count_runs(Store& store);

// One run, or nullopt.
std::optional<RunRecord> find_run(Store& store, const std::string& run_id);

struct RunQuality {
  int64_t records = 0, cells = 0, null_cells = 0, scored_cells = 0;
  std::optional<double> confidence_min, confidence_mean, confidence_max;
  int64_t conf_lt_50 = 0, conf_50_80 = 0, conf_80_95 = 0, conf_ge_95 = 0;
  bool validated = false;
  std::optional<int64_t> approved, auto_approved, pending, rejected;
};

// The whole-run quality row, or nullopt (none recorded, or no such table).
std::optional<RunQuality> run_quality(Store& store, const std::string& run_id);

struct SchemaChange {
  std::string table, kind, outcome;
  std::optional<int64_t> from_version, to_version;
  std::string diff;  // JSON text (or plain text) as governance wrote it
};

// The schema changes a run detected, by table (empty without the table).
std::vector<SchemaChange> run_schema_changes(Store& store, const std::string& run_id);

}  // namespace analytica

#endif  // ANALYTICA_HOST_READ_RUNS_H
