// table_spec.cpp — schema validation and PostgreSQL SQL text for sink_postgres.
#include "table_spec.h"

#include "analytica_cpp.hpp"

#include <algorithm>

namespace sink_postgres {

using analytica::Failure;

namespace {

[[noreturn]] void invalid(const std::string& message) { throw Failure(ANALYTICA_ERR_INVALID, message); }

std::string printable(const char* name) { return name ? "\"" + std::string(name) + "\"" : "(null)"; }

std::string column_list(const std::vector<ColumnSpec>& columns, bool keys_only) {
  std::string out;
  for (const auto& c : columns) {
    if (keys_only && !c.key) continue;
    if (!out.empty()) out += ", ";
    out += quote_identifier(c.name);
  }
  return out;
}

}  // namespace

bool is_identifier(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

std::string lowercase(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

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

const char* type_name(analytica_type type) {
  switch (type) {
    case ANALYTICA_NULL: return "NULL";
    case ANALYTICA_INT64: return "INT64";
    case ANALYTICA_DOUBLE: return "DOUBLE";
    case ANALYTICA_TEXT: return "TEXT";
    default: return "unknown type";
  }
}

TableSpec TableSpec::from(const analytica_table_schema& schema) {
  TableSpec spec;
  if (!schema.table || !is_identifier(schema.table))
    invalid("table name " + printable(schema.table) + " is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
  spec.table_ = lowercase(schema.table);
  if (spec.table_.compare(0, 7, "sqlite_") == 0)
    invalid("table \"" + spec.table_ + "\": names starting with sqlite_ are reserved (by SQLite, so by every sink)");
  if (spec.table_.size() > kMaxIdentifier)
    invalid("table \"" + spec.table_ + "\": PostgreSQL keeps names of at most " + std::to_string(kMaxIdentifier) +
            " bytes");
  if (schema.column_count == 0 || !schema.columns) invalid("table \"" + spec.table_ + "\" has no columns");

  const std::string where = "table \"" + spec.table_ + "\"";
  for (uint32_t i = 0; i < schema.column_count; ++i) {
    const analytica_column& c = schema.columns[i];
    if (!c.name || !is_identifier(c.name))
      invalid(where + ": column name " + printable(c.name) + " is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
    ColumnSpec col;
    col.name = lowercase(c.name);
    if (col.name.size() > kMaxIdentifier)
      invalid(where + ", column \"" + col.name + "\": PostgreSQL keeps names of at most " +
              std::to_string(kMaxIdentifier) + " bytes");
    if (spec.index_of(col.name) >= 0) invalid(where + ": column \"" + col.name + "\" is declared twice");
    if (c.type != ANALYTICA_INT64 && c.type != ANALYTICA_DOUBLE && c.type != ANALYTICA_TEXT)
      invalid(where + ", column \"" + col.name + "\": type " + std::to_string(static_cast<int>(c.type)) +
              " is not INT64, DOUBLE or TEXT");
    col.type = c.type;
    col.key = (c.flags & ANALYTICA_COLUMN_KEY) != 0;
    col.not_null = col.key;
    col.newest = (c.flags & ANALYTICA_COLUMN_NEWEST) != 0;
    if (col.newest) {
      if (col.key) invalid(where + ", column \"" + col.name + "\": a NEWEST column cannot be a KEY column");
      if (spec.newest_ >= 0)
        invalid(where + ": more than one NEWEST column (\"" + spec.columns_[static_cast<size_t>(spec.newest_)].name +
                "\" and \"" + col.name + "\")");
      spec.newest_ = static_cast<int>(spec.columns_.size());
    }
    spec.columns_.push_back(col);
  }
  if (spec.newest_ >= 0 && !spec.has_keys())
    invalid(where + ": a NEWEST column needs KEY columns to decide which row it replaces");
  if (spec.newest_ >= 0 && spec.table_.size() + 10 > kMaxIdentifier)
    invalid(where + ": its revisions table \"" + spec.table_ + "_revisions\" would be longer than " +
            std::to_string(kMaxIdentifier) + " bytes, the most PostgreSQL keeps");
  return spec;
}

TableSpec TableSpec::revisions() const {
  TableSpec out;
  out.table_ = table_ + "_revisions";
  out.columns_ = columns_;
  for (auto& c : out.columns_)
    if (c.newest) {
      c.newest = false;
      c.key = true;  // nullable: a row without a NEWEST value is still recorded
    }
  return out;
}

bool TableSpec::has_keys() const {
  return std::any_of(columns_.begin(), columns_.end(), [](const ColumnSpec& c) { return c.key; });
}

bool TableSpec::primary_key() const {
  return std::all_of(columns_.begin(), columns_.end(), [](const ColumnSpec& c) { return !c.key || c.not_null; });
}

int TableSpec::index_of(const std::string& name) const {
  const std::string lower = lowercase(name);
  for (size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == lower) return static_cast<int>(i);
  return -1;
}

std::string TableSpec::sorted_keys() const {
  std::vector<std::string> keys;
  for (const auto& c : columns_)
    if (c.key) keys.push_back(c.name);
  std::sort(keys.begin(), keys.end());
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ",") + k;
  return out;
}

std::string TableSpec::signature() const {
  std::string out = table_;
  for (const auto& c : columns_)
    out += "|" + c.name + ":" + std::to_string(static_cast<int>(c.type)) + (c.key ? "k" : "") + (c.newest ? "n" : "");
  return out;
}

std::string TableSpec::create_sql() const {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + quote_identifier(table_) + " (";
  for (size_t i = 0; i < columns_.size(); ++i) {
    const auto& c = columns_[i];
    sql += (i ? ", " : "") + quote_identifier(c.name) + " " + sql_type(c.type) +
           (c.type == ANALYTICA_TEXT ? " COLLATE \"C\"" : "") + (c.not_null ? " NOT NULL" : "");
  }
  if (has_keys()) sql += std::string(primary_key() ? ", PRIMARY KEY (" : ", UNIQUE (") + column_list(columns_, true) + ")";
  return sql + ")";
}

std::string TableSpec::add_column_sql(const ColumnSpec& column) const {
  return "ALTER TABLE " + quote_identifier(table_) + " ADD COLUMN IF NOT EXISTS " + quote_identifier(column.name) +
         " " + sql_type(column.type) + (column.type == ANALYTICA_TEXT ? " COLLATE \"C\"" : "");
}

std::string TableSpec::upsert_sql() const {
  const std::string table = quote_identifier(table_);
  std::string sql = "INSERT INTO " + table + " (" + column_list(columns_, false) + ") VALUES (";
  for (size_t i = 0; i < columns_.size(); ++i) sql += (i ? ", $" : "$") + std::to_string(i + 1);
  sql += ")";
  if (!has_keys()) return sql;

  sql += " ON CONFLICT (" + column_list(columns_, true) + ") DO ";
  std::string set;
  for (const auto& c : columns_) {
    if (c.key) continue;
    const std::string name = quote_identifier(c.name);
    set += (set.empty() ? "" : ", ") + name + " = EXCLUDED." + name;
  }
  if (set.empty()) return sql + "NOTHING";
  sql += "UPDATE SET " + set;
  if (newest_ >= 0) {
    const std::string col = quote_identifier(columns_[static_cast<size_t>(newest_)].name);
    sql += " WHERE " + table + "." + col + " IS NULL OR EXCLUDED." + col + " >= " + table + "." + col;
  }
  return sql;
}

}  // namespace sink_postgres
