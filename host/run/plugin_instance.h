// One created instance of a plugin, with the services table the host hands
// it. Turns the plugin's status codes and fail() messages into exceptions
// on the host side.
#ifndef ANALYTICA_HOST_RUN_PLUGIN_INSTANCE_H
#define ANALYTICA_HOST_RUN_PLUGIN_INSTANCE_H

#include "run/plugin_loader.h"

#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace analytica {

// A plugin call returned an error. what() is "<plugin>: <call>: <reason>".
class PluginError : public std::runtime_error {
 public:
  PluginError(analytica_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  analytica_status status() const { return status_; }

 private:
  analytica_status status_;
};

// Checks `settings` (a JSON object) against the plugin's declared settings:
// unknown keys, wrong types and missing required keys throw UserError naming
// `file` and `where` (e.g. "sinks[0].settings"). Returns the settings with
// declared defaults filled in.
nlohmann::json complete_settings(const LoadedPlugin& plugin, const nlohmann::json& settings,
                                 const std::string& file, const std::string& where);

class PluginInstance {
 public:
  // What the host does when the plugin calls a service. Unset hooks answer
  // ANALYTICA_ERR_UNSUPPORTED.
  struct Hooks {
    std::function<analytica_status(const analytica_batch&)> emit;
    std::function<void(analytica_event_kind, const std::string&)> event;
    std::function<analytica_status(const char*, const analytica_value*, uint32_t, analytica_row_fn, void*)> query;
    // values: what the check measured (null when the plugin gave none).
    std::function<analytica_status(uint64_t, const char*, int, double, const char*, const analytica_check_values*)>
        report_check;
  };

  // Creates the instance; throws PluginError with the plugin's reason.
  PluginInstance(std::shared_ptr<LoadedPlugin> plugin, const nlohmann::json& settings,
                 const std::string& run_id);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  const std::string& name() const { return plugin_->name(); }
  const LoadedPlugin& plugin() const { return *plugin_; }
  void* self() const { return self_; }
  Hooks hooks;

  // The interface table for id, copied at our struct size, or throws
  // PluginError if the plugin does not provide it.
  template <typename T>
  T interface(const char* id) const {
    const T* table = static_cast<const T*>(plugin_->descriptor().get_interface(id));
    if (!table) throw PluginError(ANALYTICA_ERR_UNSUPPORTED, name() + ": does not provide " + id);
    return read_sized(table);
  }

  // Throws PluginError "<plugin>: <call>: <reason>" if status < 0; returns it otherwise.
  analytica_status check(analytica_status status, const std::string& call);

  // What host->store_location shows the plugin from now on (the primary
  // sink's location, once the run loop knows it).
  void set_store_location(const std::string& location);

  // The message the plugin gave with its last failure (cleared by check()).
  const std::string& last_error() const { return last_error_; }

 private:
  static const analytica_host* services_for(PluginInstance*);
  std::shared_ptr<LoadedPlugin> plugin_;
  std::string run_id_;
  std::string store_location_;
  analytica_host host_{};
  std::string last_error_;     // set by the plugin through fail()
  std::string service_error_;  // why a host service the plugin called failed
  void* self_ = nullptr;
  friend struct HostServices;
};

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_PLUGIN_INSTANCE_H
