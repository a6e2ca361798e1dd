// The data behind `analytica serve`: health, the overview, the market
// series, lineage of one record, the review queue, Prometheus metrics and
// page crops — each a read through the Store (the primary sink's read
// interface), shaped as JSON for the pages. No HTTP here (serve_http.cpp).
//
// Thread-safe: HTTP worker threads call in concurrently; store reads are
// serialised (a plugin instance is called from one thread at a time), crops
// are rendered outside the store lock.
#ifndef ANALYTICA_HOST_SERVE_DASHBOARD_H
#define ANALYTICA_HOST_SERVE_DASHBOARD_H

#include "run/config.h"
#include "read/health.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace analytica {

class Store;
class CropRenderer;

// A request the dashboard cannot answer: carries the HTTP status to send.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// The JSON text the dashboard sends for a value (invalid UTF-8 replaced).
std::string json_text(const nlohmann::json& value);

struct DashboardOptions {
  Settings settings;
  std::string pipeline_file;         // "" = the embedded SQLite database
  HealthOptions health;
  std::filesystem::path metrics_dir;  // monitor_metrics' directory (state.json, analytica.prom)
  double health_cache_seconds = 3;    // /health, /metrics and the overview share one report
  size_t answer_cache_entries = 256;  // cached() answers kept (all dropped beyond)
};

class Dashboard {
 public:
  explicit Dashboard(DashboardOptions options);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // The health report (cached for options.health_cache_seconds). While one
  // caller recomputes an expired report, the others get the previous one.
  HealthReport health();

  // The JSON text of an answer that depends only on the store's contents
  // (a view, lineage, the review queue): compute() runs once per store
  // change and its text is kept under `key` (the request's path and query)
  // until the store's change counter (analytica.sink.admin/1) moves, asked
  // once per call and before computing. Callers arriving while the same
  // answer is computed wait for it. Without a counter (a sink without the
  // member) compute() runs every time. What compute() throws propagates
  // and is not kept.
  std::shared_ptr<const std::string> cached(const std::string& key, const std::function<nlohmann::json()>& compute);

  // Health, recent runs, row counts and the progress of runs in flight.
  nlohmann::json overview();

  // The declared views (read/datasets.h): their declarations, and one
  // view's datasets with their rows — approved figures, plus unapproved
  // ones, marked, when include_pending. Throws HttpError 404 for an
  // unknown view.
  nlohmann::json views();
  nlohmann::json view(const std::string& id, bool include_pending);

  // Where one record came from: its current row, and per source the report,
  // run, and each cell's page, box and confidence. column narrows the cells
  // ("" = all). Throws HttpError 404 if nothing is known about the record.
  nlohmann::json lineage(const std::string& table, const std::string& key, const std::string& column);

  // Review items matching a status filter (read/review.h: "pending" means
  // waiting), newest first, one page of them with the total and the counts.
  nlohmann::json review(const std::string& status, int64_t offset, int limit);
  // One review item in full; HttpError 404 if there is none.
  nlohmann::json review_item(int64_t id);
  // Approves or rejects an item for `who`; HttpError 404/409 if unknown or
  // already so decided.
  nlohmann::json decide_review(int64_t id, const std::string& decision, const std::string& reason,
                               const std::string& who);

  // Prometheus text exposition (format 0.0.4).
  std::string metrics();

  // PNG of the page region around one cell, the box outlined. source is the
  // file's SHA-256 ("" = the source of the current row). Throws HttpError
  // 404 (no such cell, no page position, file gone) or 409 (file changed).
  std::string crop(const std::string& table, const std::string& key, const std::string& column,
                   const std::string& source, double scale);

 private:
  // Runs f(Store&) under the store lock, opening the store on first use
  // (and again after a failure, at most every 2 s). Throws HttpError 503
  // if it cannot be opened.
  void with_store(const std::function<void(Store&)>& f);
  Store* store_locked();  // caller holds store_mutex_; null if it cannot be opened

  DashboardOptions options_;
  std::unique_ptr<Pipeline> pipeline_;  // when options.pipeline_file names one
  std::mutex store_mutex_;
  std::unique_ptr<Store> store_;
  std::string store_error_;
  std::chrono::steady_clock::time_point last_open_attempt_{};
  SourceHashCache hashes_;

  // The store's change counter; nullopt if the store is not open or its
  // sink has none. Takes the store lock.
  std::optional<uint64_t> change_counter();

  std::mutex health_mutex_;
  std::optional<HealthReport> health_;
  std::chrono::steady_clock::time_point health_at_{};
  bool health_refreshing_ = false;

  struct CachedAnswer {
    uint64_t counter = 0;
    std::shared_future<std::shared_ptr<const std::string>> text;
  };
  std::mutex answers_mutex_;
  std::map<std::string, CachedAnswer> answers_;

  std::mutex crop_mutex_;
  std::list<std::pair<std::string, std::string>> crops_;  // most recent first: (key, png)
  std::unique_ptr<CropRenderer> renderer_;                 // the extractors' previews (serve/crop.h)
};

}  // namespace analytica

#endif  // ANALYTICA_HOST_SERVE_DASHBOARD_H
