// governance: the mandatory core plugin. Records every run, every source
// file by SHA-256 (deciding ingest, skip or new version, and marking the
// records of a superseded version), the lineage of every record and cell,
// the schema version of every table, quality metrics — all through the
// host into the primary sink's current transaction — and appends
// OpenLineage RunEvents to a file.
#include "bookmarks.h"
#include "fetches.h"
#include "registry.h"
#include "settings_table.h"

#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace {
using analytica::Failure;

struct Governance {
  Governance(const analytica_host* h, governance::Settings settings) : host(h), registry(h, std::move(settings)) {}
  const analytica_host* host;
  governance::Registry registry;
};

Governance* self_of(void* self) { return static_cast<Governance*>(self); }

governance::Settings parse_settings(const char* settings_json) {
  const nlohmann::json j = nlohmann::json::parse(settings_json && *settings_json ? settings_json : "{}");
  if (!j.is_object()) throw Failure(ANALYTICA_ERR_INVALID, "settings: expected a JSON object");
  governance::Settings s;
  s.openlineage_path = j.value("openlineage_path", "");
  s.job_namespace = j.value("openlineage_namespace", "analytica");
  s.dataset_namespace = j.value("openlineage_dataset_namespace", "");
  if (j.contains("accept_schema_changes"))
    for (const auto& t : j["accept_schema_changes"]) {
      if (!t.is_string()) throw Failure(ANALYTICA_ERR_INVALID, "settings: accept_schema_changes: expected table names");
      s.accept_schema_changes.insert(t.get<std::string>());
    }
  if (s.job_namespace.empty()) throw Failure(ANALYTICA_ERR_INVALID, "settings: openlineage_namespace is empty");
  return s;
}

analytica_status create(const analytica_host* host, const char* settings_json, void** out) {
  return analytica::guard(host, [&] {
    *out = new Governance(host, parse_settings(settings_json));
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete self_of(self); }

analytica_status run_start(void* self, const analytica_run_info* run) {
  auto* g = self_of(self);
  return analytica::guard(g->host, [&] {
    if (!run) throw Failure(ANALYTICA_ERR_INVALID, "run_start: run is NULL");
    g->registry.run_start(analytica::read_sized(run));
    governance::declare_bookmarks(governance::Store(g->host));
    governance::declare_fetches(governance::Store(g->host));
    return ANALYTICA_OK;
  });
}

analytica_status register_source(void* self, const analytica_input* input, char sha256_out[65],
                                 analytica_source_decision* decision) {
  auto* g = self_of(self);
  return analytica::guard(g->host, [&] {
    if (!input || !decision) throw Failure(ANALYTICA_ERR_INVALID, "register_source: input or decision is NULL");
    std::string sha;
    const analytica_input in = analytica::read_sized(input);
    *decision = g->registry.register_source(in, sha);
    governance::record_bookmark(governance::Store(g->host), in, sha, g->host->run_id ? g->host->run_id : "");
    governance::record_fetch_ok(governance::Store(g->host), in, g->host->run_id ? g->host->run_id : "");
    sha.copy(sha256_out, 64);
    sha256_out[sha.size() < 64 ? sha.size() : 64] = '\0';
    return ANALYTICA_OK;
  });
}

analytica_status record_batch(void* self, const analytica_input*, const char* extractor,
                              const analytica_batch* batch) {
  auto* g = self_of(self);
  return analytica::guard(g->host, [&] {
    if (!batch || !batch->schema) throw Failure(ANALYTICA_ERR_INVALID, "record_batch: batch or schema is NULL");
    g->registry.record_batch(extractor ? extractor : "", analytica::read_sized(batch));
    return ANALYTICA_OK;
  });
}

analytica_status source_end(void* self, const analytica_input* input, analytica_status status, const char* message) {
  auto* g = self_of(self);
  return analytica::guard(g->host, [&] {
    const analytica_input in = analytica::read_sized(input);
    const std::string why = message ? message : "";
    if (in.error && *in.error) {  // never registered: the source could not hand it over
      g->registry.unregistered_failure(in.display_name ? in.display_name : "", why.empty() ? in.error : why);
    } else {
      g->registry.source_end(status, why);
    }
    if (status < 0 && input)
      governance::record_fetch_failure(governance::Store(g->host), in, why.empty() && in.error ? in.error : why,
                                       g->host->run_id ? g->host->run_id : "");
    return ANALYTICA_OK;
  });
}

analytica_status run_end(void* self, analytica_status status, uint64_t records) {
  auto* g = self_of(self);
  return analytica::guard(g->host, [&] {
    g->registry.run_end(status, records);
    return ANALYTICA_OK;
  });
}

analytica_status check_schema(void* self, const analytica_table_schema* schema) {
  auto* g = self_of(self);
  return analytica::guard(g->host, [&] {
    if (!schema) throw Failure(ANALYTICA_ERR_INVALID, "check_schema: schema is NULL");
    g->registry.check_schema(analytica::read_sized(schema));
    return ANALYTICA_OK;
  });
}

const analytica_governance_v1 kGovernance = {sizeof(analytica_governance_v1), run_start, register_source,
                                             record_batch, source_end, run_end, check_schema};

}  // namespace

ANALYTICA_PLUGIN(
    ANALYTICA_KIND_GOVERNANCE, "governance", "1.1.0",
    "mandatory core: runs, source registry (SHA-256, versions, integrity), cell lineage, schema versions, quality, "
    "OpenLineage events",
    governance::kSettings, create, destroy, {ANALYTICA_GOVERNANCE_V1, &kGovernance})
