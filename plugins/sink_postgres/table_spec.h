// table_spec.h — sink_postgres's tables: a schema validated into an
// analytica::sink::TableDef (plugins/common/sink_schema.h) and the
// PostgreSQL dialect of the SQL text derived from it
// (plugins/common/sink_sql.h), mirroring sink_sqlite's tables:
//   INT64 -> BIGINT, DOUBLE -> DOUBLE PRECISION, TEXT -> TEXT COLLATE "C"
// (bytewise ordering and comparison, as SQLite's BINARY collation).
//
// Names are folded to lower case (SQLite compares them case-insensitively;
// folding makes unquoted names in queries find them) and always quoted.
// PostgreSQL truncates names past 63 bytes, so longer ones are refused.
#ifndef SINK_POSTGRES_TABLE_SPEC_H
#define SINK_POSTGRES_TABLE_SPEC_H

#include "analytica.h"
#include "sink_schema.h"
#include "sink_sql.h"

#include <cstdint>

namespace sink_postgres {

using ColumnSpec = analytica::sink::ColumnDef;
using TableSpec = analytica::sink::TableDef;

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

// The column type as created: BIGINT, DOUBLE PRECISION or TEXT.
const char* sql_type(analytica_type type);
// The type as pg_catalog.format_type() names it: bigint, double precision, text.
const char* catalog_type(analytica_type type);
// The type OID parameters of this column type are bound as.
uint32_t type_oid(analytica_type type);

// Types as above (text COLLATE "C"), ADD COLUMN IF NOT EXISTS, $n
// parameters, a key over a nullable column (in <table>_revisions) as UNIQUE
// rather than PRIMARY KEY: like SQLite, rows whose NEWEST value is NULL
// never collide.
extern const analytica::sink::SqlDialect kSql;

// Validates and copies a schema (see TableDef::from), names in lower case;
// also refuses names longer than 63 bytes (the table's, or its
// "<table>_revisions" companion's).
TableSpec table_spec(const analytica_table_schema& schema);

}  // namespace sink_postgres

#endif
