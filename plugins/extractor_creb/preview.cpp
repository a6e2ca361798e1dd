#include "preview.h"

#include "pdf_pages.h"

#include <poppler-document.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace creb {

namespace {

bool has_letter(const std::string& s) {
    for (unsigned char c : s)
        if (std::isalpha(c)) return true;
    return false;
}

Box grow(const Box& b, double m) { return Box{b.x0 - m, b.y0 - m, b.x1 + m, b.y1 + m}; }

Box clip(const Box& b, double w, double h) {
    return Box{std::max(0.0, b.x0), std::max(0.0, b.y0), std::min(w, b.x1), std::min(h, b.y1)};
}

struct Found {
    Box box;
    std::string text;
};

// The row label of `cell`: on a line overlapping the cell's row by at least half
// the shorter height, the leftmost phrase holding a letter that ends left of the cell.
std::optional<Found> row_label(const PageText& page, const Box& cell) {
    std::optional<Found> best;
    for (const Line& line : page.lines) {
        const double need = 0.5 * std::min(height(line.box), std::max(height(cell), 1.0));
        if (y_overlap(line.box, cell) < need) continue;
        for (const Phrase& p : line.phrases) {
            if (p.box.x1 > cell.x0 + 0.5 || !has_letter(p.text)) continue;
            if (!best || p.box.x0 < best->box.x0) best = Found{p.box, p.text};
            break;  // phrases run left to right: the first one that fits is the leftmost
        }
    }
    return best;
}

// The column header of `cell`: the nearest line above it with a phrase holding a
// letter that overlaps the cell's column, plus the lines just above that one that
// continue it (a header wrapped over two or three lines).
std::optional<Found> column_header(const PageText& page, const Box& cell) {
    const Box column{cell.x0 - 2, 0, cell.x1 + 2, cell.y0};
    auto header_phrase = [&](const Line& line) -> std::optional<Found> {
        if (line.box.y1 > cell.y0 + 0.5) return std::nullopt;
        for (const Phrase& p : line.phrases)
            if (x_overlap(p.box, column) > 0 && has_letter(p.text)) return Found{p.box, p.text};
        return std::nullopt;
    };
    int nearest = -1;
    std::optional<Found> found;
    for (int i = static_cast<int>(page.lines.size()) - 1; i >= 0; --i) {
        if (page.lines[static_cast<size_t>(i)].box.y1 > cell.y0 + 0.5) continue;
        if (auto f = header_phrase(page.lines[static_cast<size_t>(i)])) {
            if (!found || f->box.y1 > found->box.y1) {
                found = f;
                nearest = i;
            }
        }
    }
    if (!found) return std::nullopt;
    // Continue upwards while the next line above is close and also a header phrase.
    for (int i = nearest - 1; i >= 0; --i) {
        const Line& line = page.lines[static_cast<size_t>(i)];
        if (line.box.y1 > found->box.y0 + 0.5) continue;  // same band as the header
        if (found->box.y0 - line.box.y1 > 0.8 * std::max(height(line.box), 1.0)) break;
        auto f = header_phrase(line);
        if (!f) break;
        found->box = unite(found->box, f->box);
        found->text = f->text + " " + found->text;
    }
    return found;
}

}  // namespace

PreviewLayout preview_layout(const PageText& page, const std::vector<Box>& cells) {
    if (cells.empty()) throw Error("preview: no cells given");
    PreviewLayout out;
    out.cells = cells.front();
    for (const Box& c : cells) out.cells = unite(out.cells, c);
    auto add = [](std::string& to, const std::string& text) {
        if (to.find(text) == std::string::npos) to += (to.empty() ? "" : " / ") + text;
    };
    for (const Box& c : cells) {
        if (auto l = row_label(page, c)) {
            out.label = out.label ? unite(*out.label, l->box) : l->box;
            add(out.label_text, l->text);
        }
        if (auto h = column_header(page, c)) {
            out.header = out.header ? unite(*out.header, h->box) : h->box;
            add(out.header_text, h->text);
        }
    }
    Box all = out.cells;
    if (out.label) all = unite(all, *out.label);
    if (out.header) all = unite(all, *out.header);
    const double pw = page.width > 0 ? page.width : 1e9, ph = page.height > 0 ? page.height : 1e9;
    out.composed = width(all) > kPreviewMaxWidth || height(all) > kPreviewMaxHeight;
    if (!out.composed) {
        out.pieces.push_back(clip(grow(all, kPreviewMargin), pw, ph));
    } else {
        // Label and header as they are printed; the cells with their own row band.
        if (out.label) out.pieces.push_back(clip(grow(*out.label, kPreviewMargin), pw, ph));
        if (out.header) out.pieces.push_back(clip(grow(*out.header, kPreviewMargin), pw, ph));
        out.pieces.push_back(clip(grow(out.cells, kPreviewMargin), pw, ph));
    }
    out.region = out.pieces.front();
    for (const Box& b : out.pieces) out.region = unite(out.region, b);
    return out;
}

namespace {

std::mutex g_render;  // poppler's rendering state is not safe to share between threads

struct TempFile {
    std::string path;
    TempFile() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "analytica-preview-XXXXXX").string();
        const int fd = ::mkstemp(&tmpl[0]);
        if (fd < 0) throw PreviewError(PreviewError::Kind::Format, "preview: cannot create a temporary file");
        ::close(fd);
        path = tmpl;
    }
    ~TempFile() { ::unlink(path.c_str()); }
};

void put(unsigned char* px, int r, int g, int b) {
    px[0] = static_cast<unsigned char>(b);
    px[1] = static_cast<unsigned char>(g);
    px[2] = static_cast<unsigned char>(r);
    px[3] = 255;
}

}  // namespace

PageText read_page_text(const std::string& path, int page) {
    silence_poppler();
    std::unique_ptr<PdfPages> doc = PdfPages::open_file(path);
    if (!doc || doc->locked()) throw Error(path + ": cannot open the PDF");
    if (page < 1 || page > doc->count()) throw Error(path + ": page " + std::to_string(page) + " does not exist");
    return doc->words(page - 1);
}

Preview render_preview(const PreviewRequest& q) {
    using K = PreviewError::Kind;
    silence_poppler();
    const std::string name = std::filesystem::path(q.path).filename().string();
    struct stat st {};
    if (::stat(q.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        throw PreviewError(K::Format, name + ": cannot open file");
    if (static_cast<std::uint64_t>(st.st_size) > q.max_file_bytes)
        throw PreviewError(K::Format, name + ": file too large (" + std::to_string(st.st_size) + " bytes)");
    if (q.cells.empty()) throw PreviewError(K::Invalid, "preview: no cells given");
    for (const Box& c : q.cells)
        if (!(c.x1 > c.x0) || !(c.y1 > c.y0)) throw PreviewError(K::Invalid, "preview: a cell's box is empty");

    std::lock_guard<std::mutex> lock(g_render);
    std::unique_ptr<PdfPages> doc = PdfPages::open_file(q.path);
    if (!doc || doc->locked()) throw PreviewError(K::Format, name + ": cannot open the PDF");
    if (q.page < 1 || q.page > doc->count())
        throw PreviewError(K::Invalid, name + ": page " + std::to_string(q.page) + " does not exist (" +
                                           std::to_string(doc->count()) + " pages)");
    std::unique_ptr<poppler::page> page(doc->document().create_page(q.page - 1));
    if (!page) throw PreviewError(K::Format, name + ": cannot read page " + std::to_string(q.page));
    PageText text = doc->words(q.page - 1);
    for (const Box& c : q.cells)
        if (c.x0 >= text.width || c.y0 >= text.height || c.x1 <= 0 || c.y1 <= 0)
            throw PreviewError(K::Invalid, name + ": a cell lies outside page " + std::to_string(q.page));

    Preview out;
    out.layout = preview_layout(text, q.cells);
    double scale = 2.0 * std::clamp(q.scale > 0 ? q.scale : 1.0, 0.25, 4.0);
    double total_w = 0, max_h = 0;
    for (const Box& b : out.layout.pieces) total_w += width(b), max_h = std::max(max_h, height(b));
    constexpr double kMaxPixels = 1600;  // longest side
    scale = std::min(scale, kMaxPixels / std::max({total_w, max_h, 1.0}));

    poppler::page_renderer renderer;
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    renderer.set_image_format(poppler::image::format_argb32);
    constexpr int kGap = 8;  // pixels between composed pieces
    struct Piece {
        poppler::image img;
        int px, py;  // page pixel of the image's top-left
    };
    std::vector<Piece> pieces;
    int canvas_w = 0, canvas_h = 0;
    for (const Box& b : out.layout.pieces) {
        const int px = static_cast<int>(std::floor(b.x0 * scale)), py = static_cast<int>(std::floor(b.y0 * scale));
        const int w = std::max(1, static_cast<int>(std::ceil(b.x1 * scale)) - px);
        const int h = std::max(1, static_cast<int>(std::ceil(b.y1 * scale)) - py);
        poppler::image img = renderer.render_page(page.get(), 72.0 * scale, 72.0 * scale, px, py, w, h);
        if (!img.is_valid() || img.format() != poppler::image::format_argb32)
            throw PreviewError(K::Format, name + ": cannot render page " + std::to_string(q.page));
        canvas_w += img.width() + (pieces.empty() ? 0 : kGap);
        canvas_h = std::max(canvas_h, img.height());
        pieces.push_back({img, px, py});
    }

    poppler::image canvas(canvas_w, canvas_h, poppler::image::format_argb32);
    if (!canvas.is_valid()) throw PreviewError(K::Format, "preview: cannot allocate the image");
    unsigned char* data = reinterpret_cast<unsigned char*>(canvas.data());
    const int stride = canvas.bytes_per_row();
    std::memset(data, 255, static_cast<size_t>(stride) * static_cast<size_t>(canvas_h));
    int x_at = 0;
    for (size_t k = 0; k < pieces.size(); ++k) {
        const poppler::image& img = pieces[k].img;
        const char* src = img.const_data();
        for (int y = 0; y < img.height(); ++y)
            std::memcpy(data + y * stride + x_at * 4, src + y * img.bytes_per_row(), static_cast<size_t>(img.width()) * 4);
        // Outline the cells on the piece that shows them (the last one).
        if (k + 1 == pieces.size()) {
            for (const Box& c : q.cells) {
                const int bx0 = static_cast<int>(std::floor(c.x0 * scale)) - pieces[k].px - 2 + x_at;
                const int by0 = static_cast<int>(std::floor(c.y0 * scale)) - pieces[k].py - 2;
                const int bx1 = static_cast<int>(std::ceil(c.x1 * scale)) - pieces[k].px + 2 + x_at;
                const int by1 = static_cast<int>(std::ceil(c.y1 * scale)) - pieces[k].py + 2;
                const int t = 2;
                for (int y = std::max(0, by0); y < std::min(canvas_h, by1); ++y)
                    for (int x = std::max(x_at, bx0); x < std::min(x_at + img.width(), bx1); ++x)
                        if (x < bx0 + t || x >= bx1 - t || y < by0 + t || y >= by1 - t)
                            put(data + y * stride + x * 4, 220, 20, 40);
            }
        }
        x_at += img.width() + kGap;
    }

    TempFile tmp;
    if (!canvas.save(tmp.path, "png")) throw PreviewError(K::Format, "preview: cannot encode the PNG");
    std::ifstream in(tmp.path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    out.png = bytes.str();
    out.width = canvas_w;
    out.height = canvas_h;
    return out;
}

}  // namespace creb
