// One created instance of a plugin, with the services table the host hands
// it. Turns the plugin's status codes and fail() messages into exceptions
// on the host side.
#ifndef ANALYTICA_HOST_RUN_PLUGIN_INSTANCE_H
#define ANALYTICA_HOST_RUN_PLUGIN_INSTANCE_H

#include "run/config.h"
#include "run/plugin_loader.h"

#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace analytica {

// A plugin call returned an error. what() is "<plugin>: <call>: <reason>";
// status() is the plugin's status. The host catches it by this type; it is
// a Failure (analytica_cpp.hpp) only to share that class's members.
class PluginError : public Failure {
 public:
  using Failure::Failure;
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
  // With isolation.mode == process the plugin runs in a child process
  // (run/isolated_plugin.h); calls and host services look the same.
  PluginInstance(std::shared_ptr<LoadedPlugin> plugin, const nlohmann::json& settings,
                 const std::string& run_id, const Isolation& isolation = {});
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  const std::string& name() const { return plugin_->name(); }
  const LoadedPlugin& plugin() const { return *plugin_; }
  void* self() const { return self_; }
  Hooks hooks;

  // The interface table for id, copied at our struct size, or throws
  // PluginError if the plugin does not provide it. Every member calls the
  // plugin's own with the call marked in flight (run/plugin_calls.h), so a
  // crash, an exit() or a hang inside it names the plugin and the call.
  // Valid as long as this instance.
  template <typename T>
  T interface(const char* id) const {
    const T* table = static_cast<const T*>(get_interface_(id));
    if (!table) throw PluginError(ANALYTICA_ERR_UNSUPPORTED, name() + ": does not provide " + id);
    return marked(read_sized(table));
  }
  bool isolated() const { return isolation_.mode == Isolation::Mode::process; }

  // Throws PluginError "<plugin>: <call>: <reason>" if status < 0; returns it otherwise.
  analytica_status check(analytica_status status, const std::string& call);

  // What host->store_location shows the plugin from now on (the primary
  // sink's location, once the run loop knows it).
  void set_store_location(const std::string& location);

  // The message the plugin gave with its last failure (cleared by check()).
  const std::string& last_error() const { return last_error_; }

 private:
  // Defined for each interface table of analytica.h.
  template <typename T>
  T marked(const T& table) const;
  std::shared_ptr<LoadedPlugin> plugin_;
  Isolation isolation_;
  // The descriptor's functions, or the isolated proxy's.
  void (*destroy_)(void*) = nullptr;
  const void* (*get_interface_)(const char*) = nullptr;
  mutable std::vector<std::function<void()>> unregister_;  // forgets the marked tables' entries
  std::string run_id_;
  std::string store_location_;
  analytica_host host_{};
  std::string last_error_;     // set by the plugin through fail()
  std::string service_error_;  // why a host service the plugin called failed
  void* self_ = nullptr;
  friend struct HostServices;
};

// The interface tables PluginInstance::interface() marks (plugin_instance.cpp).
template <> analytica_source_v1 PluginInstance::marked(const analytica_source_v1&) const;
template <> analytica_extractor_v1 PluginInstance::marked(const analytica_extractor_v1&) const;
template <> analytica_validator_v1 PluginInstance::marked(const analytica_validator_v1&) const;
template <> analytica_sink_v1 PluginInstance::marked(const analytica_sink_v1&) const;
template <> analytica_monitor_v1 PluginInstance::marked(const analytica_monitor_v1&) const;
template <> analytica_governance_v1 PluginInstance::marked(const analytica_governance_v1&) const;
template <> analytica_sink_admin_v1 PluginInstance::marked(const analytica_sink_admin_v1&) const;
template <> analytica_preview_v1 PluginInstance::marked(const analytica_preview_v1&) const;

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_PLUGIN_INSTANCE_H
