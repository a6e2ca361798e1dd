// Tiny no-op plugins for abi_bench, one library per kind (NOOP_KIND = 1 extractor,
// 2 validator, 3 sink). The extractor emits `batches` batches of noop::kRowsPerBatch
// rows (setting "batches"); the validator and the sink touch every cell once.
#include "noop_core.h"

#include <analytica.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace {

struct Instance {
    const analytica_host* host;
    uint64_t batches = 1000;
    uint64_t checksum = 0;
    noop::BatchBuffer buffer;
};

analytica_status create(const analytica_host* host, const char* settings, void** out) {
    Instance* x = new (std::nothrow) Instance();
    if (x) x->host = host;
    if (!x) return ANALYTICA_ERR_INTERNAL;
    if (settings) {
        const char* b = std::strstr(settings, "\"batches\":");
        if (b) x->batches = std::strtoull(b + 10, nullptr, 10);
    }
    *out = x;
    return ANALYTICA_OK;
}

void destroy(void* self) { delete static_cast<Instance*>(self); }

#if NOOP_KIND == 1
const analytica_table_schema* output_table(void*, uint32_t index) { return index == 0 ? noop::schema() : nullptr; }
int32_t probe(void*, const analytica_input*) { return 100; }
analytica_status extract(void* self, const analytica_input*) {
    auto* x = static_cast<Instance*>(self);
    for (uint64_t b = 0; b < x->batches; ++b) {
        noop::fill(x->buffer, b * noop::kRowsPerBatch);
        const analytica_status s = x->host->emit(x->host->ctx, &x->buffer.batch);
        if (s < 0) return s;
    }
    return ANALYTICA_OK;
}
const analytica_extractor_v1 kTable = {sizeof(analytica_extractor_v1), output_table, probe, extract};
const char* const kId = ANALYTICA_EXTRACTOR_V1;
const analytica_plugin_kind kKind = ANALYTICA_KIND_EXTRACTOR;
const char* const kName = "bench_noop_extractor";
#elif NOOP_KIND == 2
analytica_status validate(void* self, const analytica_batch* batch) {
    static_cast<Instance*>(self)->checksum += noop::validate(batch);
    return ANALYTICA_OK;
}
const analytica_validator_v1 kTable = {sizeof(analytica_validator_v1), validate};
const char* const kId = ANALYTICA_VALIDATOR_V1;
const analytica_plugin_kind kKind = ANALYTICA_KIND_VALIDATOR;
const char* const kName = "bench_noop_validator";
#else
analytica_status ok(void*) { return ANALYTICA_OK; }
analytica_status declare(void*, const analytica_table_schema*) { return ANALYTICA_OK; }
analytica_status write(void* self, const analytica_batch* batch) {
    static_cast<Instance*>(self)->checksum += noop::write(batch);
    return ANALYTICA_OK;
}
const analytica_sink_v1 kTable = {sizeof(analytica_sink_v1), declare, ok, ok, ok, write, nullptr, nullptr};
const char* const kId = ANALYTICA_SINK_V1;
const analytica_plugin_kind kKind = ANALYTICA_KIND_SINK;
const char* const kName = "bench_noop_sink";
#endif

const void* get_interface(const char* id) { return id && std::strcmp(id, kId) == 0 ? &kTable : nullptr; }

const analytica_plugin_descriptor kDescriptor = {sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR,
                                                 ANALYTICA_ABI_MINOR, kKind, kName, "1.0.0",
                                                 "no-op plugin for abi_bench", nullptr, 0, create, destroy,
                                                 get_interface};

}  // namespace

extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) { return &kDescriptor; }
