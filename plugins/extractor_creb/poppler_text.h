// poppler_text.h — the one place the reader turns a poppler page into positioned
// words (internal to creb_reader; keeps poppler out of the other headers).
#ifndef ANALYTICA_CREB_POPPLER_TEXT_H
#define ANALYTICA_CREB_POPPLER_TEXT_H

#include "text_layout.h"

namespace poppler {
class document;
}

namespace creb {

// The words of page `index` (0-based) with their boxes, grouped into lines.
// An unreadable page gives a PageText without words.
PageText load_page_text(const poppler::document& doc, int index);

// Routes poppler's error chatter to nowhere (it writes to stderr by default). Idempotent.
void silence_poppler();

}  // namespace creb

#endif
