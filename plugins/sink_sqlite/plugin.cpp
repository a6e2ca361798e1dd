// plugin.cpp — the C edge of sink_sqlite: the descriptor and the one
// exported entry symbol. The analytica.sink/1 and analytica.sink.admin/1
// tables and their guarded entry points are plugins/common's
// (sink_backend.h), forwarding to SqliteStore.
#include "analytica.h"
#include "settings.h"
#include "sink_backend.h"
#include "sqlite_store.h"

#include <memory>

namespace sink_sqlite {
namespace {

std::unique_ptr<analytica::sink::SinkBackend> open_store(const char* settings_json, const analytica_host* host) {
  const Settings settings = parse_settings(settings_json);
  return std::make_unique<SqliteStore>(settings, host);
}

constexpr analytica_plugin_descriptor kDescriptor = analytica::sink::descriptor<open_store>(
    "sink_sqlite", "1.0.0",
    "SQLite store: upserts by key inside host-driven transactions (WAL, BEGIN IMMEDIATE, busy timeout)", kSettings,
    /*lock_source=*/false,  // BEGIN IMMEDIATE already excludes every other writer of the file
    /*admin=*/true);          // analytica.sink.admin/1: online backup, quick/integrity check

}  // namespace
}  // namespace sink_sqlite

ANALYTICA_DEFINE_ENTRY(sink_sqlite::kDescriptor)
