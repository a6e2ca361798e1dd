// Health of an installation: the checks `analytica status` prints and
// `analytica serve` answers /health, /metrics and the overview page with —
// last run per pipeline, data freshness, pending review items, sources
// changed on disk since ingest, database integrity and disk use. One code
// path for both commands; everything is read through the Store (the sink's
// read interface), plus the data directory and the source files themselves.
#ifndef ANALYTICA_HOST_READ_HEALTH_H
#define ANALYTICA_HOST_READ_HEALTH_H

#include "run/cell_format.h"
#include "run/views.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace analytica {

class Store;

// A check's outcome; the report's overall level is the worst of them.
enum class HealthLevel { healthy = 0, degraded = 1, failing = 2 };

// "healthy" | "degraded" | "failing".
const char* level_name(HealthLevel level);

struct HealthOptions {
  std::filesystem::path data_dir;
  std::filesystem::path database;  // the embedded database, for disk use
  std::string table_prefix;  // the data tables' prefix (pipeline table_prefix)
  // The views whose datasets freshness judges: a given pipeline's; unset =
  // every pipeline's as recorded in the store (read/datasets.h).
  std::optional<std::vector<View>> views;
  // Days into a month after which the previous month's report must be in
  // (CREB publishes in the first days of each month).
  int grace_days = 7;
  std::optional<std::string> today;  // YYYY-MM-DD (UTC); default: the current date
  double min_free_mb = 100;          // less free space on the data dir's disk: failing
  bool hash_sources = true;          // compare governance's SHA-256 with the files on disk
  int fetch_warn_days = 3;           // an input failing for longer than this: degraded
  std::string store_error;           // why the store could not be opened (store == nullptr)
};

// SHA-256 of files, remembered by (path, size, mtime) so a server re-hashes
// only what changed. Thread-safe.
class SourceHashCache {
 public:
  // Lowercase hex digest, or "" if the file cannot be read.
  std::string sha256(const std::filesystem::path& file);

 private:
  struct Entry {
    uintmax_t size = 0;
    int64_t mtime_ns = 0;
    std::string sha256;
  };
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

struct HealthCheck {
  std::string name;  // database | runs | freshness | review | sources | fetches | disk
  HealthLevel level = HealthLevel::healthy;
  std::string message;  // one line
};

struct HealthReport {
  HealthLevel level = HealthLevel::healthy;
  std::string checked_at;  // ISO 8601 UTC
  std::vector<HealthCheck> checks;
  // Facts behind the checks: "database", "runs" (last run per pipeline),
  // "freshness", "review", "sources", "fetches", "disk".
  nlohmann::json detail = nlohmann::json::object();

  // Exit status of `analytica status`: 0 healthy, 1 degraded, 2 failing.
  int exit_code() const { return static_cast<int>(level); }
  nlohmann::json to_json() const;
};

// Runs every check. store may be null when it could not be opened
// (options.store_error says why): the database check then fails and the
// checks that need it say so. cache may be null (hash every time).
HealthReport check_health(Store* store, const HealthOptions& options, SourceHashCache* cache = nullptr);

// Month arithmetic on "YYYY-MM": months since year 0, or -1 if malformed.
int month_index(const std::string& yyyy_mm);
std::string month_text(int index);

// Seconds since the epoch for "YYYY-MM-DDTHH:MM:SS[.fff]Z" or "YYYY-MM-DD";
// nullopt if malformed.
std::optional<double> parse_utc(const std::string& text);

}  // namespace analytica

#endif  // ANALYTICA_HOST_READ_HEALTH_H
