#include "run/plugin_loader.h"

#include "run/util.h"

#include <analytica_cpp.hpp>

#include <boost/dll/shared_library_load_mode.hpp>

#include <algorithm>
#include <set>

namespace analytica {
namespace fs = std::filesystem;

const char* kind_name(analytica_plugin_kind kind) {
  switch (kind) {
    case ANALYTICA_KIND_SOURCE: return "source";
    case ANALYTICA_KIND_EXTRACTOR: return "extractor";
    case ANALYTICA_KIND_VALIDATOR: return "validator";
    case ANALYTICA_KIND_SINK: return "sink";
    case ANALYTICA_KIND_MONITOR: return "monitor";
    case ANALYTICA_KIND_GOVERNANCE: return "governance";
  }
  return "unknown";
}

LoadedPlugin::LoadedPlugin(const fs::path& file) : file_(file) {
  namespace dll = boost::dll;
  const std::string where = file.string();
  // Plugin trust (run/plugin_trust.h): refuses an untrusted file before it is
  // opened as a library; then the loader reads the very descriptor checked.
  opened_ = trust::open_plugin(file);
  try {
    library_.load(opened_.load_path(), dll::load_mode::rtld_now | dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw UserError(where + ": cannot load plugin (" + e.what() + ")");
  }
  if (!library_.has(ANALYTICA_ENTRY))
    throw UserError(where + ": not an analytica plugin (no " ANALYTICA_ENTRY " symbol)");
  auto& entry = library_.get<const analytica_plugin_descriptor*()>(ANALYTICA_ENTRY);
  const analytica_plugin_descriptor* d = entry();
  if (!d) throw UserError(where + ": " ANALYTICA_ENTRY " returned no descriptor");
  // Check the version fields before trusting the rest of the struct.
  const std::string host_version = std::to_string(ANALYTICA_ABI_MAJOR) + "." + std::to_string(ANALYTICA_ABI_MINOR);
  const std::string plugin_version = std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor);
  if (d->abi_major != ANALYTICA_ABI_MAJOR)
    throw UserError(where + ": plugin ABI " + plugin_version + " is incompatible with host ABI " +
                    host_version + " (major version differs)");
  if (d->abi_minor > ANALYTICA_ABI_MINOR)
    throw UserError(where + ": plugin ABI " + plugin_version + " is newer than host ABI " +
                    host_version + " (upgrade analytica)");
  descriptor_ = read_sized(d);
  if (!descriptor_.name || !descriptor_.create || !descriptor_.destroy || !descriptor_.get_interface)
    throw UserError(where + ": plugin descriptor is incomplete (name, create, destroy, get_interface required)");
  name_ = descriptor_.name;
  if (analytica::kind_name(descriptor_.kind) == std::string("unknown"))
    throw UserError(where + ": plugin " + name_ + " has unknown kind " + std::to_string(descriptor_.kind));
}

std::string LoadedPlugin::kind_name() const { return analytica::kind_name(descriptor_.kind); }

PluginCatalog::PluginCatalog(std::vector<fs::path> dirs) : dirs_(std::move(dirs)) {}

std::shared_ptr<LoadedPlugin> PluginCatalog::load(const std::string& name) {
  for (const auto& p : loaded_)
    if (p->name() == name) return p;
  for (const auto& dir : dirs_) {
    const fs::path file = dir / ("lib" + name + ".so");
    if (!fs::exists(file)) continue;
    auto plugin = std::make_shared<LoadedPlugin>(file);
    if (plugin->name() != name)
      throw UserError(file.string() + ": library declares plugin name \"" + plugin->name() +
                      "\", expected \"" + name + "\"");
    loaded_.push_back(plugin);
    return plugin;
  }
  std::string searched;
  for (const auto& d : dirs_) searched += (searched.empty() ? "" : ", ") + d.string();
  throw UserError("plugin \"" + name + "\" not found (searched " + (searched.empty() ? "no directories" : searched) + ")");
}

std::vector<PluginCatalog::Entry> PluginCatalog::scan() {
  std::vector<Entry> out;
  std::set<std::string> seen;
  for (const auto& dir : dirs_) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".so" && e.path().filename().string().rfind("lib", 0) == 0)
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const std::string stem = f.stem().string().substr(3);
      if (!seen.insert(stem).second) continue;  // an earlier directory wins
      try {
        out.push_back({f, load(stem), ""});
      } catch (const std::exception& e) {
        out.push_back({f, nullptr, e.what()});
      }
    }
  }
  return out;
}

}  // namespace analytica
