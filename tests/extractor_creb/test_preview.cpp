// analytica.preview/1 of extractor_creb (issue 10, crops a reader can check):
// the region shown takes in the cell's row label and column header; far apart,
// three small crops side by side; the PNG decodes and has a sensible size.
#include "creb_report.h"
#include "preview.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#ifdef CREB_HAVE_LIBPNG
#include <png.h>
#endif

#include <cstring>
#include <optional>

#ifdef CREB_HAVE_SYNTH
#include "creb_synth/creb_synth.h"

using testsupport::TempDir;

namespace {

bool inside(const creb::Box& inner, const creb::Box& outer) {
    return inner.x0 >= outer.x0 - 1e-6 && inner.y0 >= outer.y0 - 1e-6 && inner.x1 <= outer.x1 + 1e-6 &&
           inner.y1 <= outer.y1 + 1e-6;
}

// The boxes of the page's words that make up `text` on one line (first match).
std::optional<creb::Box> phrase_box(const creb::PageText& page, const std::string& text, const creb::Box& near_row,
                                    bool same_row) {
    for (const creb::Line& line : page.lines) {
        if (same_row && creb::y_overlap(line.box, near_row) <= 0) continue;
        for (const creb::Phrase& p : line.phrases)
            if (p.text == text) return p.box;
    }
    return std::nullopt;
}

struct Decoded {
    bool ok = false;
    int width = 0, height = 0;
    std::vector<unsigned char> rgba;
};

Decoded decode_png(const std::string& bytes) {
    Decoded d;
#ifndef CREB_HAVE_LIBPNG
    // Signature and IHDR only: width and height, big-endian, at bytes 16..23.
    if (bytes.size() < 33 || bytes.compare(12, 4, "IHDR") != 0) return d;
    auto be32 = [&](size_t at) {
        return (static_cast<unsigned char>(bytes[at]) << 24) | (static_cast<unsigned char>(bytes[at + 1]) << 16) |
               (static_cast<unsigned char>(bytes[at + 2]) << 8) | static_cast<unsigned char>(bytes[at + 3]);
    };
    d.width = be32(16);
    d.height = be32(20);
    d.ok = true;
    return d;
#else
    png_image img;
    std::memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, bytes.data(), bytes.size())) return d;
    img.format = PNG_FORMAT_RGBA;
    d.rgba.resize(PNG_IMAGE_SIZE(img));
    if (!png_image_finish_read(&img, nullptr, d.rgba.data(), 0, nullptr)) return d;
    d.ok = true;
    d.width = static_cast<int>(img.width);
    d.height = static_cast<int>(img.height);
    return d;
#endif
}

struct Fixture {
    TempDir tmp;
    std::string path;
    creb::Report report;
    creb_synth::Rendered doc;
    Fixture() {
        creb_synth::Options opt;
        opt.report_month = "2024-09";
        opt.seed = 11;
        doc = creb_synth::render_report(opt);
        path = tmp.file(doc.file_name);
        write_text(path, doc.pdf);
        report = creb::read_report(path);
    }
    const creb::Record& district(const std::string& type, const std::string& name) const {
        for (const auto& r : report.district_monthly)
            if (r.find("property_type")->text == type && r.find("district")->text == name) return r;
        throw std::runtime_error("no district row");
    }
    const creb::Record& city(const std::string& type, const std::string& month) const {
        for (const auto& r : report.city_monthly)
            if (r.find("property_type")->text == type && r.find("month")->text == month) return r;
        throw std::runtime_error("no city row");
    }
};

struct CellPreview {
    creb::PageText page;
    creb::PreviewLayout layout;
};

// The preview layout of `cell` of the fixture's report. It must have found the
// row label, reading `label`, and the column header, containing `header_part`.
CellPreview preview_of(const Fixture& f, const creb::Cell& cell, const std::string& label,
                       const std::string& header_part) {
    CellPreview p{creb::read_page_text(f.path, cell.page), {}};
    p.layout = creb::preview_layout(p.page, {cell.box});
    REQUIRE(p.layout.label);
    REQUIRE(p.layout.header);
    CHECK(p.layout.label_text == label);
    CHECK(p.layout.header_text.find(header_part) != std::string::npos);
    return p;
}

// A composed layout's three crops: the label, the header and the cell, left to right.
void check_three_pieces(const creb::PreviewLayout& l, const creb::Box& cell) {
    REQUIRE(l.pieces.size() == 3);
    CHECK(inside(*l.label, l.pieces[0]));
    CHECK(inside(*l.header, l.pieces[1]));
    CHECK(inside(cell, l.pieces[2]));
}

// The kind of the PreviewError render_preview(q) throws; nullopt when it renders.
std::optional<creb::PreviewError::Kind> refusal_of(const creb::PreviewRequest& q) {
    try {
        (void)creb::render_preview(q);
    } catch (const creb::PreviewError& e) {
        return e.kind();
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("preview: the region of a district cell takes in its district label and column header", "[preview]") {
    Fixture f;
    const creb::Cell& cell = *f.district("Apartment", "North West").find("benchmark_price");
    const auto [page, l] = preview_of(f, cell, "North West", "Benchmark");
    const auto label = phrase_box(page, "North West", cell.box, true);
    REQUIRE(label);
    CHECK(inside(*label, *l.label));
    if (!l.composed) {
        REQUIRE(l.pieces.size() == 1);
        CHECK(inside(cell.box, l.region));
        CHECK(inside(*l.label, l.region));
        CHECK(inside(*l.header, l.region));
    } else {
        check_three_pieces(l, cell.box);
    }
    // The header is above the cell and overlaps its column; the label is left of it on its row.
    CHECK(l.header->y1 <= cell.box.y0);
    CHECK(creb::x_overlap(*l.header, cell.box) > 0);
    CHECK(l.label->x1 <= cell.box.x0);
    CHECK(creb::y_overlap(*l.label, cell.box) > 0);
}

TEST_CASE("preview: a far-away label and header give three small crops side by side", "[preview]") {
    Fixture f;
    // December of the earlier year block: the month header row and the row label
    // are far from the cell on a city page.
    const std::string month = "2023-12";
    const creb::Cell& cell = *f.city("Total", month).find("average_price");
    const creb::PreviewLayout l = preview_of(f, cell, "Average Price", "Dec").layout;
    CHECK(l.composed);
    check_three_pieces(l, cell.box);
    for (const auto& p : l.pieces) {
        CHECK(creb::width(p) < creb::kPreviewMaxWidth);
        CHECK(creb::height(p) < creb::kPreviewMaxHeight);
    }
}

TEST_CASE("preview: the PNG decodes, has a sensible size and outlines the cell", "[preview]") {
    Fixture f;
    for (const creb::Cell* cell : {f.district("Detached", "City Centre").find("sales"),
                                   f.city("Row", "2024-03").find("benchmark_price")}) {
        creb::PreviewRequest q;
        q.path = f.path;
        q.page = cell->page;
        q.cells = {cell->box};
        const creb::Preview p = creb::render_preview(q);
        REQUIRE(p.png.size() > 8);
        CHECK(std::memcmp(p.png.data(), "\x89PNG\r\n\x1a\n", 8) == 0);
        const Decoded d = decode_png(p.png);
        REQUIRE(d.ok);
        CHECK(d.width == p.width);
        CHECK(d.height == p.height);
        // At the natural scale (2 px per point) the crop is bigger than the cell and
        // smaller than the page.
        CHECK(d.width >= 2 * creb::width(cell->box));
        CHECK(d.height >= 2 * creb::height(cell->box));
        CHECK(d.width <= 1600);
        CHECK(d.height <= 1600);
        size_t red = 0, dark = 0;
        for (size_t i = 0; i + 3 < d.rgba.size(); i += 4) {
            if (d.rgba[i] == 220 && d.rgba[i + 1] == 20 && d.rgba[i + 2] == 40) ++red;
            if (d.rgba[i] < 100 && d.rgba[i + 1] < 100 && d.rgba[i + 2] < 100) ++dark;
        }
#ifdef CREB_HAVE_LIBPNG
        CHECK(red > 20);   // the outline
        CHECK(dark > 20);  // printed text
#else
        (void)red;
        (void)dark;
#endif
    }
}

TEST_CASE("preview: bad requests are refused with their kind", "[preview][bad-input]") {
    Fixture f;
    creb::PreviewRequest q;
    q.path = f.path;
    q.page = 999;
    q.cells = {{10, 10, 20, 20}};
    CHECK(refusal_of(q) == creb::PreviewError::Kind::Invalid);
    q.page = 1;
    q.cells = {{5000, 5000, 5010, 5010}};
    CHECK_THROWS_AS(creb::render_preview(q), creb::PreviewError);
    q.cells = {};
    CHECK_THROWS_AS(creb::render_preview(q), creb::PreviewError);
    write_text(f.tmp.file("not.pdf"), "hello");
    q.path = f.tmp.file("not.pdf");
    q.cells = {{10, 10, 20, 20}};
    CHECK(refusal_of(q) == creb::PreviewError::Kind::Format);
}

#endif
