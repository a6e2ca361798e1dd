#include "creb_synth/creb_synth.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "creb_synth/pdf_writer.h"

namespace creb_synth {

using pdfw::Align;
using pdfw::Font;

// ======================================================================
// Names
// ======================================================================

const std::vector<std::string>& city_property_types() {
    static const std::vector<std::string> v{"Total", "Detached", "Apartment", "Semi-detached", "Row"};
    return v;
}
const std::vector<std::string>& district_property_types() {
    static const std::vector<std::string> v{"Detached", "Apartment", "Semi-detached", "Row"};
    return v;
}
const std::vector<std::string>& districts() {
    static const std::vector<std::string> v{"City Centre", "North East", "North",      "North West", "West",
                                            "South",       "South East", "East",       "TOTAL CITY"};
    return v;
}

namespace {

constexpr int kNumTypes = 4;      // Detached, Apartment, Semi-detached, Row
constexpr int kNumDistricts = 8;  // without TOTAL CITY

// City-page labels for the JSON types (city_property_types() order).
const char* const kCityPageLabel[5] = {"Total Residential", "Detached", "Apartment", "Semi-Detached", "Row"};
// Chart titles on the city chart pages.
const char* const kChartTypeWord[5] = {"TOTAL", "DETACHED", "APARTMENT", "SEMI-DET.", "ROW"};

const char* const kMonthName[12] = {"January", "February", "March",     "April",   "May",      "June",
                                    "July",    "August",   "September", "October", "November", "December"};
const char* const kMonthAbbr[12] = {"Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.",
                                    "Jul.", "Aug.", "Sep.", "Oct.", "Nov.", "Dec."};
const char* const kMonthHeader[12] = {"Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.",
                                      "Jul.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."};
const char* const kMonth3[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// ======================================================================
// Deterministic hashing "randomness" (independent of the standard library's
// distribution implementations, so output is identical everywhere).
// ======================================================================

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

class Rng {
public:
    explicit Rng(unsigned seed) : seed_(seed) {}
    // Uniform [0,1) from a tag and integer coordinates.
    double u(std::string_view tag, std::initializer_list<long long> parts = {}) const {
        return uniform(0x5EED0000ULL, tag, parts);
    }
    // Roughly normal(0,1) (sum of 4 uniforms).
    double n(std::string_view tag, std::initializer_list<long long> parts = {}) const {
        std::vector<long long> v(parts);
        double s = 0;
        for (long long k = 0; k < 4; ++k) {
            v.push_back(k);
            s += uniform(0xC0FFEEULL, tag, v);
            v.pop_back();
        }
        return (s - 2.0) * std::sqrt(3.0);
    }
    unsigned seed() const { return seed_; }

private:
    // Uniform [0,1) hashed from `stream` (one per kind of draw), the seed, `tag` and `parts`.
    template <typename Parts>
    double uniform(std::uint64_t stream, std::string_view tag, const Parts& parts) const {
        std::uint64_t h = splitmix(stream ^ seed_);
        for (char c : tag) h = splitmix(h ^ static_cast<unsigned char>(c));
        for (long long p : parts) h = splitmix(h ^ static_cast<std::uint64_t>(p) ^ 0xA5A5A5A5ULL);
        return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
    }

    unsigned seed_;
};

// ======================================================================
// Months and rounding
// ======================================================================

int month_index(int year, int month) { return year * 12 + (month - 1); }
int year_of(int mi) { return mi / 12; }
int moy_of(int mi) { return mi % 12; }  // 0..11
std::string month_str(int mi) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02d", year_of(mi), moy_of(mi) + 1);
    return buf;
}

bool parse_month(const std::string& s, int& year, int& month) {
    if (s.size() != 7 || s[4] != '-') return false;
    for (std::size_t i = 0; i < 7; ++i) {
        if (i != 4 && (s[i] < '0' || s[i] > '9')) return false;
    }
    year = std::stoi(s.substr(0, 4));
    month = std::stoi(s.substr(5, 2));
    return year >= 1990 && year <= 2099 && month >= 1 && month <= 12;
}

// Round num/den half away from zero (den > 0).
long long div_round(long long num, long long den) {
    if (num >= 0) return (2 * num + den) / (2 * den);
    return -((-2 * num + den) / (2 * den));
}
long long round_to(double v, long long step) { return static_cast<long long>(std::llround(v / static_cast<double>(step))) * step; }

// ======================================================================
// Number formats (exactly as printed)
// ======================================================================

std::string commas(long long v) {
    const bool neg = v < 0;
    std::string digits = std::to_string(neg ? -v : v);
    std::string out;
    int n = 0;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        if (n && n % 3 == 0) out.push_back(',');
        out.push_back(*it);
        ++n;
    }
    if (neg) out.push_back('-');
    return {out.rbegin(), out.rend()};
}
std::string fmt_int(const Int& v) { return v ? commas(*v) : "-"; }
std::string fmt_money(const Int& v) {
    if (!v) return "-";
    return *v < 0 ? "-$" + commas(-*v) : "$" + commas(*v);
}
std::string fmt_cents(const Cents& v) {
    if (!v) return "-";
    const long long a = *v < 0 ? -*v : *v;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s%lld.%02lld", *v < 0 ? "-" : "", a / 100, a % 100);
    return buf;
}
std::string fmt_pct(const Cents& v) { return v ? fmt_cents(v) + "%" : "-"; }

// ======================================================================
// Model generation
// ======================================================================

struct TypeParams {
    double base_sales;    // typical monthly sales
    double nl_ratio;      // new listings per sale
    double inv_ratio;     // inventory per sale
    double bench_anchor;  // benchmark at the epoch month
    double base2005;      // index base
    double dom_base;
};
// Detached, Apartment, Semi-detached, Row
constexpr TypeParams kType[kNumTypes] = {
    {1150, 1.22, 1.45, 612000, 243000, 27},
    {640, 1.30, 1.95, 296000, 131000, 35},
    {205, 1.18, 1.60, 548000, 222000, 29},
    {420, 1.20, 1.30, 372000, 158000, 28},
};
constexpr double kTotalBase2005 = 209000;
constexpr double kTotalBenchWeight[kNumTypes] = {0.52, 0.18, 0.10, 0.20};

constexpr double kSalesSeason[12] = {0.55, 0.74, 0.95, 1.05, 1.16, 1.10, 0.98, 0.92, 0.86, 0.82, 0.67, 0.50};
constexpr double kNlSeason[12] = {1.30, 1.18, 1.16, 1.12, 1.18, 1.22, 1.26, 1.28, 1.38, 1.30, 1.22, 0.92};
constexpr double kInvSeason[12] = {0.82, 0.90, 1.00, 1.06, 1.18, 1.26, 1.32, 1.33, 1.36, 1.30, 1.20, 0.88};
constexpr double kDomSeason[12] = {1.40, 1.05, 0.86, 0.80, 0.76, 0.76, 0.86, 0.92, 0.96, 1.06, 1.18, 1.38};

// District shares of city activity and benchmark factors, per type.
constexpr double kShare[kNumTypes][kNumDistricts] = {
    {0.10, 0.15, 0.13, 0.12, 0.08, 0.19, 0.16, 0.05},
    {0.40, 0.08, 0.10, 0.08, 0.08, 0.14, 0.08, 0.03},
    {0.20, 0.15, 0.10, 0.10, 0.07, 0.18, 0.12, 0.05},
    {0.10, 0.20, 0.16, 0.07, 0.09, 0.17, 0.17, 0.04},
};
constexpr double kBenchFactor[kNumTypes][kNumDistricts] = {
    {1.40, 0.80, 0.90, 1.02, 1.30, 0.96, 0.96, 0.72},
    {1.03, 0.92, 1.00, 0.93, 1.08, 0.95, 1.07, 0.76},
    {1.38, 0.65, 0.76, 0.95, 1.17, 0.79, 0.76, 0.60},
    {1.36, 0.83, 0.93, 0.99, 1.03, 0.90, 1.02, 0.69},
};

const int kEpoch = month_index(2022, 1);

double bench_raw(const Rng& rng, int t, int mi) {
    auto delta = [&](int k) {
        const double season = std::sin(2.0 * 3.14159265358979 * (moy_of(k) - 2) / 12.0);
        return 0.0035 + 0.0055 * season + 0.004 * (rng.u("bench", {t, k}) - 0.5) +
               0.002 * (rng.u("bench-year", {year_of(k)}) - 0.5);
    };
    double logv = std::log(kType[t].bench_anchor * (0.94 + 0.12 * rng.u("anchor", {t})));
    if (mi >= kEpoch) {
        for (int k = kEpoch + 1; k <= mi; ++k) logv += delta(k);
    } else {
        for (int k = mi + 1; k <= kEpoch; ++k) logv -= delta(k);
    }
    return std::exp(logv);
}

CityMonth type_month(const Rng& rng, int t, int mi, int report_mi) {
    const int moy = moy_of(mi);
    const int y = year_of(mi);
    const TypeParams& p = kType[t];
    const double year_f = (0.86 + 0.28 * rng.u("year", {y})) * (0.95 + 0.10 * rng.u("tyear", {t, y}));
    const double sales_f = p.base_sales * kSalesSeason[moy] * year_f * (0.94 + 0.12 * rng.u("sales", {t, mi}));
    long long sales = std::max(12LL, static_cast<long long>(std::llround(sales_f)));
    long long nl = std::max(12LL, static_cast<long long>(std::llround(
                                      sales_f * p.nl_ratio * kNlSeason[moy] * (0.9 + 0.2 * rng.u("nl", {t, mi})))));
    const double inv_year = 0.7 + 0.6 * rng.u("invyear", {y});
    long long inv = std::max(20LL, static_cast<long long>(std::llround(p.base_sales * p.inv_ratio * kInvSeason[moy] *
                                                                       inv_year * (0.93 + 0.14 * rng.u("inv", {t, mi})))));
    long long dom = std::clamp(static_cast<long long>(std::llround(p.dom_base * kDomSeason[moy] / year_f *
                                                                   (0.9 + 0.2 * rng.u("dom", {t, mi})))),
                               9LL, 95LL);
    const double bench = bench_raw(rng, t, mi);
    const long long bench_r = round_to(bench, 100);
    const double med = bench * (0.91 + 0.08 * rng.u("median", {t, mi}));
    const double style = rng.u("median-style", {t, mi});
    long long median = style < 0.5 ? round_to(med, 500) : style < 0.75 ? round_to(med, 50) : std::llround(med);
    long long average = std::llround(bench * (1.02 + 0.08 * rng.u("average", {t, mi})));

    // Revisions: an older month is reprinted with slightly different counts.
    if (mi < report_mi) {
        auto revise = [&](long long& v, const char* f, int spread) {
            if (rng.u("rev", {t, mi, report_mi, f[0], f[1]}) < 0.25) {
                const long long d = static_cast<long long>(rng.u("revd", {t, mi, report_mi, f[0], f[1]}) * (2 * spread + 1)) - spread;
                v = std::max(1LL, v + d);
            }
        };
        revise(sales, "sa", 2);
        revise(nl, "nl", 2);
        revise(inv, "in", 3);
        revise(average, "av", 150);
    }

    CityMonth m;
    m.month = month_str(mi);
    m.sales = sales;
    m.new_listings = nl;
    m.inventory = inv;
    m.days_on_market = dom;
    m.benchmark_price = bench_r;
    m.median_price = median;
    m.average_price = average;
    m.index = std::llround(static_cast<double>(bench_r) / p.base2005 * 100.0);
    return m;
}

CityMonth total_month(const std::vector<CityMonth>& parts, const std::string& month) {
    CityMonth m;
    m.month = month;
    long long sales = 0, nl = 0, inv = 0;
    double dom_w = 0, med_w = 0, avg_w = 0, bench = 0;
    for (int t = 0; t < kNumTypes; ++t) {
        const CityMonth& p = parts[static_cast<std::size_t>(t)];
        sales += *p.sales;
        nl += *p.new_listings;
        inv += *p.inventory;
        dom_w += static_cast<double>(*p.days_on_market * *p.sales);
        med_w += static_cast<double>(*p.median_price) * static_cast<double>(*p.sales);
        avg_w += static_cast<double>(*p.average_price) * static_cast<double>(*p.sales);
        bench += kTotalBenchWeight[t] * static_cast<double>(*p.benchmark_price);
    }
    const double s = static_cast<double>(sales);
    m.sales = sales;
    m.new_listings = nl;
    m.inventory = inv;
    m.days_on_market = std::llround(dom_w / s);
    m.benchmark_price = round_to(bench, 100);
    m.median_price = round_to(med_w / s * 0.97, 250);
    m.average_price = std::llround(avg_w / s);
    m.index = std::llround(static_cast<double>(*m.benchmark_price) / kTotalBase2005 * 100.0);
    return m;
}

// Split `total` over the districts: shares jittered, a small part left
// unassigned (the city total can include areas without a district).
std::vector<long long> split_total(const Rng& rng, const char* tag, int t, int report_mi, long long total) {
    std::vector<double> w(kNumDistricts);
    double sum = 0;
    for (int d = 0; d < kNumDistricts; ++d) {
        w[static_cast<std::size_t>(d)] = kShare[t][d] * (0.8 + 0.4 * rng.u(tag, {t, d, report_mi}));
        sum += w[static_cast<std::size_t>(d)];
    }
    const double unassigned = rng.u("unassigned", {t, report_mi, tag[0]}) < 0.3 ? 0.0 : 0.025 * rng.u("unassigned-f", {t, report_mi, tag[0]});
    std::vector<long long> out(kNumDistricts);
    long long acc = 0;
    for (int d = 0; d < kNumDistricts; ++d) {
        const double v = static_cast<double>(total) * (1.0 - unassigned) * w[static_cast<std::size_t>(d)] / sum;
        out[static_cast<std::size_t>(d)] = std::max(1LL, static_cast<long long>(std::floor(v)));
        acc += out[static_cast<std::size_t>(d)];
    }
    while (acc > total) {  // only possible for tiny totals (the minimum of 1)
        auto it = std::max_element(out.begin(), out.end());
        if (*it <= 1) break;
        --*it;
        --acc;
    }
    return out;
}

Cents ratio_cents(long long num, long long den) {
    if (den <= 0) return std::nullopt;
    return div_round(num * 10000, den);
}
Cents mos_cents(long long inv, long long sales) {
    if (sales <= 0) return std::nullopt;
    return div_round(inv * 100, sales);
}
Cents change_cents(long long now, long long prev) {
    if (prev <= 0) return std::nullopt;
    return div_round((now - prev) * 10000, prev);
}

DistrictBlock district_block(const Rng& rng, int t, int report_mi, const CityMonth& cur, long long bench_prev_year,
                             long long bench_prev_month, const std::string& type_name) {
    DistrictBlock b;
    b.property_type = type_name;
    const long long sales = *cur.sales, nl = *cur.new_listings, inv = *cur.inventory;
    const std::vector<long long> ds = split_total(rng, "dsales", t, report_mi, sales);
    const std::vector<long long> dn = split_total(rng, "dnl", t, report_mi, nl);
    const std::vector<long long> di = split_total(rng, "dinv", t, report_mi, inv);
    const Cents city_yoy = change_cents(*cur.benchmark_price, bench_prev_year);
    const Cents city_mom = change_cents(*cur.benchmark_price, bench_prev_month);
    for (int d = 0; d < kNumDistricts; ++d) {
        const auto i = static_cast<std::size_t>(d);
        DistrictRow r;
        r.district = districts()[i];
        r.sales = ds[i];
        r.new_listings = dn[i];
        r.inventory = di[i];
        r.ratio_pct = ratio_cents(ds[i], dn[i]);
        r.months_of_supply = mos_cents(di[i], ds[i]);
        long long bench =
            round_to(static_cast<double>(*cur.benchmark_price) * kBenchFactor[t][d] * (0.97 + 0.06 * rng.u("dbench", {t, d, report_mi})), 100);
        if (t == 0 && d == 0) {  // keep one seven-digit benchmark in every report, as in the real ones
            bench = std::max(bench, round_to(1005000.0 + 80000.0 * rng.u("dbench7", {report_mi}), 100));
        }
        r.benchmark_price = bench;
        r.yoy_pct = *city_yoy + std::llround(250.0 * rng.n("dyoy", {t, d, report_mi}));
        r.mom_pct = *city_mom + std::llround(80.0 * rng.n("dmom", {t, d, report_mi}));
        b.rows.push_back(r);
    }
    DistrictRow tot;
    tot.district = "TOTAL CITY";
    tot.sales = sales;
    tot.new_listings = nl;
    tot.inventory = inv;
    tot.ratio_pct = ratio_cents(sales, nl);
    tot.months_of_supply = mos_cents(inv, sales);
    tot.benchmark_price = cur.benchmark_price;
    tot.yoy_pct = city_yoy;
    tot.mom_pct = city_mom;
    b.rows.push_back(tot);
    return b;
}

// ------------------------------------------------------------------ fields

// The figures of a city month and of a district row under their names in the
// expected records, in printed order: the one list the overrides, the city and
// district pages and the expected records read. `cents`: held in hundredths (a
// 2-decimal figure).
struct CityField {
    const char* name;
    const char* label;  // the row's label on the city pages
    Int CityMonth::*member;
};
const CityField kCityFields[] = {
    {"sales", "Sales", &CityMonth::sales},
    {"new_listings", "New Listings", &CityMonth::new_listings},
    {"inventory", "Inventory", &CityMonth::inventory},
    {"days_on_market", "Days on Market", &CityMonth::days_on_market},
    {"benchmark_price", "Benchmark Price", &CityMonth::benchmark_price},
    {"median_price", "Median Price", &CityMonth::median_price},
    {"average_price", "Average Price", &CityMonth::average_price},
    {"index", "Index", &CityMonth::index},
};
struct DistrictField {
    const char* name;
    Int DistrictRow::*member;
    bool cents;
    std::string (*print)(const Int&);  // as the district table prints it
};
const DistrictField kDistrictFields[] = {
    {"sales", &DistrictRow::sales, false, fmt_int},
    {"new_listings", &DistrictRow::new_listings, false, fmt_int},
    {"sales_to_new_listings_ratio_pct", &DistrictRow::ratio_pct, true, fmt_pct},
    {"inventory", &DistrictRow::inventory, false, fmt_int},
    {"months_of_supply", &DistrictRow::months_of_supply, true, fmt_cents},
    {"benchmark_price", &DistrictRow::benchmark_price, false, fmt_money},
    {"yoy_benchmark_change_pct", &DistrictRow::yoy_pct, true, fmt_pct},
    {"mom_benchmark_change_pct", &DistrictRow::mom_pct, true, fmt_pct},
};

// The field called `name`, or nullptr.
template <typename Field, std::size_t N>
const Field* field_named(const Field (&fields)[N], const std::string& name) {
    for (const Field& f : fields)
        if (name == f.name) return &f;
    return nullptr;
}

// ---------------------------------------------------------------- overrides

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    out.push_back(cur);
    return out;
}

// The cell named by the parts k[1..3] of an override key: the group (a property
// type) of `groups`, its entry whose `entry_name` is k[2], and that entry's field
// k[3]. A missing one is reported by calling `bad` with the reason; `bad` throws.
template <typename Group, typename Entry, typename Field, std::size_t N, typename Bad>
std::pair<Entry*, const Field*> override_cell(std::vector<Group>& groups, std::vector<Entry> Group::*entries,
                                              std::string Entry::*entry_name, const char* no_entry,
                                              const Field (&fields)[N], const std::vector<std::string>& k,
                                              const Bad& bad) {
    for (Group& g : groups) {
        if (g.property_type != k[1]) continue;
        for (Entry& e : g.*entries) {
            if (e.*entry_name != k[2]) continue;
            const Field* f = field_named(fields, k[3]);
            if (!f) bad("unknown field");
            return {&e, f};
        }
        bad(no_entry);
    }
    bad("unknown property type");
    return {};  // not reached
}

void apply_override(Report& r, const std::string& key, double value) {
    const std::vector<std::string> k = split(key, '/');
    auto bad = [&](const std::string& why) { throw std::invalid_argument("override '" + key + "': " + why); };
    if (k.size() != 4) bad("expected 4 '/'-separated parts");
    const Int iv = std::isnan(value) ? Int{} : Int{std::llround(value)};
    const Cents cv = std::isnan(value) ? Cents{} : Cents{std::llround(value * 100.0)};
    if (k[0] == "city_monthly") {
        const auto [month, field] = override_cell(r.city, &CitySeries::months, &CityMonth::month,
                                                  "month not printed in this report", kCityFields, k, bad);
        month->*(field->member) = iv;
    } else if (k[0] == "district_monthly") {
        const auto [row, field] = override_cell(r.districts, &DistrictBlock::rows, &DistrictRow::district,
                                                "unknown district", kDistrictFields, k, bad);
        row->*(field->member) = field->cents ? cv : iv;
    } else {
        bad("section must be city_monthly or district_monthly");
    }
}

const CityMonth* find_month(const CitySeries& s, int mi) {
    const std::string m = month_str(mi);
    for (const CityMonth& c : s.months) {
        if (c.month == m) return &c;
    }
    return nullptr;
}

}  // namespace

Report generate_model(const Options& opt) {
    Report r;
    if (!parse_month(opt.report_month, r.year, r.month)) {
        throw std::invalid_argument("report_month must be YYYY-MM (1990..2099), got '" + opt.report_month + "'");
    }
    r.report_month = opt.report_month;
    const Rng rng(opt.seed);
    const int report_mi = month_index(r.year, r.month);
    const int first_mi = month_index(r.year - 1, 1);

    // Four property types month by month, then Total as their sum.
    std::vector<CitySeries> types(kNumTypes);
    for (int t = 0; t < kNumTypes; ++t) {
        types[static_cast<std::size_t>(t)].property_type = district_property_types()[static_cast<std::size_t>(t)];
        for (int mi = first_mi; mi <= report_mi; ++mi) {
            types[static_cast<std::size_t>(t)].months.push_back(type_month(rng, t, mi, report_mi));
        }
    }
    CitySeries total;
    total.property_type = "Total";
    for (std::size_t k = 0; k < types[0].months.size(); ++k) {
        std::vector<CityMonth> parts;
        for (const CitySeries& s : types) parts.push_back(s.months[k]);
        total.months.push_back(total_month(parts, types[0].months[k].month));
    }
    r.city.push_back(total);
    for (const CitySeries& s : types) r.city.push_back(s);

    // Districts table for the report month; TOTAL CITY matches the city pages.
    for (int t = 0; t < kNumTypes; ++t) {
        const CitySeries& s = types[static_cast<std::size_t>(t)];
        const CityMonth* cur = find_month(s, report_mi);
        const CityMonth* prev_m = find_month(s, report_mi - 1);
        const CityMonth* prev_y = find_month(s, report_mi - 12);
        r.districts.push_back(district_block(rng, t, report_mi, *cur, *prev_y->benchmark_price,
                                             *prev_m->benchmark_price, s.property_type));
    }

    for (const auto& [key, value] : opt.overrides) apply_override(r, key, value);
    if (opt.mutate) {
        const Report before = r;
        opt.mutate(r);
        // Values may change freely; the layout needs the same series, months and rows.
        bool same = r.report_month == before.report_month && r.year == before.year && r.month == before.month &&
                    r.city.size() == before.city.size() && r.districts.size() == before.districts.size();
        for (std::size_t i = 0; same && i < r.city.size(); ++i) {
            same = r.city[i].property_type == before.city[i].property_type &&
                   r.city[i].months.size() == before.city[i].months.size();
            for (std::size_t k = 0; same && k < r.city[i].months.size(); ++k) {
                same = r.city[i].months[k].month == before.city[i].months[k].month;
            }
        }
        for (std::size_t i = 0; same && i < r.districts.size(); ++i) {
            same = r.districts[i].property_type == before.districts[i].property_type &&
                   r.districts[i].rows.size() == before.districts[i].rows.size();
            for (std::size_t k = 0; same && k < r.districts[i].rows.size(); ++k) {
                same = r.districts[i].rows[k].district == before.districts[i].rows[k].district;
            }
        }
        if (!same) throw std::invalid_argument("mutate hook changed the report's structure (only values may change)");
    }
    return r;
}

// ======================================================================
// Layout
// ======================================================================

namespace {

struct Chart {
    std::string title;
    std::string subtitle;                     // printed top-right of the chart
    std::vector<std::string> xlabels;         // "\n" splits into two lines
    std::vector<std::vector<double>> stacks;  // stacks[bar][segment]
    std::vector<std::string> legend;
    bool percent_axis = false;
};

class Builder {
public:
    Builder(const Report& r, const Options& opt) : r_(r), opt_(opt), rng_(opt.seed) {
        report_mi_ = month_index(r.year, r.month);
        hashes_ = opt.date_row == DateRow::Hashes ||
                  (opt.date_row == DateRow::Auto && rng_.u("date-row", {report_mi_}) < 0.5);
    }

    void build() {
        const bool moved = has(opt_.drift, Drift::MovedPage);
        cover_page();
        if (moved) highlights_page();
        intro_page();
        summary_page();
        package_page();
        if (!moved) {
            districts_page();
            district_trends_page();
        }
        for (std::size_t t = 0; t < r_.city.size(); ++t) {
            city_table_page(t);
            city_chart_page(t);
        }
        if (moved) {
            districts_page();
            district_trends_page();
        }
        definitions_page();
    }

    pdfw::Document& doc() { return doc_; }
    std::vector<Placement>& placements() { return placements_; }
    bool hashes() const { return hashes_; }

private:
    // ---------------------------------------------------------- primitives
    void new_page(bool landscape = false) {
        page_ = &doc_.add_page(landscape ? 792.0 : 612.0, landscape ? 612.0 : 792.0);
        ++page_no_;
        W_ = page_->width();
        H_ = page_->height();
        page_->set_fill_gray(0.0);
    }

    // Text with its baseline `top` points below the top edge of the page.
    double put(double x, double top, Font f, double size, const std::string& s, Align a = Align::Left,
               const std::string& key = {}) {
        const double left = page_->text(x, H_ - top, f, size, s, a);
        if (!key.empty()) {
            placements_.push_back(Placement{key, s, page_no_ - 1, left, top, pdfw::text_width(f, size, s), size});
        }
        return left;
    }
    void hline(double x1, double x2, double top, double w = 0.5, double gray = 0.0) {
        page_->line(x1, H_ - top, x2, H_ - top, w, gray);
    }
    void box(double x, double top, double w, double h, double gray) { page_->rect(x, H_ - top - h, w, h, true, gray); }

    void footer() {
        put(36, H_ - 22, Font::Helvetica, 7, "Synthetic Monthly Statistics  City of Calgary");
        put(W_ - 36, H_ - 14, Font::Helvetica, 7, std::to_string(page_no_), Align::Right);
    }

    std::string date_short() const { return std::string(kMonthAbbr[r_.month - 1]) + " " + std::to_string(r_.year); }
    std::string date_long() const { return std::string(kMonthName[r_.month - 1]) + " " + std::to_string(r_.year); }
    static std::string mon_yy(int mi) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%s-%02d", kMonth3[moy_of(mi)], year_of(mi) % 100);
        return buf;
    }
    static std::string mdy(int mi) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%02d/01/%02d", moy_of(mi) + 1, year_of(mi) % 100);
        return buf;
    }

    // Title block in the top-right corner of the city pages.
    void city_title(const std::string& type_label) {
        put(W_ - 37, 38, Font::HelveticaBold, 18, "City of Calgary", Align::Right);
        if (!type_label.empty()) put(W_ - 37, 53, Font::HelveticaBold, 12, type_label, Align::Right);
        put(W_ - 49, 66, Font::Helvetica, 10, date_short(), Align::Right);
    }

    std::vector<std::string> wrap(const std::string& text, Font f, double size, double width) const {
        std::vector<std::string> lines;
        std::istringstream in(text);
        std::string word, cur;
        while (in >> word) {
            const std::string trial = cur.empty() ? word : cur + " " + word;
            if (!cur.empty() && pdfw::text_width(f, size, trial) > width) {
                lines.push_back(cur);
                cur = word;
            } else {
                cur = trial;
            }
        }
        if (!cur.empty()) lines.push_back(cur);
        return lines;
    }
    double paragraph(double x, double top, double width, Font f, double size, double leading, const std::string& text) {
        for (const std::string& l : wrap(text, f, size, width)) {
            put(x, top, f, size, l);
            top += leading;
        }
        return top;
    }

    const CitySeries& series(std::size_t t) const { return r_.city[t]; }
    const CityMonth* month_of(std::size_t t, int mi) const { return find_month(r_.city[t], mi); }
    long long val(const Int& v) const { return v ? *v : 0; }

    // Axis step giving 4..8 ticks.
    static double nice_step(double max_v) {
        if (max_v <= 0) return 1;
        const double raw = max_v / 6.0;
        const double mag = std::pow(10.0, std::floor(std::log10(raw)));
        for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
            if (raw <= m * mag) return m * mag;
        }
        return 10 * mag;
    }

    void chart(double x0, double top, double w, double h, const Chart& c) {
        put(x0, top, Font::HelveticaBold, 8, c.title);
        if (!c.subtitle.empty()) put(x0 + w, top + 11, Font::HelveticaBold, 7, c.subtitle, Align::Right);
        const double plot_l = x0 + 42, plot_r = x0 + w - 4;
        const double plot_t = top + 20, plot_b = top + h - 42;
        double max_v = 0;
        for (const auto& s : c.stacks) max_v = std::max(max_v, std::accumulate(s.begin(), s.end(), 0.0));
        const double step = nice_step(max_v * 1.05);
        const int ticks = std::max(1, static_cast<int>(std::ceil(max_v * 1.05 / step)));
        const double top_v = step * ticks;
        for (int i = 0; i <= ticks; ++i) {
            const double v = step * i;
            const double y = plot_b - (plot_b - plot_t) * v / top_v;
            std::string label;
            if (c.percent_axis) {
                label = std::to_string(static_cast<long long>(std::llround(v))) + "%";
            } else if (step < 1.0) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%.1f", v);
                label = i == 0 ? "-" : buf;
            } else {
                label = commas(std::llround(v));
            }
            put(plot_l - 5, y + 2.5, Font::Helvetica, 7, label, Align::Right);
            hline(plot_l, plot_r, y, 0.25, 0.85);
        }
        const std::size_t n = c.stacks.size();
        const double slot = (plot_r - plot_l) / static_cast<double>(std::max<std::size_t>(n, 1));
        for (std::size_t b = 0; b < n; ++b) {
            double y = plot_b;
            const double bx = plot_l + slot * static_cast<double>(b) + slot * 0.18;
            for (std::size_t s = 0; s < c.stacks[b].size(); ++s) {
                const double hh = (plot_b - plot_t) * c.stacks[b][s] / top_v;
                if (hh > 0.05) box(bx, y - hh, slot * 0.64, hh, 0.25 + 0.09 * static_cast<double>(s % 7));
                y -= hh;
            }
            if (b < c.xlabels.size()) {
                const std::vector<std::string> parts = split(c.xlabels[b], '\n');
                for (std::size_t k = 0; k < parts.size(); ++k) {
                    put(plot_l + slot * (static_cast<double>(b) + 0.5), plot_b + 9 + 7.5 * static_cast<double>(k),
                        Font::Helvetica, 6, parts[k], Align::Center);
                }
            }
        }
        hline(plot_l, plot_r, plot_b, 0.5, 0.3);
        double lx = x0 + 10, ly = top + h - 14;
        for (std::size_t i = 0; i < c.legend.size(); ++i) {
            const double lw = pdfw::text_width(Font::Helvetica, 7, c.legend[i]) + 22;
            if (lx + lw > x0 + w) {
                lx = x0 + 10;
                ly += 10;
            }
            box(lx, ly - 6, 6, 6, 0.25 + 0.09 * static_cast<double>(i % 7));
            put(lx + 9, ly, Font::Helvetica, 7, c.legend[i]);
            lx += lw;
        }
    }

    // One bar per property type (Total left out): its `figure` in the report month.
    Chart property_type_chart(std::string title, std::string subtitle, Int CityMonth::*figure) const {
        Chart c;
        c.title = std::move(title);
        c.subtitle = std::move(subtitle);
        for (std::size_t t = 1; t < r_.city.size(); ++t) {
            c.xlabels.push_back(kCityPageLabel[t]);
            c.stacks.push_back({static_cast<double>(val(month_of(t, report_mi_)->*figure))});
        }
        return c;
    }

    // ---------------------------------------------------------- pages
    void cover_page() {
        new_page();
        box(0, 0, W_, 250, 0.15);
        put(60, 330, Font::HelveticaBold, 44, kMonthName[r_.month - 1]);
        put(62, 372, Font::Helvetica, 24, date_short());
        put(60, 450, Font::HelveticaBold, 72, std::to_string(r_.year));
        put(60, 500, Font::HelveticaBold, 20, "Monthly Statistics Package");
        put(60, 524, Font::Helvetica, 14, "City of Calgary");
        put(60, 700, Font::Helvetica, 9,
            "SYNTHETIC TEST DATA \xE2\x80\x93 invented numbers generated by creb-synth (seed " +
                std::to_string(opt_.seed) + "). Not a real market report.");
    }

    void highlights_page() {  // extra page for the moved-page drift
        new_page();
        put(W_ / 2, 40, Font::HelveticaBold, 16, "Market Highlights", Align::Center);
        put(36, 80, Font::HelveticaBold, 12, date_long());
        const CityMonth* cur = month_of(0, report_mi_);
        paragraph(36, 110, 540, Font::Helvetica, 10, 12.5,
                  "This page has no counterpart in the baseline edition: it shifts every later table to a new page "
                  "number. Residential sales this month were " + fmt_int(cur->sales) + " with " +
                      fmt_int(cur->new_listings) + " new listings and " + fmt_int(cur->inventory) +
                      " homes in inventory.");
        chart(60, 200, 480, 260,
              property_type_chart("SALES BY PROPERTY TYPE",
                                  std::string(kMonth3[r_.month - 1]) + " " + std::to_string(r_.year), &CityMonth::sales));
        footer();
    }

    void intro_page() {
        new_page();
        put(W_ / 2, 40, Font::HelveticaBold, 16, "City of Calgary Monthly Statistics", Align::Center);
        put(36, 82, Font::HelveticaBold, 14, date_long());
        const CityMonth* cur = month_of(0, report_mi_);
        const CityMonth* ly = month_of(0, report_mi_ - 12);
        const long long s = val(cur->sales), s0 = std::max(1LL, val(ly->sales));
        const long long pct = div_round(100 * (s - s0), s0);
        const bool up = s >= s0;
        put(36, 112, Font::HelveticaBold, 12,
            up ? "Synthetic market: sales edge higher as supply builds" : "Synthetic market: sales ease while supply builds");
        double y = 134;
        y = paragraph(36, y, 360, Font::Helvetica, 10, 12.5,
                      "Calgary, Alberta \xE2\x80\x93 This invented report counts " + commas(s) + " residential sales in " +
                          kMonthName[r_.month - 1] + ", " + std::string(up ? "up " : "down ") +
                          std::to_string(pct < 0 ? -pct : pct) + " per cent from the same month a year earlier. New listings came to " +
                          fmt_int(cur->new_listings) + " and inventory stood at " + fmt_int(cur->inventory) + " units.");
        y += 8;
        y = paragraph(36, y, 360, Font::Helvetica, 10, 12.5,
                      "\xE2\x80\x9CThe figures in this package are generated for software testing,\xE2\x80\x9D reads the generator\xE2\x80\x99s "
                      "note. \xE2\x80\x9CThey follow the shape of the printed tables so that extraction can be checked against known "
                      "values.\xE2\x80\x9D The benchmark price was " + fmt_money(cur->benchmark_price) + ", compared with " +
                          fmt_money(ly->benchmark_price) + " last year.");
        y += 8;
        paragraph(36, y, 360, Font::Helvetica, 10, 12.5,
                  "Detached homes accounted for " + fmt_int(month_of(1, report_mi_)->sales) +
                      " sales, apartments for " + fmt_int(month_of(2, report_mi_)->sales) + ", semi-detached homes for " +
                      fmt_int(month_of(3, report_mi_)->sales) + " and row homes for " + fmt_int(month_of(4, report_mi_)->sales) + ".");
        // Sidebar of headline numbers.
        const std::pair<const char*, std::string> side[] = {
            {"SALES", fmt_int(cur->sales)},
            {"NEW LISTINGS", fmt_int(cur->new_listings)},
            {"INVENTORY", fmt_int(cur->inventory)},
            {"BENCHMARK PRICE", fmt_money(cur->benchmark_price)},
        };
        double sy = 150;
        for (const auto& [label, v] : side) {
            box(420, sy - 14, 156, 52, 0.92);
            put(430, sy, Font::HelveticaBold, 9, label);
            put(430, sy + 26, Font::HelveticaBold, 20, v);
            sy += 64;
        }
        footer();
    }

    void summary_page() {
        new_page();
        put(W_ / 2, 40, Font::HelveticaBold, 16, "City of Calgary Monthly Statistics", Align::Center);
        put(30, 100, Font::HelveticaBold, 14, date_long());
        put(30, 135, Font::HelveticaBold, 10, date_long());
        const double hy = 146, hy2 = 157.5;
        put(150, hy, Font::HelveticaBold, 8, "Sales");
        put(196, hy, Font::HelveticaBold, 8, "New Listings");
        put(279.5, hy, Font::HelveticaBold, 8, "Inventory");
        put(343, hy, Font::HelveticaBold, 8, "S/NL");
        put(381.7, hy, Font::HelveticaBold, 8, "Months of Supply");
        put(472.7, hy, Font::HelveticaBold, 8, "Benchmark Price");
        const double hx[] = {133.8, 170, 202.8, 239, 271.8, 308, 382.2, 425.4, 471.8, 522};
        for (int i = 0; i < 10; ++i) put(hx[i], hy2, Font::HelveticaBold, 8, i % 2 ? "Y/Y%" : "Actual");
        put(342.6, hy2, Font::HelveticaBold, 8, "Ratio");
        // Row order and short labels as on the summary page.
        const std::pair<std::size_t, const char*> rows[] = {
            {1, "Detached"}, {3, "Semi"}, {4, "Row"}, {2, "Apartment"}, {0, "Total Residential"}};
        const double right[] = {152.4, 186.2, 222.3, 256.9, 293.5, 326.8, 361.4, 403.2, 442.7, 502.4, 538};
        double y = 169;
        for (const auto& [t, label] : rows) {
            const CityMonth* c = month_of(t, report_mi_);
            const CityMonth* p = month_of(t, report_mi_ - 12);
            auto yoy = [&](long long a, long long b) {
                return b > 0 ? std::to_string(div_round(100 * (a - b), b)) + "%" : std::string("-");
            };
            const long long cs = val(c->sales), ps = val(p->sales);
            const long long mos_c = cs ? div_round(val(c->inventory) * 100, cs) : 0;
            const long long mos_p = ps ? div_round(val(p->inventory) * 100, ps) : 0;
            const std::string cells[] = {
                fmt_int(c->sales),
                yoy(cs, ps),
                fmt_int(c->new_listings),
                yoy(val(c->new_listings), val(p->new_listings)),
                fmt_int(c->inventory),
                yoy(val(c->inventory), val(p->inventory)),
                val(c->new_listings) ? std::to_string(div_round(100 * cs, val(c->new_listings))) + "%" : "-",
                fmt_cents(mos_c),
                yoy(mos_c, mos_p),
                fmt_money(c->benchmark_price),
                yoy(val(c->benchmark_price), val(p->benchmark_price)),
            };
            put(30.4, y, Font::HelveticaBold, 8, label);
            for (int i = 0; i < 11; ++i) put(right[i], y, Font::Helvetica, 8, cells[i], Align::Right);
            y += 11.6;
        }
        chart(40, 300, 520, 280,
              property_type_chart("BENCHMARK PRICE BY PROPERTY TYPE",
                                  std::string(kMonth3[r_.month - 1]) + " " + std::to_string(r_.year - 1) + " / " +
                                      std::to_string(r_.year),
                                  &CityMonth::benchmark_price));
        footer();
    }

    void package_page() {
        new_page();
        put(578, 35, Font::HelveticaBold, 12, "MONTHLY STATISTICS PACKAGE", Align::Right);
        put(578, 48, Font::HelveticaBold, 11, "City of Calgary", Align::Right);
        put(549, 69, Font::Helvetica, 10, date_short(), Align::Right);
        const bool full_year = r_.month == 12;
        const std::string ytd0 = (full_year ? "" : "YTD ") + std::to_string(r_.year - 1);
        const std::string ytd1 = (full_year ? "" : "YTD ") + std::to_string(r_.year);
        put(206, 92, Font::HelveticaBold, 9, mon_yy(report_mi_ - 12), Align::Right);
        put(287, 92, Font::HelveticaBold, 9, mon_yy(report_mi_), Align::Right);
        put(336, 85, Font::HelveticaBold, 9, "Y/Y %", Align::Right);
        put(336, 98, Font::HelveticaBold, 9, "Change", Align::Right);
        put(441.5, 92, Font::HelveticaBold, 9, ytd0, Align::Right);
        put(528.6, 92, Font::HelveticaBold, 9, ytd1, Align::Right);
        put(578, 85, Font::HelveticaBold, 9, "%", Align::Right);
        put(578, 98, Font::HelveticaBold, 9, "Change", Align::Right);
        put(31, 119, Font::HelveticaBold, 10, "CITY OF CALGARY");

        struct Agg {
            long long sales = 0, nl = 0, inv_sum = 0, dom_sum = 0, bench_sum = 0;
            int n = 0;
        };
        auto agg = [&](int from, int to) {
            Agg a;
            for (int mi = from; mi <= to; ++mi) {
                const CityMonth* m = month_of(0, mi);
                a.sales += val(m->sales);
                a.nl += val(m->new_listings);
                a.inv_sum += val(m->inventory);
                a.dom_sum += val(m->days_on_market);
                a.bench_sum += val(m->benchmark_price);
                ++a.n;
            }
            return a;
        };
        const Agg m0 = agg(report_mi_ - 12, report_mi_ - 12), m1 = agg(report_mi_, report_mi_);
        const Agg y0 = agg(month_index(r_.year - 1, 1), report_mi_ - 12), y1 = agg(month_index(r_.year, 1), report_mi_);
        struct Vals {
            std::string text;
            long long num;  // for the change column (value or cents)
        };
        auto row = [&](double y, const char* label, const Vals v[4], bool points) {
            put(30.7, y, Font::Helvetica, 8, label);
            const double right[] = {203.2, 283.7, 438.5, 525.5};
            for (int i = 0; i < 4; ++i) put(right[i], y, Font::Helvetica, 8, v[i].text, Align::Right);
            auto change = [&](long long a, long long b) -> Cents {
                if (points) return a - b;
                return change_cents(a, b);
            };
            put(336.2, y, Font::Helvetica, 8, fmt_pct(change(v[1].num, v[0].num)), Align::Right);
            put(578, y, Font::Helvetica, 8, fmt_pct(change(v[3].num, v[2].num)), Align::Right);
        };
        auto inv_avg = [](const Agg& a) { return div_round(a.inv_sum, a.n); };
        auto mos = [&](const Agg& a) { return a.sales ? div_round(inv_avg(a) * 100 * a.n, a.sales) : 0; };
        auto ratio = [](const Agg& a) { return a.nl ? div_round(a.sales * 10000, a.nl) : 0; };
        auto dom = [](const Agg& a) { return div_round(a.dom_sum, a.n); };
        auto bench = [](const Agg& a) { return div_round(a.bench_sum, a.n); };
        auto money = [](long long v) { return "$" + commas(v); };
        auto cents = [](long long v) { return fmt_cents(v); };
        auto pct = [](long long v) { return fmt_pct(v); };
        // A row: its label, its figure of an aggregate, how the figure is printed, and
        // whether its change is the difference in points rather than a percentage.
        struct Metric {
            const char* label;
            std::function<long long(const Agg&)> figure;
            std::function<std::string(long long)> text;
            bool points;
        };
        const Metric metrics[] = {
            {"Total Sales", [](const Agg& a) { return a.sales; }, commas, false},
            {"New Listings", [](const Agg& a) { return a.nl; }, commas, false},
            {"Inventory", inv_avg, commas, false},
            {"Months of Supply", mos, cents, false},
            {"Sales to New Listings", ratio, pct, true},
            {"Days on Market", dom, commas, false},
            {"Benchmark Price", bench, money, false},
        };
        double y = 142;
        for (const Metric& m : metrics) {
            Vals v[4];
            const Agg* columns[4] = {&m0, &m1, &y0, &y1};
            for (int i = 0; i < 4; ++i) {
                const long long figure = m.figure(*columns[i]);
                v[i] = {m.text(figure), figure};
            }
            row(y, m.label, v, m.points);
            y += 14.5;
        }
        Chart c;
        c.title = "CITY OF CALGARY MONTHLY SALES";
        c.subtitle = std::to_string(r_.year - 1) + " - " + std::to_string(r_.year);
        for (int mi = month_index(r_.year - 1, 1); mi <= report_mi_; ++mi) {
            c.xlabels.push_back(std::string(kMonth3[moy_of(mi)]) + "\n'" + std::to_string(year_of(mi) % 100));
            c.stacks.push_back({static_cast<double>(val(month_of(0, mi)->sales))});
        }
        chart(40, 300, 530, 260, c);
        footer();
    }

    // The "Calgary Districts" table.
    void districts_page() {
        new_page();
        const bool shift = has(opt_.drift, Drift::ShiftColumns);
        const bool extra = has(opt_.drift, Drift::ExtraRow);
        put(574.2, 40, Font::HelveticaBold, 18, "Calgary Districts", Align::Right);
        put(565, 67, Font::Helvetica, 10, date_short(), Align::Right);

        // Column left edges: label, sales, new listings, ratio, inventory,
        // months of supply, benchmark, y/y, m/m.
        const double base_x[9] = {38.76, 138.5, 183.1, 227.8, 290.0, 341.2, 389.9, 452.9, 511.9};
        const double shift_x[9] = {38.76, 124.0, 164.0, 214.0, 283.0, 330.0, 378.0, 446.0, 508.0};
        const double* x = shift ? shift_x : base_x;
        const Font hf = Font::HelveticaBold;
        const double hs = 7;
        // Header rows (baselines).
        const double h1 = 83, h2 = 92, h3 = 101.3, h4 = 110.5;
        struct HeaderWord {
            int column;
            double baseline;
            std::string text;
        };
        auto put_header = [&](std::initializer_list<HeaderWord> words) {
            for (const HeaderWord& w : words) put(x[w.column], w.baseline, hf, hs, w.text);
        };
        put_header({{8, h1, "Month-over-"}, {7, h2, "Year-over-year"}, {8, h2, "month"}, {7, h3, "benchmark"},
                    {8, h3, "benchmark"}, {0, h4, date_long()}, {1, h4, "Sales"}});
        // The shift-columns edition wraps "New Listings" and "Benchmark Price" differently.
        if (shift) {
            put_header({{2, h4, "New Listings"}});
        } else {
            put_header({{2, h3, "New"}, {2, h4, "Listings"}});
        }
        put_header({{3, h3, "Sales to New"}, {3, h4, "Listings Ratio"}, {4, h4, "Inventory"}, {5, h3, "Months of"},
                    {5, h4, "Supply"}});
        if (shift) {
            put_header({{6, h3, "Benchmark"}, {6, h4, "Price"}});
        } else {
            put_header({{6, h4, "Benchmark Price"}});
        }
        put_header({{7, h4, "price change"}, {8, h4, "price change"}});

        const double pitch = shift ? 11.0 : 11.4;
        double y = 124.5;  // first section label
        for (const DistrictBlock& b : r_.districts) {
            put(39.24, y, Font::HelveticaBold, 9, b.property_type);
            double ry = y + 12.0;
            auto print_row = [&](const DistrictRow& d, bool keyed) {
                const std::string k = "district_monthly/" + b.property_type + "/" + d.district + "/";
                put(x[0], ry, Font::Helvetica, 7, d.district);
                const double* field_x = x + 1;  // the fields' columns, in kDistrictFields order
                for (const DistrictField& f : kDistrictFields) {
                    put(*field_x++, ry, Font::Helvetica, 7, f.print(d.*(f.member)), Align::Left,
                        keyed ? k + f.name : std::string());
                }
                ry += pitch;
            };
            for (const DistrictRow& d : b.rows) {
                if (extra && d.district == "TOTAL CITY") {
                    // Unrelated row: activity not assigned to any district.
                    DistrictRow other;
                    other.district = "Unassigned areas";
                    long long s = val(d.sales), n = val(d.new_listings), i = val(d.inventory);
                    for (const DistrictRow& e : b.rows) {
                        if (e.district == "TOTAL CITY") continue;
                        s -= val(e.sales);
                        n -= val(e.new_listings);
                        i -= val(e.inventory);
                    }
                    other.sales = std::max(0LL, s);
                    other.new_listings = std::max(0LL, n);
                    other.inventory = std::max(0LL, i);
                    other.ratio_pct = ratio_cents(*other.sales, *other.new_listings);
                    other.months_of_supply = mos_cents(*other.inventory, *other.sales);
                    print_row(other, false);
                }
                print_row(d, true);
            }
            y = ry - pitch + 13.8;  // next section label
        }
        put(38.76, y + 6, Font::Helvetica, 7,
            "*City totals may include activity in areas that are not yet assigned to a district");
        footer();
    }

    void district_trends_page() {
        new_page();
        put(574, 38, Font::HelveticaBold, 16, "District Trends", Align::Right);
        put(565, 60, Font::Helvetica, 10, date_short(), Align::Right);
        const std::string upper = upper_month();
        // District legend order as on the real chart pages.
        const int order[kNumDistricts] = {0, 6, 5, 4, 3, 2, 1, 7};
        std::vector<std::string> legend;
        for (int d : order) legend.push_back(districts()[static_cast<std::size_t>(d)]);
        for (int k = 0; k < 2; ++k) {
            Chart c;
            c.title = k == 0 ? "TOTAL SALES" : "TOTAL INVENTORY";
            c.subtitle = upper;
            c.legend = legend;
            for (int y = r_.year - 14; y <= r_.year; ++y) {
                char buf[48];
                std::snprintf(buf, sizeof buf, "'%02d", y % 100);
                c.xlabels.push_back(std::string(kMonthAbbr[r_.month - 1]) + "\n" + buf);
                std::vector<double> seg;
                for (int d : order) {
                    double total = 0;
                    for (const DistrictBlock& b : r_.districts) {
                        const DistrictRow& row = b.rows[static_cast<std::size_t>(d)];
                        total += static_cast<double>(val(k == 0 ? row.sales : row.inventory));
                    }
                    if (y != r_.year) total *= 0.6 + 0.7 * rng_.u("trend", {k, d, y, report_mi_});
                    seg.push_back(std::round(total));
                }
                c.stacks.push_back(seg);
            }
            chart(36, 85 + 215.0 * k, 540, 205, c);
        }
        Chart m;
        m.title = "MONTHS OF SUPPLY";
        m.subtitle = upper;
        for (const DistrictBlock& b : r_.districts) {
            m.xlabels.push_back(b.property_type == "Semi-detached" ? "Semi - Detached" : b.property_type);
            m.stacks.push_back({static_cast<double>(val(b.rows.back().months_of_supply)) / 100.0});
        }
        chart(36, 515, 540, 200, m);
        footer();
    }

    // City of Calgary month-by-month table for one property type (landscape).
    void city_table_page(std::size_t t) {
        new_page(true);
        const bool shift = has(opt_.drift, Drift::ShiftColumns);
        const bool extra = has(opt_.drift, Drift::ExtraRow);
        const CitySeries& s = series(t);
        city_title(kCityPageLabel[t]);
        const double right0 = shift ? 236.0 : 203.6;
        const double pitch = shift ? 46.4 : 49.1;
        auto col = [&](int m) { return right0 + pitch * m; };
        const double label_x = 38.76;

        for (int m = 0; m < 12; ++m) put(col(m) + 1.6, 85, Font::HelveticaBold, 8.5, kMonthHeader[m], Align::Right);

        struct RowDef {
            const char* label;
            const CityField* field;  // nullptr: not an expected field
        };
        std::vector<RowDef> rows;
        for (const CityField& f : kCityFields) rows.push_back({f.label, &f});
        if (extra) rows.insert(rows.begin() + 4, RowDef{"Sales to List Price", nullptr});
        const double row_pitch = shift ? 10.0 : 9.6;

        double y = 96.5;  // year label baseline
        for (int yi = 0; yi < 2; ++yi) {
            const int year = r_.year - 1 + yi;
            put(39.24, y, Font::HelveticaBold, 9, std::to_string(year));
            // Hidden date row (white text) on the year label line.
            page_->set_fill_gray(1.0);
            for (int m = 0; m < 12; ++m) {
                put(col(m) + 1.6, y, Font::Helvetica, 7, hashes_ ? "########" : mdy(month_index(year, m + 1)), Align::Right);
            }
            page_->set_fill_gray(0.0);
            double ry = y + 10.0;
            for (const RowDef& rd : rows) {
                put(label_x, ry, Font::Helvetica, 7, rd.label);
                for (int m = 0; m < 12; ++m) {
                    const int mi = month_index(year, m + 1);
                    const CityMonth* cm = find_month(s, mi);
                    if (!cm) continue;  // months after the report month stay blank
                    std::string text;
                    std::string key;
                    if (rd.field) {
                        text = fmt_int((*cm).*(rd.field->member));
                        key = "city_monthly/" + s.property_type + "/" + cm->month + "/" + rd.field->name;
                    } else {
                        text = fmt_pct(9650 + static_cast<long long>(rng_.u("slp", {static_cast<long long>(t), mi}) * 450));
                    }
                    put(col(m), ry, Font::Helvetica, 7, text, Align::Right, key);
                }
                ry += row_pitch;
            }
            y = ry + 3.1;
        }

        // Sales by price range (a distraction: '$' labels, '-' blanks, a total row).
        const double ty = y + 22;
        const bool full_year = r_.month == 12;
        const double pr[4] = {203.6, 252.7, 301.8, 350.9};
        put(pr[0], ty, Font::HelveticaBold, 7, mon_yy(report_mi_ - 12), Align::Right);
        put(pr[1], ty, Font::HelveticaBold, 7, mon_yy(report_mi_), Align::Right);
        put(pr[2], ty, Font::HelveticaBold, 7, (full_year ? "" : "YTD ") + std::to_string(r_.year - 1), Align::Right);
        put(pr[3], ty, Font::HelveticaBold, 7, (full_year ? "" : "YTD ") + std::to_string(r_.year), Align::Right);
        put(label_x, ty + 9, Font::HelveticaBold, 8, "CALGARY TOTAL SALES");
        for (int k = 0; k < 4; ++k) put(pr[k], ty + 9, Font::Helvetica, 7, mdy(k % 2 ? report_mi_ : report_mi_ - 12), Align::Right);

        const long long bounds[] = {0, 100000, 200000, 300000, 400000, 500000, 600000, 700000,
                                    800000, 900000, 1000000, 1500000, 2000000};
        const int nb = 13;
        auto bucket_label = [&](int i) {
            if (i == 0) return std::string("<$100,000");
            if (i == nb - 1) return "$" + commas(bounds[i]) + " +";
            return "$" + commas(bounds[i]) + " - $" + commas(bounds[i + 1] - 1);
        };
        auto distribute = [&](long long total, double centre, int salt) {
            std::vector<long long> out(static_cast<std::size_t>(nb), 0);
            std::vector<double> w(static_cast<std::size_t>(nb));
            double sum = 0;
            for (int i = 0; i < nb; ++i) {
                const double mid = i == nb - 1 ? 2400000.0 : (static_cast<double>(bounds[i]) + (i == 0 ? 50000.0 : 50000.0 * (i >= 10 ? 5 : 1)));
                const double z = (std::log(mid) - std::log(centre)) / 0.45;
                w[static_cast<std::size_t>(i)] = std::exp(-0.5 * z * z) * (0.8 + 0.4 * rng_.u("bucket", {salt, i}));
                sum += w[static_cast<std::size_t>(i)];
            }
            long long acc = 0;
            for (int i = 0; i < nb; ++i) {
                out[static_cast<std::size_t>(i)] =
                    static_cast<long long>(std::floor(static_cast<double>(total) * w[static_cast<std::size_t>(i)] / sum));
                acc += out[static_cast<std::size_t>(i)];
            }
            const auto peak = static_cast<std::size_t>(std::max_element(w.begin(), w.end()) - w.begin());
            out[peak] += total - acc;
            return out;
        };
        const CityMonth* cur = find_month(s, report_mi_);
        const CityMonth* prev = find_month(s, report_mi_ - 12);
        long long ytd0 = 0, ytd1 = 0;
        for (int m = 1; m <= r_.month; ++m) {
            ytd0 += val(find_month(s, month_index(r_.year - 1, m))->sales);
            ytd1 += val(find_month(s, month_index(r_.year, m))->sales);
        }
        const double centre = static_cast<double>(std::max(100000LL, val(cur->average_price))) * 0.95;
        const std::vector<long long> cols[4] = {
            distribute(val(prev->sales), centre * 0.95, static_cast<int>(t) * 4 + 0),
            distribute(val(cur->sales), centre, static_cast<int>(t) * 4 + 1),
            distribute(ytd0, centre * 0.95, static_cast<int>(t) * 4 + 2),
            distribute(ytd1, centre, static_cast<int>(t) * 4 + 3),
        };
        double by = ty + 22;
        for (int i = 0; i < nb; ++i) {
            put(label_x, by, Font::Helvetica, 7, bucket_label(i));
            for (int k = 0; k < 4; ++k) {
                const long long v = cols[k][static_cast<std::size_t>(i)];
                put(pr[k], by, Font::Helvetica, 7, v ? commas(v) : "-", Align::Right);
            }
            by += 9.96;
        }
        const long long totals[4] = {val(prev->sales), val(cur->sales), ytd0, ytd1};
        for (int k = 0; k < 4; ++k) put(pr[k], by, Font::Helvetica, 7, commas(totals[k]), Align::Right);

        Chart c;
        c.title = std::string("CITY OF CALGARY ") + kChartTypeWord[t] + " SALES BY PRICE RANGE";
        c.subtitle = full_year ? std::to_string(r_.year) : "YTD " + std::string(upper_month());
        const char* short_labels[] = {"<$200,000", "$200,000 -\n$399,999", "$400,000 -\n$599,999", "$600,000 -\n$799,999",
                                      "$800,000 -\n$999,999", "$1,000,000+"};
        const int groups[6][2] = {{0, 2}, {2, 4}, {4, 6}, {6, 8}, {8, 10}, {10, 13}};
        for (int g = 0; g < 6; ++g) {
            double v0 = 0, v1 = 0;
            for (int i = groups[g][0]; i < groups[g][1]; ++i) {
                v0 += static_cast<double>(cols[2][static_cast<std::size_t>(i)]);
                v1 += static_cast<double>(cols[3][static_cast<std::size_t>(i)]);
            }
            c.xlabels.push_back(short_labels[g]);
            c.stacks.push_back({v0, v1});
        }
        c.legend = {std::to_string(r_.year - 1), std::to_string(r_.year)};
        chart(400, ty - 8, 350, 230, c);
        footer();
    }

    std::string upper_month() const {
        std::string u;
        for (char ch : std::string(kMonthName[r_.month - 1])) u.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
        return u;
    }

    // Chart page after each city table: repeats the title block and shows
    // axis numbers and legends in the text layer.
    void city_chart_page(std::size_t t) {
        new_page();
        city_title(kCityPageLabel[t]);
        const CitySeries& s = series(t);
        const std::string word = kChartTypeWord[t];
        const std::string sub = r_.month == 12 ? std::to_string(r_.year) : "YTD " + upper_month();
        std::vector<std::string> legend = {"Detached", "Apartment", "Semi - Detached", "Row", "10 Year Average"};
        // Annual totals: the two printed years come from the model, earlier years are decoration.
        auto annual = [&](int year, bool listings) {
            const int y = std::max(year, r_.year - 1);  // earlier years: decoration scaled from last year
            double v = 0;
            for (const CityMonth& m : s.months) {
                if (m.month.compare(0, 4, std::to_string(y)) == 0) v += static_cast<double>(val(listings ? m.new_listings : m.sales));
            }
            if (year < r_.year - 1) v *= 0.7 + 0.45 * rng_.u("annual", {static_cast<long long>(t), year, listings});
            return std::round(v);
        };
        for (int k = 0; k < 2; ++k) {
            Chart c;
            c.title = "CITY OF CALGARY " + word + (k == 0 ? " SALES" : " NEW LISTINGS");
            c.subtitle = sub;
            c.legend = t == 0 ? legend : std::vector<std::string>{kCityPageLabel[t], "10 Year Average"};
            for (int y = r_.year - 10; y <= r_.year; ++y) {
                c.xlabels.push_back(std::to_string(y));
                c.stacks.push_back({annual(y, k == 1)});
            }
            chart(36 + 280.0 * k, 84, 265, 215, c);
        }
        // Inventory and sales over the printed months (last 13 at most).
        Chart inv;
        inv.title = "CITY OF CALGARY " + word + " INVENTORY AND SALES";
        inv.legend = {"Inventory", "Sales"};
        const std::size_t from = s.months.size() > 13 ? s.months.size() - 13 : 0;
        for (std::size_t i = from; i < s.months.size(); ++i) {
            int yy = 0, mm = 0;
            parse_month(s.months[i].month, yy, mm);
            char buf[48];
            std::snprintf(buf, sizeof buf, "'%02d", yy % 100);
            inv.xlabels.push_back(std::string(kMonthAbbr[mm - 1]) + "\n" + buf);
            inv.stacks.push_back({static_cast<double>(val(s.months[i].inventory)), static_cast<double>(val(s.months[i].sales))});
        }
        chart(36, 320, 265, 215, inv);
        Chart prices;
        prices.title = "CITY OF CALGARY " + word + " PRICES";
        prices.legend = {"Average Price", "Median Price", "Benchmark Price"};
        for (std::size_t i = from; i < s.months.size(); ++i) {
            int yy = 0, mm = 0;
            parse_month(s.months[i].month, yy, mm);
            prices.xlabels.push_back(std::string(kMonth3[mm - 1]));
            prices.stacks.push_back({static_cast<double>(val(s.months[i].benchmark_price))});
        }
        chart(316, 320, 265, 215, prices);
        Chart change;
        change.title = "CITY OF CALGARY " + word + " PRICE CHANGE";
        change.percent_axis = true;
        change.legend = {"Benchmark Y/Y% Change"};
        for (int y = r_.year - 5; y <= r_.year; ++y) {
            change.xlabels.push_back(std::to_string(y));
            change.stacks.push_back({std::round(20.0 * rng_.u("pchange", {static_cast<long long>(t), y}))});
        }
        chart(36, 556, 545, 180, change);
        footer();
    }

    void definitions_page() {
        new_page();
        put(574, 40, Font::HelveticaBold, 16, "Definitions", Align::Right);
        put(565, 62, Font::Helvetica, 10, date_short(), Align::Right);
        put(36, 110, Font::HelveticaBold, 11, "DEFINITIONS");
        const char* defs[] = {
            "Benchmark Price: the modelled price of a typical home with fixed attributes, used to compare prices over time.",
            "Index: the benchmark price relative to a fixed base period, scaled to 100.",
            "Months of Supply: inventory divided by sales; how long the current inventory would last at the current pace of sales.",
            "Sales to New Listings Ratio: sales divided by new listings, as a percentage.",
            "Detached: a dwelling not attached to any other dwelling.",
            "Semi-detached: one of a pair of dwellings sharing a common wall.",
            "Row: a dwelling in a row of three or more attached units.",
            "Apartment: a unit in a building with shared entrances and common areas.",
            "This document is synthetic. All figures are invented by a generator for software tests and demonstrations.",
        };
        double y = 132;
        for (const char* d : defs) y = paragraph(36, y, 540, Font::Helvetica, 9, 11.5, d) + 6;
        footer();
    }

    const Report& r_;
    const Options& opt_;
    Rng rng_;
    int report_mi_ = 0;
    bool hashes_ = false;
    pdfw::Document doc_;
    pdfw::Page* page_ = nullptr;
    int page_no_ = 0;
    double W_ = 612, H_ = 792;
    std::vector<Placement> placements_;
};

// JSON numbers exactly as printed.
nlohmann::json jint(const Int& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
nlohmann::json jcents(const Cents& v) {
    return v ? nlohmann::json(static_cast<double>(*v) / 100.0) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json expected_json(const Report& r, const std::string& file_name, const std::string& pdf_bytes,
                             const std::vector<std::string>& notes) {
    nlohmann::json doc = nlohmann::json::object();
    doc["source_file"] = file_name;
    doc["sha256"] = sha256_hex(pdf_bytes);
    doc["report_month"] = r.report_month;
    nlohmann::json city = nlohmann::json::array();
    for (const CitySeries& s : r.city) {
        for (const CityMonth& m : s.months) {
            nlohmann::json rec = {{"month", m.month}, {"property_type", s.property_type}};
            for (const CityField& f : kCityFields) rec[f.name] = jint(m.*(f.member));
            city.push_back(std::move(rec));
        }
    }
    doc["city_monthly"] = std::move(city);
    nlohmann::json dist = nlohmann::json::array();
    for (const DistrictBlock& b : r.districts) {
        for (const DistrictRow& d : b.rows) {
            nlohmann::json rec = {
                {"month", r.report_month}, {"property_type", b.property_type}, {"district", d.district}};
            for (const DistrictField& f : kDistrictFields)
                rec[f.name] = f.cents ? jcents(d.*(f.member)) : jint(d.*(f.member));
            dist.push_back(std::move(rec));
        }
    }
    doc["district_monthly"] = std::move(dist);
    doc["notes"] = notes;
    return doc;
}

Rendered render_report(const Options& opt) {
    Rendered out;
    out.report = generate_model(opt);
    const Report& r = out.report;
    Builder b(r, opt);
    b.build();
    char info_date[32];
    std::snprintf(info_date, sizeof info_date, "D:%04d%02d01000000", r.month == 12 ? r.year + 1 : r.year,
                  r.month == 12 ? 1 : r.month + 1);
    pdfw::DocInfo info;
    info.title = file_stem(r.report_month) + " (synthetic)";
    info.subject = "Synthetic CREB-like monthly statistics package; invented numbers";
    info.creator = "creb-synth";
    info.creation_date = info_date;
    b.doc().set_info(info);
    out.pdf = b.doc().serialize();
    out.page_count = static_cast<int>(b.doc().page_count());
    out.placements = std::move(b.placements());
    out.file_name = file_stem(r.report_month) + ".pdf";

    std::vector<std::string> notes;
    notes.push_back("synthetic report generated by creb-synth: seed=" + std::to_string(opt.seed) +
                    ", drift=" + drift_name(opt.drift) + ", date_row=" + (b.hashes() ? "hashes" : "dates") +
                    ", pages=" + std::to_string(out.page_count));
    for (const auto& [key, value] : opt.overrides) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.10g", value);
        notes.push_back("planted: " + key + " = " + (std::isnan(value) ? std::string("blank") : std::string(buf)));
    }
    if (opt.mutate) notes.push_back("planted: model changed by a mutate hook");
    out.expected = expected_json(r, out.file_name, out.pdf, notes);
    return out;
}

namespace {
void write_file(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot open " + p.string() + " for writing");
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) throw std::runtime_error("cannot write " + p.string());
}

// Dump with the corpus field order (nlohmann::json sorts object keys).
std::string dump_ordered(const nlohmann::json& j) {
    static const std::vector<std::string> top = {"source_file", "sha256", "report_month", "city_monthly",
                                                 "district_monthly", "notes"};
    static const std::vector<std::string> city = {"month", "property_type", "sales", "new_listings", "inventory",
                                                  "days_on_market", "benchmark_price", "median_price",
                                                  "average_price", "index"};
    static const std::vector<std::string> dist = {"month", "property_type", "district", "sales", "new_listings",
                                                  "sales_to_new_listings_ratio_pct", "inventory", "months_of_supply",
                                                  "benchmark_price", "yoy_benchmark_change_pct",
                                                  "mom_benchmark_change_pct"};
    auto ordered = [](const nlohmann::json& o, const std::vector<std::string>& keys) {
        nlohmann::ordered_json out;
        for (const std::string& k : keys) {
            if (o.contains(k)) out[k] = o.at(k);
        }
        return out;
    };
    nlohmann::ordered_json doc = ordered(j, top);
    nlohmann::ordered_json c = nlohmann::ordered_json::array();
    for (const auto& r : j.at("city_monthly")) c.push_back(ordered(r, city));
    doc["city_monthly"] = c;
    nlohmann::ordered_json d = nlohmann::ordered_json::array();
    for (const auto& r : j.at("district_monthly")) d.push_back(ordered(r, dist));
    doc["district_monthly"] = d;
    return doc.dump(1) + "\n";
}
}  // namespace

Written write_report(const std::string& out_dir, const Options& opt) {
    const Rendered r = render_report(opt);
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) throw std::runtime_error("cannot create " + out_dir + ": " + ec.message());
    const std::filesystem::path dir(out_dir);
    Written w;
    w.pdf_path = (dir / r.file_name).string();
    w.expected_path = (dir / (file_stem(r.report.report_month) + ".expected.json")).string();
    write_file(w.pdf_path, r.pdf);
    write_file(w.expected_path, dump_ordered(r.expected));
    w.expected = r.expected;
    return w;
}

// ======================================================================
// Helpers
// ======================================================================

const std::vector<CityTableRow>& city_table_rows() {
    static const std::vector<CityTableRow> rows = [] {
        std::vector<CityTableRow> out;
        for (const CityField& f : kCityFields) out.push_back({f.label, f.name});
        return out;
    }();
    return rows;
}

std::string file_stem(const std::string& report_month) {
    int y = 0, m = 0;
    if (!parse_month(report_month, y, m)) throw std::invalid_argument("bad month '" + report_month + "'");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%02d_%04d_Calgary_Monthly_Stats_Package", m, y);
    return buf;
}

std::vector<std::string> parse_months(const std::string& spec) {
    const std::size_t dots = spec.find("..");
    int y1 = 0, m1 = 0, y2 = 0, m2 = 0;
    if (dots == std::string::npos) {
        if (!parse_month(spec, y1, m1)) throw std::invalid_argument("bad month '" + spec + "' (want YYYY-MM)");
        return {spec};
    }
    const std::string a = spec.substr(0, dots), b = spec.substr(dots + 2);
    if (!parse_month(a, y1, m1) || !parse_month(b, y2, m2)) {
        throw std::invalid_argument("bad month range '" + spec + "' (want YYYY-MM..YYYY-MM)");
    }
    const int from = month_index(y1, m1), to = month_index(y2, m2);
    if (to < from) throw std::invalid_argument("month range '" + spec + "' ends before it starts");
    if (to - from >= 240) throw std::invalid_argument("month range '" + spec + "' is longer than 20 years");
    std::vector<std::string> out;
    for (int mi = from; mi <= to; ++mi) out.push_back(month_str(mi));
    return out;
}

Drift parse_drift(const std::string& spec) {
    Drift d = Drift::None;
    for (const std::string& part : split(spec, ',')) {
        if (part == "none") continue;
        if (part == "shift-columns") d = d | Drift::ShiftColumns;
        else if (part == "extra-row") d = d | Drift::ExtraRow;
        else if (part == "moved-page") d = d | Drift::MovedPage;
        else if (part == "all") d = d | Drift::All;
        else throw std::invalid_argument("unknown drift '" + part + "' (none|shift-columns|extra-row|moved-page|all)");
    }
    return d;
}

std::string drift_name(Drift d) {
    if (d == Drift::None) return "none";
    if (d == Drift::All) return "all";
    std::string out;
    auto add = [&](Drift f, const char* n) {
        if (has(d, f)) out += (out.empty() ? "" : ",") + std::string(n);
    };
    add(Drift::ShiftColumns, "shift-columns");
    add(Drift::ExtraRow, "extra-row");
    add(Drift::MovedPage, "moved-page");
    return out;
}

std::string sha256_hex(const std::string& bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (!ctx) throw std::runtime_error("EVP_MD_CTX_new failed");
    const bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                    EVP_DigestUpdate(ctx, bytes.data(), bytes.size()) == 1 && EVP_DigestFinal_ex(ctx, md, &len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) throw std::runtime_error("sha256 failed");
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 15]);
    }
    return out;
}

}  // namespace creb_synth
