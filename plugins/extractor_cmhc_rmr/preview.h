// preview.h — a marked cell shown in a grid of its sheet (analytica.preview/1).
#ifndef ANALYTICA_PLUGINS_EXTRACTOR_CMHC_RMR_PREVIEW_H
#define ANALYTICA_PLUGINS_EXTRACTOR_CMHC_RMR_PREVIEW_H

#include "rmr.h"
#include "xlsx.h"

#include <string>
#include <utility>
#include <vector>

namespace rmr {

// A self-contained HTML page (no scripts, inline style) showing the cells
// (0-based column, row) of sheet `sheet` (1-based) in a spreadsheet-like
// grid: the table's title, its header rows of groups and periods, the row
// labels, and the rows and columns around the cells, which are marked.
// Throws Error for a sheet or cell outside the workbook.
std::string render_preview(const xlsx::Workbook& wb, const Report& report, int sheet,
                           const std::vector<std::pair<int, int>>& cells, double scale);

}  // namespace rmr

#endif  // ANALYTICA_PLUGINS_EXTRACTOR_CMHC_RMR_PREVIEW_H
