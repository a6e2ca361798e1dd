// plugin.cpp — the C edge of sink_export: CSV or JSON-lines files per table
// (see export_store.h). It keeps files, not a database: query() answers
// ANALYTICA_ERR_UNSUPPORTED, so it is never the primary (first) sink of a
// pipeline; list it after a database sink. The analytica.sink/1 table and
// its guarded entry points are plugins/common's (sink_backend.h).
// Destroying the store drops the staged rows of an open transaction.
#include "analytica.h"
#include "export_store.h"
#include "sink_backend.h"

// No lock_source: commits merge under a directory lock.
ANALYTICA_SINK_PLUGIN("sink_export", "1.0.0",
                      "CSV or JSON-lines files, one per table, upserted by key and replaced atomically at each commit",
                      sink_export::kSettings, sink_export::ExportStore, sink_export::parse_settings,
                      /*lock_source=*/false, /*admin=*/false)
