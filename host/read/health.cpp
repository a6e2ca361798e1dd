#include "read/health.h"
#include "read/review.h"

#include "read/datasets.h"
#include "read/ignored.h"
#include "run/sql.h"

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
                {"records", rec.records},
                {"last_seen", rec.last_seen}};
    if (status == "abandoned" && rec.message) run["message"] = *rec.message;
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
      if (status == "abandoned") part += " (its process ended without saying so; last seen " +
                                         entry["last_seen"].get<std::string>() + ")";
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

// "YYYY-MM" -> months since year 0, "YYYY" -> the year; -1 otherwise.
// A yearly dataset may name its period by year or by the month surveyed
// ("2022-10"): the year counts.
int period_index(const std::string& period, bool yearly) {
  if (!yearly) return month_index(period);
  const std::string year = period.size() == 7 && month_index(period) >= 0 ? period.substr(0, 4) : period;
  if (year.size() != 4 || year.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoi(year);
}

std::string period_text(int index, bool yearly) { return yearly ? std::to_string(index) : month_text(index); }

// Freshness of one declared dataset: its newest approved period against
// the period its cadence says should be in by today, and the periods
// missing between its first and its newest.
json dataset_freshness(Store& store, const View& view, const Dataset& ds, const HealthOptions& o, const Civil& today,
                       double now, HealthLevel& level, std::string& message) {
  const bool yearly = ds.cadence.kind == "yearly";
  const int this_month = today.year * 12 + (today.month - 1);
  int expected;
  if (yearly) {
    // The report on month M of year Y is due within due_months after M.
    expected = today.year;
    while (expected * 12 + (ds.cadence.month - 1) + ds.cadence.due_months > this_month) --expected;
  } else {
    // The report for month M appears in the first days of M+1: past the
    // grace days of this month, last month's report is due.
    expected = this_month - (today.day - 1 >= o.grace_days ? 1 : 2);
  }
  const std::string name = view.id + "/" + ds.id;
  json d = {{"view", view.id}, {"dataset", ds.id}, {"table", ds.table}, {"cadence", ds.cadence.kind},
            {"expected_period", period_text(expected, yearly)}};
  const std::string source = !ds.validated.empty() && store.has_table(ds.validated) ? ds.validated : ds.table;
  std::vector<int> periods;
  // The dataset's fixed filters narrow what counts (one table may hold
  // several datasets).
  std::vector<Cell> params;
  const std::string where = dataset_where_sql(ds, params);
  if (store.has_table(source))
    for (const auto& row : store.query("SELECT DISTINCT " + quoted_name(ds.period_column) + " FROM " +
                                           quoted_name(source) + where,
                                       params)) {
      const int i = period_index(cell_text(row[0]), yearly);
      if (i >= 0) periods.push_back(i);
    }
  std::sort(periods.begin(), periods.end());
  if (periods.empty()) {
    d["newest_period"] = nullptr;
    level = HealthLevel::failing;
    message = name + ": no approved figures yet (" + source + (store.has_table(source) ? " is empty)" : " is missing)");
    return d;
  }
  const int newest = periods.back();
  d["newest_period"] = period_text(newest, yearly);
  const int behind = std::max(0, expected - newest);
  d["periods_behind"] = behind;
  d["stale"] = behind > 0;
  json missing = json::array();
  for (size_t i = 1; i < periods.size(); ++i)
    for (int p = periods[i - 1] + 1; p < periods[i]; ++p) missing.push_back(period_text(p, yearly));
  d["missing_periods"] = missing;
  if (!yearly) {
    const double data_end = epoch_of((newest + 1) / 12, (newest + 1) % 12 + 1, 1);
    d["data_age_seconds"] = std::max(0.0, now - data_end);
    const int next = newest + 2;  // the month in which the next report appears
    char due[48];
    std::snprintf(due, sizeof due, "%04d-%02d-%02d", next / 12, next % 12 + 1, std::min(28, o.grace_days + 1));
    d["next_report_due"] = due;
  }
  message = name + ": newest " + period_text(newest, yearly) + ", expected " + period_text(expected, yearly);
  level = behind == 0 ? HealthLevel::healthy : behind == 1 ? HealthLevel::degraded : HealthLevel::failing;
  message += behind == 0 ? ": fresh"
                         : ": stale, " + std::to_string(behind) + (yearly ? (behind == 1 ? " year" : " years")
                                                                          : (behind == 1 ? " report" : " reports")) +
                               " behind";
  if (!missing.empty()) {
    level = std::max(level, HealthLevel::degraded);
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m.get<std::string>();
    message += "; missing " + list;
  }
  return d;
}

void check_freshness(HealthReport& r, Store* store, const HealthOptions& o, const Civil& today, double now) {
  char today_text[48];
  std::snprintf(today_text, sizeof today_text, "%04d-%02d-%02d", today.year, today.month, today.day);
  json d = {{"today", today_text}, {"grace_days", o.grace_days}, {"datasets", json::array()}};
  if (!store) {
    r.detail["freshness"] = d;
    add_check(r, "freshness", HealthLevel::failing, "store not available");
    return;
  }
  const std::vector<View> views = o.views ? *o.views : declared_views(*store, nullptr);
  HealthLevel worst = HealthLevel::healthy;
  std::string message;
  for (const auto& v : views)
    for (const auto& ds : v.datasets) {
      HealthLevel level = HealthLevel::healthy;
      std::string part;
      json one = dataset_freshness(*store, v, ds, o, today, now, level, part);
      // The first dataset's facts also at the top, as the overview shows them.
      if (d["datasets"].empty())
        for (auto it = one.begin(); it != one.end(); ++it) d[it.key()] = it.value();
      d["datasets"].push_back(one);
      worst = std::max(worst, level);
      message += (message.empty() ? "" : "; ") + part;
    }
  r.detail["freshness"] = d;
  if (d["datasets"].empty()) {
    add_check(r, "freshness", HealthLevel::healthy, "no views declared: freshness is not judged (see docs/views.md)");
    return;
  }
  add_check(r, "freshness", worst, message + " (as of " + today_text + ", grace " + std::to_string(o.grace_days) + " days)");
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
  // Only waiting items (read/review.h): a pending item whose record a newer
  // report has since replaced (is_current = 0) is superseded.
  const ReviewCounts counts = review_counts(*store);
  const int64_t pending = counts.waiting;
  d["available"] = true;
  d["pending"] = pending;
  d["superseded"] = counts.superseded;
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
  // Inputs a person set aside: listed, not a problem in themselves.
  json ignored = json::array();
  std::string ignored_note;
  for (const auto& i : ignored_inputs(*store)) {
    ignored.push_back({{"name", i.name}, {"reason", i.reason}, {"decided_by", i.decided_by}, {"decided_at", i.decided_at}});
    ignored_note += (ignored_note.empty() ? "; ignored: " : ", ") + i.name + " (" + i.reason + ")";
  }
  d["ignored"] = ignored;
  r.detail["sources"] = d;
  const size_t changed = d["changed"].size(), missing = d["missing"].size();
  if (!changed && !missing) {
    add_check(r, "sources", HealthLevel::healthy,
              std::to_string(checked) + (checked == 1 ? " source" : " sources") + " unchanged since ingest" +
                  ignored_note);
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
  add_check(r, "sources", HealthLevel::degraded, message + ignored_note);
}

// Fetched inputs (any URI but file://: local files are the sources check's)
// whose source has kept failing to hand them over, or whose ingest kept
// failing, for longer than fetch_warn_days, as of `as_of`.
void check_fetches(HealthReport& r, Store* store, const HealthOptions& o, double as_of) {
  json d = {{"checked", 0}, {"warn_days", o.fetch_warn_days}, {"failing", json::array()}};
  std::vector<FetchRecord> fetches;
  if (store)
    for (auto& f : list_fetches(*store))
      if (f.uri.rfind("file://", 0) != 0) fetches.push_back(std::move(f));
  d["checked"] = fetches.size();
  std::vector<std::string> overdue;
  size_t failing = 0;
  for (const auto& f : fetches) {
    if (!f.failing_since) continue;
    ++failing;
    const std::optional<double> since = parse_utc(*f.failing_since);
    const double age = since ? as_of - *since : 0;
    const int days = static_cast<int>(age / 86400);
    d["failing"].push_back({{"uri", f.uri}, {"name", f.name}, {"failing_since", *f.failing_since}, {"days", days},
                            {"last_error", f.last_error ? json(*f.last_error) : json(nullptr)},
                            {"last_ok", f.last_ok ? json(*f.last_ok) : json(nullptr)}});
    if (age > o.fetch_warn_days * 86400.0)
      overdue.push_back("fetch of " + f.uri + " has failed for " + std::to_string(days) +
                        (days == 1 ? " day" : " days") + " (since " + *f.failing_since + "): " +
                        f.last_error.value_or("failed"));
  }
  r.detail["fetches"] = d;
  if (!overdue.empty()) {
    add_check(r, "fetches", HealthLevel::degraded,
              overdue.front() + (overdue.size() > 1 ? "; and " + std::to_string(overdue.size() - 1) + " more" : ""));
    return;
  }
  const std::string what =
      std::to_string(fetches.size()) + (fetches.size() == 1 ? " fetched input" : " fetched inputs") + " checked";
  add_check(r, "fetches", HealthLevel::healthy,
            failing ? what + ", " + std::to_string(failing) + " failing for at most " +
                          std::to_string(o.fetch_warn_days) + (o.fetch_warn_days == 1 ? " day" : " days")
                    : what + ", none failing");
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
  guarded("fetches", [&] { check_fetches(r, store, options, as_of); });
  guarded("disk", [&] { check_disk(r, options); });
  return r;
}

}  // namespace analytica
