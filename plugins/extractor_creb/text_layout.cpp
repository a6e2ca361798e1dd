#include "text_layout.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <tuple>

namespace creb {

Box unite(const Box& a, const Box& b) {
    return Box{std::min(a.x0, b.x0), std::min(a.y0, b.y0), std::max(a.x1, b.x1), std::max(a.y1, b.y1)};
}

double x_overlap(const Box& a, const Box& b) {
    return std::max(0.0, std::min(a.x1, b.x1) - std::max(a.x0, b.x0));
}

double y_overlap(const Box& a, const Box& b) {
    return std::max(0.0, std::min(a.y1, b.y1) - std::max(a.y0, b.y0));
}

std::string norm_key(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (std::isalnum(c) && c < 128) out.push_back(static_cast<char>(std::tolower(c)));
    }
    return out;
}

int month_number(const std::string& word) {
    static const char* const names[12] = {"january", "february", "march",     "april",   "may",      "june",
                                          "july",    "august",   "september", "october", "november", "december"};
    std::string k = norm_key(word);
    if (k.size() < 3) return 0;
    // The word must be letters (plus an optional trailing '.') — no digits, no other punctuation.
    for (unsigned char c : word) {
        if (!(std::isalpha(c) || c == '.')) return 0;
    }
    for (int m = 0; m < 12; ++m) {
        const std::string full = names[m];
        if (k == full) return m + 1;
        // Abbreviations: a prefix of at least three letters ("Sep", "Sept", "Jun").
        if (k.size() < full.size() && full.compare(0, k.size(), k) == 0) return m + 1;
    }
    return 0;
}

std::string parse_month_year(const std::string& text) {
    // Two tokens: <month> <4-digit year>.
    std::vector<std::string> tok;
    std::string cur;
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!cur.empty()) tok.push_back(cur), cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty()) tok.push_back(cur);
    if (tok.size() != 2) return "";
    int m = month_number(tok[0]);
    if (m == 0) return "";
    const std::string& y = tok[1];
    if (y.size() != 4 || !std::all_of(y.begin(), y.end(), [](unsigned char c) { return std::isdigit(c); })) return "";
    int year = std::atoi(y.c_str());
    if (year < 1990 || year > 2200) return "";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d", year, m);
    return buf;
}

std::vector<Phrase> split_phrases(const std::vector<const Word*>& words, double gap_factor) {
    std::vector<Phrase> out;
    for (const Word* w : words) {
        bool join = false;
        if (!out.empty()) {
            const Word* prev = out.back().words.back();
            double h = std::min(height(prev->box), height(w->box));
            double gap = w->box.x0 - prev->box.x1;
            join = gap <= gap_factor * h;
        }
        if (join) {
            Phrase& p = out.back();
            p.words.push_back(w);
            p.box = unite(p.box, w->box);
            p.text += ' ';
            p.text += w->text;
        } else {
            Phrase p;
            p.words.push_back(w);
            p.box = w->box;
            p.text = w->text;
            out.push_back(std::move(p));
        }
    }
    return out;
}

void build_lines(PageText& page) {
    page.lines.clear();
    std::vector<const Word*> order;
    order.reserve(page.words.size());
    for (const Word& w : page.words) {
        if (!w.text.empty() && height(w.box) > 0) order.push_back(&w);
    }
    // A total order, so lines do not depend on the order the words came in.
    std::sort(order.begin(), order.end(), [](const Word* a, const Word* b) {
        return std::forward_as_tuple(ycentre(a->box), a->box.x0, a->box.x1, a->box.y0, a->text) <
               std::forward_as_tuple(ycentre(b->box), b->box.x0, b->box.x1, b->box.y0, b->text);
    });
    // A word joins the current line when its vertical centre lies within the line's
    // first word's vertical extent (shrunk a little), so lines never chain downwards.
    std::vector<std::vector<const Word*>> groups;
    double band_lo = 0, band_hi = -1;
    for (const Word* w : order) {
        double yc = ycentre(w->box);
        if (groups.empty() || yc > band_hi || yc < band_lo) {
            groups.emplace_back();
            double h = height(w->box);
            band_lo = w->box.y0 + 0.15 * h;
            band_hi = w->box.y1 - 0.15 * h;
            if (yc > band_hi) band_hi = yc;
        }
        groups.back().push_back(w);
    }
    for (auto& g : groups) {
        std::stable_sort(g.begin(), g.end(), [](const Word* a, const Word* b) { return a->box.x0 < b->box.x0; });
        Line line;
        line.words = g;
        line.box = g.front()->box;
        for (const Word* w : g) {
            line.box = unite(line.box, w->box);
            if (!line.text.empty()) line.text += ' ';
            line.text += w->text;
        }
        line.phrases = split_phrases(line.words);
        page.lines.push_back(std::move(line));
    }
}

}  // namespace creb
