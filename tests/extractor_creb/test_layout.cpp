// Geometry tests on small hand-built CREB-like PDFs (invented numbers) and unit tests
// of the number and word layers. These run without the corpus.
#include "creb_report.h"
#include "creb_synth/creb_synth.h"
#include "numbers.h"
#include "test_support.h"
#include "text_layout.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <random>

using testsupport::PdfPage;
using testsupport::TextItem;

// ---------------------------------------------------------------- unit tests

TEST_CASE("numbers: printed values", "[unit]") {
    using creb::parse_value;
    using creb::ParsedValue;
    using creb::ValueType;
    auto ok_int = [](const std::string& s, long long v) {
        auto p = parse_value(s, ValueType::Int);
        INFO(s);
        CHECK(p.status == ParsedValue::Status::Ok);
        CHECK(p.i == v);
    };
    auto ok_real = [](const std::string& s, double v) {
        auto p = parse_value(s, ValueType::Real);
        INFO(s);
        CHECK(p.status == ParsedValue::Status::Ok);
        CHECK(p.d == v);
    };
    auto bad = [](const std::string& s, ValueType t) {
        INFO(s);
        CHECK(parse_value(s, t).status == ParsedValue::Status::Bad);
    };
    auto null = [](const std::string& s, ValueType t) {
        INFO(s);
        CHECK(parse_value(s, t).status == ParsedValue::Status::Null);
    };
    ok_int("1,234", 1234);
    ok_int("$456,700", 456700);
    ok_int("$1,234,500", 1234500);
    ok_int("34", 34);
    ok_int("4321", 4321);
    ok_real("61.53%", 61.53);
    ok_real("212.34%", 212.34);
    ok_real("-0.40%", -0.40);
    ok_real("\xE2\x88\x92" "1.25%", -1.25);  // U+2212 minus
    ok_real("8.00", 8.0);
    ok_real("0.90", 0.9);
    null("-", ValueType::Int);
    null("", ValueType::Real);
    null("\xE2\x80\x93", ValueType::Int);  // en dash
    bad("########", ValueType::Int);
    bad("01/01/24", ValueType::Int);
    bad("1,64", ValueType::Int);
    bad("12,3456", ValueType::Int);
    bad("3.5", ValueType::Int);
    bad("61.53%", ValueType::Int);
    bad("n/a", ValueType::Real);
    bad("1.", ValueType::Real);
    CHECK(creb::parse_year("2024") == 2024);
    CHECK(creb::parse_year("24") == 0);
    CHECK(creb::parse_year("1,234") == 0);
}

TEST_CASE("text layout: months, keys, month-year phrases", "[unit]") {
    CHECK(creb::month_number("Jan.") == 1);
    CHECK(creb::month_number("Sept.") == 9);
    CHECK(creb::month_number("Sep") == 9);
    CHECK(creb::month_number("May") == 5);
    CHECK(creb::month_number("December") == 12);
    CHECK(creb::month_number("Feb-24") == 0);
    CHECK(creb::month_number("Sales") == 0);
    CHECK(creb::month_number("Ma") == 0);
    CHECK(creb::norm_key("Semi-Detached") == "semidetached");
    CHECK(creb::norm_key(" TOTAL  CITY* ") == "totalcity");
    CHECK(creb::parse_month_year("February 2025") == "2025-02");
    CHECK(creb::parse_month_year("Feb. 2025") == "2025-02");
    CHECK(creb::parse_month_year("Feb. 25") == "");
    CHECK(creb::parse_month_year("YTD 2025") == "");
}

TEST_CASE("text layout: lines and phrases from positioned words", "[unit]") {
    creb::PageText page;
    page.number = 1;
    page.width = 612;
    page.height = 792;
    auto word = [&](double x0, double y0, double x1, const char* t) {
        page.words.push_back(creb::Word{t, creb::Box{x0, y0, x1, y0 + 6.1}});
    };
    word(120.0, 140.0, 127.4, "17");
    word(40.0, 140.0, 51.2, "City");
    word(53.0, 140.0, 72.8, "Centre");
    word(170.0, 140.4, 181.1, "345");  // a little lower, same line
    word(40.0, 152.0, 56.1, "North");
    creb::build_lines(page);
    REQUIRE(page.lines.size() == 2);
    REQUIRE(page.lines[0].phrases.size() == 3);
    CHECK(page.lines[0].phrases[0].text == "City Centre");
    CHECK(page.lines[0].phrases[1].text == "17");
    CHECK(page.lines[0].text == "City Centre 17 345");
    CHECK(page.lines[1].text == "North");
}

// ------------------------------------------------ hand-built CREB-like reports

namespace {

struct MiniOptions {
    int year = 2025, month = 3;         // report month
    bool reorder_columns = false;       // district columns in another order, spacing and x
    bool extra_column = false;          // an unknown district column ("Sales to List Price")
    bool right_aligned = false;         // district values right-aligned
    bool wrap_headers = false;          // every district header wrapped onto one more line
    bool hashes = false;                // "########" in the date row under each year label
    bool chart_page_first = false;      // chart pages repeating the city titles before the tables
    bool district_last = false;         // district table after the city pages
    bool blank_page_first = false;      // an extra page at the front
    bool junk_cell = false;             // one city cell prints "n/a"
    bool dash_cell = false;             // one district cell prints "-"
    bool big_benchmark = false;         // a 7-digit benchmark price
    bool drop_row_table = false;        // no Row city page
    bool shift_city = false;            // city table at other x positions and pitch
};

const char* const kMonthAbbr[12] = {"Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.",
                                    "Jul.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."};
const char* const kMonthFull[12] = {"January", "February", "March",     "April",   "May",      "June",
                                    "July",    "August",   "September", "October", "November", "December"};

std::string grouped(long long v) {
    std::string s = std::to_string(v < 0 ? -v : v), out;
    for (size_t k = 0; k < s.size(); ++k) {
        if (k && (s.size() - k) % 3 == 0) out += ',';
        out += s[k];
    }
    return (v < 0 ? "-" : "") + out;
}

std::string two_dec(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

std::string month_key(int y, int m) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d", y, m);
    return buf;
}

struct Mini {
    std::string pdf;
    nlohmann::json expected;
};

PdfPage title_page(const std::string& title, const std::string& type, const std::string& month_title, bool landscape) {
    PdfPage p;
    if (landscape) p.width = 792, p.height = 612;
    const double right = p.width - 36;
    p.items.push_back({right, 25, 15, title, true});
    if (!type.empty()) p.items.push_back({right, 43, 10, type, true});
    p.items.push_back({right - 40, 58, 9, month_title, true});
    return p;
}

Mini make_mini(const MiniOptions& o) {
    std::mt19937 rng(static_cast<unsigned>(o.year * 100 + o.month));
    auto rnd = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const std::string month_title = std::string(kMonthAbbr[o.month - 1]) + " " + std::to_string(o.year);
    const std::string report_month = month_key(o.year, o.month);
    nlohmann::json exp = {{"report_month", report_month},
                          {"city_monthly", nlohmann::json::array()},
                          {"district_monthly", nlohmann::json::array()}};

    // ---- city values first: the district TOTAL CITY rows and Total Residential derive from them
    const std::vector<std::pair<std::string, std::string>> ctypes = {{"Total Residential", "Total"},
                                                                     {"Detached", "Detached"},
                                                                     {"Apartment", "Apartment"},
                                                                     {"Semi-Detached", "Semi-detached"},
                                                                     {"Row", "Row"}};
    const std::vector<creb_synth::CityTableRow>& metrics = creb_synth::city_table_rows();
    // city[type][month][field]
    std::map<std::string, std::map<std::string, std::map<std::string, long long>>> city;
    for (int yr : {o.year - 1, o.year}) {
        const int months = yr == o.year ? o.month : 12;
        for (int m = 1; m <= months; ++m) {
            const std::string mk = month_key(yr, m);
            for (size_t t = 1; t < ctypes.size(); ++t) {
                for (const auto& met : metrics) {
                    const std::string& f = met.field;
                    city[ctypes[t].second][mk][f] = f == "days_on_market" ? rnd(15, 60)
                                                    : f == "index"        ? rnd(200, 300)
                                                    : f.find("price") != std::string::npos
                                                        ? rnd(2500, 9000) * 100 + (f == "benchmark_price" ? 0 : rnd(0, 99))
                                                        : rnd(100, 1500);
                }
            }
            for (const auto& met : metrics) {
                const std::string& f = met.field;
                long long v = 0;
                if (f == "sales" || f == "new_listings" || f == "inventory") {
                    for (size_t t = 1; t < ctypes.size(); ++t) v += city[ctypes[t].second][mk][f];
                } else {
                    v = city["Detached"][mk][f];
                }
                city["Total"][mk][f] = v;
            }
        }
    }

    // ---- district page
    struct Col {
        const char* field;
        std::vector<std::string> header;
        double x;
    };
    std::vector<Col> cols = {
        {"sales", {"Sales"}, 134},
        {"new_listings", {"New", "Listings"}, 177},
        {"sales_to_new_listings_ratio_pct", {"Sales to New", "Listings Ratio"}, 220},
        {"inventory", {"Inventory"}, 280},
        {"months_of_supply", {"Months of", "Supply"}, 329},
        {"benchmark_price", {"Benchmark Price"}, 375},
        {"yoy_benchmark_change_pct", {"Year-over-year", "benchmark", "price change"}, 436},
        {"mom_benchmark_change_pct", {"Month-over-", "month", "benchmark", "price change"}, 493},
    };
    if (o.extra_column) cols.insert(cols.begin() + 3, Col{"", {"Sales to", "List Price"}, 0});
    if (o.reorder_columns) {
        std::swap(cols[0], cols[3]);
        std::swap(cols[5], cols[7]);
    }
    const double pitch = o.reorder_columns ? 56 : (o.extra_column ? 48 : 0);
    for (size_t c = 0; c < cols.size(); ++c) {
        if (pitch > 0) cols[c].x = 120 + pitch * static_cast<double>(c);
    }
    if (o.wrap_headers) {
        for (Col& c : cols) {
            std::vector<std::string> words;
            for (const auto& line : c.header) {
                size_t start = 0;
                while (start < line.size()) {
                    size_t sp = line.find(' ', start);
                    if (sp == std::string::npos) sp = line.size();
                    words.push_back(line.substr(start, sp - start));
                    start = sp + 1;
                }
            }
            c.header = words;
        }
    }
    PdfPage dp = title_page("Calgary Districts", "", month_title, false);
    const double header_bottom = 106;
    for (const Col& c : cols) {
        for (size_t k = 0; k < c.header.size(); ++k) {
            double top = header_bottom - 8.9 * static_cast<double>(c.header.size() - 1 - k);
            dp.items.push_back({c.x, top, 6.6, c.header[k], false});
        }
    }
    dp.items.push_back({39, header_bottom, 6.6, std::string(kMonthFull[o.month - 1]) + " " + std::to_string(o.year), false});
    const std::vector<std::string> dtypes = {"Detached", "Apartment", "Semi-detached", "Row"};
    const std::vector<std::string> dnames = {"City Centre", "North East", "North", "North West", "West",
                                             "South",       "South East", "East", "TOTAL CITY"};
    double y = 118;
    for (size_t t = 0; t < dtypes.size(); ++t) {
        dp.items.push_back({39, y, 7.5, dtypes[t], false});
        y += 13.4;
        for (size_t d = 0; d < dnames.size(); ++d) {
            long long sales = rnd(1, 200), nl = rnd(1, 250), inv = rnd(1, 700);
            long long bench = rnd(2000, 9900) * 100;
            if (o.big_benchmark && t == 0 && d == 0) bench = 1234500;
            double yoy = rnd(-1500, 1500) / 100.0, mom = rnd(-400, 400) / 100.0;
            if (dnames[d] == "TOTAL CITY") {
                auto& now = city[dtypes[t]][report_month];
                sales = now["sales"], nl = now["new_listings"], inv = now["inventory"], bench = now["benchmark_price"];
                const double b = static_cast<double>(bench);
                yoy = 100.0 * (b / static_cast<double>(city[dtypes[t]][month_key(o.year - 1, o.month)]["benchmark_price"]) - 1);
                const std::string prev = o.month == 1 ? month_key(o.year - 1, 12) : month_key(o.year, o.month - 1);
                mom = 100.0 * (b / static_cast<double>(city[dtypes[t]][prev]["benchmark_price"]) - 1);
            }
            std::map<std::string, std::string> printed = {
                {"sales", grouped(sales)},
                {"new_listings", grouped(nl)},
                {"sales_to_new_listings_ratio_pct", two_dec(100.0 * static_cast<double>(sales) / static_cast<double>(nl)) + "%"},
                {"inventory", grouped(inv)},
                {"months_of_supply", two_dec(static_cast<double>(inv) / static_cast<double>(sales))},
                {"benchmark_price", "$" + grouped(bench)},
                {"yoy_benchmark_change_pct", two_dec(yoy) + "%"},
                {"mom_benchmark_change_pct", two_dec(mom) + "%"},
                {"", two_dec(rnd(9500, 10300) / 100.0) + "%"},
            };
            if (o.dash_cell && t == 1 && d == 2) printed["yoy_benchmark_change_pct"] = "-";
            nlohmann::json rec = {{"month", report_month}, {"property_type", dtypes[t]}, {"district", dnames[d]}};
            for (const Col& c : cols) {
                const std::string& s = printed[c.field];
                if (o.right_aligned) {
                    dp.items.push_back({c.x + 36, y, 6.1, s, true});
                } else {
                    dp.items.push_back({c.x, y, 6.1, s, false});
                }
            }
            for (const char* f : {"sales", "new_listings", "sales_to_new_listings_ratio_pct", "inventory",
                                  "months_of_supply", "benchmark_price", "yoy_benchmark_change_pct",
                                  "mom_benchmark_change_pct"}) {
                std::string s = printed[f];
                if (s == "-") {
                    rec[f] = nullptr;
                } else if (s.back() == '%' || std::string(f) == "months_of_supply") {
                    if (s.back() == '%') s.pop_back();
                    rec[f] = std::stod(s);
                } else {
                    std::string digits;
                    for (char ch : s) {
                        if (ch >= '0' && ch <= '9') digits += ch;
                    }
                    rec[f] = std::stoll(digits);
                }
            }
            dp.items.push_back({39, y, 6.1, dnames[d], false});
            exp["district_monthly"].push_back(rec);
            y += 11.64;
        }
        y += 2;
    }
    dp.items.push_back({39, y + 6, 7.5, "*Total city figures can include activity from areas not yet represented", false});

    // ---- city pages
    std::vector<PdfPage> city_pages;
    const double c0 = o.shift_city ? 205 : 189, cp = o.shift_city ? 43 : 47;
    for (const auto& ct : ctypes) {
        if (o.drop_row_table && ct.second == "Row") continue;
        if (o.chart_page_first) {
            PdfPage chart = title_page("City of Calgary", ct.first, month_title, false);
            chart.items.push_back({40, 90, 8, "CITY OF CALGARY TOTAL SALES", false});
            for (int k = 0; k < 7; ++k) chart.items.push_back({40, 110.0 + 30 * k, 7, grouped(6000 - 1000 * k), false});
            std::string axis;
            for (int k = 0; k < 13; ++k) {
                chart.items.push_back({80.0 + 35 * k, 330, 7, kMonthAbbr[(o.month - 1 + k) % 12], false});
            }
            chart.items.push_back({80, 350, 7, "Sales", false});
            chart.items.push_back({140, 350, 7, "Inventory", false});
            chart.items.push_back({200, 350, 7, "Benchmark Price", false});
            city_pages.push_back(chart);
        }
        PdfPage cpg = title_page("City of Calgary", ct.first, month_title, true);
        for (int m = 0; m < 12; ++m) cpg.items.push_back({c0 + cp * m + 8, 79, 7.5, kMonthAbbr[m], true});
        double yy = 90.4;
        for (int yr : {o.year - 1, o.year}) {
            cpg.items.push_back({39, yy, 7.5, std::to_string(yr), false});
            for (int m = 0; m < 12; ++m) {
                char date[32];
                std::snprintf(date, sizeof date, "%02d/01/%02d", m + 1, yr % 100);
                cpg.items.push_back({c0 + cp * m + 8, yy + 0.5, 7.5, o.hashes ? "########" : date, true});
            }
            yy += 11.5;
            const int months = yr == o.year ? o.month : 12;
            std::vector<nlohmann::json> recs(static_cast<size_t>(months));
            for (int m = 0; m < months; ++m) {
                recs[static_cast<size_t>(m)] = {{"month", month_key(yr, m + 1)}, {"property_type", ct.second}};
            }
            for (const auto& met : metrics) {
                cpg.items.push_back({38.8, yy, 6.1, met.label, false});
                for (int m = 0; m < months; ++m) {
                    long long v = city[ct.second][month_key(yr, m + 1)][met.field];
                    std::string s = grouped(v);
                    nlohmann::json val = v;
                    if (o.junk_cell && ct.second == "Apartment" && yr == o.year && m == 0 && met.field == "inventory") {
                        s = "n/a";
                        val = nullptr;
                    }
                    cpg.items.push_back({c0 + cp * m + 6, yy, 6.1, s, true});
                    recs[static_cast<size_t>(m)][met.field] = val;
                }
                yy += 9.72;
            }
            for (auto& r : recs) exp["city_monthly"].push_back(r);
        }
        // The price-range table under the monthly table (must not be read as part of it).
        yy += 30;
        cpg.items.push_back({160, yy, 7, "Feb-24", false});
        cpg.items.push_back({210, yy, 7, "Feb-25", false});
        yy += 10;
        cpg.items.push_back({39, yy, 7, "CALGARY TOTAL SALES", false});
        cpg.items.push_back({160, yy, 7, "02/01/24", false});
        yy += 12;
        for (int k = 0; k < 4; ++k) {
            cpg.items.push_back({39, yy, 7, "$" + grouped(100000 * (k + 1)) + " - $" + grouped(100000 * (k + 2) - 1), false});
            cpg.items.push_back({190, yy, 7, grouped(rnd(1, 300)), true});
            cpg.items.push_back({240, yy, 7, grouped(rnd(1, 300)), true});
            yy += 9.7;
        }
        city_pages.push_back(cpg);
    }

    std::vector<PdfPage> pages;
    if (o.blank_page_first) pages.push_back(title_page("Something New", "", month_title, false));
    PdfPage cover = title_page("MONTHLY STATISTICS PACKAGE", "", month_title, false);
    cover.items.push_back({300, 300, 20, "City of Calgary", false});
    pages.push_back(cover);
    if (!o.district_last) pages.push_back(dp);
    pages.insert(pages.end(), city_pages.begin(), city_pages.end());
    if (o.district_last) pages.push_back(dp);
    return Mini{testsupport::make_pdf(pages), exp};
}

creb::Report read_mini(const Mini& m) { return creb::read_report_from_memory(m.pdf, "mini.pdf"); }

void require_all_cells(const Mini& m, const creb::Report& r, const std::string& label) {
    const auto cmp = testsupport::compare_with_expected(m.expected, r, label);
    for (const auto& s : cmp.mismatches) FAIL_CHECK(s);
    CHECK(cmp.mismatches.empty());
    CHECK(cmp.cells > 500);
}

// The mini report of `o`, read back; every cell must match what was drawn.
creb::Report read_all_cells(const MiniOptions& o, const std::string& label) {
    const Mini m = make_mini(o);
    creb::Report r = read_mini(m);
    require_all_cells(m, r, label);
    return r;
}

double min_confidence(const creb::Report& r) {
    double c = 1;
    for (const auto* set : {&r.city_monthly, &r.district_monthly}) {
        for (const auto& rec : *set) {
            for (const auto& f : rec.fields) c = std::min(c, f.cell.confidence);
        }
    }
    return c;
}

bool has_warning(const creb::Report& r, const std::string& part) {
    for (const auto& w : r.warnings) {
        if (w.find(part) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("mini report: baseline layout reads every cell with full confidence", "[layout]") {
    const creb::Report r = read_all_cells({}, "baseline");
    for (const auto& w : r.warnings) FAIL_CHECK("unexpected warning: " << w);
    CHECK(min_confidence(r) == 1.0);
    CHECK(r.city_monthly.size() == 5 * 15);
    CHECK(r.district_monthly.size() == 36);
}

TEST_CASE("mini report: layout drift is absorbed by geometry", "[layout]") {
    struct Case {
        const char* name;
        MiniOptions opt;
    };
    std::vector<Case> cases;
    auto add = [&](const char* name, auto set) {
        MiniOptions o;
        set(o);
        cases.push_back({name, o});
    };
    add("columns reordered and moved", [](MiniOptions& o) { o.reorder_columns = true; });
    add("values right-aligned", [](MiniOptions& o) { o.right_aligned = true; });
    add("headers wrapped word by word", [](MiniOptions& o) { o.wrap_headers = true; });
    add("hashes in the date rows", [](MiniOptions& o) { o.hashes = true; });
    add("chart pages repeat the titles first", [](MiniOptions& o) { o.chart_page_first = true; });
    add("district table after the city pages", [](MiniOptions& o) { o.district_last = true; });
    add("a page inserted at the front", [](MiniOptions& o) { o.blank_page_first = true; });
    add("seven-digit benchmark", [](MiniOptions& o) { o.big_benchmark = true; });
    add("city columns at another pitch", [](MiniOptions& o) { o.shift_city = true; });
    add("December report", [](MiniOptions& o) { o.month = 12; });
    add("January report", [](MiniOptions& o) { o.month = 1, o.year = 2026; });
    add("all of it at once", [](MiniOptions& o) {
        o.reorder_columns = o.right_aligned = o.wrap_headers = o.hashes = o.chart_page_first = true;
        o.district_last = o.blank_page_first = o.big_benchmark = o.shift_city = true;
        o.month = 9;
    });
    for (const Case& c : cases) {
        SECTION(c.name) {
            const creb::Report r = read_all_cells(c.opt, c.name);
            for (const auto& w : r.warnings) FAIL_CHECK("unexpected warning: " << w);
            CHECK(min_confidence(r) == 1.0);
        }
    }
}

TEST_CASE("mini report: an unknown column is ignored with a warning", "[layout]") {
    MiniOptions o;
    o.extra_column = true;
    const creb::Report r = read_all_cells(o, "extra column");
    CHECK(has_warning(r, "Sales to List Price"));
}

TEST_CASE("mini report: '-' is null with full confidence", "[layout]") {
    MiniOptions o;
    o.dash_cell = true;
    const creb::Report r = read_all_cells(o, "dash");
    CHECK(r.warnings.empty());
    const creb::Record& rec = r.district_monthly.at(9 + 2);  // Apartment / North
    const creb::Cell* c = rec.find("yoy_benchmark_change_pct");
    REQUIRE(c);
    CHECK(c->kind == creb::Cell::Kind::Null);
    CHECK(c->text == "-");
    CHECK(c->confidence == 1.0);
}

TEST_CASE("mini report: an unreadable cell is null, low confidence, with a warning", "[layout]") {
    MiniOptions o;
    o.junk_cell = true;
    const creb::Report r = read_all_cells(o, "junk");
    REQUIRE(has_warning(r, "'n/a'"));
    bool found = false;
    for (const auto& rec : r.city_monthly) {
        const creb::Cell* t = rec.find("property_type");
        const creb::Cell* mo = rec.find("month");
        if (t->text == "Apartment" && mo->text == "2025-01") {
            const creb::Cell* c = rec.find("inventory");
            CHECK(c->kind == creb::Cell::Kind::Null);
            CHECK(c->confidence <= 0.2);
            CHECK(c->text == "n/a");
            found = true;
        }
    }
    CHECK(found);
}

TEST_CASE("mini report: a missing city table is an error naming it", "[layout][bad-input]") {
    MiniOptions o;
    o.drop_row_table = true;
    const Mini m = make_mini(o);
    try {
        (void)read_mini(m);
        FAIL("no error");
    } catch (const creb::Error& e) {
        const std::string msg = e.what();
        CHECK(msg.rfind("mini.pdf: ", 0) == 0);
        CHECK(msg.find("not found for: Row") != std::string::npos);
    }
}

TEST_CASE("mini report: provenance of labels and values", "[layout]") {
    const Mini m = make_mini({});
    const creb::Report r = read_mini(m);
    // Page order: cover, districts, five city pages.
    const creb::Record& d = r.district_monthly.front();
    for (const auto& f : d.fields) {
        INFO(f.name);
        CHECK(f.cell.page == 2);
        CHECK(f.cell.confidence == 1.0);
    }
    CHECK(d.find("district")->box.x0 == Approx(39).margin(1));
    CHECK(d.find("sales")->box.x0 == Approx(134).margin(1));
    const creb::Record& c = r.city_monthly.front();
    CHECK(c.find("month")->page == 3);
    CHECK(c.find("property_type")->text == "Total");
    CHECK(c.find("property_type")->box.y0 < c.find("month")->box.y0);  // the title line sits above the table
    CHECK(c.find("sales")->box.y0 > c.find("month")->box.y1);
}
