// sqlite_store.cpp — the SQLite connection behind sink_sqlite.
#include "sqlite_store.h"

#include "analytica_cpp.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <thread>
#include <vector>

namespace sink_sqlite {

using analytica::Failure;
using analytica::sink::excerpt;
using analytica::sink::quoted_table;
using analytica::sink::same_identifier;
using analytica::sink::valid_value;

namespace {


// The status an SQLite result code maps to.
analytica_status status_of(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return ANALYTICA_ERR_CONFLICT;
    case SQLITE_INTERRUPT: return ANALYTICA_ERR_CANCELLED;
    case SQLITE_BUSY: case SQLITE_LOCKED: case SQLITE_IOERR: case SQLITE_CANTOPEN: case SQLITE_FULL:
    case SQLITE_READONLY: case SQLITE_PERM: case SQLITE_CORRUPT: case SQLITE_NOTADB: case SQLITE_PROTOCOL:
    case SQLITE_NOLFS: case SQLITE_AUTH:
      return ANALYTICA_ERR_IO;
    case SQLITE_ERROR: case SQLITE_MISMATCH: case SQLITE_RANGE: case SQLITE_TOOBIG: case SQLITE_MISUSE:
      return ANALYTICA_ERR_INVALID;
    default: return ANALYTICA_ERR_INTERNAL;
  }
}

// Resets a statement and clears its bindings when leaving a scope, so a
// cached statement never holds a read snapshot or a borrowed pointer.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~ResetOnExit() {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

// Binds a value as parameter index (1-based). Text is bound SQLITE_STATIC:
// the caller keeps it alive until the statement is reset.
int bind_value(sqlite3_stmt* stmt, int index, const analytica_value& v) {
  switch (v.type) {
    case ANALYTICA_NULL: return sqlite3_bind_null(stmt, index);
    case ANALYTICA_INT64: return sqlite3_bind_int64(stmt, index, static_cast<sqlite3_int64>(v.as.i));
    case ANALYTICA_DOUBLE: return sqlite3_bind_double(stmt, index, v.as.d);
    case ANALYTICA_TEXT:
      return sqlite3_bind_text64(stmt, index, v.as.text.ptr ? v.as.text.ptr : "",
                                 static_cast<sqlite3_uint64>(v.as.text.len), SQLITE_STATIC, SQLITE_UTF8);
    default: return SQLITE_MISMATCH;
  }
}

}  // namespace

void StmtDeleter::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

// Marks the statements prepared meanwhile as coming from query(), for the
// authorizer. Restores the previous state, so a query run from inside a
// row callback nests.
class SqliteStore::UserQuery {
 public:
  explicit UserQuery(SqliteStore& store) : store_(store), previous_(store.in_user_query_) {
    store_.in_user_query_ = true;
    store_.denied_.clear();
  }
  ~UserQuery() { store_.in_user_query_ = previous_; }
  UserQuery(const UserQuery&) = delete;
  UserQuery& operator=(const UserQuery&) = delete;

 private:
  SqliteStore& store_;
  bool previous_;
};

SqliteStore::SqliteStore(const Settings& settings, const analytica_host* host)
    : SqlBackend(host, settings.path), settings_(settings) {
  const std::string& path = settings_.path;
  const std::string what = "cannot open database";
  if (path != ":memory:") {
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) fail(ANALYTICA_ERR_IO, path + ": " + what + ": cannot create directory \"" + dir.string() + "\": " + ec.message());
  }
  const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    const std::string reason = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    fail(ANALYTICA_ERR_IO, path + ": " + what + ": " + reason);
  }
  std::string mode;
  try {
    sqlite3_busy_timeout(db_, settings_.busy_timeout_ms);
    sqlite3_set_authorizer(db_, &SqliteStore::authorize, this);
    // Reading the schema first proves the file is a database we can read.
    exec("SELECT count(*) FROM sqlite_master", what);
    {
      // Switching the journal mode takes an exclusive lock and SQLite does not
      // apply the busy handler to it: when several processes open a new file
      // at once, wait here ourselves, within busy_timeout_ms.
      Stmt stmt = prepare("PRAGMA journal_mode = " + settings_.journal_mode, what, false);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.busy_timeout_ms);
      int step = sqlite3_step(stmt.get());
      while (step == SQLITE_BUSY && std::chrono::steady_clock::now() < deadline) {
        sqlite3_reset(stmt.get());
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        step = sqlite3_step(stmt.get());
      }
      if (step != SQLITE_ROW) fail(step, what);
      const unsigned char* text = sqlite3_column_text(stmt.get(), 0);
      mode = text ? reinterpret_cast<const char*>(text) : "";
    }
    if (mode != settings_.journal_mode)
      log(ANALYTICA_LOG_WARN, path + ": journal_mode is \"" + mode + "\", not \"" + settings_.journal_mode + "\" as configured");
    // NORMAL is safe under WAL (a power loss may lose the last commits, never
    // corrupt); rollback journals need FULL for that.
    exec(std::string("PRAGMA synchronous = ") + (mode == "wal" ? "NORMAL" : "FULL"), what);
    exec("PRAGMA foreign_keys = ON", what);
    // Savepoint sub-journals and sorts in memory, not temporary files: they
    // hold one input's changes at most. The cache is a setting (the default
    // is SQLite's own size; more did not speed up the benchmarks).
    exec("PRAGMA cache_size = -" + std::to_string(settings_.cache_mib * 1024), what);
    exec("PRAGMA temp_store = MEMORY", what);
    sqlite3_commit_hook(
        db_,
        [](void* self) {
          ++static_cast<SqliteStore*>(self)->own_commits_;
          return 0;
        },
        this);
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
  log(ANALYTICA_LOG_DEBUG, path + ": opened (journal_mode " + mode + ")");
}

SqliteStore::~SqliteStore() {
  forget_schema();  // finalizes the cached statements
  if (!db_) return;
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close_v2(db_);
}

// ------------------------------------------------------------------ admin

namespace {

// The rows of a one-column text PRAGMA or query on db, or the error.
int text_rows(sqlite3* db, const std::string& sql, std::vector<std::string>* out) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    out->push_back(text ? reinterpret_cast<const char*>(text) : "");
  }
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

// Copies database `from` into `to` with the online backup API, retrying
// while another connection holds a lock, until deadline.
int copy_database(sqlite3* from, sqlite3* to, std::chrono::steady_clock::time_point deadline) {
  sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
  if (!b) return sqlite3_errcode(to);
  int rc;
  while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const int finish = sqlite3_backup_finish(b);
  if (rc == SQLITE_DONE) return finish;
  return rc;
}

void remove_database_files(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
}

}  // namespace

std::string SqliteStore::location() const {
  if (settings_.path == ":memory:") return "sqlite://:memory:";
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(settings_.path, ec);
  return "sqlite://" + (ec ? settings_.path : abs.lexically_normal().string());
}

std::vector<std::string> SqliteStore::check(bool thorough) {
  std::vector<std::string> rows;
  const char* pragma = thorough ? "PRAGMA integrity_check" : "PRAGMA quick_check";
  const int rc = text_rows(db_, pragma, &rows);
  if (rc != SQLITE_OK) return {std::string(pragma) + ": " + sqlite3_errmsg(db_)};
  if (rows.size() == 1 && rows[0] == "ok") return {};
  return rows;
}

std::vector<SqliteStore::TableRows> SqliteStore::tables() {
  std::vector<std::string> names;
  const int rc = text_rows(db_,
                           "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                           "ESCAPE '\\' ORDER BY name",
                           &names);
  if (rc != SQLITE_OK) fail(rc, "list tables");
  std::vector<TableRows> out;
  for (const std::string& name : names) {
    std::string quoted = "\"";
    for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += "\"";
    Stmt stmt = prepare("SELECT count(*) FROM " + quoted, "count rows of " + quoted_table(name), false);
    const int step = sqlite3_step(stmt.get());
    if (step != SQLITE_ROW) fail(step, "count rows of " + quoted_table(name));
    out.push_back({name, static_cast<int64_t>(sqlite3_column_int64(stmt.get(), 0))});
  }
  return out;
}

int64_t SqliteStore::size() {
  if (settings_.path == ":memory:") {
    std::vector<std::string> pages, page_size;
    text_rows(db_, "PRAGMA page_count", &pages);
    text_rows(db_, "PRAGMA page_size", &page_size);
    if (pages.empty() || page_size.empty()) return 0;
    return std::stoll(pages[0]) * std::stoll(page_size[0]);
  }
  int64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(settings_.path + suffix, ec);
    if (!ec) total += static_cast<int64_t>(n);
  }
  return total;
}

void SqliteStore::backup(const std::string& path) {
  const std::string what = "backup to \"" + path + "\"";
  std::error_code ec;
  if (std::filesystem::exists(path, ec))
    fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": the file exists (a backup goes to a new file)");
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    fail(ANALYTICA_ERR_IO, where_ + ": " + what + ": no directory \"" + dir.string() + "\"");
  sqlite3* dest = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  std::string reason;
  if (rc == SQLITE_OK) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(std::max(settings_.busy_timeout_ms, 1000) * 4);
    rc = copy_database(db_, dest, deadline);
    if (rc != SQLITE_OK) reason = sqlite3_errstr(rc);
    // A backup is one self-contained file, whatever the store's journal mode.
    if (rc == SQLITE_OK) rc = sqlite3_exec(dest, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK && reason.empty()) reason = sqlite3_errmsg(dest);
  } else {
    reason = dest ? sqlite3_errmsg(dest) : sqlite3_errstr(rc);
  }
  const int closed = sqlite3_close_v2(dest);
  if (rc == SQLITE_OK && closed != SQLITE_OK) {
    rc = closed;
    reason = sqlite3_errstr(closed);
  }
  if (rc != SQLITE_OK) {
    remove_database_files(path);
    fail(status_of(rc), where_ + ": " + what + ": " + reason);
  }
  log(ANALYTICA_LOG_DEBUG, where_ + ": backed up to " + path);
}

void SqliteStore::restore(const std::string& path) {
  const std::string what = "restore from \"" + path + "\"";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": no such file");
  sqlite3* src = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  std::string problem;
  if (rc != SQLITE_OK) {
    problem = src ? sqlite3_errmsg(src) : sqlite3_errstr(rc);
  } else {
    std::vector<std::string> rows;
    rc = text_rows(src, "PRAGMA quick_check", &rows);
    if (rc != SQLITE_OK)
      problem = sqlite3_errmsg(src);
    else if (!(rows.size() == 1 && rows[0] == "ok"))
      problem = "quick_check: " + (rows.empty() ? std::string("no answer") : rows[0]);
  }
  if (!problem.empty()) {
    sqlite3_close_v2(src);
    fail(ANALYTICA_ERR_FORMAT, where_ + ": " + what + ": not a sound SQLite database (" + problem + ")");
  }
  forget_schema();  // no cached statement may hold this connection's pages
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::max(settings_.busy_timeout_ms, 1000) * 4);
  rc = copy_database(src, db_, deadline);
  sqlite3_close_v2(src);
  if (rc != SQLITE_OK) fail(rc, what);
  // The copy's header says DELETE; keep the store's configured mode.
  exec("PRAGMA journal_mode = " + settings_.journal_mode, what);
  ++own_commits_;
  log(ANALYTICA_LOG_DEBUG, where_ + ": restored from " + path);
}

uint64_t SqliteStore::change_counter() {
  std::vector<std::string> version;
  const int rc = text_rows(db_, "PRAGMA data_version", &version);
  if (rc != SQLITE_OK || version.size() != 1) fail(rc == SQLITE_OK ? SQLITE_ERROR : rc, "data_version");
  return (std::stoull(version[0]) << 32) | (own_commits_ & 0xffffffffu);
}

// ------------------------------------------------------------ transactions

bool SqliteStore::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

void SqliteStore::begin() {
  check_can_begin();
  exec("BEGIN IMMEDIATE", "begin");
}

void SqliteStore::commit() {
  check_can_commit();
  exec("COMMIT", "commit");
}

void SqliteStore::rollback() {
  if (in_transaction()) exec("ROLLBACK", "rollback");
  forget_schema();
}

// ------------------------------------------------------------------ tables

TableSpec SqliteStore::spec_of(const analytica_table_schema& schema) const { return table_spec(schema); }

void SqliteStore::forget_schema() {
  known_.clear();
  queries_.clear();
}

void SqliteStore::declare(const TableSpec& spec) {
  Scope scope(*this, quoted_table(spec.table()) + ": declare");
  declare_one(spec);
  if (spec.newest() >= 0) declare_one(spec.revisions());
  scope.done();
}

void SqliteStore::declare_one(const TableSpec& spec) {
  const std::string where = quoted_table(spec.table());
  {
    Stmt stmt = prepare("SELECT type FROM sqlite_master WHERE name = ?1 COLLATE NOCASE", where + ": read schema", false);
    sqlite3_bind_text(stmt.get(), 1, spec.table().c_str(), -1, SQLITE_STATIC);
    const int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_ROW) {
      const unsigned char* type = sqlite3_column_text(stmt.get(), 0);
      const std::string kind = type ? reinterpret_cast<const char*>(type) : "";
      if (kind != "table")
        fail(ANALYTICA_ERR_CONFLICT, where_ + ": " + where + ": the name is taken by a " + kind + ", not a table");
    } else if (rc != SQLITE_DONE) {
      fail(rc, where + ": read schema");
    }
  }

  std::vector<analytica::sink::StoredColumn> existing;
  std::vector<std::pair<int, std::string>> pk;  // the primary key's columns: (position, name)
  {
    Stmt stmt = prepare("SELECT name, type, pk FROM pragma_table_info(?1)", where + ": read columns", false);
    sqlite3_bind_text(stmt.get(), 1, spec.table().c_str(), -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      const unsigned char* name = sqlite3_column_text(stmt.get(), 0);
      const unsigned char* type = sqlite3_column_text(stmt.get(), 1);
      existing.push_back({name ? reinterpret_cast<const char*>(name) : "",
                          type ? reinterpret_cast<const char*>(type) : ""});
      const int position = sqlite3_column_int(stmt.get(), 2);
      if (position > 0) pk.emplace_back(position, existing.back().name);
    }
    if (rc != SQLITE_DONE) fail(rc, where + ": read columns");
  }
  if (existing.empty()) {
    exec(create_table_sql(spec, kSql), where + ": create");
    return;
  }

  // Types of the columns both sides know must agree.
  const auto changes = analytica::sink::compare_columns(spec, existing, {&sql_type, &sql_type, /*exact=*/false});
  if (!changes.conflict.empty()) fail(ANALYTICA_ERR_CONFLICT, where_ + ": " + where + ", " + changes.conflict);

  // The primary key must be the declared key, or upserts cannot target it.
  std::sort(pk.begin(), pk.end());
  std::string existing_keys, declared_keys;
  for (const auto& e : pk) existing_keys += (existing_keys.empty() ? "" : ", ") + e.second;
  size_t declared_count = 0;
  bool keys_match = true;
  for (const auto& col : spec.columns()) {
    if (!col.key) continue;
    ++declared_count;
    declared_keys += (declared_keys.empty() ? "" : ", ") + col.name;
    keys_match = keys_match && std::any_of(pk.begin(), pk.end(), [&](const std::pair<int, std::string>& e) {
                   return same_identifier(e.second, col.name);
                 });
  }
  if (!keys_match || declared_count != pk.size())
    fail(ANALYTICA_ERR_CONFLICT, where_ + ": " + where + ": existing primary key (" + existing_keys +
                                     ") differs from the declared key columns (" + declared_keys + ")");

  for (const ColumnSpec* col : changes.added)
    exec(add_column_sql(spec, *col, kSql), where + ", column \"" + col->name + "\": add column");
}

// ------------------------------------------------------------------ writes

void SqliteStore::write_rows(KnownTable& known, const analytica_batch& batch) {
  const std::string where = quoted_table(known.spec.table());
  if (!known.upsert) known.upsert = prepare(upsert_sql(known.spec, kSql), where + ": prepare write", true);
  if (known.spec.newest() >= 0 && !known.revision)
    known.revision = prepare(upsert_sql(known.spec.revisions(), kSql), where + ": prepare revision write", true);

  Scope scope(*this, where + ": write");
  upsert_rows(known, batch);
  scope.done();
}

void SqliteStore::upsert_rows(KnownTable& known, const analytica_batch& batch) {
  const TableSpec& spec = known.spec;
  const size_t width = spec.columns().size();
  const std::string where = quoted_table(spec.table());
  sqlite3_stmt* const upsert = known.upsert.get();
  sqlite3_stmt* const revision = known.revision.get();
  const ResetOnExit reset_upsert(upsert), reset_revision(revision);

  for (uint64_t r = 0; r < batch.row_count; ++r) {
    if ((r & 1023) == 1023 && cancelled())
      fail(ANALYTICA_ERR_CANCELLED, where_ + ": write to " + where + ": cancelled at row " + std::to_string(r));
    const analytica_value* row = batch.values + static_cast<size_t>(r) * width;
    check_row(spec, row, r);
    for (sqlite3_stmt* stmt : {upsert, revision}) {
      if (!stmt) continue;
      for (size_t c = 0; c < width; ++c) {
        const int rc = bind_value(stmt, static_cast<int>(c + 1), row[c]);
        if (rc != SQLITE_OK) fail(rc, "write to " + where + ", row " + std::to_string(r) + ": bind");
      }
      if (stmt == revision) {  // the revision's source (TableDef::revisions)
        const char* source = batch.source_id ? batch.source_id : "";
        const int rc = sqlite3_bind_text(stmt, static_cast<int>(width + 1), source, -1, SQLITE_TRANSIENT);
        if (rc != SQLITE_OK) fail(rc, "write to " + where + ", row " + std::to_string(r) + ": bind source");
      }
      const int rc = sqlite3_step(stmt);
      if (rc != SQLITE_DONE)
        fail(rc, "write to " + (stmt == upsert ? where : quoted_table(spec.table() + "_revisions")) + ", row " +
                     std::to_string(r));
      sqlite3_reset(stmt);
    }
  }
}

// ----------------------------------------------------------------- queries

void SqliteStore::query(const char* sql, const analytica_value* params, uint32_t param_count, analytica_row_fn fn,
                        void* user) {
  const std::string what = check_query(sql, params, param_count);

  Stmt stmt;
  bool keep = false;  // back into queries_ when done
  if (auto cached = queries_.find(sql); cached != queries_.end()) {
    stmt = std::move(cached->second);
    queries_.erase(cached);
    keep = true;
  } else {
    const UserQuery mark(*this);
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &raw, &tail);
    stmt.reset(raw);
    if (rc != SQLITE_OK) {
      if (!denied_.empty()) fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": " + denied_);
      fail(rc, what);
    }
    if (!stmt) fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": no statement in the SQL text");
    // Anything after the first statement other than blanks, comments and
    // semicolons is refused: one statement per call.
    while (tail && *tail) {
      sqlite3_stmt* extra = nullptr;
      const char* next = nullptr;
      rc = sqlite3_prepare_v2(db_, tail, -1, &extra, &next);
      sqlite3_finalize(extra);
      if (rc != SQLITE_OK || extra || next == tail)
        fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": only one statement per call; more SQL follows: \"" +
                                        excerpt(tail) + "\"");
      tail = next;
    }
    keep = !schema_changed_;
  }

  // DDL about to run: forget which tables were checked (nothing can write
  // between here and the step that runs it).
  if (schema_changed_) {
    schema_changed_ = false;
    forget_schema();
  }

  const int expected = sqlite3_bind_parameter_count(stmt.get());
  if (static_cast<uint32_t>(expected) != param_count)
    fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": the statement takes " + std::to_string(expected) +
                                    " parameters, " + std::to_string(param_count) + " given");
  for (uint32_t i = 0; i < param_count; ++i) {
    if (!valid_value(params[i]))
      fail(ANALYTICA_ERR_INVALID, where_ + ": " + what + ": parameter " + std::to_string(i + 1) + " has an invalid value");
    const int rc = bind_value(stmt.get(), static_cast<int>(i + 1), params[i]);
    if (rc != SQLITE_OK) fail(rc, what + ": bind parameter " + std::to_string(i + 1));
  }

  const int width = sqlite3_column_count(stmt.get());
  std::vector<analytica_value> row(static_cast<size_t>(width));
  for (;;) {
    const int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) fail(rc, what);
    if (!fn) continue;
    for (int c = 0; c < width; ++c) {
      analytica_value& v = row[static_cast<size_t>(c)];
      v = analytica_value{};
      switch (sqlite3_column_type(stmt.get(), c)) {
        case SQLITE_INTEGER:
          v.type = ANALYTICA_INT64;
          v.as.i = sqlite3_column_int64(stmt.get(), c);
          break;
        case SQLITE_FLOAT:
          v.type = ANALYTICA_DOUBLE;
          v.as.d = sqlite3_column_double(stmt.get(), c);
          break;
        case SQLITE_TEXT:
        case SQLITE_BLOB: {
          const bool blob = sqlite3_column_type(stmt.get(), c) == SQLITE_BLOB;
          const void* data = blob ? sqlite3_column_blob(stmt.get(), c) : sqlite3_column_text(stmt.get(), c);
          v.type = ANALYTICA_TEXT;
          v.as.text.ptr = data ? static_cast<const char*>(data) : "";
          v.as.text.len = data ? static_cast<uint64_t>(sqlite3_column_bytes(stmt.get(), c)) : 0;
          break;
        }
        default:
          v.type = ANALYTICA_NULL;
      }
    }
    if (fn(user, row.data(), static_cast<uint32_t>(width)) != 0) break;
  }
  if (keep) {
    sqlite3_reset(stmt.get());
    sqlite3_clear_bindings(stmt.get());
    if (queries_.size() >= 64) queries_.clear();  // texts that embed values: keep the recent ones
    queries_.emplace(sql, std::move(stmt));
  }
}

// Refuses, in statements of query(), what would take the transaction
// boundaries or the set of databases away from the host; notes DDL.
int SqliteStore::authorize(void* self, int action, const char*, const char*, const char*, const char*) {
  auto& store = *static_cast<SqliteStore*>(self);
  if (!store.in_user_query_) return SQLITE_OK;
  switch (action) {
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
      store.denied_ = "transaction control is not allowed in a query; the host calls begin, commit and rollback";
      return SQLITE_DENY;
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
      store.denied_ = "ATTACH and DETACH are not allowed in a query";
      return SQLITE_DENY;
    case SQLITE_CREATE_INDEX: case SQLITE_CREATE_TABLE: case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_CREATE_TEMP_TABLE: case SQLITE_CREATE_TEMP_TRIGGER: case SQLITE_CREATE_TEMP_VIEW:
    case SQLITE_CREATE_TRIGGER: case SQLITE_CREATE_VIEW: case SQLITE_DROP_INDEX: case SQLITE_DROP_TABLE:
    case SQLITE_DROP_TEMP_INDEX: case SQLITE_DROP_TEMP_TABLE: case SQLITE_DROP_TEMP_TRIGGER:
    case SQLITE_DROP_TEMP_VIEW: case SQLITE_DROP_TRIGGER: case SQLITE_DROP_VIEW: case SQLITE_ALTER_TABLE:
    case SQLITE_CREATE_VTABLE: case SQLITE_DROP_VTABLE:
      store.schema_changed_ = true;
      return SQLITE_OK;
    default:
      return SQLITE_OK;
  }
}

// ----------------------------------------------------------------- helpers

Stmt SqliteStore::prepare(const std::string& sql, const std::string& what, bool persistent) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size() + 1),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw, nullptr);
  Stmt stmt(raw);
  if (rc != SQLITE_OK) fail(rc, what);
  return stmt;
}

const char* SqliteStore::begin_statement() const { return "BEGIN IMMEDIATE"; }

void SqliteStore::run_statement(const std::string& sql, const std::string& what) { exec(sql, what); }

void SqliteStore::run_quietly(const std::string& sql) noexcept {
  sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
}

void SqliteStore::exec(const std::string& sql, const std::string& what) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, what);
}

void SqliteStore::fail(int rc, const std::string& what) const {
  std::string message = where_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
  if ((rc & 0xff) == SQLITE_BUSY)
    message += " (still locked after waiting busy_timeout_ms=" + std::to_string(settings_.busy_timeout_ms) + ")";
  throw Failure(status_of(rc), message);
}

}  // namespace sink_sqlite
