// support.h — helpers of the storage tests: the CREB pipeline into given
// sinks, and the throwaway PostgreSQL server that deployment/postgres.sh
// starts for CTest (fixture "postgres"). Temporary directories, files, the
// real `analytica` and `creb-synth` are tests/support/support.h's; sink
// modules driven through the C ABI are tests/support/sink_module.h's.
#ifndef ANALYTICA_TESTS_STORAGE_SUPPORT_H
#define ANALYTICA_TESTS_STORAGE_SUPPORT_H

#include "support/sink_module.h"
#include "support/support.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace storage_test {

namespace fs = std::filesystem;
using namespace sinktest;

// A pipeline file reading *.pdf from inbox with extractor_creb into the
// given sinks ([{"plugin":..., "settings":{...}}] as JSON text).
std::string creb_pipeline(const fs::path& inbox, const std::string& sinks_json);

// --------------------------------------------------------------- postgres

// The test server's connection info (deployment/postgres.sh's INFO_FILE).
struct PgServer {
  std::string host, port, dbname, user;
  std::string secret_user, secret_password;  // a role with password authentication
  // "host=... port=... dbname=... user=..." (+ extra keywords).
  std::string conninfo(const std::string& extra = "") const;
};

// The server, or nullopt when ANALYTICA_SKIP_POSTGRES=1 (after printing
// "SKIPPED_POSTGRES: ..." so CTest reports the test as skipped). Fails the
// current test with the reason when the server is not available otherwise.
std::optional<PgServer> postgres();

#define REQUIRE_POSTGRES(var)                              \
  const auto var##_opt = ::storage_test::postgres();       \
  if (!var##_opt) return;                                  \
  const ::storage_test::PgServer& var = *var##_opt

// The start of a test that drives sink_postgres through the C ABI:
// REQUIRE_POSTGRES(server), a PgSchema `schema` of its own on it, and a
// sink_postgres instance `sink` on that schema, REQUIREd to have opened.
#define REQUIRE_PG_SINK(server, schema, sink)                        \
  REQUIRE_POSTGRES(server);                                          \
  ::storage_test::PgSchema schema(server);                           \
  ::sinktest::Sink sink(SINK_POSTGRES_MODULE, schema.settings());    \
  ::sinktest::require_open(sink)

// A schema of its own for one test (so tests run in parallel on one
// database), dropped with everything in it at the end.
class PgSchema {
 public:
  explicit PgSchema(const PgServer& server);
  ~PgSchema();
  PgSchema(const PgSchema&) = delete;
  PgSchema& operator=(const PgSchema&) = delete;
  const std::string& name() const { return name_; }
  // A libpq connection string whose search_path is this schema.
  std::string conninfo() const;
  // sink_postgres settings JSON for it (extra appended inside the object).
  std::string settings(const std::string& extra = "") const;
  // Runs SQL as the server's superuser on the schema; throws on error.
  void exec(const std::string& sql) const;

 private:
  const PgServer& server_;
  std::string name_;
};

}  // namespace storage_test

#endif  // ANALYTICA_TESTS_STORAGE_SUPPORT_H
