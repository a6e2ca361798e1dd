// plugin.cpp — the C edge of sink_export: CSV or JSON-lines files per table
// (see export_store.h). It keeps files, not a database: query() answers
// ANALYTICA_ERR_UNSUPPORTED, so it is never the primary (first) sink of a
// pipeline; list it after a database sink. The analytica.sink/1 table and
// its guarded entry points are plugins/common's (sink_backend.h).
#include "analytica.h"
#include "export_store.h"
#include "sink_backend.h"

#include <memory>

namespace sink_export {
namespace {

// Destroying the store drops the staged rows of an open transaction.
std::unique_ptr<analytica::sink::SinkBackend> open_store(const char* settings_json, const analytica_host* host) {
  return std::make_unique<ExportStore>(parse_settings(settings_json), host);
}

constexpr analytica_plugin_descriptor kDescriptor = analytica::sink::descriptor<open_store>(
    "sink_export", "1.0.0",
    "CSV or JSON-lines files, one per table, upserted by key and replaced atomically at each commit", kSettings,
    /*lock_source=*/false);  // commits merge under a directory lock

}  // namespace
}  // namespace sink_export

ANALYTICA_DEFINE_ENTRY(sink_export::kDescriptor)
