#include "creb_synth/pdf_writer.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace pdfw {
namespace {

// Advance widths (1/1000 em) of WinAnsi codes 32..255, from Adobe's font
// metrics for the standard Helvetica and Helvetica-Bold faces. Unused codes: 0.
constexpr int kFirstChar = 32;
constexpr int kLastChar = 255;
constexpr int kHelvetica[224] = {
     278,  278,  355,  556,  556,  889,  667,  191,  333,  333,  389,  584,  278,  333,  278,  278,
     556,  556,  556,  556,  556,  556,  556,  556,  556,  556,  278,  278,  584,  584,  584,  556,
    1015,  667,  667,  722,  722,  667,  611,  778,  722,  278,  500,  667,  556,  833,  722,  778,
     667,  778,  722,  667,  611,  722,  667,  944,  667,  667,  611,  278,  278,  278,  469,  556,
     333,  556,  556,  500,  556,  556,  278,  556,  556,  222,  222,  500,  222,  833,  556,  556,
     556,  556,  333,  500,  278,  556,  500,  722,  500,  500,  500,  334,  260,  334,  584,    0,
     556,    0,  222,  556,  333, 1000,  556,  556,  333, 1000,  667,  333, 1000,    0,  611,    0,
       0,  222,  222,  333,  333,  350,  556, 1000,  333, 1000,  500,  333,  944,    0,  500,  667,
     278,  333,  556,  556,  556,  556,  260,  556,  333,  737,  370,  556,  584,  333,  737,  333,
     400,  584,  333,  333,  333,  578,  537,  278,  333,  333,  365,  556,  834,  834,  834,  611,
     667,  667,  667,  667,  667,  667, 1000,  722,  667,  667,  667,  667,  278,  278,  278,  278,
     722,  722,  778,  778,  778,  778,  778,  584,  778,  722,  722,  722,  722,  667,  667,  611,
     556,  556,  556,  556,  556,  556,  889,  500,  556,  556,  556,  556,  278,  278,  278,  278,
     556,  556,  556,  556,  556,  556,  556,  584,  611,  556,  556,  556,  556,  500,  556,  500,
};
constexpr int kHelveticaBold[224] = {
     278,  333,  474,  556,  556,  889,  722,  238,  333,  333,  389,  584,  278,  333,  278,  278,
     556,  556,  556,  556,  556,  556,  556,  556,  556,  556,  333,  333,  584,  584,  584,  611,
     975,  722,  722,  722,  722,  667,  611,  778,  722,  278,  556,  722,  611,  833,  722,  778,
     667,  778,  722,  667,  611,  722,  667,  944,  667,  667,  611,  333,  278,  333,  584,  556,
     333,  556,  611,  556,  611,  556,  333,  611,  611,  278,  278,  556,  278,  889,  611,  611,
     611,  611,  389,  556,  333,  611,  556,  778,  556,  556,  500,  389,  280,  389,  584,    0,
     556,    0,  278,  556,  500, 1000,  556,  556,  333, 1000,  667,  333, 1000,    0,  611,    0,
       0,  278,  278,  500,  500,  350,  556, 1000,  333, 1000,  556,  333,  944,    0,  500,  667,
     278,  333,  556,  556,  556,  556,  280,  556,  333,  737,  370,  556,  584,  333,  737,  333,
     400,  584,  333,  333,  333,  611,  556,  278,  333,  333,  365,  556,  834,  834,  834,  611,
     722,  722,  722,  722,  722,  722, 1000,  722,  667,  667,  667,  667,  278,  278,  278,  278,
     722,  722,  778,  778,  778,  778,  778,  584,  778,  722,  722,  722,  722,  667,  667,  611,
     556,  556,  556,  556,  556,  556,  889,  556,  556,  556,  556,  556,  278,  278,  278,  278,
     611,  611,  611,  611,  611,  611,  611,  584,  611,  611,  611,  611,  611,  556,  611,  556,
};

int glyph_width(Font font, unsigned char code) {
    if (code < kFirstChar) return 0;
    const int* table = font == Font::HelveticaBold ? kHelveticaBold : kHelvetica;
    return table[code - kFirstChar];
}

// Unicode code points of WinAnsi 0x80..0x9F (0 = undefined).
constexpr std::uint32_t kWinAnsiHigh[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

unsigned char winansi_code(std::uint32_t cp) {
    if (cp >= 0x20 && cp <= 0x7E) return static_cast<unsigned char>(cp);
    if (cp >= 0xA0 && cp <= 0xFF) return static_cast<unsigned char>(cp);
    for (int i = 0; i < 32; ++i) {
        if (kWinAnsiHigh[i] != 0 && kWinAnsiHigh[i] == cp) return static_cast<unsigned char>(0x80 + i);
    }
    return '?';
}

const char* font_resource(Font f) { return f == Font::HelveticaBold ? "/F2" : "/F1"; }

std::string fmt_fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

std::string to_winansi(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::uint32_t cp = 0;
        std::size_t len = 1;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1Fu;
            len = 2;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0Fu;
            len = 3;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07u;
            len = 4;
        } else {
            out.push_back('?');
            ++i;
            continue;
        }
        if (i + len > s.size()) {
            out.push_back('?');
            break;
        }
        bool ok = true;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) {
                ok = false;
                break;
            }
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if (!ok) {
            out.push_back('?');
            ++i;
            continue;
        }
        out.push_back(static_cast<char>(winansi_code(cp)));
        i += len;
    }
    return out;
}

double text_width(Font font, double size, std::string_view utf8_text) {
    const std::string bytes = to_winansi(utf8_text);
    long units = 0;
    for (char ch : bytes) units += glyph_width(font, static_cast<unsigned char>(ch));
    return static_cast<double>(units) * size / 1000.0;
}

std::string escape_literal(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() + 8);
    for (char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (ch == '(' || ch == ')' || ch == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03o", static_cast<unsigned>(c));
            out += buf;
        } else {
            out.push_back(ch);
        }
    }
    return out;
}

std::string fmt_num(double v) {
    // Round to 1/1000 pt so output is stable, then trim trailing zeros.
    double r = std::round(v * 1000.0) / 1000.0;
    if (r == 0.0) r = 0.0;  // no "-0"
    std::string s = fmt_fixed(r, 3);
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    if (s == "-0") s = "0";
    return s;
}

// ---------------------------------------------------------------- Page

double Page::text(double x, double y, Font font, double size, std::string_view utf8_text,
                  Align align) {
    const std::string bytes = to_winansi(utf8_text);
    double left = x;
    if (align != Align::Left) {
        const double w = text_width(font, size, utf8_text);
        left = align == Align::Right ? x - w : x - w / 2.0;
    }
    if (!in_text_) {
        content_ += "BT\n";
        in_text_ = true;
        cur_size_ = -1.0;  // font state is reset per text object by our convention
    }
    if (cur_size_ != size || cur_font_ != font) {
        content_ += font_resource(font);
        content_ += ' ' + fmt_num(size) + " Tf\n";
        cur_font_ = font;
        cur_size_ = size;
    }
    content_ += "1 0 0 1 " + fmt_num(left) + ' ' + fmt_num(y) + " Tm\n";
    content_ += '(' + escape_literal(bytes) + ") Tj\n";
    return left;
}

void Page::set_fill_gray(double gray) {
    if (text_gray_set_ && gray == text_gray_) return;
    content_ += fmt_num(gray) + " g\n";  // allowed inside and outside BT/ET
    text_gray_ = gray;
    text_gray_set_ = true;
}

std::string Page::content() const {
    return in_text_ ? content_ + "ET\n" : content_;
}

void Page::end_text() {
    if (in_text_) {
        content_ += "ET\n";
        in_text_ = false;
    }
}

void Page::line(double x1, double y1, double x2, double y2, double line_width, double gray) {
    end_text();
    content_ += "q " + fmt_num(line_width) + " w " + fmt_num(gray) + " G " + fmt_num(x1) + ' ' +
                fmt_num(y1) + " m " + fmt_num(x2) + ' ' + fmt_num(y2) + " l S Q\n";
}

void Page::rect(double x, double y, double w, double h, bool fill, double gray, double line_width) {
    end_text();
    const std::string r = fmt_num(x) + ' ' + fmt_num(y) + ' ' + fmt_num(w) + ' ' + fmt_num(h) + " re";
    if (fill) {
        content_ += "q " + fmt_num(gray) + " g " + r + " f Q\n";
    } else {
        content_ += "q " + fmt_num(line_width) + " w " + fmt_num(gray) + " G " + r + " S Q\n";
    }
}

// ---------------------------------------------------------------- Document

Page& Document::add_page(double width, double height) {
    if (!(width > 0.0) || !(height > 0.0)) throw std::invalid_argument("pdfw: bad page size");
    pages_.emplace_back(width, height);
    return pages_.back();
}

namespace {

std::string info_string(const std::string& utf8) {
    return '(' + escape_literal(to_winansi(utf8)) + ')';
}

}  // namespace

std::string Document::serialize() const {
    // Object numbering: 1 catalog, 2 pages, 3 F1, 4 F2, 5 info,
    // then for page i: 6+2i page, 7+2i content stream.
    const std::size_t n_pages = pages_.size();
    const std::size_t n_objects = 5 + 2 * n_pages;
    std::vector<std::size_t> offsets(n_objects + 1, 0);
    std::string out;
    out += "%PDF-1.4\n";
    out += "%\xE2\xE3\xCF\xD3\n";  // binary marker comment

    auto begin_obj = [&](std::size_t num) {
        offsets[num] = out.size();
        out += std::to_string(num) + " 0 obj\n";
    };
    auto end_obj = [&] { out += "endobj\n"; };

    begin_obj(1);
    out += "<< /Type /Catalog /Pages 2 0 R >>\n";
    end_obj();

    begin_obj(2);
    out += "<< /Type /Pages /Kids [";
    for (std::size_t i = 0; i < n_pages; ++i) {
        if (i) out += ' ';
        out += std::to_string(6 + 2 * i) + " 0 R";
    }
    out += "] /Count " + std::to_string(n_pages) + " >>\n";
    end_obj();

    auto font_obj = [&](std::size_t num, const char* base, Font f) {
        begin_obj(num);
        out += "<< /Type /Font /Subtype /Type1 /BaseFont /";
        out += base;
        out += " /Encoding /WinAnsiEncoding /FirstChar " + std::to_string(kFirstChar) +
               " /LastChar " + std::to_string(kLastChar) + "\n/Widths [";
        for (int c = kFirstChar; c <= kLastChar; ++c) {
            out += std::to_string(glyph_width(f, static_cast<unsigned char>(c)));
            out += (c - kFirstChar) % 16 == 15 ? '\n' : ' ';
        }
        out += "] >>\n";
        end_obj();
    };
    font_obj(3, "Helvetica", Font::Helvetica);
    font_obj(4, "Helvetica-Bold", Font::HelveticaBold);

    begin_obj(5);
    out += "<<";
    if (!info_.title.empty()) out += " /Title " + info_string(info_.title);
    if (!info_.author.empty()) out += " /Author " + info_string(info_.author);
    if (!info_.subject.empty()) out += " /Subject " + info_string(info_.subject);
    if (!info_.creator.empty()) out += " /Creator " + info_string(info_.creator);
    if (!info_.producer.empty()) out += " /Producer " + info_string(info_.producer);
    if (!info_.creation_date.empty()) out += " /CreationDate " + info_string(info_.creation_date);
    out += " >>\n";
    end_obj();

    for (std::size_t i = 0; i < n_pages; ++i) {
        const Page& p = pages_[i];
        const std::size_t page_num = 6 + 2 * i;
        const std::size_t content_num = page_num + 1;
        begin_obj(page_num);
        out += "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + fmt_num(p.width()) + ' ' +
               fmt_num(p.height()) + "]\n/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >>\n/Contents " +
               std::to_string(content_num) + " 0 R >>\n";
        end_obj();

        const std::string stream = p.content();
        begin_obj(content_num);
        out += "<< /Length " + std::to_string(stream.size()) + " >>\nstream\n";
        out += stream;
        out += "\nendstream\n";
        end_obj();
    }

    const std::size_t xref_at = out.size();
    out += "xref\n0 " + std::to_string(n_objects + 1) + "\n";
    out += "0000000000 65535 f \n";
    for (std::size_t num = 1; num <= n_objects; ++num) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%010zu 00000 n \n", offsets[num]);
        out += buf;
    }
    out += "trailer\n<< /Size " + std::to_string(n_objects + 1) + " /Root 1 0 R /Info 5 0 R >>\n";
    out += "startxref\n" + std::to_string(xref_at) + "\n%%EOF\n";
    return out;
}

}  // namespace pdfw
