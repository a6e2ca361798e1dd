// Page crops for the lineage view: the region of a source PDF's page around
// a cell's bounding box, rendered with poppler, the box outlined, as PNG.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

namespace analytica {

// Why a crop could not be made (the file is gone or unreadable, the page
// does not exist, the box is off the page).
class CropError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CropRequest {
  std::filesystem::path pdf;
  int page = 1;                      // 1-based
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // PDF points, origin top-left of the page
  double scale = 2.0;                // pixels per point (0.5..4)
  double margin = 48;                // points of context around the box
};

// PNG bytes of the region around the box with the box outlined in red.
// Thread-safe (calls into poppler are serialised). Throws CropError.
std::string render_crop(const CropRequest& request);

// Routes poppler's error chatter to nowhere (it writes to stderr by default).
void silence_poppler();

}  // namespace analytica
