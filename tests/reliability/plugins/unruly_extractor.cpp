// An extractor that misbehaves on purpose, chosen by the input's extension,
// for the plugin-failure tests (issue 14 item 5):
//   *.ok    one row (name) in table "unruly_files"
//   *.segv  writes through a null pointer
//   *.psegv writes through a null pointer while probing
//   *.exit  calls exit(0)
//   *.hang  writes <path>.started, then sleeps forever ignoring is_cancelled
//   *.grow  allocates and touches 16 MiB blocks up to 1 GiB, then fails
//           (an allocation failure becomes a plugin error through guard)
#include <analytica.h>
#include <analytica_cpp.hpp>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Self {
  const analytica_host* host;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

analytica::Schema files_schema() {
  return analytica::Schema("unruly_files", {{"name", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY}});
}

analytica_status create(const analytica_host* host, const char*, void** out) {
  *out = new Self{host};
  return ANALYTICA_OK;
}
void destroy(void* self) { delete static_cast<Self*>(self); }

const analytica_table_schema* output_table(void*, uint32_t index) {
  static const analytica::Schema schema = files_schema();
  return index == 0 ? schema.view() : nullptr;
}

volatile int* volatile g_nowhere = nullptr;

// A real SIGSEGV: exempt from UBSan, whose null check would abort first
// (SIGABRT, not the crash the tests describe) in the sanitizer suite.
__attribute__((no_sanitize("undefined"))) void segfault() { *g_nowhere = 1; }

int32_t probe(void*, const analytica_input* in) {
  const std::string p = in->path ? in->path : "";
  if (ends_with(p, ".psegv")) segfault();
  for (const char* ext : {".ok", ".segv", ".exit", ".hang", ".grow"})
    if (ends_with(p, ext)) return 60;
  return 0;
}

analytica_status extract(void* self, const analytica_input* in) {
  auto* s = static_cast<Self*>(self);
  return analytica::guard(s->host, [&]() -> analytica_status {
    const std::string p = in->path;
    if (ends_with(p, ".segv")) segfault();
    if (ends_with(p, ".exit")) std::exit(0);
    if (ends_with(p, ".hang")) {
      if (FILE* f = std::fopen((p + ".started").c_str(), "w")) std::fclose(f);
      for (;;) sleep(1);
    }
    if (ends_with(p, ".grow")) {
      std::vector<std::unique_ptr<char[]>> blocks;
      constexpr size_t kBlock = size_t{16} << 20;
      for (size_t total = 0; total < (size_t{1} << 30); total += kBlock) {
        blocks.emplace_back(new char[kBlock]);
        std::memset(blocks.back().get(), 1, kBlock);
      }
      throw std::runtime_error("allocated 1 GiB without hitting a limit");
    }
    analytica::Batch b(files_schema());
    b.add_row()[0] = analytica::Cell::of(std::string(in->display_name));
    return s->host->emit(s->host->ctx, b.view());
  });
}

const analytica_extractor_v1 kExtractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};
const void* get_interface(const char* id) {
  return id && std::string(id) == ANALYTICA_EXTRACTOR_V1 ? &kExtractor : nullptr;
}
const analytica_plugin_descriptor kDescriptor = {sizeof(analytica_plugin_descriptor),
                                                 ANALYTICA_ABI_MAJOR,
                                                 ANALYTICA_ABI_MINOR,
                                                 ANALYTICA_KIND_EXTRACTOR,
                                                 "test_unruly_extractor",
                                                 "0.1.0",
                                                 "crashes, exits, hangs or grows by the input's extension",
                                                 nullptr,
                                                 0,
                                                 create,
                                                 destroy,
                                                 get_interface};

}  // namespace

extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) { return &kDescriptor; }
