// rmr.cpp — table sheets of CMHC Rental Market Report workbooks, by structure.
#include "rmr.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <map>
#include <regex>
#include <set>

namespace rmr {
namespace {

using xlsx::Cell;
using xlsx::Sheet;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// Replaces the dashes and minus signs people type with '-'.
std::string ascii_dashes(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    // U+2010..U+2015 (E2 80 90..95) and U+2212 (E2 88 92)
    if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xE2 &&
        ((static_cast<unsigned char>(s[i + 1]) == 0x80 && static_cast<unsigned char>(s[i + 2]) >= 0x90 &&
          static_cast<unsigned char>(s[i + 2]) <= 0x95) ||
         (static_cast<unsigned char>(s[i + 1]) == 0x88 && static_cast<unsigned char>(s[i + 2]) == 0x92))) {
      out += '-';
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

int month_of(const std::string& name) {
  static const char* names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() < 3) return 0;
  const std::string l = lower(name);
  for (int i = 0; i < 12; ++i)
    if (starts_with(l, names[i])) {
      // the rest must continue the month's name ("oct", "october", "sept")
      static const char* full[] = {"january", "february", "march", "april", "may", "june",
                                   "july", "august", "september", "october", "november", "december"};
      const std::string f = full[i];
      if (starts_with(f, l) || l == "sept") return i + 1;
    }
  return 0;
}

std::optional<std::string> single_period(const std::string& t) {
  static const std::regex named(R"(^([A-Za-z]{3,9})\.?[-\s/]?'?(\d{2}|\d{4})$)");
  static const std::regex iso(R"(^(\d{4})-(\d{1,2})(-\d{1,2})?$)");
  std::smatch m;
  int year = 0, month = 0;
  if (std::regex_match(t, m, named)) {
    month = month_of(m[1].str());
    year = std::atoi(m[2].str().c_str());
    if (m[2].length() == 2) year += year < 70 ? 2000 : 1900;
  } else if (std::regex_match(t, m, iso)) {
    year = std::atoi(m[1].str().c_str());
    month = std::atoi(m[2].str().c_str());
  }
  if (month < 1 || month > 12 || year < 1900) return std::nullopt;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  return std::string(buf);
}

// The end of a period ("2019-10..2020-10" -> "2020-10").
std::string period_end(const std::string& p) {
  const size_t dots = p.find("..");
  return dots == std::string::npos ? p : p.substr(dots + 2);
}
std::string period_start(const std::string& p) {
  const size_t dots = p.find("..");
  return dots == std::string::npos ? p : p.substr(0, dots);
}

// ---------------------------------------------------------------- legend

struct Legend {
  std::map<std::string, std::string> markers;  // lower-case marker -> flag
  std::set<std::string> grades{"a", "b", "c", "d"};
  bool found = false;
};

std::string flag_for_meaning(const std::string& meaning) {
  const std::string m = lower(meaning);
  if (m.find("suppress") != std::string::npos || m.find("confidential") != std::string::npos) return "suppressed";
  if (m.find("not statistically significant") != std::string::npos || m.find("not significant") != std::string::npos)
    return "not_significant";
  if (m.find("not available") != std::string::npos || m.find("not applicable") != std::string::npos ||
      m.find("no units") != std::string::npos)
    return "not_applicable";
  return "";
}

// Reads "<marker> – <meaning>" lines in the rows from `from` down, over
// the built-in defaults.
Legend read_legend(const Sheet& s, int from) {
  Legend L;
  L.markers = {{"**", "suppressed"}, {"++", "not_significant"}, {"n/a", "not_applicable"},
               {"na", "not_applicable"}, {"-", "not_applicable"}, {"x", "suppressed"}};
  static const std::regex line(R"(^(\S{1,4})\s+-\s+(.+)$)");
  static const std::regex grade(R"((?:^|\s)([a-z])\s+-\s+)");
  for (const auto& [rc, cell] : s.cells) {
    if (rc.first < from || cell.kind != Cell::Kind::Text) continue;
    const std::string t = ascii_dashes(xlsx::collapse(cell.text));
    if (lower(t).find("quality indicators") != std::string::npos) L.found = true;
    std::smatch m;
    if (std::regex_match(t, m, line)) {
      const std::string marker = lower(m[1].str());
      if (marker.size() == 1 && std::isalpha(static_cast<unsigned char>(marker[0]))) {
        // "a – Excellent  b – Very Good ...": the grades
        for (std::sregex_iterator it(t.begin(), t.end(), grade), end; it != end; ++it) L.grades.insert((*it)[1].str());
        L.found = true;
        continue;
      }
      const std::string flag = flag_for_meaning(m[2].str());
      if (!flag.empty()) {
        L.markers[marker] = flag;
        L.found = true;
      }
    }
  }
  return L;
}

// ------------------------------------------------------------ directions

// "" when blank; nullopt when the text is no direction marker.
std::optional<std::string> direction_of(const std::string& raw) {
  const std::string t = xlsx::collapse(raw);
  if (t.empty()) return std::string();
  if (t == "\xE2\x86\x91" || t == "\xE2\x87\x91" || t == "\xE2\x96\xB2") return std::string("up");    // ↑ ⇑ ▲
  if (t == "\xE2\x86\x93" || t == "\xE2\x87\x93" || t == "\xE2\x96\xBC") return std::string("down");  // ↓ ⇓ ▼
  if (t == "\xCE\x94" || t == "\xE2\x88\x86") return std::string("significant");                     // Δ ∆
  const std::string a = ascii_dashes(t);
  if (a.find_first_not_of('-') == std::string::npos || a == "++") return std::string("not_significant");
  return std::nullopt;
}

bool is_grade(const Legend& L, const std::string& t) { return L.grades.count(lower(t)) > 0; }

// ----------------------------------------------------------------- tables

struct TableRead {
  std::vector<Value> values;
  std::vector<Change> changes;
  Layout layout;
  std::string title_period;  // from "(October 2022)" in the title, if any
  std::vector<std::string> periods;
  std::vector<std::string> warnings;
};

struct Title {
  int row = -1, col = -1;
  std::string number, text;
};

std::optional<Title> title_of(const Sheet& s) {
  static const std::regex numbered(R"(^(?:table\s+)?(\d+(?:\.\d+){1,3})\.?\s*[:\-]?\s+(\S.*)$)", std::regex::icase);
  int rows_seen = 0, last_row = -1;
  std::optional<Title> found;
  int numbered_cells = 0;
  for (const auto& [rc, cell] : s.cells) {
    if (cell.kind == Cell::Kind::Empty) continue;
    if (rc.first != last_row) {
      last_row = rc.first;
      if (++rows_seen > 60) break;
    }
    if (cell.kind != Cell::Kind::Text) continue;
    // Cheap test first: a numbered title starts with a digit or "Table".
    const size_t first = cell.text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos ||
        !(std::isdigit(static_cast<unsigned char>(cell.text[first])) || cell.text[first] == 'T' || cell.text[first] == 't'))
      continue;
    std::smatch m;
    const std::string t = ascii_dashes(xlsx::collapse(cell.text));
    if (std::regex_match(t, m, numbered)) {
      ++numbered_cells;
      if (!found && rows_seen <= 5) found = Title{rc.first, rc.second, m[1].str(), m[2].str()};
    }
  }
  if (numbered_cells > 1) return std::nullopt;  // a contents sheet lists many tables
  return found;
}

bool row_has_cells(const Sheet& s, int row) {
  auto it = s.cells.lower_bound({row, 0});
  for (; it != s.cells.end() && it->first.first == row; ++it)
    if (it->second.kind != Cell::Kind::Empty) return true;
  return false;
}

// Non-empty cells of a row, left to right, from column `from`.
std::vector<int> row_columns(const Sheet& s, int row, int from = 0) {
  std::vector<int> cols;
  for (auto it = s.cells.lower_bound({row, from}); it != s.cells.end() && it->first.first == row; ++it)
    if (it->second.kind != Cell::Kind::Empty) cols.push_back(it->first.second);
  return cols;
}

bool is_legend_start(const std::string& label) {
  const std::string l = lower(ascii_dashes(label));
  static const std::regex marker_line(R"(^(\*\*|\+\+|n/a|-|x)\s+-\s+.*)");
  return starts_with(l, "quality indicator") || starts_with(l, "source") || starts_with(l, "\xC2\xA9") ||
         starts_with(l, "*") || starts_with(l, "note") || starts_with(l, "legend") ||
         std::regex_match(l, marker_line);
}

TableRead read_table(const Sheet& s, const Title& title) {
  TableRead out;
  const std::string where = "sheet '" + s.name + "'";
  Layout& lay = out.layout;
  lay.table = title.number;
  lay.sheet = s.index;
  lay.sheet_name = s.name;
  lay.title_row = title.row;

  static const std::regex dated(R"(\(\s*([A-Za-z]+\.?\s+\d{4})\s*\)\s*$)");
  std::smatch dm;
  if (std::regex_search(title.text, dm, dated))
    if (auto p = single_period(xlsx::collapse(dm[1].str()))) out.title_period = *p;

  // The period row: the first row under the title with a period heading.
  int period_row = -1;
  for (int r = title.row + 1; r <= s.max_row && period_row < 0; ++r)
    for (int c : row_columns(s, r))
      if (parse_period(s.text(c, r))) { period_row = r; break; }
  int group_row = -1;
  bool series = false;
  if (period_row >= 0) {
    for (int r = period_row - 1; r > title.row; --r)
      if (row_has_cells(s, r)) { group_row = r; break; }
  } else {
    // Series instead of periods (4.1.2): the two rows under the title.
    series = true;
    for (int r = title.row + 1; r <= s.max_row; ++r)
      if (row_has_cells(s, r)) {
        if (group_row < 0) group_row = r;
        else { period_row = r; break; }
      }
  }
  if (group_row < 0 || period_row < 0)
    throw Error(where + " (table " + title.number + ") is cut short: no header rows of groups and periods under its title");
  lay.group_row = group_row;
  lay.period_row = period_row;

  // The label column: where the rows under the headers start.
  int label_col = -1, seen = 0;
  for (int r = period_row + 1; r <= s.max_row && seen < 3; ++r) {
    const auto cols = row_columns(s, r);
    if (cols.empty()) continue;
    ++seen;
    label_col = label_col < 0 ? cols.front() : std::min(label_col, cols.front());
  }
  if (label_col < 0)
    throw Error(where + " (table " + title.number + ") is cut short: no centre rows under its headers");
  lay.label_col = label_col;

  // Centre rows: a label and cells beside it, until the legend.
  std::vector<int> rows;
  for (int r = period_row + 1; r <= s.max_row; ++r) {
    const std::string label = s.text(label_col, r);
    if (label.empty()) continue;
    if (is_legend_start(label)) break;
    if (row_columns(s, r, label_col + 1).empty()) continue;
    rows.push_back(r);
  }
  if (rows.empty())
    throw Error(where + " (table " + title.number + ") is cut short: no centre rows under its headers");
  lay.first_row = rows.front();
  lay.last_row = rows.back();
  const Legend legend = read_legend(s, rows.back() + 1);

  // Groups and their spans.
  std::vector<int> group_cols;
  for (int c : row_columns(s, group_row, label_col + 1)) group_cols.push_back(c);
  if (group_cols.empty())
    throw Error(where + " (table " + title.number + "): no column groups in its header row");
  int last_col = -1;
  for (const auto& [rc, cell] : s.cells)
    if (rc.first >= group_row && rc.first <= rows.back()) last_col = std::max(last_col, rc.second);
  for (const auto& m : s.merges)
    if (m.row0 == group_row && m.col0 == group_cols.back()) last_col = std::max(last_col, m.col1);
  std::vector<std::pair<int, int>> spans;
  for (size_t g = 0; g < group_cols.size(); ++g) {
    int end = g + 1 < group_cols.size() ? group_cols[g + 1] - 1 : last_col;
    for (const auto& m : s.merges)
      if (m.row0 == group_row && m.col0 == group_cols[g] && g + 1 == group_cols.size()) end = std::max(end, m.col1);
    spans.emplace_back(group_cols[g], end);
  }
  // The last group is as wide as the others when they all agree (its
  // trailing columns may be blank in every row).
  if (spans.size() >= 2) {
    const int width = spans[0].second - spans[0].first;
    bool same = true;
    for (size_t g = 0; g + 1 < spans.size(); ++g) same = same && spans[g].second - spans[g].first == width;
    if (same && spans.back().second - spans.back().first < width) spans.back().second = spans.back().first + width;
  }
  lay.last_col = std::max(last_col, spans.back().second);

  // Per group: value columns (a period or series heading), then the other
  // columns by what their cells hold: grades a-d after a value are its
  // reliability; arrows, dashes and deltas after the last value are the
  // group's significance. A column blank in every row takes the kind the
  // same position has in the other groups of the table, else its position's.
  enum Kind { None, Grade, Sign, Blank };
  struct GroupCols {
    std::vector<int> value_cols;
    std::map<int, std::string> period_of, series_of;
    std::map<int, Kind> kind_of;
  };
  std::vector<GroupCols> groups(spans.size());
  for (size_t g = 0; g < spans.size(); ++g) {
    const auto [c0, c1] = spans[g];
    GroupCols& gc = groups[g];
    for (int c = c0; c <= c1; ++c) {
      const std::string head = s.text(c, period_row);
      if (head.empty()) continue;
      if (!series) {
        if (auto p = parse_period(head)) {
          gc.value_cols.push_back(c);
          gc.period_of[c] = *p;
          out.periods.push_back(*p);
        }
      } else {
        gc.value_cols.push_back(c);
        gc.series_of[c] = head;
      }
    }
    for (int c = c0; c <= c1; ++c) {
      if (gc.period_of.count(c) || gc.series_of.count(c)) continue;
      size_t grades = 0, directions = 0, other = 0;
      for (int r : rows) {
        const std::string t = s.text(c, r);
        if (t.empty()) continue;
        if (is_grade(legend, t)) ++grades;
        else if (auto d = direction_of(t); d && !d->empty()) ++directions;
        else ++other;
      }
      Kind k = None;
      if (!grades && !directions && !other) k = Blank;
      else if (grades > directions + other) k = Grade;
      else if (directions > grades + other) k = Sign;
      gc.kind_of[c] = k;
    }
  }
  for (size_t g = 0; g < spans.size(); ++g) {
    const auto [c0, c1] = spans[g];
    GroupCols& gc = groups[g];
    const std::vector<int>& value_cols = gc.value_cols;
    if (value_cols.empty()) continue;
    const std::string group = s.text(group_cols[g], group_row);
    auto is_value = [&](int c) { return std::find(value_cols.begin(), value_cols.end(), c) != value_cols.end(); };
    std::map<int, int> reliability_of;  // value column -> its grade column
    int significance = -1;
    for (auto& [c, k] : gc.kind_of) {
      const bool after_value = is_value(c - 1), after_last = c > value_cols.back();
      if (k == Blank) {
        // The same position in another group of the same shape.
        for (size_t o = 0; o < spans.size() && k == Blank; ++o) {
          if (o == g || spans[o].second - spans[o].first != c1 - c0) continue;
          auto it = groups[o].kind_of.find(spans[o].first + (c - c0));
          if (it != groups[o].kind_of.end() && (it->second == Grade || it->second == Sign)) k = it->second;
        }
      }
      if (k == Blank) {
        if (after_value && !(after_last && c == c1 && value_cols.size() > 1)) k = Grade;
        else if (after_last) k = Sign;
      }
      if (k == Grade && after_value) reliability_of[c - 1] = c;
      else if (k == Sign && after_last) significance = c;
    }
    auto& period_of = gc.period_of;
    auto& series_of = gc.series_of;
    for (int r : rows) {
      const std::string centre = s.text(label_col, r);
      for (int c : value_cols) {
        Value v;
        v.table = title.number;
        v.title = title.text;
        v.centre = centre;
        v.sheet_name = s.name;
        if (series) {
          v.group = group + " / " + series_of[c];
          v.period = out.title_period;  // filled with the survey later when empty
        } else {
          v.group = group;
          v.period = period_of[c];
        }
        v.cell = xlsx::cell_name(c, r);
        v.at = {s.index, c, r};
        v.centre_at = {s.index, label_col, r};
        v.group_at = {s.index, group_cols[g], group_row};
        v.period_at = {s.index, c, period_row};
        const std::string t = s.text(c, r);
        if (!t.empty()) {
          auto m = legend.markers.find(lower(ascii_dashes(t)));
          if (m != legend.markers.end()) {
            v.flag = m->second;
          } else if (auto x = parse_number(t)) {
            v.value = x;
          } else {
            // Kept as a blank figure, and said: another edition may use a
            // marker this reader does not know.
            out.warnings.push_back(where + " cell " + v.cell + ": \"" + t +
                                   "\" is neither a figure nor a marker of its legend; read as blank");
          }
        }
        if (auto rel = reliability_of.find(c); rel != reliability_of.end()) {
          const std::string grade = lower(s.text(rel->second, r));
          if (is_grade(legend, grade)) {
            v.reliability = grade;
            v.reliability_at = {s.index, rel->second, r};
          }
        }
        out.values.push_back(std::move(v));
      }
      if (significance >= 0) {
        Change ch;
        ch.table = title.number;
        ch.centre = centre;
        ch.group = group;
        ch.sheet_name = s.name;
        if (series) {
          ch.from = ch.to = out.title_period;
        } else {
          ch.from = period_start(period_of[value_cols.front()]);
          ch.to = period_end(period_of[value_cols.back()]);
        }
        ch.cell = xlsx::cell_name(significance, r);
        ch.at = {s.index, significance, r};
        ch.centre_at = {s.index, label_col, r};
        ch.group_at = {s.index, group_cols[g], group_row};
        const std::string t = s.text(significance, r);
        auto d = direction_of(t);
        if (!d) out.warnings.push_back(where + " cell " + ch.cell + ": \"" + t + "\" is not a direction of change; read as blank");
        ch.direction = d ? *d : std::string();
        out.changes.push_back(std::move(ch));
      }
    }
  }
  if (!title.text.empty() && out.title_period.empty() && series)
    out.title_period = "";  // the survey's period is used (see read_workbook)
  return out;
}

bool mentions_publisher(const std::string& text) {
  const std::string l = lower(text);
  return l.find("cmhc") != std::string::npos || l.find("canada mortgage and housing") != std::string::npos ||
         l.find("schl") != std::string::npos || l.find("rental market survey") != std::string::npos;
}

}  // namespace

std::optional<std::string> parse_period(const std::string& text) {
  const std::string t = ascii_dashes(xlsx::collapse(text));
  if (t.empty() || t.size() > 40) return std::nullopt;
  if (auto p = single_period(t)) return p;
  // A bare year: the Rental Market Survey is taken in October.
  static const std::regex year(R"(^(19|20)\d\d$)");
  if (std::regex_match(t, year)) return t + "-10";
  // "Oct-19 to Oct-20" (the line breaks collapsed), "Oct-19..Oct-20", "Oct-19 - Oct-20"
  for (const char* sep : {" to ", " To ", " TO ", "..", " - "}) {
    const size_t at = t.find(sep);
    if (at == std::string::npos) continue;
    auto a = single_period(t.substr(0, at));
    std::string rest = t.substr(at + std::strlen(sep));
    while (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
    auto b = single_period(rest);
    if (a && b) return *a + ".." + *b;
  }
  return std::nullopt;
}

std::optional<double> parse_number(const std::string& text) {
  std::string t;
  const std::string a = ascii_dashes(xlsx::collapse(text));
  bool negative = false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char c = a[i];
    if (c == ',' || c == ' ' || c == '$' || c == '%') continue;
    if (c == '(' && i == 0) { negative = true; continue; }
    if (c == ')' && negative && i + 1 == a.size()) continue;
    t += c;
  }
  if (t.empty() || t.find_first_of("0123456789") == std::string::npos) return std::nullopt;
  for (char c : t)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+')) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return negative ? -d : d;
}

Report read_workbook(const xlsx::Workbook& wb) {
  Report report;
  bool publisher = mentions_publisher(wb.core_creator);
  for (const auto& s : wb.strings) publisher = publisher || mentions_publisher(s);
  for (const auto& sheet : wb.sheets)
    for (const auto& [rc, cell] : sheet.cells) {
      if (publisher) break;
      if (cell.kind == Cell::Kind::Text) publisher = mentions_publisher(cell.text);
    }
  if (!publisher)
    throw Error("not a CMHC Rental Market Report workbook (no mention of CMHC or its Rental Market Survey)");

  std::vector<TableRead> tables;
  for (const auto& sheet : wb.sheets) {
    auto title = title_of(sheet);
    if (!title) {
      // A title without its number on a sheet named for the table.
      static const std::regex named(R"(^\s*table\s*(\d+(?:\.\d+){1,3})\s*$)", std::regex::icase);
      std::smatch m;
      if (std::regex_match(sheet.name, m, named))
        for (const auto& [rc, cell] : sheet.cells)
          if (cell.kind == Cell::Kind::Text && !xlsx::collapse(cell.text).empty()) {
            const std::string text = xlsx::collapse(cell.text);
            if (!parse_period(text) && !mentions_publisher(text)) title = Title{rc.first, rc.second, m[1].str(), text};
            break;
          }
    }
    if (!title) continue;
    tables.push_back(read_table(sheet, *title));
  }
  if (tables.empty())
    throw Error("a CMHC workbook without table sheets (a numbered title over headers of groups and periods)");
  for (const auto& t : tables) {
    report.warnings.insert(report.warnings.end(), t.warnings.begin(), t.warnings.end());
    for (const auto& p : t.periods) report.survey = std::max(report.survey, period_end(p));
    report.survey = std::max(report.survey, t.title_period);
  }
  if (report.survey.empty()) throw Error("no survey period (Oct-YY) in any table header");
  std::set<std::string> keys;
  for (auto& t : tables) {
    for (auto& v : t.values) {
      if (v.period.empty()) v.period = report.survey;
      if (!keys.insert(v.table + "|" + v.centre + "|" + v.group + "|" + v.period).second)
        report.warnings.push_back("sheet '" + v.sheet_name + "' cell " + v.cell + ": " + v.centre + " / " + v.group +
                                  " / " + v.period + " appears twice in table " + v.table + "; the later cell is kept");
      report.values.push_back(std::move(v));
    }
    for (auto& c : t.changes) {
      if (c.from.empty()) c.from = report.survey;
      if (c.to.empty()) c.to = report.survey;
      report.changes.push_back(std::move(c));
    }
    report.layouts.push_back(t.layout);
  }
  return report;
}

Report read_report(const std::string& path, const xlsx::Limits& limits) {
  try {
    return read_workbook(xlsx::read_workbook(path, limits));
  } catch (const xlsx::Error& e) {
    throw Error(path + ": " + e.what());
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace rmr
