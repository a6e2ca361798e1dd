// sink_backend.h — the C edge every sink of the project shares: an abstract
// SinkBackend (one open store) that the guarded analytica.sink/1 entry
// points forward to, the checks and reporting every store makes the same
// way, and the plugin descriptor around a factory.
//
// A sink plugin derives its store from SinkBackend and declares itself with
// one ANALYTICA_SINK_PLUGIN(...) (or returns descriptor<factory>(...) from
// its one exported entry symbol). A store that answers the storage
// questions (analytica.sink.admin/1: location, integrity check, tables,
// size, backup, restore, change counter) overrides the admin methods and
// passes admin = true.
// Every entry point runs its work under analytica::guard, so no exception
// crosses the ABI: a Failure reaches the host through host->fail() with its
// status. Compiled into each sink (static library analytica_sink_common);
// only analytica.h's structs cross the ABI.
#ifndef ANALYTICA_SINK_BACKEND_H
#define ANALYTICA_SINK_BACKEND_H

#include "analytica.h"
#include "analytica_cpp.hpp"
#include "sink_schema.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace analytica::sink {

// One open store behind a sink instance. Methods report failure by
// throwing analytica::Failure with the status the entry point returns.
// Not thread-safe: one thread at a time, as the ABI promises for an
// instance.
class SinkBackend {
 public:
  virtual ~SinkBackend() = default;
  SinkBackend(const SinkBackend&) = delete;
  SinkBackend& operator=(const SinkBackend&) = delete;

  // The analytica.sink/1 operations (see analytica.h). The schema and
  // batch pointers are checked for NULL before these are called; query()'s
  // arguments are the backend's to check (see check_query).
  virtual void declare_table(const analytica_table_schema& schema) = 0;
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual void write(const analytica_batch& batch) = 0;
  virtual void query(const char* sql, const analytica_value* params, uint32_t param_count, analytica_row_fn fn,
                     void* user) = 0;
  // Called only if the descriptor was built with lock_source; fails
  // ANALYTICA_ERR_UNSUPPORTED otherwise.
  virtual void lock_source(const char* source_key);

  // The analytica.sink.admin/1 operations (see analytica.h), offered only
  // if the descriptor was built with admin = true. The entry points refuse
  // them inside a transaction (ANALYTICA_ERR_INVALID) before calling these.
  // location(): "sqlite:///abs/file.db", "postgres://host:port/db"; never a
  // password. check(): one problem per element, none when sound. tables():
  // (name, rows) sorted by name. backup(): a new file at path, nothing
  // there on failure. restore(): all or nothing. change_counter(): changes
  // on every committed write by any connection (see analytica.h). The
  // defaults fail ANALYTICA_ERR_UNSUPPORTED (location() answers "").
  struct TableRows {
    std::string name;
    int64_t rows = 0;
  };
  virtual std::string location() const { return ""; }
  virtual std::vector<std::string> check(bool thorough);
  virtual std::vector<TableRows> tables();
  virtual int64_t size();
  virtual void backup(const std::string& path);
  virtual void restore(const std::string& path);
  virtual uint64_t change_counter();
  bool in_open_transaction() const { return in_transaction(); }

 protected:
  // host (may be NULL) must outlive the backend; it is used for log() and
  // cancelled() only. where starts every message (a path, a directory, a
  // connection's "postgres://..."); a backend may change where_ later.
  SinkBackend(const analytica_host* host, std::string where) : host_(host), where_(std::move(where)) {}

  virtual bool in_transaction() const = 0;
  // What every message of fail() and log() goes through (as is by
  // default; a store holding a secret removes it here).
  virtual std::string clean(const std::string& message) const { return message; }

  [[noreturn]] void fail(analytica_status status, const std::string& message) const;
  bool cancelled() const;
  void log(analytica_log_level level, const std::string& message) const;

  // The checks every store makes the same way; each fails
  // ANALYTICA_ERR_INVALID with a message starting with where_.
  // begin(): none is open yet.
  void check_can_begin() const;
  // commit(): one is open.
  void check_can_commit() const;
  // A schema handed to declare_table(), read as its struct_size says.
  analytica_table_schema read_schema(const analytica_table_schema& given) const;
  // A batch handed to write(), read as its struct_size says, with its
  // schema; table is the schema's name as given ("(null)" if none).
  struct BatchIn {
    analytica_batch batch;
    analytica_table_schema schema;
    std::string table;
  };
  BatchIn read_batch(const analytica_batch& given) const;
  // write() to `table`: a transaction is open.
  void check_can_write(const std::string& table) const;
  // A batch of at least one row for a table of `width` columns has values,
  // and no more rows than memory can address.
  void check_rows(const analytica_batch& batch, size_t width, const std::string& table) const;
  // query(): SQL is given, and the parameters announced; returns
  // `query "<the SQL's start>"` to name the query in messages.
  std::string check_query(const char* sql, const analytica_value* params, uint32_t param_count) const;
  // Row r of a batch for def: "<where>: write to table "t", row r, column
  // "c": reason" for its first bad value (see row_problem).
  void check_row(const TableDef& def, const analytica_value* row, uint64_t r, ValueLimit limit = nullptr) const;

  const analytica_host* host_;
  std::string where_;
};

// Opens a store from the instance's settings JSON (may be NULL); host is
// the instance's copy of the host's services table, alive as long as the
// store.
using Open = std::unique_ptr<SinkBackend> (*)(const char* settings_json, const analytica_host* host);

// The descriptor's entry points, each wrapped in analytica::guard.
analytica_status create_backend(Open open, const analytica_host* host, const char* settings_json, void** out_self);
void destroy(void* self);
// ANALYTICA_SINK_V1: the table without lock_source, or with it; the
// *_admin variants also answer ANALYTICA_SINK_ADMIN_V1.
const void* get_interface(const char* id);
const void* get_locking_interface(const char* id);
const void* get_admin_interface(const char* id);
const void* get_locking_admin_interface(const char* id);

// The usual Open: a Store built from parse(settings_json) (which throws
// Failure on bad settings) and host.
template <typename Store, auto parse>
std::unique_ptr<SinkBackend> open_store(const char* settings_json, const analytica_host* host) {
  return std::make_unique<Store>(parse(settings_json), host);
}

template <Open Make>
analytica_status create(const analytica_host* host, const char* settings_json, void** out_self) {
  return create_backend(Make, host, settings_json, out_self);
}

// The plugin's descriptor: kind sink, this ABI version, the settings
// table, and the glue above around the factory Make. lock_source: whether
// the analytica.sink/1 table offers SinkBackend::lock_source (else NULL).
// admin: whether the plugin offers analytica.sink.admin/1.
template <Open Make, size_t N>
constexpr analytica_plugin_descriptor descriptor(const char* name, const char* version, const char* description,
                                                 const analytica_setting (&settings)[N], bool lock_source,
                                                 bool admin = false) {
  return analytica::describe_plugin(ANALYTICA_KIND_SINK, name, version, description, settings, &create<Make>,
                         &destroy,
                         lock_source ? (admin ? &get_locking_admin_interface : &get_locking_interface)
                      : (admin ? &get_admin_interface : &get_interface));
}

}  // namespace analytica::sink

// Declares a whole sink plugin in one statement, at global scope, once per
// plugin: its descriptor (descriptor<open_store<Store, parse>>) and the entry
// symbol. lock_source and admin as for descriptor().
//   ANALYTICA_SINK_PLUGIN("sink_x", "1.0.0", "what it stores", sink_x::kSettings, sink_x::XStore,
//                         sink_x::parse_settings, /*lock_source=*/false, /*admin=*/false)
#define ANALYTICA_SINK_PLUGIN(name, version, description, settings, Store, parse, lock_source, admin)                  \
  namespace analytica_plugin_declared {                                                                                \
  constexpr analytica_plugin_descriptor kDescriptor =                                                                  \
      ::analytica::sink::descriptor<::analytica::sink::open_store<Store, parse>>(name, version, description, settings, \
                                                                                 lock_source, admin);                  \
  }                                                                                                                    \
  ANALYTICA_DEFINE_ENTRY(analytica_plugin_declared::kDescriptor)

#endif
