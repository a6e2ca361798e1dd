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

// Appends the event as one line to `path` (creating its directory);
// throws analytica::Failure(ANALYTICA_ERR_IO) naming the file.
void append_event(const std::string& path, const nlohmann::json& event);

}  // namespace governance

#endif  // ANALYTICA_PLUGINS_GOVERNANCE_OPENLINEAGE_H
