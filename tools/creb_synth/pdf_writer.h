// Minimal PDF 1.4 writer: uncompressed content streams, the standard Type 1
// fonts Helvetica and Helvetica-Bold (WinAnsiEncoding), text at absolute
// positions, lines and rectangles. No external PDF library.
//
// Coordinates are PDF user space: origin at the bottom-left of the page,
// y grows upwards, units are points (1/72 in).
#ifndef ANALYTICA_TOOLS_CREB_SYNTH_PDF_WRITER_H
#define ANALYTICA_TOOLS_CREB_SYNTH_PDF_WRITER_H

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <utility>

namespace pdfw {

enum class Font { Helvetica, HelveticaBold };
enum class Align { Left, Right, Center };

// Advance width of `text` (UTF-8) at `size` points, using the Adobe metrics of
// the standard fonts (the same widths the writer puts into the font /Widths).
double text_width(Font font, double size, std::string_view utf8_text);

// Convert UTF-8 to WinAnsi (cp1252) bytes; characters outside it become '?'.
std::string to_winansi(std::string_view utf8_text);

class Page {
public:
    Page(double width, double height) : width_(width), height_(height) {}

    double width() const { return width_; }
    double height() const { return height_; }

    // Places `text` so that its baseline starts at (x, y) for Align::Left, ends
    // at x for Align::Right, is centred on x for Align::Center. Returns the x of
    // the left edge actually used.
    double text(double x, double y, Font font, double size, std::string_view utf8_text,
                Align align = Align::Left);
    // Fill gray level for following text and rectangles (0 = black, 1 = white).
    void set_fill_gray(double gray);
    void line(double x1, double y1, double x2, double y2, double line_width = 0.5,
              double gray = 0.0);
    void rect(double x, double y, double w, double h, bool fill = true, double gray = 0.5,
              double line_width = 0.5);

    // The content stream (any open text object closed).
    std::string content() const;

private:
    void end_text();

    double width_;
    double height_;
    std::string content_;
    bool in_text_ = false;
    Font cur_font_ = Font::Helvetica;
    double cur_size_ = -1.0;
    double text_gray_ = 0.0;
    bool text_gray_set_ = false;
};

struct DocInfo {
    std::string title;
    std::string author;
    std::string subject;
    std::string creator;
    std::string producer = "creb-synth pdf_writer";
    std::string creation_date;  // PDF date string "D:YYYYMMDDHHmmSS", optional
};

class Document {
public:
    // Adds a page (default US letter portrait). References stay valid.
    Page& add_page(double width = 612.0, double height = 792.0);
    Page& page(std::size_t i) { return pages_.at(i); }
    std::size_t page_count() const { return pages_.size(); }
    void set_info(DocInfo info) { info_ = std::move(info); }

    // The whole file: header, objects, xref table with exact byte offsets,
    // trailer. Deterministic for the same input.
    std::string serialize() const;

private:
    std::deque<Page> pages_;
    DocInfo info_;
};

// Escape bytes for a PDF literal string "( ... )".
std::string escape_literal(std::string_view bytes);
// Format a coordinate/number compactly with at most 3 decimals ("12.5", "-3").
std::string fmt_num(double v);

}  // namespace pdfw

#endif  // ANALYTICA_TOOLS_CREB_SYNTH_PDF_WRITER_H
