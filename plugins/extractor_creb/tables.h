// tables.h — finding and reading the CREB tables on one page by geometry.
#ifndef ANALYTICA_CREB_TABLES_H
#define ANALYTICA_CREB_TABLES_H

#include "creb_report.h"
#include "text_layout.h"

#include <optional>
#include <string>
#include <vector>

namespace creb {

// What the title block (top of the page) says.
struct PageTitle {
    bool city = false;       // "City of Calgary"
    bool districts = false;  // "Calgary Districts"
    std::string property_type;  // canonical ("Total", "Detached", ...) when a type line is present
    Box type_box;
    std::string month;  // "YYYY-MM" from e.g. "Feb. 2025", if present
    Box month_box;
};

PageTitle read_title(const PageText& page);

// Canonical city property types in output order.
const std::vector<std::string>& city_property_types();

struct CityTable {
    std::string property_type;
    int page = 0;
    std::vector<Record> records;  // months ascending
    std::string last_month;       // latest month with values ("YYYY-MM")
    std::vector<std::string> warnings;
};

// The monthly table of a "City of Calgary <type>" page: a row of month names, year
// blocks (a year label followed by labelled metric rows). nullopt when the page has
// no such table (chart pages repeating the title, for instance).
std::optional<CityTable> read_city_table(const PageText& page, const std::string& property_type,
                                         const Box& type_box);

struct DistrictTable {
    int page = 0;
    std::string month;  // from the table's corner header ("February 2025"), "" if absent
    Box month_box;
    std::vector<Record> records;  // sections and districts in printed order; month filled in later
    std::vector<std::string> warnings;
    std::string failure;  // non-empty: district rows found but the table cannot be read (no records)
};

// The "Calgary Districts" table: property-type section labels, district rows, and
// column headers matched by text. nullopt when the page has no district rows.
std::optional<DistrictTable> read_district_table(const PageText& page);

}  // namespace creb

#endif
