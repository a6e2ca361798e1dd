// text_layout.h — the positioned-word layer: words -> lines -> phrases.
// Pure geometry on already-extracted words; knows nothing about poppler.
#ifndef ANALYTICA_CREB_TEXT_LAYOUT_H
#define ANALYTICA_CREB_TEXT_LAYOUT_H

#include "creb_report.h"

#include <string>
#include <vector>

namespace creb {

struct Word {
    std::string text;  // UTF-8
    Box box;
};

// Consecutive words of one line with small gaps between them ("City Centre", "$456,700").
struct Phrase {
    std::vector<const Word*> words;
    Box box;
    std::string text;  // words joined by one space
};

struct Line {
    std::vector<const Word*> words;  // left to right
    Box box;
    std::vector<Phrase> phrases;     // left to right
    std::string text;                // words joined by one space
};

struct PageText {
    int number = 0;  // 1-based
    double width = 0, height = 0;
    std::vector<Word> words;
    std::vector<Line> lines;  // top to bottom; built by build_lines()
};

// Groups page.words into lines (by vertical overlap) and phrases (by horizontal gaps).
void build_lines(PageText& page);

// Splits a left-to-right word run into phrases at gaps wider than gap_factor * word height.
std::vector<Phrase> split_phrases(const std::vector<const Word*>& words, double gap_factor = 0.9);

// Lowercase ASCII letters and digits only: "Semi-Detached" -> "semidetached".
std::string norm_key(const std::string& s);

// Month name or abbreviation ("Jan.", "Sept", "September") -> 1..12, else 0.
int month_number(const std::string& word);

// "February 2025", "Feb. 2025", "Feb 2025" -> "2025-02"; "" if not a month-year phrase.
std::string parse_month_year(const std::string& text);

Box unite(const Box& a, const Box& b);
inline double width(const Box& b) { return b.x1 - b.x0; }
inline double height(const Box& b) { return b.y1 - b.y0; }
inline double xcentre(const Box& b) { return (b.x0 + b.x1) / 2; }
inline double ycentre(const Box& b) { return (b.y0 + b.y1) / 2; }
double x_overlap(const Box& a, const Box& b);  // >= 0
double y_overlap(const Box& a, const Box& b);  // >= 0

}  // namespace creb

#endif
