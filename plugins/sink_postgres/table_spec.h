// table_spec.h — a validated, owned copy of a table schema and the
// PostgreSQL SQL text sink_postgres derives from it (CREATE TABLE, ALTER
// TABLE ADD COLUMN, upsert), mirroring sink_sqlite's tables:
//   INT64 -> BIGINT, DOUBLE -> DOUBLE PRECISION, TEXT -> TEXT COLLATE "C"
// (bytewise ordering and comparison, as SQLite's BINARY collation).
//
// Identifiers are restricted to [A-Za-z_][A-Za-z0-9_]*, folded to lower
// case (SQLite compares them case-insensitively; folding makes unquoted
// names in queries find them) and always quoted. PostgreSQL truncates names
// past 63 bytes, so longer ones are refused.
#ifndef SINK_POSTGRES_TABLE_SPEC_H
#define SINK_POSTGRES_TABLE_SPEC_H

#include "analytica.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sink_postgres {

// Longest identifier PostgreSQL keeps whole (NAMEDATALEN - 1).
inline constexpr size_t kMaxIdentifier = 63;

// Type OIDs of the PostgreSQL types the sink binds and reads.
enum TypeOid : uint32_t {
  kOidBool = 16,
  kOidInt8 = 20,
  kOidInt2 = 21,
  kOidInt4 = 23,
  kOidText = 25,
  kOidOid = 26,
  kOidFloat4 = 700,
  kOidFloat8 = 701,
  kOidNumeric = 1700,
};

// True if name matches [A-Za-z_][A-Za-z0-9_]*.
bool is_identifier(const std::string& name);
// ASCII lower case.
std::string lowercase(std::string s);
// "name" with embedded quotes doubled.
std::string quote_identifier(const std::string& name);
// The column type as created: BIGINT, DOUBLE PRECISION or TEXT.
const char* sql_type(analytica_type type);
// The type as pg_catalog.format_type() names it: bigint, double precision, text.
const char* catalog_type(analytica_type type);
// The type OID parameters of this column type are bound as.
uint32_t type_oid(analytica_type type);
// The ABI name of a value type: NULL, INT64, DOUBLE or TEXT.
const char* type_name(analytica_type type);

struct ColumnSpec {
  std::string name;  // lower case
  analytica_type type = ANALYTICA_TEXT;
  bool key = false;       // part of the upsert target
  bool not_null = false;  // declared NOT NULL on creation
  bool newest = false;    // ANALYTICA_COLUMN_NEWEST
};

class TableSpec {
 public:
  // Validates and copies a schema. Throws analytica::Failure(INVALID)
  // naming the table and column for the same reasons as sink_sqlite (not
  // an identifier, repeated name, "sqlite_" prefix, bad type, NEWEST
  // rules), and for names longer than 63 bytes (the table's, or its
  // "<table>_revisions" companion's).
  static TableSpec from(const analytica_table_schema& schema);

  // "<table>_revisions" of a table with a NEWEST column: same columns,
  // keyed by the key columns plus the NEWEST column (nullable, so the key
  // is a UNIQUE constraint rather than a PRIMARY KEY: like SQLite, rows
  // whose NEWEST value is NULL never collide).
  TableSpec revisions() const;

  const std::string& table() const { return table_; }
  const std::vector<ColumnSpec>& columns() const { return columns_; }
  bool has_keys() const;
  // Every key column is NOT NULL: the key is a PRIMARY KEY (else UNIQUE).
  bool primary_key() const;
  int newest() const { return newest_; }
  // Index of the named column (case-insensitive), or -1.
  int index_of(const std::string& name) const;
  // The key columns' names, sorted bytewise and comma-separated.
  std::string sorted_keys() const;
  // Identifies table, column names, types and flags.
  std::string signature() const;

  std::string create_sql() const;
  std::string add_column_sql(const ColumnSpec& column) const;
  // One row, bound as $1..$n in column order: an upsert on the key columns
  // (non-key columns take the new values; with a NEWEST column only when
  // the new value is >= the stored one or the stored one is NULL), or a
  // plain INSERT without keys.
  std::string upsert_sql() const;

 private:
  std::string table_;
  std::vector<ColumnSpec> columns_;
  int newest_ = -1;
};

}  // namespace sink_postgres

#endif
