// export_store.h — sink_export's files: one file per table in a directory,
// CSV or JSON lines, holding the table as the database sinks would (rows
// upserted by their KEY columns, NEWEST wins, every version also in
// "<table>_revisions"), plus "<table>.schema.json" recording the declared
// columns so later runs read the file back with its types and refuse a
// retype.
//
// Writes are staged in memory during the host's transaction; commit merges
// them into each touched file through a temporary file in the same
// directory and a rename, under an exclusive lock on the directory
// (".analytica-export.lock"), so a reader never sees a half-written file
// and two processes never interleave. Rollback discards the staged rows.
// Declarations (schema files) take effect at once and are additive.
//
// Every method reports failure by throwing analytica::Failure with a
// one-line message starting with the directory. Not thread-safe.
#ifndef SINK_EXPORT_EXPORT_STORE_H
#define SINK_EXPORT_EXPORT_STORE_H

#include "analytica.h"
#include "formats.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sink_export {

struct Settings {
  std::filesystem::path dir;
  Format format = Format::csv;
};

inline constexpr analytica_setting kSettings[] = {
    {"dir", "string", "null", 1, "directory for the files (created if missing): <table>.csv or <table>.jsonl"},
    {"format", "string", "\"csv\"", 0, "csv (RFC 4180, header row) or jsonl (one JSON object per line)"},
};
inline constexpr uint32_t kSettingCount = sizeof(kSettings) / sizeof(kSettings[0]);

// Reads the settings JSON; throws Failure(INVALID) naming the setting.
Settings parse_settings(const char* settings_json);

struct ColumnDef {
  std::string name;  // lower case
  analytica_type type = ANALYTICA_TEXT;
  bool key = false;
  bool newest = false;
};

struct TableDef {
  std::string table;  // lower case
  std::vector<ColumnDef> columns;
  int index_of(const std::string& name) const;
  int newest() const;
  bool has_keys() const;
  // "<table>_revisions": the NEWEST column joins the key.
  TableDef revisions() const;
};

class ExportStore {
 public:
  // Creates the directory if missing. Throws IO if it cannot be used.
  ExportStore(const Settings& settings, const analytica_host* host);

  // Validates the schema as sink_sqlite does, then creates or extends the
  // table's schema file (and its revisions table's). CONFLICT if a column
  // changes type or the key columns differ.
  void declare_table(const analytica_table_schema& schema);
  void begin();
  // Merges the staged rows into the files (see above).
  void commit();
  void rollback();
  // Checks and stages the batch's rows. Needs an open transaction.
  void write(const analytica_batch& batch);

 private:
  // One staged write: the table's row in its column order, and which of
  // those columns the batch carried (the others keep stored values).
  struct Staged {
    std::string table;
    std::vector<bool> present;
    Row row;
  };

  TableDef& declare(const TableDef& wanted);
  std::filesystem::path file_of(const std::string& table) const;
  std::filesystem::path schema_file_of(const std::string& table) const;
  void stage(const TableDef& table, const TableDef& batch_def, const analytica_value* row);
  [[noreturn]] void fail(analytica_status status, const std::string& message) const;

  Settings settings_;
  const analytica_host* host_;
  std::string where_;                     // the directory, for messages
  std::map<std::string, TableDef> known_; // by table name, as on disk
  bool in_transaction_ = false;
  std::vector<Staged> staged_;
};

}  // namespace sink_export

#endif
