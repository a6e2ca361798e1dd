// Runs one pipeline: the source's inputs one at a time, each as one
// transaction on the sinks — register with governance, extract, validate,
// write records and lineage, commit — with run events to the monitors.
//
// Threading: with more than one extraction worker (ANALYTICA_EXTRACT_WORKERS,
// default min(2, hardware threads); 1 = everything on the calling thread),
// the next inputs are extracted ahead on worker threads, each with its own
// instances of every extractor, while the calling thread validates, writes
// and commits the current one. Every store write, governance call, monitor
// event and source call stays on the calling thread, in input order; an
// extraction governance does not ask for (unchanged bytes) is discarded.
// Sources are read ahead (a bounded queue), except one whose inputs carry
// bookmarks: it is asked for its next input once the current one committed.
#ifndef ANALYTICA_HOST_RUN_PIPELINE_RUNNER_H
#define ANALYTICA_HOST_RUN_PIPELINE_RUNNER_H

#include "run/config.h"
#include "run/plugin_instance.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace analytica {

class Validation;
struct StoreAccess;

struct RunSummary {
  std::string run_id;
  uint64_t inputs = 0, ingested = 0, skipped = 0, failed = 0, records = 0;
  std::vector<std::string> failures;  // one line per failed input, then the run's own failure
  std::string run_end_error;          // the run's end could not be recorded (a full disk, say)
  // Review items waiting for a person after the run (run/review_state.h),
  // and pending ones a newer report superseded; -1 = no review queue.
  int64_t review_waiting = -1, review_superseded = 0;
  bool cancelled = false;
  bool ok() const { return failed == 0 && !cancelled && run_end_error.empty(); }
};

class PipelineRunner {
 public:
  // Loads and creates every plugin and checks every setting; throws
  // UserError or PluginError before anything runs. Refuses to run without
  // the governance core plugin.
  PipelineRunner(const Settings& settings, const Pipeline& pipeline, PluginCatalog& catalog);
  ~PipelineRunner();

  RunSummary run();

  // The extraction workers a run uses: ANALYTICA_EXTRACT_WORKERS when set
  // (1..64), else min(2, hardware threads). Throws UserError on a bad value.
  static unsigned extract_workers();

 private:
  struct Stage;
  struct OwnedInput;
  struct Extraction;
  struct Ahead;
  using Extractors = std::vector<std::unique_ptr<Stage>>;
  void create_plugins(PluginCatalog& catalog);
  void process_input(const OwnedInput& input, RunSummary& summary, Extraction* ahead);
  void extract(Extractors& set, Extraction& out) const;  // probe, extract; fills out (never throws)
  void pull_inputs(Stage& src, RunSummary& summary, Ahead* ahead);  // the source's inputs, in order
  bool likely_new(OwnedInput& input);  // sets input.sha256; false when governance will skip it
  void write_source(const analytica_input& input, const std::string& extractor);
  void declare(Stage& sink, const Schema& schema);
  void each_sink(const std::function<void(Stage&)>& f);
  void rollback_all();
  void raise(analytica_event_kind kind, const std::string& source, const std::string& plugin,
             const std::string& message, uint64_t records, analytica_status status);
  analytica_status query_primary(const char* sql, const analytica_value* params, uint32_t n,
                                 analytica_row_fn fn, void* user);
  // Sets the instance's query hook to query_primary (sources, validators and
  // governance read the primary sink).
  void answer_queries_from_primary(PluginInstance& instance);
  StoreAccess primary_access();              // validation's way to the primary sink
  void validate(Batch& batch);               // runs every validator over one pending batch

  const Settings& settings_;
  const Pipeline& pipeline_;
  std::string run_id_;
  unsigned workers_;  // extraction workers (extract_workers()); 1 = none, all on the run's thread
  std::vector<std::unique_ptr<Stage>> sources_, extractors_, validators_, sinks_, monitors_;
  std::vector<Extractors> worker_extractors_;  // one set of every extractor per worker thread
  std::unique_ptr<Stage> governance_;
  std::unique_ptr<Validation> validation_;  // checks, confidence, review queue (validation.h)
  uint64_t sources_total_ = 0, sources_done_ = 0;
};

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_PIPELINE_RUNNER_H
