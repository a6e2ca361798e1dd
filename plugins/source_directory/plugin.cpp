// source_directory: yields the files of one local directory that match a
// glob, in byte-wise name order (stable across runs and machines). Whether a
// file was already ingested is governance's call, not the source's.
#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace {
namespace fs = std::filesystem;
using analytica::Failure;

struct Source {
  const analytica_host* host;
  std::vector<fs::path> files;
  size_t next = 0;
  std::string uri, path, name;  // of the last yielded file
};

const analytica_setting kSettings[] = {
    {"path", "string", nullptr, 1, "directory to read"},
    {"pattern", "string", "\"*\"", 0, "glob matched against file names, e.g. \"*.pdf\""},
    {"recursive", "boolean", "false", 0, "also read subdirectories"},
};

analytica_status create(const analytica_host* host, const char* settings_json, void** out) {
  return analytica::guard(host, [&] {
    const auto s = nlohmann::json::parse(settings_json);
    const fs::path dir = s.at("path").get<std::string>();
    const std::string pattern = s.value("pattern", "*");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Failure(ANALYTICA_ERR_IO, dir.string() + ": no such directory");
    auto src = std::make_unique<Source>();
    src->host = host;
    auto consider = [&](const fs::directory_entry& e) {
      if (e.is_regular_file() && fnmatch(pattern.c_str(), e.path().filename().c_str(), 0) == 0)
        src->files.push_back(e.path());
    };
    if (s.value("recursive", false)) {
      for (const auto& e : fs::recursive_directory_iterator(dir)) consider(e);
    } else {
      for (const auto& e : fs::directory_iterator(dir)) consider(e);
    }
    std::sort(src->files.begin(), src->files.end());
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
    out->uri = src->uri.c_str();
    out->path = src->path.c_str();
    out->display_name = src->name.c_str();
    out->sha256 = nullptr;
    return ANALYTICA_OK;
  });
}

const analytica_source_v1 kSource = {sizeof(analytica_source_v1), next};

const void* get_interface(const char* id) {
  return std::string(id) == ANALYTICA_SOURCE_V1 ? &kSource : nullptr;
}

const analytica_plugin_descriptor kDescriptor = {
    sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_SOURCE,
    "source_directory", "1.0.0", "files of a local directory matching a glob, in name order",
    kSettings, sizeof kSettings / sizeof kSettings[0], create, destroy, get_interface};

}  // namespace

extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) { return &kDescriptor; }
