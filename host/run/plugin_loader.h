// Finds plugin libraries in the configured directories and loads them with
// Boost.DLL, checking the ABI before anything else is touched.
#ifndef ANALYTICA_HOST_RUN_PLUGIN_LOADER_H
#define ANALYTICA_HOST_RUN_PLUGIN_LOADER_H

#include "analytica.h"
#include "run/plugin_trust.h"

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace analytica {

// A loaded plugin library. Keeps the library mapped as long as it lives;
// every pointer taken from the descriptor is valid only that long.
class LoadedPlugin {
 public:
  // Loads `file` and checks its ABI. Throws UserError with one line naming
  // the file and the reason (no entry symbol, other ABI major, newer minor).
  explicit LoadedPlugin(const std::filesystem::path& file);

  const analytica_plugin_descriptor& descriptor() const { return descriptor_; }
  const std::string& name() const { return name_; }
  const std::filesystem::path& file() const { return file_; }
  std::string kind_name() const;

 private:
  std::filesystem::path file_;
  trust::PluginFile opened_;  // plugin trust: the checked descriptor, outlives library_
  boost::dll::shared_library library_;
  analytica_plugin_descriptor descriptor_{};  // our copy, sized to our view
  std::string name_;
};

const char* kind_name(analytica_plugin_kind kind);

// The plugin directories of the configuration.
// Checks a descriptor a plugin's entry returned, before anything else of it
// is used: versions first, then the kind (as an integer), the required
// members, the name and every setting's name and type. Returns the
// descriptor copied at the host's size; throws UserError naming `where`.
analytica_plugin_descriptor check_descriptor(const analytica_plugin_descriptor* d, const std::string& where);

// The plugin files (lib*.so) of the directories, sorted by name within each,
// an earlier directory winning per file name: the order the loader uses.
std::vector<std::filesystem::path> plugin_files(const std::vector<std::filesystem::path>& dirs);

class PluginCatalog {
 public:
  explicit PluginCatalog(std::vector<std::filesystem::path> dirs);

  // Loads the plugin called `name` (file lib<name>.so in the first directory
  // that has it). Loaded plugins are cached. Throws UserError if missing.
  std::shared_ptr<LoadedPlugin> load(const std::string& name);

  // Every library in the directories, loaded or with the reason it was
  // refused. With `only`, a library whose kind note (plugin_note.h) names
  // another kind is left out without being loaded; the rest are loaded, and
  // the caller still checks each descriptor's kind.
  struct Entry {
    std::filesystem::path file;
    std::shared_ptr<LoadedPlugin> plugin;  // null if refused
    std::string error;
  };
  std::vector<Entry> scan(std::optional<analytica_plugin_kind> only = std::nullopt);

  const std::vector<std::filesystem::path>& dirs() const { return dirs_; }

 private:
  std::vector<std::filesystem::path> dirs_;
  std::vector<std::shared_ptr<LoadedPlugin>> loaded_;
};

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_PLUGIN_LOADER_H
