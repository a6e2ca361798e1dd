// extractor_creb: the Calgary Real Estate Board's monthly statistics PDFs.
// Tables: document (one row: the report's month and file), city_monthly and
// district_monthly, each cell with its page, box and confidence. A later
// report's figures win over an earlier one's (report_month is NEWEST); the
// sink keeps the earlier ones as revisions.
#include "creb_report.h"

#include <analytica.h>
#include <analytica_cpp.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace {
using analytica::Batch;
using analytica::Cell;
using analytica::Column;
using analytica::Failure;
using analytica::Schema;

constexpr uint32_t KEY = ANALYTICA_COLUMN_KEY;
constexpr uint32_t NEWEST = ANALYTICA_COLUMN_NEWEST;

// Columns named as the corpus' expected records, plus the report they came from.
const Schema& document_schema() {
  static const Schema s("document", {{"report_month", ANALYTICA_TEXT, KEY}, {"source_file", ANALYTICA_TEXT, 0}});
  return s;
}

const Schema& city_schema() {
  static const Schema s("city_monthly",
                        {{"month", ANALYTICA_TEXT, KEY}, {"property_type", ANALYTICA_TEXT, KEY},
                         {"sales", ANALYTICA_INT64, 0}, {"new_listings", ANALYTICA_INT64, 0},
                         {"inventory", ANALYTICA_INT64, 0}, {"days_on_market", ANALYTICA_INT64, 0},
                         {"benchmark_price", ANALYTICA_INT64, 0}, {"median_price", ANALYTICA_INT64, 0},
                         {"average_price", ANALYTICA_INT64, 0}, {"index", ANALYTICA_INT64, 0},
                         {"report_month", ANALYTICA_TEXT, NEWEST}, {"source_file", ANALYTICA_TEXT, 0}});
  return s;
}

const Schema& district_schema() {
  static const Schema s("district_monthly",
                        {{"month", ANALYTICA_TEXT, KEY}, {"property_type", ANALYTICA_TEXT, KEY},
                         {"district", ANALYTICA_TEXT, KEY}, {"sales", ANALYTICA_INT64, 0},
                         {"new_listings", ANALYTICA_INT64, 0}, {"sales_to_new_listings_ratio_pct", ANALYTICA_DOUBLE, 0},
                         {"inventory", ANALYTICA_INT64, 0}, {"months_of_supply", ANALYTICA_DOUBLE, 0},
                         {"benchmark_price", ANALYTICA_INT64, 0}, {"yoy_benchmark_change_pct", ANALYTICA_DOUBLE, 0},
                         {"mom_benchmark_change_pct", ANALYTICA_DOUBLE, 0},
                         {"report_month", ANALYTICA_TEXT, NEWEST}, {"source_file", ANALYTICA_TEXT, 0}});
  return s;
}

// Converts a reader cell to the column's type, keeping its provenance.
Cell convert(const creb::Cell& c, analytica_type type) {
  Cell out;
  switch (c.kind) {
    case creb::Cell::Kind::Null: out = Cell::null(); break;
    case creb::Cell::Kind::Text: out = Cell::of(c.text); break;
    case creb::Cell::Kind::Int:
      out = type == ANALYTICA_DOUBLE ? Cell::of(static_cast<double>(c.i)) : Cell::of(static_cast<int64_t>(c.i));
      break;
    case creb::Cell::Kind::Real: out = Cell::of(c.d); break;
  }
  out.where = {c.page, {c.box.x0, c.box.y0, c.box.x1, c.box.y1}, c.confidence};
  return out;
}

Batch to_batch(const Schema& schema, const std::vector<creb::Record>& records, const std::string& report_month,
               const std::string& source_file) {
  Batch batch(schema);
  const auto& cols = schema.columns();
  for (const auto& rec : records) {
    auto& row = batch.add_row();
    for (size_t c = 0; c < cols.size(); ++c) {
      if (cols[c].name == "report_month") row[c] = Cell::of(report_month);
      else if (cols[c].name == "source_file") row[c] = Cell::of(source_file);
      else if (const creb::Cell* cell = rec.find(cols[c].name)) row[c] = convert(*cell, cols[c].type);
      else throw Failure(ANALYTICA_ERR_INTERNAL, "reader gave no field " + cols[c].name);
    }
  }
  return batch;
}

struct Extractor {
  const analytica_host* host;
};

analytica_status create(const analytica_host* host, const char*, void** out) {
  return analytica::guard(host, [&] {
    *out = new Extractor{host};
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete static_cast<Extractor*>(self); }

const analytica_table_schema* output_table(void*, uint32_t index) {
  const Schema* all[] = {&document_schema(), &city_schema(), &district_schema()};
  return index < 3 ? all[index]->view() : nullptr;
}

// A PDF by its magic bytes; whether it is a CREB report is known only on reading.
int32_t probe(void*, const analytica_input* in) {
  std::ifstream f(in->path ? in->path : "", std::ios::binary);
  char magic[5] = {0};
  f.read(magic, 5);
  return std::memcmp(magic, "%PDF-", 5) == 0 ? 60 : 0;
}

analytica_status extract(void* self, const analytica_input* in) {
  auto* x = static_cast<Extractor*>(self);
  return analytica::guard(x->host, [&] {
    const std::string path = in->path ? in->path : "";
    creb::Report report;
    try {
      report = creb::read_report(path);
    } catch (const creb::Error& e) {
      throw Failure(ANALYTICA_ERR_FORMAT, e.what());
    }
    for (const auto& w : report.warnings) x->host->event(x->host->ctx, ANALYTICA_EVENT_WARNING, (path + ": " + w).c_str());
    const std::string file = std::filesystem::path(path).filename().string();
    Batch document_rows(document_schema());
    document_rows.add_row() = {Cell::of(report.report_month), Cell::of(file)};
    const Batch& document = document_rows;
    const Batch city = to_batch(city_schema(), report.city_monthly, report.report_month, file);
    const Batch district = to_batch(district_schema(), report.district_monthly, report.report_month, file);
    for (const Batch* b : {&document, &city, &district})
      if (analytica_status s = x->host->emit(x->host->ctx, b->view()); s < 0) return s;
    return ANALYTICA_OK;
  });
}

const analytica_extractor_v1 kExtractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};

const void* get_interface(const char* id) {
  return std::strcmp(id, ANALYTICA_EXTRACTOR_V1) == 0 ? &kExtractor : nullptr;
}

const analytica_plugin_descriptor kDescriptor = {
    sizeof(analytica_plugin_descriptor), ANALYTICA_ABI_MAJOR, ANALYTICA_ABI_MINOR, ANALYTICA_KIND_EXTRACTOR,
    "extractor_creb", "1.0.0", "CREB monthly statistics PDFs: city and district tables, read by geometry",
    nullptr, 0, create, destroy, get_interface};

}  // namespace

extern "C" ANALYTICA_EXPORT const analytica_plugin_descriptor* analytica_plugin_entry(void) { return &kDescriptor; }
