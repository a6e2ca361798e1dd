// plugin.cpp — the C edge of sink_postgres: the descriptor and the one
// exported entry symbol. The analytica.sink/1 table (with lock_source) and
// its guarded entry points are plugins/common's (sink_backend.h),
// forwarding to PgStore, whose messages never hold the password.
#include "analytica.h"
#include "pg_store.h"
#include "settings.h"
#include "sink_backend.h"

ANALYTICA_SINK_PLUGIN("sink_postgres", "1.0.0",
                      "PostgreSQL store: sink_sqlite's tables and upserts over libpq, an advisory lock per source for "
                      "hosts sharing the database",
                      sink_postgres::kSettings, sink_postgres::PgStore, sink_postgres::parse_settings,
                      /*lock_source=*/true, /*admin=*/true)
