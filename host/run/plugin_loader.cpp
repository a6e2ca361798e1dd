#include "run/plugin_loader.h"

#include "run/plugin_note.h"
#include "run/util.h"

#include <analytica_cpp.hpp>

#include <boost/dll/shared_library_load_mode.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
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
  descriptor_ = check_descriptor(d, where);
  name_ = descriptor_.name;
}

analytica_plugin_descriptor check_descriptor(const analytica_plugin_descriptor* d, const std::string& where) {
  if (!d) throw UserError(where + ": " ANALYTICA_ENTRY " returned no descriptor");
  // Only struct_size is read before it is known how much may be read.
  if (d->struct_size < offsetof(analytica_plugin_descriptor, get_interface) + sizeof(void*))
    throw UserError(where + ": plugin descriptor is too short (struct_size " + std::to_string(d->struct_size) + ")");
  // Check the version fields before trusting the rest of the struct.
  const std::string host_version = std::to_string(ANALYTICA_ABI_MAJOR) + "." + std::to_string(ANALYTICA_ABI_MINOR);
  const std::string plugin_version = std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor);
  if (d->abi_major != ANALYTICA_ABI_MAJOR)
    throw UserError(where + ": plugin ABI " + plugin_version + " is incompatible with host ABI " +
                    host_version + " (major version differs)");
  if (d->abi_minor > ANALYTICA_ABI_MINOR)
    throw UserError(where + ": plugin ABI " + plugin_version + " is newer than host ABI " +
                    host_version + " (upgrade analytica)");
  // The kind as the integer it is, before it is taken for an enum value.
  uint32_t kind = 0;
  std::memcpy(&kind, reinterpret_cast<const char*>(d) + offsetof(analytica_plugin_descriptor, kind), sizeof kind);
  if (kind < ANALYTICA_KIND_SOURCE || kind > ANALYTICA_KIND_GOVERNANCE)
    throw UserError(where + ": plugin has unknown kind " + std::to_string(kind));
  const analytica_plugin_descriptor out = read_sized(d);
  if (!out.name || !out.create || !out.destroy || !out.get_interface)
    throw UserError(where + ": plugin descriptor is incomplete (name, create, destroy, get_interface required)");
  const auto plain = [](const char* s) {
    if (!s || !*s) return false;
    for (const char* c = s; *c; ++c)
      if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) return false;
    return true;
  };
  if (!plain(out.name)) throw UserError(where + ": plugin name is not [a-z0-9_]+");
  if (out.setting_count > 0 && !out.settings)
    throw UserError(where + ": plugin " + out.name + " declares " + std::to_string(out.setting_count) +
                    " settings but no settings table");
  static const std::set<std::string> types = {"string", "integer", "number", "boolean", "array", "object"};
  for (uint32_t i = 0; i < out.setting_count; ++i) {
    const analytica_setting& st = out.settings[i];
    if (!plain(st.name) || !st.type || !types.count(st.type))
      throw UserError(where + ": plugin " + out.name + ": setting " + std::to_string(i) +
                      " needs a name [a-z0-9_]+ and a type (string, integer, number, boolean, array, object)");
  }
  return out;
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

std::vector<fs::path> plugin_files(const std::vector<fs::path>& dirs) {
  std::vector<fs::path> out;
  std::set<std::string> seen;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".so" && e.path().filename().string().rfind("lib", 0) == 0)
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      if (seen.insert(f.filename().string()).second) out.push_back(f);  // an earlier directory wins
  }
  return out;
}

std::vector<PluginCatalog::Entry> PluginCatalog::scan(std::optional<analytica_plugin_kind> only) {
  std::vector<Entry> out;
  for (const auto& f : plugin_files(dirs_)) {
    if (only) {
      const std::optional<analytica_plugin_kind> noted = noted_kind(f);
      if (noted && *noted != *only) continue;
    }
    try {
      out.push_back({f, load(f.stem().string().substr(3)), ""});
    } catch (const std::exception& e) {
      out.push_back({f, nullptr, e.what()});
    }
  }
  return out;
}

}  // namespace analytica
