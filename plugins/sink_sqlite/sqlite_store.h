// sqlite_store.h — one connection to an SQLite database file and the sink
// operations on it: declare tables, host-driven transactions, upserting
// writes and parameterised queries.
//
// Every method reports failure by throwing analytica::Failure with the
// status the entry point returns and a one-line message that starts with the
// database path and names the table or statement involved. Not thread-safe:
// one thread at a time, as the ABI promises for an instance.
#ifndef SINK_SQLITE_SQLITE_STORE_H
#define SINK_SQLITE_SQLITE_STORE_H

#include "analytica.h"
#include "settings.h"
#include "sql_backend.h"
#include "table_spec.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace sink_sqlite {

struct StmtDeleter {
  void operator()(sqlite3_stmt* stmt) const;
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

// A schema checked against the database, with its statements (prepared on
// first write).
struct KnownTable {
  TableSpec spec;
  Stmt upsert;
  Stmt revision;  // into <table>_revisions, if spec has a NEWEST column
};

class SqliteStore : public analytica::sink::SqlBackend<KnownTable> {
 public:
  // Creates the database's directory if missing, opens (or creates) the
  // file and configures the connection: busy timeout, journal mode,
  // synchronous (NORMAL under WAL, FULL otherwise), foreign keys on.
  // host (may be NULL) must outlive the store; it is used for log() and
  // is_cancelled() only. Throws ANALYTICA_ERR_IO if the file cannot be used.
  SqliteStore(const Settings& settings, const analytica_host* host);
  // Rolls back an open transaction and closes the connection.
  ~SqliteStore() override;

  // declare_table() and write() (SqlBackend): see declare() and
  // write_rows() below.

  // BEGIN IMMEDIATE: takes the write lock now, waiting up to busy_timeout_ms
  // for another connection. ANALYTICA_ERR_INVALID if one is already open.
  void begin() override;
  // ANALYTICA_ERR_INVALID if no transaction is open.
  void commit() override;
  // Rolls back the open transaction; a no-op without one.
  void rollback() override;

  // Runs exactly one statement with `?` parameters, inside or outside the
  // open transaction, and calls fn (if not NULL) per row until it returns
  // non-zero. Rejects several statements in one string, transaction control
  // (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) and ATTACH/DETACH: the host
  // owns the transaction boundaries. INTEGER -> INT64, REAL -> DOUBLE,
  // TEXT and BLOB -> TEXT (bytes, valid during fn), NULL -> NULL.
  void query(const char* sql, const analytica_value* params, uint32_t param_count, analytica_row_fn fn,
             void* user) override;

  // analytica.sink.admin/1. location(): "sqlite://" + the absolute path.
  // check(): PRAGMA quick_check (thorough: integrity_check), one problem per
  // row other than "ok". tables(): every table but SQLite's own, with
  // count(*). size(): the file plus its -wal. backup(): SQLite's online
  // backup API into a new self-contained file (journal_mode DELETE),
  // consistent while other connections write (WAL); removed again on
  // failure. restore(): refuses a file that is not a sound SQLite database
  // (ANALYTICA_ERR_FORMAT), then copies it over this database with the
  // backup API in one write transaction: all or nothing.
  // change_counter(): PRAGMA data_version (moves on commits of other
  // connections) in the high 32 bits, this connection's own commits
  // (counted by a commit hook, and restores) in the low 32.
  std::string location() const override;
  std::vector<std::string> check(bool thorough) override;
  std::vector<TableRows> tables() override;
  int64_t size() override;
  void backup(const std::string& path) override;
  void restore(const std::string& path) override;
  uint64_t change_counter() override;

 private:
  class UserQuery;

  TableSpec spec_of(const analytica_table_schema& schema) const override;
  // Creates the table if missing (PRIMARY KEY over the KEY columns), adds
  // missing columns, and checks existing columns' types and the primary key:
  // ANALYTICA_ERR_CONFLICT on a difference. A table with a NEWEST column
  // also gets "<table>_revisions" (see TableDef::revisions). Atomic: runs in
  // its own transaction, or in a savepoint inside the open one. write()
  // declares a table first if this connection has not seen its schema since
  // its last rollback, so a declaration undone by a rollback cannot break
  // later writes.
  void declare(const TableSpec& spec) override;
  void declare_one(const TableSpec& spec);
  // Upserts the batch's rows by its key columns (see sink::upsert_sql),
  // all or nothing. Values must be NULL or of the column's type (INT64 is
  // accepted for DOUBLE); key values must not be NULL. Provenance and
  // source_id are ignored.
  void write_rows(KnownTable& known, const analytica_batch& batch) override;
  void upsert_rows(KnownTable& known, const analytica_batch& batch);
  Stmt prepare(const std::string& sql, const std::string& what, bool persistent);
  void exec(const std::string& sql, const std::string& what);
  // Fails with the status rc maps to: "<path>: <what>: <SQLite's message>".
  [[noreturn]] void fail(int rc, const std::string& what) const;
  using SinkBackend::fail;
  bool in_transaction() const override;
  // Forgets the statements of query() too.
  void forget_schema() override;
  const char* begin_statement() const override;
  void run_statement(const std::string& sql, const std::string& what) override;
  void run_quietly(const std::string& sql) noexcept override;
  static int authorize(void* self, int action, const char* a, const char* b, const char* c, const char* d);

  Settings settings_;
  sqlite3* db_ = nullptr;
  // Statements of query() by SQL text, reset and ready: plugins ask the same
  // few questions for every record, and preparing them was 7% of a run's
  // thread. One in use is taken out, so a query run from a row callback with
  // the same text prepares its own. DDL is never kept (the authorizer must
  // see it run). Cleared with known_.
  std::unordered_map<std::string, Stmt> queries_;
  bool in_user_query_ = false;  // the authorizer checks statements of query()
  std::string denied_;          // why the authorizer refused, if it did
  bool schema_changed_ = false; // query() ran DDL
  uint64_t own_commits_ = 0;    // transactions this connection committed, and restores
};

}  // namespace sink_sqlite

#endif
