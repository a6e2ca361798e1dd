// pg_store.h — one libpq connection to a PostgreSQL database and the sink
// operations on it, with sink_sqlite's semantics: declare tables (additive
// migration, CONFLICT on a retype or another key), host-driven transactions,
// all-or-nothing upserting writes (NEWEST wins, every version kept in
// <table>_revisions), one parameterised statement per query() — plus an
// advisory lock per source so that hosts sharing the database never ingest
// the same report at once.
//
// Tables live in the connection's current schema (the first of its
// search_path). Every method reports failure by throwing analytica::Failure
// with the status the entry point returns and a one-line message starting
// with "postgres://user@host:port/db" (never the password). Not thread-safe:
// one thread at a time, as the ABI promises for an instance.
#ifndef SINK_POSTGRES_PG_STORE_H
#define SINK_POSTGRES_PG_STORE_H

#include "analytica.h"
#include "settings.h"
#include "sql_backend.h"
#include "table_spec.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

struct pg_conn;
struct pg_result;

namespace sink_postgres {

// A schema checked against the database, with its prepared statements.
struct KnownTable {
  TableSpec spec;
  std::string upsert;    // prepared statement names ("" until prepared)
  std::string revision;  // into <table>_revisions, if spec has a NEWEST column
};

class PgStore : public analytica::sink::SqlBackend<KnownTable> {
 public:
  // Connects and configures the session: lock_timeout, exact float output
  // (extra_float_digits = 3), standard strings, notices to the host's log.
  // Needs PostgreSQL 11 or newer and a current schema. host (may be NULL)
  // must outlive the store; it is used for log() and is_cancelled() only.
  // Throws ANALYTICA_ERR_IO if the server cannot be used.
  PgStore(const Settings& settings, const analytica_host* host);
  // Rolls back an open transaction and closes the connection.
  ~PgStore() override;

  // declare_table() and write() (SqlBackend): see declare() and
  // write_rows() below.

  // BEGIN (READ COMMITTED). Reconnects first if the connection was lost
  // between transactions. ANALYTICA_ERR_INVALID if one is already open.
  void begin() override;
  // ANALYTICA_ERR_INVALID if no transaction is open, ANALYTICA_ERR_IO (and
  // the transaction is rolled back) if an earlier statement aborted it.
  void commit() override;
  // Rolls back the open transaction; a no-op without one.
  void rollback() override;

  // Takes the transaction-scoped advisory lock of source_key in this
  // schema, waiting up to lock_timeout_ms for another session holding it
  // (logging that it waits). Released at commit or rollback. Needs an open
  // transaction.
  void lock_source(const char* source_key) override;

  // Runs exactly one statement with `?` parameters (translated to $n),
  // inside the open transaction (under a savepoint, so a failing query
  // leaves it usable) or on its own, and calls fn (if not NULL) per row
  // until it returns non-zero. Refuses several statements, transaction
  // control (BEGIN, START, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE,
  // PREPARE), COPY, DISCARD and DEALLOCATE. Result types: int2/int4/int8/
  // oid/bool -> INT64; float4/float8 -> DOUBLE; numeric -> INT64 when
  // integral and in range (as SQLite's sum() of integers), else DOUBLE;
  // everything else -> TEXT (valid during fn); NULL -> NULL. Parameters:
  // INT64 binds as bigint, DOUBLE as double precision, TEXT untyped (the
  // server infers it, as for a literal).
  void query(const char* sql, const analytica_value* params, uint32_t param_count, analytica_row_fn fn,
             void* user) override;

  // "postgres://user@host:port/db" of the connection.
  const std::string& where() const { return where_; }

  // analytica.sink.admin/1, over the current schema (the store's tables).
  // location(): "postgres://host:port/db". check(): the connection answers,
  // there is a current schema, no index of it is invalid; thorough: every
  // table reads too. tables(): tables of the schema with count(*). size():
  // pg_total_relation_size over the schema's tables. backup(): pg_dump
  // (plain SQL, the schema's tables only, no owners or privileges) run with
  // this connection's parameters in its environment (never on its command
  // line). restore(): refuses a file that is not a complete pg_dump
  // (ANALYTICA_ERR_FORMAT), then in ONE transaction (psql
  // --single-transaction, ON_ERROR_STOP) drops every table, view and
  // sequence of the schema and runs the dump: all or nothing. Needs
  // pg_dump and psql on PATH (Debian's postgresql-client). change_counter():
  // the server's WAL insert position (pg_current_wal_insert_lsn), which
  // every committed write of any session moves (a commit writes a WAL
  // record); writes to other databases of the server move it too. Fails
  // on a standby (no WAL is inserted there).
  std::string location() const override;
  std::vector<std::string> check(bool thorough) override;
  std::vector<TableRows> tables() override;
  int64_t size() override;
  void backup(const std::string& path) override;
  void restore(const std::string& path) override;
  uint64_t change_counter() override;

 private:
  struct ResultDeleter {
    void operator()(pg_result* res) const;
  };
  using Result = std::unique_ptr<pg_result, ResultDeleter>;
  // A table as the catalog describes it.
  struct Existing {
    bool exists = false;
    uint32_t oid = 0;
    std::vector<analytica::sink::StoredColumn> columns;
    std::string primary_key;              // sorted, comma-separated; "" if none
    std::vector<std::string> unique_keys; // same, per unique index
  };

  void connect();
  void configure_session();
  TableSpec spec_of(const analytica_table_schema& schema) const override;
  // Creates the table if missing (PRIMARY KEY over the KEY columns), adds
  // missing columns and checks existing columns' types and the key:
  // ANALYTICA_ERR_CONFLICT on a difference. A table with a NEWEST column
  // also gets "<table>_revisions". Changes are made under an advisory lock
  // on the schema, so hosts declaring the same table at once do not
  // collide. Atomic: its own transaction, or a savepoint inside the open
  // one. write() declares a table first if this connection has not checked
  // its schema since its last rollback.
  void declare(const TableSpec& spec) override;
  void declare_one(const TableSpec& spec);
  // Upserts the batch's rows by its key columns, all or nothing (a
  // savepoint; a failed batch leaves the transaction usable). Values must
  // be NULL or of the column's type (INT64 is accepted for DOUBLE); key
  // values must not be NULL. Rows are sent pipelined, in order, so a later
  // row of the same key wins as in SQLite.
  void write_rows(KnownTable& known, const analytica_batch& batch) override;
  Existing inspect(const std::string& table);
  void lock_schema();
  void prepare_statements(KnownTable& known);
  void send_rows(const KnownTable& known, const analytica_batch& batch);

  bool drain_pipeline(uint64_t count, std::vector<Result>& results);
  Result exec_in_savepoint(const std::string& sql, uint32_t count, const unsigned* types, const char* const* values,
                           const int* lengths, const int* formats, const std::string& what);
  Result exec(const std::string& sql, const std::string& what);
  Result exec_params(const std::string& sql, const std::vector<std::string>& params, const std::string& what);
  [[noreturn]] void fail_result(const pg_result* res, const std::string& what) const;
  [[noreturn]] void fail_connection(const std::string& what) const;
  // Messages on one line, the password replaced by "***".
  std::string clean(const std::string& message) const override;
  bool in_transaction() const override;
  void forget_schema() override;
  const char* begin_statement() const override;
  void run_statement(const std::string& sql, const std::string& what) override;
  void run_quietly(const std::string& sql) noexcept override;
  void transaction_boundary() override;
  static void on_notice(void* self, const char* message);
  std::string current_schema();
  // Runs a PostgreSQL client program with this connection's parameters in
  // its environment; fails with its stderr's last lines if it exits non-zero.
  void run_client(const std::vector<std::string>& argv, const std::string& what);

  Settings settings_;
  pg_conn* conn_ = nullptr;
  std::map<std::string, std::string> prepared_;              // SQL text -> statement name
  bool schema_locked_ = false;  // this transaction holds the schema lock
};

}  // namespace sink_postgres

#endif
