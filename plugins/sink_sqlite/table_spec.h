// table_spec.h — a validated, owned copy of a table schema and the SQL text
// sink_sqlite derives from it (CREATE TABLE, ALTER TABLE ADD COLUMN, upsert).
//
// Identifiers are restricted to [A-Za-z_][A-Za-z0-9_]* and always quoted, so
// no name handed in by a plugin can change the meaning of a statement.
// SQLite compares identifiers case-insensitively (ASCII); so does this file.
#ifndef SINK_SQLITE_TABLE_SPEC_H
#define SINK_SQLITE_TABLE_SPEC_H

#include "analytica.h"

#include <cstddef>
#include <string>
#include <vector>

namespace sink_sqlite {

// True if name matches [A-Za-z_][A-Za-z0-9_]*.
bool is_identifier(const std::string& name);
// Equal ignoring ASCII case, as SQLite compares identifiers.
bool same_identifier(const std::string& a, const std::string& b);
// "name" with embedded quotes doubled.
std::string quote_identifier(const std::string& name);
// The SQLite column type for a value type: INTEGER, REAL or TEXT.
const char* sql_type(analytica_type type);
// The ABI name of a value type: NULL, INT64, DOUBLE or TEXT.
const char* type_name(analytica_type type);

struct ColumnSpec {
  std::string name;
  analytica_type type = ANALYTICA_TEXT;
  bool key = false;       // part of the primary key (upsert target)
  bool not_null = false;  // declared NOT NULL on creation
  bool newest = false;    // ANALYTICA_COLUMN_NEWEST
};

class TableSpec {
 public:
  // Validates and copies a schema. Throws analytica::Failure(INVALID) naming
  // the table and column if a name is not an identifier, a name repeats, a
  // table name starts with "sqlite_", a type is not INT64/DOUBLE/TEXT, there
  // is more than one NEWEST column, a NEWEST column is a key, or a table with
  // a NEWEST column has no key. Unknown flag bits are ignored.
  static TableSpec from(const analytica_table_schema& schema);

  // The companion table "<table>_revisions" of a table with a NEWEST column:
  // same columns, keyed by the key columns plus the NEWEST column, so every
  // version of a row written stays queryable.
  TableSpec revisions() const;

  const std::string& table() const { return table_; }
  const std::vector<ColumnSpec>& columns() const { return columns_; }
  bool has_keys() const;
  // Index of the NEWEST column, or -1.
  int newest() const { return newest_; }
  // Index of the named column (case-insensitive), or -1.
  int index_of(const std::string& name) const;
  // Identifies table, column names, types and flags: equal signatures mean
  // the same statements and the same checks against the database.
  std::string signature() const;

  std::string create_sql() const;
  std::string add_column_sql(const ColumnSpec& column) const;
  // One row, bound as ?1..?n in column order. With keys: an upsert on them
  // (non-key columns take the new values; with a NEWEST column only when the
  // new value is >= the stored one, or the stored one is NULL). Without
  // keys: a plain INSERT.
  std::string upsert_sql() const;

 private:
  std::string table_;
  std::vector<ColumnSpec> columns_;
  int newest_ = -1;
};

}  // namespace sink_sqlite

#endif
