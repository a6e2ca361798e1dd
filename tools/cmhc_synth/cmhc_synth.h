// cmhc_synth.h — synthetic CMHC Rental Market Report workbooks with known
// numbers, written with Debian's libxlsxwriter, and the records a correct
// extractor must produce (the shape of ../shared/corpus/cmhc/*.expected.json).
//
// The variations the real editions show are options: numeric cells with
// binary noise under a number format instead of text cells, titles over
// merged cells, headers starting on other rows, labels with line breaks, no
// legend, no contents sheet.
#ifndef ANALYTICA_TOOLS_CMHC_SYNTH_CMHC_SYNTH_H
#define ANALYTICA_TOOLS_CMHC_SYNTH_CMHC_SYNTH_H

#include <nlohmann/json.hpp>

#include <string>

namespace cmhc_synth {

struct Options {
  int survey_year = 2022;     // the workbook reports October of this year and the one before
  unsigned seed = 1;          // figures, grades and markers
  bool numeric = false;       // figures as numbers (with binary noise) under number formats
  bool merged_title = false;  // each title merged over the table's width
  int row_offset = 0;         // extra blank rows above the title and between title and headers
  bool line_breaks = false;   // line breaks inside centre and group labels
  bool no_legend = false;     // no quality-indicator legend under the tables
  bool no_index = false;      // no contents sheet
  int total_error = 0;        // added to the first centre's printed universe Total (a planted inconsistency)
};

// Writes the workbook to `path` and returns its expected records:
// {source_file, sha256, survey, values: [...], changes: [...]}. Throws
// std::runtime_error if libxlsxwriter fails.
nlohmann::json write_workbook(const std::string& path, const Options& options);

// Lower-case hex SHA-256 of a file's bytes.
std::string sha256_file(const std::string& path);

}  // namespace cmhc_synth

#endif  // ANALYTICA_TOOLS_CMHC_SYNTH_CMHC_SYNTH_H
