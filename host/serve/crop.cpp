#include "serve/crop.h"

#include "run/plugin_instance.h"
#include "run/plugin_loader.h"
#include "run/util.h"

#include <analytica.h>

#include <map>
#include <mutex>

namespace analytica {

struct CropRenderer::Impl {
  struct Previewer {
    std::unique_ptr<PluginInstance> instance;
    analytica_preview_v1 preview{};
  };
  explicit Impl(std::vector<std::filesystem::path> dirs) : catalog(std::move(dirs)) {}
  std::mutex mutex;  // one extractor instance is called from one thread at a time
  PluginCatalog catalog;
  std::map<std::string, Previewer> previewers;

  Previewer& previewer(const std::string& name) {
    if (auto it = previewers.find(name); it != previewers.end()) return it->second;
    Previewer p;
    try {
      auto plugin = catalog.load(name);
      p.instance = std::make_unique<PluginInstance>(plugin, complete_settings(*plugin, nlohmann::json::object(),
                                                                              "serve", "extractor " + name),
                                                    "");
      p.preview = p.instance->interface<analytica_preview_v1>(ANALYTICA_PREVIEW_V1);
    } catch (const std::exception& e) {
      throw CropError("no crop from extractor " + name + ": " + e.what());
    }
    if (!p.preview.render) throw CropError("extractor " + name + " draws no previews");
    return previewers.emplace(name, std::move(p)).first->second;
  }
};

CropRenderer::CropRenderer(std::vector<std::filesystem::path> plugin_dirs)
    : impl_(std::make_unique<Impl>(std::move(plugin_dirs))) {}
CropRenderer::~CropRenderer() = default;

std::string CropRenderer::render(const CropRequest& q) {
  if (q.extractor.empty()) throw CropError("the lineage names no extractor for this value");
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto& p = impl_->previewer(q.extractor);
  if (q.boxes.empty()) throw CropError("no cell to show");
  std::vector<analytica_provenance> cells;
  for (const auto& b : q.boxes) {
    analytica_provenance cell{};
    cell.page = static_cast<int32_t>(q.page);
    cell.box = {b.x0, b.y0, b.x1, b.y1};
    cell.confidence = 1.0;
    cells.push_back(cell);
  }
  const std::string path = q.file.string();
  analytica_preview_request request{sizeof(analytica_preview_request), path.c_str(), cells.data(),
                                    static_cast<uint32_t>(cells.size()), q.scale / 2.0};
  const char* media_type = nullptr;
  const uint8_t* data = nullptr;
  uint64_t size = 0;
  const analytica_status s = p.preview.render(p.instance->self(), &request, &media_type, &data, &size);
  if (s < 0) {
    const std::string why = p.instance->last_error();
    throw CropError(q.extractor + ": " + (why.empty() ? "cannot draw this cell" : why));
  }
  if (!media_type || std::string(media_type) != "image/png" || !data)
    throw CropError(q.extractor + " previews this file as " + (media_type ? media_type : "nothing") +
                    ", not as a PNG picture");
  return std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
}

}  // namespace analytica
