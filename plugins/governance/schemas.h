// Schema versions of the tables sinks write. Tables:
//   governance_schemas         one row per (table, version): columns as JSON and their SHA-256
//   governance_schema_changes  one row per (run, table) whose schema changed: kind, diff, outcome
// A change is additive when it only adds columns (recorded as a new version;
// the sinks add the columns inside the same transaction) and destructive
// when it removes or retypes a column or changes the key (refused unless
// the table is listed in the accept_schema_changes setting).
#ifndef ANALYTICA_PLUGINS_GOVERNANCE_SCHEMAS_H
#define ANALYTICA_PLUGINS_GOVERNANCE_SCHEMAS_H

#include "store.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace governance {

// One table's schema as governance records it.
struct TableShape {
  std::string table;
  std::vector<analytica::Column> columns;  // declared order

  static TableShape of(const analytica_table_schema& schema);
  // [{"name","type","key","newest"}...] in declared order.
  nlohmann::json columns_json() const;
  static TableShape from_json(const std::string& table, const nlohmann::json& columns);
  // SHA-256 of the columns sorted by name: column order does not matter.
  std::string sha256() const;
};

// "INT64", "DOUBLE", "TEXT" (or "NULL").
const char* type_name(analytica_type type);

class SchemaRegistry {
 public:
  SchemaRegistry(const Store& store, std::set<std::string> accepted)
      : store_(store), accepted_(std::move(accepted)) {}

  // Declares governance_schemas and governance_schema_changes.
  void declare_tables() const;

  // Compares the schema with the newest recorded version of its table and
  // records a new version if it differs. Throws Failure(CONFLICT) on a
  // destructive change of a table not accepted, after keeping the refusal
  // for write_refusals().
  void check(const analytica_table_schema& schema, const std::string& run_id);

  // Writes refused changes kept by check() (their own transaction was
  // rolled back). Call inside a later transaction.
  void write_refusals();
  bool has_refusals() const { return !refusals_.empty(); }
  const std::string& last_refusal() const { return last_refusal_; }

 private:
  struct Refusal {
    std::string run_id, table, diff, detected_at;
    int64_t from_version;
  };
  const Store& store_;
  std::set<std::string> accepted_;
  std::vector<Refusal> refusals_;
  std::string last_refusal_;
};

}  // namespace governance

#endif  // ANALYTICA_PLUGINS_GOVERNANCE_SCHEMAS_H
