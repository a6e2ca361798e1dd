// A C++ extractor that throws inside extract() for files named "*.boom" and
// reads "*.ok" files as one row. Its entry points use analytica::guard, so
// the exception is reported to the host as an error, never crossing the ABI.
#include <analytica.h>
#include <analytica_cpp.hpp>

#include <stdexcept>
#include <string>

namespace {

struct Self {
  const analytica_host* host;
};

analytica_status create(const analytica_host* host, const char*, void** out) {
  *out = new Self{host};
  return ANALYTICA_OK;
}
void destroy(void* self) { delete static_cast<Self*>(self); }
const analytica_table_schema* output_table(void*, uint32_t) { return nullptr; }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int32_t probe(void*, const analytica_input* in) {
  const std::string p = in->path ? in->path : "";
  return ends_with(p, ".boom") || ends_with(p, ".ok") ? 60 : 0;
}

analytica_status extract(void* self, const analytica_input* in) {
  auto* s = static_cast<Self*>(self);
  return analytica::guard(s->host, [&]() -> analytica_status {
    const std::string p = in->path;
    if (ends_with(p, ".boom")) throw std::logic_error("kaboom while reading " + std::string(in->display_name));
    analytica::Batch b(analytica::Schema("ok_files", {{"name", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY}}));
    b.add_row()[0] = analytica::Cell::of(std::string(in->display_name));
    return s->host->emit(s->host->ctx, b.view());
  });
}

const analytica_extractor_v1 kExtractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};
const void* get_interface(const char* id) {
  return std::string(id) == ANALYTICA_EXTRACTOR_V1 ? &kExtractor : nullptr;
}
const analytica_plugin_descriptor kDescriptor = {
    sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_EXTRACTOR,
    "test_throwing_extractor", "0.1.0", "throws inside extract for *.boom", nullptr, 0, create, destroy,
    get_interface};

}  // namespace

extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) { return &kDescriptor; }
