// preview.cpp — HTML grid around marked cells of a worksheet.
#include "preview.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace rmr {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\n': out += "<br>"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string render_preview(const xlsx::Workbook& wb, const Report& report, int sheet_index,
                           const std::vector<std::pair<int, int>>& cells, double scale) {
  if (sheet_index < 1 || static_cast<size_t>(sheet_index) > wb.sheets.size())
    throw Error("sheet " + std::to_string(sheet_index) + " is outside the workbook (it has " +
                std::to_string(wb.sheets.size()) + ")");
  const xlsx::Sheet& s = wb.sheets[static_cast<size_t>(sheet_index - 1)];
  if (cells.empty()) throw Error("no cell to show");
  int minc = cells[0].first, maxc = minc, minr = cells[0].second, maxr = minr;
  for (const auto& [c, r] : cells) {
    if (c < 0 || r < 0 || c > std::max(s.max_col, 0) + 1 || r > std::max(s.max_row, 0) + 1)
      throw Error("cell " + xlsx::cell_name(std::max(c, 0), std::max(r, 0)) + " is outside sheet '" + s.name + "'");
    minc = std::min(minc, c);
    maxc = std::max(maxc, c);
    minr = std::min(minr, r);
    maxr = std::max(maxr, r);
  }
  const Layout* lay = nullptr;
  for (const auto& l : report.layouts)
    if (l.sheet == sheet_index) lay = &l;

  std::set<int> rows, cols;
  std::set<std::pair<int, int>> context;  // header and label cells of the marked ones
  int title_row = -1;
  std::string title;
  if (lay) {
    title_row = lay->title_row;
    for (const auto& [rc, cell] : s.cells)
      if (rc.first == lay->title_row && cell.kind != xlsx::Cell::Kind::Empty) title = s.text(rc.second, rc.first);
    rows.insert(lay->group_row);
    rows.insert(lay->period_row);
    const int top = std::max(lay->first_row, minr - 3), bottom = std::min(lay->last_row, maxr + 3);
    for (int r = std::min(top, minr); r <= std::max(bottom, maxr); ++r) rows.insert(r);
    cols.insert(lay->label_col);
    // From the start of the marked cells' group to a few columns past them.
    int left = minc;
    for (int c = minc; c > lay->label_col; --c)
      if (!s.text(c, lay->group_row).empty()) { left = c; break; }
    if (minc - left > 8) left = std::max(lay->label_col + 1, minc - 4);  // a very wide group: its neighbourhood only
    const int right = std::min(std::max(lay->last_col, maxc), maxc + 4);
    for (int c = left; c <= right; ++c) cols.insert(c);
    for (const auto& [c, r] : cells) {
      context.insert({lay->label_col, r});
      context.insert({c, lay->period_row});
      for (int g = c; g > lay->label_col; --g)
        if (!s.text(g, lay->group_row).empty()) { context.insert({g, lay->group_row}); break; }
    }
  } else {
    for (int r = std::max(0, minr - 5); r <= maxr + 5; ++r) rows.insert(r);
    for (int c = std::max(0, minc - 5); c <= maxc + 5; ++c) cols.insert(c);
  }
  std::set<std::pair<int, int>> marked(cells.begin(), cells.end());

  char px[32];
  std::snprintf(px, sizeof px, "%.1f", 13.0 * (scale > 0 ? scale : 1.0));
  std::string marked_names;
  for (const auto& [c, r] : cells) marked_names += (marked_names.empty() ? "" : ", ") + xlsx::cell_name(c, r);
  std::string h;
  h += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(s.name + "!" + marked_names) +
       "</title><style>\n";
  h += "body{font-family:DejaVu Sans,Arial,sans-serif;font-size:" + std::string(px) + "px;margin:8px;color:#222}\n";
  h += "table{border-collapse:collapse}td,th{border:1px solid #d0d0d0;padding:2px 6px;white-space:nowrap}\n";
  h += "th{background:#f0f0f0;color:#666;font-weight:normal;font-size:85%}\n";
  h += "td.n{text-align:right}td.ctx{background:#e8f0fe;font-weight:bold}\n";
  h += "td.mark{background:#ffe08a;outline:3px solid #d93025;outline-offset:-2px;font-weight:bold}\n";
  h += "tr.gap td,tr.gap th{border:none;color:#999;text-align:center}\n";
  h += ".title{font-weight:bold;margin-bottom:6px}.sheet{color:#666;margin-bottom:4px}\n";
  h += "</style></head><body>\n";
  h += "<div class=\"sheet\">" + escape(s.name) + " &middot; " + escape(marked_names) + "</div>\n";
  if (!title.empty()) h += "<div class=\"title\">" + escape(title) + "</div>\n";
  h += "<table>\n<tr><th></th>";
  int prev_c = -2;
  for (int c : cols) {
    if (prev_c >= 0 && c != prev_c + 1) h += "<th>&hellip;</th>";
    h += "<th>" + xlsx::column_name(c) + "</th>";
    prev_c = c;
  }
  h += "</tr>\n";
  int prev_r = -2;
  for (int r : rows) {
    if (r == title_row) continue;
    if (prev_r >= 0 && r != prev_r + 1) h += "<tr class=\"gap\"><th>&#8942;</th><td colspan=\"" + std::to_string(cols.size() + 4) + "\"></td></tr>\n";
    prev_r = r;
    h += "<tr><th>" + std::to_string(r + 1) + "</th>";
    prev_c = -2;
    for (int c : cols) {
      if (prev_c >= 0 && c != prev_c + 1) h += "<td></td>";
      prev_c = c;
      const xlsx::Cell* cell = s.at(c, r);
      std::string cls;
      if (marked.count({c, r})) cls = "mark";
      else if (context.count({c, r})) cls = "ctx";
      if (cell && cell->kind == xlsx::Cell::Kind::Number) cls += cls.empty() ? "n" : " n";
      h += cls.empty() ? "<td>" : "<td class=\"" + cls + "\">";
      if (cell) h += escape(cell->text);
      h += "</td>";
    }
    h += "</tr>\n";
  }
  h += "</table>\n</body></html>\n";
  return h;
}

}  // namespace rmr
