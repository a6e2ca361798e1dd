// governance: the mandatory core plugin. Records every run, every source
// file by SHA-256 (deciding ingest, skip or new version) and the lineage of
// every record and cell, all through the host into the primary sink's
// current transaction.
#include "registry.h"

#include <analytica.h>
#include <analytica_cpp.hpp>

#include <memory>
#include <string>

namespace {

struct Governance {
  const analytica_host* host;
  governance::Registry registry;
};

Governance* self_of(void* self) { return static_cast<Governance*>(self); }

analytica_status create(const analytica_host* host, const char*, void** out) {
  return analytica::guard(host, [&] {
    *out = new Governance{host, governance::Registry(host)};
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete self_of(self); }

analytica_status run_start(void* self, const analytica_run_info* run) {
  auto* g = self_of(self);
  return analytica::guard(g->host, [&] {
    g->registry.run_start(analytica::read_sized(run));
    return ANALYTICA_OK;
  });
}

analytica_status register_source(void* self, const analytica_input* input, char sha256_out[65],
                                 analytica_source_decision* decision) {
  auto* g = self_of(self);
  return analytica::guard(g->host, [&] {
    std::string sha;
    *decision = g->registry.register_source(analytica::read_sized(input), sha);
    sha.copy(sha256_out, 64);
    sha256_out[sha.size() < 64 ? sha.size() : 64] = '\0';
    return ANALYTICA_OK;
  });
}

analytica_status record_batch(void* self, const analytica_input*, const char* extractor,
                              const analytica_batch* batch) {
  auto* g = self_of(self);
  return analytica::guard(g->host, [&] {
    g->registry.record_batch(extractor ? extractor : "", analytica::read_sized(batch));
    return ANALYTICA_OK;
  });
}

analytica_status source_end(void* self, const analytica_input*, analytica_status status, const char* message) {
  auto* g = self_of(self);
  return analytica::guard(g->host, [&] {
    g->registry.source_end(status, message ? message : "");
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

const analytica_governance_v1 kGovernance = {sizeof(analytica_governance_v1), run_start, register_source,
                                             record_batch, source_end, run_end};

const void* get_interface(const char* id) {
  return std::string(id) == ANALYTICA_GOVERNANCE_V1 ? &kGovernance : nullptr;
}

const analytica_plugin_descriptor kDescriptor = {
    sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_GOVERNANCE,
    "governance", "1.0.0", "mandatory core: runs, source registry (SHA-256) and cell lineage",
    nullptr, 0, create, destroy, get_interface};

}  // namespace

extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) { return &kDescriptor; }
