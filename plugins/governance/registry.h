// Governance's records of runs, source files and lineage. Tables:
//   governance_runs            one row per run: pipeline, config and plugin hashes, times, outcome, counts
//   governance_sources         one row per distinct source file content (SHA-256): the registry
//   governance_lineage_records which source version, run and extractor wrote each record;
//                              superseded_by names the newer version of the file that replaced it
//   governance_lineage_cells   value, page, box and confidence of each cell of each record
//   governance_quality         per run and per source: records, confidence distribution,
//                              validation outcomes
// plus the schema versions of schemas.h. Everything is written through the
// host into the primary sink's current transaction.
#ifndef ANALYTICA_PLUGINS_GOVERNANCE_REGISTRY_H
#define ANALYTICA_PLUGINS_GOVERNANCE_REGISTRY_H

#include "openlineage.h"
#include "quality.h"
#include "schemas.h"
#include "store.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace governance {

struct Settings {
  std::string openlineage_path;       // "" = no OpenLineage events
  std::string job_namespace = "analytica";
  std::string dataset_namespace;      // "" = derived from the primary sink
  std::set<std::string> accept_schema_changes;
};

// One row of governance_sources.
struct SourceVersion {
  std::string sha256, uri, path, name, first_seen, status, message, run_id, supersedes, superseded_by;
  int64_t size = 0, version = 1;
};

class Registry {
 public:
  Registry(const analytica_host* host, Settings settings)
      : store_(host), settings_(std::move(settings)), schemas_(store_, settings_.accept_schema_changes), host_(host) {}
  Registry(const Registry&) = delete;  // schemas_ refers to store_
  Registry& operator=(const Registry&) = delete;

  void run_start(const analytica_run_info& run);
  analytica_source_decision register_source(const analytica_input& input, std::string& sha256);
  void record_batch(const std::string& extractor, const analytica_batch& batch);
  void source_end(analytica_status status, const std::string& message);
  // An input its source found but could not hand over (analytica_input.error):
  // never registered, so source_end() is not for it; counted as failed.
  void unregistered_failure(const std::string& name, const std::string& message) {
    ++failed_;
    failures_.push_back(name + ": " + message);
  }
  void run_end(analytica_status status, uint64_t records);
  void check_schema(const analytica_table_schema& schema);

 private:
  struct Current {
    SourceVersion source;
    Quality quality;
    std::map<std::string, TableStats> tables;
    bool active = false;     // registered for ingest, not yet ended
    bool ended_ok = false;   // source_end(OK) ran; its commit is up to the host
  };
  // The sources this run ingested: their identities (for the run's
  // OpenLineage event) and, folded together, their quality and output
  // statistics, so a run's memory stays flat however many inputs it has.
  struct Ingested {
    std::vector<SourceVersion> sources;
    Quality quality;
    std::map<std::string, TableStats> outputs;
  };

  std::optional<SourceVersion> read_source(const std::string& sha256) const;
  std::string ignored_reason(const SourceVersion& s) const;
  void write_source(const SourceVersion& s, const std::string& status, const std::string& message);
  void write_run(const std::string& status, const std::string& ended_at, uint64_t records, const std::string& message);
  // Rewrites this run's row as `running` with the counts committed so far
  // and heartbeat_at = now ("last seen"), in the current transaction.
  void heartbeat();
  // Closes the `running` runs of this host whose process is gone (status
  // abandoned, ended_at = their last heartbeat), in the current transaction;
  // returns their OpenLineage ABORT events (output namespace unset).
  std::vector<RunEventSpec> close_abandoned_runs();
  // Appends one event to the OpenLineage file, if any (throws as append_event).
  void append_lineage(const RunEventSpec& spec);
  analytica_source_decision decide_source(const analytica_input& input, std::string& sha256);
  void write_quality(const std::string& sha256, const Quality& q);
  void count_validation(const std::string& sha256, Quality& q);
  void emit_openlineage(const std::string& event_type, const std::string& error);
  // Folds a source that ended well into ingested_ once its commit can no
  // longer fail: when the next source starts, or the run ends. Until then
  // it stays in current_ (ended_ok), and the counts below include it.
  void settle_current();
  uint64_t ingested_count() const { return ingested_.sources.size() + (current_.ended_ok ? 1 : 0); }
  uint64_t ingested_records() const {
    return ingested_.quality.records + (current_.ended_ok ? current_.quality.records : 0);
  }

  Store store_;
  Settings settings_;
  SchemaRegistry schemas_;
  const analytica_host* host_;  // for store_location (set by the host before run_start)
  std::string run_id_, pipeline_, config_sha256_, plugins_, started_at_, output_namespace_;
  std::string host_name_;  // this process's identity, recorded with the run
  int64_t pid_ = 0, process_start_ = 0;
  bool refused_at_start_ = false;
  uint64_t skipped_ = 0, failed_ = 0;
  std::vector<std::string> failures_;
  Ingested ingested_;
  Current current_;
};

}  // namespace governance

#endif  // ANALYTICA_PLUGINS_GOVERNANCE_REGISTRY_H
