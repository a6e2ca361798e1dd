// creb_synth: writes synthetic CREB-like "Monthly Statistics Package" PDFs with
// invented, internally consistent numbers, plus the matching .expected.json
// (same shape as the corpus files). Used by tests and for demo sample data.
#ifndef ANALYTICA_TOOLS_CREB_SYNTH_CREB_SYNTH_H
#define ANALYTICA_TOOLS_CREB_SYNTH_CREB_SYNTH_H

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace creb_synth {

// Layout drift relative to the baseline edition. Flags; combine with |.
enum class Drift : unsigned {
    None = 0,
    ShiftColumns = 1u << 0,  // table columns at other x positions/spacing, headers wrapped differently
    ExtraRow = 1u << 1,      // an unrelated row inserted into each table
    MovedPage = 1u << 2,     // extra page up front; district table moved behind the city pages
    All = (1u << 0) | (1u << 1) | (1u << 2),
};
constexpr Drift operator|(Drift a, Drift b) {
    return static_cast<Drift>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has(Drift set, Drift flag) {
    return (static_cast<unsigned>(set) & static_cast<unsigned>(flag)) != 0;
}

// The hidden date row printed under each year label of the city tables.
enum class DateRow { Auto, Dates, Hashes };  // Auto: chosen from seed and month

// Property types as spelled in the expected JSON.
const std::vector<std::string>& city_property_types();      // Total, Detached, Apartment, Semi-detached, Row
const std::vector<std::string>& district_property_types();  // Detached, Apartment, Semi-detached, Row
const std::vector<std::string>& districts();                // City Centre ... East, TOTAL CITY

// The rows of the "City of Calgary" tables in printed order (the extra-row drift
// inserts one more): the label as printed and the expected-JSON field it holds.
struct CityTableRow {
    std::string label;
    std::string field;
};
const std::vector<CityTableRow>& city_table_rows();

using Int = std::optional<long long>;    // nullopt = printed as "-" / null
using Cents = std::optional<long long>;  // 2-decimal value in hundredths (57.77% -> 5777)

struct CityMonth {
    std::string month;  // YYYY-MM
    Int sales, new_listings, inventory, days_on_market;
    Int benchmark_price, median_price, average_price, index;
};
struct CitySeries {
    std::string property_type;     // JSON spelling ("Semi-detached")
    std::vector<CityMonth> months;  // previous year Jan..Dec, then current year Jan..report month
};
struct DistrictRow {
    std::string district;
    Int sales, new_listings;
    Cents ratio_pct;
    Int inventory;
    Cents months_of_supply;
    Int benchmark_price;
    Cents yoy_pct, mom_pct;
};
struct DistrictBlock {
    std::string property_type;
    std::vector<DistrictRow> rows;  // 8 districts then TOTAL CITY
};
struct Report {
    std::string report_month;  // YYYY-MM
    int year = 0;
    int month = 0;  // 1..12
    std::vector<CitySeries> city;         // city_property_types() order
    std::vector<DistrictBlock> districts;  // district_property_types() order
};

struct Options {
    std::string report_month = "2024-01";  // YYYY-MM
    unsigned seed = 1;
    Drift drift = Drift::None;
    DateRow date_row = DateRow::Auto;
    // Plant values after generation (no re-derivation, so a validator can be
    // shown an inconsistency). Keys:
    //   "city_monthly/<type>/<YYYY-MM>/<field>"      e.g. "city_monthly/Total/2024-03/sales"
    //   "district_monthly/<type>/<district>/<field>" e.g. "district_monthly/Detached/North/sales"
    // Fields are the expected-JSON field names; percent and months_of_supply
    // values are rounded to 2 decimals, others to integers; NaN blanks the cell
    // ("-" printed, null expected). Unknown keys throw std::invalid_argument.
    std::map<std::string, double> overrides;
    // Optional hook on the model, run after overrides and before layout. It may
    // change values (including to nullopt) but not the series, months, blocks
    // or rows (std::invalid_argument otherwise).
    std::function<void(Report&)> mutate;
};

// Where a value of the expected records was drawn. Coordinates are poppler's:
// origin top-left of the page, y down, points.
struct Placement {
    std::string key;   // "city_monthly/Total/2024-03/sales", "district_monthly/Row/East/inventory"
    std::string text;  // exactly as printed ("$1,012,300", "57.77%", "-")
    int page = 0;      // 0-based
    double x = 0;      // left edge of the text
    double baseline = 0;
    double width = 0;
    double font_size = 0;
};

struct Rendered {
    std::string file_name;  // MM_YYYY_Calgary_Monthly_Stats_Package.pdf
    std::string pdf;        // the file's bytes
    nlohmann::json expected;
    std::vector<Placement> placements;
    int page_count = 0;
    Report report;
};

struct Written {
    std::string pdf_path, expected_path;
    nlohmann::json expected;
};

// The numbers only (overrides and mutate applied). Throws std::invalid_argument.
Report generate_model(const Options& opt);
// Model + layout + PDF bytes + expected records, in memory.
Rendered render_report(const Options& opt);
// render_report() and write DIR/<file_name> and DIR/<stem>.expected.json
// (creates DIR if needed). Throws std::runtime_error on I/O errors.
Written write_report(const std::string& out_dir, const Options& opt);

// The expected-JSON document for a model (sha256 of `pdf_bytes`).
nlohmann::json expected_json(const Report& r, const std::string& file_name,
                             const std::string& pdf_bytes, const std::vector<std::string>& notes);

// Helpers shared with the CLI.
std::string file_stem(const std::string& report_month);  // "03_2024_Calgary_Monthly_Stats_Package"
std::vector<std::string> parse_months(const std::string& spec);  // "2024-01..2024-12" or "2024-03"
Drift parse_drift(const std::string& spec);  // none|shift-columns|extra-row|moved-page|all, comma list
std::string drift_name(Drift d);
std::string sha256_hex(const std::string& bytes);

}  // namespace creb_synth

#endif  // ANALYTICA_TOOLS_CREB_SYNTH_CREB_SYNTH_H
