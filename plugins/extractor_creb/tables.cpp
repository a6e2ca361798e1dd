#include "tables.h"

#include "numbers.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <set>

namespace creb {

namespace {

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, f);
    std::vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return buf;
}

std::string month_string(int year, int month) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
    return buf;
}

Cell located_cell(Cell::Kind kind, const std::string& text, int page, const Box& box, double confidence) {
    Cell c;
    c.kind = kind;
    c.text = text;
    c.page = page;
    c.box = box;
    c.confidence = confidence;
    return c;
}

Cell text_cell(const std::string& text, int page, const Box& box, double confidence) {
    return located_cell(Cell::Kind::Text, text, page, box, confidence);
}

Cell null_cell(int page, const Box& box, double confidence, const std::string& printed = "") {
    return located_cell(Cell::Kind::Null, printed, page, box, confidence);
}

// Parses the printed text of a cell; appends a warning for unreadable values.
Cell value_cell(const std::string& printed, ValueType type, int page, const Box& box, double confidence,
                const std::string& where, std::vector<std::string>& warnings) {
    ParsedValue v = parse_value(printed, type);
    Cell c;
    c.text = printed;
    c.page = page;
    c.box = box;
    switch (v.status) {
        case ParsedValue::Status::Ok:
            c.kind = type == ValueType::Int ? Cell::Kind::Int : Cell::Kind::Real;
            c.i = v.i;
            c.d = v.d;
            c.confidence = confidence;
            break;
        case ParsedValue::Status::Null:
            c.kind = Cell::Kind::Null;
            c.confidence = confidence;
            break;
        case ParsedValue::Status::Bad:
            c.kind = Cell::Kind::Null;
            c.confidence = std::min(confidence, 0.2);
            warnings.push_back(fmt("page %d: %s: unreadable value '%s' read as null", page, where.c_str(),
                                   printed.c_str()));
            break;
    }
    return c;
}

std::string join_words(const std::vector<const Word*>& words, Box& box) {
    std::string s;
    for (size_t k = 0; k < words.size(); ++k) {
        box = k == 0 ? words[k]->box : unite(box, words[k]->box);
        s += words[k]->text;
    }
    return s;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// ---- property types and districts ----

// Canonical type for a normalised label, "" if none.
std::string property_type_from_key(const std::string& k) {
    if (k == "totalresidential" || k == "total") return "Total";
    if (k == "detached") return "Detached";
    if (k == "apartment") return "Apartment";
    if (k == "semidetached") return "Semi-detached";
    if (k == "row") return "Row";
    return "";
}

const std::vector<std::pair<std::string, std::string>>& district_names() {
    static const std::vector<std::pair<std::string, std::string>> d = {
        {"citycentre", "City Centre"}, {"northeast", "North East"}, {"north", "North"},
        {"northwest", "North West"},   {"west", "West"},            {"south", "South"},
        {"southeast", "South East"},   {"east", "East"},            {"totalcity", "TOTAL CITY"}};
    return d;
}

std::string district_from_key(const std::string& k) {
    for (const auto& d : district_names()) {
        if (d.first == k) return d.second;
    }
    return "";
}

// ---- city table ----

struct MetricDef {
    const char* key;    // normalised row label
    const char* field;  // output field name
};

const MetricDef kCityMetrics[] = {
    {"sales", "sales"},
    {"newlistings", "new_listings"},
    {"inventory", "inventory"},
    {"daysonmarket", "days_on_market"},
    {"benchmarkprice", "benchmark_price"},
    {"medianprice", "median_price"},
    {"averageprice", "average_price"},
    {"index", "index"},
};
constexpr int kCityMetricCount = sizeof kCityMetrics / sizeof kCityMetrics[0];

int city_metric_from_key(const std::string& k) {
    for (int m = 0; m < kCityMetricCount; ++m) {
        if (k == kCityMetrics[m].key) return m;
    }
    return -1;
}

struct MonthCol {
    int month;
    Box box;
};

struct MonthHeader {
    const Line* line;
    std::vector<MonthCol> cols;
    double pitch;
};

// A line with at least six month names in calendar order, left to right.
std::optional<MonthHeader> month_header(const Line& line) {
    MonthHeader h{&line, {}, 0};
    for (const Word* w : line.words) {
        int m = month_number(w->text);
        if (m == 0) continue;
        if (!h.cols.empty() && m <= h.cols.back().month) return std::nullopt;
        h.cols.push_back({m, w->box});
    }
    if (h.cols.size() < 6) return std::nullopt;
    std::vector<double> d;
    for (size_t k = 1; k < h.cols.size(); ++k) {
        d.push_back((xcentre(h.cols[k].box) - xcentre(h.cols[k - 1].box)) /
                    (h.cols[k].month - h.cols[k - 1].month));
    }
    h.pitch = median(d);
    if (h.pitch <= 0) return std::nullopt;
    return h;
}

struct CityRow {
    const Phrase* label = nullptr;
    Box label_box;
    Box line_box;
    std::vector<std::vector<const Word*>> cells;  // per month column
    std::vector<double> confidence;               // per month column
};

struct YearBlock {
    int year;
    Box year_box;
    const MonthHeader* header;
    std::vector<std::optional<CityRow>> rows;  // per metric
};

}  // namespace

const std::vector<std::string>& city_property_types() {
    static const std::vector<std::string> t = {"Total", "Detached", "Apartment", "Semi-detached", "Row"};
    return t;
}

PageTitle read_title(const PageText& page) {
    PageTitle t;
    const double limit = page.height * 0.2;
    std::vector<const Phrase*> city_phrases;
    std::vector<std::pair<std::string, const Phrase*>> types;
    for (const Line& line : page.lines) {
        if (line.box.y0 > limit) break;
        if (norm_key(line.text).find("calgarydistricts") != std::string::npos) t.districts = true;
        for (const Phrase& p : line.phrases) {
            std::string k = norm_key(p.text);
            if (k.find("cityofcalgary") != std::string::npos) city_phrases.push_back(&p);
            std::string type = property_type_from_key(k);
            if (!type.empty()) types.emplace_back(type, &p);
            if (t.month.empty()) {
                std::string m = parse_month_year(p.text);
                if (!m.empty()) t.month = m, t.month_box = p.box;
            }
        }
    }
    t.city = !city_phrases.empty();
    if (t.city && !types.empty()) {
        // The type line belonging to the title: the one nearest a "City of Calgary" phrase.
        double best = 1e300;
        for (const auto& tp : types) {
            for (const Phrase* cp : city_phrases) {
                double dx = xcentre(tp.second->box) - xcentre(cp->box);
                double dy = ycentre(tp.second->box) - ycentre(cp->box);
                double dist = dx * dx + dy * dy;
                if (dist < best) best = dist, t.property_type = tp.first, t.type_box = tp.second->box;
            }
        }
    }
    return t;
}

std::optional<CityTable> read_city_table(const PageText& page, const std::string& property_type,
                                         const Box& type_box) {
    const int pno = page.number;
    std::vector<MonthHeader> headers;
    for (const Line& line : page.lines) {
        if (auto h = month_header(line)) headers.push_back(*h);
    }
    if (headers.empty()) return std::nullopt;

    CityTable table;
    table.property_type = property_type;
    table.page = pno;
    std::vector<YearBlock> blocks;
    std::set<int> metrics_seen;

    for (size_t hi = 0; hi < headers.size(); ++hi) {
        const MonthHeader& hdr = headers[hi];
        const double label_limit = hdr.cols.front().box.x0 - 0.5 * hdr.pitch;
        const double next_top = hi + 1 < headers.size() ? headers[hi + 1].line->box.y0 : 1e300;
        const double row_h = height(hdr.line->box);
        std::vector<const Line*> seg;
        for (const Line& line : page.lines) {
            if (&line == hdr.line) continue;
            if (ycentre(line.box) > ycentre(hdr.line->box) && line.box.y0 < next_top) seg.push_back(&line);
        }
        bool started = false;
        double prev_y1 = hdr.line->box.y1;
        size_t first_block = blocks.size();

        auto label_of = [&](const Line* l) -> const Phrase* {
            if (!l->phrases.empty() && l->phrases.front().box.x1 < label_limit) return &l->phrases.front();
            return nullptr;
        };
        auto assign_values = [&](const Line* l, const Phrase* label, CityRow& row, const char* what) {
            row.cells.resize(hdr.cols.size());
            row.confidence.assign(hdr.cols.size(), 1.0);
            for (const Word* w : l->words) {
                if (label && std::find(label->words.begin(), label->words.end(), w) != label->words.end()) continue;
                size_t best = 0;
                double bd = 1e300;
                for (size_t c = 0; c < hdr.cols.size(); ++c) {
                    double dd = std::fabs(xcentre(w->box) - xcentre(hdr.cols[c].box));
                    if (dd < bd) bd = dd, best = c;
                }
                bool overlaps = x_overlap(w->box, hdr.cols[best].box) > 0;
                if (overlaps || bd < 0.35 * hdr.pitch) {
                    row.cells[best].push_back(w);
                } else if (bd < 0.6 * hdr.pitch) {
                    row.cells[best].push_back(w);
                    row.confidence[best] = std::min(row.confidence[best], 0.6);
                    table.warnings.push_back(fmt("page %d: %s table, row '%s': value '%s' is %.1f pt from the "
                                                 "centre of column %s; assigned with low confidence",
                                                 pno, property_type.c_str(), what, w->text.c_str(), bd,
                                                 month_string(2000, hdr.cols[best].month).substr(5).c_str()));
                } else {
                    table.warnings.push_back(fmt("page %d: %s table, row '%s': value '%s' is under no month "
                                                 "column; ignored",
                                                 pno, property_type.c_str(), what, w->text.c_str()));
                }
            }
        };

        for (size_t li = 0; li < seg.size(); ++li) {
            const Line* l = seg[li];
            if (started && l->box.y0 - prev_y1 > 3.0 * row_h) break;
            const Phrase* label = label_of(l);
            if (!label) {
                // Unlabelled line inside the table: the hidden date row under a year label
                // (dates or "########"), or something unexpected if it carries numbers.
                if (started) {
                    int numeric = 0;
                    for (const Word* w : l->words) numeric += looks_numeric(w->text) ? 1 : 0;
                    if (numeric >= 3) {
                        table.warnings.push_back(fmt("page %d: %s table: unlabelled row of numbers at y=%.1f "
                                                     "ignored",
                                                     pno, property_type.c_str(), l->box.y0));
                    }
                    prev_y1 = std::max(prev_y1, l->box.y1);
                }
                continue;
            }
            if (int y = parse_year(label->text)) {
                blocks.push_back(YearBlock{y, label->box, &hdr, std::vector<std::optional<CityRow>>(kCityMetricCount)});
                started = true;
                prev_y1 = l->box.y1;
                continue;
            }
            std::string key = norm_key(label->text);
            int metric = city_metric_from_key(key);
            const Line* second = nullptr;
            if (metric < 0 && li + 1 < seg.size()) {
                // A label wrapped onto two lines ("Days on" / "Market").
                const Phrase* next_label = label_of(seg[li + 1]);
                if (next_label && seg[li + 1]->box.y0 - l->box.y1 < row_h) {
                    int m2 = city_metric_from_key(key + norm_key(next_label->text));
                    if (m2 >= 0) metric = m2, second = seg[li + 1];
                }
            }
            if (metric < 0) {
                if (!started) continue;
                // An unknown row inside the table (a metric added in a later edition) has
                // numbers under the month columns; anything else ends the table (e.g. the
                // price-range table below it).
                int in_cols = 0, words = 0;
                for (const Word* w : l->words) {
                    if (std::find(label->words.begin(), label->words.end(), w) != label->words.end()) continue;
                    ++words;
                    if (!looks_numeric(w->text) && parse_value(w->text, ValueType::Int).status !=
                                                       ParsedValue::Status::Null) continue;
                    for (const MonthCol& mc : hdr.cols) {
                        if (x_overlap(w->box, mc.box) > 0 || std::fabs(xcentre(w->box) - xcentre(mc.box)) < 0.35 * hdr.pitch) {
                            ++in_cols;
                            break;
                        }
                    }
                }
                if (words > 0 && in_cols * 2 > words) {
                    table.warnings.push_back(fmt("page %d: %s table: row '%s' is not a known metric; ignored", pno,
                                                 property_type.c_str(), label->text.c_str()));
                    prev_y1 = l->box.y1;
                    continue;
                }
                break;
            }
            if (blocks.size() == first_block) {
                table.warnings.push_back(fmt("page %d: %s table: row '%s' appears before any year label; ignored",
                                             pno, property_type.c_str(), label->text.c_str()));
                continue;
            }
            YearBlock& blk = blocks.back();
            if (blk.rows[metric]) {
                table.warnings.push_back(fmt("page %d: %s table, %d: row '%s' printed twice; second one ignored",
                                             pno, property_type.c_str(), blk.year, label->text.c_str()));
                prev_y1 = l->box.y1;
                if (second) ++li;
                continue;
            }
            CityRow row;
            row.label = label;
            row.label_box = label->box;
            row.line_box = l->box;
            assign_values(l, label, row, kCityMetrics[metric].field);
            if (second) {
                const Phrase* l2 = label_of(second);
                row.label_box = unite(row.label_box, l2->box);
                row.line_box = unite(row.line_box, second->box);
                CityRow extra;
                assign_values(second, l2, extra, kCityMetrics[metric].field);
                for (size_t c = 0; c < row.cells.size(); ++c) {
                    if (!extra.cells[c].empty() && !row.cells[c].empty()) row.confidence[c] = std::min(row.confidence[c], 0.5);
                    row.cells[c].insert(row.cells[c].end(), extra.cells[c].begin(), extra.cells[c].end());
                    row.confidence[c] = std::min(row.confidence[c], extra.confidence[c]);
                }
                ++li;
            }
            blk.rows[metric] = std::move(row);
            metrics_seen.insert(metric);
            prev_y1 = (second ? second : l)->box.y1;
        }
    }

    // Not the monthly table unless most metric rows were found (chart pages repeat titles and legends).
    if (metrics_seen.size() < 4) return std::nullopt;
    std::set<std::string> months_done;
    for (const YearBlock& blk : blocks) {
        const MonthHeader& hdr = *blk.header;
        bool reported_missing[kCityMetricCount] = {};
        for (size_t c = 0; c < hdr.cols.size(); ++c) {
            bool any = false;
            for (const auto& r : blk.rows) any = any || (r && !r->cells[c].empty());
            if (!any) continue;
            const std::string month = month_string(blk.year, hdr.cols[c].month);
            if (!months_done.insert(month).second) {
                table.warnings.push_back(fmt("page %d: %s table: month %s printed twice; second one ignored", pno,
                                             property_type.c_str(), month.c_str()));
                continue;
            }
            Record rec;
            rec.fields.push_back({"month", text_cell(month, pno, hdr.cols[c].box, 1.0)});
            rec.fields.push_back({"property_type", text_cell(property_type, pno, type_box, 1.0)});
            for (int m = 0; m < kCityMetricCount; ++m) {
                const char* field = kCityMetrics[m].field;
                const auto& row = blk.rows[m];
                if (!row) {
                    if (!reported_missing[m]) {
                        reported_missing[m] = true;
                        table.warnings.push_back(fmt("page %d: %s table, %d: no '%s' row; values set to null", pno,
                                                     property_type.c_str(), blk.year, field));
                    }
                    rec.fields.push_back({field, null_cell(pno, hdr.cols[c].box, 0.0)});
                    continue;
                }
                Box cell_box{hdr.cols[c].box.x0, row->line_box.y0, hdr.cols[c].box.x1, row->line_box.y1};
                if (row->cells[c].empty()) {
                    table.warnings.push_back(fmt("page %d: %s table, %s: '%s' is blank; read as null", pno,
                                                 property_type.c_str(), month.c_str(), field));
                    rec.fields.push_back({field, null_cell(pno, cell_box, 0.8)});
                    continue;
                }
                std::string printed = join_words(row->cells[c], cell_box);
                double conf = row->confidence[c];
                if (row->cells[c].size() > 1) conf = std::min(conf, 0.9);
                rec.fields.push_back({field, value_cell(printed, ValueType::Int, pno, cell_box, conf,
                                                        property_type + " " + month + " " + field, table.warnings)});
            }
            table.records.push_back(std::move(rec));
        }
    }
    if (table.records.empty()) return std::nullopt;
    std::stable_sort(table.records.begin(), table.records.end(), [](const Record& a, const Record& b) {
        return a.fields[0].cell.text < b.fields[0].cell.text;
    });
    table.last_month = table.records.back().fields[0].cell.text;
    return table;
}

// ---- district table ----

namespace {

struct DistrictField {
    const char* field;
    ValueType type;
};

const DistrictField kDistrictFields[] = {
    {"sales", ValueType::Int},
    {"new_listings", ValueType::Int},
    {"sales_to_new_listings_ratio_pct", ValueType::Real},
    {"inventory", ValueType::Int},
    {"months_of_supply", ValueType::Real},
    {"benchmark_price", ValueType::Int},
    {"yoy_benchmark_change_pct", ValueType::Real},
    {"mom_benchmark_change_pct", ValueType::Real},
};
constexpr int kDistrictFieldCount = sizeof kDistrictFields / sizeof kDistrictFields[0];

// Column header text -> index into kDistrictFields, -1 if not recognised.
int district_field_from_header(const std::string& header) {
    const std::string k = norm_key(header);
    auto has = [&](const char* s) { return k.find(s) != std::string::npos; };
    if (has("yearoveryear") || has("yoy")) return 6;
    if (has("monthovermonth") || has("mom")) return 7;
    if (has("ratio")) return 2;
    if (has("supply")) return 4;
    if (has("benchmark") && !has("change")) return 5;
    if (has("newlistings")) return 1;
    if (has("inventory")) return 3;
    if (has("sales")) return 0;
    return -1;
}

struct DistrictRow {
    const Line* line;
    const Phrase* label;
    std::string district;
    std::vector<const Phrase*> values;
    int section;
};

struct Section {
    std::string type;  // canonical; "" = ignored section
    const Phrase* label;
};

struct Column {
    Box span;
    std::vector<const Phrase*> cells;
    std::vector<const Word*> header;
    int field = -1;
};

}  // namespace

std::optional<DistrictTable> read_district_table(const PageText& page) {
    const int pno = page.number;
    DistrictTable table;
    table.page = pno;
    std::vector<Section> sections;
    std::vector<DistrictRow> rows;
    std::vector<const Line*> unknown_rows;  // labelled rows of numbers that are not districts
    size_t first_row_line = page.lines.size();

    for (size_t li = 0; li < page.lines.size(); ++li) {
        const Line& line = page.lines[li];
        if (line.phrases.empty()) continue;
        if (line.phrases.size() == 1) {
            std::string type = property_type_from_key(norm_key(line.text));
            if (!type.empty()) {
                sections.push_back({type == "Total" ? "" : type, &line.phrases.front()});
                if (type == "Total") {
                    table.warnings.push_back(fmt("page %d: district table section '%s' is not one of the four "
                                                 "property types; ignored",
                                                 pno, line.text.c_str()));
                }
            }
            continue;
        }
        std::string district = district_from_key(norm_key(line.phrases.front().text));
        int numeric = 0;
        for (size_t p = 1; p < line.phrases.size(); ++p) numeric += looks_numeric(line.phrases[p].text) ? 1 : 0;
        if (numeric < 3) continue;
        if (district.empty()) {
            if (!looks_numeric(line.phrases.front().text)) unknown_rows.push_back(&line);
            continue;
        }
        DistrictRow r{&line, &line.phrases.front(), district, {}, static_cast<int>(sections.size()) - 1};
        for (size_t p = 1; p < line.phrases.size(); ++p) r.values.push_back(&line.phrases[p]);
        rows.push_back(std::move(r));
        first_row_line = std::min(first_row_line, li);
    }
    if (rows.size() < 4) return std::nullopt;

    // Columns: merge the x-extents of all value cells that overlap horizontally.
    std::vector<Column> cols;
    {
        std::vector<const Phrase*> cells;
        for (const DistrictRow& r : rows) cells.insert(cells.end(), r.values.begin(), r.values.end());
        std::sort(cells.begin(), cells.end(), [](const Phrase* a, const Phrase* b) { return a->box.x0 < b->box.x0; });
        for (const Phrase* c : cells) {
            if (!cols.empty() && c->box.x0 < cols.back().span.x1) {
                cols.back().span = unite(cols.back().span, c->box);
                cols.back().cells.push_back(c);
            } else {
                cols.push_back(Column{c->box, {c}, {}, -1});
            }
        }
    }

    // Header band: the lines directly above the first district row (skipping a section
    // label), climbing while the vertical gap between lines stays below one line height.
    std::vector<const Line*> header_lines;
    {
        const Line* below = &page.lines[first_row_line];
        for (size_t li = first_row_line; li-- > 0;) {
            const Line& l = page.lines[li];
            if (l.phrases.size() == 1 && !property_type_from_key(norm_key(l.text)).empty()) {
                below = &l;
                continue;
            }
            if (!header_lines.empty()) {
                double gap = below->box.y0 - l.box.y1;
                double h = std::min(height(below->box), height(l.box));
                if (gap > 1.0 * h) break;
            }
            if (header_lines.size() >= 8) break;
            header_lines.push_back(&l);
            below = &l;
        }
    }
    // The row-label column: district labels and section labels. Header words starting
    // inside it form the table's corner header ("February 2025").
    double label_x1 = 0;
    for (const DistrictRow& r : rows) label_x1 = std::max(label_x1, r.label->box.x1);
    label_x1 = std::min(label_x1, cols.front().span.x0);
    std::vector<double> col_gaps;
    for (size_t c = 1; c < cols.size(); ++c) col_gaps.push_back(cols[c].span.x0 - cols[c - 1].span.x0);
    const double col_pitch = col_gaps.empty() ? 1e300 : median(col_gaps);
    std::vector<std::pair<const Line*, std::vector<const Word*>>> corner;
    for (auto it = header_lines.rbegin(); it != header_lines.rend(); ++it) {
        const Line* l = *it;
        std::vector<const Word*> left;
        // A header word belongs to the column it overlaps most. A word overlapping no
        // column continues its phrase's previous word (headers overflow to the right of
        // their column: "Benchmark Price"). A phrase's first word with no overlap heads
        // the first column starting at or right of it, within one column pitch (a
        // left-aligned header over right-aligned numbers).
        for (const Phrase& ph : l->phrases) {
            if (ph.box.x0 < label_x1) {
                left.insert(left.end(), ph.words.begin(), ph.words.end());
                continue;
            }
            int prev = -1;
            for (const Word* w : ph.words) {
                int best = -1;
                double bo = 0;
                for (size_t c = 0; c < cols.size(); ++c) {
                    double o = x_overlap(w->box, cols[c].span);
                    if (o > bo) bo = o, best = static_cast<int>(c);
                }
                if (best < 0) best = prev;
                if (best < 0) {
                    for (size_t c = 0; c < cols.size(); ++c) {
                        if (cols[c].span.x0 >= w->box.x0 - 1.0) {
                            if (cols[c].span.x0 - w->box.x0 < col_pitch) best = static_cast<int>(c);
                            break;
                        }
                    }
                }
                if (best >= 0) cols[best].header.push_back(w);
                prev = best;
            }
        }
        if (!left.empty()) corner.emplace_back(l, left);
    }
    for (const auto& c : corner) {
        Box b;
        std::string text;
        for (size_t k = 0; k < c.second.size(); ++k) {
            b = k == 0 ? c.second[k]->box : unite(b, c.second[k]->box);
            text += (k ? " " : "") + c.second[k]->text;
        }
        std::string m = parse_month_year(text);
        if (!m.empty()) table.month = m, table.month_box = b;
    }

    int field_col[kDistrictFieldCount];
    std::fill(std::begin(field_col), std::end(field_col), -1);
    int recognised = 0;
    for (size_t c = 0; c < cols.size(); ++c) {
        std::string text;
        for (const Word* w : cols[c].header) text += (text.empty() ? "" : " ") + w->text;
        int f = district_field_from_header(text);
        if (f < 0) {
            table.warnings.push_back(fmt("page %d: district table column at x=%.0f..%.0f with header '%s' not "
                                         "recognised; ignored",
                                         pno, cols[c].span.x0, cols[c].span.x1, text.c_str()));
            continue;
        }
        if (field_col[f] >= 0) {
            table.warnings.push_back(fmt("page %d: district table: two columns look like '%s' (header '%s'); the "
                                         "second is ignored",
                                         pno, kDistrictFields[f].field, text.c_str()));
            continue;
        }
        field_col[f] = static_cast<int>(c);
        cols[c].field = f;
        ++recognised;
    }
    if (recognised < kDistrictFieldCount / 2) {
        table.failure = fmt("page %d: district table found (%zu rows) but only %d of %d column headers recognised",
                            pno, rows.size(), recognised, kDistrictFieldCount);
        return table;
    }
    for (int f = 0; f < kDistrictFieldCount; ++f) {
        if (field_col[f] < 0) {
            table.warnings.push_back(fmt("page %d: district table has no '%s' column; values set to null", pno,
                                         kDistrictFields[f].field));
        }
    }

    // One record per district row of a known section.
    std::map<int, std::set<std::string>> seen;  // section -> districts
    std::set<std::string> types_seen;
    std::set<int> skipped_sections;
    for (size_t s = 0; s < sections.size(); ++s) {
        if (sections[s].type.empty()) continue;
        if (!types_seen.insert(sections[s].type).second) {
            table.warnings.push_back(fmt("page %d: district table section '%s' printed twice; second one ignored",
                                         pno, sections[s].type.c_str()));
            skipped_sections.insert(static_cast<int>(s));
        }
    }
    for (const DistrictRow& r : rows) {
        if (r.section < 0) {
            table.warnings.push_back(fmt("page %d: district row '%s' at y=%.1f precedes any property-type label; "
                                         "ignored",
                                         pno, r.label->text.c_str(), r.line->box.y0));
            continue;
        }
        const Section& sec = sections[r.section];
        if (sec.type.empty() || skipped_sections.count(r.section)) continue;
        if (!seen[r.section].insert(r.district).second) {
            table.warnings.push_back(fmt("page %d: district '%s' printed twice under '%s'; second one ignored", pno,
                                         r.district.c_str(), sec.type.c_str()));
            continue;
        }
        Record rec;
        if (!table.month.empty()) {
            rec.fields.push_back({"month", text_cell(table.month, pno, table.month_box, 1.0)});
        } else {
            rec.fields.push_back({"month", null_cell(pno, Box{}, 0.0)});
        }
        rec.fields.push_back({"property_type", text_cell(sec.type, pno, sec.label->box, 1.0)});
        rec.fields.push_back({"district", text_cell(r.district, pno, r.label->box, 1.0)});
        const std::string where = sec.type + " / " + r.district;
        for (int f = 0; f < kDistrictFieldCount; ++f) {
            const char* field = kDistrictFields[f].field;
            if (field_col[f] < 0) {
                rec.fields.push_back({field, null_cell(pno, Box{}, 0.0)});
                continue;
            }
            const Column& col = cols[field_col[f]];
            std::vector<const Phrase*> hits;
            for (const Phrase* v : r.values) {
                if (x_overlap(v->box, col.span) > 0) hits.push_back(v);
            }
            Box cell_box{col.span.x0, r.line->box.y0, col.span.x1, r.line->box.y1};
            if (hits.empty()) {
                table.warnings.push_back(fmt("page %d: %s %s is blank; read as null", pno, where.c_str(), field));
                rec.fields.push_back({field, null_cell(pno, cell_box, 0.8)});
                continue;
            }
            std::string printed;
            for (size_t k = 0; k < hits.size(); ++k) {
                cell_box = k == 0 ? hits[k]->box : unite(cell_box, hits[k]->box);
                printed += hits[k]->text;
            }
            double conf = hits.size() == 1 ? 1.0 : 0.5;
            if (hits.size() > 1) {
                table.warnings.push_back(fmt("page %d: %s %s: several pieces '%s' in one column", pno, where.c_str(),
                                             field, printed.c_str()));
            }
            rec.fields.push_back(
                {field, value_cell(printed, kDistrictFields[f].type, pno, cell_box, conf, where + " " + field,
                                   table.warnings)});
        }
        // Values outside every recognised column.
        for (const Phrase* v : r.values) {
            bool used = false;
            for (int f = 0; f < kDistrictFieldCount; ++f) {
                if (field_col[f] >= 0 && x_overlap(v->box, cols[field_col[f]].span) > 0) used = true;
            }
            if (!used) {
                table.warnings.push_back(fmt("page %d: %s: value '%s' is under no recognised column; ignored", pno,
                                             where.c_str(), v->text.c_str()));
            }
        }
        // Self-consistency: ratio = sales/new_listings*100, supply = inventory/sales (2 decimals printed).
        auto get = [&](const char* name) -> Cell* {
            for (Field& fl : rec.fields) {
                if (fl.name == name) return &fl.cell;
            }
            return nullptr;
        };
        Cell* sales = get("sales");
        Cell* nl = get("new_listings");
        Cell* ratio = get("sales_to_new_listings_ratio_pct");
        Cell* inv = get("inventory");
        Cell* mos = get("months_of_supply");
        auto is_num = [](const Cell* c) { return c && (c->kind == Cell::Kind::Int || c->kind == Cell::Kind::Real); };
        if (is_num(sales) && is_num(nl) && is_num(ratio) && nl->i > 0) {
            double expect = 100.0 * static_cast<double>(sales->i) / static_cast<double>(nl->i);
            if (std::fabs(expect - ratio->d) > 0.0051) {
                ratio->confidence = std::min(ratio->confidence, 0.7);
                table.warnings.push_back(fmt("page %d: %s: sales-to-new-listings ratio %s does not match %lld/%lld "
                                             "(%.2f%%)",
                                             pno, where.c_str(), ratio->text.c_str(), sales->i, nl->i, expect));
            }
        }
        if (is_num(sales) && is_num(inv) && is_num(mos) && sales->i > 0) {
            double expect = static_cast<double>(inv->i) / static_cast<double>(sales->i);
            if (std::fabs(expect - mos->d) > 0.0051) {
                mos->confidence = std::min(mos->confidence, 0.7);
                table.warnings.push_back(fmt("page %d: %s: months of supply %s does not match %lld/%lld (%.2f)", pno,
                                             where.c_str(), mos->text.c_str(), inv->i, sales->i, expect));
            }
        }
        table.records.push_back(std::move(rec));
    }
    for (const Line* l : unknown_rows) {
        if (l->box.y0 > rows.front().line->box.y0 && l->box.y0 < rows.back().line->box.y1) {
            table.warnings.push_back(fmt("page %d: district table row '%s' is not a known district; ignored", pno,
                                         l->phrases.front().text.c_str()));
        }
    }
    // Completeness: every known section should list every district once.
    for (size_t s = 0; s < sections.size(); ++s) {
        if (sections[s].type.empty() || skipped_sections.count(static_cast<int>(s))) continue;
        for (const auto& d : district_names()) {
            if (!seen[static_cast<int>(s)].count(d.second)) {
                table.warnings.push_back(fmt("page %d: district table section '%s' has no '%s' row", pno,
                                             sections[s].type.c_str(), d.second.c_str()));
            }
        }
    }
    for (const std::string& t : city_property_types()) {
        if (t != "Total" && !types_seen.count(t)) {
            table.warnings.push_back(fmt("page %d: district table has no '%s' section", pno, t.c_str()));
        }
    }
    if (table.records.empty()) {
        table.failure = fmt("page %d: district rows found but none under a property-type section label", pno);
    }
    return table;
}

}  // namespace creb
