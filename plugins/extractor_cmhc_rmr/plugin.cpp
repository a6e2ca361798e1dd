// extractor_cmhc_rmr: CMHC Rental Market Report workbooks (.xlsx).
// Tables: document (one row: the survey and the file), values (one row per
// data cell of every table sheet: table, centre, group, period, value,
// reliability grade, marker flag, cell) and changes (the significance
// column of each group: direction of change). survey is NEWEST: a later
// workbook's figure for the same key wins; the sink keeps earlier ones as
// revisions. Provenance: page = 1-based sheet index, box = the cell
// (column, row, column + 1, row + 1), 0-based. Offers analytica.preview/1:
// the cell in a grid of its sheet, as HTML.
#include "preview.h"
#include "rmr.h"
#include "settings_table.h"

#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace {
using analytica::Batch;
using analytica::Cell;
using analytica::Failure;
using analytica::Schema;

constexpr uint32_t KEY = ANALYTICA_COLUMN_KEY;
constexpr uint32_t NEWEST = ANALYTICA_COLUMN_NEWEST;

const Schema& document_schema() {
  static const Schema s("document", {{"survey", ANALYTICA_TEXT, KEY}, {"source_file", ANALYTICA_TEXT, 0}});
  return s;
}

// Columns named as in the corpus' expected records, plus the workbook.
const Schema& values_schema() {
  static const Schema s("values", {{"table", ANALYTICA_TEXT, KEY},
                                   {"title", ANALYTICA_TEXT, 0},
                                   {"centre", ANALYTICA_TEXT, KEY},
                                   {"group", ANALYTICA_TEXT, KEY},
                                   {"period", ANALYTICA_TEXT, KEY},
                                   {"value", ANALYTICA_DOUBLE, 0},
                                   {"reliability", ANALYTICA_TEXT, 0},
                                   {"flag", ANALYTICA_TEXT, 0},
                                   {"cell", ANALYTICA_TEXT, 0},
                                   {"survey", ANALYTICA_TEXT, NEWEST},
                                   {"source_file", ANALYTICA_TEXT, 0}});
  return s;
}

const Schema& changes_schema() {
  static const Schema s("changes", {{"table", ANALYTICA_TEXT, KEY},
                                    {"centre", ANALYTICA_TEXT, KEY},
                                    {"group", ANALYTICA_TEXT, KEY},
                                    {"from", ANALYTICA_TEXT, KEY},
                                    {"to", ANALYTICA_TEXT, KEY},
                                    {"direction", ANALYTICA_TEXT, 0},
                                    {"cell", ANALYTICA_TEXT, 0},
                                    {"survey", ANALYTICA_TEXT, NEWEST},
                                    {"source_file", ANALYTICA_TEXT, 0}});
  return s;
}

analytica_provenance at(const rmr::Where& w) {
  if (w.sheet <= 0 || w.col < 0 || w.row < 0) return {0, {0, 0, 0, 0}, 1.0};
  return {w.sheet, {double(w.col), double(w.row), double(w.col + 1), double(w.row + 1)}, 1.0};
}

Cell text(const std::string& s, const rmr::Where& w = {}) {
  return s.empty() ? Cell::null().at(at(w)) : Cell::of(s).at(at(w));
}

struct Extractor {
  const analytica_host* host;
  xlsx::Limits limits;
  std::string prefix;
  Schema document{document_schema()}, values{values_schema()}, changes{changes_schema()};
  // The last workbook read for a preview, by path, size and time.
  std::string cached_key;
  std::unique_ptr<xlsx::Workbook> cached_book;
  std::unique_ptr<rmr::Report> cached_report;
  std::string preview;
};

analytica_status create(const analytica_host* host, const char* settings, void** out) {
  return analytica::guard(host, [&] {
    auto x = std::make_unique<Extractor>();
    x->host = host;
    const auto s = nlohmann::json::parse(settings ? settings : "{}");
    const auto get = [&](const char* key, uint64_t fallback) {
      if (!s.contains(key)) return fallback;
      const auto& v = s.at(key);
      if (!v.is_number_integer() || v.get<int64_t>() <= 0)
        throw Failure(ANALYTICA_ERR_INVALID, std::string("setting ") + key + ": expected a positive integer");
      return v.get<uint64_t>();
    };
    x->limits.max_entry_bytes = get("max_entry_bytes", x->limits.max_entry_bytes);
    x->limits.max_total_bytes = get("max_total_bytes", x->limits.max_total_bytes);
    if (s.contains("table_prefix")) {
      if (!s["table_prefix"].is_string()) throw Failure(ANALYTICA_ERR_INVALID, "setting table_prefix: expected a string");
      x->prefix = s["table_prefix"].get<std::string>();
      for (char c : x->prefix)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
          throw Failure(ANALYTICA_ERR_INVALID, "setting table_prefix: letters, digits and _ only");
      x->document = Schema(x->prefix + "document", document_schema().columns());
      x->values = Schema(x->prefix + "values", values_schema().columns());
      x->changes = Schema(x->prefix + "changes", changes_schema().columns());
    }
    *out = x.release();
    return ANALYTICA_OK;
  });
}

void destroy(void* self) { delete static_cast<Extractor*>(self); }

const analytica_table_schema* output_table(void* self, uint32_t index) {
  const auto* x = static_cast<const Extractor*>(self);
  const Schema* all[] = {&x->document, &x->values, &x->changes};
  return index < 3 ? all[index]->view() : nullptr;
}

// A zip archive named .xlsx; whether CMHC made it is known only on reading.
int32_t probe(void*, const analytica_input* in) {
  const std::string path = in && in->path ? in->path : "";
  std::ifstream f(path, std::ios::binary);
  char magic[4] = {0};
  f.read(magic, 4);
  if (std::memcmp(magic, "PK\x03\x04", 4) != 0) return 0;
  std::string ext = std::filesystem::path(path).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".xlsx" || ext == ".xlsm" ? 70 : 10;
}

analytica_status extract(void* self, const analytica_input* in) {
  auto* x = static_cast<Extractor*>(self);
  return analytica::guard(x->host, [&] {
    const std::string path = in && in->path ? in->path : "";
    rmr::Report report;
    try {
      report = rmr::read_report(path, x->limits);
    } catch (const rmr::Error& e) {
      throw Failure(ANALYTICA_ERR_FORMAT, e.what());
    }
    for (const auto& w : report.warnings)
      x->host->event(x->host->ctx, ANALYTICA_EVENT_WARNING, (path + ": " + w).c_str());
    const std::string file = std::filesystem::path(path).filename().string();
    Batch document(x->document);
    document.add_row() = {Cell::of(report.survey), Cell::of(file)};
    Batch values(x->values);
    for (const auto& v : report.values) {
      auto& row = values.add_row();
      row = {text(v.table, v.at),
             text(v.title, v.at),
             text(v.centre, v.centre_at),
             text(v.group, v.group_at),
             text(v.period, v.period_at),
             (v.value ? Cell::of(*v.value) : Cell::null()).at(at(v.at)),
             text(v.reliability, v.reliability_at),
             text(v.flag, v.at),
             text(v.sheet_name + "!" + v.cell, v.at),
             Cell::of(report.survey),
             Cell::of(file)};
    }
    Batch changes(x->changes);
    for (const auto& c : report.changes) {
      auto& row = changes.add_row();
      row = {text(c.table, c.at),       text(c.centre, c.centre_at),
             text(c.group, c.group_at), text(c.from, c.at),
             text(c.to, c.at),          text(c.direction, c.at),
             text(c.sheet_name + "!" + c.cell, c.at), Cell::of(report.survey),
             Cell::of(file)};
    }
    for (const Batch* b : {&document, &values, &changes})
      if (analytica_status s = x->host->emit(x->host->ctx, b->view()); s < 0) return s;
    return ANALYTICA_OK;
  });
}

const analytica_extractor_v1 kExtractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};

analytica_status render(void* self, const analytica_preview_request* request, const char** out_media_type,
                        const uint8_t** out_data, uint64_t* out_size) {
  auto* x = static_cast<Extractor*>(self);
  return analytica::guard(x->host, [&] {
    const auto req = analytica::read_sized(request);
    if (!req.path || !out_media_type || !out_data || !out_size)
      throw Failure(ANALYTICA_ERR_INVALID, "preview: path and outputs are required");
    if (!req.cells || req.cell_count == 0) throw Failure(ANALYTICA_ERR_INVALID, "preview: no cell to mark");
    const std::string path = req.path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw Failure(ANALYTICA_ERR_IO, path + ": cannot be read");
    const std::string key = path + "|" + std::to_string(st.st_size) + "|" + std::to_string(st.st_mtime);
    if (key != x->cached_key || !x->cached_book) {
      x->cached_book.reset();
      x->cached_report.reset();
      try {
        auto book = std::make_unique<xlsx::Workbook>(xlsx::read_workbook(path, x->limits));
        auto report = std::make_unique<rmr::Report>(rmr::read_workbook(*book));
        x->cached_book = std::move(book);
        x->cached_report = std::move(report);
      } catch (const std::exception& e) {
        throw Failure(ANALYTICA_ERR_FORMAT, path + ": " + e.what());
      }
      x->cached_key = key;
    }
    const int page = req.cells[0].page;
    std::vector<std::pair<int, int>> cells;
    for (uint32_t i = 0; i < req.cell_count; ++i) {
      const auto& p = req.cells[i];
      if (p.page != page) throw Failure(ANALYTICA_ERR_INVALID, "preview: cells on more than one sheet");
      cells.emplace_back(static_cast<int>(p.box.x0), static_cast<int>(p.box.y0));
    }
    try {
      x->preview = rmr::render_preview(*x->cached_book, *x->cached_report, page, cells, req.scale);
    } catch (const rmr::Error& e) {
      throw Failure(ANALYTICA_ERR_INVALID, path + ": " + e.what());
    }
    *out_media_type = "text/html";
    *out_data = reinterpret_cast<const uint8_t*>(x->preview.data());
    *out_size = x->preview.size();
    return ANALYTICA_OK;
  });
}

const analytica_preview_v1 kPreview = {sizeof(analytica_preview_v1), render};

}  // namespace

ANALYTICA_PLUGIN(ANALYTICA_KIND_EXTRACTOR, "extractor_cmhc_rmr", "1.0.0",
                 "CMHC Rental Market Report workbooks (.xlsx): every table sheet's values, grades, markers and "
                 "changes, read by structure",
                 extractor_cmhc_rmr::kSettings, create, destroy, {ANALYTICA_EXTRACTOR_V1, &kExtractor},
                 {ANALYTICA_PREVIEW_V1, &kPreview})
