#include "run/plugin_instance.h"

#include "run/logging.h"
#include "run/config.h"
#include "run/util.h"

#include <atomic>
#include <csignal>

namespace analytica {
using nlohmann::json;

std::atomic<bool> g_cancelled{false};

// The C functions of the services table. ctx is the PluginInstance.
struct HostServices {
  static PluginInstance& of(void* ctx) { return *static_cast<PluginInstance*>(ctx); }

  static void log(void* ctx, analytica_log_level level, const char* message) {
    logging::Level l = level == ANALYTICA_LOG_DEBUG  ? logging::Level::debug
                       : level == ANALYTICA_LOG_INFO ? logging::Level::info
                       : level == ANALYTICA_LOG_WARN ? logging::Level::warn
                                                     : logging::Level::error;
    logging::write(l, of(ctx).name(), message ? message : "");
  }
  // Keeps the reason of a host service that failed during this call (a sink
  // refusing a query, say), so a plugin's more general message does not hide it.
  static void fail(void* ctx, const char* message) {
    auto& self = of(ctx);
    self.last_error_ = message ? message : "";
    if (!self.service_error_.empty() && self.last_error_.find(self.service_error_) == std::string::npos)
      self.last_error_ += (self.last_error_.empty() ? "" : ": ") + self.service_error_;
  }
  static analytica_status emit(void* ctx, const analytica_batch* batch) {
    auto& self = of(ctx);
    if (!batch || !batch->schema) return ANALYTICA_ERR_INVALID;
    if (!self.hooks.emit) return ANALYTICA_ERR_UNSUPPORTED;
    try {
      return self.hooks.emit(read_sized(batch));
    } catch (const std::exception& e) {
      self.service_error_ = e.what();
      return ANALYTICA_ERR_INVALID;
    }
  }
  static void event(void* ctx, analytica_event_kind kind, const char* message) {
    auto& self = of(ctx);
    if (self.hooks.event) self.hooks.event(kind, message ? message : "");
    else logging::write(kind == ANALYTICA_EVENT_ERROR ? logging::Level::error : logging::Level::warn,
                        self.name(), message ? message : "");
  }
  static int is_cancelled(void*) { return g_cancelled.load() ? 1 : 0; }
  static analytica_status query(void* ctx, const char* sql, const analytica_value* params,
                                uint32_t n, analytica_row_fn fn, void* user) {
    auto& self = of(ctx);
    if (!self.hooks.query) return ANALYTICA_ERR_UNSUPPORTED;
    try {
      return self.hooks.query(sql, params, n, fn, user);
    } catch (const std::exception& e) {
      self.service_error_ = e.what();
      return ANALYTICA_ERR_IO;
    }
  }
  static analytica_status report_check(void* ctx, uint64_t row, const char* check, int passed,
                                       double confidence, const char* reason) {
    return report_check_values(ctx, row, check, passed, confidence, reason, nullptr);
  }
  static analytica_status report_check_values(void* ctx, uint64_t row, const char* check, int passed,
                                              double confidence, const char* reason,
                                              const analytica_check_values* values) {
    auto& self = of(ctx);
    if (!self.hooks.report_check) return ANALYTICA_ERR_UNSUPPORTED;
    try {
      if (!values) return self.hooks.report_check(row, check, passed, confidence, reason, nullptr);
      const analytica_check_values v = read_sized(values);
      return self.hooks.report_check(row, check, passed, confidence, reason, &v);
    } catch (const std::exception& e) {
      self.service_error_ = e.what();
      return ANALYTICA_ERR_INVALID;
    }
  }
};

json complete_settings(const LoadedPlugin& plugin, const json& settings, const std::string& file,
                       const std::string& where) {
  const auto& d = plugin.descriptor();
  json out = settings.is_object() ? settings : json::object();
  std::string known;
  for (uint32_t i = 0; i < d.setting_count; ++i) known += (known.empty() ? "" : ", ") + std::string(d.settings[i].name);
  for (auto it = out.begin(); it != out.end(); ++it) {
    const analytica_setting* spec = nullptr;
    for (uint32_t i = 0; i < d.setting_count; ++i)
      if (it.key() == d.settings[i].name) spec = &d.settings[i];
    if (!spec)
      throw UserError(file + ": " + where + "." + it.key() + ": unknown setting of plugin " + plugin.name() +
                      (known.empty() ? " (it takes no settings)" : " (expected one of " + known + ")"));
    if (!has_json_type(*it, spec->type))
      throw UserError(file + ": " + where + "." + it.key() + ": expected " + spec->type + ", got " + it->type_name());
  }
  for (uint32_t i = 0; i < d.setting_count; ++i) {
    const auto& s = d.settings[i];
    if (out.contains(s.name)) continue;
    if (s.required)
      throw UserError(file + ": " + where + ": missing required setting \"" + s.name + "\" of plugin " + plugin.name());
    if (s.default_json && *s.default_json) {
      try {
        out[s.name] = json::parse(s.default_json);
      } catch (const std::exception&) {
        throw UserError(plugin.file().string() + ": setting " + s.name + " has an invalid default");
      }
    }
  }
  return out;
}

PluginInstance::PluginInstance(std::shared_ptr<LoadedPlugin> plugin, const json& settings,
                               const std::string& run_id)
    : plugin_(std::move(plugin)), run_id_(run_id) {
  host_.struct_size = sizeof(analytica_host);
  host_.abi_major = ANALYTICA_ABI_MAJOR;
  host_.abi_minor = ANALYTICA_ABI_MINOR;
  host_.ctx = this;
  host_.run_id = run_id_.c_str();
  host_.log = &HostServices::log;
  host_.fail = &HostServices::fail;
  host_.emit = &HostServices::emit;
  host_.event = &HostServices::event;
  host_.is_cancelled = &HostServices::is_cancelled;
  host_.query = &HostServices::query;
  host_.report_check = &HostServices::report_check;
  host_.report_check_values = &HostServices::report_check_values;
  host_.store_location = store_location_.c_str();
  const std::string text = settings.dump();
  check(plugin_->descriptor().create(&host_, text.c_str(), &self_), "create");
  if (!self_) throw PluginError(ANALYTICA_ERR_INTERNAL, name() + ": create returned no instance");
}

void PluginInstance::set_store_location(const std::string& location) {
  store_location_ = location;
  host_.store_location = store_location_.c_str();
}

PluginInstance::~PluginInstance() {
  if (self_) plugin_->descriptor().destroy(self_);
}

analytica_status PluginInstance::check(analytica_status status, const std::string& call) {
  std::string reason = !last_error_.empty() ? last_error_ : service_error_;
  last_error_.clear();
  service_error_.clear();
  if (status >= 0) return status;
  if (reason.empty()) reason = "failed with status " + std::to_string(status);
  throw PluginError(status, name() + ": " + call + ": " + reason);
}

}  // namespace analytica
