// creb_report.h — geometry-based reader for CREB "Monthly Statistics Package" PDFs.
//
// Reads the "City of Calgary" monthly tables (one per property type) and the
// "Calgary Districts" table of a report from poppler's positioned words. Pages
// and tables are found by their titles, header texts and row labels, never by
// page number or fixed coordinates. Every cell carries its provenance (page,
// bounding box, confidence). Independent of the plugin ABI: no output to
// stdout/stderr, errors are thrown as creb::Error.
#ifndef ANALYTICA_CREB_REPORT_H
#define ANALYTICA_CREB_REPORT_H

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace creb {

// PDF points on the page, origin top-left (poppler's text_box bbox).
struct Box {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// One printed number or label.
struct Cell {
    enum class Kind { Null, Int, Real, Text } kind = Kind::Null;
    long long i = 0;
    double d = 0;
    std::string text;         // Text: the value; Int/Real/Null: the printed text ("" when blank)
    int page = 0;             // 1-based page number
    Box box;                  // the cell's bounding box on that page (blank cell: row x column area)
    double confidence = 0;    // 0..1; 1 = read unambiguously by geometry
};

struct Field {
    std::string name;
    Cell cell;
};

// Fields in the order and with the names of the *.expected.json records.
struct Record {
    std::vector<Field> fields;
    const Cell* find(const std::string& name) const;
};

// How the reader found the table pages (for logs and benchmarks). A page is
// "read" when all its words were extracted, "probed" when only its first words
// (its title) were, to decide whether to read it.
struct ReadStats {
    int page_count = 0;          // pages in the document
    int pages_read = 0;          // pages whose every word was extracted
    int hinted_pages = 0;        // pages read first because the caller's hint named them
    int hint_hits = 0;           // tables confirmed (by title and table) on hinted pages
    int probed_pages = 0;        // pages whose title was read to decide whether to read them
    int probe_hits = 0;          // tables confirmed on pages read because their title announced one
    bool scanned = false;        // hint and titles fell short: pages were read whole, in order
    int scan_pages = 0;          // pages read by that scan
};

struct Report {
    std::string report_month;                    // "YYYY-MM"
    std::vector<Record> city_monthly, district_monthly;
    std::vector<std::string> warnings;           // human-readable, non-fatal doubts
    std::vector<int> table_pages;                // 1-based pages the tables were read from, ascending
    ReadStats stats;
};

// Largest file read_report() accepts by default (the real reports are a few MB).
constexpr std::uint64_t kDefaultMaxFileBytes = 256ull << 20;

struct ReadOptions {
    // Files larger than this are refused before anything is read.
    std::uint64_t max_file_bytes = kDefaultMaxFileBytes;
    // Pages (1-based) to read first: where the tables of the previous report of the
    // same layout were found (Report::table_pages). Each is accepted only when its
    // title and table confirm it; whatever they miss is found by the titles of the
    // other pages.
    std::vector<int> hint_pages;
    // How many characters of a page are read to find its title, before deciding to
    // read the page whole (about twice the longest title). 0 reads no titles: every
    // page not hinted is read whole, in order, until all tables are found.
    int title_chars = 120;
};

// message = "<file>: <reason>"
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Reads one report. Throws creb::Error when the file is not a readable PDF, is
// encrypted, has no pages, is not a CREB package, or a required table is missing.
// A file larger than options.max_file_bytes is refused by its size, before it is read.
// The document is read from the file as poppler needs it, never loaded whole.
Report read_report(const std::string& path, const ReadOptions& options = {});

// Same, from the file's bytes; display_name is used in error messages.
Report read_report_from_memory(const std::string& bytes, const std::string& display_name,
                               const ReadOptions& options = {});

// Exactly the shape of *.expected.json: report_month, city_monthly, district_monthly.
// With provenance, each record gets an extra "_provenance" object, and the top level a
// "warnings" array:
//   { "<field>": {"page": p, "bbox": [x0,y0,x1,y1], "confidence": c}, ... }
nlohmann::json to_expected_json(const Report& report, bool with_provenance);

// Field names, in output order.
const std::vector<std::string>& city_field_names();
const std::vector<std::string>& district_field_names();

}  // namespace creb

#endif
