// plugin.cpp — the C edge of sink_export: CSV or JSON-lines files per table
// (see export_store.h). It keeps files, not a database: query() answers
// ANALYTICA_ERR_UNSUPPORTED, so it is never the primary (first) sink of a
// pipeline; list it after a database sink. lock_source is NULL: commits
// already merge under a directory lock.
#include "analytica.h"
#include "analytica_cpp.hpp"
#include "export_store.h"

#include <cstring>
#include <memory>

namespace sink_export {
namespace {

using analytica::Failure;
using analytica::guard;

struct Instance {
  analytica_host host{};
  std::unique_ptr<ExportStore> store;
};

Instance* instance_of(void* self) { return static_cast<Instance*>(self); }

template <typename F>
analytica_status with_store(void* self, F&& f) noexcept {
  Instance* inst = instance_of(self);
  if (!inst || !inst->store) return ANALYTICA_ERR_INVALID;
  return guard(&inst->host, [&] {
    f(*inst->store);
    return ANALYTICA_OK;
  });
}

analytica_status sink_create(const analytica_host* host, const char* settings_json, void** out_self) {
  if (out_self) *out_self = nullptr;
  return guard(host, [&] {
    if (!host) throw Failure(ANALYTICA_ERR_INVALID, "create: no host services table");
    if (!out_self) throw Failure(ANALYTICA_ERR_INVALID, "create: out_self is NULL");
    auto inst = std::make_unique<Instance>();
    inst->host = analytica::read_sized(host);
    inst->store = std::make_unique<ExportStore>(parse_settings(settings_json), &inst->host);
    *out_self = inst.release();
    return ANALYTICA_OK;
  });
}

void sink_destroy(void* self) {
  try {
    delete instance_of(self);  // staged rows of an open transaction are dropped
  } catch (...) {
  }
}

analytica_status sink_declare_table(void* self, const analytica_table_schema* schema) {
  return with_store(self, [&](ExportStore& store) {
    if (!schema) throw Failure(ANALYTICA_ERR_INVALID, "declare_table: schema is NULL");
    store.declare_table(*schema);
  });
}

analytica_status sink_begin(void* self) {
  return with_store(self, [](ExportStore& store) { store.begin(); });
}

analytica_status sink_commit(void* self) {
  return with_store(self, [](ExportStore& store) { store.commit(); });
}

analytica_status sink_rollback(void* self) {
  return with_store(self, [](ExportStore& store) { store.rollback(); });
}

analytica_status sink_write(void* self, const analytica_batch* batch) {
  return with_store(self, [&](ExportStore& store) {
    if (!batch) throw Failure(ANALYTICA_ERR_INVALID, "write: batch is NULL");
    store.write(*batch);
  });
}

analytica_status sink_query(void* self, const char*, const analytica_value*, uint32_t, analytica_row_fn, void*) {
  Instance* inst = instance_of(self);
  if (inst && inst->host.fail)
    inst->host.fail(inst->host.ctx,
                    "sink_export keeps CSV/JSON-lines files and cannot answer queries; make a database sink "
                    "(sink_sqlite, sink_postgres) the first sink of the pipeline and list sink_export after it");
  return ANALYTICA_ERR_UNSUPPORTED;
}

const analytica_sink_v1 kSinkV1 = {
    sizeof(analytica_sink_v1),
    &sink_declare_table,
    &sink_begin,
    &sink_commit,
    &sink_rollback,
    &sink_write,
    &sink_query,
    nullptr,  // lock_source: commits merge under a directory lock
};

const void* sink_get_interface(const char* id) {
  if (id && std::strcmp(id, ANALYTICA_SINK_V1) == 0) return &kSinkV1;
  return nullptr;
}

const analytica_plugin_descriptor kDescriptor = {
    sizeof(analytica_plugin_descriptor),
    ANALYTICA_ABI_MAJOR,
    ANALYTICA_ABI_MINOR,
    ANALYTICA_KIND_SINK,
    "sink_export",
    "1.0.0",
    "CSV or JSON-lines files, one per table, upserted by key and replaced atomically at each commit",
    kSettings,
    kSettingCount,
    &sink_create,
    &sink_destroy,
    &sink_get_interface,
};

}  // namespace
}  // namespace sink_export

extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) {
  return &sink_export::kDescriptor;
}
