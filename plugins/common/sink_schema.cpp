// sink_schema.cpp — table definitions and value checks shared by the sinks
// (see sink_schema.h).
#include "sink_schema.h"

#include "analytica_cpp.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace analytica::sink {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

[[noreturn]] void invalid(const std::string& message) { throw Failure(ANALYTICA_ERR_INVALID, message); }

std::string printable(const char* name) { return name ? "\"" + std::string(name) + "\"" : "(null)"; }

// Fails if a name (already as kept) is longer than the rules allow.
void check_length(const NameRules& rules, const std::string& where, const std::string& name) {
  if (rules.max_length && name.size() > rules.max_length)
    invalid(where + ": " + rules.length_limit_of + " keeps names of at most " + std::to_string(rules.max_length) +
            " bytes");
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

bool same_identifier(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string lowercase(std::string s) {
  for (char& c : s) c = lower(c);
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

const char* type_name(analytica_type type) {
  switch (type) {
    case ANALYTICA_NULL: return "NULL";
    case ANALYTICA_INT64: return "INT64";
    case ANALYTICA_DOUBLE: return "DOUBLE";
    case ANALYTICA_TEXT: return "TEXT";
    default: return "unknown type";
  }
}

std::string quoted_table(const std::string& table) { return "table \"" + table + "\""; }

std::string excerpt(const char* sql) {
  std::string out;
  for (const char* p = sql; *p && out.size() < 80; ++p) out += (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
  if (std::strlen(sql) > out.size()) out += "...";
  return out;
}

bool valid_value(const analytica_value& v) {
  if (v.type == ANALYTICA_TEXT) return v.as.text.ptr || v.as.text.len == 0;
  return v.type == ANALYTICA_NULL || v.type == ANALYTICA_INT64 || v.type == ANALYTICA_DOUBLE;
}

// ---------------------------------------------------------------- TableDef

TableDef::TableDef(std::string table, std::vector<ColumnDef> columns)
    : table_(std::move(table)), columns_(std::move(columns)) {}

TableDef TableDef::from(const analytica_table_schema& schema, const NameRules& rules) {
  const auto kept = [&](const char* name) { return rules.fold_case ? lowercase(name) : std::string(name); };
  TableDef def;
  if (!schema.table || !is_identifier(schema.table))
    invalid("table name " + printable(schema.table) + " is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
  def.table_ = kept(schema.table);
  const std::string where = "table \"" + def.table_ + "\"";
  if (same_identifier(def.table_.substr(0, 7), "sqlite_"))
    invalid(where + ": names starting with sqlite_ are reserved " + rules.reserved_by);
  check_length(rules, where, def.table_);
  if (schema.column_count == 0 || !schema.columns) invalid(where + " has no columns");

  for (uint32_t i = 0; i < schema.column_count; ++i) {
    const analytica_column& c = schema.columns[i];
    if (!c.name || !is_identifier(c.name))
      invalid(where + ": column name " + printable(c.name) + " is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
    ColumnDef col;
    col.name = kept(c.name);
    const std::string column = where + ", column \"" + col.name + "\"";
    check_length(rules, column, col.name);
    if (def.index_of(col.name) >= 0) invalid(where + ": column \"" + col.name + "\" is declared twice");
    if (c.type != ANALYTICA_INT64 && c.type != ANALYTICA_DOUBLE && c.type != ANALYTICA_TEXT)
      invalid(column + ": type " + std::to_string(static_cast<int>(c.type)) + " is not INT64, DOUBLE or TEXT");
    col.type = c.type;
    col.key = (c.flags & ANALYTICA_COLUMN_KEY) != 0;
    col.not_null = col.key;
    col.newest = (c.flags & ANALYTICA_COLUMN_NEWEST) != 0;
    if (col.newest) {
      if (col.key) invalid(column + ": a NEWEST column cannot be a KEY column");
      if (def.newest() >= 0)
        invalid(where + ": more than one NEWEST column (\"" + def.columns_[static_cast<size_t>(def.newest())].name +
                "\" and \"" + col.name + "\")");
    }
    def.columns_.push_back(col);
  }
  if (def.newest() >= 0 && !def.has_keys())
    invalid(where + ": a NEWEST column needs KEY columns to decide which row it replaces");
  return def;
}

TableDef TableDef::revisions() const {
  TableDef out(table_ + "_revisions", columns_);
  for (auto& c : out.columns_)
    if (c.newest) {
      c.newest = false;
      c.key = true;  // nullable: a row without a NEWEST value is still recorded
    }
  // The input the row came from (the batch's source_id, "" if none), so two
  // files of the same report keep both their figures.
  ColumnDef source;
  source.name = kRevisionSource;
  source.type = ANALYTICA_TEXT;
  source.key = true;
  source.not_null = true;
  out.columns_.push_back(source);
  return out;
}

bool TableDef::has_keys() const {
  return std::any_of(columns_.begin(), columns_.end(), [](const ColumnDef& c) { return c.key; });
}

int TableDef::newest() const {
  for (size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].newest) return static_cast<int>(i);
  return -1;
}

int TableDef::index_of(const std::string& name) const {
  for (size_t i = 0; i < columns_.size(); ++i)
    if (same_identifier(columns_[i].name, name)) return static_cast<int>(i);
  return -1;
}

std::string TableDef::key_names(const char* separator) const {
  std::vector<std::string> keys;
  for (const auto& c : columns_)
    if (c.key) keys.push_back(c.name);
  std::sort(keys.begin(), keys.end());
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : separator) + k;
  return out;
}

std::string TableDef::signature() const {
  std::string out = table_;
  for (const auto& c : columns_)
    out += "|" + c.name + ":" + std::to_string(static_cast<int>(c.type)) + (c.key ? "k" : "") + (c.newest ? "n" : "");
  return out;
}

// ------------------------------------------------------------------ checks

std::string row_problem(const TableDef& def, const analytica_value* row, ValueLimit limit) {
  const auto& columns = def.columns();
  for (size_t c = 0; c < columns.size(); ++c) {
    const analytica_value& v = row[c];
    const ColumnDef& col = columns[c];
    const auto bad = [&](const std::string& reason) { return "column \"" + col.name + "\": " + reason; };
    if (!valid_value(v)) return bad("invalid value (type " + std::to_string(v.type) + ")");
    if (v.type == ANALYTICA_NULL && col.not_null) return bad("a key column cannot be NULL");
    const bool widening = v.type == ANALYTICA_INT64 && col.type == ANALYTICA_DOUBLE;
    if (v.type != ANALYTICA_NULL && v.type != col.type && !widening)
      return bad(std::string("expected ") + type_name(col.type) + ", got " + type_name(v.type));
    if (const char* reason = limit ? limit(v) : nullptr) return bad(reason);
  }
  return "";
}

ColumnChanges compare_columns(const TableDef& declared, const std::vector<StoredColumn>& stored,
                              const ColumnSpelling& spelling) {
  const auto same = [&](const std::string& a, const std::string& b) {
    return spelling.exact ? a == b : same_identifier(a, b);
  };
  ColumnChanges out;
  for (const auto& col : declared.columns()) {
    const auto found =
        std::find_if(stored.begin(), stored.end(), [&](const StoredColumn& s) { return same(s.name, col.name); });
    if (found == stored.end()) {
      out.added.push_back(&col);
    } else if (!same(found->type, spelling.stored(col.type))) {
      const std::string created = spelling.created
                                      ? std::string(spelling.created(col.type)) + " (" + type_name(col.type) + ")"
                                      : std::string(type_name(col.type));
      out.conflict = "column \"" + col.name + "\": existing type " + (found->type.empty() ? "(none)" : found->type) +
                     ", declared type " + created + "; a column's type cannot change";
      return out;
    }
  }
  return out;
}

}  // namespace analytica::sink
