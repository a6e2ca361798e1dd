// OpenLineage RunEvents (spec 2-0-2) for each run, appended as JSON lines
// to a file: START at run start, then COMPLETE, FAIL or ABORT at its end.
// Inputs are the source files read (namespace "file", name = absolute
// path, facets dataSource and version = SHA-256); outputs are the tables
// written (namespace of the primary store, facets schema and
// dataQualityMetrics). Every facet carries _producer and _schemaURL.
#ifndef ANALYTICA_PLUGINS_GOVERNANCE_OPENLINEAGE_H
#define ANALYTICA_PLUGINS_GOVERNANCE_OPENLINEAGE_H

#include "quality.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace governance {

struct LineageInput {
  std::string path, uri, sha256, name;
  int64_t size = 0;
};

struct RunEventSpec {
  std::string event_type;  // START | COMPLETE | FAIL | ABORT
  std::string event_time, run_id, job_namespace, job_name;
  std::string error;  // FAIL/ABORT: why (errorMessage run facet)
  std::vector<LineageInput> inputs;
  std::string output_namespace;
  std::map<std::string, TableStats> outputs;  // by table
};

// The producer URI of every event and facet.
extern const char* const kProducer;
// The event-level schemaURL.
extern const char* const kRunEventSchema;

// Builds one RunEvent.
nlohmann::json run_event(const RunEventSpec& spec);

// Appends the event as one whole line to `path` (creating its directory),
// under an exclusive flock of the file: the complete line is built first
// and written at once; if the disk fills (or a file size limit is hit) part
// way, the file is truncated back to its old size and
// Failure(ANALYTICA_ERR_IO) names the file and the reason, so the file
// never holds a torn line of this writer. A torn last
// line left by an earlier writer (killed mid-write) is cut off first;
// returns how many bytes of it were dropped (0 normally).
uint64_t append_event(const std::string& path, const nlohmann::json& event);

}  // namespace governance

#endif  // ANALYTICA_PLUGINS_GOVERNANCE_OPENLINEAGE_H
