// sink_sql.h — the SQL text the database sinks derive from a TableDef:
// CREATE TABLE, ALTER TABLE ADD COLUMN and the keyed upsert, which SQLite
// and PostgreSQL spell alike but for the details a SqlDialect names. Every
// identifier is quoted (and restricted by TableDef), so no name handed in
// by a plugin can change the meaning of a statement. What a sink asks its
// database's catalog, and how it runs statements, stays in that sink.
#ifndef ANALYTICA_SINK_SQL_H
#define ANALYTICA_SINK_SQL_H

#include "sink_schema.h"

#include <string>

namespace analytica::sink {

struct SqlDialect {
  // A column's type as created ("INTEGER", "TEXT COLLATE \"C\"", ...).
  std::string (*column_type)(analytica_type type);
  const char* add_column;  // "ADD COLUMN", or "ADD COLUMN IF NOT EXISTS"
  char placeholder;        // parameters as ?1, ?2... or $1, $2...
  const char* excluded;    // the upsert's name for the proposed row
  // A key over a nullable column (a revisions table's NEWEST column) is a
  // UNIQUE constraint rather than a PRIMARY KEY (which PostgreSQL makes
  // NOT NULL; rows whose NEWEST value is NULL never collide either way).
  bool nullable_key_unique;
};

// CREATE TABLE IF NOT EXISTS with the columns in order (KEY columns NOT
// NULL) and the key over the KEY columns, if any.
std::string create_table_sql(const TableDef& def, const SqlDialect& dialect);
// ALTER TABLE ... ADD COLUMN for one column (nullable).
std::string add_column_sql(const TableDef& def, const ColumnDef& column, const SqlDialect& dialect);
// One row, bound as parameters 1..n in column order. With keys: an upsert
// on them (non-key columns take the new values; with a NEWEST column only
// when the new value is >= the stored one, or the stored one is NULL).
// Without keys: a plain INSERT.
std::string upsert_sql(const TableDef& def, const SqlDialect& dialect);

}  // namespace analytica::sink

#endif
