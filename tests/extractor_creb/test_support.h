// Helpers shared by the creb_reader tests: a tiny PDF writer (Helvetica text at
// given positions), the corpus's reports, and the cell-by-cell comparison
// of a creb::Report against an expected.json document.
#ifndef ANALYTICA_TEST_CREB_SUPPORT_H
#define ANALYTICA_TEST_CREB_SUPPORT_H

#include "support/support.h"
#include "creb_report.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace testsupport {

struct TextItem {
    double x = 0;     // left edge, points
    double top = 0;   // top of the text, points from the top of the page
    double size = 8;  // font size
    std::string text; // ASCII
    bool right_aligned = false;  // x is then the right edge
};

struct PdfPage {
    double width = 612, height = 792;
    std::vector<TextItem> items;
};

struct PdfOptions {
    bool encrypted = false;  // adds a Standard-security /Encrypt whose user password is not empty
};

// A complete, valid PDF (correct xref) with the given pages; zero pages allowed.
std::string make_pdf(const std::vector<PdfPage>& pages, const PdfOptions& opt = {});

// Helvetica advance width of the text (for right alignment).
double text_width(const std::string& text, double size);

using TempDir = ::TempDir;  // tests/support/support.h

// The corpus's creb/*.pdf files that have a .expected.json beside them, sorted
// (none without the corpus: see corpus_dir() in tests/support/support.h).
std::vector<std::string> corpus_reports();

struct Comparison {
    size_t cells = 0;                     // fields compared
    std::vector<std::string> mismatches;  // "report, record key, field, expected, got"
};

// Compares report_month and every field of every city_monthly and district_monthly
// record (records matched by month/property_type[/district]; same count, no extra or
// duplicate records; field names in order).
Comparison compare_with_expected(const nlohmann::json& expected, const creb::Report& got, const std::string& label);

}  // namespace testsupport

#endif
