// sql_backend.h — what the SQL stores (sink_sqlite, sink_postgres) do the
// same way around their engine: declare_table() and write() over the
// tables the connection has checked (KnownTables). A store derives from
// SqlBackend<its entry type> and supplies spec_of(), declare() and
// write_rows(). Compiled into each sink, as sink_backend.h.
#ifndef ANALYTICA_SQL_BACKEND_H
#define ANALYTICA_SQL_BACKEND_H

#include "analytica.h"
#include "sink_backend.h"
#include "sink_schema.h"

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
