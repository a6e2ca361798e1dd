// cmhc_synth.cpp — synthetic Rental Market Report workbooks (libxlsxwriter).
#include "cmhc_synth.h"

#include <openssl/evp.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

namespace cmhc_synth {
namespace {

using json = nlohmann::ordered_json;

const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string oct(int year) {  // "Oct-22"
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s-%02d", kMonths[9], year % 100);
  return buf;
}
std::string iso(int year) { return std::to_string(year) + "-10"; }

std::string cell_name(int col, int row) {
  std::string s;
  for (int c = col + 1; c > 0; c = (c - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (c - 1) % 26));
  return s + std::to_string(row + 1);
}

// "1,204" for 1204; "4.1" for 4.1 with one decimal.
std::string printed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (decimals == 0) {
    const bool neg = s[0] == '-';
    std::string digits = neg ? s.substr(1) : s;
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
    s = (neg ? "-" : "") + digits;
  }
  return s;
}

json number_json(double v, int decimals) {
  if (decimals == 0) return json(static_cast<int64_t>(std::llround(v)));
  return json(std::stod(printed(v, decimals)));
}

struct Writer {
  lxw_workbook* wb = nullptr;
  lxw_format* wrap = nullptr;
  lxw_format* dec1 = nullptr;
  lxw_format* int0 = nullptr;
  lxw_format* bold = nullptr;
  const Options& opt;
  std::mt19937 rng;
  json values = json::array(), changes = json::array();

  explicit Writer(const Options& o) : opt(o), rng(o.seed) {}

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }

  void text(lxw_worksheet* ws, int row, int col, const std::string& s, lxw_format* f = nullptr) {
    worksheet_write_string(ws, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col), s.c_str(), f ? f : wrap);
  }

  // A figure as text ("1,204") or as a number with binary noise under a format.
  void figure(lxw_worksheet* ws, int row, int col, double v, int decimals) {
    if (!opt.numeric) {
      text(ws, row, col, printed(v, decimals));
      return;
    }
    // The value a spreadsheet would hold after arithmetic: off in its last bits.
    const double shown = decimals == 0 ? std::round(v) : std::stod(printed(v, decimals));
    const double noisy = shown + (chance(0.5) ? 1 : -1) * std::max(std::fabs(shown), 1.0) * 1e-13;
    worksheet_write_number(ws, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col), noisy,
                           decimals == 0 ? int0 : dec1);
  }
};

std::vector<std::string> centres(const Options& o) {
  return {"Calgary CMA", "Edmonton CMA", "Lethbridge CMA",
          o.line_breaks ? "Grande Prairie\nCounty No. 1 MD" : "Grande Prairie County No. 1 MD", "Red Deer CA",
          "Alberta 10,000+"};
}

std::string collapse(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == ' ') { space = !out.empty(); continue; }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::string> bedrooms(const Options& o, bool total) {
  std::vector<std::string> g = {"Bachelor", "1 Bedroom", "2 Bedroom", o.line_breaks ? "3 Bedroom\n+" : "3 Bedroom +"};
  if (total) g.push_back("Total");
  return g;
}

enum class Measure { Rate, Rent, Units, Change };

struct TableSpec {
  std::string number, title, sheet;
  Measure measure;
  bool reliability, significance;
};

// Writes one sheet: title, groups, periods, centre rows, legend; records
// the expected values and changes.
void write_table(Writer& w, const TableSpec& t) {
  lxw_worksheet* ws = workbook_add_worksheet(w.wb, t.sheet.c_str());
  const Options& o = w.opt;
  const int y = o.survey_year;
  const int title_row = 2 + o.row_offset;
  const int group_row = title_row + 3 + o.row_offset;
  const int period_row = group_row + 1;
  const int first_row = period_row + 1;
  const auto groups = bedrooms(o, true);
  const int values_per_group = 2;
  const int width = 1 + values_per_group * (t.reliability ? 2 : 1) - 1 + (t.significance ? 1 : 0);
  const std::string title = t.number + " " + t.title;
  if (o.merged_title)
    worksheet_merge_range(ws, static_cast<lxw_row_t>(title_row), 0, static_cast<lxw_row_t>(title_row),
                          static_cast<lxw_col_t>(static_cast<int>(groups.size()) * width), title.c_str(), w.bold);
  else
    w.text(ws, title_row, 0, title, w.bold);
  w.text(ws, period_row, 0, "Centre");
  std::vector<std::string> periods;
  if (t.measure == Measure::Change)
    periods = {oct(y - 2) + "\nto\n" + oct(y - 1), oct(y - 1) + "\nto\n" + oct(y)};
  else
    periods = {oct(y - 1), oct(y)};
  const std::vector<std::string> period_keys =
      t.measure == Measure::Change ? std::vector<std::string>{iso(y - 2) + ".." + iso(y - 1), iso(y - 1) + ".." + iso(y)}
                                   : std::vector<std::string>{iso(y - 1), iso(y)};
  const auto names = centres(o);
  for (size_t g = 0; g < groups.size(); ++g) {
    const int c0 = 1 + static_cast<int>(g) * width;
    w.text(ws, group_row, c0, groups[g]);
    for (int p = 0; p < values_per_group; ++p) w.text(ws, period_row, c0 + p * (t.reliability ? 2 : 1), periods[static_cast<size_t>(p)]);
  }
  const int decimals = t.measure == Measure::Rate || t.measure == Measure::Change ? 1 : 0;
  for (size_t r = 0; r < names.size(); ++r) {
    const int row = first_row + static_cast<int>(r);
    w.text(ws, row, 0, names[r]);
    std::vector<std::vector<double>> parts(values_per_group);  // units, for the Total
    std::vector<std::vector<bool>> part_suppressed(values_per_group);
    for (size_t g = 0; g < groups.size(); ++g) {
      const int c0 = 1 + static_cast<int>(g) * width;
      const bool total = groups[g] == "Total";
      bool any_marker = false;
      for (int p = 0; p < values_per_group; ++p) {
        const int col = c0 + p * (t.reliability ? 2 : 1);
        json rec = {{"table", t.number}, {"title", t.title}, {"centre", collapse(names[r])},
                    {"group", collapse(groups[g])}, {"period", period_keys[static_cast<size_t>(p)]},
                    {"value", nullptr}, {"reliability", nullptr}, {"flag", nullptr}, {"cell", cell_name(col, row)}};
        double v = 0;
        std::string marker;
        switch (t.measure) {
          case Measure::Rate: v = w.pick(0, 250) / 10.0; break;
          case Measure::Rent: v = w.pick(650, 2400); break;
          case Measure::Units: v = w.pick(2, 30000); break;
          case Measure::Change: v = w.pick(-60, 95) / 10.0; break;
        }
        if (t.measure == Measure::Units && total) {
          double sum = 0;
          for (size_t k = 0; k < parts[static_cast<size_t>(p)].size(); ++k) sum += parts[static_cast<size_t>(p)][k];
          v = sum + (r == 0 && p == 0 ? o.total_error : 0);
        } else if (t.measure != Measure::Units && w.chance(0.15)) {
          marker = "**";
        } else if (t.measure == Measure::Change && w.chance(0.2)) {
          marker = "++";
        } else if (t.measure == Measure::Rent && r == 2 && g == 0 && p == 0) {
          marker = "n/a";
        }
        if (t.measure == Measure::Units && !total) parts[static_cast<size_t>(p)].push_back(v);
        if (!marker.empty()) {
          any_marker = true;
          w.text(ws, row, col, marker);
          rec["flag"] = marker == "**" ? "suppressed" : marker == "++" ? "not_significant" : "not_applicable";
        } else {
          w.figure(ws, row, col, v, decimals);
          rec["value"] = number_json(v, decimals);
          if (t.reliability) {
            const std::string grade(1, static_cast<char>('a' + w.pick(0, 3)));
            w.text(ws, row, col + 1, grade);
            rec["reliability"] = grade;
          }
        }
        w.values.push_back(rec);
      }
      if (t.significance) {
        const int col = c0 + width - 1;
        json ch = {{"table", t.number}, {"centre", collapse(names[r])}, {"group", collapse(groups[g])},
                   {"from", period_keys[0]}, {"to", period_keys[1]}, {"direction", nullptr},
                   {"cell", cell_name(col, row)}};
        if (!any_marker) {
          static const char* signs[] = {"\xE2\x86\x91", "\xE2\x86\x93", "-", "\xE2\x80\x93"};
          static const char* names_of[] = {"up", "down", "not_significant", "not_significant"};
          const int k = w.pick(0, 3);
          w.text(ws, row, col, signs[k]);
          ch["direction"] = names_of[k];
        }
        w.changes.push_back(ch);
      }
    }
  }
  int row = first_row + static_cast<int>(names.size()) + 2;
  if (t.measure == Measure::Change)
    w.text(ws, first_row + static_cast<int>(names.size()) + 1, 0,
           " * The Percentage Change of Average Rent is a measure of the market movement.");
  if (!o.no_legend) {
    w.text(ws, ++row, 0, "Quality Indicators:");
    w.text(ws, ++row, 0, "a \xE2\x80\x93 Excellent  b \xE2\x80\x93 Very Good  c \xE2\x80\x93 Good  d \xE2\x80\x93 Poor (Use with Caution)");
    w.text(ws, ++row, 0, "** \xE2\x80\x93 Data Suppressed");
    w.text(ws, ++row, 0, "++ \xE2\x80\x93 Change in rent is not statistically significant.");
    w.text(ws, ++row, 0, "n/a \xE2\x80\x93 Data not available");
  }
  row += 2;
  w.text(ws, row, 0, "Source: Rental Market Survey (CMHC)");
}

// 4.1.2: series (condominium / purpose-built) instead of periods, Δ marks a
// significant difference between them.
void write_series_table(Writer& w) {
  lxw_worksheet* ws = workbook_add_worksheet(w.wb, "Table 4.1.2");
  const Options& o = w.opt;
  const int y = o.survey_year;
  const std::string number = "4.1.2";
  const std::string title = "Rental Condominium Apartments and Private Apartments in the RMS, Average Rents ($) by "
                            "Bedroom Type - Alberta (October " + std::to_string(y) + ")";
  const int title_row = 2 + o.row_offset, group_row = title_row + 3, period_row = group_row + 1;
  w.text(ws, title_row, 0, number + " " + title, w.bold);
  w.text(ws, period_row, 0, "Condo Sub Area");
  const auto groups = bedrooms(o, false);
  const std::vector<std::string> series = {"Rental Condo Apts.", "Apts. in the RMS"};
  const auto names = centres(o);
  const int width = 5;
  for (size_t g = 0; g < groups.size(); ++g) {
    const int c0 = 1 + static_cast<int>(g) * width;
    w.text(ws, group_row, c0, groups[g]);
    w.text(ws, period_row, c0, series[0]);
    w.text(ws, period_row, c0 + 2, series[1]);
  }
  for (size_t r = 0; r < 2; ++r) {
    const int row = period_row + 1 + static_cast<int>(r);
    w.text(ws, row, 0, names[r]);
    for (size_t g = 0; g < groups.size(); ++g) {
      const int c0 = 1 + static_cast<int>(g) * width;
      bool suppressed = false;
      for (int s = 0; s < 2; ++s) {
        const int col = c0 + 2 * s;
        json rec = {{"table", number}, {"title", title}, {"centre", collapse(names[r])},
                    {"group", collapse(groups[g]) + " / " + series[static_cast<size_t>(s)]}, {"period", iso(y)},
                    {"value", nullptr}, {"reliability", nullptr}, {"flag", nullptr}, {"cell", cell_name(col, row)}};
        if (g == 3 && s == 0) {
          w.text(ws, row, col, "**");
          rec["flag"] = "suppressed";
          suppressed = true;
        } else {
          const double v = w.pick(700, 2200);
          w.figure(ws, row, col, v, 0);
          rec["value"] = number_json(v, 0);
          const std::string grade(1, static_cast<char>('a' + w.pick(0, 3)));
          w.text(ws, row, col + 1, grade);
          rec["reliability"] = grade;
        }
        w.values.push_back(rec);
      }
      json ch = {{"table", number}, {"centre", collapse(names[r])}, {"group", collapse(groups[g])},
                 {"from", iso(y)}, {"to", iso(y)}, {"direction", nullptr}, {"cell", cell_name(c0 + 4, row)}};
      if (!suppressed) {
        const bool sig = w.chance(0.6);
        w.text(ws, row, c0 + 4, sig ? "\xCE\x94" : "-");
        ch["direction"] = sig ? "significant" : "not_significant";
      }
      w.changes.push_back(ch);
    }
  }
  w.text(ws, period_row + 5, 0, "Source: Rental Market Survey (CMHC)");
}

}  // namespace

std::string sha256_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot be read");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  char buf[65536];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf, static_cast<size_t>(f.gcount()));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &n);
  std::string hex;
  char h[3];
  for (unsigned int i = 0; i < n; ++i) {
    std::snprintf(h, sizeof h, "%02x", md[i]);
    hex += h;
  }
  return hex;
}

nlohmann::json write_workbook(const std::string& path, const Options& o) {
  Writer w(o);
  w.wb = workbook_new(path.c_str());
  if (!w.wb) throw std::runtime_error(path + ": libxlsxwriter cannot create the workbook");
  lxw_doc_properties props{};
  props.author = const_cast<char*>("CMHC-SCHL");
  props.title = const_cast<char*>("Rental Market Survey (synthetic)");
  workbook_set_properties(w.wb, &props);
  w.wrap = workbook_add_format(w.wb);
  format_set_text_wrap(w.wrap);
  w.bold = workbook_add_format(w.wb);
  format_set_bold(w.bold);
  w.dec1 = workbook_add_format(w.wb);
  format_set_num_format(w.dec1, "0.0");
  w.int0 = workbook_add_format(w.wb);
  format_set_num_format(w.int0, "#,##0");
  const std::vector<TableSpec> tables = {
      {"1.1.1", "Private Apartment Vacancy Rates (%), by Bedroom Type - Alberta 10,000+", "Table 1.1.1", Measure::Rate,
       true, true},
      {"1.1.2", "Private Apartment Average Rents ($), by Bedroom Type - Alberta 10,000+", "Table 1.1.2", Measure::Rent,
       true, false},
      {"1.1.3", "Number of Private Apartment Units in the Universe, by Bedroom Type - Alberta 10,000+", "Table 1.1.3",
       Measure::Units, false, false},
      {"1.1.5",
       "Private Apartment Estimate of Percentage Change (%) of Average Rent*, by Bedroom Type - Alberta 10,000+",
       "Table 1.1.5", Measure::Change, true, false},
  };
  if (!o.no_index) {
    lxw_worksheet* index = workbook_add_worksheet(w.wb, "Index");
    w.text(index, 0, 1, "CMHC HOUSING MARKET INFORMATION");
    w.text(index, 1, 1, "Rental Market Survey");
    w.text(index, 2, 1, "Alberta, " + std::to_string(o.survey_year));
    int row = 8;
    for (const auto& t : tables) w.text(index, row += 2, 1, "Table " + t.number + ": " + t.title);
  }
  for (const auto& t : tables) write_table(w, t);
  write_series_table(w);
  const lxw_error err = workbook_close(w.wb);
  if (err != LXW_NO_ERROR) throw std::runtime_error(path + ": libxlsxwriter: " + lxw_strerror(err));
  json out = {{"source_file", std::filesystem::path(path).filename().string()},
              {"sha256", sha256_file(path)},
              {"survey", iso(o.survey_year)},
              {"values", w.values},
              {"changes", w.changes}};
  return nlohmann::json::parse(out.dump());
}

}  // namespace cmhc_synth
