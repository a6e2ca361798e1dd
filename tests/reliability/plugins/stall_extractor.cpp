// test_stall_extractor: an extractor for the reliability tests of runs that
// end without saying so. Reads "*.st" files of "id,a" integer lines into
// table st_items (id INT64 KEY, a INT64). A file whose name holds "stall"
// creates "<file>.reached" and then waits (up to 60 s, then fails), so a
// test can kill the run at a known point: every file before it committed,
// nothing of it written.
#include <analytica.h>
#include <analytica_cpp.hpp>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "support/id_lines.h"

namespace {
using analytica::Batch;
using analytica::Cell;
using analytica::Failure;
using analytica::Schema;

struct Self {
  const analytica_host* host;
  Schema items;
};

const analytica_setting kSettings[] = {
    {"unused", "string", "\"\"", 0, "no settings"},
};

analytica_status create(const analytica_host* host, const char*, void** out) {
  return analytica::guard(host, [&] {
    *out =
        new Self{host, Schema("st_items", {{"id", ANALYTICA_INT64, ANALYTICA_COLUMN_KEY}, {"a", ANALYTICA_INT64, 0}})};
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete static_cast<Self*>(self); }

const analytica_table_schema* output_table(void* self, uint32_t index) {
  return index == 0 ? static_cast<Self*>(self)->items.view() : nullptr;
}

int32_t probe(void*, const analytica_input* in) { return test_plugins::probe_suffix(in, ".st"); }

analytica_status extract(void* self, const analytica_input* in) {
  auto* s = static_cast<Self*>(self);
  return analytica::guard(s->host, [&]() -> analytica_status {
    const std::string path = in->path ? in->path : "";
    if (path.find("stall") != std::string::npos) {
      std::ofstream(path + ".reached") << "reached\n";
      std::this_thread::sleep_for(std::chrono::seconds(60));
      throw Failure(ANALYTICA_ERR_IO, path + ": nobody killed the stalled run");
    }
    Batch items(s->items);
    for (const auto& [id, a] : test_plugins::read_id_lines(path)) {
      auto& row = items.add_row();
      row[0] = Cell::of(static_cast<int64_t>(std::stoll(id)));
      row[1] = Cell::of(static_cast<int64_t>(std::stoll(a)));
    }
    return s->host->emit(s->host->ctx, items.view());
  });
}

const analytica_extractor_v1 kExtractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};

const void* get_interface(const char* id) {
  return analytica::find_interface(id, {{ANALYTICA_EXTRACTOR_V1, &kExtractor}});
}

constexpr analytica_plugin_descriptor kDescriptor = analytica::describe_plugin(
    ANALYTICA_KIND_EXTRACTOR, "test_stall_extractor", "1.0.0", "test: *.st files; a *stall* file waits to be killed",
    kSettings, create, destroy, get_interface);

}  // namespace

ANALYTICA_DEFINE_ENTRY(kDescriptor)
