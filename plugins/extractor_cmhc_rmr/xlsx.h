// xlsx.h — a small read-only view of an Office Open XML workbook (.xlsx):
// sheet names in workbook order, every cell's text or number with the
// number format that says how it is displayed, and merged ranges.
//
// The zip container is read with libzip and every XML part with expat (both
// Debian libraries); nothing here parses zip or XML by hand. Entries are
// checked against a size limit before they are inflated (zip bombs), and
// reading stops at the limit even if an entry's declared size lies.
#ifndef ANALYTICA_PLUGINS_EXTRACTOR_CMHC_RMR_XLSX_H
#define ANALYTICA_PLUGINS_EXTRACTOR_CMHC_RMR_XLSX_H

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace xlsx {

// Why a file could not be read as a workbook; the message is the reason
// only (callers put the file name in front).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& reason) : std::runtime_error(reason) {}
};

struct Limits {
  uint64_t max_entry_bytes = 64ull << 20;  // largest uncompressed part read
  uint64_t max_total_bytes = 256ull << 20; // all parts read together
};

// One cell. Text cells (shared, inline or formula strings) hold `text`;
// numeric cells hold `number`, and `text` is the number as the cell's format
// displays it ("4.1" for 4.0999999999999996 under "0.0", "1,204" under
// "#,##0"); date-formatted numbers are flagged.
struct Cell {
  enum class Kind { Empty, Text, Number, Boolean, Error } kind = Kind::Empty;
  std::string text;
  double number = 0;
  bool is_date = false;
  bool styled = false;  // present in the XML (with a style) though empty
};

// 0-based (column, row) of "B8" -> (1, 7); false if `ref` is not a cell name.
bool parse_ref(const std::string& ref, int& col, int& row);
// "B8" from 0-based (1, 7).
std::string cell_name(int col, int row);
std::string column_name(int col);

struct Range {
  int col0 = 0, row0 = 0, col1 = 0, row1 = 0;  // inclusive, 0-based
};

struct Sheet {
  std::string name;
  int index = 0;                            // 1-based position in the workbook
  std::map<std::pair<int, int>, Cell> cells; // (row, col) -> cell, row-major order
  std::vector<Range> merges;
  int max_row = -1, max_col = -1;           // over present cells

  const Cell* at(int col, int row) const {
    auto it = cells.find({row, col});
    return it == cells.end() ? nullptr : &it->second;
  }
  // The cell's text with line breaks and runs of spaces collapsed to one
  // space and trimmed; "" for an absent or empty cell.
  std::string text(int col, int row) const;
};

struct Workbook {
  std::vector<Sheet> sheets;
  std::string core_creator;  // docProps/core.xml dc:creator, if any
  std::vector<std::string> strings; // the shared strings (for publisher checks)
};

// Reads the whole workbook. Throws Error with a one-line reason: "not a zip
// archive", "no workbook part (xl/workbook.xml)", "part X is N bytes,
// larger than the limit of M", "sheet 'Table 1.1.1' is cut short (...)".
Workbook read_workbook(const std::string& path, const Limits& limits = {});

// The display text of a number under an Excel number format code (the
// format's first section: decimals, thousands separators, percent).
std::string display_number(double value, const std::string& format_code);

// Whitespace (including line breaks and no-break spaces) collapsed to single
// spaces, trimmed.
std::string collapse(const std::string& s);

}  // namespace xlsx

#endif  // ANALYTICA_PLUGINS_EXTRACTOR_CMHC_RMR_XLSX_H
