// extractor_json_records: maps the records of a JSON array (an open-data
// API page, say) to a table the pipeline declares — each column with its
// JSON field, type, key flag and an optional unit conversion — so a new
// dataset is a pipeline file, not C++.
//
// A record with a required field missing (or empty), or any field that
// does not read as its column's type, is not written to the table: it goes
// to the side table <table>_rejects with the reason and the record as JSON
// (keyed by input and position), and the input's count of rejects is raised
// as a warning event. See README ("Fetching sources") for why a side table.
#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include "instance_glue.h"
#include "settings_table.h"

#include <fnmatch.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {
using analytica::Batch;
using analytica::Cell;
using analytica::Failure;
using analytica::Schema;
using nlohmann::json;

constexpr const char* kName = "extractor_json_records";

enum class Kind { text, integer, number, date, month };

struct ColumnSpec {
  std::string name, field;
  Kind kind = Kind::text;
  bool key = false, required = false;
  double scale = 1.0;
};

struct Extractor {
  const analytica_host* host = nullptr;
  std::vector<ColumnSpec> columns;
  std::string pointer, pattern;
  Schema table, rejects;
};

Kind kind_of(const std::string& t, const std::string& column) {
  if (t == "text") return Kind::text;
  if (t == "integer") return Kind::integer;
  if (t == "number") return Kind::number;
  if (t == "date") return Kind::date;
  if (t == "month") return Kind::month;
  throw Failure(ANALYTICA_ERR_INVALID, "setting columns: " + column + ": type \"" + t +
                                           "\" is not text, integer, number, date or month");
}

analytica_type type_of(Kind k) {
  return k == Kind::integer ? ANALYTICA_INT64 : k == Kind::number ? ANALYTICA_DOUBLE : ANALYTICA_TEXT;
}

std::unique_ptr<Extractor> make_extractor(const analytica_host* host, const nlohmann::json& s) {
  auto x = std::make_unique<Extractor>();
  x->host = host;
  const std::string table = s.at("table").get<std::string>();
  if (table.empty()) throw Failure(ANALYTICA_ERR_INVALID, "setting table: empty");
  x->pointer = s.value("records", "");
  x->pattern = s.value("file_pattern", "*.json");
  std::vector<analytica::Column> cols;
  for (const auto& c : s.at("columns")) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string())
      throw Failure(ANALYTICA_ERR_INVALID, "setting columns: each column needs a \"name\"");
    ColumnSpec spec;
    spec.name = c["name"].get<std::string>();
    for (auto it = c.begin(); it != c.end(); ++it)
      if (it.key() != "name" && it.key() != "field" && it.key() != "type" && it.key() != "key" &&
          it.key() != "required" && it.key() != "scale" && it.key() != "unit")
        throw Failure(ANALYTICA_ERR_INVALID, "setting columns: " + spec.name + ": unknown key \"" + it.key() + "\"");
    spec.field = c.value("field", spec.name);
    spec.kind = kind_of(c.value("type", "text"), spec.name);
    spec.key = c.value("key", false);
    spec.required = c.value("required", spec.key);
    spec.scale = c.value("scale", 1.0);
    if (spec.scale != 1.0 && spec.kind != Kind::number && spec.kind != Kind::integer)
      throw Failure(ANALYTICA_ERR_INVALID, "setting columns: " + spec.name + ": scale applies to numbers only");
    for (const auto& other : x->columns)
      if (other.name == spec.name) throw Failure(ANALYTICA_ERR_INVALID, "setting columns: " + spec.name + " twice");
    cols.push_back({spec.name, type_of(spec.kind), spec.key ? ANALYTICA_COLUMN_KEY : 0u});
    x->columns.push_back(spec);
  }
  if (x->columns.empty()) throw Failure(ANALYTICA_ERR_INVALID, "setting columns: declare at least one column");
  x->table = Schema(table, cols);
  std::string rejects = s.value("rejects_table", "");
  if (rejects.empty()) rejects = table + "_rejects";
  x->rejects = Schema(rejects, {{"source", ANALYTICA_TEXT, ANALYTICA_COLUMN_KEY},
                                {"record_index", ANALYTICA_INT64, ANALYTICA_COLUMN_KEY},
                                {"record_key", ANALYTICA_TEXT, 0},
                                {"reason", ANALYTICA_TEXT, 0},
                                {"record", ANALYTICA_TEXT, 0}});
  return x;
}

const analytica_table_schema* output_table(void* self, uint32_t index) {
  auto* x = static_cast<Extractor*>(self);
  return index == 0 ? x->table.view() : index == 1 ? x->rejects.view() : nullptr;
}

int32_t probe(void* self, const analytica_input* in) {
  auto* x = static_cast<Extractor*>(self);
  const char* name = in->display_name && *in->display_name ? in->display_name : in->path;
  if (!name || fnmatch(x->pattern.c_str(), name, 0) != 0) return 0;
  std::ifstream f(in->path ? in->path : "", std::ios::binary);
  char c = 0;
  while (f.get(c) && std::isspace(static_cast<unsigned char>(c))) {
  }
  return f && (c == '[' || c == '{') ? 70 : 0;
}

// The field of a record: a /json/pointer, or a member name.
const json* field_of(const json& rec, const std::string& field) {
  if (!field.empty() && field[0] == '/') {
    const json::json_pointer p(field);
    return rec.contains(p) ? &rec[p] : nullptr;
  }
  auto it = rec.find(field);
  return it == rec.end() ? nullptr : &*it;
}

bool is_date(const std::string& s) {
  if (s.size() < 10) return false;
  for (size_t i = 0; i < 10; ++i)
    if (i == 4 || i == 7 ? s[i] != '-' : !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  const int m = std::atoi(s.substr(5, 2).c_str()), d = std::atoi(s.substr(8, 2).c_str());
  return m >= 1 && m <= 12 && d >= 1 && d <= 31 && (s.size() == 10 || s[10] == 'T' || s[10] == ' ');
}

// Reads one value as the column's type. Returns "" and sets cell, or the
// reason it does not read.
std::string read_value(const ColumnSpec& c, const json& v, Cell& cell) {
  auto number = [&](double& d) -> bool {
    if (v.is_number()) {
      d = v.get<double>();
      return true;
    }
    if (!v.is_string()) return false;
    const std::string t = v.get<std::string>();
    char* end = nullptr;
    d = std::strtod(t.c_str(), &end);
    return !t.empty() && end && *end == '\0' && std::isfinite(d);
  };
  const std::string shown = v.is_string() ? v.get<std::string>() : v.dump();
  switch (c.kind) {
    case Kind::text:
      if (v.is_string()) cell = Cell::of(v.get<std::string>());
      else if (v.is_number() || v.is_boolean()) cell = Cell::of(v.dump());
      else return c.name + ": expected text, got " + std::string(v.type_name());
      return "";
    case Kind::integer: {
      double d = 0;
      if (!number(d)) return c.name + ": expected an integer, got \"" + shown + "\"";
      d *= c.scale;
      if (std::floor(d) != d || std::fabs(d) > 9.0e15) return c.name + ": expected an integer, got \"" + shown + "\"";
      cell = Cell::of(static_cast<int64_t>(d));
      return "";
    }
    case Kind::number: {
      double d = 0;
      if (!number(d)) return c.name + ": expected a number, got \"" + shown + "\"";
      cell = Cell::of(d * c.scale);
      return "";
    }
    case Kind::date:
    case Kind::month:
      if (!v.is_string() || !is_date(v.get<std::string>())) return c.name + ": expected a date YYYY-MM-DD, got \"" + shown + "\"";
      cell = Cell::of(v.get<std::string>().substr(0, c.kind == Kind::date ? 10 : 7));
      return "";
  }
  return "";
}

analytica_status extract(void* self, const analytica_input* in) {
  return analytica::glue::guarded<Extractor>(self, [&](Extractor* x) {
    const std::string path = in->path ? in->path : "";
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Failure(ANALYTICA_ERR_IO, path + ": cannot open for reading");
    json doc = json::parse(f, nullptr, false);
    if (doc.is_discarded()) throw Failure(ANALYTICA_ERR_FORMAT, path + ": not JSON");
    const json* records = &doc;
    if (!x->pointer.empty()) {
      const json::json_pointer p(x->pointer);
      if (!doc.contains(p)) throw Failure(ANALYTICA_ERR_FORMAT, path + ": no " + x->pointer + " in the document");
      records = &doc[p];
    }
    if (!records->is_array()) throw Failure(ANALYTICA_ERR_FORMAT, path + ": the records are not a JSON array");
    const std::string source = in->display_name && *in->display_name ? in->display_name : path;
    Batch rows(x->table), rejects(x->rejects);
    const analytica_provenance none{0, {0, 0, 0, 0}, 1.0};
    int64_t index = -1;
    for (const json& rec : *records) {
      ++index;
      std::vector<Cell> cells(x->columns.size());
      std::string reason, key;
      if (!rec.is_object()) reason = "not a JSON object";
      for (size_t i = 0; i < x->columns.size() && reason.empty(); ++i) {
        const ColumnSpec& c = x->columns[i];
        const json* v = field_of(rec, c.field);
        const bool missing = !v || v->is_null() || (v->is_string() && v->get<std::string>().empty());
        if (missing) {
          if (c.required) reason = c.name + ": required field \"" + c.field + "\" is missing";
          continue;
        }
        reason = read_value(c, *v, cells[i]);
        if (c.key && reason.empty())
          key += (key.empty() ? "" : "|") + c.name + "=" + (v->is_string() ? v->get<std::string>() : v->dump());
      }
      if (!reason.empty()) {
        rejects.add_row() = {Cell::of(source), Cell::of(index), key.empty() ? Cell::null() : Cell::of(key),
                             Cell::of(reason), Cell::of(rec.dump())};
        continue;
      }
      auto& row = rows.add_row();
      for (size_t i = 0; i < cells.size(); ++i) row[i] = std::move(cells[i].at(none));
    }
    if (rows.row_count()) {
      const analytica_status s = x->host->emit(x->host->ctx, rows.view());
      if (s < 0) throw Failure(s, "cannot emit " + x->table.table());
    }
    if (rejects.row_count()) {
      const analytica_status s = x->host->emit(x->host->ctx, rejects.view());
      if (s < 0) throw Failure(s, "cannot emit " + x->rejects.table());
      const std::string m = source + ": " + std::to_string(rejects.row_count()) + " of " + std::to_string(index + 1) +
                            " records rejected to the side table " + x->rejects.table() +
                            " (with the table prefix); first: " + rejects.row(0)[3].text;
      if (x->host->event) x->host->event(x->host->ctx, ANALYTICA_EVENT_WARNING, m.c_str());
    }
    return ANALYTICA_OK;
  });
}

const analytica_extractor_v1 kExtractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};

}  // namespace

ANALYTICA_PLUGIN(
    ANALYTICA_KIND_EXTRACTOR, kName, "1.0.0",
    "records of a JSON array into a table declared in the pipeline (fields, types, keys, units); bad records to "
    "<table>_rejects",
    extractor_json_records::kSettings, analytica::glue::create<make_extractor>, analytica::glue::destroy<Extractor>,
    {ANALYTICA_EXTRACTOR_V1, &kExtractor})
