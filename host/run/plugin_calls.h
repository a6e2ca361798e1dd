// Which plugin call is in flight on each thread, so the host can name the
// plugin when something goes wrong inside it (issue 14 item 5):
//   - a crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) prints one line
//     "analytica: plugin P crashed with SIGSEGV during extract" and dies by the
//     same signal (default action, so a core dump and the shell's status stay);
//   - exit() called from inside a plugin call prints "analytica: plugin P
//     called exit() during extract; the run did not finish" and ends the
//     process with status 70, never 0;
//   - after SIGINT/SIGTERM (which set the cancel flag plugins poll), a call
//     still in flight after the grace period (ANALYTICA_STOP_GRACE_S, default
//     5 s) prints "analytica: plugin P did not return from extract within 5 s
//     of the stop request" and ends the process with status 143. Open store
//     transactions are rolled back by the engine (nothing half-written).
// PluginInstance marks every call through the tables it hands out; nothing
// else needs to.
#ifndef ANALYTICA_HOST_RUN_PLUGIN_CALLS_H
#define ANALYTICA_HOST_RUN_PLUGIN_CALLS_H

#include <atomic>

namespace analytica {

// Set by SIGINT/SIGTERM; plugins see it through host->is_cancelled().
extern std::atomic<bool> g_cancelled;

namespace plugin_calls {

// Exit statuses of the reports above.
constexpr int kExitStatusPluginExited = 70;
constexpr int kExitStatusStopTimeout = 143;

// Installs the signal handlers, the atexit check and the stop watchdog
// thread, once per process; later calls do nothing. Replaces SIGINT/SIGTERM
// handlers with one that sets g_cancelled and wakes the watchdog.
// Thread-safe.
void install();

// Marks `call` of `plugin` in flight on this thread for its lifetime.
// Nests (a plugin's host service calling into another plugin). Both strings
// must outlive the marker (the instance's name and a literal).
class InFlight {
 public:
  InFlight(const char* plugin, const char* call) noexcept;
  ~InFlight();
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  const char* previous_plugin_;
  const char* previous_call_;
  unsigned long previous_since_;
};

}  // namespace plugin_calls
}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_PLUGIN_CALLS_H
