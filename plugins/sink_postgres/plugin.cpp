// plugin.cpp — the C edge of sink_postgres: the descriptor and the one
// exported entry symbol. The analytica.sink/1 table (with lock_source) and
// its guarded entry points are plugins/common's (sink_backend.h),
// forwarding to PgStore, whose messages never hold the password.
#include "analytica.h"
#include "pg_store.h"
#include "settings.h"
#include "sink_backend.h"

#include <memory>

namespace sink_postgres {
namespace {

std::unique_ptr<analytica::sink::SinkBackend> open_store(const char* settings_json, const analytica_host* host) {
  const Settings settings = parse_settings(settings_json);
  return std::make_unique<PgStore>(settings, host);
}

constexpr analytica_plugin_descriptor kDescriptor = analytica::sink::descriptor<open_store>(
    "sink_postgres", "1.0.0",
    "PostgreSQL store: sink_sqlite's tables and upserts over libpq, an advisory lock per source for hosts "
    "sharing the database",
    kSettings, /*lock_source=*/true, /*admin=*/true);

}  // namespace
}  // namespace sink_postgres

ANALYTICA_DEFINE_ENTRY(sink_postgres::kDescriptor)
