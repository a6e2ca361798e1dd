// Page crops for the lineage and review pages, drawn by the extractor that
// read the source (analytica.preview/1): the host loads that plugin through
// its catalog and asks it for a picture of the cell with its row label and
// column header in view. The host renders nothing itself (no PDF library).
#ifndef ANALYTICA_HOST_SERVE_CROP_H
#define ANALYTICA_HOST_SERVE_CROP_H

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace analytica {

// Why a crop could not be made (the extractor is gone or has no preview, the
// file is not one it reads, the page or box is off the page).
class CropError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CropRequest {
  std::string extractor;                  // the plugin that read the file (lineage)
  std::filesystem::path file;             // the source file
  int page = 1;                           // 1-based
  struct Box {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // PDF points, origin top-left of the page
  };
  std::vector<Box> boxes;                 // the cells to mark, all on `page`
  double scale = 2.0;                     // pixels per point (0.5..4)
};

class CropRenderer {
 public:
  explicit CropRenderer(std::vector<std::filesystem::path> plugin_dirs);
  ~CropRenderer();
  CropRenderer(const CropRenderer&) = delete;
  CropRenderer& operator=(const CropRenderer&) = delete;

  // PNG bytes of the cell in its context, marked. Thread-safe (calls into
  // one extractor instance are serialised). Throws CropError.
  std::string render(const CropRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace analytica

#endif  // ANALYTICA_HOST_SERVE_CROP_H
