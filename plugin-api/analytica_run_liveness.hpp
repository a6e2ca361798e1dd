// analytica_run_liveness.hpp — whether the process that recorded a run is
// still there: the identity governance writes into ANALYTICA_T_RUNS (host,
// pid, process_start) and the test every reader applies to a `running` run
// (rules: analytica_store.h, "Runs that end without saying so").
//
// Header-only and compiled into each side, so governance (which closes such
// runs at the next run start) and the host's readers (which only show them)
// judge alike. Linux: reads /proc. Nothing here crosses the ABI. Every
// function is thread-safe and throws nothing.
#ifndef ANALYTICA_RUN_LIVENESS_HPP
#define ANALYTICA_RUN_LIVENESS_HPP

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace analytica {

// This machine's name as gethostname() gives it ("" if it cannot).
inline std::string run_host_name() {
  char name[256] = {0};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

// Field 22 of /proc/<pid>/stat (the process's start time in clock ticks
// since boot): with the pid, it names one process even after the pid is
// reused. 0 if unknown. `state` receives field 3 (R, S, Z, ...) if given.
inline int64_t process_start_ticks(int64_t pid, char* state = nullptr) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) return 0;
  const size_t close = text.rfind(')');  // the command name may hold spaces and ')'
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  for (int n = 3; n <= 22 && fields >> field; ++n) {
    if (n == 3 && state) *state = field.empty() ? '?' : field[0];
    if (n == 22) return std::strtoll(field.c_str(), nullptr, 10);
  }
  return 0;
}

// False when the process recorded as (pid, start_ticks) on this host is
// gone: no such pid, a zombie (killed, not yet reaped), or a pid reused by
// a later process (its start time differs; start_ticks 0 skips that test).
// True while it runs, and when it cannot be told (pid <= 0 is "gone").
inline bool process_alive(int64_t pid, int64_t start_ticks) {
  if (pid <= 0) return false;
  char state = 0;
  const int64_t started = process_start_ticks(pid, &state);
  if (started == 0) {  // no /proc entry (or no /proc): ask the kernel
    if (::kill(static_cast<pid_t>(pid), 0) == 0) return true;
    return errno != ESRCH;
  }
  if (state == 'Z' || state == 'X') return false;
  return start_ticks == 0 || started == start_ticks;
}

}  // namespace analytica

#endif  // ANALYTICA_RUN_LIVENESS_HPP
