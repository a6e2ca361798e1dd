// pdf_pages.h — the one place the reader touches poppler: a PDF's pages as
// positioned words (internal to creb_reader; keeps poppler out of the other headers).
#ifndef ANALYTICA_CREB_PDF_PAGES_H
#define ANALYTICA_CREB_PDF_PAGES_H

#include "text_layout.h"

#include <memory>
#include <string>

namespace poppler {
class document;
}

namespace creb {

// One open PDF. Pages are read through poppler's core API with one text device
// for the whole document, so the fonts and colour spaces a page sets up are set
// up once, not once per page (poppler-cpp builds a new device for every page).
// Not thread-safe: one PdfPages per thread; distinct PdfPages may be used
// concurrently. Keeps the bytes given to open_memory() by reference: they must
// outlive it.
class PdfPages {
public:
    // nullptr when poppler cannot open the document at all (not a PDF, damaged
    // beyond repair). May throw what poppler-cpp throws (std::exception).
    static std::unique_ptr<PdfPages> open_file(const std::string& path);
    static std::unique_ptr<PdfPages> open_memory(const std::string& bytes);
    ~PdfPages();

    bool locked() const;  // encrypted, and no password opens it
    int count() const;    // pages in the document

    // Every word of page `index` (0-based) with its box, grouped into lines. An
    // unreadable page, or any page of a locked document, gives a PageText
    // without words.
    PageText words(int index);

    // The words of the first `chars` or so characters page `index` draws — the
    // page's title in every layout seen so far, which puts it first — at a
    // fraction of the cost of words(): the page is abandoned there. No promise
    // beyond "a prefix of the page in drawing order"; callers confirm with words().
    PageText first_words(int index, int chars);

    // poppler-cpp's view of the same document (rendering).
    const poppler::document& document() const;

private:
    struct Impl;
    explicit PdfPages(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Routes poppler's error chatter to nowhere (it writes to stderr by default). Idempotent.
void silence_poppler();

}  // namespace creb

#endif
