#include "read/cell_format.h"
#include "serve/dashboard.h"

#include "serve/crop.h"
#include "run/store.h"
#include "run/util.h"

#include <analytica_record_key.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

namespace analytica {
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr size_t kCropCacheEntries = 48;

// A table or column name safe to put into SQL text.
bool plain_name(const std::string& s) {
  if (s.empty() || s.size() > 63 || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::string sql_name(const std::string& name) { return "\"" + name + "\""; }

// The key columns of the extractor's market tables, in declared order.
constexpr uint32_t kKey = ANALYTICA_COLUMN_KEY;

const Schema& city_keys() {
  static const Schema s("city_monthly", {{"month", ANALYTICA_TEXT, kKey}, {"property_type", ANALYTICA_TEXT, kKey}});
  return s;
}

const Schema& district_keys() {
  static const Schema s("district_monthly", {{"month", ANALYTICA_TEXT, kKey},
                                             {"property_type", ANALYTICA_TEXT, kKey},
                                             {"district", ANALYTICA_TEXT, kKey}});
  return s;
}

// The rows of one market table (`table`: a plain name) as JSON objects:
// the key columns of `keys`, then `figures`, and under "key" the row's
// record key as governance writes it (record_key.h), which lineage, crops
// and the review queue know the record by.
json market_rows(Store& store, const std::string& table, const Schema& keys, const std::vector<std::string>& figures,
                 const std::string& order_by) {
  std::vector<std::string> columns;
  for (const auto& c : keys.columns()) columns.push_back(c.name);
  columns.insert(columns.end(), figures.begin(), figures.end());
  std::string sql = "SELECT ";
  for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + sql_name(columns[i]);
  json out = json::array();
  for (const auto& r : store.query(sql + " FROM " + table + " ORDER BY " + order_by)) {
    json row = json::object();
    std::vector<analytica_value> key_values;
    for (size_t i = 0; i < columns.size(); ++i) {
      row[columns[i]] = cell_json(r[i]);
      if (i < keys.columns().size()) key_values.push_back(value_of(r[i]));
    }
    row["key"] = analytica::record_key(*keys.view(), key_values.data());
    out.push_back(std::move(row));
  }
  return out;
}

// "a=1|b=x" -> {{"a","1"},{"b","x"}} (governance's record key format).
std::vector<std::pair<std::string, std::string>> split_key(const std::string& key) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('|', start);
    if (end == std::string::npos) end = key.size();
    const std::string part = key.substr(start, end - start);
    const size_t eq = part.find('=');
    if (eq == std::string::npos) return {};
    out.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return json();
  json j = json::parse(in, nullptr, false);
  return j.is_discarded() ? json() : j;
}

}  // namespace

Dashboard::Dashboard(DashboardOptions options) : options_(std::move(options)) {}
Dashboard::~Dashboard() = default;

Store* Dashboard::store_locked() {
  if (store_) return store_.get();
  const auto now = std::chrono::steady_clock::now();
  if (last_open_attempt_ != std::chrono::steady_clock::time_point{} && now - last_open_attempt_ < std::chrono::seconds(2))
    return nullptr;
  last_open_attempt_ = now;
  try {
    store_ = std::make_unique<Store>(options_.settings, options_.pipeline_file);
    store_error_.clear();
  } catch (const std::exception& e) {
    store_error_ = e.what();
  }
  return store_.get();
}

void Dashboard::with_store(const std::function<void(Store&)>& f) {
  std::lock_guard<std::mutex> lock(store_mutex_);
  Store* store = store_locked();
  if (!store) throw HttpError(503, "store not available: " + store_error_);
  f(*store);
}

bool Dashboard::cells_have_value(Store& store) {
  if (!cells_have_value_) {
    try {
      store.query("SELECT value FROM governance_lineage_cells WHERE 1 = 0");
      cells_have_value_ = true;
    } catch (const std::exception&) {
      cells_have_value_ = false;
    }
  }
  return *cells_have_value_;
}

HealthReport Dashboard::health() {
  std::lock_guard<std::mutex> hl(health_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (health_ && now - health_at_ < std::chrono::duration<double>(options_.health_cache_seconds)) return *health_;
  HealthReport report;
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    HealthOptions o = options_.health;
    Store* store = store_locked();
    o.store_error = store_error_;
    report = check_health(store, o, &hashes_);
  }
  health_ = report;
  health_at_ = now;
  return report;
}

json Dashboard::overview() {
  json out = {{"health", health().to_json()}, {"generated_at", now_iso8601()}};
  json runs = json::array(), tables = json::array();
  const std::string& prefix = options_.health.table_prefix;
  try {
    with_store([&](Store& store) {
      if (store.has_table("governance_runs")) {
        const auto rows = store.query(
            "SELECT run_id, pipeline, started_at, ended_at, status, sources_ingested, sources_skipped, "
            "sources_failed, records FROM governance_runs ORDER BY started_at DESC, ended_at DESC LIMIT 20");
        for (const auto& r : rows) {
          json run = {{"run_id", cell_json(r[0])},          {"pipeline", cell_json(r[1])},
                      {"started_at", cell_json(r[2])},      {"ended_at", cell_json(r[3])},
                      {"status", cell_json(r[4])},          {"sources_ingested", cell_json(r[5])},
                      {"sources_skipped", cell_json(r[6])}, {"sources_failed", cell_json(r[7])},
                      {"records", cell_json(r[8])}};
          const auto start = parse_utc(cell_text(r[2])), end = parse_utc(cell_text(r[3]));
          if (start && end) run["duration_seconds"] = *end - *start;
          runs.push_back(run);
        }
      }
      for (const std::string& t : {prefix + "document", prefix + "city_monthly", prefix + "district_monthly",
                                   std::string("governance_sources"), std::string("governance_lineage_cells"),
                                   std::string("review_queue")}) {
        if (!plain_name(t) || !store.has_table(t)) continue;
        const auto rows = store.query("SELECT COUNT(*) FROM " + t);
        tables.push_back({{"table", t}, {"rows", rows.empty() ? json(0) : cell_json(rows[0][0])}});
      }
    });
  } catch (const HttpError&) {
    // The health report already says the store is unavailable.
  }
  out["runs"] = runs;
  out["tables"] = tables;
  json progress = json::array();
  const json state = read_json(options_.metrics_dir / "state.json");
  if (state.is_object() && state.contains("pipelines") && state["pipelines"].is_object())
    for (auto it = state["pipelines"].begin(); it != state["pipelines"].end(); ++it) {
      const json cur = it.value().is_object() ? it.value().value("current", json::object()) : json::object();
      if (cur.is_object() && cur.value("running", false)) {
        json p = cur;
        p["pipeline"] = it.key();
        progress.push_back(p);
      }
    }
  out["in_progress"] = progress;
  out["metrics_dir"] = options_.metrics_dir.string();
  return out;
}

json Dashboard::market() {
  const std::string& prefix = options_.health.table_prefix;
  const std::string city_table = prefix + "city_monthly", district_table = prefix + "district_monthly";
  json city = json::array(), districts = json::array();
  bool have_city = false, have_district = false;
  with_store([&](Store& store) {
    if (plain_name(city_table) && store.has_table(city_table)) {
      have_city = true;
      city = market_rows(store, city_table, city_keys(),
                         {"sales", "new_listings", "inventory", "days_on_market", "benchmark_price", "median_price",
                          "average_price", "index", "report_month", "source_file"},
                         "property_type, month");
    }
    if (plain_name(district_table) && store.has_table(district_table)) {
      have_district = true;
      districts = market_rows(store, district_table, district_keys(),
                              {"sales", "new_listings", "sales_to_new_listings_ratio_pct", "inventory",
                               "months_of_supply", "benchmark_price", "yoy_benchmark_change_pct",
                               "mom_benchmark_change_pct", "report_month", "source_file"},
                              "month, property_type, district");
    }
  });
  return {{"city_table", city_table},     {"district_table", district_table}, {"available", have_city || have_district},
          {"city", city},                 {"districts", districts}};
}

json Dashboard::lineage(const std::string& table, const std::string& key, const std::string& column) {
  if (!plain_name(table)) throw HttpError(400, "table: \"" + table + "\" is not a table name");
  if (!column.empty() && !plain_name(column)) throw HttpError(400, "column: \"" + column + "\" is not a column name");
  const auto key_parts = split_key(key);
  if (key.empty() || key_parts.empty()) throw HttpError(400, "key: expected col=value|col=value");
  for (const auto& kp : key_parts)
    if (!plain_name(kp.first)) throw HttpError(400, "key: \"" + kp.first + "\" is not a column name");

  json out = {{"table", table}, {"key", key}, {"column", column.empty() ? json() : json(column)}};
  json key_json = json::object();
  for (const auto& [k, v] : key_parts) key_json[k] = v;
  out["key_columns"] = key_json;

  with_store([&](Store& store) {
    if (!store.has_table("governance_lineage_records"))
      throw HttpError(404, "no lineage recorded yet (run a pipeline first)");
    const auto records = store.query(
        "SELECT source_sha256, run_id, extractor, written_at FROM governance_lineage_records "
        "WHERE table_name = ? AND record_key = ? ORDER BY written_at DESC",
        {Cell::of(table), Cell::of(key)});
    if (records.empty()) throw HttpError(404, "no lineage for " + table + " record " + key);

    // The current row, with the columns lineage knows of.
    std::vector<std::string> columns;
    {
      const auto names = store.query(
          "SELECT DISTINCT column_name FROM governance_lineage_cells WHERE table_name = ? AND record_key = ?",
          {Cell::of(table), Cell::of(key)});
      for (const auto& n : names)
        if (plain_name(cell_text(n[0]))) columns.push_back(cell_text(n[0]));
    }
    json row = nullptr;
    std::string current_file;
    if (store.has_table(table) && !columns.empty()) {
      std::string sql = "SELECT ";
      for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + sql_name(columns[i]);
      bool has_source_file = false;
      try {
        store.query("SELECT source_file FROM " + table + " WHERE 1 = 0");
        has_source_file = true;
      } catch (const std::exception&) {
      }
      if (has_source_file) sql += ", source_file";
      sql += " FROM " + table + " WHERE ";
      std::vector<Cell> params;
      for (size_t i = 0; i < key_parts.size(); ++i) {
        sql += (i ? " AND " : "") + sql_name(key_parts[i].first) + " = ?";
        params.push_back(Cell::of(key_parts[i].second));
      }
      const auto rows = store.query(sql, params);
      if (!rows.empty()) {
        row = json::object();
        for (size_t i = 0; i < columns.size(); ++i) row[columns[i]] = cell_json(rows[0][i]);
        if (has_source_file) current_file = cell_text(rows[0][columns.size()]);
      }
    }
    out["row"] = row;
    if (!column.empty() && std::find(columns.begin(), columns.end(), column) == columns.end())
      throw HttpError(404, "no lineage for column " + column + " of " + table + " record " + key);

    const bool with_value = cells_have_value(store);
    json sources = json::array();
    bool current_found = false;
    for (const auto& rec : records) {
      const std::string sha = cell_text(rec[0]);
      json s = {{"sha256", sha},
                {"run_id", cell_json(rec[1])},
                {"extractor", cell_json(rec[2])},
                {"written_at", cell_json(rec[3])}};
      const auto src = store.query(
          "SELECT name, path, version, status, first_seen, last_seen FROM governance_sources WHERE sha256 = ?",
          {Cell::of(sha)});
      if (!src.empty()) {
        s["name"] = cell_json(src[0][0]);
        s["path"] = cell_json(src[0][1]);
        s["version"] = cell_json(src[0][2]);
        s["status"] = cell_json(src[0][3]);
        s["first_seen"] = cell_json(src[0][4]);
        s["last_seen"] = cell_json(src[0][5]);
        std::error_code ec;
        s["file_available"] = fs::is_regular_file(cell_text(src[0][1]), ec);
      } else {
        s["file_available"] = false;
      }
      const bool current = !current_found && !current_file.empty() && s.value("name", json()) == current_file;
      current_found = current_found || current;
      s["current"] = current;
      std::string sql =
          "SELECT column_name, page, x0, y0, x1, y1, confidence" + std::string(with_value ? ", value" : "") +
          " FROM governance_lineage_cells WHERE table_name = ? AND record_key = ? AND source_sha256 = ?";
      std::vector<Cell> params = {Cell::of(table), Cell::of(key), Cell::of(sha)};
      if (!column.empty()) {
        sql += " AND column_name = ?";
        params.push_back(Cell::of(column));
      }
      sql += " ORDER BY column_name";
      json cells = json::object();
      for (const auto& c : store.query(sql, params)) {
        json cell = {{"page", cell_json(c[1])},
                     {"box", {cell_number(c[2]), cell_number(c[3]), cell_number(c[4]), cell_number(c[5])}},
                     {"confidence", cell_json(c[6])}};
        if (with_value) cell["value"] = cell_json(c[7]);
        cells[cell_text(c[0])] = cell;
      }
      s["cells"] = cells;
      sources.push_back(s);
    }
    // Without a source_file column, the newest write is the current one.
    if (!current_found && !sources.empty()) sources[0]["current"] = true;
    std::stable_sort(sources.begin(), sources.end(),
                     [](const json& a, const json& b) { return a["current"].get<bool>() > b["current"].get<bool>(); });
    out["sources"] = sources;
  });
  return out;
}

json Dashboard::review(const std::string& status, int limit) {
  json out = {{"available", false}, {"status", status}, {"counts", json::object()}, {"items", json::array()}};
  with_store([&](Store& store) {
    if (!store.has_table("review_queue")) return;
    out["available"] = true;
    for (const auto& r : store.query("SELECT status, COUNT(*) FROM review_queue GROUP BY status"))
      out["counts"][cell_text(r[0])] = cell_json(r[1]);
    std::map<std::string, std::string> names;
    if (store.has_table("governance_sources"))
      for (const auto& r : store.query("SELECT sha256, name FROM governance_sources")) names[cell_text(r[0])] = cell_text(r[1]);
    std::string sql = "SELECT id, table_name, record_key, source_sha256, status, confidence, reasons FROM review_queue";
    std::vector<Cell> params;
    if (status != "all") {
      sql += " WHERE status = ?";
      params.push_back(Cell::of(status));
    }
    sql += " ORDER BY id DESC LIMIT " + std::to_string(limit);
    for (const auto& r : store.query(sql, params)) {
      const std::string sha = cell_text(r[3]);
      out["items"].push_back({{"id", cell_json(r[0])},
                              {"table", cell_json(r[1])},
                              {"key", cell_json(r[2])},
                              {"source_sha256", sha},
                              {"source", names.count(sha) ? json(names[sha]) : json()},
                              {"status", cell_json(r[4])},
                              {"confidence", cell_json(r[5])},
                              {"reasons", cell_json(r[6])}});
    }
  });
  return out;
}

std::string Dashboard::crop(const std::string& table, const std::string& key, const std::string& column,
                            const std::string& source, double scale) {
  if (!plain_name(table)) throw HttpError(400, "table: \"" + table + "\" is not a table name");
  if (!plain_name(column)) throw HttpError(400, "column: \"" + column + "\" is not a column name");
  if (key.empty()) throw HttpError(400, "key: missing");
  if (!source.empty() && (source.size() != 64 || source.find_first_not_of("0123456789abcdef") != std::string::npos))
    throw HttpError(400, "source: expected a lowercase hex SHA-256");
  std::string sha = source;
  if (sha.empty()) {
    const json l = lineage(table, key, column);
    if (l["sources"].empty()) throw HttpError(404, "no lineage for " + table + " record " + key);
    sha = l["sources"][0]["sha256"].get<std::string>();
  }
  CropRequest request;
  request.scale = scale;
  std::string recorded_sha;
  with_store([&](Store& store) {
    const auto cells = store.query(
        "SELECT page, x0, y0, x1, y1 FROM governance_lineage_cells WHERE table_name = ? AND record_key = ? AND "
        "column_name = ? AND source_sha256 = ?",
        {Cell::of(table), Cell::of(key), Cell::of(column), Cell::of(sha)});
    if (cells.empty()) throw HttpError(404, "no lineage for " + table + " record " + key + " column " + column);
    request.page = static_cast<int>(cell_number(cells[0][0]));
    request.x0 = cell_number(cells[0][1]);
    request.y0 = cell_number(cells[0][2]);
    request.x1 = cell_number(cells[0][3]);
    request.y1 = cell_number(cells[0][4]);
    if (request.page < 1) throw HttpError(404, "this value has no position on a page");
    const auto src = store.query("SELECT path FROM governance_sources WHERE sha256 = ?", {Cell::of(sha)});
    if (src.empty()) throw HttpError(404, "source " + sha + " is not registered");
    request.pdf = cell_text(src[0][0]);
  });
  std::error_code ec;
  if (!fs::is_regular_file(request.pdf, ec))
    throw HttpError(404, request.pdf.filename().string() + ": the source file is no longer at " + request.pdf.string());
  if (hashes_.sha256(request.pdf) != sha)
    throw HttpError(409, request.pdf.filename().string() +
                             ": the file changed since ingest; the recorded position refers to the ingested version");
  char scale_text[32];
  std::snprintf(scale_text, sizeof scale_text, "%.3f", scale);
  const std::string cache_key = table + "\n" + key + "\n" + column + "\n" + sha + "\n" + scale_text;
  {
    std::lock_guard<std::mutex> lock(crop_mutex_);
    for (auto it = crops_.begin(); it != crops_.end(); ++it)
      if (it->first == cache_key) {
        crops_.splice(crops_.begin(), crops_, it);
        return crops_.front().second;
      }
  }
  std::string png;
  try {
    png = render_crop(request);
  } catch (const CropError& e) {
    throw HttpError(422, e.what());
  }
  std::lock_guard<std::mutex> lock(crop_mutex_);
  crops_.emplace_front(cache_key, png);
  if (crops_.size() > kCropCacheEntries) crops_.pop_back();
  return png;
}

}  // namespace analytica
