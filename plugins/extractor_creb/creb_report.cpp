#include "creb_report.h"

#include "tables.h"
#include "text_layout.h"
#include "pdf_pages.h"

#include <nlohmann/json.hpp>

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace creb {

const Cell* Record::find(const std::string& name) const {
    for (const Field& f : fields) {
        if (f.name == name) return &f.cell;
    }
    return nullptr;
}

const std::vector<std::string>& city_field_names() {
    static const std::vector<std::string> n = {"month",          "property_type",   "sales",
                                               "new_listings",   "inventory",       "days_on_market",
                                               "benchmark_price", "median_price",   "average_price",
                                               "index"};
    return n;
}

const std::vector<std::string>& district_field_names() {
    static const std::vector<std::string> n = {"month",
                                               "property_type",
                                               "district",
                                               "sales",
                                               "new_listings",
                                               "sales_to_new_listings_ratio_pct",
                                               "inventory",
                                               "months_of_supply",
                                               "benchmark_price",
                                               "yoy_benchmark_change_pct",
                                               "mom_benchmark_change_pct"};
    return n;
}

namespace {

bool has_pdf_header(const std::string& bytes) {
    return bytes.substr(0, 1024).find("%PDF-") != std::string::npos;
}

bool has_eof_marker(const std::string& bytes) {
    size_t from = bytes.size() > 2048 ? bytes.size() - 2048 : 0;
    return bytes.find("%%EOF", from) != std::string::npos;
}

Cell* find_cell(Record& r, const char* name) {
    for (Field& f : r.fields) {
        if (f.name == name) return &f.cell;
    }
    return nullptr;
}

bool is_int(const Cell* c) { return c && c->kind == Cell::Kind::Int; }
bool is_num(const Cell* c) { return c && (c->kind == Cell::Kind::Int || c->kind == Cell::Kind::Real); }

std::string month_before(const std::string& ym, int months) {
    int y = std::atoi(ym.substr(0, 4).c_str()), m = std::atoi(ym.substr(5, 2).c_str());
    int idx = y * 12 + (m - 1) - months;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d", idx / 12, idx % 12 + 1);
    return buf;
}

// Identities that hold in every report checked so far; a violation means a cell was
// probably read from the wrong place, so it is reported and the cells lose confidence.
//  - Total Residential sales, new listings, inventory = sum of the four types, every month;
//  - district TOTAL CITY sales, new listings, inventory, benchmark = City of Calgary page
//    values of the report month; its y/y and m/m % agree with the city benchmarks.
void cross_check(Report& rep) {
    std::map<std::pair<std::string, std::string>, Record*> city;  // (type, month)
    for (Record& r : rep.city_monthly) {
        const Cell* t = r.find("property_type");
        const Cell* m = r.find("month");
        if (t && m) city[{t->text, m->text}] = &r;
    }
    const char* const sum_fields[] = {"sales", "new_listings", "inventory"};
    for (auto& kv : city) {
        if (kv.first.first != "Total") continue;
        const std::string& month = kv.first.second;
        for (const char* f : sum_fields) {
            Cell* total = find_cell(*kv.second, f);
            if (!is_int(total)) continue;
            long long sum = 0;
            bool complete = true;
            for (const char* t : {"Detached", "Apartment", "Semi-detached", "Row"}) {
                auto it = city.find({t, month});
                const Cell* c = it == city.end() ? nullptr : it->second->find(f);
                if (!is_int(c)) complete = false;
                else sum += c->i;
            }
            if (complete && sum != total->i) {
                total->confidence = std::min(total->confidence, 0.8);
                rep.warnings.push_back("page " + std::to_string(total->page) + ": Total Residential " + f + " for " +
                                       month + " is " + std::to_string(total->i) + " but the four types add up to " +
                                       std::to_string(sum));
            }
        }
    }
    const std::string& rm = rep.report_month;
    for (Record& d : rep.district_monthly) {
        const Cell* dist = d.find("district");
        const Cell* type = d.find("property_type");
        if (!dist || !type || dist->text != "TOTAL CITY") continue;
        auto now = city.find({type->text, rm});
        if (now == city.end()) continue;
        const std::string where = "district table " + type->text + " / TOTAL CITY";
        for (const char* f : {"sales", "new_listings", "inventory", "benchmark_price"}) {
            Cell* dc = find_cell(d, f);
            const Cell* cc = now->second->find(f);
            if (is_int(dc) && is_int(cc) && dc->i != cc->i) {
                dc->confidence = std::min(dc->confidence, 0.8);
                rep.warnings.push_back("page " + std::to_string(dc->page) + ": " + where + " " + f + " is " +
                                       std::to_string(dc->i) + " but the City of Calgary " + type->text +
                                       " page prints " + std::to_string(cc->i) + " for " + rm);
            }
        }
        const Cell* bench_now = now->second->find("benchmark_price");
        const std::pair<const char*, int> changes[] = {{"yoy_benchmark_change_pct", 12}, {"mom_benchmark_change_pct", 1}};
        for (const auto& ch : changes) {
            auto before = city.find({type->text, month_before(rm, ch.second)});
            if (before == city.end()) continue;
            const Cell* bench_before = before->second->find("benchmark_price");
            Cell* pct = find_cell(d, ch.first);
            if (!is_int(bench_now) || !is_int(bench_before) || !is_num(pct) || bench_before->i <= 0) continue;
            double expect = 100.0 * (static_cast<double>(bench_now->i) / static_cast<double>(bench_before->i) - 1.0);
            if (std::fabs(expect - pct->d) > 0.0051) {
                pct->confidence = std::min(pct->confidence, 0.8);
                char buf[64];
                std::snprintf(buf, sizeof buf, "%.2f", expect);
                rep.warnings.push_back("page " + std::to_string(pct->page) + ": " + where + " " + ch.first + " is " +
                                       pct->text + " but the City of Calgary benchmarks give " + buf + "%");
            }
        }
    }
}

Report read_document(PdfPages& doc, const std::string& name, bool truncated,
                     const ReadOptions& options) {
    const std::string trunc_note = truncated ? " (the file looks truncated: no %%EOF marker at its end)" : "";
    if (doc.locked()) throw Error(name + ": encrypted PDF (a password is required to read it)");
    const int n = doc.count();
    if (n <= 0) throw Error(name + ": PDF has no pages" + trunc_note);

    ReadStats stats;
    stats.page_count = n;
    std::vector<std::optional<PageText>> pages(static_cast<size_t>(n));
    std::optional<DistrictTable> district;
    std::string district_failure;
    std::map<std::string, CityTable> city;
    std::map<std::string, int> title_months;
    std::map<std::string, Box> title_month_box;
    bool any_title = false;
    const size_t type_count = city_property_types().size();
    auto complete = [&] { return district && city.size() == type_count; };

    // Reads one page's words once and takes the tables its title announces. Returns
    // how many tables it confirmed (title and table both found).
    auto visit = [&](int i) -> int {
        pages[i] = doc.words(i);
        ++stats.pages_read;
        const PageText& pt = *pages[i];
        PageTitle t = read_title(pt);
        int found = 0;
        if (!t.month.empty()) ++title_months[t.month];
        if (t.districts) {
            any_title = true;
            if (!district) {
                std::optional<DistrictTable> d = read_district_table(pt);
                if (d && d->failure.empty()) {
                    district = std::move(d);
                    ++found;
                } else if (d && district_failure.empty()) {
                    district_failure = d->failure;
                }
            }
        }
        if (t.city) any_title = true;
        if (t.city && !t.property_type.empty() && !city.count(t.property_type)) {
            std::optional<CityTable> c = read_city_table(pt, t.property_type, t.type_box);
            if (c) {
                city.emplace(t.property_type, std::move(*c));
                ++found;
            }
        }
        return found;
    };

    // Whether a page with title `t` may hold a table still missing.
    auto wanted = [&](const PageTitle& t) {
        return (t.districts && !district) || (t.city && !t.property_type.empty() && !city.count(t.property_type));
    };

    // 1. The caller's hint (where the previous report of this layout had its
    //    tables): each page counts only when its own title confirms a table.
    for (int p : options.hint_pages) {
        if (complete()) break;
        if (p < 1 || p > n || pages[p - 1]) continue;
        ++stats.hinted_pages;
        stats.hint_hits += visit(p - 1);
    }
    // 2. The other pages by their first words, in order: a page is read whole only
    //    when that title announces a table still missing, and counts only when the
    //    whole page confirms it.
    for (int i = 0; i < n && options.title_chars > 0 && !complete(); ++i) {
        if (pages[i]) continue;
        ++stats.probed_pages;
        const PageTitle t = read_title(doc.first_words(i, options.title_chars));
        if (wanted(t)) {
            stats.probe_hits += visit(i);
        } else {
            any_title = any_title || t.city || t.districts;
            if (!t.month.empty()) ++title_months[t.month];
        }
    }
    // 3. Whatever is still missing (a title drawn late, a table under another
    //    title): every page not yet read whole, in order, until all are found.
    if (!complete()) {
        stats.scanned = true;
        for (int i = 0; i < n && !complete(); ++i) {
            if (pages[i]) continue;
            visit(i);
            ++stats.scan_pages;
        }
    }

    std::vector<std::string> warnings;
    // Fallback: a district table on a page whose title did not say so (title drift).
    if (!district) {
        for (int i = 0; i < n && !district; ++i) {
            if (!pages[i]) {
                pages[i] = doc.words(i);
                ++stats.pages_read;
                ++stats.scan_pages;
            }
            std::optional<DistrictTable> d = read_district_table(*pages[i]);
            if (d && d->failure.empty()) {
                warnings.push_back("page " + std::to_string(i + 1) +
                                   ": district table found on a page without the 'Calgary Districts' title");
                district = std::move(d);
            }
        }
    }

    if (!any_title && !district && city.empty()) {
        throw Error(name + ": not a CREB Monthly Statistics Package: no 'City of Calgary' or 'Calgary Districts' "
                           "page titles found in " +
                    std::to_string(n) + " page(s)" + trunc_note);
    }
    if (!district) {
        throw Error(name + ": 'Calgary Districts' table not found" +
                    (district_failure.empty() ? "" : " (" + district_failure + ")") + trunc_note);
    }
    std::string missing;
    for (const std::string& t : city_property_types()) {
        if (!city.count(t)) missing += (missing.empty() ? "" : ", ") + t;
    }
    if (!missing.empty()) {
        throw Error(name + ": 'City of Calgary' monthly table not found for: " + missing + trunc_note);
    }

    Report rep;
    // Report month: the district table's corner header ("February 2025"), checked against page titles.
    std::string title_month;
    int best = 0;
    for (const auto& tm : title_months) {
        if (tm.second > best) best = tm.second, title_month = tm.first;
    }
    if (!district->month.empty()) {
        rep.report_month = district->month;
        if (!title_month.empty() && title_month != district->month) {
            warnings.push_back("report month: district table says " + district->month + " but page titles say " +
                               title_month + "; using " + district->month);
        }
    } else if (!title_month.empty()) {
        rep.report_month = title_month;
        warnings.push_back("page " + std::to_string(district->page) +
                           ": district table has no month header; using the page titles' month " + title_month);
    } else {
        std::string latest;
        for (const auto& c : city) latest = std::max(latest, c.second.last_month);
        rep.report_month = latest;
        warnings.push_back("no report month printed in the district table or page titles; using the latest month "
                           "of the City of Calgary tables, " +
                           latest);
    }

    if (truncated) warnings.push_back("the file looks truncated (no %%EOF marker at its end), but all tables were read");
    warnings.insert(warnings.end(), district->warnings.begin(), district->warnings.end());
    for (Record& r : district->records) {
        Field& m = r.fields.front();
        if (m.cell.kind != Cell::Kind::Text) {
            m.cell.kind = Cell::Kind::Text;
            m.cell.text = rep.report_month;
            m.cell.page = district->page;
            m.cell.confidence = 0.5;
        }
    }
    rep.district_monthly = std::move(district->records);

    for (const std::string& t : city_property_types()) {
        CityTable& c = city.at(t);
        warnings.insert(warnings.end(), c.warnings.begin(), c.warnings.end());
        if (c.last_month != rep.report_month) {
            warnings.push_back("page " + std::to_string(c.page) + ": " + t + " table's latest month is " +
                               c.last_month + ", not the report month " + rep.report_month);
        }
        for (Record& r : c.records) rep.city_monthly.push_back(std::move(r));
    }
    rep.warnings = std::move(warnings);
    cross_check(rep);
    std::set<int> used;
    for (const auto* set : {&rep.city_monthly, &rep.district_monthly})
        for (const Record& r : *set)
            for (const Field& f : r.fields)
                if (f.cell.page > 0) used.insert(f.cell.page);
    rep.table_pages.assign(used.begin(), used.end());
    rep.stats = stats;
    return rep;
}

}  // namespace

namespace {

std::string too_large(const std::string& name, std::uint64_t size, std::uint64_t limit) {
    return name + ": file too large (" + std::to_string(size) + " bytes; the limit is " + std::to_string(limit) +
           " bytes)";
}

// Opens the document with `open` (a PdfPages factory) and reads it; every failure
// becomes an Error naming `name`.
template <typename Open>
Report open_and_read(Open open, const std::string& name, bool truncated, const ReadOptions& options) {
    std::unique_ptr<PdfPages> doc;
    try {
        doc = open();
    } catch (const std::exception& e) {
        throw Error(name + ": cannot open PDF: " + e.what());
    }
    if (!doc) {
        throw Error(name + ": cannot open PDF (damaged" + std::string(truncated ? " or truncated" : "") + " file)");
    }
    try {
        return read_document(*doc, name, truncated, options);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(name + ": " + e.what());
    }
}

}  // namespace

Report read_report_from_memory(const std::string& bytes, const std::string& display_name,
                               const ReadOptions& options) {
    silence_poppler();
    if (bytes.empty()) throw Error(display_name + ": empty file");
    if (bytes.size() > options.max_file_bytes || bytes.size() > static_cast<size_t>(INT_MAX))
        throw Error(too_large(display_name, bytes.size(), std::min<std::uint64_t>(options.max_file_bytes, INT_MAX)));
    if (!has_pdf_header(bytes)) throw Error(display_name + ": not a PDF file (no %PDF- header)");
    return open_and_read([&] { return PdfPages::open_memory(bytes); }, display_name, !has_eof_marker(bytes), options);
}

// Checks the size first (a 1 GB file is refused without reading it), then only the
// first and last bytes (header, %%EOF); poppler reads the rest from the file as it
// needs it, so memory stays proportional to the pages read, not to the file.
Report read_report(const std::string& path, const ReadOptions& options) {
    silence_poppler();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw Error(path + ": cannot open file");
    if (!S_ISREG(st.st_mode)) throw Error(path + ": cannot open file (not a regular file)");
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size == 0) throw Error(path + ": empty file");
    if (size > options.max_file_bytes) throw Error(too_large(path, size, options.max_file_bytes));
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open file");
    std::string head(static_cast<size_t>(std::min<std::uint64_t>(size, 1024)), '\0');
    in.read(&head[0], static_cast<std::streamsize>(head.size()));
    if (!in) throw Error(path + ": read error");
    if (!has_pdf_header(head)) throw Error(path + ": not a PDF file (no %PDF- header)");
    const std::uint64_t tail_len = std::min<std::uint64_t>(size, 2048);
    std::string tail(static_cast<size_t>(tail_len), '\0');
    in.seekg(static_cast<std::streamoff>(size - tail_len));
    in.read(&tail[0], static_cast<std::streamsize>(tail.size()));
    if (!in) throw Error(path + ": read error");
    in.close();
    return open_and_read([&] { return PdfPages::open_file(path); }, path, !has_eof_marker(tail), options);
}

namespace {

nlohmann::json cell_json(const Cell& c) {
    switch (c.kind) {
        case Cell::Kind::Int:
            return c.i;
        case Cell::Kind::Real:
            return c.d;
        case Cell::Kind::Text:
            return c.text;
        case Cell::Kind::Null:
            break;
    }
    return nullptr;
}

nlohmann::json records_json(const std::vector<Record>& records, bool with_provenance) {
    nlohmann::json arr = nlohmann::json::array();
    for (const Record& r : records) {
        nlohmann::json o = nlohmann::json::object();
        nlohmann::json prov = nlohmann::json::object();
        for (const Field& f : r.fields) {
            o[f.name] = cell_json(f.cell);
            if (with_provenance) {
                auto r2 = [](double v) { return std::round(v * 100.0) / 100.0; };
                prov[f.name] = {{"page", f.cell.page},
                                {"bbox", {r2(f.cell.box.x0), r2(f.cell.box.y0), r2(f.cell.box.x1), r2(f.cell.box.y1)}},
                                {"confidence", f.cell.confidence}};
            }
        }
        if (with_provenance) o["_provenance"] = std::move(prov);
        arr.push_back(std::move(o));
    }
    return arr;
}

}  // namespace

nlohmann::json to_expected_json(const Report& report, bool with_provenance) {
    nlohmann::json j = nlohmann::json::object();
    j["report_month"] = report.report_month;
    j["city_monthly"] = records_json(report.city_monthly, with_provenance);
    j["district_monthly"] = records_json(report.district_monthly, with_provenance);
    if (with_provenance) j["warnings"] = report.warnings;
    return j;
}

}  // namespace creb
