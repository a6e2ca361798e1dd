// table_spec.cpp — sink_postgres's name rules, types and SQL dialect.
#include "table_spec.h"

#include "analytica_cpp.hpp"

namespace sink_postgres {

const char* sql_type(analytica_type type) {
  switch (type) {
    case ANALYTICA_INT64: return "BIGINT";
    case ANALYTICA_DOUBLE: return "DOUBLE PRECISION";
    case ANALYTICA_TEXT: return "TEXT";
    default: return "";
  }
}

const char* catalog_type(analytica_type type) {
  switch (type) {
    case ANALYTICA_INT64: return "bigint";
    case ANALYTICA_DOUBLE: return "double precision";
    case ANALYTICA_TEXT: return "text";
    default: return "";
  }
}

uint32_t type_oid(analytica_type type) {
  switch (type) {
    case ANALYTICA_INT64: return kOidInt8;
    case ANALYTICA_DOUBLE: return kOidFloat8;
    case ANALYTICA_TEXT: return kOidText;
    default: return 0;
  }
}

const analytica::sink::SqlDialect kSql = {
    [](analytica_type type) { return sql_type(type) + std::string(type == ANALYTICA_TEXT ? " COLLATE \"C\"" : ""); },
    "ADD COLUMN IF NOT EXISTS", '$', "EXCLUDED", /*nullable_key_unique=*/true};

TableSpec table_spec(const analytica_table_schema& schema) {
  analytica::sink::NameRules rules;
  rules.fold_case = true;
  rules.reserved_by = "(by SQLite, so by every sink)";
  rules.max_length = kMaxIdentifier;
  rules.length_limit_of = "PostgreSQL";
  TableSpec spec = TableSpec::from(schema, rules);
  if (spec.newest() >= 0 && spec.table().size() + 10 > kMaxIdentifier)
    throw analytica::Failure(ANALYTICA_ERR_INVALID, "table \"" + spec.table() + "\": its revisions table \"" +
                                                        spec.table() + "_revisions\" would be longer than " +
                                                        std::to_string(kMaxIdentifier) +
                                                        " bytes, the most PostgreSQL keeps");
  return spec;
}

}  // namespace sink_postgres
