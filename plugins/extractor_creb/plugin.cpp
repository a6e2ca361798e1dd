// extractor_creb: the Calgary Real Estate Board's monthly statistics PDFs.
// Tables: document (one row: the report's month and file), city_monthly and
// district_monthly, each cell with its page, box and confidence. A later
// report's figures win over an earlier one's (report_month is NEWEST); the
// sink keeps the earlier ones as revisions.
#include "creb_report.h"
#include "preview.h"
#include "settings_table.h"

#include <analytica.h>
#include <analytica_cpp.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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
  std::uint64_t max_file_bytes = creb::kDefaultMaxFileBytes;
  // Where the previous report's tables were: reports of one layout keep their
  // tables on the same pages, so the next one tries those pages first (each
  // confirmed by its title; what they miss is found by a scan, logged).
  std::vector<int> last_table_pages;
  std::string preview_type, preview_png;  // the last render's result
};

analytica_status create(const analytica_host* host, const char* settings_json, void** out) {
  return analytica::guard(host, [&] {
    auto x = std::make_unique<Extractor>();
    x->host = host;
    const auto s = nlohmann::json::parse(settings_json && *settings_json ? settings_json : "{}");
    if (s.is_object() && s.contains("max_file_mb")) {
      const auto& v = s["max_file_mb"];
      if (!v.is_number_integer() || v.get<long long>() < 1)
        throw Failure(ANALYTICA_ERR_INVALID, "max_file_mb: expected a positive integer");
      x->max_file_bytes = static_cast<std::uint64_t>(v.get<long long>()) << 20;
    }
    *out = x.release();
    return ANALYTICA_OK;
  });
}

void log(const Extractor& x, analytica_log_level level, const std::string& message) {
  if (x.host && x.host->log) x.host->log(x.host->ctx, level, message.c_str());
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
    creb::ReadOptions options;
    options.max_file_bytes = x->max_file_bytes;
    const std::string shown = in->display_name ? in->display_name : path;
    options.hint_pages = x->last_table_pages;
    creb::Report report;
    try {
      report = creb::read_report(path, options);
    } catch (const creb::Error& e) {
      throw Failure(ANALYTICA_ERR_FORMAT, e.what());
    }
    const creb::ReadStats& st = report.stats;
    x->last_table_pages = report.table_pages;
    std::string pages;
    for (int p : report.table_pages) pages += (pages.empty() ? "" : ",") + std::to_string(p);
    const std::string read = "read " + std::to_string(st.pages_read) + " of " + std::to_string(st.page_count) +
                             " pages whole";
    if (st.scanned) {
      log(*x, ANALYTICA_LOG_INFO,
          shown + ": the page titles did not lead to every table (" + std::to_string(st.hint_hits + st.probe_hits) +
              " of them found by hint or title); " + read + ", " + std::to_string(st.scan_pages) +
              " of them in order; tables on pages " + pages);
    } else if (st.hinted_pages > 0 && st.probed_pages > 0) {
      log(*x, ANALYTICA_LOG_INFO,
          shown + ": the tables were not all on the pages of the previous report (" + std::to_string(st.hint_hits) +
              " confirmed of " + std::to_string(st.hinted_pages) + " tried); found the rest by the titles of " +
              std::to_string(st.probed_pages) + " more page(s); " + read + "; tables on pages " + pages);
    } else {
      log(*x, ANALYTICA_LOG_DEBUG,
          shown + ": " + read + " (" +
              (st.probed_pages > 0 ? "found by the titles of " + std::to_string(st.probed_pages) + " pages"
                                   : std::string("all on the pages of the previous report")) +
              "); tables on pages " + pages);
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

// analytica.preview/1: a PNG crop of the page around the cells, with their row
// label and column header in view (three small crops side by side when those are
// far from the cells), the cells outlined.
analytica_status render(void* self, const analytica_preview_request* request, const char** out_media_type,
                        const uint8_t** out_data, uint64_t* out_size) {
  auto* x = static_cast<Extractor*>(self);
  return analytica::guard(x->host, [&] {
    if (!request || !out_media_type || !out_data || !out_size)
      throw Failure(ANALYTICA_ERR_INVALID, "preview: missing request or output");
    const auto q = analytica::read_sized(request);
    if (!q.path) throw Failure(ANALYTICA_ERR_INVALID, "preview: no input path");
    if (!q.cells || q.cell_count == 0) throw Failure(ANALYTICA_ERR_INVALID, "preview: no cells");
    creb::PreviewRequest r;
    r.path = q.path;
    r.page = q.cells[0].page;
    r.scale = q.scale > 0 ? q.scale : 1.0;
    r.max_file_bytes = x->max_file_bytes;
    for (uint32_t i = 0; i < q.cell_count; ++i) {
      const analytica_provenance& c = q.cells[i];
      if (c.page != r.page) throw Failure(ANALYTICA_ERR_INVALID, "preview: cells on more than one page");
      r.cells.push_back({c.box.x0, c.box.y0, c.box.x1, c.box.y1});
    }
    try {
      creb::Preview p = creb::render_preview(r);
      x->preview_png = std::move(p.png);
    } catch (const creb::PreviewError& e) {
      throw Failure(e.kind() == creb::PreviewError::Kind::Invalid ? ANALYTICA_ERR_INVALID : ANALYTICA_ERR_FORMAT,
                    e.what());
    }
    x->preview_type = "image/png";
    *out_media_type = x->preview_type.c_str();
    *out_data = reinterpret_cast<const uint8_t*>(x->preview_png.data());
    *out_size = x->preview_png.size();
    return ANALYTICA_OK;
  });
}

const analytica_extractor_v1 kExtractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};
const analytica_preview_v1 kPreview = {sizeof(analytica_preview_v1), render};

}  // namespace

ANALYTICA_PLUGIN(
    ANALYTICA_KIND_EXTRACTOR, "extractor_creb", "1.1.0",
    "CREB monthly statistics PDFs: city and district tables, read by geometry; page crops (analytica.preview/1)",
    extractor_creb::kSettings, create, destroy, {ANALYTICA_EXTRACTOR_V1, &kExtractor}, {ANALYTICA_PREVIEW_V1, &kPreview})
