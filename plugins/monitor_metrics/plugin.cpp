// monitor_metrics: keeps run metrics on disk for `analytica serve` (a
// different process) and for Prometheus' node_exporter textfile collector.
//
// In the directory given by the `dir` setting it maintains:
//   state.json      counters persisted across runs, per pipeline, plus the
//                   progress of the run in flight ("analytica.metrics/1");
//   analytica.prom  the same counters in the Prometheus text format, names
//                   prefixed analytica_monitor_ (serve appends it to /metrics).
// Both are rewritten on every event (write to a temporary file, then rename,
// so readers never see half a file), under an exclusive lock on dir/.lock so
// two pipelines running at once do not lose each other's counts.
//
// Only what only a monitor sees is kept here: warnings and errors by
// plugin, events by kind, and the live progress of a run. Counts of
// committed things (runs by status, inputs, records, durations) are not:
// events a killed run never sent make such counts drift from the store, so
// /metrics computes them from governance's committed rows instead. A run in
// flight whose process is gone (killed) is marked ended, as `abandoned`, at
// the next event of any run on this host.
#include <analytica.h>
#include <analytica_cpp.hpp>
#include <analytica_prometheus.hpp>
#include <analytica_run_liveness.hpp>
#include <nlohmann/json.hpp>

#include "instance_glue.h"
#include "settings_table.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace {
namespace fs = std::filesystem;
using analytica::Failure;
using nlohmann::json;

struct Metrics {
  const analytica_host* host = nullptr;
  fs::path dir;
};

const char* kind_name(analytica_event_kind k) {
  switch (k) {
    case ANALYTICA_EVENT_RUN_START: return "run_start";
    case ANALYTICA_EVENT_SOURCE_START: return "source_start";
    case ANALYTICA_EVENT_RECORDS_WRITTEN: return "records_written";
    case ANALYTICA_EVENT_SOURCE_DONE: return "source_done";
    case ANALYTICA_EVENT_SOURCE_SKIPPED: return "source_skipped";
    case ANALYTICA_EVENT_SOURCE_FAILED: return "source_failed";
    case ANALYTICA_EVENT_WARNING: return "warning";
    case ANALYTICA_EVENT_ERROR: return "error";
    case ANALYTICA_EVENT_RUN_END: return "run_end";
  }
  return "other";
}

std::string str(const char* s) { return s ? s : ""; }

// An exclusive advisory lock on a file, released on scope exit.
class FileLock {
 public:
  explicit FileLock(const fs::path& file) : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw Failure(ANALYTICA_ERR_IO, file.string() + ": cannot open lock file: " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      throw Failure(ANALYTICA_ERR_IO, file.string() + ": cannot lock: " + std::strerror(errno));
    }
  }
  ~FileLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// Reads state.json; a missing or unreadable file starts afresh (counters
// reset, as Prometheus expects of a restarted exporter).
json load_state(const fs::path& file) {
  std::ifstream in(file);
  if (in) {
    json j = json::parse(in, nullptr, false);
    if (j.is_object() && j.value("format", "") == "analytica.metrics/1" && j.contains("pipelines") &&
        j["pipelines"].is_object())
      return j;
  }
  return json{{"format", "analytica.metrics/1"}, {"pipelines", json::object()}};
}

// Writes text to file through a temporary file and rename.
void replace_file(const fs::path& file, const std::string& text) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw Failure(ANALYTICA_ERR_IO, tmp.string() + ": cannot write");
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw Failure(ANALYTICA_ERR_IO, file.string() + ": cannot replace: " + ec.message());
}

void add(json& obj, const std::string& key, double by = 1) {
  if (!obj.is_object()) obj = json::object();
  obj[key] = obj.value(key, 0.0) + by;
}

// The state as Prometheus text, every name prefixed analytica_monitor_.
std::string prometheus(const json& state) {
  using analytica::prometheus::Exposition;
  Exposition out;
  struct Family {
    const char* name;
    const char* help;
    const char* key;    // object in the pipeline's state
    const char* label;  // label for the object's keys
  };
  const Family families[] = {
      {"analytica_monitor_events_total", "Run events received, by kind.", "events_total", "kind"},
      {"analytica_monitor_warnings_total", "Warnings raised during runs, by plugin.", "warnings_total", "plugin"},
      {"analytica_monitor_errors_total", "Errors raised during runs, by plugin.", "errors_total", "plugin"},
  };
  const json& pipelines = state["pipelines"];
  for (const auto& f : families) {
    out.family(f.name, "counter", f.help);
    for (auto it = pipelines.begin(); it != pipelines.end(); ++it) {
      if (!it.value().contains(f.key) || !it.value()[f.key].is_object()) continue;
      const json& v = it.value()[f.key];
      for (auto k = v.begin(); k != v.end(); ++k)
        out.sample(f.name, {{"pipeline", it.key()}, {f.label, k.key()}}, k.value().get<double>());
    }
  }
  const struct {
    const char* name;
    const char* help;
    const char* key;
  } gauges[] = {
      {"analytica_monitor_run_in_progress", "1 while a run of the pipeline is in flight.", "running"},
      {"analytica_monitor_run_sources_done", "Sources finished by the run in flight (or the last run).",
       "sources_done"},
      {"analytica_monitor_run_records", "Records written by the run in flight (or the last run).", "records"},
      {"analytica_monitor_last_event_timestamp_seconds", "Time of the last event received.", "last_event_unix_ms"},
  };
  for (const auto& g : gauges) {
    out.family(g.name, "gauge", g.help);
    for (auto it = pipelines.begin(); it != pipelines.end(); ++it) {
      const json& cur = it.value().value("current", json::object());
      if (!cur.contains(g.key)) continue;
      double v = cur[g.key].is_boolean() ? (cur[g.key].get<bool>() ? 1.0 : 0.0) : cur[g.key].get<double>();
      if (std::string(g.key) == "last_event_unix_ms") v /= 1000.0;
      out.sample(g.name, {{"pipeline", it.key()}}, v);
    }
  }
  return out.str();
}

// Ends the in-flight runs of this host whose process is gone (killed before
// its RUN_END): not running any more, status abandoned.
void close_abandoned(json& pipelines, const std::string& this_host) {
  for (auto it = pipelines.begin(); it != pipelines.end(); ++it) {
    if (!it.value().is_object() || !it.value().contains("current")) continue;
    json& cur = it.value()["current"];
    if (!cur.is_object() || !cur.value("running", false) || cur.value("host", "") != this_host) continue;
    if (analytica::process_alive(cur.value("pid", int64_t{0}), cur.value("process_start", int64_t{0}))) continue;
    cur["running"] = false;
    cur["source"] = "";
    cur["status"] = "abandoned";
  }
}

// Applies one event to the pipeline's counters and live progress.
void apply(json& p, const analytica_event& ev) {
  for (const char* dropped : {"runs_total", "sources_total", "records_written_total", "run_duration_seconds"})
    p.erase(dropped);  // kept by versions before 1.1.0: committed counts, now /metrics'
  add(p["events_total"], kind_name(ev.kind));
  json& cur = p["current"];
  if (!cur.is_object()) cur = json::object();
  const std::string plugin = ev.plugin ? ev.plugin : "host";
  switch (ev.kind) {
    case ANALYTICA_EVENT_RUN_START: {
      const int64_t pid = static_cast<int64_t>(::getpid());
      cur = json{{"run_id", str(ev.run_id)},       {"running", true},   {"started_unix_ms", ev.time_unix_ms},
                 {"sources_done", 0},              {"sources_failed", 0}, {"records", 0},
                 {"source", ""},                   {"host", analytica::run_host_name()}, {"pid", pid},
                 {"process_start", analytica::process_start_ticks(pid)}};
      break;
    }
    case ANALYTICA_EVENT_SOURCE_START:
      cur["source"] = str(ev.source);
      break;
    case ANALYTICA_EVENT_SOURCE_DONE:
    case ANALYTICA_EVENT_SOURCE_SKIPPED:
    case ANALYTICA_EVENT_SOURCE_FAILED:
      cur["sources_done"] = ev.sources_done + 1;
      if (ev.kind == ANALYTICA_EVENT_SOURCE_FAILED) cur["sources_failed"] = cur.value("sources_failed", 0) + 1;
      if (ev.kind == ANALYTICA_EVENT_SOURCE_DONE) cur["records"] = cur.value("records", uint64_t{0}) + ev.records;
      cur["source"] = "";
      break;
    case ANALYTICA_EVENT_WARNING:
      add(p["warnings_total"], plugin);
      break;
    case ANALYTICA_EVENT_ERROR:
      add(p["errors_total"], plugin);
      break;
    case ANALYTICA_EVENT_RUN_END: {
      const int64_t start = cur.value("started_unix_ms", ev.time_unix_ms);
      cur["running"] = false;
      cur["source"] = "";
      cur["records"] = ev.records;
      cur["sources_done"] = ev.sources_done;
      cur["ended_unix_ms"] = ev.time_unix_ms;
      cur["status"] = ev.status == ANALYTICA_OK                ? "succeeded"
                      : ev.status == ANALYTICA_ERR_CANCELLED ? "cancelled"
                                                             : "failed";
      cur["duration_seconds"] = std::max<double>(0, static_cast<double>(ev.time_unix_ms - start) / 1000.0);
      break;
    }
    default:
      break;
  }
  cur["last_event_unix_ms"] = ev.time_unix_ms;
}

std::unique_ptr<Metrics> make_metrics(const analytica_host* host, const nlohmann::json& s) {
  auto m = std::make_unique<Metrics>();
  m->host = host;
  m->dir = s.at("dir").get<std::string>();
  if (m->dir.empty()) throw Failure(ANALYTICA_ERR_INVALID, "settings: dir: expected a directory");
  std::error_code ec;
  fs::create_directories(m->dir, ec);
  if (!fs::is_directory(m->dir))
    throw Failure(ANALYTICA_ERR_IO,
                  m->dir.string() + ": cannot create the metrics directory" + (ec ? ": " + ec.message() : ""));
  return m;
}

analytica_status on_event(void* self, const analytica_event* raw) {
  return analytica::glue::guarded<Metrics>(self, [&](Metrics* m) {
    if (!raw) return ANALYTICA_ERR_INVALID;
    const analytica_event ev = analytica::read_sized(raw);
    const FileLock lock(m->dir / ".lock");
    json state = load_state(m->dir / "state.json");
    json& p = state["pipelines"][ev.pipeline && *ev.pipeline ? ev.pipeline : "unnamed"];
    if (!p.is_object()) p = json::object();
    close_abandoned(state["pipelines"], analytica::run_host_name());
    apply(p, ev);
    state["updated_unix_ms"] = ev.time_unix_ms;
    replace_file(m->dir / "state.json", state.dump(1) + "\n");
    replace_file(m->dir / "analytica.prom", prometheus(state));
    return ANALYTICA_OK;
  });
}

const analytica_monitor_v1 kMonitor = {sizeof(analytica_monitor_v1), on_event};

}  // namespace

ANALYTICA_PLUGIN(ANALYTICA_KIND_MONITOR, "monitor_metrics", "1.1.0",
                 "run metrics on disk (state.json + Prometheus textfile) for `analytica serve` and node_exporter",
                 monitor_metrics::kSettings, analytica::glue::create<make_metrics>, analytica::glue::destroy<Metrics>,
                 {ANALYTICA_MONITOR_V1, &kMonitor})
