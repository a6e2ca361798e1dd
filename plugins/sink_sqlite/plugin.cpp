// plugin.cpp — the C edge of sink_sqlite: the descriptor and the one
// exported entry symbol. The analytica.sink/1 and analytica.sink.admin/1
// tables and their guarded entry points are plugins/common's
// (sink_backend.h), forwarding to SqliteStore.
#include "analytica.h"
#include "settings.h"
#include "sink_backend.h"
#include "sqlite_store.h"

// No lock_source: BEGIN IMMEDIATE already excludes every other writer of the
// file. Admin (analytica.sink.admin/1): online backup, quick/integrity check.
ANALYTICA_SINK_PLUGIN("sink_sqlite", "1.0.0",
                      "SQLite store: upserts by key inside host-driven transactions (WAL, BEGIN IMMEDIATE, busy "
                      "timeout)",
                      sink_sqlite::kSettings, sink_sqlite::SqliteStore, sink_sqlite::parse_settings,
                      /*lock_source=*/false, /*admin=*/true)
