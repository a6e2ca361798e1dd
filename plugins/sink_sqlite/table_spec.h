// table_spec.h — sink_sqlite's tables: a schema validated into an
// analytica::sink::TableDef (plugins/common/sink_schema.h) with names kept
// as given, and the SQLite dialect of the SQL text derived from it
// (plugins/common/sink_sql.h). SQLite compares identifiers
// case-insensitively (ASCII); so does TableDef.
#ifndef SINK_SQLITE_TABLE_SPEC_H
#define SINK_SQLITE_TABLE_SPEC_H

#include "analytica.h"
#include "sink_schema.h"
#include "sink_sql.h"

namespace sink_sqlite {

using ColumnSpec = analytica::sink::ColumnDef;
using TableSpec = analytica::sink::TableDef;

// The SQLite column type for a value type: INTEGER, REAL or TEXT.
const char* sql_type(analytica_type type);

// INTEGER/REAL/TEXT columns, ADD COLUMN, ?n parameters, PRIMARY KEY
// over the KEY columns (nullable ones too).
extern const analytica::sink::SqlDialect kSql;

// Validates and copies a schema (see TableDef::from); names starting with
// "sqlite_" are reserved by SQLite.
TableSpec table_spec(const analytica_table_schema& schema);

}  // namespace sink_sqlite

#endif
