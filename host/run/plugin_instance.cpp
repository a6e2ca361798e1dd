#include "run/plugin_instance.h"

#include "run/isolated_plugin.h"
#include "run/logging.h"
#include "run/config.h"
#include "run/host_table.h"
#include "run/plugin_calls.h"
#include "run/util.h"

#include <atomic>
#include <csignal>
#include <mutex>
#include <type_traits>
#include <unordered_map>

namespace analytica {
using nlohmann::json;

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

namespace {

// Marked tables: each member looks up the plugin's own table by the
// instance's self pointer (registered by PluginInstance::marked and removed
// by its destructor), marks the call in flight and calls it.
template <typename T>
struct Registered {
  std::mutex mutex;
  std::unordered_map<void*, std::pair<T, const char*>> by_self;  // table, plugin name
  static Registered& get() {
    static Registered r;
    return r;
  }
};

template <typename Fn>
struct Trampoline;
template <typename R, typename... A>
struct Trampoline<R (*)(void*, A...)> {
  template <typename T, auto Member>
  static R call(void* self, A... args) {
    auto& r = Registered<T>::get();
    std::pair<T, const char*> entry;
    {
      std::lock_guard<std::mutex> lock(r.mutex);
      entry = r.by_self.at(self);
    }
    plugin_calls::InFlight in_flight(entry.second, CallName<T, Member>::value);
    return (entry.first.*Member)(self, args...);
  }
  template <typename T, auto Member>
  struct CallName {
    static inline const char* value = "a call";
  };
};

// Replaces table.*Member (when set) by its trampoline named `call`.
template <auto Member, typename T>
void mark(T& table, const char* call) {
  using Fn = std::remove_reference_t<decltype(table.*Member)>;
  if (!(table.*Member)) return;
  Trampoline<Fn>::template CallName<T, Member>::value = call;
  table.*Member = &Trampoline<Fn>::template call<T, Member>;
}

template <typename T>
void register_table(void* self, const T& table, const char* name, std::vector<std::function<void()>>& cleanups) {
  auto& r = Registered<T>::get();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.by_self[self] = {table, name};
  cleanups.push_back([self] {
    auto& reg = Registered<T>::get();
    std::lock_guard<std::mutex> l(reg.mutex);
    reg.by_self.erase(self);
  });
}

}  // namespace

#define ANALYTICA_MARK(member) mark<&Table::member>(out, #member)
#define ANALYTICA_MARKED(T, ...)                                                        \
  template <>                                                                           \
  T PluginInstance::marked(const T& table) const {                                      \
    using Table = T;                                                                    \
    register_table(self_, table, plugin_->name().c_str(), unregister_);                 \
    T out = table;                                                                      \
    __VA_ARGS__;                                                                        \
    return out;                                                                         \
  }
ANALYTICA_MARKED(analytica_source_v1, ANALYTICA_MARK(next))
ANALYTICA_MARKED(analytica_extractor_v1, ANALYTICA_MARK(output_table); ANALYTICA_MARK(probe); ANALYTICA_MARK(extract))
ANALYTICA_MARKED(analytica_validator_v1, ANALYTICA_MARK(validate))
ANALYTICA_MARKED(analytica_sink_v1, ANALYTICA_MARK(declare_table); ANALYTICA_MARK(begin); ANALYTICA_MARK(commit);
                 ANALYTICA_MARK(rollback); ANALYTICA_MARK(write); ANALYTICA_MARK(query);
                 ANALYTICA_MARK(lock_source))
ANALYTICA_MARKED(analytica_monitor_v1, ANALYTICA_MARK(on_event))
ANALYTICA_MARKED(analytica_governance_v1, ANALYTICA_MARK(run_start); ANALYTICA_MARK(register_source);
                 ANALYTICA_MARK(record_batch); ANALYTICA_MARK(source_end); ANALYTICA_MARK(run_end);
                 ANALYTICA_MARK(check_schema))
ANALYTICA_MARKED(analytica_sink_admin_v1, ANALYTICA_MARK(location); ANALYTICA_MARK(check); ANALYTICA_MARK(tables);
                 ANALYTICA_MARK(size); ANALYTICA_MARK(backup); ANALYTICA_MARK(restore))
ANALYTICA_MARKED(analytica_preview_v1, ANALYTICA_MARK(render))
#undef ANALYTICA_MARKED
#undef ANALYTICA_MARK

PluginInstance::PluginInstance(std::shared_ptr<LoadedPlugin> plugin, const json& settings,
                               const std::string& run_id, const Isolation& isolation)
    : plugin_(std::move(plugin)), isolation_(isolation), run_id_(run_id) {
  plugin_calls::install();
  host_ = host_table<HostServices>(this, run_id_.c_str(), store_location_.c_str());
  const std::string text = settings.dump();
  const auto& d = plugin_->descriptor();
  if (isolated()) {
    if (d.kind != ANALYTICA_KIND_EXTRACTOR && d.kind != ANALYTICA_KIND_VALIDATOR)
      throw PluginError(ANALYTICA_ERR_UNSUPPORTED, name() + ": a " + plugin_->kind_name() + " cannot run isolated");
    plugin_calls::InFlight in_flight(name().c_str(), "create");
    check(isolated::create(*plugin_, isolation_, &host_, text.c_str(), &self_), "create");
    destroy_ = &isolated::destroy;
    get_interface_ = &isolated::get_interface;
  } else {
    plugin_calls::InFlight in_flight(name().c_str(), "create");
    check(d.create(&host_, text.c_str(), &self_), "create");
    destroy_ = d.destroy;
    get_interface_ = d.get_interface;
  }
  if (!self_) throw PluginError(ANALYTICA_ERR_INTERNAL, name() + ": create returned no instance");
}

void PluginInstance::set_store_location(const std::string& location) {
  store_location_ = location;
  host_.store_location = store_location_.c_str();
}

PluginInstance::~PluginInstance() {
  for (auto& forget : unregister_) forget();
  if (self_) {
    plugin_calls::InFlight in_flight(name().c_str(), "destroy");
    destroy_(self_);
  }
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
