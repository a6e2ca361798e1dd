// sink_module.h — drives a built sink plugin through the C ABI only, as the
// host would: the module loaded with dlopen() and its ANALYTICA_ENTRY symbol,
// a minimal analytica_host table of the test's own that records fail() and
// log() calls, typed cells and batches, and the two schemas the sink tests of
// every store share.
#ifndef ANALYTICA_TESTS_SUPPORT_SINK_MODULE_H
#define ANALYTICA_TESTS_SUPPORT_SINK_MODULE_H

#include "analytica.h"
#include "analytica_cpp.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

namespace sinktest {

using analytica::Batch;
using analytica::Cell;
using analytica::Column;
using analytica::Schema;
using Row = std::vector<Cell>;

// A host services table: log(), fail(), is_cancelled() and a silent event();
// no governance. Tests that drive one plugin directly share it.
class TestHost {
 public:
  TestHost();
  TestHost(const TestHost&) = delete;
  TestHost& operator=(const TestHost&) = delete;
  const analytica_host* table() const { return &host_; }
  std::string last_failure() const;  // "" if fail() was never called
  std::vector<std::string> logs() const;
  std::atomic<bool> cancelled{false};  // what is_cancelled() answers

 private:
  static void on_log(void* ctx, analytica_log_level, const char* message);
  static void on_fail(void* ctx, const char* message);
  static int on_is_cancelled(void* ctx);
  analytica_host host_{};
  mutable std::mutex mutex_;
  std::vector<std::string> failures_, logs_;
};

// A sink module loaded once per file and kept loaded for the whole run
// (throws if the file has no descriptor or no sink interface).
struct SinkModule {
  const analytica_plugin_descriptor* descriptor = nullptr;
  const analytica_sink_v1* sink = nullptr;
  std::string file;
  static const SinkModule& get(const std::string& file);
};

// Appends each row to the std::vector<Row> that `user` points to.
int collect_rows(void* user, const analytica_value* values, uint32_t count);

// One instance of a sink module with its own host table. Not copyable: the
// plugin keeps a pointer to the table.
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
  analytica_status lock_source(const std::string& key);  // UNSUPPORTED if the sink has none
  // Runs a query, rows to fn with &out as its user pointer.
  analytica_status query(const std::string& sql, const std::vector<Cell>& params, std::vector<Row>& out,
                         analytica_row_fn fn = &collect_rows);
  // Runs a query without parameters, rows to fn with user.
  analytica_status query_with(const std::string& sql, analytica_row_fn fn, void* user);
  // Rows of a query that must succeed (REQUIREs it).
  std::vector<Row> rows(const std::string& sql, const std::vector<Cell>& params = {});
  // Same, each row as "a|b|c" of show() values.
  std::vector<std::string> text_rows(const std::string& sql, const std::vector<Cell>& params = {});

 private:
  const SinkModule& module_;
  TestHost host_;
  void* self_ = nullptr;
  analytica_status status_ = ANALYTICA_ERR_INTERNAL;
};

// A cell as text: integers and text as they are, doubles as "d:" with 17
// significant digits (so the type and every bit show), NULL as "NULL".
std::string show(const Cell& c);
Cell I(int64_t v);
Cell D(double v);
Cell T(const std::string& v);
Cell N();
Batch make_batch(const Schema& schema, const std::vector<Row>& rows);

// begin, write the rows, commit: each must succeed (REQUIREd, with the
// sink's last failure as the message).
void write_committed(Sink& sink, const Schema& schema, const std::vector<Row>& rows);
// REQUIREs that the sink was created, with its failure as the message.
void require_open(const Sink& sink);
// Writes two benchmark_schema() rows of one district, `older` and `newer` by
// their report_month, in each order, one SECTION each: older then newer,
// newer then older, and both in one batch with the newer first. The caller
// then checks that the newer row won every time.
void write_in_every_order(Sink& sink, const Row& older, const Row& newer);

// The names of the dynamic symbols the module file defines (as
// `nm -D --defined-only` lists them; REQUIREs that nm ran).
std::vector<std::string> exported_symbols(const std::string& module_file);

// prices(region KEY, month KEY, price DOUBLE, sales INT64, note TEXT).
Schema prices_schema();
// benchmark(district KEY, report_month NEWEST, price DOUBLE): rows a later
// report supersedes, each version kept in benchmark_revisions.
Schema benchmark_schema();

}  // namespace sinktest

#endif  // ANALYTICA_TESTS_SUPPORT_SINK_MODULE_H
