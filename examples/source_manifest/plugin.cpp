// source_manifest: yields the files a manifest lists, in the manifest's
// order. The manifest is a text file with one path per line (relative paths
// are relative to the manifest's folder); blank lines and lines starting
// with '#' are ignored. A listed file that is missing fails the source
// creation with the manifest's file name and line, so a run never silently
// ingests half a delivery.
//
// An example of an analytica plugin built against the installed SDK only.
#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {
namespace fs = std::filesystem;
using analytica::Failure;

struct Source {
  const analytica_host* host = nullptr;
  std::vector<fs::path> files;
  size_t next = 0;
  std::string uri, path, name;  // of the last yielded file: valid until the next call
};

const analytica_setting kSettings[] = {
    {"manifest", "string", nullptr, 1, "text file listing the input files, one per line"},
    {"skip_missing", "boolean", "false", 0, "skip listed files that do not exist instead of failing"},
};

std::vector<fs::path> read_manifest(const fs::path& manifest, bool skip_missing, const analytica_host* host) {
  std::ifstream in(manifest);
  if (!in) throw Failure(ANALYTICA_ERR_IO, manifest.string() + ": cannot read manifest");
  std::vector<fs::path> files;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    fs::path p = line.substr(start);
    if (p.is_relative()) p = manifest.parent_path() / p;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      const std::string what = manifest.string() + ":" + std::to_string(number) + ": no such file " + p.string();
      if (!skip_missing) throw Failure(ANALYTICA_ERR_IO, what);
      host->log(host->ctx, ANALYTICA_LOG_WARN, (what + " (skipped)").c_str());
      continue;
    }
    files.push_back(p.lexically_normal());
  }
  return files;
}

analytica_status create(const analytica_host* host, const char* settings_json, void** out) {
  return analytica::guard(host, [&] {
    const auto s = nlohmann::json::parse(settings_json);
    auto src = std::make_unique<Source>();
    src->host = host;
    src->files = read_manifest(s.at("manifest").get<std::string>(), s.value("skip_missing", false), host);
    *out = src.release();
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete static_cast<Source*>(self); }

analytica_status next(void* self, analytica_input* out) {
  auto* src = static_cast<Source*>(self);
  return analytica::guard(src->host, [&] {
    if (src->next >= src->files.size()) return ANALYTICA_DONE;
    const fs::path& f = src->files[src->next++];
    src->path = f.string();
    src->uri = "file://" + fs::absolute(f).lexically_normal().string();
    src->name = f.filename().string();
    // Fill only what we set; the host zeroed *out and reads it by struct_size.
    out->uri = src->uri.c_str();
    out->path = src->path.c_str();
    out->display_name = src->name.c_str();
    out->sha256 = nullptr;
    return ANALYTICA_OK;
  });
}

const analytica_source_v1 kSource = {sizeof(analytica_source_v1), next};

}  // namespace

ANALYTICA_PLUGIN(ANALYTICA_KIND_SOURCE, "source_manifest", "1.0.0", "the files a manifest lists, in its order",
                 kSettings, create, destroy, {ANALYTICA_SOURCE_V1, &kSource})
