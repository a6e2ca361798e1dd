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
#include "settings_table.h"  // kSettings, generated from settings.json
#include "sink_backend.h"
#include "sink_schema.h"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sink_export {

struct Settings {
  std::filesystem::path dir;
  Format format = Format::csv;
};


// Reads the settings JSON; throws Failure(INVALID) naming the setting.
Settings parse_settings(const char* settings_json);

// Tables and columns as recorded (names in lower case).
using ColumnDef = analytica::sink::ColumnDef;
using TableDef = analytica::sink::TableDef;

class ExportStore : public analytica::sink::SinkBackend {
 public:
  // Creates the directory if missing. Throws IO if it cannot be used.
  ExportStore(const Settings& settings, const analytica_host* host);

  // Validates the schema as sink_sqlite does (names in lower case), then
  // creates or extends the table's schema file (and its revisions
  // table's). CONFLICT if a column changes type or the key columns differ.
  void declare_table(const analytica_table_schema& schema) override;
  void begin() override;
  // Merges the staged rows into the files (see above).
  void commit() override;
  void rollback() override;
  // Checks and stages the batch's rows. Needs an open transaction.
  void write(const analytica_batch& batch) override;
  // ANALYTICA_ERR_UNSUPPORTED: files answer no queries, so sink_export is
  // never the primary (first) sink of a pipeline.
  void query(const char* sql, const analytica_value* params, uint32_t param_count, analytica_row_fn fn,
             void* user) override;

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
  // source: for a revision row, the input it came from (else null).
  void stage(const TableDef& table, const TableDef& batch_def, const analytica_value* row, const char* source);
  bool in_transaction() const override { return in_transaction_; }

  Settings settings_;
  std::map<std::string, TableDef> known_; // by table name, as on disk
  bool in_transaction_ = false;
  std::vector<Staged> staged_;
};

}  // namespace sink_export

#endif
