// sink_schema.h — what the project's sinks share about tables: the
// identifier rules, a validated table definition (KEY and NEWEST rules, the
// "<table>_revisions" companion), the checks on values written, and the
// comparison of a declaration with the columns a store already holds
// (added columns are additive, a changed type is a conflict).
//
// Compiled into each sink (static library analytica_sink_common); nothing
// here crosses the ABI. The SQL or file layout a sink derives from a
// TableDef stays in that sink.
#ifndef ANALYTICA_SINK_SCHEMA_H
#define ANALYTICA_SINK_SCHEMA_H

#include "analytica.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace analytica::sink {

// True if name matches [A-Za-z_][A-Za-z0-9_]*.
bool is_identifier(const std::string& name);
// Equal ignoring ASCII case, as SQLite compares identifiers.
bool same_identifier(const std::string& a, const std::string& b);
// ASCII lower case.
std::string lowercase(std::string s);
// "name" with embedded quotes doubled.
std::string quote_identifier(const std::string& name);
// The ABI name of a value type: NULL, INT64, DOUBLE or TEXT.
const char* type_name(analytica_type type);
// `table "name"`, as messages name a table.
std::string quoted_table(const std::string& table);
// The first 80 characters of a statement on one line ("..." if cut), for
// messages.
std::string excerpt(const char* sql);
// A value of a known type (text with a pointer unless empty).
bool valid_value(const analytica_value& v);

// The last column of every revisions table: the input a row came from.
inline constexpr const char* kRevisionSource = "source_sha256";

struct ColumnDef {
  std::string name;
  analytica_type type = ANALYTICA_TEXT;
  bool key = false;       // part of the key writes upsert on
  bool not_null = false;  // declared NOT NULL on creation (the schema's KEY columns)
  bool newest = false;    // ANALYTICA_COLUMN_NEWEST
};

// How a sink keeps names. Names are compared ignoring ASCII case whatever
// the rules.
struct NameRules {
  bool fold_case = false;          // keep names in ASCII lower case, else as given
  const char* reserved_by = "";    // ends "names starting with sqlite_ are reserved ..."
  size_t max_length = 0;           // longest name kept whole; 0: no limit
  const char* length_limit_of = "";  // who keeps names that short, for the message
};

class TableDef {
 public:
  TableDef() = default;
  // A definition as recorded by a store (not validated).
  TableDef(std::string table, std::vector<ColumnDef> columns);

  // Validates and copies a schema. Throws analytica::Failure(INVALID)
  // naming the table and column if a name is not an identifier or is
  // longer than rules.max_length, a name repeats, a table name starts with
  // "sqlite_", a type is not INT64/DOUBLE/TEXT, there is more than one
  // NEWEST column, a NEWEST column is a key, or a table with a NEWEST
  // column has no key. KEY columns are NOT NULL. Unknown flag bits are
  // ignored.
  static TableDef from(const analytica_table_schema& schema, const NameRules& rules);

  // The companion table "<table>_revisions" of a table with a NEWEST
  // column: the same columns plus kRevisionSource (the batch's source_id,
  // "" if none) last, keyed by the key columns, the NEWEST column (nullable:
  // a row without a NEWEST value is still recorded) and the source, so every
  // version of a row written — from every input — stays queryable.
  TableDef revisions() const;

  const std::string& table() const { return table_; }
  const std::vector<ColumnDef>& columns() const { return columns_; }
  void add_column(const ColumnDef& column) { columns_.push_back(column); }
  bool has_keys() const;
  // Index of the (first) NEWEST column, or -1.
  int newest() const;
  // Index of the named column (ignoring ASCII case), or -1.
  int index_of(const std::string& name) const;
  // The key columns' names, sorted bytewise, joined by separator.
  std::string key_names(const char* separator) const;
  // Identifies table, column names, types and flags: equal signatures mean
  // the same statements and the same checks against a store.
  std::string signature() const;

 private:
  std::string table_;
  std::vector<ColumnDef> columns_;
};

// Why one row of a batch (a value per column of def, in order) cannot be
// written — `column "c": reason` for its first bad value — or "" if it can.
// Values must be valid, NULL or of the column's type (INT64 is accepted for
// DOUBLE), and not NULL in a NOT NULL column. limit (may be NULL) adds a
// store's own check of a value, after those: its reason, or NULL.
using ValueLimit = const char* (*)(const analytica_value& v);
std::string row_problem(const TableDef& def, const analytica_value* row, ValueLimit limit = nullptr);

// A column as a store holds it: its name, and its type as the store spells it.
struct StoredColumn {
  std::string name;
  std::string type;
};

// How a store spells columns: a type as it reports a column of that type,
// and as it creates one (shown in messages with the ABI name in
// parentheses; NULL: the ABI name alone); whether names and types compare
// exactly (else ignoring ASCII case, as SQLite does).
struct ColumnSpelling {
  const char* (*stored)(analytica_type type);
  const char* (*created)(analytica_type type);
  bool exact;
};

// A declaration compared with the columns a table already has.
struct ColumnChanges {
  std::vector<const ColumnDef*> added;  // declared, not stored: to add (points into the declaration)
  // `column "c": existing type T, declared type D; a column's type cannot
  // change` for the first declared column stored with another type, or "".
  std::string conflict;
};
ColumnChanges compare_columns(const TableDef& declared, const std::vector<StoredColumn>& stored,
                              const ColumnSpelling& spelling);

// What a store has checked against its database, by TableDef::signature():
// Known holds a `TableDef spec` and the store's own state for the table
// (its prepared statements). A store forgets them all after a rollback or
// DDL, since what it checked may have been undone.
template <typename Known>
class KnownTables {
 public:
  // The entry of spec, after calling declare(spec) if there is none.
  template <typename Declare>
  Known& ensure(const TableDef& spec, Declare&& declare) {
    const auto it = map_.find(spec.signature());
    if (it != map_.end()) return *it->second;
    declare(spec);
    return remember(spec);
  }
  // A new entry for spec (replacing one of the same signature).
  Known& remember(const TableDef& spec) {
    auto known = std::make_unique<Known>();
    known->spec = spec;
    auto& slot = map_[spec.signature()];
    slot = std::move(known);
    return *slot;
  }
  void clear() { map_.clear(); }

 private:
  std::map<std::string, std::unique_ptr<Known>> map_;
};

}  // namespace analytica::sink

#endif
