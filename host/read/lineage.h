// Where a record, and each of its numbers, came from: every version of the
// record governance traced (ANALYTICA_T_LINEAGE_RECORDS), with its source
// file, run, extractor, validation, and per column the value, page, box and
// confidence (ANALYTICA_T_LINEAGE_CELLS). The one place that builds it, for
// `analytica lineage`, the dashboard's lineage page and its crops.
#ifndef ANALYTICA_HOST_READ_LINEAGE_H
#define ANALYTICA_HOST_READ_LINEAGE_H

#include "read/runs.h"
#include "read/sources.h"

#include <analytica_cpp.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace analytica {

class Store;

// A column of a traced table, from its newest recorded schema.
struct TracedColumn {
  std::string name;
  std::string type;  // INT64 | DOUBLE | TEXT
  bool key = false;
};

struct LineageCell {
  std::string column;
  Cell value;                  // as recorded (record-key text form); NULL when unknown or null
  bool value_recorded = true;  // false on stores written before cells held values
  std::optional<int64_t> page;           // NULL: no position recorded; 0: not on a page
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // analytica_box, meaningful when page > 0
  std::optional<double> confidence;
};

struct LineageValidation {
  std::string status;  // ANALYTICA_REVIEW_*
  std::optional<double> confidence;
  std::optional<std::string> reasons;
};

struct LineageVersion {
  std::string source_sha256;
  std::optional<SourceRecord> source;  // nullopt if the registry lacks it
  std::string run_id;
  std::optional<RunRecord> run;
  std::string extractor, written_at;
  std::optional<std::string> superseded_by;  // the newer version of the same file
  bool current = false;                      // the version the store's row holds: exactly one is
  bool matches_store = false;                // every recorded value equals the stored row's
  std::optional<LineageValidation> validation;  // nullopt: not validated
  std::vector<LineageCell> cells;               // in the table's column order
};

struct RecordLineage {
  std::string table, record_key;
  std::vector<TracedColumn> columns;           // newest recorded schema (may be empty)
  std::vector<std::string> traced_columns;     // every column with recorded lineage, by name
  std::map<std::string, Cell> stored_row;      // the row now in the table (empty if unreadable)
  std::vector<LineageVersion> versions;        // newest write first; the current one is marked
};

// Whether any lineage is recorded.
bool lineage_recorded(Store& store);

// Whether lineage is recorded for any record of the table.
bool lineage_recorded_for(Store& store, const std::string& table);

// The newest recorded schema of a table (empty if governance has none).
std::vector<TracedColumn> traced_columns(Store& store, const std::string& table);

// The record keys of the table matching every (column, value) pair given
// (values compare as text or as equal numbers), in key order.
std::vector<std::string> matching_record_keys(Store& store, const std::string& table,
                                              const std::vector<std::pair<std::string, std::string>>& given);

// Every traced version of one record; column narrows the cells ("" = all).
// versions is empty if nothing is known about the record.
RecordLineage record_lineage(Store& store, const std::string& table, const std::string& record_key,
                             const std::string& column = "");

// The recorded position of one cell of one version, or nullopt.
std::optional<LineageCell> lineage_cell(Store& store, const std::string& table, const std::string& record_key,
                                        const std::string& column, const std::string& source_sha256);

}  // namespace analytica

#endif  // ANALYTICA_HOST_READ_LINEAGE_H
