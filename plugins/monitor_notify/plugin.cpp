// monitor_notify: runs a configured command when a run ends badly — the
// webhook-style hook for mail, chat or paging (`curl -d @- https://...`).
//
// The command runs through /bin/sh -c with the run's details in
// environment variables (ANALYTICA_RUN_ID, ANALYTICA_PIPELINE,
// ANALYTICA_RUN_STATUS, counts, times, ANALYTICA_FAILURES ...) and the same
// details as one JSON object on its stdin. It runs synchronously at the end
// of the run, in its own process group, with only stdin/stdout/stderr open,
// and is killed after `timeout_seconds`. Its output is logged; a non-zero
// exit is reported as a monitor failure (logged, never failing the run).
#include <analytica.h>
#include <analytica_cpp.hpp>
#include <nlohmann/json.hpp>

#include "instance_glue.h"
#include "settings_table.h"
#include "utc_time.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>
#include <string>
#include <vector>

extern char** environ;

namespace {
using analytica::Failure;
using analytica::utc::iso8601_ms;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxFailures = 50;        // failure lines kept per run
constexpr size_t kMaxFailureText = 8192;   // bytes of ANALYTICA_FAILURES
constexpr size_t kMaxOutput = 4096;        // bytes of command output logged

struct Notify {
  const analytica_host* host = nullptr;
  std::string command;
  std::set<std::string> on;
  int timeout_seconds = 30;

  // The run in flight.
  std::string run_id, pipeline;
  int64_t started_ms = 0;
  uint64_t ingested = 0, skipped = 0, failed = 0, warnings = 0, errors = 0;
  std::vector<std::string> failures;
};

std::string str(const char* s) { return s ? s : ""; }

void log(const Notify& n, analytica_log_level level, const std::string& message) {
  if (n.host && n.host->log) n.host->log(n.host->ctx, level, message.c_str());
}

struct Outcome {
  int exit_status = -1;  // -1: killed by a signal or timed out
  bool timed_out = false;
  std::string output;    // stdout and stderr, clipped
};

// Runs `command` with the given extra environment and stdin text.
Outcome run_command(const Notify& n, const std::vector<std::string>& env_extra, const std::string& input) {
  // Build argv and envp before spawning; our variables replace inherited ones.
  std::vector<std::string> env_text;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    bool replaced = false;
    for (const auto& x : env_extra)
      replaced = replaced || entry.compare(0, x.find('=') + 1, x, 0, x.find('=') + 1) == 0;
    if (!replaced) env_text.push_back(entry);
  }
  for (const auto& x : env_extra) env_text.push_back(x);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string sh = "sh", dash_c = "-c", cmd = n.command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};

  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) throw Failure(ANALYTICA_ERR_IO, std::string("pipe: ") + std::strerror(errno));
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    throw Failure(ANALYTICA_ERR_IO, std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 2);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(in_pipe[0]);
  close(out_pipe[1]);
  if (rc != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    throw Failure(ANALYTICA_ERR_IO, std::string("cannot start /bin/sh: ") + std::strerror(rc));
  }

  // The payload is clipped well below a pipe's capacity, so this never
  // blocks even if the command does not read its stdin. A command that
  // exits before we write would raise SIGPIPE and kill the host: block it
  // on this thread for the write and take back the signal it caused.
  const std::string payload = input.substr(0, 32768);
  sigset_t pipe_set, old_mask, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  const ssize_t wrote = write(in_pipe[1], payload.data(), payload.size());
  if (wrote < 0 && errno == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  close(in_pipe[1]);

  Outcome out;
  const auto deadline = Clock::now() + std::chrono::seconds(n.timeout_seconds);
  bool open = true;
  int status = 0;
  bool reaped = false;
  while (!reaped) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      out.timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    if (open) {
      pollfd p{out_pipe[0], POLLIN, 0};
      const int ready = poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
      if (ready > 0) {
        char buf[4096];
        const ssize_t got = read(out_pipe[0], buf, sizeof buf);
        if (got > 0) {
          if (out.output.size() < kMaxOutput) out.output.append(buf, static_cast<size_t>(got));
        } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
          open = false;
        }
      }
    } else {
      usleep(20000);
    }
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) reaped = true;
  }
  // Drain what is left without waiting on grandchildren holding the pipe.
  for (;;) {
    pollfd p{out_pipe[0], POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) break;
    char buf[4096];
    const ssize_t got = read(out_pipe[0], buf, sizeof buf);
    if (got <= 0) break;
    if (out.output.size() < kMaxOutput) out.output.append(buf, static_cast<size_t>(got));
  }
  close(out_pipe[0]);
  if (out.output.size() > kMaxOutput) out.output.resize(kMaxOutput);
  while (!out.output.empty() && (out.output.back() == '\n' || out.output.back() == '\r')) out.output.pop_back();
  if (!out.timed_out && WIFEXITED(status)) out.exit_status = WEXITSTATUS(status);
  return out;
}

void notify(Notify& n, const analytica_event& ev, const std::string& outcome) {
  const double seconds = static_cast<double>(ev.time_unix_ms - (n.started_ms ? n.started_ms : ev.time_unix_ms)) / 1000.0;
  std::string failures;
  for (const auto& f : n.failures) {
    if (failures.size() + f.size() + 1 > kMaxFailureText) break;
    failures += f + "\n";
  }
  const uint64_t total = n.ingested + n.skipped + n.failed;
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3f", seconds);
  const std::vector<std::string> env = {
      "ANALYTICA_EVENT=run_end",
      "ANALYTICA_RUN_ID=" + n.run_id,
      "ANALYTICA_PIPELINE=" + n.pipeline,
      "ANALYTICA_RUN_STATUS=" + outcome,
      "ANALYTICA_SOURCES_TOTAL=" + std::to_string(total),
      "ANALYTICA_SOURCES_INGESTED=" + std::to_string(n.ingested),
      "ANALYTICA_SOURCES_SKIPPED=" + std::to_string(n.skipped),
      "ANALYTICA_SOURCES_FAILED=" + std::to_string(n.failed),
      "ANALYTICA_RECORDS=" + std::to_string(ev.records),
      "ANALYTICA_WARNINGS=" + std::to_string(n.warnings),
      "ANALYTICA_ERRORS=" + std::to_string(n.errors),
      "ANALYTICA_STARTED_AT=" + iso8601_ms(n.started_ms ? n.started_ms : ev.time_unix_ms),
      "ANALYTICA_ENDED_AT=" + iso8601_ms(ev.time_unix_ms),
      std::string("ANALYTICA_DURATION_SECONDS=") + duration,
      "ANALYTICA_MESSAGE=" + str(ev.message),
      "ANALYTICA_FAILURES=" + failures,
  };
  const json payload = {{"event", "run_end"},
                        {"run_id", n.run_id},
                        {"pipeline", n.pipeline},
                        {"status", outcome},
                        {"message", str(ev.message)},
                        {"sources", {{"total", total}, {"ingested", n.ingested}, {"skipped", n.skipped},
                                     {"failed", n.failed}}},
                        {"records", ev.records},
                        {"warnings", n.warnings},
                        {"errors", n.errors},
                        {"started_at", iso8601_ms(n.started_ms ? n.started_ms : ev.time_unix_ms)},
                        {"ended_at", iso8601_ms(ev.time_unix_ms)},
                        {"duration_seconds", seconds},
                        {"failures", n.failures}};
  const Outcome r = run_command(n, env, payload.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
  const std::string shown = r.output.empty() ? "" : ": " + r.output;
  if (r.timed_out)
    throw Failure(ANALYTICA_ERR_IO, "notify command killed after " + std::to_string(n.timeout_seconds) + " s" + shown);
  if (r.exit_status != 0)
    throw Failure(ANALYTICA_ERR_IO, "notify command " +
                                        (r.exit_status < 0 ? std::string("was killed by a signal")
                                                           : "exited with status " + std::to_string(r.exit_status)) +
                                        shown);
  log(n, ANALYTICA_LOG_INFO, "notify command ran for " + outcome + " run " + n.run_id + shown);
}

std::unique_ptr<Notify> make_notify(const analytica_host* host, const nlohmann::json& s) {
  auto n = std::make_unique<Notify>();
  n->host = host;
  n->command = s.at("command").get<std::string>();
  if (n->command.find_first_not_of(" \t") == std::string::npos)
    throw Failure(ANALYTICA_ERR_INVALID, "settings: command: expected a shell command, got an empty string");
  for (const auto& v : s.value("on", json::array({"failed"}))) {
    if (!v.is_string() || (v != "failed" && v != "cancelled" && v != "succeeded"))
      throw Failure(ANALYTICA_ERR_INVALID, "settings: on: " + v.dump() + " is not failed, cancelled or succeeded");
    n->on.insert(v.get<std::string>());
  }
  const long long timeout = s.value("timeout_seconds", 30LL);
  if (timeout < 1 || timeout > 3600)
    throw Failure(ANALYTICA_ERR_INVALID,
                  "settings: timeout_seconds: " + std::to_string(timeout) + " is out of range 1..3600");
  n->timeout_seconds = static_cast<int>(timeout);
  return n;
}

analytica_status on_event(void* self, const analytica_event* raw) {
  return analytica::glue::guarded<Notify>(self, [&](Notify* n) {
    if (!raw) return ANALYTICA_ERR_INVALID;
    const analytica_event ev = analytica::read_sized(raw);
    switch (ev.kind) {
      case ANALYTICA_EVENT_RUN_START:
        n->run_id = str(ev.run_id);
        n->pipeline = str(ev.pipeline);
        n->started_ms = ev.time_unix_ms;
        n->ingested = n->skipped = n->failed = n->warnings = n->errors = 0;
        n->failures.clear();
        break;
      case ANALYTICA_EVENT_SOURCE_DONE: ++n->ingested; break;
      case ANALYTICA_EVENT_SOURCE_SKIPPED: ++n->skipped; break;
      case ANALYTICA_EVENT_SOURCE_FAILED:
        ++n->failed;
        if (n->failures.size() < kMaxFailures) n->failures.push_back(str(ev.source) + ": " + str(ev.message));
        break;
      case ANALYTICA_EVENT_WARNING: ++n->warnings; break;
      case ANALYTICA_EVENT_ERROR:
        ++n->errors;
        if (n->failures.size() < kMaxFailures)
          n->failures.push_back((ev.plugin ? str(ev.plugin) : std::string("host")) + ": " + str(ev.message));
        break;
      case ANALYTICA_EVENT_RUN_END: {
        const std::string outcome = ev.status == ANALYTICA_OK                ? "succeeded"
                                    : ev.status == ANALYTICA_ERR_CANCELLED ? "cancelled"
                                                                           : "failed";
        if (n->on.count(outcome)) notify(*n, ev, outcome);
        break;
      }
      default:
        break;
    }
    return ANALYTICA_OK;
  });
}

const analytica_monitor_v1 kMonitor = {sizeof(analytica_monitor_v1), on_event};

}  // namespace

ANALYTICA_PLUGIN(ANALYTICA_KIND_MONITOR, "monitor_notify", "1.0.0",
                 "runs a shell command with the run's details when a run fails (webhook-style)",
                 monitor_notify::kSettings, analytica::glue::create<make_notify>, analytica::glue::destroy<Notify>,
                 {ANALYTICA_MONITOR_V1, &kMonitor})
