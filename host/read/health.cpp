#include "read/health.h"

#include "read/runs.h"
#include "read/sources.h"
#include "read/store_facts.h"
#include "run/plugin_instance.h"
#include "run/store.h"
#include "run/util.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace analytica {
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

int64_t int_of(const Cell& c) {
  if (c.type == ANALYTICA_INT64) return c.i;
  if (c.type == ANALYTICA_DOUBLE) return static_cast<int64_t>(c.d);
  if (c.type == ANALYTICA_TEXT) {
    try {
      return std::stoll(c.text);
    } catch (...) {
    }
  }
  return 0;
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

struct Civil {
  int year, month, day;
};

Civil today_of(const HealthOptions& o) {
  if (o.today) {
    Civil c{};
    char tail = 0;
    if (std::sscanf(o.today->c_str(), "%4d-%2d-%2d%c", &c.year, &c.month, &c.day, &tail) == 3 && c.month >= 1 &&
        c.month <= 12 && c.day >= 1 && c.day <= 31)
      return c;
    throw UserError("--today: \"" + *o.today + "\" is not a date YYYY-MM-DD");
  }
  const time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  return {utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday};
}

double epoch_of(int year, int month, int day) {
  tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  return static_cast<double>(timegm(&t));
}

void add_check(HealthReport& r, const std::string& name, HealthLevel level, const std::string& message) {
  r.checks.push_back({name, level, message});
  r.level = std::max(r.level, level);
}

// ---------------------------------------------------------------- checks

void check_database(HealthReport& r, Store* store, const HealthOptions& o) {
  json d = json::object();
  if (!store) {
    d["ok"] = false;
    d["error"] = o.store_error;
    r.detail["database"] = d;
    add_check(r, "database", HealthLevel::failing, o.store_error.empty() ? "store not available" : o.store_error);
    return;
  }
  d["store"] = store->description();
  std::string why;
  std::optional<std::vector<std::string>> problems;
  try {
    problems = store_integrity(*store, /*thorough=*/false, &why);
  } catch (const std::exception& e) {
    problems = std::vector<std::string>{e.what()};
  }
  if (!problems) {
    d["integrity"] = "skipped";
    r.detail["database"] = d;
    add_check(r, "database", HealthLevel::healthy,
              store->description() + ": reachable (integrity check not supported by this sink)");
    return;
  }
  d["integrity"] = problems->empty() ? "ok" : "errors";
  d["problems"] = *problems;
  r.detail["database"] = d;
  if (problems->empty())
    add_check(r, "database", HealthLevel::healthy, store->description() + ": integrity check ok");
  else
    add_check(r, "database", HealthLevel::failing,
              store->description() + ": integrity check failed: " + problems->front() +
                  (problems->size() > 1 ? " (+" + std::to_string(problems->size() - 1) + " more)" : ""));
}

void check_runs(HealthReport& r, Store* store, double now) {
  json runs = json::array();
  if (!store) {
    r.detail["runs"] = runs;
    add_check(r, "runs", HealthLevel::failing, "no store: cannot read the run history");
    return;
  }
  if (!runs_recorded(*store)) {
    r.detail["runs"] = runs;
    add_check(r, "runs", HealthLevel::failing, "no runs recorded yet (run a pipeline: analytica run PIPELINE.json)");
    return;
  }
  std::map<std::string, json> last;  // finished run per pipeline
  std::map<std::string, json> running;
  std::vector<std::string> order;
  for (const auto& rec : recent_runs(*store)) {
    const std::string& pipeline = rec.pipeline;
    const std::string& status = rec.status;
    json run = {{"run_id", rec.run_id},
                {"pipeline", pipeline},
                {"started_at", rec.started_at},
                {"ended_at", rec.ended_at ? json(*rec.ended_at) : json()},
                {"status", status},
                {"sources_ingested", rec.sources_ingested},
                {"sources_skipped", rec.sources_unchanged},
                {"sources_failed", rec.sources_failed},
                {"records", rec.records}};
    if (const auto duration = rec.duration_seconds()) run["duration_seconds"] = *duration;
    if (!last.count(pipeline) && !running.count(pipeline)) order.push_back(pipeline);
    if (status == "running") {
      if (!last.count(pipeline) && !running.count(pipeline)) running[pipeline] = run;
      continue;
    }
    if (!last.count(pipeline)) last[pipeline] = run;
  }
  if (order.empty()) {
    r.detail["runs"] = runs;
    add_check(r, "runs", HealthLevel::failing, "no runs recorded yet (run a pipeline: analytica run PIPELINE.json)");
    return;
  }
  HealthLevel worst = HealthLevel::healthy;
  std::vector<std::string> parts;
  for (const auto& pipeline : order) {
    json entry = last.count(pipeline) ? last[pipeline] : json{{"pipeline", pipeline}, {"status", "none"}};
    HealthLevel level = HealthLevel::healthy;
    std::string part = pipeline + ": ";
    if (last.count(pipeline)) {
      const std::string status = entry["status"];
      part += "last run " + status + " at " + entry["ended_at"].get<std::string>() + " (" +
              std::to_string(entry["sources_ingested"].get<int64_t>()) + " ingested, " +
              std::to_string(entry["sources_skipped"].get<int64_t>()) + " unchanged, " +
              std::to_string(entry["sources_failed"].get<int64_t>()) + " failed, " +
              std::to_string(entry["records"].get<int64_t>()) + " records)";
      if (status == "failed") level = HealthLevel::failing;
      else if (status != "succeeded") level = HealthLevel::degraded;
    } else {
      part += "no finished run";
      level = HealthLevel::degraded;
    }
    if (running.count(pipeline)) {
      const json& run = running[pipeline];
      entry["in_progress"] = run;
      const auto start = parse_utc(run["started_at"].is_string() ? run["started_at"].get<std::string>() : "");
      if (start && now - *start > 6 * 3600) {
        part += "; run " + run["run_id"].get<std::string>() + " has been 'running' since " +
                run["started_at"].get<std::string>() + " (crashed?)";
        level = std::max(level, HealthLevel::degraded);
      } else {
        part += "; a run is in progress";
      }
    }
    worst = std::max(worst, level);
    parts.push_back(part);
    runs.push_back(entry);
  }
  r.detail["runs"] = runs;
  std::string message;
  for (const auto& p : parts) message += (message.empty() ? "" : "; ") + p;
  add_check(r, "runs", worst, message);
}

void check_freshness(HealthReport& r, Store* store, const HealthOptions& o, const Civil& today, double now) {
  const std::string table = o.table_prefix + "document";
  json d = {{"table", table}, {"grace_days", o.grace_days}};
  char today_text[48];
  std::snprintf(today_text, sizeof today_text, "%04d-%02d-%02d", today.year, today.month, today.day);
  d["today"] = today_text;
  // The report for month M appears in the first days of M+1: past the
  // grace days of this month, last month's report is due.
  const int this_month = today.year * 12 + (today.month - 1);
  const int expected = this_month - (today.day - 1 >= o.grace_days ? 1 : 2);
  d["expected_report_month"] = month_text(expected);
  if (!store || !store->has_table(table)) {
    d["newest_report_month"] = nullptr;
    r.detail["freshness"] = d;
    add_check(r, "freshness", HealthLevel::failing, "no reports ingested yet (" + table + " is missing)");
    return;
  }
  const auto rows = store->query("SELECT MAX(report_month) FROM " + table);
  const std::string newest = rows.empty() || rows[0].empty() ? "" : cell_text(rows[0][0]);
  const int n = month_index(newest);
  if (n < 0) {
    d["newest_report_month"] = nullptr;
    r.detail["freshness"] = d;
    add_check(r, "freshness", HealthLevel::failing, "no reports ingested yet (" + table + " is empty)");
    return;
  }
  d["newest_report_month"] = newest;
  const int behind = std::max(0, expected - n);
  d["reports_behind"] = behind;
  // The data run through the end of the newest month.
  const double data_end = epoch_of((n + 1) / 12, (n + 1) % 12 + 1, 1);
  d["data_age_seconds"] = std::max(0.0, now - data_end);
  const int next = n + 2;  // the month in which the next report appears
  char due[48];
  std::snprintf(due, sizeof due, "%04d-%02d-%02d", next / 12, next % 12 + 1, std::min(28, o.grace_days + 1));
  d["next_report_due"] = due;
  d["stale"] = behind > 0;
  r.detail["freshness"] = d;
  const std::string facts = "newest report " + newest + ", expected " + month_text(expected) + " by " + today_text +
                            " (grace " + std::to_string(o.grace_days) + " days)";
  if (behind == 0) add_check(r, "freshness", HealthLevel::healthy, facts + ": fresh");
  else
    add_check(r, "freshness", behind == 1 ? HealthLevel::degraded : HealthLevel::failing,
              facts + ": stale, " + std::to_string(behind) + (behind == 1 ? " report" : " reports") + " behind");
}

void check_review(HealthReport& r, Store* store) {
  json d = json::object();
  if (!store || !store->has_table("review_queue")) {
    d["available"] = false;
    d["pending"] = 0;
    r.detail["review"] = d;
    add_check(r, "review", HealthLevel::healthy, "no review queue");
    return;
  }
  // Only current items: a pending item whose record a newer report has
  // since replaced (is_current = 0) no longer waits for anyone.
  const auto rows = store->query("SELECT COUNT(*) FROM review_queue WHERE status = 'pending' AND is_current = 1");
  const int64_t pending = rows.empty() ? 0 : int_of(rows[0][0]);
  d["available"] = true;
  d["pending"] = pending;
  r.detail["review"] = d;
  if (pending == 0) add_check(r, "review", HealthLevel::healthy, "no records waiting for review");
  else
    add_check(r, "review", HealthLevel::degraded,
              std::to_string(pending) + (pending == 1 ? " record waits" : " records wait") +
                  " for review (analytica review)");
}

void check_sources(HealthReport& r, Store* store, const HealthOptions& o, SourceHashCache* cache) {
  json d = {{"checked", 0}, {"changed", json::array()}, {"missing", json::array()}};
  if (!store || !sources_registered(*store)) {
    r.detail["sources"] = d;
    add_check(r, "sources", HealthLevel::healthy, "no sources registered");
    return;
  }
  std::vector<SourceRecord> ingested;
  for (auto& s : list_sources(*store))
    if (s.status == "ingested") ingested.push_back(std::move(s));
  std::stable_sort(ingested.begin(), ingested.end(),
                   [](const SourceRecord& a, const SourceRecord& b) { return a.name < b.name; });
  if (!o.hash_sources) {
    d["skipped"] = true;
    r.detail["sources"] = d;
    add_check(r, "sources", HealthLevel::healthy, std::to_string(ingested.size()) + " sources (not hashed)");
    return;
  }
  SourceHashCache local;
  SourceHashCache& hashes = cache ? *cache : local;
  int64_t checked = 0;
  for (const auto& s : ingested) {
    ++checked;
    const SourceIntegrity integrity = source_integrity(s, &hashes);
    const std::string path = s.location().string();
    if (integrity.state == "missing")
      d["missing"].push_back({{"name", s.name}, {"path", path}, {"sha256", s.sha256}});
    else if (integrity.state != "ok")
      d["changed"].push_back({{"name", s.name}, {"path", path}, {"sha256", s.sha256}, {"sha256_now", integrity.sha256_now}});
  }
  d["checked"] = checked;
  r.detail["sources"] = d;
  const size_t changed = d["changed"].size(), missing = d["missing"].size();
  if (!changed && !missing) {
    add_check(r, "sources", HealthLevel::healthy,
              std::to_string(checked) + (checked == 1 ? " source" : " sources") + " unchanged since ingest");
    return;
  }
  std::string message;
  if (changed) {
    message = std::to_string(changed) + (changed == 1 ? " source" : " sources") + " changed since ingest (" +
              d["changed"][0]["name"].get<std::string>() + (changed > 1 ? ", ..." : "") +
              "): run the pipeline to ingest the new version";
  }
  if (missing) {
    message += std::string(message.empty() ? "" : "; ") + std::to_string(missing) +
               (missing == 1 ? " source file" : " source files") + " missing (" +
               d["missing"][0]["name"].get<std::string>() + (missing > 1 ? ", ..." : "") + ")";
  }
  add_check(r, "sources", HealthLevel::degraded, message);
}

uintmax_t tree_size(const fs::path& dir) {
  uintmax_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2)) total += it->file_size(e2);
  }
  return total;
}

void check_disk(HealthReport& r, const HealthOptions& o) {
  json d = json::object();
  std::error_code ec;
  d["data_dir"] = o.data_dir.string();
  const uintmax_t data = fs::is_directory(o.data_dir, ec) ? tree_size(o.data_dir) : 0;
  d["data_dir_bytes"] = data;
  uintmax_t db = 0;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const fs::path f = o.database.string() + suffix;
    if (!o.database.empty() && fs::is_regular_file(f, ec)) db += fs::file_size(f, ec);
  }
  d["database_bytes"] = db;
  fs::path probe = o.data_dir;
  while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
  if (probe.empty()) probe = ".";
  const fs::space_info space = fs::space(probe, ec);
  std::string message = "data dir " + o.data_dir.string() + ": " + human_bytes(static_cast<double>(data)) +
                        " (database " + human_bytes(static_cast<double>(db)) + ")";
  if (ec) {
    r.detail["disk"] = d;
    add_check(r, "disk", HealthLevel::healthy, message + "; free space unknown");
    return;
  }
  d["available_bytes"] = space.available;
  d["capacity_bytes"] = space.capacity;
  r.detail["disk"] = d;
  message += "; " + human_bytes(static_cast<double>(space.available)) + " free";
  const double free_mb = static_cast<double>(space.available) / (1024.0 * 1024.0);
  if (free_mb < o.min_free_mb)
    add_check(r, "disk", HealthLevel::failing,
              message + " (below " + std::to_string(static_cast<long long>(o.min_free_mb)) + " MB)");
  else
    add_check(r, "disk", HealthLevel::healthy, message);
}

}  // namespace

const char* level_name(HealthLevel level) {
  switch (level) {
    case HealthLevel::healthy: return "healthy";
    case HealthLevel::degraded: return "degraded";
    default: return "failing";
  }
}

std::string SourceHashCache::sha256(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return "";
  const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  const std::string key = file.string();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.size == static_cast<uintmax_t>(st.st_size) && it->second.mtime_ns == mtime)
      return it->second.sha256;
  }
  std::string digest;
  try {
    digest = sha256_file(file);
  } catch (const std::exception&) {
    return "";
  }
  std::lock_guard<std::mutex> lock(mutex_);
  entries_[key] = {static_cast<uintmax_t>(st.st_size), mtime, digest};
  return digest;
}

int month_index(const std::string& s) {
  int y = 0, m = 0;
  char tail = 0;
  if (s.size() != 7 || std::sscanf(s.c_str(), "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12) return -1;
  return y * 12 + (m - 1);
}

std::string month_text(int index) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d", index / 12, index % 12 + 1);
  return buf;
}

std::optional<double> parse_utc(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  double s = 0;
  if (text.size() == 10 && std::sscanf(text.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3) {
  } else if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf", &y, &mo, &d, &h, &mi, &s) != 6) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  return epoch_of(y, mo, d) + h * 3600.0 + mi * 60.0 + s;
}

json HealthReport::to_json() const {
  json checks_json = json::array();
  for (const auto& c : checks)
    checks_json.push_back({{"name", c.name}, {"status", level_name(c.level)}, {"message", c.message}});
  json out = {{"status", level_name(level)}, {"exit_code", exit_code()}, {"checked_at", checked_at},
              {"checks", checks_json}};
  for (auto it = detail.begin(); it != detail.end(); ++it) out[it.key()] = it.value();
  return out;
}

HealthReport check_health(Store* store, const HealthOptions& options, SourceHashCache* cache) {
  HealthReport r;
  r.checked_at = now_iso8601();
  const Civil today = today_of(options);
  const double now = static_cast<double>(now_unix_ms()) / 1000.0;
  // With a given date, data ages are measured from its noon.
  const double as_of = options.today ? epoch_of(today.year, today.month, today.day) + 12 * 3600.0 : now;
  // Each check stands alone: one that cannot read its table fails by itself.
  auto guarded = [&](const char* name, auto&& f) {
    try {
      f();
    } catch (const UserError&) {
      throw;
    } catch (const std::exception& e) {
      add_check(r, name, HealthLevel::failing, e.what());
    }
  };
  guarded("database", [&] { check_database(r, store, options); });
  guarded("runs", [&] { check_runs(r, store, now); });
  guarded("freshness", [&] { check_freshness(r, store, options, today, as_of); });
  guarded("review", [&] { check_review(r, store); });
  guarded("sources", [&] { check_sources(r, store, options, cache); });
  guarded("disk", [&] { check_disk(r, options); });
  return r;
}

}  // namespace analytica
