#include "run/isolated_plugin.h"

#include "run/isolated_wire.h"
#include "run/plugin_calls.h"
#include "run/plugin_trust.h"
#include "run/util.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

extern char** environ;

namespace analytica::isolated {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// The child is gone (crashed, exited, killed after a timeout); what() says
// how, e.g. "crashed with SIGSEGV".
class Lost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The plugin's create returned status < 0 in a new child; its reason went
// to host->fail already.
struct CreateFailed {
  analytica_status status;
};

struct Proxy {
  std::string name;
  fs::path file;
  Isolation isolation;
  const analytica_host* host = nullptr;
  std::string settings;
  pid_t pid = -1;
  int fd = -1;
  bool created = false;  // the first child created the instance
  bool cancel_forwarded = false;
  std::vector<Schema> tables;   // output tables, read from the first child
  std::string pending_failure;  // a probe lost the child: the next extract fails with this
};

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// Reaps the child and says how it ended. Kills it if it does not end
// within grace (it closed the socket but lives on).
std::string reap(Proxy& p, std::chrono::milliseconds grace = std::chrono::milliseconds(2000)) {
  if (p.fd >= 0) ::close(p.fd);
  p.fd = -1;
  if (p.pid <= 0) return "is not running";
  int status = 0;
  const auto until = Clock::now() + grace;
  pid_t r;
  while ((r = ::waitpid(p.pid, &status, WNOHANG)) == 0 && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (r == 0) {
    ::kill(p.pid, SIGKILL);
    r = ::waitpid(p.pid, &status, 0);
  }
  p.pid = -1;
  p.cancel_forwarded = false;
  if (r < 0) return "ended (its status is unknown)";
  if (WIFSIGNALED(status)) return "crashed with " + signal_name(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

bool forward_cancel(void* user) {
  auto& p = *static_cast<Proxy*>(user);
  if (!p.cancel_forwarded && g_cancelled.load() && p.pid > 0) {
    ::kill(p.pid, SIGTERM);  // the child's handler raises its is_cancelled
    p.cancel_forwarded = true;
  }
  return true;
}

// Sends a call and serves the plugin's host services until the child
// answers with done (or tables). Throws Lost if the child goes away or
// does not answer within the timeout; the child is reaped then.
wire::Reader call(Proxy& p, wire::Writer& request) {
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(p.isolation.timeout_s));
  const analytica_host* h = p.host;
  try {
    request.send(p.fd);
    for (;;) {
      wire::Reader m = wire::receive(p.fd, deadline, forward_cancel, &p);
      switch (m.type()) {
        case wire::Type::done:
        case wire::Type::tables:
          return m;
        case wire::Type::log: {
          const auto level = static_cast<analytica_log_level>(m.u8());
          h->log(h->ctx, level, m.str().c_str());
          break;
        }
        case wire::Type::fail:
          h->fail(h->ctx, m.str().c_str());
          break;
        case wire::Type::event: {
          const auto kind = static_cast<analytica_event_kind>(m.u32());
          h->event(h->ctx, kind, m.str().c_str());
          break;
        }
        case wire::Type::emit: {
          const Batch b = m.batch();
          wire::Writer(wire::Type::status).i32(h->emit(h->ctx, b.view())).send(p.fd);
          break;
        }
        case wire::Type::query: {
          const std::string sql = m.str();
          const std::vector<Cell> params = m.values();
          const std::vector<analytica_value> views = wire::views_of(params);
          auto on_row = [](void* user, const analytica_value* values, uint32_t n) -> int {
            try {
              wire::Writer(wire::Type::row).values(values, n).send(*static_cast<int*>(user));
              return 0;
            } catch (const std::exception&) {
              return 1;  // the child is gone; the next receive says how
            }
          };
          const analytica_status s =
              h->query(h->ctx, sql.c_str(), views.data(), static_cast<uint32_t>(views.size()), on_row, &p.fd);
          wire::Writer(wire::Type::status).i32(s).send(p.fd);
          break;
        }
        case wire::Type::report_check: {
          const uint64_t row = m.u64();
          const std::string check = m.str();
          const int passed = m.i32();
          const double confidence = m.f64();
          const auto reason = m.opt_str();
          analytica_status s;
          if (m.u8()) {
            const auto column = m.opt_str();
            const Cell observed = m.value(), expected = m.value(), minimum = m.value(), maximum = m.value();
            const analytica_check_values v{sizeof(analytica_check_values),
                                           column ? column->c_str() : nullptr,
                                           value_of(observed),
                                           value_of(expected),
                                           value_of(minimum),
                                           value_of(maximum)};
            s = h->report_check_values(h->ctx, row, check.c_str(), passed, confidence,
                                       reason ? reason->c_str() : nullptr, &v);
          } else {
            s = h->report_check(h->ctx, row, check.c_str(), passed, confidence, reason ? reason->c_str() : nullptr);
          }
          wire::Writer(wire::Type::status).i32(s).send(p.fd);
          break;
        }
        default:
          throw wire::Broken("unexpected message " + std::to_string(static_cast<int>(m.type())));
      }
    }
  } catch (const wire::Timeout&) {
    if (p.pid > 0) ::kill(p.pid, SIGKILL);
    reap(p);
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", p.isolation.timeout_s);
    throw Lost(std::string("did not answer within ") + seconds + " s (killed)");
  } catch (const wire::Broken& e) {
    const std::string how = reap(p);
    if (std::string(e.what()) == "connection closed") throw Lost(how);
    throw Lost(how + " after a protocol error (" + e.what() + ")");
  }
}

// Starts a child and creates the instance in it. The first time, also
// reads the output tables. Throws Lost, or std::runtime_error when the
// plugin's create failed (its reason went to host->fail).
void start(Proxy& p) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  // The child's end moves to fd 3; keep it off 3 here so dup2 clears CLOEXEC.
  const int child_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
  ::close(sv[1]);
  const std::string helper = helper_path().string();
  std::vector<std::string> args = {helper, "--fd", "3", "--plugin", p.file.string()};
  if (p.isolation.memory_mb) args.insert(args.end(), {"--memory-mb", std::to_string(p.isolation.memory_mb)});
  if (!trust::policy().file.empty()) args.insert(args.end(), {"--trust-policy", trust::policy().file.string()});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_end, 3);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);  // the host's stdout is its output
  pid_t pid = -1;
  const int rc = child_end < 0 ? errno : posix_spawn(&pid, helper.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (child_end >= 0) ::close(child_end);
  if (rc != 0) {
    ::close(sv[0]);
    throw std::runtime_error("cannot start " + helper + ": " + std::strerror(rc));
  }
  p.pid = pid;
  p.fd = sv[0];
  wire::Writer create(wire::Type::create);
  create.str(p.settings).str(p.host->run_id ? p.host->run_id : "");
  const analytica_status s = static_cast<analytica_status>(call(p, create).i32());
  if (s < 0) {
    reap(p);
    throw CreateFailed{s};
  }
  if (!p.created) {
    wire::Writer ask(wire::Type::output_tables);
    wire::Reader r = call(p, ask);
    const uint32_t n = r.u32();
    for (uint32_t i = 0; i < n; ++i) p.tables.push_back(r.schema());
    p.created = true;
  }
}

// Runs one forwarded call: starts a child if none runs, then f(). A lost
// child fails the call with one line through host->fail.
template <typename F>
analytica_status forwarded(Proxy& p, const std::string& doing, F&& f) {
  try {
    if (p.fd < 0) start(p);
    return f();
  } catch (const CreateFailed& e) {
    return e.status;
  } catch (const Lost& e) {
    const std::string message = std::string("isolated process ") + e.what() + " while " + doing;
    p.host->fail(p.host->ctx, message.c_str());
  } catch (const std::exception& e) {
    const std::string message = std::string(e.what()) + " while " + doing;
    p.host->fail(p.host->ctx, message.c_str());
  }
  return ANALYTICA_ERR_INTERNAL;
}

std::string display(const analytica_input* in) {
  if (in && in->display_name && *in->display_name) return in->display_name;
  if (in && in->path) return in->path;
  return in && in->uri ? in->uri : "an input";
}

std::string store_location(const Proxy& p) {
  return p.host->struct_size > offsetof(analytica_host, store_location) && p.host->store_location
             ? p.host->store_location
             : "";
}

const analytica_table_schema* output_table(void* self, uint32_t index) {
  auto& p = *static_cast<Proxy*>(self);
  return index < p.tables.size() ? p.tables[index].view() : nullptr;
}

int32_t probe(void* self, const analytica_input* in) {
  auto& p = *static_cast<Proxy*>(self);
  p.pending_failure.clear();
  std::string lost;
  try {
    if (p.fd < 0) start(p);
    wire::Writer w(wire::Type::probe);
    w.str(store_location(p)).input(*in);
    return call(p, w).i32();
  } catch (const CreateFailed&) {
    lost = "the plugin could not be created again in a new isolated process while probing " + display(in);
  } catch (const Lost& e) {
    lost = std::string("isolated process ") + e.what() + " while probing " + display(in);
  } catch (const std::exception& e) {
    lost = std::string(e.what()) + " while probing " + display(in);
  }
  p.pending_failure = lost;
  return 100;  // chosen, so the input fails naming this plugin
}

analytica_status extract(void* self, const analytica_input* in) {
  auto& p = *static_cast<Proxy*>(self);
  if (!p.pending_failure.empty()) {
    const std::string message = std::move(p.pending_failure);
    p.pending_failure.clear();
    p.host->fail(p.host->ctx, message.c_str());
    return ANALYTICA_ERR_INTERNAL;
  }
  return forwarded(p, "extracting " + display(in), [&] {
    wire::Writer w(wire::Type::extract);
    w.str(store_location(p)).input(*in);
    return static_cast<analytica_status>(call(p, w).i32());
  });
}

analytica_status validate(void* self, const analytica_batch* batch) {
  auto& p = *static_cast<Proxy*>(self);
  const std::string table = batch && batch->schema && batch->schema->table ? batch->schema->table : "";
  return forwarded(p, "validating " + table, [&] {
    wire::Writer w(wire::Type::validate);
    w.str(store_location(p)).batch(*batch);
    return static_cast<analytica_status>(call(p, w).i32());
  });
}

const analytica_extractor_v1 kExtractor = {sizeof(analytica_extractor_v1), output_table, probe, extract};
const analytica_validator_v1 kValidator = {sizeof(analytica_validator_v1), validate};

}  // namespace

analytica_status create(const LoadedPlugin& plugin, const Isolation& isolation, const analytica_host* host,
                        const char* settings_json, void** out_self) {
  auto p = std::make_unique<Proxy>();
  p->name = plugin.name();
  p->file = plugin.file();
  p->isolation = isolation;
  p->host = host;
  p->settings = settings_json ? settings_json : "{}";
  const analytica_status s = forwarded(*p, "creating the instance", [] { return ANALYTICA_OK; });
  if (s < 0) return s;
  *out_self = p.release();
  return ANALYTICA_OK;
}

void destroy(void* self) {
  std::unique_ptr<Proxy> p(static_cast<Proxy*>(self));
  if (!p || p->fd < 0) return;
  try {
    wire::Writer(wire::Type::destroy).send(p->fd);
  } catch (const std::exception&) {
  }
  reap(*p);
}

const void* get_interface(const char* id) {
  if (!id) return nullptr;
  if (std::strcmp(id, ANALYTICA_EXTRACTOR_V1) == 0) return &kExtractor;
  if (std::strcmp(id, ANALYTICA_VALIDATOR_V1) == 0) return &kValidator;
  return nullptr;
}

fs::path helper_path() {
  if (const char* env = std::getenv("ANALYTICA_PLUGIN_HOST"); env && *env) return env;
  const fs::path beside = exe_dir() / "analytica-plugin-host";
  if (fs::exists(beside)) return beside;
#ifdef ANALYTICA_PLUGIN_HOST_BUILD_PATH
  if (fs::exists(ANALYTICA_PLUGIN_HOST_BUILD_PATH)) return ANALYTICA_PLUGIN_HOST_BUILD_PATH;
#endif
  return beside;
}

}  // namespace analytica::isolated
