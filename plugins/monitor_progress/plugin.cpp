// monitor_progress: a progress line on the terminal while a pipeline runs —
// an activity bar, the sources seen so far by outcome, records written,
// warnings, elapsed time and the file being read — redrawn in place on
// stderr, then one summary line at the end of the run.
//
// Quiet unless stderr is a terminal (mode "auto"), so cron jobs and CI logs
// stay clean; mode "always" prints one plain line per finished source
// instead of redrawing, mode "never" prints nothing. Sources are yielded
// lazily, so the total is not known in advance: the bar shows activity
// until a source announces more inputs than are done, then the fraction.
#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include "instance_glue.h"
#include "settings_table.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace {
using analytica::Failure;
using Clock = std::chrono::steady_clock;

enum class Mode { Never, Redraw, Lines };

struct Progress {
  const analytica_host* host = nullptr;
  Mode mode = Mode::Never;
  int width = 24;

  std::mutex mutex;  // guards everything below (the ticker thread reads it)
  std::string pipeline, current;
  uint64_t total = 0, done = 0, ingested = 0, skipped = 0, failed = 0, warnings = 0, errors = 0, records = 0;
  Clock::time_point started = Clock::now();
  bool running = false;
  size_t drawn = 0;  // visible width of the line on screen (Redraw), 0 if none

  std::thread ticker;
  std::condition_variable wake;
  bool stop_ticker = false;

  ~Progress() { stop(); }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop_ticker = true;
    }
    wake.notify_all();
    if (ticker.joinable()) ticker.join();
  }
};

// Number of code points (every glyph used here is one column wide).
size_t columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The first `max` code points of s.
std::string clip(const std::string& s, size_t max) {
  size_t n = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == max) break;
      ++n;
    }
  }
  return s.substr(0, i);
}

std::string thousands(uint64_t v) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string elapsed(Clock::duration d) {
  const long long s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

int terminal_columns() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  return 80;
}

void put(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stderr);
  std::fflush(stderr);
}

// "7 sources · 5 ingested · 1 unchanged · 1 failed · 4,321 records".
std::string counts(const Progress& p) {
  std::string out = std::to_string(p.done) + (p.done == 1 ? " source" : " sources");
  out += " · " + std::to_string(p.ingested) + " ingested";
  if (p.skipped) out += " · " + std::to_string(p.skipped) + " unchanged";
  if (p.failed) out += " · " + std::to_string(p.failed) + " failed";
  out += " · " + thousands(p.records) + " records";
  if (p.warnings) out += " · " + std::to_string(p.warnings) + (p.warnings == 1 ? " warning" : " warnings");
  return out;
}

// The bar: the done fraction when the total is known ahead, else a block
// sweeping back and forth with time.
std::string bar(const Progress& p, Clock::time_point now) {
  std::string out = "[";
  const int w = p.width;
  if (p.total > p.done + 1) {
    const int filled = static_cast<int>(static_cast<double>(p.done) / static_cast<double>(p.total) * w);
    for (int i = 0; i < w; ++i) out += i < filled ? "█" : "░";
  } else {
    const int block = w >= 8 ? 4 : 1;
    const long long tick = std::chrono::duration_cast<std::chrono::milliseconds>(now - p.started).count() / 125;
    const int span = 2 * (w - block);
    int pos = span > 0 ? static_cast<int>(tick % span) : 0;
    if (pos > w - block) pos = span - pos;
    for (int i = 0; i < w; ++i) out += i >= pos && i < pos + block ? "█" : "░";
  }
  return out + "]";
}

// Redraws the progress line in place. Caller holds the mutex.
void redraw(Progress& p) {
  const auto now = Clock::now();
  static const char* spinner[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
  const long long tick = std::chrono::duration_cast<std::chrono::milliseconds>(now - p.started).count() / 100;
  std::string line = std::string(spinner[tick % 10]) + " " + p.pipeline + " " + bar(p, now) + " " + counts(p) +
                     " · " + elapsed(now - p.started);
  if (!p.current.empty()) line += " · " + p.current;
  line = clip(line, static_cast<size_t>(terminal_columns() - 1));
  // Back to column 0, clear, draw, and leave the cursor at column 0 so a log
  // line printed meanwhile overwrites the bar instead of trailing it.
  put("\r\033[K" + line + "\r");
  p.drawn = columns(line);
}

void clear_line(Progress& p) {
  if (p.drawn) put("\r\033[K");
  p.drawn = 0;
}

std::string summary(const Progress& p, analytica_status status) {
  std::string out = p.pipeline + ": " + counts(p) + " in " + elapsed(Clock::now() - p.started);
  if (status == ANALYTICA_ERR_CANCELLED) out += " — cancelled";
  else if (status < 0) out += " — failed";
  return out + "\n";
}

std::unique_ptr<Progress> make_progress(const analytica_host* host, const nlohmann::json& s) {
  auto p = std::make_unique<Progress>();
  p->host = host;
  const std::string mode = s.value("mode", "auto");
  const bool tty = isatty(STDERR_FILENO) == 1;
  if (mode == "auto") p->mode = tty ? Mode::Redraw : Mode::Never;
  else if (mode == "always") p->mode = tty ? Mode::Redraw : Mode::Lines;
  else if (mode == "never") p->mode = Mode::Never;
  else throw Failure(ANALYTICA_ERR_INVALID, "settings: mode: \"" + mode + "\" is not auto, always or never");
  const long long width = s.value("width", 24LL);
  if (width < 4 || width > 200)
    throw Failure(ANALYTICA_ERR_INVALID, "settings: width: " + std::to_string(width) + " is out of range 4..200");
  p->width = static_cast<int>(width);
  return p;
}

void destroy(void* self) {
  auto* p = static_cast<Progress*>(self);
  if (!p) return;
  p->stop();
  {
    std::lock_guard<std::mutex> lock(p->mutex);
    clear_line(*p);
  }
  delete p;
}

// Keeps the spinner and the elapsed time moving during a long extraction.
void start_ticker(Progress& p) {
  if (p.ticker.joinable()) return;
  p.ticker = std::thread([&p] {
    std::unique_lock<std::mutex> lock(p.mutex);
    while (!p.stop_ticker) {
      p.wake.wait_for(lock, std::chrono::milliseconds(250));
      if (!p.stop_ticker && p.running) redraw(p);
    }
  });
}

std::string str(const char* s) { return s ? s : ""; }

analytica_status on_event(void* self, const analytica_event* raw) {
  return analytica::glue::guarded<Progress>(self, [&](Progress* p) {
    if (p->mode == Mode::Never || !raw) return ANALYTICA_OK;
    const analytica_event ev = analytica::read_sized(raw);
    bool end = false;
    {
      std::lock_guard<std::mutex> lock(p->mutex);
      p->total = ev.sources_total;
      p->done = ev.sources_done;
      std::string line;  // Lines mode: printed below
      switch (ev.kind) {
        case ANALYTICA_EVENT_RUN_START:
          p->pipeline = str(ev.pipeline);
          p->started = Clock::now();
          p->running = true;
          break;
        case ANALYTICA_EVENT_SOURCE_START:
          p->current = str(ev.source);
          break;
        case ANALYTICA_EVENT_SOURCE_DONE:
          ++p->ingested;
          p->done = ev.sources_done + 1;  // the host counts it done after the event
          p->records += ev.records;
          p->current.clear();
          line = str(ev.source) + ": ingested, " + thousands(ev.records) + " records";
          break;
        case ANALYTICA_EVENT_SOURCE_SKIPPED:
          ++p->skipped;
          p->done = ev.sources_done + 1;
          p->current.clear();
          line = str(ev.source) + ": unchanged, skipped";
          break;
        case ANALYTICA_EVENT_SOURCE_FAILED:
          ++p->failed;
          p->done = ev.sources_done + 1;
          p->current.clear();
          line = str(ev.source) + ": failed: " + str(ev.message);
          break;
        case ANALYTICA_EVENT_WARNING:
          ++p->warnings;
          break;
        case ANALYTICA_EVENT_ERROR:
          ++p->errors;
          break;
        case ANALYTICA_EVENT_RUN_END:
          p->running = false;
          end = true;
          break;
        default:
          break;
      }
      if (p->mode == Mode::Redraw) {
        if (end) {
          clear_line(*p);
          put(summary(*p, ev.status));
        } else {
          redraw(*p);
        }
      } else if (!line.empty()) {
        put(p->pipeline + " [" + std::to_string(p->done) + "] " + line + " (" + elapsed(Clock::now() - p->started) +
            ")\n");
      } else if (end) {
        put(summary(*p, ev.status));
      }
    }
    if (p->mode == Mode::Redraw) {
      if (ev.kind == ANALYTICA_EVENT_RUN_START) start_ticker(*p);
      if (end) p->stop();
    }
    return ANALYTICA_OK;
  });
}

const analytica_monitor_v1 kMonitor = {sizeof(analytica_monitor_v1), on_event};

}  // namespace

ANALYTICA_PLUGIN(ANALYTICA_KIND_MONITOR, "monitor_progress", "1.0.0",
                 "progress line on the terminal: sources by outcome, records, elapsed time",
                 monitor_progress::kSettings, analytica::glue::create<make_progress>, destroy,
                 {ANALYTICA_MONITOR_V1, &kMonitor})
