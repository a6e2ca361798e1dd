// test_gov_extractor: an extractor for governance tests. Reads "*.gt" files
// of "id,a" integer lines into table gt_items (and declares gt_other). Its
// `variant` setting changes the declared schema of gt_items, so a run can
// meet a schema change at run start:
//   v1          id INT64 KEY, a INT64
//   v2_added    id INT64 KEY, a INT64, b TEXT           (additive)
//   v3_retyped  id INT64 KEY, a TEXT                     (destructive)
//   v4_removed  id INT64 KEY                             (destructive)
// Files named "*fail_after_emit*" emit their rows and then fail; files named
// "*bad_second_batch*" emit good gt_items rows, then gt_other rows whose
// values do not match the declared types, so the sink's write fails after
// the first batch and its lineage were written. Cells carry page 1, a box
// derived from the row, and a confidence that cycles 0.45, 0.7, 0.9, 1.0
// over the ids (column a; the key column has 1.0).
#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <cstring>
#include <string>

#include "support/id_lines.h"

namespace {
using analytica::Batch;
using analytica::Cell;
using analytica::Failure;
using analytica::Schema;

constexpr uint32_t KEY = ANALYTICA_COLUMN_KEY;

struct Self {
  const analytica_host* host;
  std::string variant;
  Schema items, other;
};

const analytica_setting kSettings[] = {
    {"variant", "string", "\"v1\"", 0, "schema variant of gt_items: v1, v2_added, v3_retyped, v4_removed"},
};

Schema items_schema(const std::string& variant) {
  if (variant == "v1") return Schema("gt_items", {{"id", ANALYTICA_INT64, KEY}, {"a", ANALYTICA_INT64, 0}});
  if (variant == "v2_added")
    return Schema("gt_items", {{"id", ANALYTICA_INT64, KEY}, {"a", ANALYTICA_INT64, 0}, {"b", ANALYTICA_TEXT, 0}});
  if (variant == "v3_retyped") return Schema("gt_items", {{"id", ANALYTICA_INT64, KEY}, {"a", ANALYTICA_TEXT, 0}});
  if (variant == "v4_removed") return Schema("gt_items", {{"id", ANALYTICA_INT64, KEY}});
  throw Failure(ANALYTICA_ERR_INVALID, "variant: unknown \"" + variant + "\"");
}

analytica_status create(const analytica_host* host, const char* settings_json, void** out) {
  return analytica::guard(host, [&] {
    const auto s = nlohmann::json::parse(settings_json);
    const std::string variant = s.value("variant", "v1");
    *out = new Self{host, variant, items_schema(variant),
                    Schema("gt_other", {{"id", ANALYTICA_INT64, KEY}, {"note", ANALYTICA_TEXT, 0}})};
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete static_cast<Self*>(self); }

const analytica_table_schema* output_table(void* self, uint32_t index) {
  auto* s = static_cast<Self*>(self);
  return index == 0 ? s->items.view() : index == 1 ? s->other.view() : nullptr;
}

int32_t probe(void*, const analytica_input* in) { return test_plugins::probe_suffix(in, ".gt"); }

analytica_status extract(void* self, const analytica_input* in) {
  auto* s = static_cast<Self*>(self);
  return analytica::guard(s->host, [&]() -> analytica_status {
    const std::string path = in->path ? in->path : "";
    Batch items(s->items);
    const auto& cols = s->items.columns();
    for (const auto& [id_text, a_text] : test_plugins::read_id_lines(path)) {
      const int64_t id = std::stoll(id_text);
      const double conf[] = {0.45, 0.7, 0.9, 1.0};
      auto& row = items.add_row();
      for (size_t c = 0; c < cols.size(); ++c) {
        const double x = 10.0 * static_cast<double>(id);
        if (cols[c].name == "id") {
          row[c] = Cell::of(id);
          row[c].at({1, {x, 20, x + 5, 30}, 1.0});
        } else if (cols[c].name == "a") {
          row[c] = cols[c].type == ANALYTICA_INT64 ? Cell::of(static_cast<int64_t>(std::stoll(a_text))) : Cell::of(a_text);
          row[c].at({1, {x, 40, x + 5, 50}, conf[id % 4]});
        } else {
          row[c] = Cell::of("b" + id_text);
          row[c].at({1, {x, 60, x + 5, 70}, 1.0});
        }
      }
    }
    if (analytica_status st = s->host->emit(s->host->ctx, items.view()); st < 0) return st;
    if (path.find("fail_after_emit") != std::string::npos)
      throw Failure(ANALYTICA_ERR_FORMAT, path + ": planted failure after emitting");
    if (path.find("bad_second_batch") != std::string::npos) {
      Batch other(s->other);
      auto& row = other.add_row();
      row[0] = Cell::of(std::string("not a number"));  // id is declared INT64
      row[1] = Cell::of(std::string("planted type error"));
      return s->host->emit(s->host->ctx, other.view());
    }
    return ANALYTICA_OK;
  });
}

const analytica_extractor_v1 kExtractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};

const void* get_interface(const char* id) {
  return id && std::strcmp(id, ANALYTICA_EXTRACTOR_V1) == 0 ? &kExtractor : nullptr;
}

const analytica_plugin_descriptor kDescriptor = {
    sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_EXTRACTOR,
    "test_gov_extractor", "0.1.0", "governance tests: schema variants and planted failures", kSettings,
    sizeof kSettings / sizeof kSettings[0], create, destroy, get_interface};

}  // namespace

extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) { return &kDescriptor; }
