#include "run/cell_format.h"
#include "serve/dashboard.h"

#include "read/datasets.h"

#include "serve/crop.h"
#include "read/lineage.h"
#include "read/review.h"
#include "read/runs.h"
#include "read/store_facts.h"
#include "run/sink_admin.h"
#include "run/sql.h"
#include "run/store.h"
#include "run/util.h"

#include <analytica_record_key.hpp>
#include <analytica_run_liveness.hpp>
#include <analytica_store.h>

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

// Whether monitor_metrics' run in flight (state.json "current") still has
// its process: one recorded on this host whose process is gone was killed
// before its run end (analytica_store.h, "Runs that end without saying so").
bool monitored_run_alive(const json& current) {
  if (!current.contains("pid") || current.value("host", "") != run_host_name()) return true;
  return process_alive(current.value("pid", int64_t{0}), current.value("process_start", int64_t{0}));
}

constexpr size_t kCropCacheEntries = 48;

// "a=1|b=x" -> {{"a","1"},{"b","x"}}; empty unless every part is col=value.
std::vector<std::pair<std::string, std::string>> split_key(const std::string& key) {
  size_t parts = key.empty() ? 0 : 1, equals = 0;
  for (size_t at = key.find('|'); at != std::string::npos; at = key.find('|', at + 1)) ++parts;
  size_t start = 0;
  while (start <= key.size() && !key.empty()) {
    const size_t end = std::min(key.find('|', start), key.size());
    if (key.substr(start, end - start).find('=') != std::string::npos) ++equals;
    start = end + 1;
  }
  if (parts == 0 || equals != parts) return {};
  return parse_record_key(key);
}

json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return json();
  json j = json::parse(in, nullptr, false);
  return j.is_discarded() ? json() : j;
}

}  // namespace

Dashboard::Dashboard(DashboardOptions options)
    : options_(std::move(options)), renderer_(std::make_unique<CropRenderer>(options_.settings.plugin_dirs)) {
  if (!options_.pipeline_file.empty())
    pipeline_ = std::make_unique<Pipeline>(load_pipeline(options_.pipeline_file, options_.settings));
}
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

std::string json_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

HealthReport Dashboard::health() {
  std::unique_lock<std::mutex> hl(health_mutex_);
  const auto now = std::chrono::steady_clock::now();
  const bool fresh = health_ && now - health_at_ < std::chrono::duration<double>(options_.health_cache_seconds);
  if (fresh || (health_ && health_refreshing_)) return *health_;
  health_refreshing_ = true;
  hl.unlock();
  HealthReport report;
  try {
    std::lock_guard<std::mutex> lock(store_mutex_);
    HealthOptions o = options_.health;
    Store* store = store_locked();
    o.store_error = store_error_;
    report = check_health(store, o, &hashes_);
  } catch (...) {
    hl.lock();
    health_refreshing_ = false;
    throw;
  }
  hl.lock();
  health_ = report;
  health_at_ = now;
  health_refreshing_ = false;
  return report;
}

std::optional<uint64_t> Dashboard::change_counter() {
  std::lock_guard<std::mutex> lock(store_mutex_);
  Store* store = store_locked();
  if (!store) return std::nullopt;
  try {
    return store->admin().change_counter();
  } catch (const std::exception&) {
    return std::nullopt;  // answered uncached; the computation reports the store's trouble
  }
}

std::shared_ptr<const std::string> Dashboard::cached(const std::string& key, const std::function<json()>& compute) {
  const std::optional<uint64_t> counter = change_counter();
  if (!counter) return std::make_shared<const std::string>(json_text(compute()));
  std::promise<std::shared_ptr<const std::string>> promise;
  std::shared_future<std::shared_ptr<const std::string>> kept;  // computed, or being computed by another caller
  {
    std::lock_guard<std::mutex> lock(answers_mutex_);
    const auto it = answers_.find(key);
    if (it != answers_.end() && it->second.counter == *counter) {
      kept = it->second.text;
    } else {
      if (answers_.size() >= options_.answer_cache_entries) answers_.clear();
      answers_[key] = {*counter, promise.get_future().share()};
    }
  }
  if (kept.valid()) return kept.get();
  try {
    auto text = std::make_shared<const std::string>(json_text(compute()));
    promise.set_value(text);
    return text;
  } catch (...) {
    promise.set_exception(std::current_exception());
    std::lock_guard<std::mutex> lock(answers_mutex_);
    const auto it = answers_.find(key);
    if (it != answers_.end() && it->second.counter == *counter) answers_.erase(it);
    throw;
  }
}

json Dashboard::overview() {
  json out = {{"health", health().to_json()}, {"generated_at", now_iso8601()}};
  json runs = json::array(), tables = json::array();
  try {
    with_store([&](Store& store) {
      for (const auto& r : recent_runs(store, 20)) {
        json run = {{"run_id", r.run_id},
                    {"pipeline", r.pipeline},
                    {"started_at", r.started_at},
                    {"ended_at", r.ended_at ? json(*r.ended_at) : json()},
                    {"status", r.status},
                    {"sources_ingested", r.sources_ingested},
                    {"sources_skipped", r.sources_unchanged},
                    {"sources_failed", r.sources_failed},
                    {"records", r.records},
                    {"last_seen", r.last_seen}};
        if (const auto d = r.duration_seconds()) run["duration_seconds"] = *d;
        runs.push_back(run);
      }
      for (const auto& [t, n] : watched_table_rows(store, declared_views(store, pipeline_.get())))
        tables.push_back({{"table", t}, {"rows", n}});
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
      if (cur.is_object() && cur.value("running", false) && monitored_run_alive(cur)) {
        json p = cur;
        p["pipeline"] = it.key();
        progress.push_back(p);
      }
    }
  out["in_progress"] = progress;
  out["metrics_dir"] = options_.metrics_dir.string();
  return out;
}

json Dashboard::views() {
  json out;
  with_store([&](Store& store) { out = views_summary(declared_views(store, pipeline_.get())); });
  return out;
}

json Dashboard::view(const std::string& id, bool include_pending) {
  json out;
  with_store([&](Store& store) {
    const auto views = declared_views(store, pipeline_.get());
    const View* v = find_view(views, id);
    if (!v) throw HttpError(404, "no view " + id + " is declared (see docs/views.md)");
    out = view_answer(store, *v, include_pending);
  });
  return out;
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
    if (!lineage_recorded(store)) throw HttpError(404, "no lineage recorded yet (run a pipeline first)");
    const RecordLineage rec = record_lineage(store, table, key, column);
    if (rec.versions.empty()) throw HttpError(404, "no lineage for " + table + " record " + key);
    // The current row, with the columns lineage knows of.
    json row = nullptr;
    if (!rec.stored_row.empty()) {
      row = json::object();
      for (const auto& c : rec.traced_columns) {
        const auto it = rec.stored_row.find(c);
        if (plain_name(c) && it != rec.stored_row.end()) row[c] = cell_json(it->second);
      }
    }
    out["row"] = row;
    if (!column.empty() && std::find(rec.traced_columns.begin(), rec.traced_columns.end(), column) == rec.traced_columns.end())
      throw HttpError(404, "no lineage for column " + column + " of " + table + " record " + key);

    json sources = json::array();
    for (const auto& v : rec.versions) {
      json s = {{"sha256", v.source_sha256}, {"run_id", v.run_id}, {"extractor", v.extractor}, {"written_at", v.written_at}};
      if (v.source) {
        s["name"] = v.source->name;
        s["path"] = v.source->path;
        s["version"] = v.source->version;
        s["status"] = v.source->status;
        s["first_seen"] = v.source->first_seen;
        s["last_seen"] = v.source->last_seen;
        std::error_code ec;
        s["file_available"] = fs::is_regular_file(v.source->path, ec);
      } else {
        s["file_available"] = false;
      }
      s["current"] = v.current;
      json cells = json::object();
      for (const auto& c : v.cells) {
        json cell = {{"page", c.page ? json(*c.page) : json()},
                     {"box", {c.x0, c.y0, c.x1, c.y1}},
                     {"confidence", c.confidence ? json(*c.confidence) : json()}};
        if (c.value_recorded) cell["value"] = cell_json(c.value);
        cells[c.column] = cell;
      }
      s["cells"] = cells;
      sources.push_back(s);
    }
    std::stable_sort(sources.begin(), sources.end(),
                     [](const json& a, const json& b) { return a["current"].get<bool>() > b["current"].get<bool>(); });
    out["sources"] = sources;
  });
  return out;
}

json Dashboard::review(const std::string& status, int64_t offset, int limit) {
  json out = {{"available", false}, {"status", status}, {"counts", json::object()}, {"items", json::array()},
              {"total", 0}, {"offset", offset}, {"limit", limit}, {"waiting", 0}, {"superseded", 0}};
  with_store([&](Store& store) {
    ReviewListQuery q;
    q.status = status;
    q.offset = offset;
    q.limit = limit;
    q.newest_first = true;
    const ReviewList page = list_review(store, q);
    if (!page.available) return;
    out["available"] = true;
    for (const auto& [k, v] : page.counts.by_status) out["counts"][k] = v;
    out["waiting"] = page.counts.waiting;
    out["superseded"] = page.counts.superseded;
    out["total"] = page.total;
    for (const auto& i : page.items)
      out["items"].push_back({{"id", i.id},
                              {"table", i.table},
                              {"key", i.record_key},
                              {"source_sha256", i.source_sha256},
                              {"source", i.source_name.empty() ? json() : json(i.source_name)},
                              {"status", i.status},
                              {"current", i.current},
                              {"confidence", i.confidence ? json(*i.confidence) : json()},
                              {"reasons", i.reasons}});
  });
  return out;
}

json Dashboard::review_item(int64_t id) {
  json out;
  with_store([&](Store& store) {
    const auto item = ::analytica::review_item(store, id);
    if (!item) throw HttpError(404, "no review item " + std::to_string(id));
    out = json::parse(item->dump());
  });
  return out;
}

json Dashboard::decide_review(int64_t id, const std::string& decision, const std::string& reason,
                              const std::string& who) {
  json out;
  with_store([&](Store& store) {
    if (!review_available(store) || !::analytica::review_item(store, id))
      throw HttpError(404, "no review item " + std::to_string(id));
    try {
      const ReviewDecision d = ::analytica::decide_review(store, id, decision, reason, who);
      out = {{"id", id}, {"status", decision}, {"previous_status", d.previous_status}, {"decided_by", who}};
    } catch (const UserError& e) {
      throw HttpError(409, e.what());
    }
  });
  std::lock_guard<std::mutex> lock(health_mutex_);
  health_.reset();  // the waiting count changed
  return out;
}

std::string Dashboard::crop(const std::string& table, const std::string& key, const std::string& column,
                            const std::string& source, double scale) {
  if (!plain_name(table)) throw HttpError(400, "table: \"" + table + "\" is not a table name");
  // column: one name, or several separated by commas (marked on one crop).
  std::vector<std::string> columns;
  for (size_t at = 0; at <= column.size();) {
    const size_t end = std::min(column.find(',', at), column.size());
    columns.push_back(column.substr(at, end - at));
    at = end + 1;
  }
  if (columns.size() > 16) throw HttpError(400, "column: at most 16 columns");
  for (const auto& c : columns)
    if (!plain_name(c)) throw HttpError(400, "column: \"" + c + "\" is not a column name");
  if (key.empty()) throw HttpError(400, "key: missing");
  if (!source.empty() && (source.size() != 64 || source.find_first_not_of("0123456789abcdef") != std::string::npos))
    throw HttpError(400, "source: expected a lowercase hex SHA-256");
  std::string sha = source;
  if (sha.empty()) {
    const json l = lineage(table, key, columns[0]);
    if (l["sources"].empty()) throw HttpError(404, "no lineage for " + table + " record " + key);
    sha = l["sources"][0]["sha256"].get<std::string>();
  }
  CropRequest request;
  request.scale = scale;
  std::string recorded_sha;
  with_store([&](Store& store) {
    // The cells on the page of the first one that has a position.
    request.page = 0;
    for (const auto& c : columns) {
      const auto cell = lineage_cell(store, table, key, c, sha);
      if (!cell && columns.size() == 1)
        throw HttpError(404, "no lineage for " + table + " record " + key + " column " + c);
      const int page = cell ? static_cast<int>(cell->page.value_or(0)) : 0;
      if (page < 1 || (request.page > 0 && page != request.page)) continue;
      request.page = page;
      request.boxes.push_back({cell->x0, cell->y0, cell->x1, cell->y1});
    }
    if (request.page < 1) throw HttpError(404, "this value has no position on a page");
    const auto src = find_source(store, sha);
    if (!src) throw HttpError(404, "source " + sha + " is not registered");
    request.file = src->path;
    // The extractor that read the file draws the crop (analytica.preview/1).
    if (store.has_table(ANALYTICA_T_LINEAGE_RECORDS)) {
      const auto rec = store.query("SELECT extractor FROM " ANALYTICA_T_LINEAGE_RECORDS
                                   " WHERE table_name = ? AND record_key = ? AND source_sha256 = ?",
                                   {Cell::of(table), Cell::of(key), Cell::of(sha)});
      if (!rec.empty()) request.extractor = cell_text(rec[0][0]);
    }
  });
  std::error_code ec;
  if (!fs::is_regular_file(request.file, ec))
    throw HttpError(404, request.file.filename().string() + ": the source file is no longer at " + request.file.string());
  if (hashes_.sha256(request.file) != sha)
    throw HttpError(409, request.file.filename().string() +
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
    png = renderer_->render(request);
  } catch (const CropError& e) {
    throw HttpError(422, e.what());
  }
  std::lock_guard<std::mutex> lock(crop_mutex_);
  crops_.emplace_front(cache_key, png);
  if (crops_.size() > kCropCacheEntries) crops_.pop_back();
  return png;
}

}  // namespace analytica
