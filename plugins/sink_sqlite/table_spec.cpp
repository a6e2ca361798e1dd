// table_spec.cpp — sink_sqlite's name rules and SQL dialect.
#include "table_spec.h"

namespace sink_sqlite {

const char* sql_type(analytica_type type) {
  switch (type) {
    case ANALYTICA_INT64: return "INTEGER";
    case ANALYTICA_DOUBLE: return "REAL";
    case ANALYTICA_TEXT: return "TEXT";
    default: return "";
  }
}

const analytica::sink::SqlDialect kSql = {
    [](analytica_type type) { return std::string(sql_type(type)); }, "ADD COLUMN", '?', "excluded",
    /*nullable_key_unique=*/false};

TableSpec table_spec(const analytica_table_schema& schema) {
  analytica::sink::NameRules rules;
  rules.reserved_by = "by SQLite";
  return TableSpec::from(schema, rules);
}

}  // namespace sink_sqlite
