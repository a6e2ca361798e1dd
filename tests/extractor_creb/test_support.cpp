#include "test_support.h"

#include "creb_synth/pdf_writer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

namespace fs = std::filesystem;

namespace testsupport {

double text_width(const std::string& text, double size) {
    return pdfw::text_width(pdfw::Font::Helvetica, size, text);
}

namespace {

// Appends an incremental update whose trailer adds a Standard-security
// /Encrypt dictionary (RC4 40-bit) that no empty user password opens.
std::string encrypt(const std::string& pdf) {
    const size_t prev = std::stoul(pdf.substr(pdf.rfind("startxref") + 10));
    const size_t size = std::stoul(pdf.substr(pdf.find("/Size ", pdf.rfind("trailer")) + 6));
    std::string out = pdf;
    const size_t offset = out.size();
    out += std::to_string(size) + " 0 obj\n<< /Filter /Standard /V 1 /R 2 /O <" + std::string(64, 'A') + "> /U <" +
           std::string(64, 'B') + "> /P -44 >>\nendobj\n";
    char entry[32];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
    const size_t xref = out.size();
    const std::string id = "<00112233445566778899AABBCCDDEEFF>";
    out += "xref\n" + std::to_string(size) + " 1\n" + entry + "trailer\n<< /Size " + std::to_string(size + 1) +
           " /Root 1 0 R /Prev " + std::to_string(prev) + " /ID [" + id + id + "] /Encrypt " + std::to_string(size) +
           " 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return out;
}

}  // namespace

std::string make_pdf(const std::vector<PdfPage>& pages, const PdfOptions& opt) {
    pdfw::Document doc;
    for (const PdfPage& pg : pages) {
        pdfw::Page& page = doc.add_page(pg.width, pg.height);
        for (const TextItem& t : pg.items)
            page.text(t.x, pg.height - (t.top + 0.78 * t.size), pdfw::Font::Helvetica, t.size, t.text,
                      t.right_aligned ? pdfw::Align::Right : pdfw::Align::Left);
    }
    const std::string pdf = doc.serialize();
    return opt.encrypted ? encrypt(pdf) : pdf;
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
