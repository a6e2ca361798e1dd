#include "run/sink_admin.h"

namespace analytica {

namespace {

// Rows of one TEXT column (check) or (TEXT, INT64) (tables), copied.
struct Collected {
  std::vector<std::string> texts;
  std::vector<std::pair<std::string, int64_t>> pairs;
};

std::string text_of(const analytica_value& v) {
  return v.type == ANALYTICA_TEXT && v.as.text.ptr ? std::string(v.as.text.ptr, static_cast<size_t>(v.as.text.len))
                                                   : std::string();
}

int collect(void* user, const analytica_value* values, uint32_t n) {
  auto& c = *static_cast<Collected*>(user);
  if (n >= 1) c.texts.push_back(text_of(values[0]));
  if (n >= 2) c.pairs.emplace_back(text_of(values[0]), values[1].type == ANALYTICA_INT64 ? values[1].as.i : 0);
  return 0;
}

}  // namespace

SinkAdmin::SinkAdmin(PluginInstance& instance) : instance_(instance) {
  const void* table = instance.plugin().descriptor().get_interface(ANALYTICA_SINK_ADMIN_V1);
  if (table) {
    admin_ = read_sized(static_cast<const analytica_sink_admin_v1*>(table));
    supported_ = true;
  }
}

void SinkAdmin::require(const void* member, const char* what) const {
  if (!supported_ || !member)
    throw PluginError(ANALYTICA_ERR_UNSUPPORTED,
                      instance_.name() + ": does not provide " ANALYTICA_SINK_ADMIN_V1 " (" + what + ")");
}

std::string SinkAdmin::location() {
  require(reinterpret_cast<const void*>(admin_.location), "location");
  const char* s = admin_.location(instance_.self());
  return s ? s : "";
}

std::vector<std::string> SinkAdmin::check(bool thorough) {
  require(reinterpret_cast<const void*>(admin_.check), "check");
  Collected c;
  instance_.check(admin_.check(instance_.self(), thorough ? 1 : 0, collect, &c), "check");
  return c.texts;
}

std::vector<std::pair<std::string, int64_t>> SinkAdmin::tables() {
  require(reinterpret_cast<const void*>(admin_.tables), "tables");
  Collected c;
  instance_.check(admin_.tables(instance_.self(), collect, &c), "tables");
  return c.pairs;
}

int64_t SinkAdmin::size_bytes() {
  require(reinterpret_cast<const void*>(admin_.size), "size");
  int64_t bytes = 0;
  instance_.check(admin_.size(instance_.self(), &bytes), "size");
  return bytes;
}

void SinkAdmin::backup(const std::filesystem::path& to) {
  require(reinterpret_cast<const void*>(admin_.backup), "backup");
  instance_.check(admin_.backup(instance_.self(), to.c_str()), "backup");
}

void SinkAdmin::restore(const std::filesystem::path& from) {
  require(reinterpret_cast<const void*>(admin_.restore), "restore");
  instance_.check(admin_.restore(instance_.self(), from.c_str()), "restore");
}

std::optional<uint64_t> SinkAdmin::change_counter() {
  if (!supported_ || !admin_.change_counter) return std::nullopt;
  uint64_t counter = 0;
  instance_.check(admin_.change_counter(instance_.self(), &counter), "change_counter");
  return counter;
}

std::string store_location(PluginInstance& sink) {
  SinkAdmin admin(sink);
  if (!admin.supported()) return "";
  try {
    return admin.location();
  } catch (const PluginError&) {
    return "";
  }
}

}  // namespace analytica
