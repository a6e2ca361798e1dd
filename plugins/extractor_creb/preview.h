// preview.h — crops of a report's page that show where figures came from: the
// cells outlined, with their row label and column header in view (the
// analytica.preview/1 extension of extractor_creb).
#ifndef ANALYTICA_CREB_PREVIEW_H
#define ANALYTICA_CREB_PREVIEW_H

#include "creb_report.h"
#include "text_layout.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace creb {

// What a crop shows. Either one region (cells, label and header close
// together), or three pieces side by side: label, header, cells.
struct PreviewLayout {
    Box cells;                  // union of the requested cells
    std::optional<Box> label;   // the row label: text on the cells' row, left of them
    std::optional<Box> header;  // the column header: text above the cells, in their column
    std::string label_text, header_text;  // what they say ("" when absent)
    bool composed = false;      // true: pieces = {label, header, cells} (absent parts left out)
    std::vector<Box> pieces;    // regions of the page to render, left to right
    Box region;                 // union of the pieces (the whole area shown)
};

// Beyond these spans (points) one crop holding cells, label and header would be
// mostly irrelevant table: the preview is then composed of three small crops.
constexpr double kPreviewMaxWidth = 420;
constexpr double kPreviewMaxHeight = 220;
// Points of context around every piece.
constexpr double kPreviewMargin = 6;

// The regions to show for `cells` (boxes on `page`, PDF points, origin top-left):
// finds the row label (the leftmost phrase with a letter on the cells' row, left
// of them) and the column header (the nearest lines with a letter above the
// cells, overlapping their column) among the page's words, and grows the region
// to take them in, or composes three pieces when they are far apart. Pure
// geometry: no poppler. Throws creb::Error when cells is empty.
PreviewLayout preview_layout(const PageText& page, const std::vector<Box>& cells);

// The positioned words of one page (1-based) of the PDF at path. Throws creb::Error.
PageText read_page_text(const std::string& path, int page);

struct PreviewRequest {
    std::string path;          // the report
    int page = 1;              // 1-based
    std::vector<Box> cells;    // on that page
    double scale = 1.0;        // 1.0 = 2 pixels per point; clamped to 0.25..4
    std::uint64_t max_file_bytes = kDefaultMaxFileBytes;
};

// Why a preview could not be made: Format = not a PDF this reader opens;
// Invalid = page or cell outside the document.
class PreviewError : public Error {
public:
    enum class Kind { Format, Invalid };
    PreviewError(Kind kind, const std::string& what) : Error(what), kind_(kind) {}
    Kind kind() const { return kind_; }

private:
    Kind kind_;
};

struct Preview {
    std::string png;       // PNG bytes
    int width = 0, height = 0;  // pixels
    PreviewLayout layout;
};

// Renders the preview with poppler (cells outlined in red) and encodes it as PNG.
// Throws PreviewError.
Preview render_preview(const PreviewRequest& request);

}  // namespace creb

#endif
