// sql_backend.h — what the SQL stores (sink_sqlite, sink_postgres) do the
// same way around their engine: declare_table() and write() over the
// tables the connection has checked (KnownTables), and all-or-nothing units
// of work (Scope). A store derives from SqlBackend<its entry type> and
// supplies spec_of(), declare(), write_rows() and the statements Scope
// runs. Compiled into each sink, as sink_backend.h.
#ifndef ANALYTICA_SQL_BACKEND_H
#define ANALYTICA_SQL_BACKEND_H

#include "analytica.h"
#include "sink_backend.h"
#include "sink_schema.h"

#include <string>
#include <utility>

namespace analytica::sink {

// Known: the store's entry for a checked table (see KnownTables): its
// `TableDef spec` and what the store prepared for it. Failures throw
// analytica::Failure; not thread-safe, as SinkBackend.
template <typename Known>
class SqlBackend : public SinkBackend {
 public:
  // Validates the schema (spec_of), declares its table (declare) and
  // remembers it as checked.
  void declare_table(const analytica_table_schema& given) final {
    const TableDef spec = spec_of(read_schema(given));
    declare(spec);
    known_.remember(spec);
  }

  // Checks the batch (a transaction is open, rows have values), declares
  // its table first unless the connection checked that schema since it
  // last forgot them, and hands a batch of at least one row to write_rows().
  void write(const analytica_batch& given) final {
    const BatchIn in = read_batch(given);
    check_can_write(in.table);
    Known& known = known_.ensure(spec_of(in.schema), [&](const TableDef& spec) { declare(spec); });
    if (in.batch.row_count == 0) return;
    check_rows(in.batch, known.spec.columns().size(), in.table);
    write_rows(known, in.batch);
  }

 protected:
  using SinkBackend::SinkBackend;

  // A unit of work that is all or nothing: the store's own transaction
  // (begin_statement() .. COMMIT) outside one, a savepoint inside one.
  // Undone unless done() ran; the store then forgets its checked tables,
  // since DDL inside may have been undone. what names the unit in messages.
  class Scope {
   public:
    Scope(SqlBackend& store, std::string what) : store_(store), what_(std::move(what)) {
      own_ = !store_.in_transaction();
      store_.run_statement(own_ ? std::string(store_.begin_statement()) : "SAVEPOINT " + savepoint(), what_);
      if (own_) store_.transaction_boundary();
    }
    void done() {
      store_.run_statement(own_ ? std::string("COMMIT") : "RELEASE SAVEPOINT " + savepoint(), what_);
      if (own_) store_.transaction_boundary();
      done_ = true;
    }
    ~Scope() {
      if (done_) return;
      if (store_.in_transaction())
        store_.run_quietly(own_ ? std::string("ROLLBACK")
                                : "ROLLBACK TO SAVEPOINT " + savepoint() + "; RELEASE SAVEPOINT " + savepoint());
      store_.transaction_boundary();
      store_.forget_schema();
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    static std::string savepoint() { return "analytica_sink"; }
    SqlBackend& store_;
    std::string what_;
    bool own_ = false;
    bool done_ = false;
  };

  // What Scope runs through: the statement opening the store's own
  // transaction ("BEGIN"); one statement, throwing Failure that names what;
  // statements whose failure is ignored (an undo on the way out).
  virtual const char* begin_statement() const = 0;
  virtual void run_statement(const std::string& sql, const std::string& what) = 0;
  virtual void run_quietly(const std::string& sql) noexcept = 0;
  // Called when a Scope opened or committed the store's own transaction,
  // or was undone: what the store held for the transaction is gone.
  virtual void transaction_boundary() {}
  // Drops what the connection believes about the schema (after a rollback
  // or DDL); the next write re-checks its table.
  virtual void forget_schema() = 0;

  // The store's table for a schema, under its naming rules; throws
  // ANALYTICA_ERR_INVALID naming what is wrong.
  virtual TableDef spec_of(const analytica_table_schema& schema) const = 0;
  // Creates or checks spec's table (and "<table>_revisions" if spec has a
  // NEWEST column), all or nothing.
  virtual void declare(const TableDef& spec) = 0;
  // Writes the rows of batch (at least one; a transaction is open) into
  // known's table, all or nothing.
  virtual void write_rows(Known& known, const analytica_batch& batch) = 0;

  // Tables checked since the store last forgot them (after a rollback or DDL).
  KnownTables<Known> known_;
};

}  // namespace analytica::sink

#endif
