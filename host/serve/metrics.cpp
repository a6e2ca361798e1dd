// Dashboard::metrics(): the Prometheus text exposition of /metrics —
// run history from governance's committed rows (runs by status, sources by
// outcome, records, run durations), the health checks (freshness, review,
// sources, integrity, disk), row counts, then monitor_metrics' own textfile
// (what only a monitor sees: warnings and errors by plugin, events by kind,
// live progress) if the pipeline runs that monitor.
#include "serve/dashboard.h"

#include "read/datasets.h"
#include "read/runs.h"
#include "read/store_facts.h"
#include "run/store.h"

#include <analytica_prometheus.hpp>
#include <analytica_store.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

namespace analytica {
namespace fs = std::filesystem;

namespace {

using prometheus::Exposition;
using prometheus::number;

const double kBuckets[] = {1, 5, 15, 60, 300, 900, 3600, 4 * 3600};

// Every status a recorded run can read as (analytica_store.h).
const char* const kRunStatuses[] = {"succeeded", "failed", "cancelled", "refused", "abandoned", "running"};

struct PipelineRuns {
  std::map<std::string, double> by_status;
  double records = 0, ingested = 0, unchanged = 0, failed = 0;
  std::vector<double> durations;
  double last_end = 0, last_duration = NAN, last_success = NAN;
  std::string last_started;
};

}  // namespace

std::string Dashboard::metrics() {
  const HealthReport h = health();
  Exposition e;

  e.family("analytica_health_status", "gauge", "Overall health: 0 healthy, 1 degraded, 2 failing.");
  e.sample("analytica_health_status", {}, static_cast<double>(h.level));
  e.family("analytica_health_check_status", "gauge", "Each health check: 0 healthy, 1 degraded, 2 failing.");
  for (const auto& c : h.checks) e.sample("analytica_health_check_status", {{"check", c.name}}, static_cast<double>(c.level));

  // Run history, from governance.
  std::map<std::string, PipelineRuns> runs;
  std::map<std::string, double> row_counts;
  try {
    with_store([&](Store& store) {
      // Every count is of committed rows: governance rewrites a run's row in
      // each transaction it writes in, so a run killed mid-way counts the
      // inputs and records it committed, and reads as abandoned, not running.
      const auto recorded = recent_runs(store);
      for (auto it = recorded.rbegin(); it != recorded.rend(); ++it) {  // oldest first
        const RunRecord& r = *it;
        PipelineRuns& p = runs[r.pipeline];
        p.by_status[r.status] += 1;
        p.records += static_cast<double>(r.records);
        p.ingested += static_cast<double>(r.sources_ingested);
        p.unchanged += static_cast<double>(r.sources_unchanged);
        p.failed += static_cast<double>(r.sources_failed);
        if (r.status == "running") continue;
        if (const auto duration = r.duration_seconds()) {
          if (r.status != "abandoned") p.durations.push_back(*duration);  // no wall time: it never ended
          if (r.started_at >= p.last_started) {
            p.last_started = r.started_at;
            p.last_end = *parse_utc(*r.ended_at);
            p.last_duration = *duration;
            p.last_success = r.status == "succeeded" ? 1 : 0;
          }
        }
      }
      for (const auto& [t, n] : watched_table_rows(store, declared_views(store, pipeline_.get())))
        row_counts[t] = static_cast<double>(n);
    });
  } catch (const HttpError&) {
    // analytica_health_check_status{check="database"} already reports it.
  }

  e.family("analytica_runs_total", "counter",
           "Pipeline runs recorded by governance, by status (abandoned: its process ended without finishing it).");
  for (const auto& [pipeline, p] : runs)
    for (const char* status : kRunStatuses) {
      auto it = p.by_status.find(status);
      e.sample("analytica_runs_total", {{"pipeline", pipeline}, {"status", status}},
               it == p.by_status.end() ? 0 : it->second);
    }
  e.family("analytica_records_written_total", "counter", "Records committed by runs.");
  for (const auto& [pipeline, p] : runs) e.sample("analytica_records_written_total", {{"pipeline", pipeline}}, p.records);
  e.family("analytica_sources_total", "counter", "Inputs whose outcome runs committed, by outcome.");
  for (const auto& [pipeline, p] : runs) {
    e.sample("analytica_sources_total", {{"pipeline", pipeline}, {"outcome", "ingested"}}, p.ingested);
    e.sample("analytica_sources_total", {{"pipeline", pipeline}, {"outcome", "unchanged"}}, p.unchanged);
    e.sample("analytica_sources_total", {{"pipeline", pipeline}, {"outcome", "failed"}}, p.failed);
  }
  e.family("analytica_run_duration_seconds", "histogram", "Wall time of runs that ended (not abandoned ones).");
  for (const auto& [pipeline, p] : runs) {
    double sum = 0;
    for (double d : p.durations) sum += d;
    for (double le : kBuckets) {
      double n = 0;
      for (double d : p.durations) n += d <= le ? 1 : 0;
      e.sample("analytica_run_duration_seconds_bucket", {{"pipeline", pipeline}, {"le", number(le)}}, n);
    }
    e.sample("analytica_run_duration_seconds_bucket", {{"pipeline", pipeline}, {"le", "+Inf"}},
             static_cast<double>(p.durations.size()));
    e.sample("analytica_run_duration_seconds_sum", {{"pipeline", pipeline}}, sum);
    e.sample("analytica_run_duration_seconds_count", {{"pipeline", pipeline}}, static_cast<double>(p.durations.size()));
  }
  e.family("analytica_last_run_timestamp_seconds", "gauge",
           "End time of the last finished run (an abandoned one: when it was last seen).");
  for (const auto& [pipeline, p] : runs)
    if (!p.last_started.empty()) e.sample("analytica_last_run_timestamp_seconds", {{"pipeline", pipeline}}, p.last_end);
  e.family("analytica_last_run_duration_seconds", "gauge", "Wall time of the last finished run.");
  for (const auto& [pipeline, p] : runs)
    if (!p.last_started.empty()) e.sample("analytica_last_run_duration_seconds", {{"pipeline", pipeline}}, p.last_duration);
  e.family("analytica_last_run_success", "gauge", "1 if the last finished run succeeded, else 0.");
  for (const auto& [pipeline, p] : runs)
    if (!p.last_started.empty()) e.sample("analytica_last_run_success", {{"pipeline", pipeline}}, p.last_success);

  // Health facts.
  const auto& d = h.detail;
  const nlohmann::json fresh = d.value("freshness", nlohmann::json::object());
  // One sample per declared dataset (view/dataset labels).
  const nlohmann::json datasets = fresh.value("datasets", nlohmann::json::array());
  e.family("analytica_data_freshness_seconds", "gauge",
           "Age of the newest data: seconds since the end of the newest period (monthly datasets).");
  for (const auto& ds : datasets)
    if (ds.contains("data_age_seconds"))
      e.sample("analytica_data_freshness_seconds", {{"view", ds.value("view", "")}, {"dataset", ds.value("dataset", "")}},
               ds["data_age_seconds"].get<double>());
  e.family("analytica_data_periods_behind", "gauge", "Periods missing against the expected newest period.");
  for (const auto& ds : datasets)
    if (ds.contains("periods_behind"))
      e.sample("analytica_data_periods_behind", {{"view", ds.value("view", "")}, {"dataset", ds.value("dataset", "")}},
               ds["periods_behind"].get<double>());
  e.family("analytica_data_missing_periods", "gauge", "Periods missing between a dataset's first and newest.");
  for (const auto& ds : datasets)
    e.sample("analytica_data_missing_periods", {{"view", ds.value("view", "")}, {"dataset", ds.value("dataset", "")}},
             static_cast<double>(ds.value("missing_periods", nlohmann::json::array()).size()));
  const nlohmann::json review = d.value("review", nlohmann::json::object());
  e.family("analytica_review_pending_items", "gauge", "Records waiting for human review.");
  e.sample("analytica_review_pending_items", {}, review.value("pending", 0.0));
  e.family("analytica_review_superseded_items", "gauge",
           "Pending records a newer report replaced (wait for no one; not in pending_items).");
  e.sample("analytica_review_superseded_items", {}, review.value("superseded", 0.0));
  const nlohmann::json sources = d.value("sources", nlohmann::json::object());
  e.family("analytica_sources_changed_since_ingest", "gauge", "Ingested source files whose bytes changed on disk.");
  e.sample("analytica_sources_changed_since_ingest", {},
           static_cast<double>(sources.value("changed", nlohmann::json::array()).size()));
  e.family("analytica_sources_missing", "gauge", "Ingested source files no longer on disk.");
  e.sample("analytica_sources_missing", {}, static_cast<double>(sources.value("missing", nlohmann::json::array()).size()));
  const nlohmann::json db = d.value("database", nlohmann::json::object());
  e.family("analytica_database_integrity_ok", "gauge", "1 if the store's integrity check passed (or is not supported).");
  e.sample("analytica_database_integrity_ok", {},
           db.value("ok", true) && db.value("integrity", std::string("skipped")) != "errors" ? 1.0 : 0.0);
  const nlohmann::json disk = d.value("disk", nlohmann::json::object());
  e.family("analytica_data_dir_bytes", "gauge", "Bytes used by files under the data directory.");
  e.sample("analytica_data_dir_bytes", {}, disk.value("data_dir_bytes", 0.0));
  e.family("analytica_database_bytes", "gauge", "Bytes of the embedded database (with WAL).");
  e.sample("analytica_database_bytes", {}, disk.value("database_bytes", 0.0));
  e.family("analytica_disk_available_bytes", "gauge", "Free bytes on the data directory's file system.");
  if (disk.contains("available_bytes")) e.sample("analytica_disk_available_bytes", {}, disk["available_bytes"].get<double>());
  e.family("analytica_table_rows", "gauge", "Rows per table of the store.");
  for (const auto& [t, n] : row_counts) e.sample("analytica_table_rows", {{"table", t}}, n);

  // monitor_metrics' textfile: appended as written (its names are prefixed
  // analytica_monitor_, so they never collide with the ones above).
  const fs::path prom = options_.metrics_dir / "analytica.prom";
  std::error_code ec;
  if (fs::is_regular_file(prom, ec) && fs::file_size(prom, ec) < 4 * 1024 * 1024) {
    std::ifstream in(prom, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    if (!s.empty() && s.back() != '\n') s += '\n';
    e.raw(s);
  }
  return e.str();
}

}  // namespace analytica
