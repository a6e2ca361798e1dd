#include "serve/crop.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace analytica {
namespace {

std::mutex g_poppler;  // poppler's global state is not thread-safe

constexpr int kMaxPixels = 1600;  // longest side of a crop

// Removes a temporary file on scope exit.
struct TempFile {
  std::string path;
  TempFile() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "analytica-crop-XXXXXX").string();
    const int fd = mkstemp(tmpl.data());
    if (fd < 0) throw CropError("cannot create a temporary file for the crop");
    close(fd);
    path = tmpl;
  }
  ~TempFile() { unlink(path.c_str()); }
};

// Blends colour (r, g, b) at alpha a into one ARGB32 pixel (B, G, R, A in memory).
void blend(unsigned char* px, int r, int g, int b, double a) {
  px[0] = static_cast<unsigned char>(px[0] * (1 - a) + b * a);
  px[1] = static_cast<unsigned char>(px[1] * (1 - a) + g * a);
  px[2] = static_cast<unsigned char>(px[2] * (1 - a) + r * a);
  px[3] = 255;
}

}  // namespace

void silence_poppler() {
  poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
}

std::string render_crop(const CropRequest& q) {
  if (q.page < 1) throw CropError("page " + std::to_string(q.page) + " does not exist");
  if (!(q.x1 > q.x0) || !(q.y1 > q.y0)) throw CropError("the bounding box is empty");
  std::lock_guard<std::mutex> lock(g_poppler);
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(q.pdf.string()));
  if (!doc || doc->is_locked()) throw CropError(q.pdf.filename().string() + ": cannot open the PDF");
  if (q.page > doc->pages())
    throw CropError(q.pdf.filename().string() + ": page " + std::to_string(q.page) + " does not exist (" +
                    std::to_string(doc->pages()) + " pages)");
  std::unique_ptr<poppler::page> page(doc->create_page(q.page - 1));
  if (!page) throw CropError(q.pdf.filename().string() + ": cannot read page " + std::to_string(q.page));
  const poppler::rectf box = page->page_rect(poppler::crop_box);
  double width = box.width(), height = box.height();
  if (page->orientation() == poppler::page::landscape || page->orientation() == poppler::page::seascape)
    std::swap(width, height);
  if (q.x0 >= width || q.y0 >= height || q.x1 <= 0 || q.y1 <= 0)
    throw CropError("the bounding box lies outside page " + std::to_string(q.page));

  // The region: the box with a margin, at least 360 x 140 points where the
  // page allows, clipped to the page.
  const double cx = (q.x0 + q.x1) / 2, cy = (q.y0 + q.y1) / 2;
  const double half_w = std::max((q.x1 - q.x0) / 2 + q.margin, 180.0);
  const double half_h = std::max((q.y1 - q.y0) / 2 + q.margin, 70.0);
  const double rx0 = std::max(0.0, cx - half_w), rx1 = std::min(width, cx + half_w);
  const double ry0 = std::max(0.0, cy - half_h), ry1 = std::min(height, cy + half_h);
  double scale = std::clamp(q.scale, 0.5, 4.0);
  scale = std::min(scale, kMaxPixels / std::max(rx1 - rx0, ry1 - ry0));
  const int px = static_cast<int>(std::floor(rx0 * scale)), py = static_cast<int>(std::floor(ry0 * scale));
  const int pw = std::max(1, static_cast<int>(std::ceil((rx1 - rx0) * scale)));
  const int ph = std::max(1, static_cast<int>(std::ceil((ry1 - ry0) * scale)));

  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_image_format(poppler::image::format_argb32);
  poppler::image img = renderer.render_page(page.get(), 72.0 * scale, 72.0 * scale, px, py, pw, ph);
  if (!img.is_valid() || img.format() != poppler::image::format_argb32)
    throw CropError(q.pdf.filename().string() + ": cannot render page " + std::to_string(q.page));

  // Outline the box (3 px red) over a faint yellow highlight.
  const int w = img.width(), h = img.height(), stride = img.bytes_per_row();
  unsigned char* data = reinterpret_cast<unsigned char*>(img.data());
  const int bx0 = static_cast<int>(std::floor(q.x0 * scale)) - px - 2;
  const int by0 = static_cast<int>(std::floor(q.y0 * scale)) - py - 2;
  const int bx1 = static_cast<int>(std::ceil(q.x1 * scale)) - px + 2;
  const int by1 = static_cast<int>(std::ceil(q.y1 * scale)) - py + 2;
  const int t = 3;
  for (int y = std::max(0, by0); y < std::min(h, by1); ++y)
    for (int x = std::max(0, bx0); x < std::min(w, bx1); ++x) {
      unsigned char* p = data + y * stride + x * 4;
      const bool edge = x < bx0 + t || x >= bx1 - t || y < by0 + t || y >= by1 - t;
      if (edge) blend(p, 220, 20, 40, 1.0);
      else blend(p, 255, 230, 0, 0.18);
    }

  TempFile tmp;
  if (!img.save(tmp.path, "png")) throw CropError("cannot encode the crop as PNG");
  std::ifstream in(tmp.path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace analytica
