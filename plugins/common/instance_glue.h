// instance_glue.h — the entry points every plugin of the project writes the
// same way around its instance type: create (settings JSON to a factory),
// destroy, and calls on an instance, each run under analytica::guard so no
// exception crosses the ABI (a Failure's status and message reach the host
// through host->fail()). Header-only; compiled into each plugin.
//
// The instance type T has a member `const analytica_host* host` (the
// host's services table, which outlives the instance) that guarded() reports
// through.
#ifndef ANALYTICA_PLUGINS_COMMON_INSTANCE_GLUE_H
#define ANALYTICA_PLUGINS_COMMON_INSTANCE_GLUE_H

#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <memory>

namespace analytica::glue {

// The descriptor's create for the factory make, a function
//   std::unique_ptr<T> make(const analytica_host* host, const nlohmann::json& settings)
// given the instance's settings object (already checked against the
// plugin's settings table by the host; {} for NULL or ""). make throws on bad
// settings; create then stores nothing and returns the exception's status.
template <auto make>
analytica_status create(const analytica_host* host, const char* settings_json, void** out_self) {
  return analytica::guard(host, [&] {
    *out_self = make(host, nlohmann::json::parse(settings_json && *settings_json ? settings_json : "{}")).release();
    return ANALYTICA_OK;
  });
}

// The descriptor's destroy for instances create() made; NULL is a no-op.
template <typename T>
void destroy(void* self) {
  delete static_cast<T*>(self);
}

// Runs body(T* instance) under analytica::guard with the instance's host:
// the status body returns, or that of the exception it throws.
template <typename T, typename Body>
analytica_status guarded(void* self, Body&& body) {
  T* instance = static_cast<T*>(self);
  return analytica::guard(instance->host, [&] { return body(instance); });
}

}  // namespace analytica::glue

#endif  // ANALYTICA_PLUGINS_COMMON_INSTANCE_GLUE_H
