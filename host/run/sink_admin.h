// The storage questions the host asks a sink without guessing its engine:
// a view over the optional extension analytica.sink.admin/1 (analytica.h)
// of one sink instance. Every call throws PluginError with the sink's
// reason on failure; supported() says whether the sink offers it at all.
#ifndef ANALYTICA_HOST_RUN_SINK_ADMIN_H
#define ANALYTICA_HOST_RUN_SINK_ADMIN_H

#include "run/plugin_instance.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace analytica {

class SinkAdmin {
 public:
  // instance must be a sink and outlive this object.
  explicit SinkAdmin(PluginInstance& instance);

  bool supported() const { return supported_; }
  // Each throws PluginError (ANALYTICA_ERR_UNSUPPORTED when !supported()).
  std::string location();
  std::vector<std::string> check(bool thorough);  // problems; empty = sound
  std::vector<std::pair<std::string, int64_t>> tables();
  int64_t size_bytes();
  void backup(const std::filesystem::path& to);
  void restore(const std::filesystem::path& from);
  // A number that changes on every committed write to the store, by any
  // connection (may change more often); nullopt when the sink offers none
  // (a plugin built before the member existed). Throws PluginError if the
  // sink fails to answer. Ask before reading what is cached under it.
  std::optional<uint64_t> change_counter();

 private:
  void require(const void* member, const char* what) const;
  PluginInstance& instance_;
  analytica_sink_admin_v1 admin_{};
  bool supported_ = false;
};

// The sink's location, or "" when it does not say (no admin extension).
std::string store_location(PluginInstance& sink);

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_SINK_ADMIN_H
