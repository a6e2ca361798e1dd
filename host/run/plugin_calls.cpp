#include "run/plugin_calls.h"

#include <semaphore.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <thread>

namespace analytica {

std::atomic<bool> g_cancelled{false};

namespace plugin_calls {
namespace {

// One slot per thread (threads beyond kSlots share slots: the report may
// then name another thread's call, never crash). Written by the owning
// thread, read by signal handlers and the watchdog.
struct Slot {
  std::atomic<const char*> plugin{nullptr};
  std::atomic<const char*> call{nullptr};
  std::atomic<unsigned long> sequence{0};  // of the call in flight
};
constexpr unsigned kSlots = 64;
Slot g_slots[kSlots];
std::atomic<unsigned> g_next_slot{0};
std::atomic<unsigned long> g_next_sequence{1};
sem_t g_stop;

Slot& my_slot() {
  thread_local Slot* slot = &g_slots[g_next_slot.fetch_add(1) % kSlots];
  return *slot;
}

// Async-signal-safe: writes the parts (NULL ones skipped) as one message to
// stderr, cut at kLine - 1 bytes.
constexpr size_t kLine = 512;
void write_line(std::initializer_list<const char*> parts) {
  char buf[kLine];
  size_t n = 0;
  for (const char* s : parts)
    while (s && *s && n + 1 < kLine) buf[n++] = *s++;
  const char* p = buf;
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// Async-signal-safe: the decimal digits of a number, for write_line().
struct DecimalText {
  char text[24];
  explicit DecimalText(unsigned long v) {
    char digits[24];
    int k = 0;
    do digits[k++] = static_cast<char>('0' + v % 10);
    while ((v /= 10) && k < 23);
    int n = 0;
    while (k) text[n++] = digits[--k];
    text[n] = 0;
  }
};

const char* signal_name(int sig) {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    default:
      return "a signal";
  }
}

void on_crash(int sig) {
  Slot& s = my_slot();
  const char* plugin = s.plugin.load();
  if (plugin) {
    write_line({"analytica: plugin ", plugin, " crashed with ", signal_name(sig), " during ", s.call.load(), "\n"});
  }
  std::signal(sig, SIG_DFL);  // SA_RESETHAND did this already; be explicit
  raise(sig);
}

void on_stop(int) {
  g_cancelled.store(true);
  sem_post(&g_stop);
}

// exit() inside a plugin call: never let the process end with the plugin's
// status (cron would see 0 for a run half done).
void on_exit_check() {
  Slot& s = my_slot();
  const char* plugin = s.plugin.load();
  if (!plugin) return;
  write_line({"analytica: plugin ", plugin, " called exit() during ", s.call.load(), "; the run did not finish\n"});
  _exit(kExitStatusPluginExited);
}

unsigned grace_seconds() {
  const char* v = std::getenv("ANALYTICA_STOP_GRACE_S");
  if (v && *v) {
    char* end = nullptr;
    const unsigned long s = std::strtoul(v, &end, 10);
    if (end && !*end && s > 0 && s < 86400) return static_cast<unsigned>(s);
  }
  return 5;
}

// Waits for stop requests; ends the process if a call in flight at the
// request is still the same call after the grace period.
void watchdog() {
  for (;;) {
    while (sem_wait(&g_stop) != 0) {
    }
    unsigned long seen[kSlots];
    for (unsigned i = 0; i < kSlots; ++i) seen[i] = g_slots[i].plugin.load() ? g_slots[i].sequence.load() : 0;
    const unsigned grace = grace_seconds();
    std::this_thread::sleep_for(std::chrono::seconds(grace));
    for (unsigned i = 0; i < kSlots; ++i) {
      Slot& s = g_slots[i];
      const char* plugin = s.plugin.load();
      if (!seen[i] || !plugin || s.sequence.load() != seen[i]) continue;
      write_line({"analytica: plugin ", plugin, " did not return from ", s.call.load(), " within ",
                  DecimalText(grace).text, " s of the stop request; stopping without it\n"});
      _exit(kExitStatusStopTimeout);
    }
  }
}

}  // namespace

void install() {
  static std::once_flag once;
  std::call_once(once, [] {
    // The installing thread: a stack overflow still gets its line. A thread
    // that has an alternate stack keeps it: ASan gives every thread its own
    // and unmaps it when the thread ends (ours, static, would abort serve's
    // worker threads at exit under the sanitizer suite).
    stack_t current{};
    if (sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE)) {
      static char alt_stack[64 * 1024];
      stack_t ss{};
      ss.ss_sp = alt_stack;
      ss.ss_size = sizeof alt_stack;
      sigaltstack(&ss, nullptr);
    }
    struct sigaction crash {};
    crash.sa_handler = on_crash;
    crash.sa_flags = SA_RESETHAND | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&crash.sa_mask);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &crash, nullptr);
    sem_init(&g_stop, 0, 0);
    struct sigaction stop {};
    stop.sa_handler = on_stop;
    sigemptyset(&stop.sa_mask);
    for (int sig : {SIGINT, SIGTERM}) sigaction(sig, &stop, nullptr);
    std::atexit(on_exit_check);
    std::thread(watchdog).detach();
  });
}

InFlight::InFlight(const char* plugin, const char* call) noexcept {
  Slot& s = my_slot();
  previous_plugin_ = s.plugin.load();
  previous_call_ = s.call.load();
  previous_since_ = s.sequence.load();
  s.call.store(call);
  s.sequence.store(g_next_sequence.fetch_add(1));
  s.plugin.store(plugin);
}

InFlight::~InFlight() {
  Slot& s = my_slot();
  s.plugin.store(previous_plugin_);
  s.call.store(previous_call_);
  s.sequence.store(previous_since_);
}

}  // namespace plugin_calls
}  // namespace analytica
