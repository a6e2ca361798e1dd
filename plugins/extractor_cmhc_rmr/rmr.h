// rmr.h — CMHC Rental Market Report workbooks read as records.
//
// Each table sheet is found by its structure, never by fixed rows or
// columns: a numbered title ("1.1.1 Private Apartment Vacancy Rates..."),
// a header row of column groups (bedroom types, or series), a header row of
// periods under each group ("Oct-21", "Oct-20 to Oct-21"; or series names
// as in 4.1.2), then one row per centre until the legend. Within a group,
// the columns with a period hold values; a column right after a value that
// holds grades a-d is its reliability; the arrows, dashes and Δ after the
// last value are the group's significance column. Markers are read as the
// sheet's legend defines them (defaults where it is missing).
#ifndef ANALYTICA_PLUGINS_EXTRACTOR_CMHC_RMR_RMR_H
#define ANALYTICA_PLUGINS_EXTRACTOR_CMHC_RMR_RMR_H

#include "xlsx.h"

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rmr {

// A file that is not a readable CMHC workbook: "<file>: <reason>".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

struct Where {
  int sheet = 0;  // 1-based sheet index
  int col = -1, row = -1;  // 0-based; -1 when there is no such cell
};

struct Value {
  std::string table, title, centre, group, period;
  std::optional<double> value;
  std::string reliability;  // "a".."d" or ""
  std::string flag;         // "", "suppressed", "not_significant", "not_applicable"
  std::string cell;         // "B8"
  std::string sheet_name;
  Where at, centre_at, group_at, period_at, reliability_at;
};

struct Change {
  std::string table, centre, group, from, to;
  std::string direction;  // "", "up", "down", "not_significant", "significant"
  std::string cell;
  std::string sheet_name;
  Where at, centre_at, group_at;
};

// Where one table sits on its sheet (for previews).
struct Layout {
  std::string table, sheet_name;
  int sheet = 0;
  int title_row = -1, group_row = -1, period_row = -1, label_col = 0;
  int first_row = -1, last_row = -1, last_col = -1;
};

struct Report {
  std::string survey;  // YYYY-MM, the latest period the workbook reports
  std::vector<Value> values;
  std::vector<Change> changes;
  std::vector<Layout> layouts;
  std::vector<std::string> warnings;
};

// "Oct-21" -> "2021-10"; "Oct-19 to Oct-20" -> "2019-10..2020-10";
// "October 2022", "2022-10", "2022-10-01" too. nullopt otherwise.
std::optional<std::string> parse_period(const std::string& text);

// A figure as printed: "1,204" -> 1204, "-1.2" -> -1.2, "4.1%" -> 4.1.
std::optional<double> parse_number(const std::string& text);

// Reads the workbook at path. Throws Error("<path>: <reason>").
Report read_report(const std::string& path, const xlsx::Limits& limits = {});

// Reads an already loaded workbook; throws Error("<reason>") (no file name).
Report read_workbook(const xlsx::Workbook& wb);

}  // namespace rmr

#endif  // ANALYTICA_PLUGINS_EXTRACTOR_CMHC_RMR_RMR_H
