// sink_sql.cpp — SQL text of the database sinks (see sink_sql.h).
#include "sink_sql.h"

namespace analytica::sink {

namespace {

std::string column_list(const std::vector<ColumnDef>& columns, bool keys_only) {
  std::string out;
  for (const auto& c : columns) {
    if (keys_only && !c.key) continue;
    if (!out.empty()) out += ", ";
    out += quote_identifier(c.name);
  }
  return out;
}

bool keys_not_null(const TableDef& def) {
  for (const auto& c : def.columns())
    if (c.key && !c.not_null) return false;
  return true;
}

}  // namespace

std::string create_table_sql(const TableDef& def, const SqlDialect& dialect) {
  const auto& columns = def.columns();
  std::string sql = "CREATE TABLE IF NOT EXISTS " + quote_identifier(def.table()) + " (";
  for (size_t i = 0; i < columns.size(); ++i) {
    const auto& c = columns[i];
    sql += (i ? ", " : "") + quote_identifier(c.name) + " " + dialect.column_type(c.type) +
           (c.not_null ? " NOT NULL" : "");
  }
  if (def.has_keys()) {
    const bool unique = dialect.nullable_key_unique && !keys_not_null(def);
    sql += std::string(unique ? ", UNIQUE (" : ", PRIMARY KEY (") + column_list(columns, true) + ")";
  }
  return sql + ")";
}

std::string add_column_sql(const TableDef& def, const ColumnDef& column, const SqlDialect& dialect) {
  return "ALTER TABLE " + quote_identifier(def.table()) + " " + dialect.add_column + " " +
         quote_identifier(column.name) + " " + dialect.column_type(column.type);
}

std::string upsert_sql(const TableDef& def, const SqlDialect& dialect) {
  const auto& columns = def.columns();
  const std::string table = quote_identifier(def.table());
  const std::string excluded = std::string(dialect.excluded) + ".";
  std::string sql = "INSERT INTO " + table + " (" + column_list(columns, false) + ") VALUES (";
  for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + (dialect.placeholder + std::to_string(i + 1));
  sql += ")";
  if (!def.has_keys()) return sql;

  sql += " ON CONFLICT (" + column_list(columns, true) + ") DO ";
  std::string set;
  for (const auto& c : columns) {
    if (c.key) continue;
    const std::string name = quote_identifier(c.name);
    set += (set.empty() ? "" : ", ") + name + " = " + excluded + name;
  }
  if (set.empty()) return sql + "NOTHING";
  sql += "UPDATE SET " + set;
  if (def.newest() >= 0) {
    const std::string col = quote_identifier(columns[static_cast<size_t>(def.newest())].name);
    sql += " WHERE " + table + "." + col + " IS NULL OR " + excluded + col + " >= " + table + "." + col;
  }
  return sql;
}

}  // namespace analytica::sink
