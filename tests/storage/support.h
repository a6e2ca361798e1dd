// support.h — helpers of the storage tests: temporary directories, the real
// `analytica` and `creb-synth` executables, sink modules driven through the
// C ABI (dlopen), and the throwaway PostgreSQL server that
// deployment/postgres.sh starts for CTest (fixture "postgres").
#pragma once

#include "analytica.h"
#include "analytica_cpp.hpp"

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace storage_test {

namespace fs = std::filesystem;
using analytica::Batch;
using analytica::Cell;
using analytica::Column;
using analytica::Schema;
using Row = std::vector<Cell>;

struct TempDir {
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path path;
  fs::path operator/(const std::string& p) const { return path / p; }
};

void write_text(const fs::path& file, const std::string& text);
std::string read_text(const fs::path& file);
bool contains(const std::string& text, const std::string& part);
// Single-quotes a string for sh.
std::string shell_quote(const std::string& s);

struct CliResult {
  int status = -1;
  std::string out, err;
};
// Runs `analytica --plugin-dir <built plugins> --log-file '' ARGS` with
// `env` (e.g. "A=1 B=2") in front; captures stdout and stderr.
CliResult run_cli(const std::vector<std::string>& args, const std::string& env = "");
// The shell command run_cli would run (without redirections).
std::string cli_command(const std::vector<std::string>& args, const std::string& env = "");

// Writes synthetic CREB reports for the months (YYYY-MM) into dir with
// creb-synth; extra are further creb-synth arguments (e.g. --set K=V).
void synth_reports(const fs::path& dir, const std::vector<std::string>& months,
                   const std::vector<std::string>& extra = {});

// A pipeline file reading *.pdf from inbox with extractor_creb into the
// given sinks ([{"plugin":..., "settings":{...}}] as JSON text).
std::string creb_pipeline(const fs::path& inbox, const std::string& sinks_json);

// ----------------------------------------------------------- sink modules

// A host services table recording fail() messages and log lines.
class TestHost {
 public:
  TestHost();
  TestHost(const TestHost&) = delete;
  TestHost& operator=(const TestHost&) = delete;
  const analytica_host* table() const { return &host_; }
  std::string last_failure() const;
  std::vector<std::string> logs() const;
  std::atomic<bool> cancelled{false};

 private:
  static void on_log(void* ctx, analytica_log_level, const char* message);
  static void on_fail(void* ctx, const char* message);
  static int on_is_cancelled(void* ctx);
  analytica_host host_{};
  mutable std::mutex mutex_;
  std::vector<std::string> failures_, logs_;
};

// A sink module loaded with dlopen (kept loaded for the whole run).
struct SinkModule {
  const analytica_plugin_descriptor* descriptor = nullptr;
  const analytica_sink_v1* sink = nullptr;
  std::string file;
  static const SinkModule& get(const std::string& file);
};

// One instance of a sink module, with its own host table.
class Sink {
 public:
  Sink(const std::string& module_file, const std::string& settings_json);
  ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  bool ok() const { return status_ == ANALYTICA_OK && self_; }
  analytica_status create_status() const { return status_; }
  std::string error() const { return host_.last_failure(); }
  TestHost& host() { return host_; }

  analytica_status declare(const Schema& schema);
  analytica_status begin();
  analytica_status commit();
  analytica_status rollback();
  analytica_status write(const Batch& batch);
  analytica_status lock_source(const std::string& key);
  analytica_status query(const std::string& sql, const std::vector<Cell>& params, std::vector<Row>& out);
  // Runs a query without parameters, rows to fn.
  analytica_status query_with(const std::string& sql, analytica_row_fn fn, void* user);
  // Rows of a query that must succeed (REQUIREs it).
  std::vector<Row> rows(const std::string& sql, const std::vector<Cell>& params = {});
  // Same, each row as "a|b|c" (NULL for NULL; doubles with 17 digits).
  std::vector<std::string> text_rows(const std::string& sql, const std::vector<Cell>& params = {});

 private:
  const SinkModule& module_;
  TestHost host_;
  void* self_ = nullptr;
  analytica_status status_ = ANALYTICA_ERR_INTERNAL;
};

std::string show(const Cell& c);
Cell I(int64_t v);
Cell D(double v);
Cell T(const std::string& v);
Cell N();
Batch make_batch(const Schema& schema, const std::vector<Row>& rows);

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

std::string json_string(const std::string& s);

}  // namespace storage_test
