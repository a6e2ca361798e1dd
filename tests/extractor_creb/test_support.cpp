#include "test_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

#ifndef ANALYTICA_CORPUS_DIR
#define ANALYTICA_CORPUS_DIR ""
#endif

namespace fs = std::filesystem;

namespace testsupport {

namespace {

std::string pdf_string(const std::string& s) {
    std::string out = "(";
    for (char c : s) {
        if (c == '(' || c == ')' || c == '\\') out += '\\';
        out += c;
    }
    return out + ")";
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

// Helvetica widths (1/1000 em) for the ASCII range 32..126.
const int kHelvetica[95] = {
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584};

}  // namespace

double text_width(const std::string& text, double size) {
    double w = 0;
    for (unsigned char c : text) w += (c >= 32 && c <= 126) ? kHelvetica[c - 32] : 556;
    return w * size / 1000.0;
}

std::string make_pdf(const std::vector<PdfPage>& pages, const PdfOptions& opt) {
    // Objects: 1 catalog, 2 pages, 3 font, then per page: page, contents; then encrypt.
    std::vector<std::string> objs;
    std::string kids;
    const int first_page_obj = 4;
    for (size_t p = 0; p < pages.size(); ++p) kids += std::to_string(first_page_obj + 2 * p) + " 0 R ";
    objs.push_back("<< /Type /Catalog /Pages 2 0 R >>");
    objs.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) + " >>");
    objs.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
    for (size_t p = 0; p < pages.size(); ++p) {
        const PdfPage& pg = pages[p];
        std::string content;
        for (const TextItem& t : pg.items) {
            double x = t.right_aligned ? t.x - text_width(t.text, t.size) : t.x;
            double baseline = pg.height - (t.top + 0.78 * t.size);
            content += "BT /F1 " + num(t.size) + " Tf 1 0 0 1 " + num(x) + " " + num(baseline) + " Tm " +
                       pdf_string(t.text) + " Tj ET\n";
        }
        objs.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + num(pg.width) + " " + num(pg.height) +
                       "] /Resources << /Font << /F1 3 0 R >> >> /Contents " +
                       std::to_string(first_page_obj + 2 * p + 1) + " 0 R >>");
        objs.push_back("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream");
    }
    std::string id = "<00112233445566778899AABBCCDDEEFF>";
    int encrypt_obj = 0;
    if (opt.encrypted) {
        // Standard security handler, RC4 40-bit; /O and /U that no empty password matches.
        std::string o(64, 'A'), u(64, 'B');
        objs.push_back("<< /Filter /Standard /V 1 /R 2 /O <" + o + "> /U <" + u + "> /P -44 >>");
        encrypt_obj = static_cast<int>(objs.size());
    }
    std::string out = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    std::vector<size_t> offsets;
    for (size_t k = 0; k < objs.size(); ++k) {
        offsets.push_back(out.size());
        out += std::to_string(k + 1) + " 0 obj\n" + objs[k] + "\nendobj\n";
    }
    size_t xref = out.size();
    out += "xref\n0 " + std::to_string(objs.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t off : offsets) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%010zu 00000 n \n", off);
        out += buf;
    }
    out += "trailer\n<< /Size " + std::to_string(objs.size() + 1) + " /Root 1 0 R /ID [" + id + id + "]";
    if (encrypt_obj) out += " /Encrypt " + std::to_string(encrypt_obj) + " 0 R";
    out += " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return out;
}

TempDir::TempDir() {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        fs::path p = fs::temp_directory_path() / ("test_extractor_creb_" + std::to_string(rd()));
        std::error_code ec;
        if (fs::create_directory(p, ec)) {
            path_ = p.string();
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string corpus_dir() {
    const char* env = std::getenv("ANALYTICA_CORPUS_DIR");
    std::string dir = (env && *env) ? env : ANALYTICA_CORPUS_DIR;
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir, ec)) return "";
    return dir;
}

std::vector<std::string> corpus_reports() {
    std::vector<std::string> out;
    std::string dir = corpus_dir();
    if (dir.empty()) return out;
    std::error_code ec;
    fs::path creb = fs::path(dir) / "creb";
    if (!fs::is_directory(creb, ec)) return out;
    for (const auto& e : fs::directory_iterator(creb, ec)) {
        if (e.path().extension() != ".pdf") continue;
        fs::path exp = e.path();
        exp.replace_extension(".expected.json");
        if (fs::exists(exp, ec)) out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

namespace {

nlohmann::json cell_value(const creb::Cell& c) {
    switch (c.kind) {
        case creb::Cell::Kind::Int: return c.i;
        case creb::Cell::Kind::Real: return c.d;
        case creb::Cell::Kind::Text: return c.text;
        case creb::Cell::Kind::Null: break;
    }
    return nullptr;
}

bool same_value(const nlohmann::json& expected, const creb::Cell& got) {
    using K = creb::Cell::Kind;
    if (expected.is_null()) return got.kind == K::Null;
    if (expected.is_string()) return got.kind == K::Text && got.text == expected.get<std::string>();
    if (expected.is_number_integer()) return got.kind == K::Int && got.i == expected.get<long long>();
    if (expected.is_number_float()) return got.kind == K::Real && got.d == expected.get<double>();
    return false;
}

std::string key_of(const nlohmann::json& rec, const std::vector<std::string>& key_fields) {
    std::string k;
    for (const auto& f : key_fields) {
        k += (k.empty() ? "" : "/") + (rec.contains(f) && rec[f].is_string() ? rec[f].get<std::string>() : "?");
    }
    return k;
}

std::string key_of(const creb::Record& rec, const std::vector<std::string>& key_fields) {
    std::string k;
    for (const auto& f : key_fields) {
        const creb::Cell* c = rec.find(f);
        k += (k.empty() ? "" : "/") + (c && c->kind == creb::Cell::Kind::Text ? c->text : "?");
    }
    return k;
}

void compare_set(const std::string& label, const char* set, const nlohmann::json& expected,
                 const std::vector<creb::Record>& got, const std::vector<std::string>& key_fields,
                 const std::vector<std::string>& field_names, Comparison& out) {
    std::map<std::string, const creb::Record*> by_key;
    for (const creb::Record& r : got) {
        std::string k = key_of(r, key_fields);
        if (!by_key.emplace(k, &r).second) out.mismatches.push_back(label + ", " + set + " " + k + ": duplicate record");
        std::vector<std::string> names;
        for (const auto& f : r.fields) names.push_back(f.name);
        if (names != field_names) out.mismatches.push_back(label + ", " + set + " " + k + ": field names/order differ");
    }
    if (!expected.is_array()) {
        out.mismatches.push_back(label + ", " + set + ": expected file has no array");
        return;
    }
    if (expected.size() != got.size()) {
        out.mismatches.push_back(label + ", " + set + ": expected " + std::to_string(expected.size()) +
                                 " records, got " + std::to_string(got.size()));
    }
    std::map<std::string, int> seen;
    for (const auto& rec : expected) {
        std::string k = key_of(rec, key_fields);
        ++seen[k];
        auto it = by_key.find(k);
        if (it == by_key.end()) {
            out.mismatches.push_back(label + ", " + set + " " + k + ": record missing");
            out.cells += rec.size();
            continue;
        }
        for (const auto& item : rec.items()) {
            ++out.cells;
            const creb::Cell* c = it->second->find(item.key());
            if (!c) {
                out.mismatches.push_back(label + ", " + set + " " + k + ", " + item.key() + ": expected " +
                                         item.value().dump() + ", got <no field>");
            } else if (!same_value(item.value(), *c)) {
                out.mismatches.push_back(label + ", " + set + " " + k + ", " + item.key() + ": expected " +
                                         item.value().dump() + ", got " + cell_value(*c).dump() + " (printed '" +
                                         c->text + "', page " + std::to_string(c->page) + ")");
            }
        }
    }
    for (const auto& kv : by_key) {
        if (!seen.count(kv.first)) out.mismatches.push_back(label + ", " + set + " " + kv.first + ": extra record");
    }
}

}  // namespace

Comparison compare_with_expected(const nlohmann::json& expected, const creb::Report& got, const std::string& label) {
    Comparison out;
    ++out.cells;
    if (expected.value("report_month", std::string()) != got.report_month) {
        out.mismatches.push_back(label + ", report_month: expected " + expected.value("report_month", std::string()) +
                                 ", got " + got.report_month);
    }
    compare_set(label, "city_monthly", expected.value("city_monthly", nlohmann::json::array()), got.city_monthly,
                {"month", "property_type"}, creb::city_field_names(), out);
    compare_set(label, "district_monthly", expected.value("district_monthly", nlohmann::json::array()),
                got.district_monthly, {"month", "property_type", "district"}, creb::district_field_names(), out);
    return out;
}

}  // namespace testsupport
