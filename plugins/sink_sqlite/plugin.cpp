// plugin.cpp — the C edge of sink_sqlite: the descriptor, the one exported
// entry symbol and the analytica.sink/1 table. Every entry point runs its
// work under analytica::guard, so no exception crosses the ABI; failures
// reach the host through host->fail() with the status of the Failure.
#include "analytica.h"
#include "analytica_cpp.hpp"
#include "settings.h"
#include "sqlite_store.h"

#include <cstring>
#include <memory>

namespace sink_sqlite {
namespace {

using analytica::Failure;
using analytica::guard;

// One plugin instance: the host's services table (copied, so a shorter,
// older table reads as zeros past its end) and the open store.
struct Instance {
  analytica_host host{};
  std::unique_ptr<SqliteStore> store;
};

Instance* instance_of(void* self) { return static_cast<Instance*>(self); }

// Runs f(store) for an instance, reporting failures through its host.
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
    const Settings settings = parse_settings(settings_json);
    inst->store = std::make_unique<SqliteStore>(settings, &inst->host);
    *out_self = inst.release();
    return ANALYTICA_OK;
  });
}

void sink_destroy(void* self) {
  try {
    delete instance_of(self);
  } catch (...) {  // destroy never fails
  }
}

analytica_status sink_declare_table(void* self, const analytica_table_schema* schema) {
  return with_store(self, [&](SqliteStore& store) {
    if (!schema) throw Failure(ANALYTICA_ERR_INVALID, "declare_table: schema is NULL");
    store.declare_table(*schema);
  });
}

analytica_status sink_begin(void* self) {
  return with_store(self, [](SqliteStore& store) { store.begin(); });
}

analytica_status sink_commit(void* self) {
  return with_store(self, [](SqliteStore& store) { store.commit(); });
}

analytica_status sink_rollback(void* self) {
  return with_store(self, [](SqliteStore& store) { store.rollback(); });
}

analytica_status sink_write(void* self, const analytica_batch* batch) {
  return with_store(self, [&](SqliteStore& store) {
    if (!batch) throw Failure(ANALYTICA_ERR_INVALID, "write: batch is NULL");
    store.write(*batch);
  });
}

analytica_status sink_query(void* self, const char* sql, const analytica_value* params, uint32_t param_count,
                            analytica_row_fn fn, void* user) {
  return with_store(self, [&](SqliteStore& store) { store.query(sql, params, param_count, fn, user); });
}

const analytica_sink_v1 kSinkV1 = {
    sizeof(analytica_sink_v1),
    &sink_declare_table,
    &sink_begin,
    &sink_commit,
    &sink_rollback,
    &sink_write,
    &sink_query,
    nullptr,  // lock_source: BEGIN IMMEDIATE already excludes every other writer of the file
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
    "sink_sqlite",
    "1.0.0",
    "SQLite store: upserts by key inside host-driven transactions (WAL, BEGIN IMMEDIATE, busy timeout)",
    kSettings,
    kSettingCount,
    &sink_create,
    &sink_destroy,
    &sink_get_interface,
};

}  // namespace
}  // namespace sink_sqlite

extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) {
  return &sink_sqlite::kDescriptor;
}
