// sink_backend.cpp — the guarded analytica.sink/1 entry points and the
// checks every store shares (see sink_backend.h).
#include "sink_backend.h"

#include "analytica_cpp.hpp"

#include <cstring>

namespace analytica::sink {

// ------------------------------------------------------------ SinkBackend

void SinkBackend::lock_source(const char*) {
  fail(ANALYTICA_ERR_UNSUPPORTED, where_ + ": lock_source is not supported");
}

std::vector<std::string> SinkBackend::check(bool) {
  fail(ANALYTICA_ERR_UNSUPPORTED, where_ + ": check is not supported");
}

std::vector<SinkBackend::TableRows> SinkBackend::tables() {
  fail(ANALYTICA_ERR_UNSUPPORTED, where_ + ": tables is not supported");
}

int64_t SinkBackend::size() { fail(ANALYTICA_ERR_UNSUPPORTED, where_ + ": size is not supported"); }

void SinkBackend::backup(const std::string&) { fail(ANALYTICA_ERR_UNSUPPORTED, where_ + ": backup is not supported"); }

void SinkBackend::restore(const std::string&) {
  fail(ANALYTICA_ERR_UNSUPPORTED, where_ + ": restore is not supported");
}

uint64_t SinkBackend::change_counter() {
  fail(ANALYTICA_ERR_UNSUPPORTED, where_ + ": change_counter is not supported");
}

void SinkBackend::fail(analytica_status status, const std::string& message) const {
  throw Failure(status, clean(message));
}

bool SinkBackend::cancelled() const { return host_ && host_->is_cancelled && host_->is_cancelled(host_->ctx) != 0; }

void SinkBackend::log(analytica_log_level level, const std::string& message) const {
  if (host_ && host_->log) host_->log(host_->ctx, level, clean(message).c_str());
}

void SinkBackend::check_can_begin() const {
  if (in_transaction()) fail(ANALYTICA_ERR_INVALID, where_ + ": begin: a transaction is already open");
}

void SinkBackend::check_can_commit() const {
  if (!in_transaction())
    fail(ANALYTICA_ERR_INVALID, where_ + ": commit: no transaction is open (begin first; an earlier error may have "
                                         "rolled it back)");
}

analytica_table_schema SinkBackend::read_schema(const analytica_table_schema& given) const {
  const analytica_table_schema schema = read_sized(&given);
  if (schema.struct_size == 0) fail(ANALYTICA_ERR_INVALID, where_ + ": declare table: schema struct_size is 0");
  return schema;
}

SinkBackend::BatchIn SinkBackend::read_batch(const analytica_batch& given) const {
  BatchIn in;
  in.batch = read_sized(&given);
  if (in.batch.struct_size == 0) fail(ANALYTICA_ERR_INVALID, where_ + ": write: batch struct_size is 0");
  if (!in.batch.schema) fail(ANALYTICA_ERR_INVALID, where_ + ": write: the batch has no schema");
  in.schema = read_sized(in.batch.schema);
  in.table = in.schema.table ? in.schema.table : "(null)";
  return in;
}

void SinkBackend::check_can_write(const std::string& table) const {
  if (!in_transaction())
    fail(ANALYTICA_ERR_INVALID,
         where_ + ": write to " + quoted_table(table) + " outside a transaction (call begin first)");
}

void SinkBackend::check_rows(const analytica_batch& batch, size_t width, const std::string& table) const {
  if (!batch.values) fail(ANALYTICA_ERR_INVALID, where_ + ": write to " + quoted_table(table) + ": values is NULL");
  if (batch.row_count > SIZE_MAX / width)
    fail(ANALYTICA_ERR_INVALID, where_ + ": write to " + quoted_table(table) + ": too many rows");
}

std::string SinkBackend::check_query(const char* sql, const analytica_value* params, uint32_t param_count) const {
  if (!sql) fail(ANALYTICA_ERR_INVALID, where_ + ": query: no SQL given");
  if (param_count > 0 && !params)
    fail(ANALYTICA_ERR_INVALID,
         where_ + ": query: " + std::to_string(param_count) + " parameters announced, none given");
  return "query \"" + excerpt(sql) + "\"";
}

void SinkBackend::check_row(const TableDef& def, const analytica_value* row, uint64_t r, ValueLimit limit) const {
  const std::string problem = row_problem(def, row, limit);
  if (!problem.empty())
    fail(ANALYTICA_ERR_INVALID,
         where_ + ": write to " + quoted_table(def.table()) + ", row " + std::to_string(r) + ", " + problem);
}

// ------------------------------------------------------------------- glue

namespace {

// One plugin instance: the host's services table (copied, so a shorter,
// older table reads as zeros past its end) and the open store.
struct Instance {
  analytica_host host{};
  std::unique_ptr<SinkBackend> backend;
  std::string location;  // what admin location() returned last
};

// Runs f(backend) for an instance, reporting failures through its host.
template <typename F>
analytica_status with_backend(void* self, F&& f) noexcept {
  Instance* inst = static_cast<Instance*>(self);
  if (!inst || !inst->backend) return ANALYTICA_ERR_INVALID;
  return guard(&inst->host, [&] {
    f(*inst->backend);
    return ANALYTICA_OK;
  });
}

analytica_status sink_declare_table(void* self, const analytica_table_schema* schema) {
  return with_backend(self, [&](SinkBackend& b) {
    if (!schema) throw Failure(ANALYTICA_ERR_INVALID, "declare_table: schema is NULL");
    b.declare_table(*schema);
  });
}

analytica_status sink_begin(void* self) {
  return with_backend(self, [](SinkBackend& b) { b.begin(); });
}

analytica_status sink_commit(void* self) {
  return with_backend(self, [](SinkBackend& b) { b.commit(); });
}

analytica_status sink_rollback(void* self) {
  return with_backend(self, [](SinkBackend& b) { b.rollback(); });
}

analytica_status sink_write(void* self, const analytica_batch* batch) {
  return with_backend(self, [&](SinkBackend& b) {
    if (!batch) throw Failure(ANALYTICA_ERR_INVALID, "write: batch is NULL");
    b.write(*batch);
  });
}

analytica_status sink_query(void* self, const char* sql, const analytica_value* params, uint32_t param_count,
                            analytica_row_fn fn, void* user) {
  return with_backend(self, [&](SinkBackend& b) { b.query(sql, params, param_count, fn, user); });
}

analytica_status sink_lock_source(void* self, const char* source_key) {
  return with_backend(self, [&](SinkBackend& b) { b.lock_source(source_key); });
}

// ---------------------------------------------------- analytica.sink.admin/1

// Runs f(backend) for an admin call: refused inside a transaction.
template <typename F>
analytica_status with_admin(void* self, const char* call, F&& f) noexcept {
  return with_backend(self, [&](SinkBackend& b) {
    if (b.in_open_transaction())
      throw Failure(ANALYTICA_ERR_INVALID, std::string(call) + ": not allowed while a transaction is open");
    f(b);
  });
}

const char* admin_location(void* self) {
  Instance* inst = static_cast<Instance*>(self);
  if (!inst || !inst->backend) return "";
  try {
    inst->location = inst->backend->location();
  } catch (...) {
    inst->location.clear();
  }
  return inst->location.c_str();
}

analytica_status admin_check(void* self, int32_t thorough, analytica_row_fn fn, void* user) {
  return with_admin(self, "check", [&](SinkBackend& b) {
    const std::vector<std::string> problems = b.check(thorough != 0);
    if (!fn) return;
    for (const std::string& p : problems) {
      analytica_value v{};
      v.type = ANALYTICA_TEXT;
      v.as.text.ptr = p.data();
      v.as.text.len = p.size();
      if (fn(user, &v, 1) != 0) break;
    }
  });
}

analytica_status admin_tables(void* self, analytica_row_fn fn, void* user) {
  return with_admin(self, "tables", [&](SinkBackend& b) {
    const std::vector<SinkBackend::TableRows> tables = b.tables();
    if (!fn) return;
    for (const auto& t : tables) {
      analytica_value v[2]{};
      v[0].type = ANALYTICA_TEXT;
      v[0].as.text.ptr = t.name.data();
      v[0].as.text.len = t.name.size();
      v[1].type = ANALYTICA_INT64;
      v[1].as.i = t.rows;
      if (fn(user, v, 2) != 0) break;
    }
  });
}

analytica_status admin_size(void* self, int64_t* out_bytes) {
  return with_admin(self, "size", [&](SinkBackend& b) {
    if (!out_bytes) throw Failure(ANALYTICA_ERR_INVALID, "size: out_bytes is NULL");
    *out_bytes = b.size();
  });
}

analytica_status admin_backup(void* self, const char* path) {
  return with_admin(self, "backup", [&](SinkBackend& b) {
    if (!path || !*path) throw Failure(ANALYTICA_ERR_INVALID, "backup: no path given");
    b.backup(path);
  });
}

analytica_status admin_restore(void* self, const char* path) {
  return with_admin(self, "restore", [&](SinkBackend& b) {
    if (!path || !*path) throw Failure(ANALYTICA_ERR_INVALID, "restore: no path given");
    b.restore(path);
  });
}

analytica_status admin_change_counter(void* self, uint64_t* out) {
  return with_admin(self, "change_counter", [&](SinkBackend& b) {
    if (!out) throw Failure(ANALYTICA_ERR_INVALID, "change_counter: out is NULL");
    *out = b.change_counter();
  });
}

const analytica_sink_admin_v1 kAdminV1 = {
    sizeof(analytica_sink_admin_v1), &admin_location, &admin_check, &admin_tables, &admin_size, &admin_backup,
    &admin_restore, &admin_change_counter,
};

const analytica_sink_v1 kSinkV1 = {
    sizeof(analytica_sink_v1), &sink_declare_table, &sink_begin, &sink_commit, &sink_rollback, &sink_write,
    &sink_query,
    nullptr,  // lock_source: the sink's begin() already excludes other writers, or it need not
};

const analytica_sink_v1 kLockingSinkV1 = {
    sizeof(analytica_sink_v1), &sink_declare_table, &sink_begin, &sink_commit, &sink_rollback, &sink_write,
    &sink_query, &sink_lock_source,
};

}  // namespace

analytica_status create_backend(Open open, const analytica_host* host, const char* settings_json, void** out_self) {
  if (out_self) *out_self = nullptr;
  return guard(host, [&] {
    if (!host) throw Failure(ANALYTICA_ERR_INVALID, "create: no host services table");
    if (!out_self) throw Failure(ANALYTICA_ERR_INVALID, "create: out_self is NULL");
    auto inst = std::make_unique<Instance>();
    inst->host = read_sized(host);
    inst->backend = open(settings_json, &inst->host);
    *out_self = inst.release();
    return ANALYTICA_OK;
  });
}

void destroy(void* self) {
  try {
    delete static_cast<Instance*>(self);  // a store rolls back what its open transaction holds
  } catch (...) {  // destroy never fails
  }
}

const void* get_interface(const char* id) { return find_interface(id, {{ANALYTICA_SINK_V1, &kSinkV1}}); }

const void* get_locking_interface(const char* id) { return find_interface(id, {{ANALYTICA_SINK_V1, &kLockingSinkV1}}); }

const void* get_admin_interface(const char* id) {
  return find_interface(id, {{ANALYTICA_SINK_V1, &kSinkV1}, {ANALYTICA_SINK_ADMIN_V1, &kAdminV1}});
}

const void* get_locking_admin_interface(const char* id) {
  return find_interface(id, {{ANALYTICA_SINK_V1, &kLockingSinkV1}, {ANALYTICA_SINK_ADMIN_V1, &kAdminV1}});
}

}  // namespace analytica::sink
